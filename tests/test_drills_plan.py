"""The emergency plan for customer-information incidents: filled in from the case's own data, its
reporting rows follow the kit's grading, its HTML is escaped and bilingual, and module 09's grading
exercise is marked from the computed grade."""
from __future__ import annotations

import dataclasses

import pandas as pd
import pytest

from kitlib.drills import load_package, play
from kitlib.drills.evidence import grade_incident
from kitlib.drills.plan import (GRADING_OPTIONS, EmergencyPlan, PlanError, emergency_plan, grading_exercise,
                                report_clock)
from kitlib.synth import generate

SECTIONS = ["scope", "roles", "grading", "reporting", "notify", "evidence", "drills", "review"]


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=300, seed=3)


@pytest.fixture(scope="module")
def plan(small_case):
    return emergency_plan(small_case)


def test_plan_has_every_section_in_order_with_bilingual_titles(plan):
    assert [s["id"] for s in plan.sections] == SECTIONS
    for s in plan.sections:
        assert s["title"]["zh-CN"] and s["title"]["en"] and s["rows"], s["id"]
        assert all(set(n) == {"text", "mark"} for n in s["notes"]), s["id"]


def test_scope_lists_the_case_systems_that_hold_tables_with_their_highest_tier(plan, small_case):
    scope = plan.frame("scope")
    held = set(small_case["system_tables"]["system_id"])
    assert set(scope["system"]) == held
    crm = scope.set_index("system").loc["S01"]
    names = small_case["systems"].set_index("system_id")
    assert crm["name"] == names.loc["S01", "name_en"]
    cat = small_case.catalogue
    customers_tiers = set(cat.loc[cat["table"] == "customers", "tier"])
    assert crm["tier"] == ("core" if "core" in customers_tiers else "sensitive")
    assert "customers (300)" in crm["tables"]


def test_roles_are_the_case_employees_by_job_title_and_department(plan, small_case):
    roles = plan.frame("roles").set_index("role")
    emp = small_case["employees"]
    active = emp[emp["left_on"].isna()]
    gms = active.loc[active["role"] == "总经理", "name"].tolist()
    assert roles.loc["Incident lead", "person"] == gms[0]
    officer = active.loc[active["role"] == "个人信息保护负责人"].iloc[0]
    assert roles.loc["Privacy officer", "person"] == officer["name"]
    assert officer["work_email"] in roles.loc["Privacy officer", "contact"]
    it = roles.loc["IT lead"]
    assert it["department"] == "信息技术部"
    crm_owner = small_case["systems"].set_index("system_id").loc["S01", "owner_id"]
    assert it["employee"] == crm_owner
    assert roles.loc["Privacy officer", "reports_to"] == "Incident lead"
    # a leaver never gets a role
    leavers = set(emp.loc[emp["left_on"].notna(), "employee_id"])
    assert not leavers & set(roles["employee"])


def test_a_role_nobody_holds_is_marked_to_be_named(small_case):
    emp = small_case["employees"]
    without_service = dataclasses.replace(small_case, tables={**small_case.tables,
                                          "employees": emp[emp["department"] != "客户服务部"]})
    roles = emergency_plan(without_service).frame("roles", "zh-CN").set_index("role")
    assert roles.loc["客户服务", "person"] == "待指定"


def test_grading_rows_follow_the_kit_grading_and_the_operator(plan, small_case):
    grading = plan.frame("grading")
    assert list(grading["mark"]) == ["S"] * 4
    assert grading["report"].str.contains("within 4 hours").tolist() == [True, True, True, False]
    assert plan.section("grading")["worst_case"] == {"people": 300, "grade": grade_incident(300)}
    cii = emergency_plan(small_case, operator="cii").frame("grading")
    assert cii["report"].str.contains("within 1 hours").sum() == 3
    with pytest.raises(PlanError, match="operator: unknown operator kind 'bank'"):
        emergency_plan(small_case, operator="bank")


def test_a_million_people_leak_must_reach_the_provincial_cac_within_4_hours():
    clock = report_clock(1_000_000, "2026-05-02 09:30")
    assert (clock["grade"], clock["must_report"], clock["hours"]) == ("relatively_major", True, 4)
    assert clock["to"]["en"] == "the provincial CAC" and clock["report_by"] == "2026-05-02 13:30"
    below = report_clock(999_999, "2026-05-02 09:30")
    assert (below["grade"], below["hours"], below["report_by"]) == ("general", None, None)
    assert report_clock(1_000_000, "2026-05-02 09:30", operator="state_body")["report_by"] == "2026-05-02 11:30"
    with pytest.raises(PlanError, match="discovered_at"):
        report_clock(10, "Saturday morning")


def test_reporting_and_notice_cite_their_articles_and_marks(plan):
    reporting = plan.frame("reporting")
    assert {"PIPL Art. 57", "DSL Art. 29", "NDSMR Art. 10", "CAC 2025"} <= set(reporting["basis"])
    assert set(reporting.loc[reporting["basis"] == "CAC 2025", "mark"]) == {"S"}
    text = " ".join(reporting["what"])
    assert "within 4 hours" in text and "30 days" in text and "completed later" in text
    notify = plan.frame("notify")
    assert "NDSMR Art. 11" in set(notify["basis"]) and "need not be told" in " ".join(notify["what"])
    drills = plan.section("drills")
    assert any(n["mark"] == "U" and "no drill frequency" in n["text"]["en"] for n in drills["notes"])


def test_review_triggers_include_the_case_address_cancellation(plan, small_case):
    review = plan.frame("review")
    cancelled = pd.Timestamp(small_case.company["address_cancelled_on"]).strftime("%Y-%m-%d")
    assert review.loc[review["trigger"] == "Cancelling the registered address", "when"].item() == cancelled


def test_html_is_bilingual_escaped_and_written_atomically(plan, small_case, tmp_path):
    html = plan.html()
    assert "客户信息安全事件应急预案" in html and "Emergency plan for customer-information incidents" in html
    assert small_case.company["name_zh"] in html and "@page { size: A4" in html
    only_en = plan.html("en")
    assert "应急预案" not in only_en.split("<body>")[1].split("<h2>")[0]
    sneaky = EmergencyPlan({**plan.company, "name_zh": "<script>x</script>"}, plan.operator, plan.as_of, plan.sections)
    out = sneaky.html()
    assert "<script>" not in out and "&lt;script&gt;" in out
    path = plan.write(tmp_path / "out" / "plan.html")
    assert path.read_text("utf-8") == html and [p.name for p in path.parent.iterdir()] == ["plan.html"]
    with pytest.raises(PlanError, match="lang"):
        plan.html("fr")


def test_grading_exercise_marks_from_the_computed_grade(small_case):
    ex = grading_exercise(small_case, seed=20261129)
    assert ex.item == "incident-grading" and len(ex.rows) == 6
    people = {k: int(d.split(" ")[0].replace(",", "")) for k, d in zip(ex.rows["key"], ex.rows["detail"])}
    right = {k: grade_incident(n) for k, n in people.items()}
    assert people["crm-all"] == 300 and people["million"] == 1_000_000
    assert ex.score(right, "en").correct
    wrong = dict(right, million="general")
    result = ex.score(wrong, "en")
    assert not result.correct and result.rows.set_index("key").loc["million", "explanation"].startswith(
        "Expected: relatively major")
    assert {o[0] for o in GRADING_OPTIONS} == {"general", "relatively_major", "major", "particularly_major"}
    assert grading_exercise(small_case, seed=20261129).rows.equals(ex.rows)


def test_the_solo_drill_is_one_role_for_twenty_minutes_and_plays_both_variants(small_case):
    from pathlib import Path
    package = load_package(Path(__file__).resolve().parents[1] / "exercises" / "solo-first-hour")
    assert [r.id for r in package.roles] == ["privacy"] and 15 <= package.duration_minutes <= 20
    assert len(package.decisions) == 2 and all(t.check.startswith("scope.") for t in package.tasks)
    assert 4 <= len(package.injects) <= 6 and len(package.tasks) == 2
    for handout in ("situation-manual", "role-cards", "evaluation-guide"):
        for lang in ("zh-CN", "en"):
            assert (package.folder / "handouts" / f"{handout}.{lang}.md").stat().st_size > 500, (handout, lang)
    seen = {}
    for seed in range(6):
        seen.setdefault(package.variant_for_seed(seed).id, seed)
    assert set(seen) == {"segment", "million"}
    deadlines = {}
    for variant, seed in seen.items():
        run = play(package, seed)
        record = run.record()
        assert record["score"]["awarded"] == record["score"]["max"]
        deadlines[variant] = run.solution("T2").answer
    assert deadlines == {"segment": None, "million": 4}
