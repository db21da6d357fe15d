"""Watching what recipients do with the data: ``monitor(usage_log, book)`` judges every use in a
recipient's usage report against the authorization in force at that moment, and
``recipient_usage_log(book, seed=...)`` makes a realistic report with a few misuses planted.

A usage log has one row per use: use_id, time, recipient, purpose, table, columns (";"-joined),
records (how many records were touched), operator (the recipient's staff id).  It names no
customer: a recipient reports counts, the company's own monitoring does the rest.

Verdicts (first that applies):

=====================  ==========================================================================
verdict                meaning
=====================  ==========================================================================
no-authorization       the recipient holds no grant at all at that time
other-purpose          the recipient holds grants, none for this purpose (PIPL Arts. 14, 21, 23)
after-revocation       the grant for this purpose was revoked before the use
outside-term           before the grant or after it expired (PIPL Art. 21: the term)
table-out-of-scope     a table the grant does not cover
column-out-of-scope    a column the grant does not cover (the categories: Arts. 21, 23)
ok                     within scope
=====================  ==========================================================================
"""
from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from functools import lru_cache

import pandas as pd

from .authorizations import AuthorizationBook
from .errors import SharingError

__all__ = ["VERDICTS", "USAGE_COLUMNS", "UsageLog", "judge_use", "monitor", "recipient_usage_log"]

USAGE_COLUMNS = ["use_id", "time", "recipient", "purpose", "table", "columns", "records", "operator"]
VERDICTS = {
    "ok": ("在授权范围内", "within scope", ""),
    "no-authorization": ("没有任何授权", "no authorization at all", "PIPL Arts. 21, 23"),
    "other-purpose": ("用于授权以外的目的", "used for another purpose", "PIPL Arts. 14, 21, 23"),
    "after-revocation": ("授权撤销后仍在使用", "used after revocation", "PIPL Art. 21"),
    "outside-term": ("授权期限以外使用", "used outside the term", "PIPL Art. 21"),
    "table-out-of-scope": ("使用了未授权的表", "a table beyond scope", "PIPL Arts. 21, 23"),
    "column-out-of-scope": ("使用了未授权的列", "a column beyond scope", "PIPL Arts. 21, 23"),
}


def _columns(value) -> list[str]:
    if isinstance(value, (list, tuple)):
        return [str(v).strip() for v in value if str(v).strip()]
    return [c.strip() for c in str(value).split(";") if c.strip()]


def judge_use(use: dict, book: AuthorizationBook) -> tuple[str, str, str]:
    """(verdict, detail zh, detail en) of one use (a row of the usage log as a dict)."""
    when = pd.Timestamp(use["time"])
    day = when.date()
    grants = book.in_force_at(use["recipient"], day)
    if not grants:
        return "no-authorization", f"{use['recipient']} 在 {day} 没有任何授权", f"{use['recipient']} held no grant on {day}"
    same = [g for g in grants if g.purpose == use["purpose"]]
    if not same:
        held = ", ".join(sorted({g.purpose for g in grants}))
        return "other-purpose", f"目的 {use['purpose']} 不在授权之内(授权的目的:{held})", \
            f"purpose {use['purpose']} is not granted (granted: {held})"
    if all(g.revoked_on is not None and day >= g.revoked_on for g in same):
        g = same[0]
        return "after-revocation", f"授权 {g.id} 已于 {g.revoked_on} 撤销", f"grant {g.id} was revoked on {g.revoked_on}"
    live = [g for g in same if g.revoked_on is None or day < g.revoked_on]
    if not any(g.granted_on <= day <= g.expires_on for g in live):
        g = live[0]
        return "outside-term", f"授权 {g.id} 的期限是 {g.granted_on} 至 {g.expires_on}", \
            f"grant {g.id} runs from {g.granted_on} to {g.expires_on}"
    live = [g for g in live if g.granted_on <= day <= g.expires_on]
    table = use["table"]
    with_table = [g for g in live if table in g.scope]
    if not with_table:
        return "table-out-of-scope", f"表 {table} 不在授权范围内", f"table {table} is not in the scope"
    columns = _columns(use["columns"])
    beyond = [c for c in columns if not any(g.covers(table, c) for g in with_table)]
    if beyond:
        return "column-out-of-scope", f"{table} 的列 {'、'.join(beyond)} 不在授权范围内", \
            f"{table}: {', '.join(beyond)} not in the scope"
    return "ok", "", ""


def monitor(usage_log: pd.DataFrame, authorizations: AuthorizationBook, *, all_uses: bool = False) -> pd.DataFrame:
    """The uses beyond scope (every use with ``all_uses``): the log's columns plus verdict,
    verdict_zh, verdict_en, article, detail_zh, detail_en."""
    if not isinstance(usage_log, pd.DataFrame):
        raise SharingError("usage_log: give a DataFrame")
    missing = [c for c in ("use_id", "time", "recipient", "purpose", "table", "columns") if c not in usage_log.columns]
    if missing:
        raise SharingError(f"usage_log: column {missing[0]!r} is missing (needs {', '.join(USAGE_COLUMNS)})")
    rows = []
    for n, use in enumerate(usage_log.to_dict("records")):
        try:
            verdict, zh, en = judge_use(use, authorizations)
        except (TypeError, ValueError) as exc:
            raise SharingError(f"usage_log row {n} (use {use.get('use_id')}): {exc}") from None
        label_zh, label_en, article = VERDICTS[verdict]
        rows.append({**use, "verdict": verdict, "verdict_zh": label_zh, "verdict_en": label_en, "article": article,
                     "detail_zh": zh, "detail_en": en})
    out = pd.DataFrame(rows, columns=list(usage_log.columns) + ["verdict", "verdict_zh", "verdict_en", "article",
                                                                 "detail_zh", "detail_en"])
    return out if all_uses else out[out["verdict"] != "ok"].reset_index(drop=True)


@dataclass(frozen=True)
class UsageLog:
    """A generated usage report and what was planted in it (for tests and trainers only: the
    exercise is marked by ``monitor``, not by this list)."""
    frame: pd.DataFrame
    planted: dict                      # use_id -> the misuse planted


_TEMPTING = ("resident_id", "bank_card", "birth_date", "payment_ref", "text", "email")     # what misuse reaches for


@lru_cache(maxsize=None)
def _table_columns(table: str) -> tuple[str, ...]:
    from ..synth.catalogue import build_catalogue
    catalogue = build_catalogue()
    return tuple(catalogue.loc[catalogue["table"] == table, "column"])


def recipient_usage_log(book: AuthorizationBook, *, seed: int = 0, uses: int = 60,
                        misuse=("other-purpose", "column-out-of-scope", "after-expiry", "after-revocation",
                                "table-out-of-scope")) -> UsageLog:
    """A usage report of every recipient in ``book``: ``uses`` ordinary uses inside each grant's
    scope and term, plus one use per kind of ``misuse`` (each planted on a grant it fits;
    after-revocation needs a revoked grant, after-expiry one with a term end)."""
    rng = random.Random(seed)
    latest = {}
    for a in book.versions:
        latest[a.id] = a
    grants = list(latest.values())
    if not grants:
        raise SharingError("the book holds no authorization: grant one first")
    rows, planted = [], {}

    def add(grant, when, purpose, table, columns, kind=None):
        use_id = f"U{len(rows) + 1:05d}"
        rows.append({"use_id": use_id, "time": pd.Timestamp(when) + pd.Timedelta(minutes=rng.randrange(8 * 60, 20 * 60)),
                     "recipient": grant.recipient, "purpose": purpose, "table": table, "columns": ";".join(columns),
                     "records": rng.randrange(1, 400), "operator": f"R{rng.randrange(1, 40):03d}"})
        if kind:
            planted[use_id] = kind

    def day_in(a: dt.date, b: dt.date) -> dt.date:
        return a + dt.timedelta(days=rng.randrange(max((b - a).days, 1)))

    def scope_version(grant, day):
        versions = [v for v in book.versions if v.id == grant.id and v.effective_from <= day]
        return versions[-1]

    for _ in range(uses):
        grant = rng.choice(grants)
        end = grant.expires_on if grant.revoked_on is None else min(grant.expires_on, grant.revoked_on - dt.timedelta(days=1))
        day = day_in(grant.granted_on, end)
        version = scope_version(grant, day)
        table = rng.choice(sorted(version.scope))
        cols = list(version.scope[table])
        add(grant, day, grant.purpose, table, rng.sample(cols, rng.randint(1, min(4, len(cols)))))
    for kind in misuse:
        live = [g for g in grants if g.revoked_on is None]
        if kind == "after-revocation":
            fit = [g for g in grants if g.revoked_on is not None]
            if not fit:
                continue
            g = rng.choice(fit)
            day = g.revoked_on + dt.timedelta(days=rng.randint(1, 20))
            day = min(day, g.expires_on)
            table = sorted(g.scope)[0]
            add(g, day, g.purpose, table, list(g.scope[table])[:2], kind)
        elif kind == "after-expiry":
            if not live:
                continue
            g = rng.choice(live)
            table = sorted(g.scope)[0]
            add(g, g.expires_on + dt.timedelta(days=rng.randint(1, 30)), g.purpose, table, list(g.scope[table])[:2], kind)
        else:
            if not live:
                continue
            g = rng.choice(live)
            day = day_in(g.granted_on, g.expires_on)
            version = scope_version(g, day)
            table = sorted(version.scope)[0]
            cols = list(version.scope[table])[:2]
            if kind == "other-purpose":
                other = "marketing_partner" if g.purpose != "marketing_partner" else "group_crm"
                add(g, day, other, table, cols, kind)
            elif kind == "column-out-of-scope":
                spots = []
                for h in live:
                    h_day = day_in(h.granted_on, h.expires_on)
                    version = scope_version(h, h_day)
                    spots += [(h, h_day, t, c) for t in sorted(version.scope) for c in _table_columns(t)
                              if c not in version.scope[t]]
                if not spots:
                    continue
                tempting = [spot for spot in spots if spot[3] in _TEMPTING]
                h, h_day, t, extra = rng.choice(tempting or spots)
                add(h, h_day, h.purpose, t, list(scope_version(h, h_day).scope[t])[:2] + [extra], kind)
            elif kind == "table-out-of-scope":
                other = next((t for t in ("consents", "orders", "tickets", "accounts", "customers")
                              if t not in version.scope), None)
                if other is not None:
                    add(g, day, g.purpose, other, ["customer_id"], kind)
            else:
                raise SharingError(f"misuse: {kind!r} is not one of other-purpose, column-out-of-scope, after-expiry, "
                                   "after-revocation, table-out-of-scope")
    order = sorted(range(len(rows)), key=lambda i: rows[i]["time"])
    frame = pd.DataFrame([rows[i] for i in order], columns=USAGE_COLUMNS)
    renumber = {frame.at[i, "use_id"]: f"U{i + 1:05d}" for i in range(len(frame))}
    frame["use_id"] = frame["use_id"].map(renumber)
    return UsageLog(frame, {renumber[k]: v for k, v in planted.items()})
