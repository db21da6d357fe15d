"""A request from an individual, its identity check and its workflow (PIPL Arts. 44-50).

    received -> identity_verified -> in_progress -> answered | refused -> closed
    (received and identity_verified may also go straight to refused)

Every transition is checked (an illegal one raises ``RequestError`` in one line) and, given a
ledger, written as one "request" entry: the customer id as subject (stored as a pseudonym),
and in ``details`` only the request id, type, the states, the reason code and dates — never a
name, number or address.  A refusal needs at least one reason code (Art. 50: reasons).

Identity verification is a step with a method and an outcome.  The requester's claimed details
are compared with the record: the customer's own (role ``self``), the registered guardian of a
minor under 14 (``guardian``, Art. 31), or a deceased customer's close relative's documents
(``relative``, Art. 49).  A mismatch refuses the request and records a suspected impersonation;
someone asking for another person's data without such a ground is refused as ``not_own_data``.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

import pandas as pd

from ..classify.validators import mobile_national
from .deadlines import as_date, due_date, load_policy
from .errors import RequestError
from .vocab import CHANNELS, REASONS, REQUEST_TYPES, ROLES, label

__all__ = ["RequestError", "Requester", "Request", "IdentityCheck", "Transition", "Deceased", "TRANSITIONS",
           "check_identity", "deceased_registry", "age_on", "MINOR_AGE"]

TZ = ZoneInfo("Asia/Shanghai")
MINOR_AGE = 14                     # PIPL Arts. 28, 31: minors under 14
EVIDENCE = ("own_id", "death_certificate", "relationship_proof", "guardianship_proof")
TRANSITIONS = {
    "received": ("identity_verified", "refused"),
    "identity_verified": ("in_progress", "refused"),
    "in_progress": ("answered", "refused"),
    "answered": ("closed",),
    "refused": ("closed",),
    "closed": (),
}


@dataclass(frozen=True)
class Requester:
    """Who asks, and what they claim.  role: self, guardian (of a minor under 14), relative (of a
    deceased customer) or other.  evidence: documents shown (own_id, death_certificate,
    relationship_proof, guardianship_proof).  interest: the relative's own lawful interest."""
    role: str = "self"
    name: str = ""
    mobile: str = ""
    email: str = ""
    id_last4: str = ""
    relation: str = ""
    evidence: tuple[str, ...] = ()
    interest: str = ""

    def __post_init__(self):
        if self.role not in ROLES:
            raise RequestError(f"requester.role: {self.role!r} is not one of {', '.join(ROLES)}")
        unknown = [e for e in self.evidence if e not in EVIDENCE]
        if unknown:
            raise RequestError(f"requester.evidence: {unknown[0]!r} is not one of {', '.join(EVIDENCE)}")


@dataclass(frozen=True)
class Deceased:
    """What the company learnt of a customer's death: the date, and whether they arranged
    during their lifetime that their relatives may not exercise these rights (Art. 49)."""
    customer_id: str
    died_on: dt.date
    arranged_otherwise: bool = False


@dataclass(frozen=True)
class IdentityCheck:
    """method: how the identity was checked; outcome: match, mismatch or not_entitled;
    compared / mismatched: the fields (names only); reason: the refusal reason code, if any."""
    method: str
    outcome: str
    compared: tuple[str, ...]
    mismatched: tuple[str, ...] = ()
    reason: str = ""

    @property
    def impersonation_suspected(self) -> bool:
        return self.outcome == "mismatch"


@dataclass(frozen=True)
class Transition:
    from_state: str
    to_state: str
    on: dt.date
    reason: str = ""
    actor: str = ""
    seq: int | None = None          # the ledger entry's number, when recorded


@dataclass
class Request:
    """One request: what is asked (type, details), about whom (customer_id), by whom (requester),
    when and how it came (received_on, channel), and where it stands (state, history)."""
    request_id: str
    type: str
    customer_id: str
    received_on: dt.date
    channel: str = "email"
    requester: Requester = field(default_factory=Requester)
    details: dict = field(default_factory=dict)
    state: str = "received"
    history: list[Transition] = field(default_factory=list)
    identity: IdentityCheck | None = None
    reasons: tuple[str, ...] = ()
    result: str = ""                 # full, partial (answered) or refused

    def __post_init__(self):
        if self.type not in REQUEST_TYPES:
            raise RequestError(f"request {self.request_id}: type {self.type!r} is not one of {', '.join(REQUEST_TYPES)}")
        if not str(self.customer_id or "").strip():
            raise RequestError(f"request {self.request_id}: customer_id is empty")
        self.received_on = as_date(self.received_on, f"request {self.request_id}: received_on")
        if self.state not in TRANSITIONS:
            raise RequestError(f"request {self.request_id}: state {self.state!r} is not one of {', '.join(TRANSITIONS)}")

    # -- facts ------------------------------------------------------------------------------------
    @property
    def article(self) -> str:
        return REQUEST_TYPES[self.type].article

    def due_on(self, working_days: int | None = None) -> dt.date:
        """The answer deadline: the company's commitment in working days (PIPL sets none)."""
        return due_date(self.received_on, working_days)

    @property
    def answered_on(self) -> dt.date | None:
        done = [t.on for t in self.history if t.to_state in ("answered", "refused")]
        return done[-1] if done else None

    def overdue(self, today, working_days: int | None = None) -> bool:
        """Answered after the due date, or still open after it on ``today``."""
        answered = self.answered_on
        day = answered if answered is not None else as_date(today, "today")
        return day > self.due_on(working_days)

    # -- the workflow -------------------------------------------------------------------------------
    def receive(self, *, ledger=None, actor: str = "kit") -> "Request":
        """Log the request's arrival (the first entry of its history)."""
        if self.history:
            raise RequestError(f"request {self.request_id}: already received")
        self._record(ledger, actor, "", "received", self.received_on, "",
                     {"channel": self.channel, "requester_role": self.requester.role,
                      "due_on": self.due_on().isoformat()})
        return self

    def verify_identity(self, customers: pd.DataFrame, *, method: str | None = None, deceased=None, on=None,
                        ledger=None, actor: str = "kit") -> IdentityCheck:
        """Check who asks (see ``check_identity``): a match moves to identity_verified; a mismatch
        or a requester with no right to this data refuses the request with the reason."""
        self._require("identity_verified")
        check = check_identity(self, customers, method=method, deceased=deceased, on=on)
        self.identity = check
        extra = {"method": check.method, "outcome": check.outcome, "mismatched": list(check.mismatched),
                 "impersonation_suspected": check.impersonation_suspected}
        day = self._day(on)
        if check.outcome == "match":
            self._record(ledger, actor, self.state, "identity_verified", day, "", extra)
        else:
            self.reasons, self.result = (check.reason,), "refused"
            self._record(ledger, actor, self.state, "refused", day, check.reason, extra)
        return check

    def start(self, *, on=None, ledger=None, actor: str = "kit") -> "Request":
        return self._move("in_progress", on, ledger, actor)

    def answer(self, *, partial_reasons=(), on=None, ledger=None, actor: str = "kit") -> "Request":
        """Answered in full, or in part with the reasons for what was not done."""
        reasons = self._reasons(partial_reasons, required=False)
        self._require("answered")
        self.reasons, self.result = reasons, "partial" if reasons else "full"
        self._record(ledger, actor, self.state, "answered", self._day(on), ";".join(reasons),
                     {"result": self.result})
        return self

    def refuse(self, reasons, *, on=None, ledger=None, actor: str = "kit") -> "Request":
        """Refuse with at least one reason code (PIPL Art. 50 requires reasons)."""
        reasons = self._reasons(reasons, required=True)
        self._require("refused")
        self.reasons, self.result = reasons, "refused"
        self._record(ledger, actor, self.state, "refused", self._day(on), ";".join(reasons), {})
        return self

    def close(self, *, on=None, ledger=None, actor: str = "kit") -> "Request":
        return self._move("closed", on, ledger, actor)

    # -- helpers --------------------------------------------------------------------------------------
    def _reasons(self, reasons, required: bool) -> tuple[str, ...]:
        reasons = (reasons,) if isinstance(reasons, str) else tuple(reasons or ())
        if required and not reasons:
            raise RequestError(f"request {self.request_id}: a refusal needs a reason (PIPL Art. 50)")
        unknown = [r for r in reasons if r not in REASONS]
        if unknown:
            raise RequestError(f"request {self.request_id}: unknown reason {unknown[0]!r}; use one of {', '.join(REASONS)}")
        return reasons

    def _require(self, to: str) -> None:
        if not self.history:
            raise RequestError(f"request {self.request_id}: not received yet (call receive() first)")
        if to not in TRANSITIONS[self.state]:
            allowed = ", ".join(TRANSITIONS[self.state]) or "nothing (it is closed)"
            raise RequestError(f"request {self.request_id}: cannot go from {self.state} to {to}; "
                               f"from {self.state} it can go to {allowed}")

    def _day(self, on) -> dt.date:
        day = dt.datetime.now(TZ).date() if on is None else as_date(on, f"request {self.request_id}: on")
        last = self.history[-1].on if self.history else self.received_on
        if day < last:
            raise RequestError(f"request {self.request_id}: {day} is before the previous step ({last})")
        return day

    def _move(self, to: str, on, ledger, actor) -> "Request":
        self._require(to)
        self._record(ledger, actor, self.state, to, self._day(on), "", {})
        return self

    def _record(self, ledger, actor, frm, to, day, reason, extra) -> None:
        seq = None
        if ledger is not None:
            details = {"request_id": self.request_id, "request_type": self.type, "article": self.article,
                       "from": frm, "to": to, "reason": reason, "on": day.isoformat(),
                       "received_on": self.received_on.isoformat(), **extra}
            seq = ledger.append("request", actor=actor, subjects=[self.customer_id], details=details).seq
        self.history.append(Transition(frm, to, day, reason, actor, seq))
        self.state = to

    def summary(self, lang: str = "en") -> dict:
        """One row for a queue table (no identifiers beyond the customer id)."""
        channel = label("channels", self.channel, lang) if self.channel in CHANNELS else self.channel
        return {"request_id": self.request_id, "type": label("types", self.type, lang), "customer_id": self.customer_id,
                "received_on": self.received_on, "channel": channel, "requester": label("roles", self.requester.role, lang),
                "state": label("states", self.state, lang), "due_on": self.due_on()}


# -- identity ------------------------------------------------------------------------------------

def age_on(birth_date, day: dt.date) -> int | None:
    """Whole years of age on ``day`` (None when the birth date is unknown)."""
    if birth_date is None or pd.isna(birth_date):
        return None
    born = pd.Timestamp(birth_date).date()
    return day.year - born.year - ((day.month, day.day) < (born.month, born.day))


def deceased_registry(deceased) -> dict[str, Deceased]:
    """customer id -> Deceased, from None, a mapping, Deceased objects or a frame (customer_id,
    died_on, arranged_otherwise)."""
    if deceased is None:
        return {}
    if isinstance(deceased, Mapping):
        return dict(deceased)
    if isinstance(deceased, pd.DataFrame):
        missing = [c for c in ("customer_id", "died_on") if c not in deceased.columns]
        if missing:
            raise RequestError(f"deceased: no column {missing[0]!r}")
        return {str(r.customer_id): Deceased(str(r.customer_id), as_date(r.died_on, f"deceased {r.customer_id}: died_on"),
                                             bool(getattr(r, "arranged_otherwise", False)))
                for r in deceased.itertuples(index=False)}
    return {d.customer_id: d for d in deceased}


def _norm(field_name: str, value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    text = "".join(str(value).split())
    if field_name == "mobile":
        return mobile_national(text) or text
    if field_name == "email":
        return text.lower()
    return text.upper()


def _record_values(row: pd.Series, guardian: bool) -> dict[str, str]:
    if guardian:
        return {"name": row.get("guardian_name"), "mobile": row.get("guardian_mobile"),
                "relation": row.get("guardian_relation")}
    document = row.get("resident_id")
    if document is None or pd.isna(document) or not str(document).strip():
        document = row.get("passport_no")
    last4 = "" if document is None or pd.isna(document) else str(document)[-4:]
    return {"name": row.get("name"), "mobile": row.get("mobile"), "email": row.get("email"), "id_last4": last4}


def _compare(requester: Requester, expected: dict, required: list[str]) -> tuple[tuple, tuple]:
    """(fields compared, fields that differ): the method's fields must be given and match; any other
    detail the requester volunteered must match too."""
    claimed = {f: getattr(requester, f) for f in ("name", "mobile", "email", "id_last4", "relation")}
    fields = [f for f in expected if f in required or _norm(f, claimed.get(f))]
    wrong = [f for f in fields if not _norm(f, claimed.get(f)) or _norm(f, claimed[f]) != _norm(f, expected[f])]
    return tuple(fields), tuple(wrong)


def check_identity(request: Request, customers: pd.DataFrame, *, method: str | None = None, deceased=None,
                   on=None) -> IdentityCheck:
    """Compare the requester's claims with the record, without changing the request.

    self: the method's fields (policy: sms_code → mobile, id_document → name and last 4 digits …)
    against the customer's own; guardian: the subject must be under 14 on the day (Art. 31) and the
    requester the registered guardian (name, mobile, relation); relative: the subject must be
    recorded as deceased, the requester a close relative with the three documents and an interest
    of their own, and the deceased must not have arranged otherwise (Art. 49); other: not entitled.
    """
    policy = load_policy()
    rows = customers.loc[customers["customer_id"] == request.customer_id]
    if rows.empty:
        raise RequestError(f"request {request.request_id}: customer {request.customer_id} is not in the customers table")
    row, who, day = rows.iloc[0], request.requester, as_date(on or request.received_on, "on")
    role = who.role
    if role == "other":
        return IdentityCheck(method or "id_document", "not_entitled", (), (), "not_own_data")
    if role == "relative":
        method = method or "relative_documents"
        death = deceased_registry(deceased).get(request.customer_id)
        if death is None or death.died_on > day:
            return IdentityCheck(method, "not_entitled", ("deceased",), ("deceased",), "not_own_data")
        if death.arranged_otherwise:
            return IdentityCheck(method, "not_entitled", ("arrangement",), ("arrangement",), "deceased_arranged_otherwise")
        if who.relation not in policy.close_relatives or not who.interest.strip():
            return IdentityCheck(method, "not_entitled", ("relation", "interest"), ("relation",), "not_close_relative")
        missing = tuple(e for e in ("own_id", "death_certificate", "relationship_proof") if e not in who.evidence)
        return IdentityCheck(method, "mismatch" if missing else "match", ("documents",), missing,
                             "identity_not_verified" if missing else "")
    if role == "guardian":
        method = method or "guardian_documents"
        age = age_on(row.get("birth_date"), day)
        if age is None or age >= MINOR_AGE:
            return IdentityCheck(method, "not_entitled", ("age",), ("age",), "not_own_data")
        compared, wrong = _compare(who, _record_values(row, guardian=True), ["name", "mobile", "relation"])
        return IdentityCheck(method, "mismatch" if wrong else "match", compared, wrong,
                             "guardian_not_verified" if wrong else "")
    method = method or policy.identity_by_channel.get(request.channel, "id_document")
    if method not in policy.identity:
        raise RequestError(f"request {request.request_id}: unknown verification method {method!r}; "
                           f"use one of {', '.join(policy.identity)}")
    compared, wrong = _compare(who, _record_values(row, guardian=False), list(policy.identity[method]))
    return IdentityCheck(method, "mismatch" if wrong else "match", compared, wrong,
                         "identity_not_verified" if wrong else "")

