"""Which protection each column gets while the CRM runs through the wind-down, decided from the
inventory (tier, kind, category) — the rule module 02's exercise marks learners against.

=================================  ==========  =====================================================
column (inventory)                 protection  why
=================================  ==========  =====================================================
tier core (ID numbers, bank cards)  encrypt     alone enable fraud; field encryption with one key per
                                               customer (PIPL Art. 51), shredded at destruction
tier sensitive (Art. 28)            encrypt     strict protection (Art. 28); free text may hold any
                                               Art. 28 fact, so it is encrypted too
general identity and contact        mask        needed in clear by a few roles (service, delivery);
                                               everyone else sees masked values; encrypting is also
                                               accepted
identifiers, records, preferences   keep        needed to run the business and to prove what was done;
                                               access control and the access log suffice
not personal (tier none)            keep        an organisation's data: ordinary business controls
=================================  ==========  =====================================================

Pseudonyms and generalisation are for extracts (analysis, tests, a successor's trial), not for the
CRM itself: replacing customer_id or a birth date in the live system would break it.  This is the
kit's own rule of thumb, derived from PIPL Arts. 28 and 51; a company sets its own.
"""
from __future__ import annotations

import pandas as pd

from ..classify.masking import mask
from ..learn.choices import ChoiceExercise

PROTECTIONS = (
    ("keep", "保持原样(仅访问控制)", "keep as is (access control only)"),
    ("mask", "展示和导出时脱敏", "mask on screens and in exports"),
    ("encrypt", "字段加密(每位客户一把密钥)", "encrypt the field (one key per customer)"),
    ("pseudonymise", "替换为假名(HMAC 令牌)", "replace with a pseudonym (HMAC token)"),
    ("generalise", "泛化(年龄段、区县)", "generalise (age band, district)"),
)

_CONTACT_LIKE = {"identity", "contact"}
_RECORDS = {"identifier", "consent", "processing_record", "transaction", "preference"}


def recommend(tier: str, category: str) -> tuple[str, frozenset, str, str]:
    """(recommended protection, accepted protections, why in zh, why in en) for one column."""
    if tier == "none":
        return ("keep", frozenset({"keep"}), "不是个人信息(机构或系统的数据):按一般业务规则管理即可。",
                "Not personal information (an organisation's or a system's data): ordinary business controls.")
    if tier == "core":
        return ("encrypt", frozenset({"encrypt"}),
                "核心信息(证件号码、银行卡号)单独即可用于诈骗:字段加密,每位客户一把密钥,销毁时加密删除(第51条)。",
                "Core data (ID numbers, bank cards) alone enables fraud: encrypt the field with one key per customer "
                "and crypto-shred it at destruction (Art. 51).")
    if tier == "sensitive":
        return ("encrypt", frozenset({"encrypt"}),
                "敏感个人信息要严格保护(第28条);自由文本可能包含任何第28条信息,同样加密。",
                "Sensitive personal information needs strict protection (Art. 28); free text may hold any Art. 28 "
                "fact, so it is encrypted too.")
    if category in _CONTACT_LIKE:
        return ("mask", frozenset({"mask", "encrypt"}),
                "少数岗位(客服、配送)需要看到明文,其他人只看脱敏值;加密也可以。假名化或泛化用于导出的数据,用在在用系统里会让它无法工作。",
                "A few roles (service, delivery) need it in clear; everyone else sees it masked; encryption is also "
                "fine. Pseudonyms and generalised values are for extracts; in the live system they would stop it working.")
    return ("keep", frozenset({"keep"}),
            "经营和举证都需要它(编号、同意和处理记录、偏好):访问控制加访问日志即可。假名和泛化用于导出的分析数据,不用于在用系统。",
            "Needed to run the business and to prove what was done (IDs, consent and processing records, "
            "preferences): access control and the access log suffice. Pseudonyms and generalisation are for "
            "extracts, not the live system.")


EXERCISE_COLUMNS = (("customers", "customer_id"), ("customers", "name"), ("customers", "birth_date"),
                    ("customers", "resident_id"), ("customers", "mobile"), ("customers", "address"),
                    ("customers", "bank_card"), ("customers", "is_minor"), ("customers", "membership_level"),
                    ("customers", "company_name"), ("tickets", "text"))


def protection_plan(inventory: pd.DataFrame) -> pd.DataFrame:
    """The recommended protection of every column of an inventory (``classify.inventory`` or the
    generator's catalogue): table, column, tier, protection, accepted, why_zh, why_en."""
    tier_col = "tier"
    category_col = "pipl_category"
    rows = []
    for rec in inventory.drop_duplicates(["table", "column"]).itertuples(index=False):
        rec = rec._asdict()
        best, accepted, zh, en = recommend(rec[tier_col], rec[category_col])
        rows.append({"table": rec["table"], "column": rec["column"], "tier": rec[tier_col], "protection": best,
                     "accepted": "|".join(sorted(accepted)), "why_zh": zh, "why_en": en})
    return pd.DataFrame(rows)


def protection_exercise(case, columns=EXERCISE_COLUMNS) -> ChoiceExercise:
    """Module 02's exercise: choose the protection of each column; marked by ``recommend``."""
    catalogue = case.catalogue.set_index(["table", "column"])
    rows, truth = [], {}
    for table, column in columns:
        entry = catalogue.loc[(table, column)]
        key = f"{table}.{column}"
        example = case[table][column].dropna().astype(str)
        sample = mask(example.iloc[0], entry["kind"])[:40] if len(example) else ""
        rows.append({"key": key, "title": key, "detail": f"{entry['description']} · {sample}"})
        truth[key] = recommend(entry["tier"], entry["pipl_category"])
    labels = {o[0]: (o[1], o[2]) for o in PROTECTIONS}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        best, accepted, zh, en = truth[key]
        if given in accepted:
            return True, ""
        name = labels[best][0 if lang == "zh-CN" else 1]
        return False, (f"应为:{name}。{zh}" if lang == "zh-CN" else f"Expected: {name}. {en}")

    return ChoiceExercise("protection-plan", ("为每一列选择保护措施(清算期间的客户关系管理系统)",
                                              "Choose each column's protection (the CRM during the wind-down)"),
                          pd.DataFrame(rows), PROTECTIONS, marker)


__all__ = ["PROTECTIONS", "recommend", "protection_plan", "protection_exercise", "EXERCISE_COLUMNS"]
