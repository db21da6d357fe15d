"""Minimisation by purpose: only what the purpose needs leaves, protected as the inventory says,
and nothing the customers did not agree to.

``minimise(frame, purpose, recipient, table=..., consents=...)`` returns a ``Minimised``:

1. Columns the purpose does not need are **dropped** (the agreement and the notice fix the
   categories: PIPL Arts. 21, 23; Art. 28 asks sufficient necessity for sensitive data).
2. Columns the purpose needs but not in clear are **protected** by their inventory row:
   identifiers become keyed pseudonyms, names and contacts are masked, birth dates become age
   bands, free text is redacted (every finding of the scanner starred).
3. Rows are **withheld**, never blanked, when
   * the purpose needs every customer's separate consent (provision, Art. 23; cross-border,
     Art. 39) and this customer's is not on record (or was withdrawn);
   * the row is a child's (under 14, Arts. 28, 31) and the guardian's separate consent is not on
     record, or the purpose excludes children (company policy);
   * a sensitive (Art. 28) column goes in clear and this customer's separate consent for it is
     not on record (Art. 29), while the value is present.
   A withheld row is listed with its reason so the company can ask for consent or keep it back:
   a blank cell would look like missing data to the recipient and could not be told apart.
4. A sensitive column for which the registry names no consent is **refused whole** (Art. 29).

Columns missing from the inventory are refused too: classify them first (module 01).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..classify import scan_text
from ..classify.masking import mask, mask_text
from ..protect.errors import WrongColumn
from ..protect.pseudonyms import Pseudonymiser
from ..protect.transforms import MASK_KINDS, age_band, mask_column
from .errors import SharingError
from .purposes import Purpose, load_purposes

__all__ = ["Recipient", "Minimised", "minimise", "consented", "protection_for", "resolve_purpose",
           "minor_ids", "REFUSED_COLUMNS"]

REFUSED_COLUMNS = ["scope", "customer_id", "column", "reason", "article", "why_zh", "why_en"]
_PSEUDONYMISE = {"identifier", "identity_document", "financial_account", "employee"}
_MASK_KIND = {"person_name": "person_name", "cn_mobile": "cn_mobile", "email": "email", "address": "address",
              "passport": "passport", "cn_landline": "cn_landline", "cn_resident_id": "cn_resident_id",
              "bank_card": "bank_card"}
_TIER_RANK = {"none": 0, "general": 1, "review": 2, "sensitive": 3, "core": 4}
_CONSENT_COLUMNS = ("customer_id", "purpose", "separate_consent", "withdrawn_on")


@dataclass(frozen=True)
class Recipient:
    """Who receives the data: its name (zh and en may be joined with " · "), a contact, a country."""
    name: str
    contact: str = ""
    country: str = "CN"

    @classmethod
    def of(cls, value) -> "Recipient":
        if isinstance(value, Recipient):
            return value
        if isinstance(value, str) and value.strip():
            return cls(value.strip())
        raise SharingError(f"recipient: give a name or a Recipient, got {value!r}")


@dataclass(frozen=True)
class Minimised:
    """What may leave for one purpose from one table, and why the rest may not."""
    frame: pd.DataFrame                 # the rows and columns that may go, protected
    table: str
    purpose: str
    flow: str
    recipient: Recipient
    dropped: pd.DataFrame               # column, why_zh, why_en: not needed for the purpose
    protections: pd.DataFrame           # column, protection, why_zh, why_en
    refused: pd.DataFrame               # REFUSED_COLUMNS: withheld rows and refused columns
    missing: tuple = ()                 # columns the purpose needs that the frame lacks
    subjects: tuple = field(default=(), repr=False)   # customer ids of the rows that go
    rows_in: int = 0

    @property
    def withheld(self) -> tuple:
        """Customer ids whose rows were withheld."""
        rows = self.refused[self.refused["scope"] == "row"]
        return tuple(dict.fromkeys(rows["customer_id"]))

    @property
    def refused_columns(self) -> tuple:
        return tuple(self.refused.loc[self.refused["scope"] == "column", "column"])

    def summary(self) -> dict:
        """Counts and column names only (what a ledger entry may hold)."""
        return {"table": self.table, "purpose": self.purpose, "flow": self.flow, "recipient": self.recipient.name,
                "rows_in": self.rows_in, "rows_out": len(self.frame), "rows_withheld": len(self.withheld),
                "columns": list(self.frame.columns), "dropped": list(self.dropped["column"]),
                "refused_columns": list(self.refused_columns),
                "protections": dict(zip(self.protections["column"], self.protections["protection"])),
                "withheld_by_reason": {k: int(v) for k, v in self.refused[self.refused["scope"] == "row"]
                                       .drop_duplicates(["customer_id", "reason"])["reason"].value_counts().items()}}

    def __str__(self) -> str:
        s = self.summary()
        return (f"{s['table']} for {s['purpose']} ({s['flow']}) to {s['recipient']}: {s['rows_out']} of {s['rows_in']} "
                f"rows, {len(s['columns'])} columns; dropped {len(s['dropped'])}, refused {len(s['refused_columns'])} "
                f"columns, withheld {s['rows_withheld']} rows")


def resolve_purpose(purpose, registry=None) -> Purpose:
    if isinstance(purpose, Purpose):
        return purpose
    registry = load_purposes() if registry is None else registry
    if purpose not in registry:
        raise SharingError(f"purpose {purpose!r} is not in the registry ({', '.join(registry)})")
    return registry[purpose]


def consented(consents: pd.DataFrame, purpose: str, on=None) -> set:
    """Customer ids with a separate consent for ``purpose`` on record and not withdrawn (on ``on``,
    when given: given on or before it, not withdrawn by then)."""
    if not isinstance(consents, pd.DataFrame):
        raise SharingError("consents: give the consents table (a DataFrame)")
    missing = [c for c in _CONSENT_COLUMNS if c not in consents.columns]
    if missing:
        raise SharingError(f"consents: column {missing[0]!r} is missing (needs {', '.join(_CONSENT_COLUMNS)})")
    rows = consents[(consents["purpose"] == purpose) & consents["separate_consent"].fillna(False).astype(bool)]
    withdrawn = pd.to_datetime(rows["withdrawn_on"], errors="coerce")
    if on is None:
        rows = rows[withdrawn.isna()]
    else:
        day = pd.Timestamp(on)
        given = pd.to_datetime(rows["given_on"], errors="coerce") if "given_on" in rows else None
        ok = withdrawn.isna() | (withdrawn > day)
        if given is not None:
            ok &= given.notna() & (given <= day)
        rows = rows[ok]
    return set(rows["customer_id"].astype(str))


def minor_ids(frame: pd.DataFrame, customers: pd.DataFrame | None) -> set | None:
    """Ids of children under 14: from the frame's is_minor column, else from ``customers``."""
    source = frame if "is_minor" in frame.columns else customers
    if source is None:
        return None
    if not {"customer_id", "is_minor"} <= set(source.columns):
        raise SharingError("customers: needs customer_id and is_minor to tell children's rows (PIPL Art. 31)")
    flags = source["is_minor"].fillna(False).astype(bool)
    return set(source.loc[flags, "customer_id"].astype(str))


def protection_for(kind: str, category: str, tier: str) -> tuple[str, str, str]:
    """(protection, why_zh, why_en) for a column a purpose needs but not in clear."""
    if tier == "none":
        return "keep", "不是个人信息,原样提供。", "Not personal information: shared as is."
    if kind == "free_text":
        return ("redact", "自由文本:扫描器找到的每一处个人信息(证件号、银行卡、健康、行踪等)都被星号遮盖。",
                "Free text: every finding of the scanner (ID numbers, cards, health, whereabouts …) is starred.")
    if kind in ("birth_date", "age"):
        return "generalise", "换成年龄段(未满14周岁单列)。", "Replaced by an age band (under 14 on its own)."
    if category in _PSEUDONYMISE or kind == "customer_id":
        return ("pseudonymise", "换成本次共享专用的假名(HMAC):接收方能关联记录,不能还原编号。",
                "Replaced by a pseudonym for this share (HMAC): the recipient can link records, not recover the value.")
    if kind in _MASK_KIND:
        return "mask", "脱敏显示(保留识别所需的少数字符)。", "Masked (a few characters kept for recognition)."
    if kind == "region":
        return "keep", "省市区已是概括的信息,原样提供。", "Province, city and district are already general: shared as is."
    return ("pseudonymise", "没有更合适的处理方式:换成假名。", "No better protection for this kind: replaced by a pseudonym.")


def _redact(series: pd.Series) -> pd.Series:
    def one(value):
        if value is None or (not isinstance(value, str) and pd.isna(value)):
            return value
        text = str(value)
        return mask_text(text, [(f.start, f.end) for f in scan_text(text)])
    return series.map(one)


def _age_bands(series: pd.Series, on) -> pd.Series:
    if pd.api.types.is_numeric_dtype(series):
        edges = [0, 14, 20, 30, 40, 50, 60, 70, 80, 90, 200]
        labels = ["<14", "14–19", "20–29", "30–39", "40–49", "50–59", "60–69", "70–79", "80–89", "90+"]
        return pd.cut(series.astype(float), bins=edges, right=False, labels=labels).astype(object)
    return age_band(series, on=on).astype(object)


def _mask(series: pd.Series, kind: str) -> pd.Series:
    if kind in MASK_KINDS:
        try:
            return mask_column(series, kind)
        except (WrongColumn, ValueError):
            pass
    return series.map(lambda v: v if v is None or (not isinstance(v, str) and pd.isna(v)) else mask(str(v), kind))


def _apply(series: pd.Series, protection: str, kind: str, pseudonymiser: Pseudonymiser, on) -> pd.Series:
    if protection == "redact":
        return _redact(series)
    if protection == "generalise":
        return _age_bands(series, on)
    if protection == "pseudonymise":
        return pseudonymiser.column(series)
    if protection == "mask":
        return _mask(series, _MASK_KIND[kind])
    return series


def _inventory_rows(inventory, table: str) -> dict:
    if inventory is None:
        from ..synth.catalogue import build_catalogue
        inventory = build_catalogue()
    need = {"table", "column", "tier", "art28", "kind", "pipl_category"}
    if not isinstance(inventory, pd.DataFrame) or not need <= set(inventory.columns):
        raise SharingError(f"inventory: needs the columns {', '.join(sorted(need))} (kitlib.classify.inventory)")
    rows = inventory[inventory["table"] == table]
    rank = rows["tier"].map(_TIER_RANK).fillna(0) + rows["art28"].astype(bool) * 10   # several systems: the strictest row
    rows = rows.assign(_rank=rank).sort_values("_rank", ascending=False, kind="stable").drop_duplicates("column")
    return {r.column: r for r in rows.itertuples(index=False)}


def _present(series: pd.Series) -> np.ndarray:
    """True where a value is there (a False flag counts as absent: is_minor=False is no child's data)."""
    present = series.notna().to_numpy().copy()
    if series.dtype == bool or pd.api.types.is_bool_dtype(series):
        present &= series.fillna(False).astype(bool).to_numpy()
    elif series.dtype == object:
        present &= ~series.astype(str).str.strip().isin(["", "False"]).to_numpy()
    return present


def minimise(frame: pd.DataFrame, purpose, recipient, *, table: str, consents: pd.DataFrame,
             inventory: pd.DataFrame | None = None, customers: pd.DataFrame | None = None, on=None,
             pseudonymiser: Pseudonymiser | None = None, registry=None, ledger=None,
             actor: str = "kitlib.sharing") -> Minimised:
    """What of ``frame`` (one table) may go to ``recipient`` for ``purpose`` (an id of the registry
    or a ``Purpose``).  ``consents``: the consents table; ``inventory``: the data inventory (default:
    the generator's catalogue); ``customers``: the customers table, to tell children's rows when the
    frame has no is_minor column; ``on``: the day of the share (consents given by then, not
    withdrawn by then; default: as recorded now); ``pseudonymiser``: the key for pseudonyms (pass
    one to link tables of one share; default: a fresh key).  With ``ledger``: one "share" entry."""
    purpose = resolve_purpose(purpose, registry)
    recipient = Recipient.of(recipient)
    if not isinstance(frame, pd.DataFrame):
        raise SharingError(f"{table}: give the table as a DataFrame")
    if table not in purpose.tables:
        raise SharingError(f"{table}: purpose {purpose.id!r} needs nothing from this table "
                           f"(it uses {', '.join(purpose.tables)})")
    need = purpose.tables[table]
    inv = _inventory_rows(inventory, table)
    pseudonymiser = pseudonymiser or Pseudonymiser(Pseudonymiser.generate_key(), domain=f"share:{purpose.id}")
    wanted = need.clear + need.protected
    dropped = [{"column": c, "why_zh": f"“{purpose.label_zh}”不需要这一列:超出约定和告知的信息种类(第二十一、二十三条)。",
                "why_en": f"Not needed for “{purpose.label_en}”: beyond the categories agreed and notified (PIPL Arts. 21, 23)."}
               for c in frame.columns if c not in wanted]
    missing = tuple(c for c in wanted if c not in frame.columns)
    refused, protections, keep = [], [], []
    row_rules = []                       # (reason, article, ids allowed or None, mask of rows concerned, column, zh, en)

    def refuse_column(column, reason, article, zh, en):
        refused.append({"scope": "column", "customer_id": None, "column": column, "reason": reason,
                        "article": article, "why_zh": zh, "why_en": en})

    for column in (c for c in wanted if c in frame.columns):
        row = inv.get(column)
        if row is None:
            refuse_column(column, "not-classified", "company policy", "清单里没有这一列:先分类(模块 01)再决定能否提供。",
                          "Not in the inventory: classify it first (module 01) before deciding whether it may go.")
            continue
        protection = "keep"
        if column in need.protected:
            protection, zh, en = protection_for(row.kind, row.pipl_category, row.tier)
            protections.append({"column": column, "protection": protection, "why_zh": zh, "why_en": en})
        if bool(row.art28) and protection != "redact":
            consent_purpose = need.consent.get(column)
            if consent_purpose is None:
                refuse_column(column, "sensitive-no-consent-route", "PIPL Arts. 28, 29",
                              "敏感个人信息,登记表没有为这一目的指明单独同意:整列不提供(第二十八、二十九条)。",
                              "Sensitive personal information and the registry names no separate consent for this "
                              "purpose: the whole column is refused (PIPL Arts. 28, 29).")
                continue
            row_rules.append(("sensitive-no-consent", "PIPL Art. 29", consented(consents, consent_purpose, on),
                              _present(frame[column]), column,
                              f"敏感列 {column} 有值,但没有“{consent_purpose}”的单独同意记录(第二十九条)。",
                              f"Sensitive column {column} holds a value and no separate consent “{consent_purpose}” "
                              "is on record (PIPL Art. 29)."))
        keep.append(column)

    ids = frame["customer_id"].astype(str).to_numpy() if "customer_id" in frame.columns else None
    all_rows = np.ones(len(frame), dtype=bool)
    if purpose.separate_consent:
        row_rules.append(("no-separate-consent", purpose.article.replace("Arts. 38–40", "Art. 39"),
                          consented(consents, purpose.consent_purpose, on), all_rows, None,
                          f"没有“{purpose.consent_purpose}”的单独同意记录(或已撤回):{purpose.article}。",
                          f"No separate consent “{purpose.consent_purpose}” on record (or it was withdrawn): "
                          f"{purpose.article}."))
    children = minor_ids(frame, customers) if ids is not None else None
    if ids is not None and children is None:
        raise SharingError(f"{table}: pass customers= (or a frame with is_minor) so children's rows can be "
                           "checked (PIPL Art. 31)")
    if children:
        is_child = np.isin(ids, list(children))
        if purpose.minors == "exclude":
            row_rules.append(("minor-excluded", "company policy", set(), is_child, None,
                              "未满十四周岁儿童的信息不用于这一目的(公司政策;第二十八、三十一条)。",
                              "A child under 14: this purpose never receives children's data (company policy; "
                              "PIPL Arts. 28, 31)."))
        else:
            row_rules.append(("minor-no-guardian-consent", "PIPL Art. 31", consented(consents, "guardian", on),
                              is_child, None, "未满十四周岁儿童,没有监护人的单独同意记录(第三十一条)。",
                              "A child under 14 with no guardian's separate consent on record (PIPL Art. 31)."))
    if row_rules and ids is None:
        raise SharingError(f"{table}: no customer_id column, so consent cannot be checked per customer")

    withheld = np.zeros(len(frame), dtype=bool)
    for reason, article, allowed, concerned, column, zh, en in row_rules:
        bad = concerned & ~np.isin(ids, list(allowed))
        withheld |= bad
        refused += [{"scope": "row", "customer_id": cid, "column": column, "reason": reason, "article": article,
                     "why_zh": zh, "why_en": en} for cid in dict.fromkeys(ids[bad])]

    out = frame.loc[~withheld, keep].copy()
    subjects = tuple(dict.fromkeys(ids[~withheld])) if ids is not None else ()
    for p in protections:
        if p["column"] in out.columns:
            out[p["column"]] = _apply(out[p["column"]], p["protection"], inv[p["column"]].kind, pseudonymiser, on)
    result = Minimised(out.reset_index(drop=True), table, purpose.id, purpose.flow, recipient,
                       pd.DataFrame(dropped, columns=["column", "why_zh", "why_en"]),
                       pd.DataFrame(protections, columns=["column", "protection", "why_zh", "why_en"]),
                       pd.DataFrame(refused, columns=REFUSED_COLUMNS), missing, subjects, len(frame))
    if ledger is not None:
        ledger.append("share", actor=actor, subjects=list(subjects),
                      details={"operation": "minimise", **result.summary()})
    return result
