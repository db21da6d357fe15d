"""Three plans with a classic mistake each, made from the kit's reference plan (module 12 shows
them and the tests use them): accounting records destroyed early, sensitive columns transferred
without separate consent, the backups forgotten."""
from __future__ import annotations

from dataclasses import replace

from .facts import case_facts
from .plan import Plan
from .reference import expected_method, reference_plan

__all__ = ["FLAWS", "flawed_plan"]

FLAWS = {
    "accounting_destroyed_early": ("会计记录提前销毁", "accounting records destroyed early"),
    "sensitive_without_consent": ("未经单独同意转移敏感信息", "sensitive information transferred without separate consent"),
    "backups_forgotten": ("漏掉了备份", "the backups forgotten"),
}


def flawed_plan(case, flaw: str, facts=None) -> Plan:
    """The reference plan with one mistake (a key of ``FLAWS``); ``facts``: ``case_facts(case)``, if
    already computed."""
    facts = facts or case_facts(case)
    ref = reference_plan(case, facts)
    if flaw == "accounting_destroyed_early":
        rows = []
        for r in ref.rows:
            h = facts.holding(r.key)
            if h.is_record_copy and facts.tables[h.table].rule.id == "accounting_vouchers":
                r = replace(r, action="destroy", until=None, basis="", custodian="", method=expected_method(h, facts),
                            by=facts.deadline(h) or facts.address_cancelled_on, notify=(), note="")
            rows.append(r)
        return Plan(rows, f"<{flaw}>", dict(ref.why))
    if flaw == "sensitive_without_consent":
        transfers = [r for r in ref.rows if r.action == "transfer"]
        if not transfers:
            raise ValueError(f"{flaw}: the {facts.scenario} plan transfers nothing (only a dissolution has a successor)")
        r = transfers[0]
        everything = tuple(str(c) for c in case.tables[r.table].columns)
        return ref.replace(r.system_id, r.table, columns=everything, condition="")
    if flaw == "backups_forgotten":
        backups = [h.key for h in facts.holdings if h.copy_kind == "backup"]
        return ref.without(*backups)
    raise ValueError(f"flaw {flaw!r} is not one of {', '.join(FLAWS)}")
