"""The labelling exercise of module 01: a learner sorts columns by tier and PIPL category.

``exercise(case)`` picks the columns (with example values and the ground truth from the
generator's catalogue); ``score(frame, answers)`` marks each label and explains every miss.  The
widget in ``kitlib.ui.labeller`` only presents these two.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from ..i18n import LANGS, get_lang, normalize

TIERS = {"general": ("一般", "general"), "sensitive": ("敏感", "sensitive"), "core": ("核心", "core"),
         "none": ("非个人信息", "not personal information")}

CATEGORIES = {
    "identity": ("身份信息", "identity"),
    "identity_document": ("身份证件", "identity document"),
    "contact": ("联系方式", "contact details"),
    "financial_account": ("金融账户", "financial account"),
    "minor": ("不满十四周岁未成年人", "minor under 14"),
    "health": ("医疗健康", "medical health"),
    "religion": ("宗教信仰", "religious belief"),
    "biometric": ("生物识别", "biometrics"),
    "location_track": ("行踪轨迹", "location tracks"),
    "device_network": ("设备与网络信息", "device and network"),
    "identifier": ("客户编号等标识", "customer identifiers"),
    "transaction": ("交易信息", "transactions"),
    "consent": ("同意记录", "consent records"),
    "processing_record": ("处理记录", "processing records"),
    "preference": ("偏好", "preferences"),
    "free_text": ("自由文本", "free text"),
    "employee": ("员工信息", "employee data"),
    "organisation": ("企业信息", "organisation data"),
    "system": ("系统信息", "system data"),
}

# The catalogue states the basis in English; the Chinese of each, by category.
BASIS_ZH = {
    "identity_document": "第二十八条列举了特定身份;把证件号码视为敏感信息是通行做法(GB/T 35273 附录B),但本工具包的法律参考未确认,属公司政策",
    "financial_account": "《个人信息保护法》第二十八条:金融账户",
    "minor": "《个人信息保护法》第二十八条、第三十一条:不满十四周岁未成年人的全部信息",
    "health": "《个人信息保护法》第二十八条:医疗健康",
    "religion": "《个人信息保护法》第二十八条:宗教信仰",
    "biometric": "《个人信息保护法》第二十八条:生物识别",
    "location_track": "《个人信息保护法》第二十八条:行踪轨迹",
    "free_text": "自由文本可能包含第二十八条所列的任何敏感信息",
}

# Fifteen columns that cover every tier and the traps: organisation data that is not personal,
# a guardian's mobile that is ordinary contact data, free text that can hide anything.
EXERCISE_COLUMNS = (
    ("customers", "name"), ("customers", "resident_id"), ("customers", "passport_no"),
    ("customers", "mobile"), ("customers", "email"), ("customers", "bank_name"),
    ("customers", "bank_card"), ("customers", "is_minor"), ("customers", "guardian_mobile"),
    ("customers", "uscc"), ("tickets", "text"), ("orders", "invoice_title"),
    ("orders", "amount_cny"), ("access_log", "client_ip"), ("consents", "separate_consent"),
)


def _name(table: dict, key: str, lang: str) -> str:
    zh, en = table[key]
    return zh if lang == "zh-CN" else en


def tier_label(tier: str, lang: str | None = None) -> str:
    return _name(TIERS, tier, normalize(lang) if lang else get_lang())


def category_label(category: str, lang: str | None = None) -> str:
    return _name(CATEGORIES, category, normalize(lang) if lang else get_lang())


def exercise(case, columns=EXERCISE_COLUMNS, examples: int = 3) -> pd.DataFrame:
    """The columns to label, with a description, example values and the answer (tier, category)."""
    catalogue = case.catalogue.set_index(["table", "column"])
    rows = []
    for table, column in columns:
        truth = catalogue.loc[(table, column)]
        values = case[table][column].dropna().astype(str)
        values = values[values.str.strip() != ""].drop_duplicates()
        shown = [v if len(v) <= 60 else v[:57] + "…" for v in values.head(examples)]
        rows.append({"table": table, "column": column, "description": truth["description"],
                     "examples": shown, "tier": truth["tier"], "category": truth["pipl_category"],
                     "art28": bool(truth["art28"]), "basis": truth["art28_basis"], "note": truth["note"]})
    return pd.DataFrame(rows)


def options(frame: pd.DataFrame) -> tuple[list[str], list[str]]:
    """The tiers and categories offered: every answer, plus distractors, in a stable order."""
    categories = set(frame["category"]) | {"health", "location_track", "identity"}
    return list(TIERS), [c for c in CATEGORIES if c in categories]


def why(row, lang: str) -> str:
    """Why this column has its tier: the reason a learner reads after a miss."""
    zh = lang == "zh-CN"
    tier = row["tier"]
    if tier == "none":
        return ("企业或系统信息,不涉及自然人,不是个人信息(《个人信息保护法》第四条)。" if zh else
                "Organisation or system data about no natural person: not personal information (PIPL Art. 4).")
    if tier == "general":
        return ("个人信息,但不属于第二十八条列举的敏感类别,因此为一般信息。" if zh else
                "Personal information, but in no Art. 28 category: general.")
    basis = (BASIS_ZH.get(row["category"], row["basis"]) if zh else row["basis"]) or ""
    if tier == "core":
        return ((f"公司内部方案中最关键的一级(不是《数据安全法》的国家核心数据);依据:{basis}") if zh else
                (f"The company's own most critical tier (not the Data Security Law's national core data); basis: {basis}"))
    return (f"敏感个人信息;依据:{basis}" if zh else f"Sensitive personal information; basis: {basis}")


@dataclass(frozen=True)
class LabellingResult:
    score: float            # share of labels right (tier and category count one each)
    correct: bool
    rows: pd.DataFrame      # table, column, tier/category given and expected, ok flags, explanation


def score(frame: pd.DataFrame, answers: dict, lang: str | None = None) -> LabellingResult:
    """Mark ``answers`` ({"table.column": {"tier": ..., "category": ...}}) against the truth."""
    lang = normalize(lang) if lang else get_lang()
    marked = []
    for _, row in frame.iterrows():
        key = f"{row['table']}.{row['column']}"
        given = answers.get(key) or {}
        tier_ok = given.get("tier") == row["tier"]
        category_ok = given.get("category") == row["category"]
        parts = []
        if not tier_ok:
            parts.append(f"{tier_label(row['tier'], lang)}: {why(row, lang)}")
        if not category_ok:
            label = "类别" if lang == "zh-CN" else "category"
            parts.append(f"{label}: {category_label(row['category'], lang)}")
        marked.append({"column": key, "tier_given": given.get("tier"), "tier": row["tier"], "tier_ok": tier_ok,
                       "category_given": given.get("category"), "category": row["category"],
                       "category_ok": category_ok, "explanation": "; ".join(parts)})
    result = pd.DataFrame(marked)
    points = int(result["tier_ok"].sum() + result["category_ok"].sum())
    total = 2 * len(result)
    return LabellingResult(round(points / total, 4), points == total, result)


__all__ = ["TIERS", "CATEGORIES", "EXERCISE_COLUMNS", "exercise", "options", "score", "why",
           "tier_label", "category_label", "LabellingResult", "LANGS"]
