"""The case at a glance, for people: the company card, the timeline, what is at stake.

Module 00 shows these; they are plain DataFrames with a zh-CN and an English column so that a
notebook can print them as they are.
"""
from __future__ import annotations

import pandas as pd

SCENARIO_NAMES = {"relocation": ("迁出(迁址,同一法人)", "relocation (moves out; same legal person)"),
                  "dissolution": ("解散注销", "dissolution and deregistration")}
ART28 = {"health": ("医疗健康", "medical health"), "religion": ("宗教信仰", "religious belief"),
         "biometric": ("生物识别", "biometrics"), "location_track": ("行踪轨迹", "location tracks"),
         "financial": ("金融账户", "financial accounts"), "minor": ("不满十四周岁未成年人", "minors under 14")}


def _date(value) -> str:
    return "" if pd.isna(value) or value == "" else pd.Timestamp(value).strftime("%Y-%m-%d")


def company_card(case) -> pd.DataFrame:
    """One row per fact about the case company: 项目 / field, 中文, English."""
    c = case.company
    holders = case["shareholders"]
    owners_zh = "; ".join(f"{r.shareholder}({r.country_zh},{r.share_pct}%)" for r in holders.itertuples())
    owners_en = "; ".join(f"{r.shareholder} ({r.country_en}, {r.share_pct}%)" for r in holders.itertuples())
    zh_scn, en_scn = SCENARIO_NAMES[c["scenario"]]
    rows = [
        ("名称 · name", c["name_zh"], c["name_en"]),
        ("类型 · type", c["entity_type_zh"], c["entity_type_en"]),
        ("统一社会信用代码 · USCC", c["uscc"], c["uscc"]),
        ("注册地址 · registered address", c["registered_address"], c["registered_address"]),
        ("股东 · shareholders", owners_zh, owners_en),
        ("经营范围 · business", c["business_zh"], c["business_en"]),
        ("情形 · scenario", zh_scn, en_scn),
        ("决议日 · decision", _date(c["decision_date"]), _date(c["decision_date"])),
        ("客户数据截止 · customer data cut-off", _date(c["data_cutoff"]), _date(c["data_cutoff"])),
        ("注册地址注销 · address cancelled", _date(c["address_cancelled_on"]), _date(c["address_cancelled_on"])),
    ]
    if c["new_registered_address"]:
        rows.append(("新注册地址 · new address", c["new_registered_address"], c["new_registered_address"]))
    if c["successor"]:
        rows.append(("承继方 · successor", c["successor"], c["successor"]))
    return pd.DataFrame(rows, columns=["项目 · field", "中文", "English"]).set_index("项目 · field")


def timeline(case) -> pd.DataFrame:
    """The deregistration steps with their dates and the provision behind each."""
    frame = case["timeline"].copy()
    frame["date"] = frame["date"].map(_date)
    frame["data_cutoff"] = frame["data_cutoff"].map({True: "●", False: ""})
    return frame.rename(columns={"date": "日期 · date", "event_zh": "事件", "event_en": "event",
                                 "basis": "依据 · basis", "data_cutoff": "数据截止 · cut-off"}
                        ).drop(columns="step").set_index("日期 · date")


def stakes(case) -> pd.DataFrame:
    """What the company holds about people: counts a learner can check against the tables."""
    customers = case["customers"]
    individuals = customers[customers["customer_type"] == "individual"]
    catalogue = case.catalogue
    spans = case.ticket_spans
    sensitive_tickets = spans[spans["kind"].isin(ART28)]["ticket_id"].nunique()
    rows = [
        ("客户 · customers", len(customers), "个人与企业客户", "individual and corporate customers"),
        ("个人客户 · individuals", len(individuals), "自然人,个人信息保护法第四条", "natural persons, PIPL Art. 4"),
        ("不满十四周岁 · under 14", int(customers["is_minor"].sum()),
         "全部信息均为敏感个人信息,第二十八条、第三十一条", "all their information is sensitive, PIPL Arts. 28, 31"),
        ("存有银行卡号 · with bank card", int(customers["bank_card"].astype("string").fillna("").ne("").sum()),
         "金融账户,第二十八条", "financial accounts, PIPL Art. 28"),
        ("含敏感事实的工单 · tickets with sensitive facts", int(sensitive_tickets),
         "自由文本中的健康、宗教、行踪等,第二十八条", "health, religion, tracks... in free text, PIPL Art. 28"),
        ("含个人信息的列 · columns with personal information", int(catalogue["personal"].sum()),
         "见 case.catalogue", "see case.catalogue"),
        ("第二十八条敏感列 · Art. 28 columns", int(catalogue["art28"].sum()),
         "见 case.catalogue", "see case.catalogue"),
        ("存放系统 · systems holding data", len(case["systems"]),
         "含备份与纸质档案", "backups and paper archives included"),
    ]
    return pd.DataFrame(rows, columns=["项目 · item", "数量 · count", "说明", "note"]).set_index("项目 · item")
