"""The capstone (module 12): the team's disposition plan for the case company — per system and
table: migrate, transfer to a successor, retain until a date on a named basis, or destroy by a
method and date, and whom to notify — checked by the kit against its rules and printed.

    plan = load_plan("plan.csv", case)             # the editable CSV (see kitlib.capstone.plan)
    verdict = check_plan(plan, case, ledger=ledger)
    verdict.accepted, verdict.frame()              # every difference explained, zh-CN and en
    write_plan_html("plan.html", plan, verdict, case)

Modules: vocab (the fixed vocabulary), plan (file format), facts (what the case says), reference
(the kit's own plan), check (the checker), render (the printed page), cli (``kit capstone``).

Names are imported lazily, so ``kit --help`` (which loads ``cli``) does not load the checker.
"""
from __future__ import annotations

from ..lazy import lazy_exports

_NAMES = {
    "vocab": ["ACTIONS", "CONDITIONS", "CUSTODIANS", "MEDIA", "METHODS", "NOTIFY", "RECIPIENTS"],
    "plan": ["PLAN_COLUMNS", "Plan", "PlanFormatError", "PlanRow", "load_plan", "plan_from_frame", "save_plan",
             "starter_plan"],
    "facts": ["CaseFacts", "Holding", "TableFacts", "case_facts"],
    "reference": ["reference_plan"],
    "check": ["Finding", "Verdict", "check_plan"],
    "render": ["render_plan_html", "write_plan_html"],
    "flawed": ["FLAWS", "flawed_plan"],
}
__getattr__, __dir__, __all__ = lazy_exports(__name__, _NAMES)
