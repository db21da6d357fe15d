"""The case company: a Sino-foreign joint venture registered in Chongming, its shareholders,
and the timeline of cancelling its registered address (relocation or dissolution)."""
from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
from faker import Faker

from .identifiers import uscc
from .people import name_pools, pinyin
from .regions import CHONGMING_TOWNS

SCENARIOS = ("relocation", "dissolution")

_PLACES = ["瀛洲", "东滩", "明珠", "西沙", "绿华", "前卫", "北湖", "陈家", "堡镇", "港沿"]
_BRANDS = ["绿源", "鲜禾", "田园", "优选", "丰穗", "禾润", "清溪", "沃野"]
_FOREIGN_PARTIES = [  # (locale, country zh, country en)
    ("de_DE", "德国", "Germany"), ("fr_FR", "法国", "France"), ("en_US", "美国", "United States"),
    ("nl_NL", "荷兰", "Netherlands"), ("en_GB", "英国", "United Kingdom"),
]
_NEW_DISTRICTS = ["浦东新区", "闵行区", "嘉定区", "松江区", "青浦区"]


def _d(x: dt.date) -> pd.Timestamp:
    return pd.Timestamp(x)


def build_company(rng: np.random.Generator, faker: Faker, scenario: str | None):
    """One-row company table, its shareholders and the scenario's timeline."""
    scenario = scenario or SCENARIOS[int(rng.integers(0, 2))]
    if scenario not in SCENARIOS:
        raise ValueError(f"scenario must be one of {', '.join(SCENARIOS)}, got {scenario!r}")
    place, brand = _PLACES[rng.integers(len(_PLACES))], _BRANDS[rng.integers(len(_BRANDS))]
    name_zh = f"上海{place}{brand}食品有限公司"
    name_en = f"Shanghai {pinyin(place).title()} {pinyin(brand).title()} Foods Co., Ltd."
    established = dt.date(int(rng.integers(2009, 2015)), int(rng.integers(1, 13)), int(rng.integers(1, 29)))
    town = CHONGMING_TOWNS[rng.integers(len(CHONGMING_TOWNS))]
    address = f"上海市崇明区{town}{faker.street_name()}{rng.integers(1, 999)}号{rng.integers(1, 9)}幢{rng.integers(101, 520)}室"
    # USCCs were issued from late 2015, when Chongming was still 崇明县 (310230).
    code = uscc(1, np.array([310230]), rng, entity_type="1").iloc[0]
    pools = name_pools()
    family, given = pools.chinese(np.array([True]), np.array([1968]), rng)
    legal_rep = pools.full_names(family, given, np.array([False]))[0].as_py()

    locale, country_zh, country_en = _FOREIGN_PARTIES[rng.integers(len(_FOREIGN_PARTIES))]
    foreign = Faker(locale)
    foreign.seed_instance(int(rng.integers(0, 2**31)))
    foreign_name = foreign.company()
    chinese_party = faker.company()
    cn_share = int(rng.choice([51, 55, 60, 65, 70]))
    shareholders = pd.DataFrame({
        "shareholder": [chinese_party, foreign_name],
        "country_zh": ["中国", country_zh],
        "country_en": ["China", country_en],
        "party": ["chinese", "foreign"],
        "share_pct": [cn_share, 100 - cn_share],
        "uscc_or_registration": [uscc(1, np.array([310115]), rng).iloc[0], f"{locale[-2:]}-{rng.integers(10**7, 10**8)}"],
    })

    decision = dt.date(2026, 3, 2) + dt.timedelta(days=int(rng.integers(0, 90)))
    timeline = _timeline(scenario, decision, rng)
    cutoff = timeline.loc[timeline["data_cutoff"], "date"].iloc[0].date()
    new_address = ""
    if scenario == "relocation":
        new_district = _NEW_DISTRICTS[rng.integers(len(_NEW_DISTRICTS))]
        new_address = f"上海市{new_district}{faker.street_name()}{rng.integers(1, 999)}号{rng.integers(2, 30)}层"
    company = pd.DataFrame([{
        "name_zh": name_zh,
        "name_en": name_en,
        "entity_type_zh": "有限责任公司(中外合资)",
        "entity_type_en": "Limited liability company (Sino-foreign equity joint venture)",
        "uscc": code,
        "registered_address": address,
        "registered_district": "崇明区",
        "legal_representative": legal_rep,
        "registered_capital_cny": int(rng.integers(5, 50)) * 1_000_000,
        "established_on": _d(established),
        "business_zh": "有机食品生产、会员制生鲜配送、儿童营养计划",
        "business_en": "Organic food production, membership fresh-food delivery, children's nutrition plans",
        "scenario": scenario,
        "decision_date": _d(decision),
        "data_cutoff": _d(cutoff),
        "address_cancelled_on": timeline.loc[timeline["step"] == "address_cancelled", "date"].iloc[0],
        "new_registered_address": new_address,
        "successor": "" if scenario == "relocation" else chinese_party,
    }])
    return company, shareholders, timeline, established, cutoff


def _timeline(scenario: str, decision: dt.date, rng: np.random.Generator) -> pd.DataFrame:
    """The key dates, each within the period the cited provision allows."""
    def after(base: dt.date, lo: int, hi: int) -> dt.date:
        return base + dt.timedelta(days=int(rng.integers(lo, hi + 1)))

    rows = []
    if scenario == "dissolution":
        published = after(decision, 2, 10)
        group = after(decision, 5, 15)
        creditors = after(group, 3, 10)
        announced = after(group, 10, 60)
        service_end = after(decision, 20, 40)
        claims_end = announced + dt.timedelta(days=45)
        tax = after(claims_end, 20, 60)
        liquidation_done = after(tax, 5, 20)
        deregistered = after(liquidation_done, 5, 30)
        rows = [
            ("decision", decision, "股东会作出解散决议", "Shareholders resolve to dissolve", "Company Law"),
            ("dissolution_published", published, "公示解散事由(10日内)", "Dissolution published (within 10 days)", "Company Law Art. 229"),
            ("liquidation_group", group, "成立清算组(15日内)", "Liquidation group formed (within 15 days)", "Company Law Art. 232"),
            ("creditors_notified", creditors, "通知债权人(10日内)", "Creditors notified (within 10 days)", "Company Law Art. 235"),
            ("announcement", announced, "公告(60日内)", "Public announcement (within 60 days)", "Company Law Art. 235"),
            ("service_end", service_end, "停止向客户提供服务;客户数据截止", "Service to customers ends; customer data frozen", "PIPL Art. 47 (ceasing the service triggers deletion)"),
            ("claims_period_end", claims_end, "债权申报期届满(公告后45日)", "Claims period ends (45 days after announcement)", "Company Law Art. 235"),
            ("tax_deregistered", tax, "税务注销(先于登记机关注销)", "Tax deregistration (before the market regulator)", "Tax Collection Administration Implementing Rules Arts. 15-16"),
            ("liquidation_done", liquidation_done, "清算完毕", "Liquidation complete", "Company Law"),
            ("address_cancelled", deregistered, "申请注销登记,注册地址注销(清算后30日内)", "Deregistration; registered address cancelled (within 30 days after liquidation)", "Market Entity Registration Regulations"),
        ]
        cutoff_step = "service_end"
    else:
        notice = after(decision, 3, 10)
        application = after(decision, 10, 30)
        moved = after(application, 10, 30)
        tax = after(moved, 5, 30)
        file_moved = after(moved, 30, 90)
        rows = [
            ("decision", decision, "股东会作出迁址决议", "Shareholders resolve to relocate", "Company Law"),
            ("customers_told", notice, "告知客户新的名称地址与联系方式", "Customers told the new address and contact", "PIPL Art. 17"),
            ("application", application, "向迁入地登记机关申请迁移", "Application to the new registration authority", "Market Entity Registration Regulations"),
            ("address_cancelled", moved, "崇明注册地址注销,新地址生效", "Chongming address cancelled; new address in force", "Market Entity Registration Regulations"),
            ("tax_moved", tax, "原税务机关注销、新税务机关登记(30日内)", "Tax deregistered at the old and registered at the new authority (within 30 days)", "Tax Collection Administration Implementing Rules Arts. 15-16"),
            ("registration_file_moved", file_moved, "登记档案迁移(3个月内)", "Registration file transferred (within 3 months)", "Market Entity Registration Regulations"),
        ]
        cutoff_step = "address_cancelled"
    table = pd.DataFrame(rows, columns=["step", "date", "event_zh", "event_en", "basis"])
    table["date"] = pd.to_datetime(table["date"])
    table = table.sort_values("date", kind="stable").reset_index(drop=True)
    table["data_cutoff"] = table["step"] == cutoff_step
    return table
