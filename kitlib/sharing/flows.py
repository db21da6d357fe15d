"""Sharing with its duties: ``share(tables, purpose, recipient, agreement, ...)`` checks every
duty of the purpose's flow before anything leaves, minimises each table, and records one "share"
entry in the ledger.  ``check_share`` gives the same duties without sharing.

=============  ==============================================================================
flow           duties checked (legal reference; "company policy" where it is silent)
=============  ==============================================================================
entrusted      contract fixes purpose, term, method, categories, safeguards; return or delete at
               the end, keep nothing; no sub-entrusting (PIPL Art. 21)
provision      notice with the recipient's name, contact, purpose, method, categories, and each
               customer's separate consent (PIPL Art. 23)
transfer       notice with the recipient's name and contact; the recipient continues the duties;
               a new purpose or method needs new consent (PIPL Art. 22; NDSMR Art. 14)
cross_border   a lawful route (security assessment, certification, standard contract, other:
               PIPL Art. 38), notice and separate consent (Art. 39)
all            an impact assessment beforehand (PIPL Arts. 55–56: entrusting, providing,
               cross-border, sensitive information), the agreement's other fields, and a
               recipient abroad only through the cross-border flow
=============  ==============================================================================
"""
from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from ..protect.pseudonyms import Pseudonymiser
from .agreements import agreement_digest, check_agreement, check_notice, _inputs
from .errors import ShareRefused, SharingError
from .minimise import Recipient, minimise, resolve_purpose
from .purposes import FLOWS

__all__ = ["Share", "share", "check_share", "DUTY_COLUMNS"]

DUTY_COLUMNS = ["duty", "ok", "article", "why_zh", "why_en"]
_TERMS = {"purpose", "purpose_id", "term_end", "method", "categories", "safeguards"}
_ASSESSMENT = {"impact_assessment", "impact_assessment_on", "records_kept_years"}
_ROUTE = {"cross_border_route"}


@dataclass(frozen=True)
class Share:
    """A share that went ahead: what left per table, the duties checked, the ledger entry."""
    purpose: str
    flow: str
    recipient: Recipient
    tables: dict                       # table -> Minimised
    duties: pd.DataFrame
    agreement_sha256: str
    entry: object = field(default=None, repr=False)

    @property
    def frames(self) -> dict:
        return {t: m.frame for t, m in self.tables.items()}

    @property
    def subjects(self) -> tuple:
        return tuple(dict.fromkeys(s for m in self.tables.values() for s in m.subjects))

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{k: v for k, v in m.summary().items() if k not in ("protections", "withheld_by_reason")}
                             for m in self.tables.values()])


def _duty(rows, duty, ok, article, zh, en):
    rows.append({"duty": duty, "ok": bool(ok), "article": article, "why_zh": zh, "why_en": en})


def _problems_duty(rows, duty, article, problems, zh_ok, en_ok):
    if problems:
        _duty(rows, duty, False, article, ";".join(f"{p.field}:{p.problem_zh}" for p in problems),
              "; ".join(f"{p.field}: {p.problem}" for p in problems))
    else:
        _duty(rows, duty, True, article, zh_ok, en_ok)


def check_share(tables: dict, purpose, recipient, agreement, *, consents: pd.DataFrame, notice=None, on=None,
                inventory=None, customers=None, pseudonymiser=None, registry=None,
                checklist=None) -> tuple[pd.DataFrame, dict]:
    """(duties, minimised tables): every duty of the flow with ok and why, and what each table
    would give.  Nothing is recorded."""
    purpose = resolve_purpose(purpose, registry)
    recipient = Recipient.of(recipient)
    if not isinstance(tables, dict) or not tables:
        raise SharingError("tables: give {table name: DataFrame} with at least one table")
    flow = purpose.flow
    if customers is None and isinstance(tables.get("customers"), pd.DataFrame):
        customers = tables["customers"]
    pseudonymiser = pseudonymiser or Pseudonymiser(Pseudonymiser.generate_key(), domain=f"share:{purpose.id}")
    minimised = {t: minimise(f, purpose, recipient, table=t, consents=consents, inventory=inventory,
                             customers=customers, on=on, pseudonymiser=pseudonymiser)
                 for t, f in tables.items()}
    shared_columns = [f"{t}.{c}" for t, m in minimised.items() for c in m.frame.columns]
    day = pd.Timestamp(on).date() if on is not None else pd.Timestamp.today().date()
    problems = check_agreement(agreement, flow, purpose=purpose.id, recipient=recipient.name,
                               shared_columns=shared_columns, on=day, checklist=checklist)
    rows: list = []
    article = FLOWS[flow][2]

    if recipient.country.upper() not in ("CN", "") and flow != "cross_border":
        _duty(rows, "recipient-abroad", False, "PIPL Arts. 38–39",
              f"接收方在境外({recipient.country}):只能按出境流程提供(第三十八、三十九条)。",
              f"The recipient is abroad ({recipient.country}): only the cross-border flow may send it (PIPL Arts. 38–39).")

    if flow == "entrusted":
        _problems_duty(rows, "contract-terms", "PIPL Art. 21",
                       [p for p in problems if p.field in _TERMS],
                       "合同约定了目的、期限、方式、种类和保护措施(第二十一条)。",
                       "The contract fixes purpose, term, method, categories and safeguards (PIPL Art. 21).")
        _problems_duty(rows, "return-or-delete", "PIPL Art. 21", [p for p in problems if p.field == "end_of_term"],
                       "到期后返还或删除,不保留(第二十一条)。", "At the end it returns or deletes, keeping nothing (PIPL Art. 21).")
        _problems_duty(rows, "no-sub-entrusting", "PIPL Art. 21", [p for p in problems if p.field == "sub_entrusting"],
                       "未经同意不得转委托(第二十一条)。", "No sub-entrusting without consent (PIPL Art. 21).")
        done = _TERMS | {"end_of_term", "sub_entrusting"}
    else:
        notice_problems = check_notice(notice, flow, recipient=recipient.name, shared_columns=shared_columns, on=day,
                                       checklist=checklist)
        notice_article = "PIPL Art. 39" if flow == "cross_border" else article
        _problems_duty(rows, "notice", notice_article, notice_problems,
                       "共享前已告知客户所需事项。", "Customers were told what they must be told before the share.")
        done = set()
    if flow in ("provision", "cross_border"):
        rows_out = sum(len(m.frame) for m in minimised.values())
        withheld = len({c for m in minimised.values() for c in m.withheld})
        consent_article = "PIPL Art. 23" if flow == "provision" else "PIPL Art. 39"
        _duty(rows, "separate-consent", rows_out > 0, consent_article,
              (f"只提供有单独同意记录的客户;{withheld} 位客户的数据被扣下。" if rows_out else
               f"没有任何客户对“{purpose.consent_purpose}”给出单独同意:什么都不能提供。先取得单独同意。"),
              (f"Only customers with separate consent on record go; {withheld} customers' data withheld." if rows_out else
               f"No customer gave separate consent “{purpose.consent_purpose}”: nothing may go. Obtain separate consent first."))
    if flow == "transfer":
        _problems_duty(rows, "continues-duties", "PIPL Art. 22; NDSMR Art. 14",
                       [p for p in problems if p.field == "continues_duties"],
                       "接收方承诺继续履行处理者的义务(第二十二条)。",
                       "The recipient undertakes to continue the handler's duties (PIPL Art. 22).")
        done = {"continues_duties"}
        _duty(rows, "same-purpose", not purpose.new_purpose, "PIPL Art. 22",
              "目的和方式不变:告知即可,不需要重新取得同意。" if not purpose.new_purpose else
              "接收方要改变目的或方式:先重新取得同意(第二十二条)。",
              "Same purpose and method: notice suffices, no new consent." if not purpose.new_purpose else
              "The recipient would change the purpose or method: obtain new consent first (PIPL Art. 22).")
    if flow == "cross_border":
        _problems_duty(rows, "lawful-route", "PIPL Art. 38", [p for p in problems if p.field in _ROUTE],
                       "有合法的出境途径(第三十八条)。", "A lawful route abroad is in place (PIPL Art. 38).")
        done = _ROUTE
    _problems_duty(rows, "impact-assessment", "PIPL Arts. 55–56", [p for p in problems if p.field in _ASSESSMENT],
                   "事前完成了个人信息保护影响评估,报告和记录至少保存三年(第五十五、五十六条)。",
                   "An impact assessment was made beforehand; report and records are kept at least three years "
                   "(PIPL Arts. 55–56).")
    other = [p for p in problems if p.field not in done | _ASSESSMENT]
    _problems_duty(rows, "agreement", "NDSMR Art. 12", other,
                   "协议的其他必备条款齐全。", "The agreement's other required fields are complete.")
    return pd.DataFrame(rows, columns=DUTY_COLUMNS), minimised


def share(tables: dict, purpose, recipient, agreement, *, consents: pd.DataFrame, notice=None, on=None,
          inventory=None, customers=None, pseudonymiser=None, registry=None, checklist=None, ledger=None,
          actor: str = "kitlib.sharing") -> Share:
    """Share ``tables`` ({name: DataFrame}) with ``recipient`` for ``purpose`` under ``agreement``
    (a dict or a TOML file).  Raises ShareRefused (listing every failed duty) before anything
    leaves; otherwise returns the minimised tables and writes one "share" entry to ``ledger``."""
    purpose = resolve_purpose(purpose, registry)
    recipient = Recipient.of(recipient)
    duties, minimised = check_share(tables, purpose, recipient, agreement, consents=consents, notice=notice, on=on,
                                    inventory=inventory, customers=customers, pseudonymiser=pseudonymiser,
                                    registry=registry, checklist=checklist)
    failed = duties[~duties["ok"]]
    if len(failed):
        reasons = "; ".join(f"{r.duty} ({r.article}): {r.why_en}" for r in failed.itertuples())
        raise ShareRefused(f"share refused ({purpose.id} to {recipient.name}): {reasons}", duties)
    digest = agreement_digest(agreement)
    data, _, _ = _inputs(agreement, "agreement")
    result = Share(purpose.id, purpose.flow, recipient, minimised, duties, digest)
    entry = None
    if ledger is not None:
        entry = ledger.append("share", actor=actor, subjects=list(result.subjects), details={
            "operation": "share", "purpose": purpose.id, "flow": purpose.flow, "article": purpose.article,
            "recipient": recipient.name, "recipient_country": recipient.country,
            "tables": {t: {k: v for k, v in m.summary().items() if k not in ("table", "purpose", "flow", "recipient")}
                       for t, m in minimised.items()},
            "agreement_sha256": digest, "impact_assessment": str(data.get("impact_assessment", "")),
            "duties": list(duties["duty"]), "on": str(pd.Timestamp(on).date()) if on is not None else None})
    return Share(purpose.id, purpose.flow, recipient, minimised, duties, digest, entry)
