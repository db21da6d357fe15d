"""The customers table: individuals (Chinese and a few foreign), children under 14 with a
guardian, and about 10% corporate customers with a contact person."""
from __future__ import annotations

import datetime as dt
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import pandas as pd
from faker import Faker

from .columns import from_ascii, from_pool, join, keep, pick, series
from .identifiers import BANK_BINS, bank_cards, mobiles, resident_id_matrix, uscc
from .people import emails, name_pools
from .regions import CHONGMING, CHONGMING_TOWNS, Regions
from .watermark import customer_ids

CORPORATE_SHARE = 0.10
FOREIGN_SHARE = 0.02
CHILD_SHARE = 0.03
CARD_ON_FILE_SHARE = 0.55
MARKETING_SHARE = 0.45

_FOREIGN = [("美国", "US"), ("德国", "DE"), ("法国", "FR")]
_LEVELS = np.array(["普通", "银卡", "金卡", "钻石"], dtype=object)
_STREET_SUFFIX = ("路", "街", "大道", "公路")
_TOWNS = np.array(CHONGMING_TOWNS, dtype=object)
_GUARDIAN_GIVEN = np.array(["建华", "丽娟", "海燕", "志强", "晓东", "静", "伟", "敏", "磊", "婷"], dtype=object)


def _days(d: dt.date) -> int:
    return int(np.datetime64(d, "D").astype(np.int64))


def street_pool(faker: Faker, draws: int = 3000) -> np.ndarray:
    """Street names from Faker's zh_CN vocabulary, keeping only well-formed ones (城市名 + 路/街)."""
    names = {faker.street_name() for _ in range(draws)}
    good = [n for n in names if len(n) >= 3 and n.endswith(_STREET_SUFFIX) and not any(c.isascii() for c in n)]
    return np.array(sorted(good), dtype=object)


def build_customers(n: int, rng: np.random.Generator, faker: Faker, established: dt.date,
                    cutoff: dt.date, watermark_key: bytes) -> pd.DataFrame:
    regions = Regions.default()
    cutoff_d = _days(cutoff)
    kind = rng.random(n)
    corporate = kind < CORPORATE_SHARE
    foreign = (kind >= CORPORATE_SHARE) & (kind < CORPORATE_SHARE + FOREIGN_SHARE)
    child = (kind >= CORPORATE_SHARE + FOREIGN_SHARE) & (kind < CORPORATE_SHARE + FOREIGN_SHARE + CHILD_SHARE)
    individual = ~corporate

    # Ages at the data cutoff: adults 18-85, children 4-13.
    adult_age = np.clip(rng.gamma(6.0, 7.0, n) + 14, 18, 85)
    age_days = np.where(child, rng.uniform(4, 14, n), adult_age) * 365.2425
    birth = (cutoff_d - age_days).astype(np.int64).astype("datetime64[D]")
    birth_year = birth.astype("datetime64[Y]").astype(np.int64) + 1970
    age = _age(birth, cutoff)

    male = rng.random(n) < 0.49
    district_idx, region_code = regions.sample(birth_year, rng)

    # Names: Chinese for most, Latin script for foreign customers (indices into the name pools).
    pools = name_pools()
    zh_family, zh_given = pools.chinese(male, birth_year, rng)
    west_family, west_given = pools.western(male, rng)
    family = np.where(foreign, west_family, zh_family)
    given = np.where(foreign, west_given, zh_given)

    # Relationship dates: joined after the company was founded and (adults) after turning 18.
    start = np.maximum(_days(established), birth.astype(np.int64) + np.where(child, 365 * 2, 365 * 18))
    start = np.minimum(start, cutoff_d - 30)
    since = start + ((cutoff_d - start) * rng.beta(1.6, 1.0, n)).astype(np.int64)
    dormant = rng.random(n) < 0.25
    recent = cutoff_d - (rng.exponential(25, n)).astype(np.int64)
    last_active = np.where(dormant, since + ((cutoff_d - since) * rng.random(n)).astype(np.int64), recent)
    last_active = np.clip(last_active, since, cutoff_d)

    # Order by join date so that the customer number grows with time, as in a real CRM.
    order = np.lexsort((rng.random(n), since))
    cols = dict(corporate=corporate, foreign=foreign, child=child, individual=individual, birth=birth,
                birth_year=birth_year, age=age, male=male, district_idx=district_idx, region_code=region_code,
                family=family, given=given, since=since, last_active=last_active)
    c = {k: v[order] for k, v in cols.items()}
    return _assemble(n, c, rng, faker, regions, watermark_key)


def _emails_and_addresses(c, regions: Regions, streets, district_code, rng):
    n = len(district_code)
    pools = name_pools()
    email = emails(from_pool(pools.given_roman, c["given"]), from_pool(pools.family_roman, c["family"]),
                   c["birth_year"], rng)
    d = c["district_idx"]
    province = from_pool(regions.names("province"), d)
    city = from_pool(regions.names("city"), d)
    district = from_pool(regions.names("district"), d)
    prefix = from_pool([x.province if x.province == x.city else x.province + x.city for x in regions.districts], d)
    street = from_pool(streets, rng.integers(0, len(streets), n))
    in_chongming = district_code == CHONGMING
    town = from_pool(np.r_[[""], _TOWNS], np.where(in_chongming, rng.integers(1, len(_TOWNS) + 1, n), 0))
    # Chongming: town addresses; cities: 弄/号/室; companies: a street number.
    house = join(prefix, district, town, street, rng.integers(1, 1500, n), "号")
    flat = join(prefix, district, street, rng.integers(1, 800, n), "弄", rng.integers(1, 40, n), "号",
                rng.integers(1, 30, n) * 100 + rng.integers(1, 6, n), "室")
    address = pick(~in_chongming & ~c["corporate"], house, flat)
    return email, province, city, district, address


def _age(birth: np.ndarray, on: dt.date) -> np.ndarray:
    from .identifiers import split_dates
    y, m, d = split_dates(birth)
    before_birthday = (on.month < m) | ((on.month == m) & (on.day < d))
    return on.year - y - before_birthday.astype(np.int64)


def _assemble(n, c, rng, faker, regions: Regions, watermark_key: bytes) -> pd.DataFrame:
    corporate, foreign, child, individual = c["corporate"], c["foreign"], c["child"], c["individual"]
    chinese_person = individual & ~foreign
    has_contact = ~child

    # E-mail and address strings are Arrow work that releases the GIL: build them on a second
    # thread, from a stream of their own, while this one draws the identifiers.
    rng_text, rng = rng.spawn(2)
    d = c["district_idx"]
    district_code = np.array([x.code for x in regions.districts])[d]
    streets = street_pool(faker)
    with ThreadPoolExecutor(max_workers=1) as pool:
        text_job = pool.submit(_emails_and_addresses, c, regions, streets, district_code, rng_text)
        seq = rng.integers(0, 500, n) * 2 + c["male"]  # odd sequence digit = male
        resident_id = from_ascii(resident_id_matrix(c["region_code"], c["birth"], seq))
        mobile = mobiles(n, rng)
        guardian_mobile = np.full(n, None, dtype=object)
        guardian_mobile[child] = mobiles(int(child.sum()), rng).to_numpy(dtype=object)
        cards, bank = bank_cards(n, rng)
        corp_uscc = np.full(n, None, dtype=object)
        corp_uscc[corporate] = uscc(int(corporate.sum()), district_code[corporate], rng).to_numpy(dtype=object)
        email, province, city, district, address = text_job.result()
    pools = name_pools()

    has_card = chinese_person & ~child & (rng.random(n) < CARD_ON_FILE_SHARE)
    bank_name = from_pool([b[1] for b in BANK_BINS], bank)

    company_names = np.array(sorted({faker.company() for _ in range(600)}), dtype=object)
    company_name = from_pool(company_names, rng.integers(0, len(company_names), n))

    origin = rng.integers(0, len(_FOREIGN), n)
    nationality = from_pool(["中国"] + [f[0] for f in _FOREIGN], np.where(foreign, origin + 1, 0))
    passport = join(from_pool([f[1][0] for f in _FOREIGN], origin), rng.integers(10**7, 10**8, n))

    guardian_name = join(from_pool(pools.family, c["family"]), from_pool(_GUARDIAN_GIVEN, rng.integers(0, len(_GUARDIAN_GIVEN), n)))
    guardian_rel = from_pool(["父亲", "母亲"], rng.random(n) < 0.6)

    level = from_pool(_LEVELS, np.minimum(rng.geometric(0.55, n) - 1, 3))
    marketing = has_contact & (rng.random(n) < MARKETING_SHARE)

    def as_date(days):
        return pd.to_datetime(days.astype("datetime64[D]"))

    age = pd.array(c["age"], dtype="Int64")
    age[corporate] = pd.NA
    return pd.DataFrame({
        "customer_id": customer_ids(n, watermark_key, rng),
        "customer_type": series(from_pool(["individual", "corporate"], corporate)),
        "name": series(pools.full_names(c["family"], c["given"], foreign)),
        "gender": series(from_pool(["女", "男"], c["male"])),
        "birth_date": pd.Series(as_date(c["birth"])).where(individual),
        "age": age,
        "resident_id": series(keep(chinese_person, resident_id)),
        "nationality": series(keep(individual, nationality)),
        "passport_no": series(keep(foreign, passport)),
        "mobile": series(keep(has_contact, mobile)),
        "email": series(keep(has_contact, email)),
        "province": series(province),
        "city": series(city),
        "district": series(district),
        "address": series(address),
        "bank_name": series(keep(has_card, bank_name)),
        "bank_card": series(keep(has_card, cards)),
        "company_name": series(keep(corporate, company_name)),
        "uscc": series(keep(corporate, corp_uscc)),
        "membership_level": series(level),
        "customer_since": as_date(c["since"]),
        "last_activity": as_date(c["last_active"]),
        "marketing_consent": marketing,
        "is_minor": child & (c["age"] < 14),
        "guardian_name": series(keep(child, guardian_name)),
        "guardian_relation": series(keep(child, guardian_rel)),
        "guardian_mobile": series(keep(child, guardian_mobile)),
    })
