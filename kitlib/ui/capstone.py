"""``PlanForm``: the disposition plan as a form — per row an action drop-down, date fields, basis,
custodian, recipient, condition and method drop-downs and notify checkboxes — with Check (the
findings of ``check_plan``), Save (the CSV, atomically) and Print (the HTML page).  Each Check is
saved as one attempt of the exercise "disposition-plan" so the module can complete."""
from __future__ import annotations

import html
import time
from pathlib import Path

import ipywidgets as W

from .. import i18n
from ..capstone import (ACTIONS, case_facts, CONDITIONS, CUSTODIANS, METHODS, NOTIFY, RECIPIENTS, Plan, PlanRow, check_plan,
                        save_plan, write_plan_html)
from ..capstone.plan import basis_ids
from ..capstone.vocab import label
from .saving import save_check

__all__ = ["PlanForm", "EXERCISE_ID"]

EXERCISE_ID = "disposition-plan"


def _options(kind: str, values, lang: str) -> list:
    return [("—", "")] + [(label(kind, v, lang) if kind else v, v) for v in values]


class _RowWidgets:
    def __init__(self, row: PlanRow, lang: str, title: str):
        lay = lambda w: W.Layout(width=w)      # noqa: E731
        self.key = row.key
        self.row = row
        self.action = W.Dropdown(options=_options("action", ACTIONS, lang), value=row.action, layout=lay("11em"))
        self.until = W.DatePicker(value=row.until, layout=lay("10em"))
        self.basis = W.Dropdown(options=_options("", basis_ids(), lang), value=row.basis, layout=lay("11em"))
        self.custodian = W.Dropdown(options=_options("custodian", CUSTODIANS, lang), value=row.custodian, layout=lay("9em"))
        self.recipient = W.Dropdown(options=_options("recipient", RECIPIENTS, lang), value=row.recipient, layout=lay("9em"))
        self.condition = W.Dropdown(options=_options("condition", CONDITIONS, lang), value=row.condition, layout=lay("10em"))
        self.method = W.Dropdown(options=_options("method", METHODS, lang), value=row.method, layout=lay("14em"))
        self.by = W.DatePicker(value=row.by, layout=lay("10em"))
        self.notify = {n: W.Checkbox(value=n in row.notify, description=label("notify", n, lang), indent=False,
                                     layout=lay("8em")) for n in NOTIFY}
        self.mark = W.HTML()
        head = W.HTML(f"<b>{html.escape(row.system_id)} · {html.escape(row.table)}</b><br><small>{html.escape(title)}</small>",
                      layout=lay("14em"))
        self.box = W.VBox([W.HBox([head, self.action, self.until, self.basis, self.custodian, self.recipient]),
                           W.HBox([self.condition, self.method, self.by, *self.notify.values()]), self.mark],
                          layout=W.Layout(border_bottom="1px solid #ddd", padding="4px 0"))

    def value(self) -> PlanRow:
        from dataclasses import replace
        return replace(self.row, action=self.action.value, until=self.until.value, basis=self.basis.value,
                       custodian=self.custodian.value, recipient=self.recipient.value, condition=self.condition.value,
                       method=self.method.value, by=self.by.value,
                       notify=tuple(n for n, box in self.notify.items() if box.value))


class PlanForm(W.VBox):
    """The form over ``plan`` for ``case``; ``folder``: where Save and Print write
    (``disposition_plan.csv``, ``disposition_plan.html``); ``facts``: ``case_facts(case)`` if
    already computed; ``ledger``: each Check writes one "training" entry."""

    def __init__(self, plan: Plan, case, folder, *, store=None, learner: str | None = None, module: str = "12",
                 ledger=None, lang: str | None = None, facts=None):
        self.case, self.folder = case, Path(folder)
        self.facts = facts or case_facts(case)
        self.store, self.learner, self.module, self.ledger = store, learner, module, ledger
        self.lang = lang = i18n.normalize(lang) if lang else i18n.get_lang()
        self.source = plan.source
        self.attempts, self.last = 0, None
        self._shown = time.monotonic()
        systems = case.tables["systems"].set_index("system_id")
        name = "name_zh" if lang == "zh-CN" else "name_en"
        self.rows = [_RowWidgets(r, lang, str(systems.loc[r.system_id, name]) if r.system_id in systems.index else "")
                     for r in plan.rows]
        zh = lang == "zh-CN"
        self.check_button = W.Button(description="检查" if zh else "Check", button_style="primary", icon="check")
        self.save_button = W.Button(description="保存 CSV" if zh else "Save CSV", icon="save")
        self.print_button = W.Button(description="打印" if zh else "Print", icon="print")
        self.check_button.on_click(lambda _: self.check())
        self.save_button.on_click(lambda _: self.save())
        self.print_button.on_click(lambda _: self.print())
        self.status, self.findings = W.HTML(), W.HTML()
        super().__init__([*(r.box for r in self.rows), W.HBox([self.check_button, self.save_button, self.print_button]),
                          self.status, self.findings], layout=W.Layout(border="1px solid #ccc", padding="8px"))

    def row(self, system_id: str, table: str) -> _RowWidgets:
        return next(r for r in self.rows if r.key == (system_id, table))

    def plan(self) -> Plan:
        """The plan as the form now shows it."""
        return Plan([r.value() for r in self.rows], self.source)

    def check(self):
        """Check the plan, show every finding by its row, save the attempt; the Verdict."""
        lang = self.lang
        verdict = check_plan(self.plan(), self.case, facts=self.facts, ledger=self.ledger)
        self.attempts += 1
        self.last = verdict
        for r in self.rows:
            mine = [f for f in verdict.findings if (f.system_id, f.table) == r.key]
            r.mark.value = "".join(
                f"<div style='color:{'#b3261e' if f.severity == 'error' else '#8a5a00'}'>"
                f"{'✘' if f.severity == 'error' else '⚠'} <b>{html.escape(f.field)}</b>: {html.escape(f.explanation(lang))}</div>"
                for f in mine) or "<span style='color:#1b7f3b'>✔</span>"
        other = [f for f in verdict.findings if not any((f.system_id, f.table) == r.key for r in self.rows)]
        self.findings.value = "".join(f"<div style='color:#b3261e'>✘ {html.escape(f.system_id)}/{html.escape(f.table)}: "
                                      f"{html.escape(f.explanation(lang))}</div>" for f in other)
        lines = [verdict.summary(lang)]
        saved = save_check(self, EXERCISE_ID, self.plan().frame().to_dict("records"), verdict.accepted, verdict.score)
        if saved:
            lines.append(saved)
        self.status.value = " · ".join(html.escape(x) for x in lines)
        return verdict

    def save(self) -> Path:
        path = save_plan(self.plan(), self.folder / "disposition_plan.csv")
        self.status.value = html.escape(("已保存:" if self.lang == "zh-CN" else "Saved: ") + str(path))
        return path

    def print(self) -> Path:
        plan = self.plan()
        verdict = self.last if self.last is not None else check_plan(plan, self.case, facts=self.facts)
        path = write_plan_html(self.folder / "disposition_plan.html", plan, verdict, self.case, "both")
        self.status.value = html.escape(("已生成打印页:" if self.lang == "zh-CN" else "Print page written: ") + str(path))
        return path
