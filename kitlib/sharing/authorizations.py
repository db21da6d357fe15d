"""Authorizations: what a recipient may use (purpose, tables, columns), from when and until when,
and whom to tell when that changes.

    book = AuthorizationBook()
    grant = book.grant("Example Help-desk Co.", "helpdesk", granted_on="2026-05-01",
                       expires_on="2026-08-31", subjects=done.subjects, ledger=ledger, actor="E0019")
    notice = book.revoke(grant.id, on="2026-06-30", reason=("服务结束", "service ended"), ledger=ledger)
    notice.customers        # the customers whose data the recipient held: they are told

Each change keeps the old version (``versions``): a use is judged by the version in force when it
happened.  A change or a revocation writes one "notification" entry naming the customers told.
Narrowing the scope, shortening the term or revoking is told (PIPL Art. 17: tell people again
when purpose, method, categories or retention change); widening the categories of a purpose that
rests on consent needs new consent first (Art. 14), so ``change`` refuses it unless
``consent_obtained=True``.  A scope never reaches beyond the purpose's registry entry.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, replace

import pandas as pd

from .errors import AuthorizationError
from .minimise import resolve_purpose

__all__ = ["Authorization", "AuthorizationNotice", "AuthorizationBook"]


def _day(value, what: str) -> dt.date:
    try:
        return pd.Timestamp(value).date()
    except (TypeError, ValueError):
        raise AuthorizationError(f"{what}: {value!r} is not a date") from None


@dataclass(frozen=True)
class Authorization:
    """One version of a grant: ``scope`` maps table -> columns; in force from ``effective_from``."""
    id: str
    recipient: str
    purpose: str
    scope: dict
    granted_on: dt.date
    expires_on: dt.date
    subjects: tuple = ()
    revoked_on: dt.date | None = None
    version: int = 1
    effective_from: dt.date | None = None

    def covers(self, table: str, column: str) -> bool:
        return column in self.scope.get(table, ())

    def in_force(self, day) -> bool:
        day = _day(day, "day")
        return self.granted_on <= day <= self.expires_on and (self.revoked_on is None or day < self.revoked_on)


@dataclass(frozen=True)
class AuthorizationNotice:
    """Whom to tell about a change or a revocation, and what to tell them (zh and en)."""
    authorization: Authorization
    change: str                          # changed or revoked
    customers: tuple
    needs_consent: bool
    text_zh: str
    text_en: str
    entry: object = None


class AuthorizationBook:
    """The grants a company has made, with every version kept."""

    def __init__(self, registry=None):
        self.registry = registry
        self.versions: list[Authorization] = []

    # -- reading ------------------------------------------------------------------------------

    def current(self, auth_id: str) -> Authorization:
        found = [a for a in self.versions if a.id == auth_id]
        if not found:
            raise AuthorizationError(f"authorization {auth_id!r} does not exist "
                                     f"(known: {', '.join(dict.fromkeys(a.id for a in self.versions)) or 'none'})")
        return found[-1]

    def in_force_at(self, recipient: str, when) -> list[Authorization]:
        """The version of each of ``recipient``'s grants that applied at ``when``."""
        day = _day(when, "when")
        latest = {}
        for a in self.versions:
            if a.recipient == recipient and a.effective_from <= day:
                latest[a.id] = a
        return list(latest.values())

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"id": a.id, "version": a.version, "recipient": a.recipient, "purpose": a.purpose,
                              "scope": "; ".join(f"{t}: {', '.join(c)}" for t, c in a.scope.items()),
                              "granted_on": a.granted_on, "effective_from": a.effective_from,
                              "expires_on": a.expires_on, "revoked_on": a.revoked_on, "customers": len(a.subjects)}
                             for a in self.versions])

    # -- writing ------------------------------------------------------------------------------

    def _scope(self, purpose, scope) -> dict:
        if scope is None:
            return {t: purpose.columns(t) for t in purpose.tables}
        if not isinstance(scope, dict) or not scope:
            raise AuthorizationError("scope: give {table: [columns]}")
        out = {}
        for table, columns in scope.items():
            allowed = purpose.columns(table)
            if not allowed:
                raise AuthorizationError(f"scope.{table}: purpose {purpose.id!r} needs nothing from this table")
            beyond = [c for c in columns if c not in allowed]
            if beyond:
                raise AuthorizationError(f"scope.{table}.{beyond[0]}: beyond what purpose {purpose.id!r} needs "
                                         "(its registry entry)")
            out[table] = tuple(columns)
        return out

    def grant(self, recipient: str, purpose, scope: dict | None = None, *, granted_on, expires_on, subjects=(),
              ledger=None, actor: str = "kitlib.sharing") -> Authorization:
        """A new grant (scope default: every column the purpose needs).  ``subjects``: the
        customers whose data the recipient receives under it."""
        purpose = resolve_purpose(purpose, self.registry)
        if not isinstance(recipient, str) or not recipient.strip():
            raise AuthorizationError("recipient: give the recipient's name")
        start, end = _day(granted_on, "granted_on"), _day(expires_on, "expires_on")
        if end <= start:
            raise AuthorizationError(f"expires_on: {end} is not after granted_on {start}")
        auth = Authorization(f"AU{len({a.id for a in self.versions}) + 1:04d}", recipient.strip(), purpose.id,
                             self._scope(purpose, scope), start, end, tuple(dict.fromkeys(map(str, subjects))),
                             effective_from=start)
        self.versions.append(auth)
        if ledger is not None:
            ledger.append("share", actor=actor, subjects=list(auth.subjects), details={
                "operation": "authorize", "authorization": auth.id, "recipient": auth.recipient,
                "purpose": auth.purpose, "scope": {t: list(c) for t, c in auth.scope.items()},
                "granted_on": str(start), "expires_on": str(end)})
        return auth

    def change(self, auth_id: str, *, on, scope: dict | None = None, expires_on=None, reason=("", ""),
               consent_obtained: bool = False, ledger=None, actor: str = "kitlib.sharing") -> AuthorizationNotice:
        """A new version from ``on`` with another scope and/or expiry; returns whom to tell."""
        old = self.current(auth_id)
        day = _day(on, "on")
        if old.revoked_on is not None:
            raise AuthorizationError(f"{auth_id}: revoked on {old.revoked_on}; grant a new one instead")
        purpose = resolve_purpose(old.purpose, self.registry)
        new_scope = old.scope if scope is None else self._scope(purpose, scope)
        new_end = old.expires_on if expires_on is None else _day(expires_on, "expires_on")
        if new_end <= old.granted_on:
            raise AuthorizationError(f"expires_on: {new_end} is not after granted_on {old.granted_on}")
        added = {f"{t}.{c}" for t, cols in new_scope.items() for c in cols} - \
                {f"{t}.{c}" for t, cols in old.scope.items() for c in cols}
        removed = {f"{t}.{c}" for t, cols in old.scope.items() for c in cols} - \
                  {f"{t}.{c}" for t, cols in new_scope.items() for c in cols}
        if not added and not removed and new_end == old.expires_on:
            raise AuthorizationError(f"{auth_id}: nothing changes")
        needs_consent = bool(added) and purpose.basis == "consent"
        if needs_consent and not consent_obtained:
            raise AuthorizationError(f"{auth_id}: adding {', '.join(sorted(added))} changes the categories of a "
                                     "purpose that rests on consent: obtain new consent first (PIPL Art. 14), "
                                     "then pass consent_obtained=True")
        new = replace(old, scope=new_scope, expires_on=new_end, version=old.version + 1, effective_from=day)
        self.versions.append(new)
        parts_zh, parts_en = [], []
        if added:
            parts_zh.append(f"增加信息种类:{'、'.join(sorted(added))}")
            parts_en.append(f"categories added: {', '.join(sorted(added))}")
        if removed:
            parts_zh.append(f"不再提供:{'、'.join(sorted(removed))}")
            parts_en.append(f"no longer provided: {', '.join(sorted(removed))}")
        if new_end != old.expires_on:
            parts_zh.append(f"期限改为 {new_end}")
            parts_en.append(f"term now ends on {new_end}")
        return self._notify(new, "changed", day, needs_consent, "; ".join(parts_zh), "; ".join(parts_en), reason,
                            ledger, actor, {"added": sorted(added), "removed": sorted(removed),
                                            "expires_on": str(new_end)})

    def revoke(self, auth_id: str, *, on, reason=("", ""), ledger=None, actor: str = "kitlib.sharing") -> AuthorizationNotice:
        """Revoke from ``on``: the recipient may no longer use the data; the customers are told."""
        old = self.current(auth_id)
        if old.revoked_on is not None:
            raise AuthorizationError(f"{auth_id}: already revoked on {old.revoked_on}")
        day = _day(on, "on")
        new = replace(old, revoked_on=day, version=old.version + 1, effective_from=day)
        self.versions.append(new)
        return self._notify(new, "revoked", day, False, f"自 {day} 起撤销,接收方停止使用并返还或删除",
                            f"revoked from {day}: the recipient stops using the data and returns or deletes it",
                            reason, ledger, actor, {"revoked_on": str(day)})

    def _notify(self, auth, change, day, needs_consent, what_zh, what_en, reason, ledger, actor, extra):
        reason_zh, reason_en = reason if isinstance(reason, tuple) and len(reason) == 2 else (str(reason), str(reason))
        text_zh = (f"您好:本公司向{auth.recipient}提供您的个人信息(目的:{auth.purpose})的授权已变更:{what_zh}。"
                   + (f"原因:{reason_zh}。" if reason_zh else "") + "如有疑问,请联系本公司。")
        text_en = (f"Dear customer, our authorization for {auth.recipient} to use your personal information "
                   f"(purpose: {auth.purpose}) has changed: {what_en}."
                   + (f" Reason: {reason_en}." if reason_en else "") + " Please contact us with any question.")
        entry = None
        if ledger is not None:
            entry = ledger.append("notification", actor=actor, subjects=list(auth.subjects), details={
                "operation": f"authorization-{change}", "authorization": auth.id, "version": auth.version,
                "recipient": auth.recipient, "purpose": auth.purpose, "effective_from": str(day),
                "customers_told": len(auth.subjects), "needs_consent": needs_consent, **extra})
        return AuthorizationNotice(auth, change, auth.subjects, needs_consent, text_zh, text_en, entry)
