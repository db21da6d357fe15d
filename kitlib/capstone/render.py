"""The printed plan: a bilingual, A4 page (``templates/capstone/plan.html.j2``) with the company
header, the plan table, every finding and the sign-off lines."""
from __future__ import annotations

import datetime as dt
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from ..atomic import write_text_atomic
from ..lifecycle.schedule import load_schedule
from .vocab import NOTIFY, label

__all__ = ["render_plan_html", "write_plan_html"]

_LANGS = ("zh-CN", "en", "both")


def _env() -> jinja2.Environment:
    def load(name: str) -> str:
        return resources.files("kitlib").joinpath("templates", "capstone", name).read_text(encoding="utf-8")
    return jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def _pair(kind: str, value: str) -> dict | None:
    return {"zh": label(kind, value, "zh-CN"), "en": label(kind, value, "en")} if value else None


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def render_plan_html(plan, verdict, case, lang: str = "both", *, printed: dt.date | None = None) -> str:
    """The page as HTML: ``lang`` zh-CN, en or both (Chinese first)."""
    if lang not in _LANGS:
        raise ValueError(f"lang: {lang!r} is not one of {', '.join(_LANGS)}")
    c = case.tables["company"].iloc[0]
    systems = case.tables["systems"].set_index("system_id")
    sched = load_schedule() if any(r.basis for r in plan.rows) else None
    rows = []
    for r in plan.rows:
        s = systems.loc[r.system_id] if r.system_id in systems.index else None
        basis = None
        if r.basis and sched is not None:
            rule = sched.rule(r.basis)
            basis = {"zh": f"{rule.name_zh}({sched.cite(rule.basis, 'zh')})", "en": f"{rule.name_en} ({sched.cite(rule.basis)})"}
        rows.append({"system_id": r.system_id, "table": r.table,
                     "system_zh": "" if s is None else s["name_zh"], "system_en": "" if s is None else s["name_en"],
                     "action": _pair("action", r.action) or {"zh": "(未决定)", "en": "(no decision)"},
                     "until": _day(r.until), "basis": basis, "custodian": _pair("custodian", r.custodian),
                     "recipient": _pair("recipient", r.recipient), "columns": ", ".join(r.columns),
                     "condition": _pair("condition", r.condition), "method": _pair("method", r.method),
                     "by": _day(r.by), "note": r.note,
                     "notify": {"zh": "、".join(NOTIFY[n][0] for n in r.notify),
                                "en": ", ".join(NOTIFY[n][1] for n in r.notify)}})
    findings = [{**f.__dict__, "severity_zh": "错误" if f.severity == "error" else "提示"} for f in verdict.findings]
    scenario = {"dissolution": {"zh": "解散注销", "en": "dissolution and deregistration"},
                "relocation": {"zh": "迁址", "en": "relocation"}}[verdict.scenario]
    company = {"name_zh": c["name_zh"], "name_en": c["name_en"], "uscc": c["uscc"],
               "registered_address": c["registered_address"], "new_address": str(c.get("new_registered_address") or ""),
               "decision_date": _day(c["decision_date"]), "cancelled": _day(c["address_cancelled_on"]),
               "successor": "" if verdict.scenario != "dissolution" else str(c.get("successor") or "")}
    return _env().get_template("plan.html.j2").render(
        lang=lang, company=company, scenario=scenario, rows=rows, findings=findings, verdict=verdict,
        summary={"zh": verdict.summary("zh-CN"), "en": verdict.summary("en")}, source=plan.source,
        printed=(printed or dt.date.today()).isoformat())


def write_plan_html(path, plan, verdict, case, lang: str = "both") -> Path:
    """Write the page atomically; the path."""
    return write_text_atomic(Path(path), render_plan_html(plan, verdict, case, lang))
