"""The after-action report: its figures match the events and criteria of the record it is written
from (hand-built records, including missed deadlines, and records played by the engine), every
text is escaped, both languages are present."""
from __future__ import annotations

import copy
import re
from pathlib import Path

import pytest

from kitlib.drills.report import ReportError, after_action_report, compute_figures


def T(zh, en):
    return {"zh-CN": zh, "en": en}


def make_record(events, criteria, *, score_max=80, title=T("离职员工导出CRM", "Departing employee exports the CRM"),
                roles=None):
    """A run record in the contract's format; the stored score is computed by hand here."""
    caps = [{"id": "contain", "title": T("控制", "Contain")}, {"id": "report", "title": T("定级与报告", "Grade and report")}]
    by_cap = {c["id"]: {"awarded": sum(x["awarded"] for x in criteria if x["capability"] == c["id"]),
                        "max": sum(x["points"] for x in criteria if x["capability"] == c["id"])} for c in caps}
    awarded = sum(e.get("points", 0) for e in events if e["kind"] in ("decision", "task")) + \
        sum(c["awarded"] for c in criteria)
    return {"format": "kitlib.drills run v1",
            "package": {"id": "crm-export", "title": title, "duration_minutes": 75,
                        "audience": T("事件响应小组", "The incident team"),
                        "objectives": [T("30分钟内控制事件", "Contain within 30 minutes")], "capabilities": caps},
            "variant": {"id": "v2", "title": T("变体二", "Variant two")}, "seed": 7, "mode": "scripted",
            "started_at": "2026-11-29T10:00:00Z", "ended_at": "2026-11-29T11:15:00Z",
            "roles": roles or [{"id": "it", "title": T("信息技术", "IT")}, {"id": "legal", "title": T("法务", "Legal")},
                               {"id": "facilitator", "title": T("主持人", "Facilitator")}],
            "events": events, "criteria": criteria,
            "score": {"awarded": awarded, "max": score_max, "by_capability": by_cap}}


def good_run():
    events = [
        {"seq": 1, "t": 0.0, "kind": "start"},
        {"seq": 2, "t": 5.0, "kind": "inject", "id": "I1", "title": T("异常导出告警", "Export alert"),
         "recipients": ["it"], "medium": "email"},
        {"seq": 3, "t": 12.5, "kind": "decision", "id": "D1", "option": "isolate", "role": "it",
         "title": T("控制", "Containment"), "option_title": T("立即停用", "Disable now"), "expected": True,
         "points": 10, "releases": ["I3"]},
        {"seq": 4, "t": 20.0, "kind": "task", "id": "T1", "title": T("范围", "Scope"), "answer": ["CM1", "CM2"],
         "correct": True, "points": 15, "detail": T("正确", "Right")},
        {"seq": 5, "t": 22.0, "kind": "note", "role": "facilitator", "text": "团队很快找到了导出记录"},
        {"seq": 6, "t": 31.0, "kind": "decision", "id": "D2", "option": "report_4h", "role": "legal",
         "title": T("报告", "Reporting"), "option_title": T("4小时内报告", "Report within 4 hours"),
         "expected": False, "points": 0, "releases": []},
        {"seq": 7, "t": 75.0, "kind": "end"},
    ]
    criteria = [
        {"id": "C1", "capability": "contain", "title": T("30分钟内停用账号", "Account disabled within 30 minutes"),
         "points": 10, "awarded": 10, "met": True, "deadline_minutes": 30, "met_at": 12.5, "evidence": [3]},
        {"id": "C2", "capability": "report", "title": T("正确定级", "Graded correctly"), "points": 20, "awarded": 20,
         "met": True, "deadline_minutes": None, "met_at": 20.0, "evidence": [4]},
    ]
    return make_record(events, criteria)


def late_run():
    """Containment too late, the grading never done: two deadlines missed, in different ways."""
    events = [
        {"seq": 1, "t": 0.0, "kind": "start"},
        {"seq": 2, "t": 0.0, "kind": "inject", "id": "I1", "title": T("异常导出告警", "Export alert"),
         "recipients": ["it"], "medium": "system alert"},
        {"seq": 3, "t": 42.0, "kind": "decision", "id": "D1", "option": "isolate", "role": "it",
         "title": T("控制", "Containment"), "option_title": T("立即停用", "Disable now"), "expected": True,
         "points": 10, "releases": []},
        {"seq": 4, "t": 50.0, "kind": "task", "id": "T1", "title": T("未成年人", "Minors"), "answer": "no",
         "correct": False, "points": 0, "detail": T("有两名", "Two are")},
        {"seq": 5, "t": 60.0, "kind": "end"},
    ]
    criteria = [
        {"id": "C1", "capability": "contain", "title": T("15分钟内停用账号", "Account disabled within 15 minutes"),
         "points": 10, "awarded": 0, "met": False, "deadline_minutes": 15, "met_at": 42.0, "evidence": [3]},
        {"id": "C2", "capability": "report", "title": T("4小时内报告", "Reported in time"), "points": 20, "awarded": 0,
         "met": False, "deadline_minutes": 45, "met_at": None, "evidence": []},
        {"id": "C3", "capability": "report", "title": T("保全证据", "Evidence kept"), "points": 5, "awarded": 5,
         "met": True, "deadline_minutes": None, "met_at": 42.0, "evidence": [3]},
    ]
    return make_record(events, criteria, score_max=65)


def test_figures_match_a_hand_built_record():
    report = after_action_report(good_run())
    f = report.figures
    assert f["points"] == {"decisions": 10, "tasks": 15, "criteria": 30, "total": 55}
    assert f["score"] == {"awarded": 55, "max": 80, "share": round(55 / 80, 4)}
    assert (f["injects"], f["decisions"], f["decisions_expected"], f["decisions_unexpected"]) == (1, 2, 1, 1)
    assert (f["tasks"], f["tasks_correct"], f["notes"], f["events"]) == (1, 1, 1, 7)
    assert f["played_minutes"] == 75 and f["planned_minutes"] == 75
    assert f["criteria"] == {"total": 2, "met": 2, "missed": 0, "points": 30}
    assert f["deadlines"] == {"total": 1, "met": 1, "missed": 0, "late": 0, "not_done": 0}
    assert f["by_capability"]["contain"] == {"awarded": 10, "max": 10, "met": 1, "total": 1, "share": 1.0}
    assert f["inconsistencies"] == []
    html = report.html
    assert re.search(r'id="score">55 / 80 \(69%\)', html)
    assert 'id="criteria-met">2 / 2' in html and 'id="decisions">2 (1)' in html
    assert "| 55 / 80 (69%) |" in report.markdown
    assert "12:30" in html and "31:00" in html          # the timeline's clock


def test_a_run_with_missed_deadlines():
    report = after_action_report(late_run())
    f = report.figures
    assert f["deadlines"] == {"total": 2, "met": 0, "missed": 2, "late": 1, "not_done": 1}
    assert f["criteria"]["met"] == 1 and f["points"]["total"] == 15 and f["score"]["share"] == round(15 / 65, 4)
    assert f["by_capability"]["report"] == {"awarded": 5, "max": 25, "met": 1, "total": 2, "share": 0.2}
    assert 'id="deadlines-missed">2' in report.html and 'id="deadlines-met">0 / 2' in report.html
    assert "done at minute 42, after the 15-minute deadline" in report.html
    assert "第 42 分钟才完成,超过 15 分钟时限" in report.html
    assert "Task T1 Minors: answered wrongly." in report.markdown
    # The derived improvement plan: one action per missed criterion, due 30 days after the run.
    rows = [line for line in report.markdown.splitlines() if line.startswith("| ") and "2026-12-29" in line]
    assert len(rows) == 2 and rows[0].endswith("| C1 |") and rows[1].endswith("| C2 |")


def test_the_report_notices_a_stored_score_that_does_not_add_up():
    record = good_run()
    record["score"]["awarded"] = 99
    record["score"]["by_capability"]["contain"]["awarded"] = 3
    f = after_action_report(record).figures
    assert f["points"]["total"] == 55 and len(f["inconsistencies"]) == 2
    assert "differs" in after_action_report(record).html


def test_hostile_text_is_escaped():
    evil = "<script>alert('x')</script> | **bold** [link](http://example.com)"
    record = good_run()
    record["package"]["title"] = T(evil, evil)
    record["events"][4]["text"] = evil
    record["roles"][0]["title"] = T(evil, evil)
    record["criteria"][0]["title"] = T(evil, evil)
    report = after_action_report(record, improvement_plan=[{"action": evil, "owner": evil, "due": "2027-01-15"}],
                                 strengths=[evil], areas=[T(evil, evil)])
    assert "<script>" not in report.html and "&lt;script&gt;" in report.html
    assert "<script>" not in report.markdown and "\\| \\*\\*bold\\*\\*" in report.markdown
    header, rows = None, 0                                    # no table row broken by a pipe
    for line in report.markdown.splitlines():
        cells = len(re.findall(r"(?<!\\)\|", line))
        if not line.startswith("|"):
            header = None
        elif header is None:
            header = cells
        else:
            assert cells == header, line
            rows += "alert" in line
    assert rows >= 4


def test_both_languages_by_default_and_one_on_request():
    both = after_action_report(good_run())
    for text in (both.html, both.markdown):
        assert "演练总结报告" in text and "After-action report" in text
        assert "参与者反馈表" in text and "Participant feedback form" in text
        assert "Strengths" in text and "优势" in text
    en = after_action_report(good_run(), lang="en")
    zh = after_action_report(good_run(), lang="zh-CN")
    assert "After-action report" in en.html and "演练总结报告" not in en.html
    assert "演练总结报告" in zh.markdown and "After-action report" not in zh.markdown
    with pytest.raises(ReportError, match="lang"):
        after_action_report(good_run(), lang="fr")


def test_the_html_is_a_self_contained_a4_page():
    html = after_action_report(good_run()).html
    assert "size: A4" in html
    assert not re.search(r'(src|href)="(https?:)?//', html) and "@import" not in html and "<link" not in html


def test_feedback_form_has_questions_a_scale_and_free_text():
    md = after_action_report(good_run(), lang="en").markdown
    form = md.split("## Participant feedback form", 1)[1]
    assert "5 = strongly agree" in form and "The exercise met its objective: Contain within 30 minutes" in form
    assert form.count("☐") == 5 * 7 and "Suggestions for the next exercise" in form


def test_given_strengths_areas_and_plan_replace_the_derived_ones():
    report = after_action_report(late_run(), strengths=["快速保全日志"], areas=[T("报告太慢", "Reporting too slow")],
                                 improvement_plan=[{"action": T("演练报告流程", "Drill the reporting"),
                                                    "owner": "法务 Legal", "due": "2027-01-31", "source": "C2"}])
    assert "快速保全日志" in report.html and "Reporting too slow" in report.html
    assert "2027-01-31" in report.markdown and "2026-12-29" not in report.markdown
    assert "not met" not in report.markdown.split("## 需要改进之处", 1)[1].split("## 改进计划")[0]


@pytest.mark.parametrize("change, message", [
    (lambda r: r.update(format="other"), "record.format"),
    (lambda r: r["events"][2].update(t="soon"), r"record.events\[2\].t"),
    (lambda r: r["events"][3].update(seq=2), r"record.events\[3\].seq: duplicate"),
    (lambda r: r["criteria"][1].update(met="yes"), r"record.criteria\[1\].met"),
    (lambda r: r.pop("criteria"), "record.criteria"),
])
def test_bad_records_give_one_line_errors(change, message):
    record = good_run()
    change(record)
    with pytest.raises(ReportError, match=message) as info:
        compute_figures(record)
    assert "\n" not in str(info.value)


def test_bad_plan_items_name_the_field():
    with pytest.raises(ReportError, match=r"improvement_plan\[0\].due"):
        after_action_report(good_run(), improvement_plan=[{"action": "x", "owner": "y", "due": "next week"}])
    with pytest.raises(ReportError, match=r"improvement_plan\[1\].owner"):
        after_action_report(good_run(), improvement_plan=[{"action": "x", "owner": "y", "due": "2027-01-01"},
                                                          {"action": "x", "due": "2027-01-01"}])


def test_write_puts_both_files_atomically(tmp_path):
    report = after_action_report(good_run())
    paths = report.write(tmp_path / "out")
    assert paths["html"].read_text(encoding="utf-8") == report.html
    assert paths["markdown"].read_text(encoding="utf-8") == report.markdown
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(
        [f"{report.name}.html", f"{report.name}.md"])


def test_the_report_does_not_change_the_record():
    record = late_run()
    before = copy.deepcopy(record)
    after_action_report(record)
    assert record == before


PACKAGE = Path(__file__).parent / "data" / "drills" / "crm-mini"


@pytest.mark.parametrize("script", [None, "late"])
def test_figures_match_a_run_played_by_the_engine(script):
    if not (PACKAGE / "exercise.yaml").exists():
        pytest.skip("the engine's fixture package is not there")
    from kitlib.drills import load_package, play
    package = load_package(PACKAGE)
    steps = None
    if script == "late":      # every decision at its last open minute, a note with hostile text
        steps = [(d.close_at if d.close_at is not None else d.open_at, ("decide", d.id, d.options[-1].id))
                 for d in package.decisions] + [(1, ("note", "<b>late</b>"))]
    record = play(package, seed=4, script=steps).record()
    f = after_action_report(record).figures
    events = record["events"]
    assert f["points"]["total"] == record["score"]["awarded"] and f["inconsistencies"] == []
    assert f["points"]["decisions"] == sum(e["points"] for e in events if e["kind"] == "decision")
    assert f["decisions"] == len(package.decisions) and f["injects"] == sum(e["kind"] == "inject" for e in events)
    assert {k: {"awarded": v["awarded"], "max": v["max"]} for k, v in f["by_capability"].items()} == \
        record["score"]["by_capability"]
    missed = [c for c in record["criteria"] if c["deadline_minutes"] is not None and not c["met"]]
    assert f["deadlines"]["missed"] == len(missed)
    if script == "late":
        assert f["deadlines"]["missed"] >= 1 and f["decisions_expected"] < f["decisions"]
