"""Requests that change the data: correction (PIPL Art. 46), deletion (Art. 47) and withdrawal of
consent (Arts. 14, 44, 47).  Each returns the changed tables (new frames; the input is left
alone) and, given a ledger, records itself there.

What a correction writes to the ledger: one "change" entry naming the column, with the value
before and after as **keyed hashes** (HMAC-SHA256 under the ledger's own subject key, the same
key that pseudonymises subjects), never as raw or masked values.  Why: a masked mobile keeps 7
of its 11 digits and a masked address its district — still personal information, in a record
kept for years and handed to a successor.  A keyed hash tells a reader nothing, yet whoever holds
the ledger's key can prove in a dispute what the value was (recompute the hash of a candidate
value and compare: ``ledger.subject_token(change_token_text(...))``).  The staff member sees the
masked values on screen (``Correction.changes``); the ledger never does.

A deletion consults the retention plan (``kitlib.lifecycle.plan_retention``): records with no
duty to keep are deleted; the rest are kept, restricted to storage and necessary security
(Art. 47), and the answer is "in part" with the reason and legal basis of each kept item.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..classify.validators import is_email, mobile_national
from ..protect.transforms import mask_value
from .common import PURPOSES, require_ready, tables_of
from .deadlines import as_date
from .requests import Request, RequestError

__all__ = ["CORRECTABLE", "Correction", "Deletion", "Withdrawal", "correct", "delete", "withdraw_consent",
           "change_token_text"]

# column -> masking kind for the on-screen before/after
CORRECTABLE = {"name": "person_name", "mobile": "cn_mobile", "email": "email", "address": "address"}


def change_token_text(table: str, column: str, value) -> str:
    """The text whose keyed hash the ledger stores for a value (domain-separated from subjects)."""
    return f"change|{table}.{column}|{'' if value is None or pd.isna(value) else str(value)}"


@dataclass
class Correction:
    """tables: the tables after the change; changes: column, before/after masked (for the screen)."""
    request_id: str
    customer_id: str
    tables: dict = field(repr=False)
    changes: pd.DataFrame
    entry: object = None


def _checked_value(request: Request, column: str, value) -> str:
    text = " ".join(str(value or "").split())
    where = f"request {request.request_id}: new {column}"
    if not text:
        raise RequestError(f"{where} is empty")
    if column == "mobile":
        number = mobile_national(text)
        if number is None:
            raise RequestError(f"{where} {text!r} is not a mainland mobile number")
        return number
    if column == "email" and not is_email(text):
        raise RequestError(f"{where} {text!r} is not an e-mail address")
    return text


def correct(case, request: Request, *, changes: dict | None = None, ledger=None, actor: str = "kit") -> Correction:
    """Apply a correction request (``changes`` or ``request.details["changes"]``: {column: new value}
    for name, mobile, email, address) to the customer's row; one "change" ledger entry."""
    require_ready(request, ("correction",))
    changes = dict(changes if changes is not None else request.details.get("changes") or {})
    if not changes:
        raise RequestError(f"request {request.request_id}: no changes given (details['changes'] = {{column: value}})")
    unknown = [c for c in changes if c not in CORRECTABLE]
    if unknown:
        raise RequestError(f"request {request.request_id}: column {unknown[0]!r} cannot be corrected here; "
                           f"use one of {', '.join(CORRECTABLE)}")
    tables = tables_of(case)
    customers = tables["customers"]
    where = customers["customer_id"] == request.customer_id
    if not where.any():
        raise RequestError(f"request {request.request_id}: customer {request.customer_id} is not in the customers table")
    new_values = {c: _checked_value(request, c, v) for c, v in changes.items()}
    updated = customers.copy()
    rows, hashes = [], []
    for column, value in new_values.items():
        before = updated.loc[where, column].iloc[0]
        updated.loc[where, column] = value
        rows.append({"column": column, "before": mask_value(before, CORRECTABLE[column]) if not pd.isna(before) else "",
                     "after": mask_value(value, CORRECTABLE[column]), "changed": str(before) != value})
        if ledger is not None:
            hashes.append({"column": column,
                           "before": ledger.subject_token(change_token_text("customers", column, before)),
                           "after": ledger.subject_token(change_token_text("customers", column, value))})
    tables["customers"] = updated
    entry = None
    if ledger is not None:
        entry = ledger.append("change", actor=actor, subjects=[request.customer_id], details={
            "request_id": request.request_id, "operation": "correction", "article": "PIPL Art. 46",
            "table": "customers", "columns": hashes,
            "values": "keyed hashes (HMAC-SHA256 under the ledger's subject key), never raw values"})
    return Correction(request.request_id, request.customer_id, tables, pd.DataFrame(rows), entry)


# -- deletion ------------------------------------------------------------------------------------

@dataclass
class Deletion:
    """deleted / kept: table, row_id, rule (kept also: until, reason code, hold); items: the kept
    items as the answer letter words them; partial: something had to be kept."""
    request_id: str
    customer_id: str
    deleted: pd.DataFrame
    kept: pd.DataFrame
    items: list[dict]
    tables: dict = field(repr=False)
    destruction: object = None            # the DestructionResult when a dataset folder was given
    entry: object = None

    @property
    def partial(self) -> bool:
        return not self.kept.empty

    @property
    def reasons(self) -> tuple[str, ...]:
        return tuple(r for r in ("legal_hold", "retention_duty") if r in set(self.kept["reason"]))

    def counts(self) -> pd.DataFrame:
        """Rows deleted and kept per table."""
        out = pd.DataFrame({"deleted": self.deleted.groupby("table", observed=True).size(),
                            "kept": self.kept.groupby("table", observed=True).size()}).fillna(0).astype(int)
        out.index.name = "table"
        return out


def _plan_for(case, request: Request, plan, holds):
    from ..lifecycle import plan_retention

    if plan is not None:
        return plan
    asked = pd.DataFrame({"customer_id": [request.customer_id], "received_on": [pd.Timestamp(request.received_on)],
                          "kind": ["deletion"]})
    return plan_retention(case, requests=asked, holds=holds)


def _kept_items(plan, kept: pd.DataFrame, holds) -> list[dict]:
    """One item per rule (held records: per rule too, their basis the hold)."""
    from ..lifecycle import load_holds

    known = {h.id: h for h in tuple(plan.schedule.holds) + load_holds(holds)}
    items = []
    for rule_id, group in kept.groupby("rule", observed=True, sort=True):
        rule = plan.schedule.rule(str(rule_id))
        held = group["reason"].eq("legal_hold").any()
        if rule.certainty == "U":
            basis = {"zh": rule.basis_zh if rule.basis_zh.startswith("公司政策") else "公司政策:" + rule.basis_zh,
                     "en": rule.basis_en if rule.basis_en.startswith("Company policy") else "Company policy: " + rule.basis_en}
        else:
            basis = {"zh": plan.schedule.cite(rule.basis, "zh"), "en": plan.schedule.cite(rule.basis, "en")}
        if held:
            ids = sorted({h for hs in group["hold"] for h in hs.split(";") if h})
            zh, en = "、".join(known[i].text("zh") if i in known else i for i in ids), \
                ", ".join(known[i].text("en") if i in known else i for i in ids)
            periodic = rule.period.kind != "none"       # a rule with a period still applies after the hold
            basis = {"zh": zh + (";另:" + basis["zh"] if periodic else ""),
                     "en": en + ("; also: " + basis["en"] if periodic else "")}
        until = group["until"].dropna()
        items.append({"item": {"zh": rule.name_zh, "en": rule.name_en}, "basis": basis,
                      "until": None if until.empty else until.max().date(), "held": bool(held),
                      "reason": "legal_hold" if held else "retention_duty",
                      "hold": ";".join(sorted({h for h in group["hold"] if h})), "rows": int(len(group))})
    return items


def delete(case, request: Request, *, plan=None, holds=None, dataset_dir=None, ledger=None,
           actor: str = "kit") -> Deletion:
    """Answer a deletion request from the retention plan (made here with the request and ``holds``
    unless ``plan`` is given; a given plan must have been made with this request, as the queue's is).  Records the plan deletes are removed from the returned tables;
    kept records stay, restricted.  ``dataset_dir``: also delete from that dataset folder with
    ``kitlib.lifecycle.destroy.delete_rows`` (tables with kept records are left whole), which
    records its own "destruction" entry; otherwise one "destruction" entry is written here."""
    require_ready(request, ("deletion",))
    tables = tables_of(case)
    plan = _plan_for(case, request, plan, holds)
    records = plan.for_customer(request.customer_id)
    held = records["held_by"].astype(str).replace("nan", "").fillna("")
    frame = pd.DataFrame({"table": records["table"].astype(str), "row_id": records["row_id"].astype(str),
                          "rule": records["rule"].astype(str), "until": records["keep_until"],
                          "reason": ["legal_hold" if h else "retention_duty" for h in held], "hold": held})
    is_deleted = (records["action"].astype(str) == "delete_by").to_numpy() & (held == "").to_numpy()
    deleted = frame.loc[is_deleted, ["table", "row_id", "rule"]].reset_index(drop=True)
    kept = frame.loc[~is_deleted].reset_index(drop=True)
    items = _kept_items(plan, kept, holds)

    id_columns = dict(plan.schedule.settings.id_columns)
    for table, ids in deleted.groupby("table")["row_id"]:
        frame_t = tables.get(table)
        if frame_t is not None:
            key = id_columns.get(table, frame_t.columns[0])
            tables[table] = frame_t.loc[~frame_t[key].astype(str).isin(set(ids))].reset_index(drop=True)

    destruction = entry = None
    reason = f"deletion request {request.request_id} (PIPL Art. 47)"
    if dataset_dir is not None:
        from ..lifecycle.destroy import delete_rows
        retained = plan.retained_for([request.customer_id])
        destruction = delete_rows(dataset_dir, [request.customer_id], retained=retained, ledger=ledger,
                                  actor=actor, reason=reason)
    elif ledger is not None:
        entry = ledger.append("destruction", actor=actor, subjects=[request.customer_id], details={
            "request_id": request.request_id, "operation": "delete_rows", "reason": reason,
            "deleted": {str(t): int(n) for t, n in deleted.groupby("table").size().items()},
            "kept": {str(t): int(n) for t, n in kept.groupby("table").size().items()},
            "kept_reasons": sorted(set(kept["reason"])),
            "kept_restricted": "storage and necessary security measures only (PIPL Art. 47)"})
    return Deletion(request.request_id, request.customer_id, deleted, kept, items, tables, destruction, entry)


# -- withdrawal of consent --------------------------------------------------------------------------

_STOPS = {
    "marketing": ("停止向其推送营销信息;客户资料中的营销同意标记改为“否”。",
                  "no more marketing messages; the customer's marketing flag is set to no."),
    "sensitive_financial": ("停止保存和使用银行卡号进行代扣;仅为此目的保存的银行卡信息应删除(第四十七条:撤回同意)。",
                            "stop keeping and using the bank card for direct debit; card data kept only for this purpose is deleted (Art. 47: consent withdrawn)."),
    "cross_border": ("停止向境外提供;已提供的部分按与境外接收方的约定处理。",
                     "stop transfers abroad; what was already provided is handled under the agreement with the recipient abroad."),
    "guardian": ("停止处理该未成年人的个人信息,仅为此同意处理的信息应删除(第三十一、四十七条)。",
                 "stop processing the minor's personal information; what was processed only on this consent is deleted (Arts. 31, 47)."),
}


@dataclass
class Withdrawal:
    """rows: consents rows marked withdrawn; stops (zh, en): what stops; reason: set when nothing
    could be withdrawn (not_consent_based)."""
    request_id: str
    customer_id: str
    purpose: str
    rows: int
    withdrawn_on: dt.date
    tables: dict = field(repr=False)
    stops: tuple[str, str] = ("", "")
    reason: str = ""
    entry: object = None


def withdraw_consent(case, request: Request, *, purpose: str | None = None, on=None, ledger=None,
                     actor: str = "kit") -> Withdrawal:
    """Mark the customer's consents for ``purpose`` (or ``request.details["purpose"]``) withdrawn on
    ``on`` (default: the day received) and stop the purpose; one "change" ledger entry."""
    require_ready(request, ("withdraw_consent",))
    purpose = purpose or request.details.get("purpose")
    if purpose not in PURPOSES:
        raise RequestError(f"request {request.request_id}: purpose {purpose!r} is not one of {', '.join(PURPOSES)}")
    day = as_date(on or request.received_on, f"request {request.request_id}: on")
    tables = tables_of(case)
    if not PURPOSES[purpose][2]:
        return Withdrawal(request.request_id, request.customer_id, purpose, 0, day, tables, reason="not_consent_based")
    consents = tables["consents"].copy()
    open_rows = ((consents["customer_id"] == request.customer_id) & (consents["purpose"] == purpose)
                 & consents["withdrawn_on"].isna())
    consents.loc[open_rows, "withdrawn_on"] = pd.Timestamp(day)
    tables["consents"] = consents
    if purpose == "marketing" and "marketing_consent" in tables["customers"].columns:
        customers = tables["customers"].copy()
        customers.loc[customers["customer_id"] == request.customer_id, "marketing_consent"] = False
        tables["customers"] = customers
    rows = int(open_rows.sum())
    entry = None
    if ledger is not None:
        entry = ledger.append("change", actor=actor, subjects=[request.customer_id], details={
            "request_id": request.request_id, "operation": "withdraw_consent", "article": "PIPL Arts. 14, 44, 47",
            "table": "consents", "column": "withdrawn_on", "purpose": purpose, "rows": rows,
            "withdrawn_on": day.isoformat()})
    return Withdrawal(request.request_id, request.customer_id, purpose, rows, day, tables, _STOPS[purpose], "", entry)
