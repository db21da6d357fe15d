"""The capstone form (driven headless by setting widgets and clicking), the printed page and the
``kit capstone`` command."""
from __future__ import annotations

import argparse
import datetime as dt
import html
import io
import re

import pytest

from kitlib.capstone import case_facts, check_plan, flawed_plan, load_plan, reference_plan, render_plan_html, starter_plan
from kitlib.capstone.cli import add_parser, run
from kitlib.learn.store import ProgressStore
from kitlib.synth import generate
from kitlib.ui.capstone import EXERCISE_ID, PlanForm


@pytest.fixture(scope="module")
def case():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def facts(case):
    return case_facts(case)


def text_of(page: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", page))


def test_filling_the_starter_form_with_the_reference_decisions_gets_it_accepted_and_recorded(tmp_path, case, facts):
    store = ProgressStore(f"sqlite:///{tmp_path}/progress.sqlite")
    form = PlanForm(starter_plan(case, facts=facts), case, tmp_path, store=store, learner="u1", lang="en", facts=facts)
    form.check_button.click()
    assert not form.last.accepted and "no decision yet" in form.row("S02", "orders").mark.value
    for r in reference_plan(case, facts).rows:
        w = form.row(*r.key)
        w.action.value, w.until.value, w.basis.value, w.custodian.value = r.action, r.until, r.basis, r.custodian
        w.recipient.value, w.condition.value, w.method.value, w.by.value = r.recipient, r.condition, r.method, r.by
        for n, box in w.notify.items():
            box.value = n in r.notify
        w.row = w.row.__class__(**{**w.row.__dict__, "columns": r.columns})   # columns are not a widget
    form.check_button.click()
    assert form.last.accepted and "Plan accepted" in form.status.value and "✔" in form.row("S01", "customers").mark.value
    attempts = store.attempts("u1", "12")
    assert list(attempts["item"]) == [EXERCISE_ID, EXERCISE_ID]
    assert list(attempts["correct"]) == [False, True]


def test_form_shows_the_error_on_the_row_and_save_and_print_write_files(tmp_path, case, facts):
    form = PlanForm(reference_plan(case, facts), case, tmp_path, lang="zh-CN", facts=facts)
    form.row("S02", "orders").action.value = "destroy"
    form.row("S02", "orders").method.value = "delete_rows"
    verdict = form.check()
    assert "destroyed_too_early" in verdict.codes("error")
    assert "《会计档案管理办法》" in form.row("S02", "orders").mark.value
    form.save_button.click()
    saved = load_plan(tmp_path / "disposition_plan.csv", case)
    assert saved.row("S02", "orders").action == "destroy" and saved.row("S02", "orders").until.year == 2056
    form.print_button.click()
    page = (tmp_path / "disposition_plan.html").read_text("utf-8")
    assert "S02/orders.by" in page and "方案未通过" in page


def test_print_page_has_header_plan_findings_and_sign_off_in_both_languages(case, facts):
    plan = flawed_plan(case, "backups_forgotten", facts)
    verdict = check_plan(plan, case, facts=facts)
    page = render_plan_html(plan, verdict, case, "both", printed=dt.date(2026, 7, 1))
    company = case["company"].iloc[0]
    shown = text_of(page)
    assert company["name_zh"] in shown and company["name_en"] in shown and company["uscc"] in shown
    assert "size: A4" in page and "客户信息处置方案" in shown and "Disposition plan for customer information" in shown
    assert shown.count("S05") >= 4 and "missing_backup" in shown
    assert verdict.errors[0].explanation_zh in shown and verdict.errors[0].explanation_en in shown
    assert "签字" in shown and "Sign-off" in shown and "2026-07-01" in shown
    english = text_of(render_plan_html(plan, verdict, case, "en"))
    assert "客户信息处置方案" not in english and "Plan rejected" in english
    with pytest.raises(ValueError, match="lang"):
        render_plan_html(plan, verdict, case, "fr")


def test_page_escapes_what_a_team_writes_in_a_note(case, facts):
    plan = reference_plan(case, facts).replace("S02", "orders", note="<script>alert(1)</script>")
    page = render_plan_html(plan, check_plan(plan, case, facts=facts), case, "en")
    assert "<script>" not in page and "&lt;script&gt;" in page


def parse(*argv):
    parser = argparse.ArgumentParser(prog="kit")
    add_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["capstone", *argv, "--customers", "300", "--seed", "3"])


def test_cli_writes_the_reference_accepts_it_and_rejects_a_broken_file(tmp_path, capsys):
    out = io.StringIO()
    assert run(parse("reference", str(tmp_path / "ref.csv")), out) == 0
    assert run(parse("check", str(tmp_path / "ref.csv"), "--html", str(tmp_path / "ref.html")), out) == 0
    assert "Plan accepted" in out.getvalue() and (tmp_path / "ref.html").exists()
    text = (tmp_path / "ref.csv").read_text("utf-8-sig").replace("S02,accounts,retain,", "S02,accounts,,", 1)
    (tmp_path / "undecided.csv").write_text(text, "utf-8")
    out = io.StringIO()
    assert run(parse("check", str(tmp_path / "undecided.csv"), "--lang", "zh-CN"), out) == 1
    assert "error: S02/accounts.action: [no_decision" in out.getvalue() and "还没有决定" in out.getvalue()
    (tmp_path / "bad.csv").write_text("system_id,table\nS01,customers\n", "utf-8")
    assert run(parse("check", str(tmp_path / "bad.csv")), io.StringIO()) == 2
    assert capsys.readouterr().err.strip() == f"kit capstone: error: {tmp_path / 'bad.csv'}:1: header: no column 'action' (the columns are system_id, table, action, until, basis, custodian, recipient, columns, condition, method, by, notify, note)"
