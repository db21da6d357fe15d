"""Indicators and the plan–do–check–act loop (seed section 15, continuous improvement).

``indicators(report)`` reads the audit's measures against the targets of ``data/programme.toml``
(company policy).  ``ImprovementLoop`` runs one PDCA turn on real records:

* **Plan** – one action per finding: its owner (the accountable role from the RACI), who does it,
  and a due date in Chinese working days (``chinese_calendar``; days per severity: company policy);
* **Do** – ``do(action_id, ...)`` records the action as done (a "change" entry in the ledger);
* **Check** – ``check(**changes)`` re-runs the audit with the same inputs (plus what changed, e.g. a
  signed agreement) and compares every indicator and finding with the baseline;
* **Act** – ``act()`` closes the actions whose finding is gone and re-plans the others.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pandas as pd

from ..dates import to_date
from ..rights.deadlines import due_date
from .audit import AuditReport, audit
from .checks import CHECKS, SEVERITIES
from .programme import ComplianceError, load_programme

__all__ = ["indicators", "ImprovementLoop", "compare_indicators", "INDICATOR_COLUMNS"]

INDICATOR_COLUMNS = ["indicator", "name", "value", "target", "direction", "met", "basis"]


def indicators(report: AuditReport, programme=None, lang: str = "en") -> pd.DataFrame:
    """Each indicator's value (from the audit's measures; None when nothing was measured), its
    target and whether it is met."""
    prog = load_programme(programme if programme is not None else report.inputs.get("programme"))
    rows = []
    for ind in prog.indicators:
        value = report.measures.get(ind.id)
        rows.append({"indicator": ind.id, "name": ind.name(lang), "value": value, "target": ind.target,
                     "direction": "≥" if ind.direction == "min" else "≤", "met": ind.met(value),
                     "basis": "公司政策" if lang == "zh-CN" else "company policy"})
    return pd.DataFrame(rows, columns=INDICATOR_COLUMNS)


def compare_indicators(before: AuditReport, after: AuditReport, lang: str = "en") -> pd.DataFrame:
    """indicator, name, before, after, change, met_before, met_after."""
    a, b = indicators(before, lang=lang), indicators(after, lang=lang)
    out = a[["indicator", "name", "value", "met"]].rename(columns={"value": "before", "met": "met_before"})
    out["after"] = b["value"].to_numpy()
    out["met_after"] = b["met"].to_numpy()

    def change(row):
        if row.before is None or row.after is None or pd.isna(row.before) or pd.isna(row.after):
            return None
        return round(float(row.after) - float(row.before), 4)
    out["change"] = [change(r) for r in out.itertuples(index=False)]
    return out[["indicator", "name", "before", "after", "change", "met_before", "met_after"]]


@dataclass
class ImprovementLoop:
    """One PDCA loop over an audit; ``actions`` is the plan (one row per finding)."""
    case: object
    baseline: AuditReport
    start: dt.date
    actions: pd.DataFrame = field(default=None)
    rechecks: list = field(default_factory=list)

    @classmethod
    def plan(cls, case, report: AuditReport, *, start=None) -> "ImprovementLoop":
        """Plan: an action per finding, owned as the RACI says, due in working days from ``start``
        (default: the audit day)."""
        day = to_date(start if start is not None else report.today)
        if day is None:
            raise ComplianceError(f"start: {start!r} is not a date (YYYY-MM-DD)")
        days = load_programme(report.inputs.get("programme")).pdca_days
        rows = []
        for n, f in enumerate(report.findings, 1):
            c = CHECKS[f.check]
            rows.append({"action": f"A{n:02d}", "finding": f.id, "key": f.key, "check": f.check, "severity": f.severity,
                         "owner_zh": f.owner_zh, "owner_en": f.owner_en, "responsible_zh": f.responsible_zh,
                         "responsible_en": f.responsible_en, "action_zh": c.action_zh, "action_en": c.action_en,
                         "due_on": due_date(day, days[f.severity]), "status": "open", "done_on": None,
                         "ledger_seq": None, "cycle": 1})
        frame = pd.DataFrame(rows, columns=["action", "finding", "key", "check", "severity", "owner_zh", "owner_en",
                                            "responsible_zh", "responsible_en", "action_zh", "action_en", "due_on",
                                            "status", "done_on", "ledger_seq", "cycle"])
        return cls(case, report, day, frame)

    def frame(self, lang: str = "en") -> pd.DataFrame:
        zh = lang == "zh-CN"
        a = self.actions
        return pd.DataFrame({"action": a["action"], "finding": a["finding"],
                             "severity": [SEVERITIES[s][0 if zh else 1] for s in a["severity"]],
                             "owner": a["owner_zh" if zh else "owner_en"],
                             "responsible": a["responsible_zh" if zh else "responsible_en"],
                             "what": a["action_zh" if zh else "action_en"], "due_on": a["due_on"],
                             "status": a["status"]})

    def _row(self, action_id: str) -> int:
        hits = self.actions.index[self.actions["action"] == action_id]
        if not len(hits):
            raise ComplianceError(f"no action {action_id!r}; actions are {', '.join(self.actions['action'])}")
        return int(hits[0])

    def action_for(self, check: str) -> str:
        """The first open action planned for a finding of ``check`` (e.g. "C10")."""
        rows = self.actions[(self.actions["check"] == check) & (self.actions["status"] == "open")]
        if rows.empty:
            raise ComplianceError(f"no open action for check {check}")
        return str(rows.iloc[0]["action"])

    def do(self, action_id: str, *, on, actor: str, note: str = "", ledger=None) -> pd.Series:
        """Do: record the action as carried out on ``on`` (a "change" entry in the ledger)."""
        i = self._row(action_id)
        day = to_date(on)
        if day is None:
            raise ComplianceError(f"on: {on!r} is not a date (YYYY-MM-DD)")
        if self.actions.at[i, "status"] == "closed":
            raise ComplianceError(f"action {action_id} is already closed")
        ledger = ledger if ledger is not None else self.baseline.inputs.get("ledger")
        seq = None
        if ledger is not None:
            seq = ledger.append("change", actor=actor, subjects=[], details={
                "kind": "improvement_action", "action": action_id, "finding": self.actions.at[i, "finding"],
                "check": self.actions.at[i, "check"], "done_on": day.isoformat(), "note": note,
                "due_on": self.actions.at[i, "due_on"].isoformat()}).seq
        self.actions.at[i, "status"] = "done"
        self.actions.at[i, "done_on"] = day
        self.actions.at[i, "ledger_seq"] = seq
        return self.actions.loc[i]

    def check(self, *, today=None, **changes) -> AuditReport:
        """Check: re-run the audit with the baseline's inputs updated by ``changes`` (inventory,
        policies, store, learners …) on ``today`` (default: the baseline's day)."""
        inputs = dict(self.baseline.inputs)
        unknown = sorted(set(changes) - set(inputs))
        if unknown:
            raise ComplianceError(f"check: unknown input {unknown[0]!r}; use {', '.join(sorted(inputs))}")
        inputs.update(changes)
        report = audit(self.case, today=today if today is not None else self.baseline.today, **inputs)
        self.rechecks.append(report)
        return report

    @property
    def latest(self) -> AuditReport:
        return self.rechecks[-1] if self.rechecks else self.baseline

    def compare(self, lang: str = "en") -> pd.DataFrame:
        return compare_indicators(self.baseline, self.latest, lang)

    def findings_compared(self) -> pd.DataFrame:
        """Per check: findings before and after, and whether the check now passes."""
        before = pd.Series([f.check for f in self.baseline.findings], dtype="object").value_counts()
        after = pd.Series([f.check for f in self.latest.findings], dtype="object").value_counts()
        status = dict(zip(self.latest.checks["check"], self.latest.checks["status"]))
        rows = [{"check": c, "before": int(before.get(c, 0)), "after": int(after.get(c, 0)), "status_after": status[c]}
                for c in CHECKS if before.get(c, 0) or after.get(c, 0)]
        return pd.DataFrame(rows, columns=["check", "before", "after", "status_after"])

    def act(self, on=None) -> pd.DataFrame:
        """Act: close each action whose finding is gone from the latest check; re-plan the
        others (a new due date from ``on``, next cycle).  Returns the decisions."""
        if not self.rechecks:
            raise ComplianceError("act: run check() first: nothing has been re-measured")
        day = to_date(on) if on is not None else self.latest.today
        days = load_programme(self.baseline.inputs.get("programme")).pdca_days
        still = {f.key for f in self.latest.findings}
        decisions = []
        for i, row in self.actions.iterrows():
            if row["status"] == "closed":
                continue
            if row["key"] not in still:
                self.actions.at[i, "status"] = "closed"
                decisions.append({"action": row["action"], "finding": row["finding"], "decision": "closed",
                                  "due_on": row["due_on"]})
            else:
                new_due = due_date(day, days[row["severity"]])
                self.actions.at[i, "due_on"] = new_due
                self.actions.at[i, "status"] = "open"
                self.actions.at[i, "cycle"] = int(row["cycle"]) + 1
                decisions.append({"action": row["action"], "finding": row["finding"], "decision": "re-planned",
                                  "due_on": new_due})
        return pd.DataFrame(decisions, columns=["action", "finding", "decision", "due_on"])
