"""Module 10's exercise: for each failed check of the audit, who is accountable for the fix?
Marked by the RACI (``Raci.accountable``), so the answer follows the data file."""
from __future__ import annotations

import pandas as pd

from ..learn.choices import ChoiceExercise
from .audit import AuditReport
from .checks import CHECKS
from .raci import LETTERS, Raci, load_raci

__all__ = ["accountability_exercise", "EXERCISE_ID"]

EXERCISE_ID = "compliance-owner"


def accountability_exercise(report: AuditReport, raci: Raci | None = None, limit: int = 6) -> ChoiceExercise:
    """One row per failed check (most severe first, at most ``limit``): choose the accountable role."""
    raci = raci if isinstance(raci, Raci) else load_raci(raci)
    seen, rows, truth = set(), [], {}
    for f in report.findings:
        if f.check in seen:
            continue
        seen.add(f.check)
        c = CHECKS[f.check]
        rows.append({"key": f.check, "title": f"{f.id} · {c.title_zh} · {c.title_en}",
                     "detail": f"{f.found_zh} · {f.found_en}"})
        truth[f.check] = raci.accountable(c.activity)
        if len(rows) == limit:
            break
    if not rows:
        raise ValueError("the audit has no findings: nothing to assign")
    options = tuple((r.id, r.name_zh, r.name_en) for r in raci.roles)

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        role = truth[key]
        if given == role.id:
            return True, ""
        act = raci.activity(CHECKS[key].activity)
        doers = ", ".join(r.name(lang) for r in raci.responsible(act.id))
        if lang == "zh-CN":
            return False, f"RACI表中“{act.name_zh}”的最终负责(A)是{role.name_zh};负责执行(R)的是{doers}。"
        return False, (f"In the RACI, {role.name_en} is accountable (A) for \"{act.name_en}\"; "
                       f"{doers} {LETTERS['R'][1]} (R).")

    return ChoiceExercise(EXERCISE_ID, ("每项审计发现由谁最终负责整改?", "Who is accountable for fixing each finding?"),
                          pd.DataFrame(rows), options, marker)
