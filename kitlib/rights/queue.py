"""A realistic queue of requests around the address cancellation, with the hard cases mixed in.

``request_queue(case, n, seed)`` draws requests over channels and dates from a few weeks before
the decision to the cancellation (and, at dissolution, some after deregistration).  Besides
ordinary requests it plants the hard cases:

=====================  ==============================================================  ==================
hard case              what happens                                                     right outcome
=====================  ==============================================================  ==================
impersonation          a caller gives the customer's name but another mobile number     refuse_identity
someone_else           a customer asks for their spouse's order history                 refuse_not_theirs
legal_hold             deletion requested by a customer under a litigation hold        legal_hold
retention_duty         deletion requested while accounting and tax records must stay    partial_retention
after_deregistration   a request arriving after deregistration (dissolution)            successor
after_relocation       a request after the move (relocation: same company answers)      proceed
guardian_minor         the registered guardian asks for a child's (under 14) data       guardian
deceased_relative      a daughter of a deceased customer, for the estate                relative
guardian_of_adult      a mother asks for her adult son's data                           refuse_not_theirs
guardian_mismatch      someone not registered as guardian asks for a child's data      refuse_identity
deceased_arranged      a relative, but the deceased arranged otherwise                 refuse_not_theirs
=====================  ==============================================================  ==================

The "right outcome" is not copied from this table: every request's ``truth`` is computed by
``kitlib.rights.triage`` from the data (records, guardian fields, holds, deaths, the retention
plan), and the tests check that it agrees with what was planted.  Same case, n and seed: the
same queue.
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..synth.identifiers import mobiles
from .deadlines import last_countable_day
from .requests import MINOR_AGE, Deceased, Request, Requester, RequestError, age_on
from .triage import Triage, triage

__all__ = ["RequestQueue", "request_queue", "HARD_CASES"]

HARD_CASES = ("impersonation", "someone_else", "legal_hold", "retention_duty", "after_deregistration",
              "guardian_minor", "deceased_relative", "guardian_of_adult", "guardian_mismatch", "deceased_arranged")
_CORE = 7                                   # the first seven are always planted (n permitting)
_TYPES = (("access_copy", 25), ("correction", 20), ("deletion", 20), ("withdraw_consent", 15),
          ("explanation", 10), ("portability", 10))
_CHANNELS = ("app", "phone", "online_chat", "email", "store", "post")
_FIELD_BY_CHANNEL = {"app": "mobile", "phone": "mobile", "online_chat": "mobile", "email": "email",
                     "store": "id_last4", "post": "id_last4"}
_INTERESTS = ("办理遗产继承,核对预付会员卡余额 · settling the estate: checking the prepaid membership balance",
              "处理未结订单的退款 · a refund of an open order",
              "核对保险理赔所需的消费记录 · purchase records for an insurance claim")


@dataclass
class RequestQueue:
    """requests (by received date); truth: request id -> Triage; planted: request id -> hard case
    ("" for ordinary); holds and deceased: the facts the hard cases rest on; plan: the retention
    plan made with the queue's deletion requests and holds."""
    requests: list[Request]
    truth: dict[str, Triage]
    planted: dict[str, str]
    holds: list[dict]
    deceased: dict[str, Deceased]
    plan: object = field(repr=False, default=None)

    def __len__(self) -> int:
        return len(self.requests)

    def get(self, request_id: str) -> Request:
        for r in self.requests:
            if r.request_id == request_id:
                return r
        raise RequestError(f"no request {request_id!r} in the queue")

    def first(self, hard_case: str = "", type: str | None = None) -> Request:
        """The first request planted as ``hard_case`` ("" = an ordinary one), optionally of a type."""
        for r in self.requests:
            if self.planted[r.request_id] == hard_case and (type is None or r.type == type):
                return r
        raise RequestError(f"no {hard_case or 'ordinary'} request{' of type ' + type if type else ''} in the queue")

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """One row per request: id, date, channel, type, customer, requester, due date, the planted
        hard case and the computed right outcome."""
        rows = []
        for r in self.requests:
            row = r.summary(lang)
            row["hard_case"] = self.planted[r.request_id]
            row["truth"] = self.truth[r.request_id].outcome
            rows.append(row)
        return pd.DataFrame(rows)


def _claims(row: pd.Series, channel: str, **extra) -> Requester:
    """What a genuine customer gives: the name and the detail the channel's method checks."""
    fields = {"name": str(row["name"])}
    wanted = _FIELD_BY_CHANNEL[channel]
    if wanted == "id_last4":
        doc = row["resident_id"] if not pd.isna(row["resident_id"]) else row["passport_no"]
        fields["id_last4"] = str(doc)[-4:]
    else:
        fields[wanted] = str(row[wanted])
    return Requester(role="self", **fields, **extra)


def request_queue(case, n: int = 40, seed: int = 0) -> RequestQueue:
    """``n`` requests against ``case`` (a kitlib.synth.Case), the hard cases among them."""
    from ..lifecycle import plan_retention

    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise RequestError(f"n must be a whole number of at least 1, got {n!r}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise RequestError(f"seed must be a non-negative whole number, got {seed!r}")
    rng = random.Random(f"request-queue {seed}")
    nprng = np.random.default_rng(rng.randrange(2**32))
    company = case["company"].iloc[0]
    dissolution = str(company["scenario"]) == "dissolution"
    decision = pd.Timestamp(company["decision_date"]).date()
    cancelled = pd.Timestamp(company["address_cancelled_on"]).date()
    start = decision - dt.timedelta(days=20)
    countable = last_countable_day()                   # every request's deadline must fit the calendar
    if cancelled >= countable:
        raise RequestError(f"the address is cancelled on {cancelled}, too late for the Chinese holiday calendar "
                           f"(deadlines countable for requests up to {countable}); update chinese_calendar")
    last_ordinary = cancelled if dissolution else min(cancelled + dt.timedelta(days=20), countable)
    last_late = min(cancelled + dt.timedelta(days=30), countable)

    def day(lo: dt.date, hi: dt.date) -> dt.date:
        return lo + dt.timedelta(days=rng.randrange((hi - lo).days + 1))

    customers = case["customers"]
    ages = customers["birth_date"].map(lambda b: age_on(b, cancelled + dt.timedelta(days=30)))
    individual = customers["customer_type"].eq("individual") & customers["name"].notna() & customers["mobile"].notna()
    adults = customers[individual & ~customers["is_minor"] & (ages >= 18)]
    minors = customers[customers["is_minor"] & customers["guardian_name"].notna() & customers["guardian_mobile"].notna()
                       & customers["guardian_relation"].notna() & (ages < MINOR_AGE)]
    adult_pool = list(adults.index)
    rng.shuffle(adult_pool)
    minor_pool = list(minors.index)
    rng.shuffle(minor_pool)
    spare_mobiles = iter(mobiles(2 * n + 4, nprng).tolist())
    consents = case["consents"]

    def take_adult() -> pd.Series:
        if not adult_pool:
            raise RequestError(f"the case has too few adult individual customers for {n} requests")
        return customers.loc[adult_pool.pop()]

    hard = list(HARD_CASES[:_CORE] + (HARD_CASES[_CORE:] if n >= 20 else ()))
    if not minor_pool:
        hard = [h for h in hard if not h.startswith("guardian_m")]
    if len(minor_pool) < 2 and "guardian_mismatch" in hard:
        hard.remove("guardian_mismatch")
    if not dissolution:
        hard = ["after_relocation" if h == "after_deregistration" else h for h in hard]
    hard = hard[:n]
    kinds = hard + [""] * (n - len(hard))
    rng.shuffle(kinds)

    drafts, holds, deceased = [], [], {}
    for kind in kinds:
        received = day(start, cancelled)
        channel = rng.choice(_CHANNELS)
        rtype, details = "access_copy", {}
        if kind == "impersonation":
            row, channel = take_adult(), "phone"
            rtype = rng.choice(("access_copy", "deletion", "correction"))
            if rtype == "correction":
                details = {"changes": {"mobile": next(spare_mobiles)}}
            who = Requester(role="self", name=str(row["name"]), mobile=next(spare_mobiles))
        elif kind == "someone_else":
            row, asker = take_adult(), take_adult()
            who = Requester(role="other", name=str(asker["name"]), mobile=str(asker["mobile"]), relation="配偶")
        elif kind in ("legal_hold", "retention_duty"):
            row, rtype = take_adult(), "deletion"
            who = _claims(row, channel)
            if kind == "legal_hold":
                holds.append({"id": f"LH-{received.year}-{len(holds) + 1:02d}", "reason": "litigation",
                              "customers": [str(row["customer_id"])], "start": (received - dt.timedelta(days=rng.randrange(10, 60))).isoformat(),
                              "reason_zh": "客户诉讼(配送纠纷)", "reason_en": "customer lawsuit (delivery dispute)"})
        elif kind in ("after_deregistration", "after_relocation"):
            row = take_adult()
            received = day(cancelled + dt.timedelta(days=1), last_late)
            rtype = rng.choice(("access_copy", "deletion", "correction"))
            if rtype == "correction":
                details = {"changes": {"mobile": next(spare_mobiles)}}
            who = _claims(row, channel)
        elif kind in ("guardian_minor", "guardian_mismatch"):
            row, channel = customers.loc[minor_pool.pop()], "store"
            rtype = rng.choice(("access_copy", "deletion"))
            if kind == "guardian_minor":
                who = Requester(role="guardian", name=str(row["guardian_name"]), mobile=str(row["guardian_mobile"]),
                                relation=str(row["guardian_relation"]), evidence=("own_id", "guardianship_proof"))
            else:
                other = customers.loc[minor_pool[-1]] if minor_pool else take_adult()
                claimed = str(other["guardian_name"] if not pd.isna(other.get("guardian_name")) else other["name"])
                if claimed == str(row["guardian_name"]):
                    claimed = str(take_adult()["name"])
                who = Requester(role="guardian", name=claimed, mobile=next(spare_mobiles),
                                relation="父亲" if row["guardian_relation"] == "母亲" else "母亲", evidence=("own_id",))
        elif kind == "guardian_of_adult":
            row, channel = take_adult(), "store"
            who = Requester(role="guardian", name=str(take_adult()["name"]), mobile=next(spare_mobiles), relation="母亲",
                            evidence=("own_id",))
        elif kind in ("deceased_relative", "deceased_arranged"):
            row, channel, rtype = take_adult(), rng.choice(("store", "post")), "deceased_relative"
            details = {"right": "access_copy"}
            died = received - dt.timedelta(days=rng.randrange(10, 90))
            deceased[str(row["customer_id"])] = Deceased(str(row["customer_id"]), died, kind == "deceased_arranged")
            who = Requester(role="relative", name=str(take_adult()["name"]), mobile=next(spare_mobiles),
                            relation=rng.choice(("女儿", "儿子", "配偶")),
                            evidence=("own_id", "death_certificate", "relationship_proof"), interest=rng.choice(_INTERESTS))
        else:                                           # an ordinary request from the customer
            row = take_adult()
            received = day(start, last_ordinary)
            rtype = rng.choices([t for t, _ in _TYPES], weights=[w for _, w in _TYPES])[0]
            if rtype == "withdraw_consent":
                mine = consents[(consents["customer_id"] == row["customer_id"]) & consents["withdrawn_on"].isna()
                                & consents["purpose"].isin(["marketing", "sensitive_financial", "cross_border"])]
                if mine.empty:
                    rtype = "access_copy"
                else:
                    details = {"purpose": str(mine["purpose"].iloc[0])}
            if rtype == "correction":
                column = rng.choice(("mobile", "email", "address"))
                value = {"mobile": lambda: next(spare_mobiles),
                         "email": lambda: f"{str(row['customer_id']).lower()[-6:]}.new@example.com",
                         "address": lambda: str(take_adult()["address"])}[column]()
                details = {"changes": {column: value}}
            who = _claims(row, channel)
        drafts.append((received, rtype, str(row["customer_id"]), channel, who, details, kind))

    drafts.sort(key=lambda d: (d[0], d[2]))
    requests, planted = [], {}
    for i, (received, rtype, cid, channel, who, details, kind) in enumerate(drafts, start=1):
        rid = f"RQ-{received.year}-{i:04d}"
        requests.append(Request(rid, rtype, cid, received, channel, who, details))
        planted[rid] = kind

    deletions = [r for r in requests if r.type == "deletion"]
    asked = pd.DataFrame({"customer_id": [r.customer_id for r in deletions],
                          "received_on": [pd.Timestamp(r.received_on) for r in deletions],
                          "kind": "deletion"}, columns=["customer_id", "received_on", "kind"])
    plan = plan_retention(case, requests=asked, holds=holds or None)
    truth = {r.request_id: triage(r, case, plan=plan, holds=holds, deceased=deceased) for r in requests}
    return RequestQueue(requests, truth, planted, holds, deceased, plan)

