"""The facilitator's console and the participant view: built on a fixture run, driven by clicking
their buttons, checked against the run's state and the HTML they show."""
from __future__ import annotations

import html
import re
from pathlib import Path

import pytest

from kitlib.drills import DrillError, Run, RunningClock, SteppedClock, load_package
from kitlib.synth import generate
from kitlib.ui.console import FacilitatorConsole, ParticipantView, watch

DATA = Path(__file__).parent / "data" / "drills"


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """End writes the after-action report to ./drill-reports by default: keep it out of the repo."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def package():
    return load_package(DATA / "crm-mini")


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=300, seed=3)


def seed_for(package, variant_id: str) -> int:
    return next(s for s in range(100) if package.variant_for_seed(s).id == variant_id)


@pytest.fixture
def run(package, small_case):
    return Run(package, seed_for(package, "small"), clock=SteppedClock(), data=small_case)


def text_of(widget_html: str) -> str:
    return html.unescape(re.sub(r"<[^>]+>", " ", widget_html))


def test_opening_the_console_releases_the_injects_already_due_when_auto_release_is_on(run):
    view = ParticipantView(run, "it", lang="en")
    assert "The CRM logged a full export" not in view.board.value
    FacilitatorConsole(run, lang="en")
    assert list(run.released) == ["I1"]
    assert "The CRM logged a full export at 18:42." in text_of(view.board.value)


def test_release_button_releases_the_inject_and_every_recipient_view_shows_it(run):
    console = FacilitatorConsole(run, lang="en", auto_release=False)
    lead, it, legal = (ParticipantView(run, r, lang="en") for r in ("lead", "it", "legal"))
    assert run.released == {}
    assert set(console.release_buttons) == {"I1", "I2"}          # I1 due now, I2 at minute 10
    console.release_buttons["I2"].click()                        # early release of a timed inject
    assert "I2" in run.released and run.released["I2"]["t"] == 0
    for view in (lead, it):
        assert "The leaver's laptop has not been returned." in text_of(view.board.value)
    assert "laptop" not in text_of(legal.board.value)
    assert "I2" not in console.release_buttons                   # the console no longer offers it


def test_participant_view_lists_its_injects_newest_first_with_sender_and_attachments(run):
    console = FacilitatorConsole(run, lang="en", auto_release=False)
    view = ParticipantView(run, "it", lang="en")
    console.release_buttons["I1"].click()
    console.release_buttons["I2"].click()
    assert view.injects() == ["I2", "I1"]
    board = view.board.value
    assert board.index("data-inject='I2'") < board.index("data-inject='I1'")
    shown = text_of(board)
    assert "The CRM" in shown and "handouts/access-log-excerpt.txt" in shown and "Who may export?" in shown


def test_advancing_with_auto_release_releases_each_inject_at_its_own_minute(run):
    console = FacilitatorConsole(run, lang="en")
    console.step.value = 12
    console.advance_button.click()
    assert run.now() == 12
    assert {k: e["t"] for k, e in run.released.items()} == {"I1": 0, "I2": 10}
    assert "minute 12 of 60" in text_of(console.clock_label.value)
    assert "Released inject I2" in text_of(console.status.value)


def test_advancing_without_auto_release_leaves_due_injects_for_the_facilitator(run):
    console = FacilitatorConsole(run, lang="en", auto_release=False)
    console.advance(12)
    assert run.released == {}
    rows = " ".join(text_of("".join(row.children[1].value for row in console.injects_box.children)).split())
    assert "I1 · due" in rows and "I2 · due" in rows


def test_advancing_stops_at_the_end_of_the_exercise(run):
    console = FacilitatorConsole(run, lang="en")
    console.advance(500)
    assert run.now() == run.package.duration_minutes
    assert "✘" not in console.status.value


def test_decision_taken_in_the_console_is_recorded_with_the_chosen_role_and_releases_its_follow_up(run):
    console = FacilitatorConsole(run, lang="en")
    lead, it = ParticipantView(run, "lead", lang="en"), ParticipantView(run, "it", lang="en")
    assert console.decision_controls == {}                       # D1 opens at minute 5
    assert it.decisions() == []
    console.advance(5)
    assert list(console.decision_controls) == ["D1"]
    assert it.decisions() == ["D1"] and lead.decisions() == []
    assert "Disable the account now?" in text_of(it.board.value)
    option, role, button = console.decision_controls["D1"]
    assert role.value == "it"                                    # the decision's own role by default
    option.value, role.value = "isolate", "lead"
    button.click()
    assert run.decided["D1"]["option"] == "isolate" and run.decided["D1"]["role"] == "lead"
    assert run.decided["D1"]["t"] == 5
    assert "I3" in run.released                                  # D1.isolate releases I3 at once
    assert "The account is disabled and its sessions ended." in text_of(lead.board.value)
    assert "Disable the account now?" not in text_of(it.board.value)
    assert "D1" not in console.decision_controls
    assert "The export stops." in text_of(console.status.value)


def test_score_label_shows_exactly_what_run_score_computes(run):
    console = FacilitatorConsole(run, lang="en")

    def shown():
        return text_of(console.score_label.value)

    def expected():
        s = run.score()
        caps = {c.id: c.title.en for c in run.package.capabilities}
        return ([f"Total {s['awarded']:g} / {s['max']:g}"]
                + [f"{caps[c]} {v['awarded']:g} / {v['max']:g}" for c, v in s["by_capability"].items()])

    before = shown()
    for line in expected():
        assert " ".join(line.split()) in " ".join(shown().split())
    console.advance(5)
    option, _, button = console.decision_controls["D1"]
    option.value = "isolate"
    button.click()
    assert shown() != before
    assert run.score()["awarded"] > 0
    for line in expected():
        assert " ".join(line.split()) in " ".join(shown().split())
    assert console.score_text()["capability.contain"] == "10 / 10"


def test_task_answer_from_the_console_is_marked_by_the_kit(run):
    console = FacilitatorConsole(run, lang="en")
    console.advance(20)
    assert set(console.task_controls) == {"T1", "T2"}
    answer, role, button = console.task_controls["T2"]
    button.click()                                               # nothing typed: refused, not marked
    assert "T2" not in run.answered and "type an answer first" in text_of(console.status.value)
    right = run.solution("T2").answer
    answer.value = "none" if right is None else str(right)
    role.value = "legal"
    button.click()
    assert run.answered["T2"]["correct"] is True and run.answered["T2"]["role"] == "legal"
    assert "T2" not in console.task_controls


def test_acknowledgement_in_the_console_meets_the_criterion_that_needs_it(run):
    console = FacilitatorConsole(run, lang="en")
    console.advance(5)
    option, _, button = console.decision_controls["D1"]
    option.value = "isolate"
    button.click()
    console.advance(5)                                           # I4 follows I3 after 5 minutes
    assert "I4" in run.released
    console.ack_choice.value = ("I4", "legal")
    console.ack_box.children[0].children[1].click()
    assert ("I4", "legal") in run.acknowledged
    assert next(c for c in run.criteria() if c["id"] == "C3")["met"]


def test_notes_go_to_the_run_with_their_role_and_an_empty_note_is_refused_in_one_line(run):
    console = FacilitatorConsole(run, lang="en")
    console.note_text.value = "Legal asked for the contract with the CRM vendor."
    console.note_role.value = "legal"
    console.note_button.click()
    note = run.events[-1]
    assert note["kind"] == "note" and note["role"] == "legal" and note["text"].startswith("Legal asked")
    assert console.note_text.value == ""
    count = len(run.events)
    console.note_button.click()                                  # empty now
    assert len(run.events) == count
    assert "a note needs some text" in text_of(console.status.value)


def test_a_closed_decision_is_refused_in_the_status_line_not_raised(run):
    console = FacilitatorConsole(run, lang="en")
    console.advance(5)
    option, _, button = console.decision_controls["D1"]
    console.advance(30)                                          # D1 closed at minute 30; widgets still on screen
    option.value = "isolate"
    button.click()
    assert "D1" not in run.decided
    assert "closed at minute 30" in text_of(console.status.value)


def test_end_writes_the_after_action_report_and_links_it(run, tmp_path):
    console = FacilitatorConsole(run, lang="en", report_dir=tmp_path / "aar")
    view = ParticipantView(run, "it", lang="en")
    console.advance(5)
    console.end_button.click()
    assert run.ended
    assert set(console.report_paths) == {"html", "markdown"}
    for path in console.report_paths.values():
        assert path.parent == tmp_path / "aar" and path.exists()
    assert "crm-mini" in console.report_paths["html"].read_text("utf-8")
    link = console.report_link.value
    assert console.report_paths["html"].name in link and "href=" in link
    assert console.end_button.disabled and console.advance_button.disabled
    assert "The exercise has ended" in text_of(view.board.value)
    console.end()                                                # a second End is refused, not raised
    assert "the run has ended" in text_of(console.status.value)


def test_running_clock_pauses_resumes_and_refresh_releases_what_came_due(package):
    now = [0.0]
    run = Run(package, seed_for(package, "small"), clock=RunningClock(factor=2, source=lambda: now[0]))
    console = FacilitatorConsole(run, lang="en")
    assert console.pause_button.layout.display is None and console.pause_button.description == "Pause"
    now[0] = 300.0                                               # 5 real minutes x 2 = minute 10
    assert "I2" not in run.released
    console.refresh_button.click()
    assert run.released["I2"]["t"] == 10
    console.pause_button.click()
    assert not run.clock.running and console.pause_button.description == "Resume"
    now[0] = 900.0
    assert run.now() == 10
    console.pause_button.click()
    assert run.clock.running
    now[0] = 960.0
    assert run.now() == 12


def test_stepped_clock_console_hides_pause_and_refresh(run):
    console = FacilitatorConsole(run, lang="en")
    assert console.pause_button.layout.display == "none" and console.refresh_button.layout.display == "none"


def test_console_and_view_speak_both_languages(run):
    console = FacilitatorConsole(run, lang="zh-CN")
    view = ParticipantView(run, "it", lang="zh-CN")
    assert "演练时钟:第 0 分钟" in text_of(console.clock_label.value)
    assert "客户管理系统在18:42记录了一次全量导出。" in text_of(view.board.value)
    assert console.end_button.description == "结束演练"
    console.toggle.value = "en"
    view.set_lang("en")
    assert "Exercise clock: minute 0 of 60" in text_of(console.clock_label.value)
    assert console.end_button.description == "End exercise"
    assert "The CRM logged a full export at 18:42." in text_of(view.board.value)


def test_participant_view_for_an_unknown_role_is_a_one_line_error(run):
    with pytest.raises(DrillError, match=r"unknown role 'ceo' \(one of: lead, it, legal\)"):
        ParticipantView(run, "ceo")
    assert issubclass(DrillError, ValueError)


def test_closed_views_stop_listening_to_the_run(run):
    console = FacilitatorConsole(run, lang="en", auto_release=False)
    view = ParticipantView(run, "it", lang="en")
    calls = []
    watch(run, lambda r: calls.append(r.now()))
    view.close()
    console.release_buttons["I1"].click()
    assert calls == [0]
    assert "18:42" not in text_of(view.board.value)
