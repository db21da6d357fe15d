"""The exercise engine: clocks, inject release and trigger chains, decisions, tasks, scoring, the
ledger and the run record, scripted play."""
from __future__ import annotations

import dataclasses
import json
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kitlib.drills import (DrillError, PackageError, Run, RunningClock, SteppedClock, load_package, play,
                           sample_data)
from kitlib.drills.checkers import incident_grade
from kitlib.drills.cli import play_command
from kitlib.drills.data import DrillData
from kitlib.ledger import Ledger
from kitlib.synth import generate

DATA = Path(__file__).parent / "data" / "drills"


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=300, seed=3)


@pytest.fixture(scope="module")
def package():
    return load_package(DATA / "crm-mini")


def seed_for(package, variant_id: str) -> int:
    return next(s for s in range(100) if package.variant_for_seed(s).id == variant_id)


def kinds(record) -> list[tuple]:
    return [(e["kind"], e.get("id"), e["t"]) for e in record["events"]]


# -- scripted play -----------------------------------------------------------------------------

def test_expected_path_plays_to_the_end_with_a_variant_drawn_per_seed(package, small_case):
    seen = {}
    for seed in range(6):
        record = play(package, seed, data=small_case).record()
        assert record["variant"]["id"] == package.variant_for_seed(seed).id
        assert record["events"][0]["kind"] == "start" and record["events"][-1] == {"seq": len(record["events"]), "t": 60.0, "kind": "end"}
        assert record["mode"] == "scripted" and record["ended_at"] is not None
        assert [e["seq"] for e in record["events"]] == list(range(1, len(record["events"]) + 1))
        assert all(c["met"] for c in record["criteria"])
        assert record["score"]["awarded"] == record["score"]["max"]
        seen[record["variant"]["id"]] = record
    assert len(seen) >= 2
    assert {package.variant_for_seed(s).id for s in range(30)} == {"small", "large", "slow"}


def test_variants_change_times_answers_and_expected_choices(package, small_case):
    large = play(package, seed_for(package, "large"), data=small_case).record()
    small = play(package, seed_for(package, "small"), data=small_case).record()
    by_id = lambda r: {(e["kind"], e.get("id")): e for e in r["events"]}
    assert by_id(large)[("inject", "I2")]["t"] == 20.0 and by_id(small)[("inject", "I2")]["t"] == 10.0
    assert by_id(large)[("task", "T2")]["answer"] == 4          # 1.2 million people: relatively major, 4 hours
    assert by_id(small)[("task", "T2")]["answer"] is None       # 25 people: no hour deadline
    assert by_id(large)[("task", "T1")]["answer"] is True       # include_minors: true
    assert by_id(small)[("task", "T1")]["answer"] is False      # include_minors: false
    assert by_id(large)[("decision", "D2")]["option"] == "report_4h"
    assert by_id(small)[("decision", "D2")]["option"] == "notify_art57"
    slow = play(package, seed_for(package, "slow"), data=small_case).record()
    assert by_id(slow)[("inject", "I4")]["t"] == 15.0            # delay 10 after I3 at minute 5


def test_score_adds_up_decisions_correct_tasks_and_criteria_met(package, small_case):
    seed = seed_for(package, "small")
    script = [(8, ("decide", "D1", "isolate", "it")), (16, ("answer", "T1", True)),
              (21, ("answer", "T2", 4)), (30, ("decide", "D2", "report_4h")), (40, ("note", "hot wash at 55", "lead")),
              (14, ("ack", "I4", "legal"))]                  # I4 arrives at 13: 5 minutes after I3
    record = play(package, seed, script, data=small_case).record()
    events = record["events"]
    tasks = {e["id"]: e for e in events if e["kind"] == "task"}
    assert not tasks["T1"]["correct"] and tasks["T1"]["points"] == 0          # small variant: no minors
    assert not tasks["T2"]["correct"] and "No hour deadline" in tasks["T2"]["detail"]["en"]
    criteria = {c["id"]: c for c in record["criteria"]}
    assert criteria["C1"]["met"] and criteria["C1"]["met_at"] == 8.0
    assert not criteria["C2"]["met"] and criteria["C2"]["met_at"] is None and criteria["C2"]["awarded"] == 0
    event_points = sum(e["points"] for e in events if e["kind"] in ("decision", "task"))
    assert event_points == 10 + 5
    assert record["score"]["awarded"] == event_points + sum(c["awarded"] for c in record["criteria"]) == 15 + 10 + 5
    assert record["score"]["max"] == 20 + 10 + 35
    assert record["score"]["by_capability"] == {"contain": {"awarded": 10, "max": 10},
                                                "report": {"awarded": 0, "max": 20},
                                                "notify": {"awarded": 5, "max": 5}}
    note = next(e for e in events if e["kind"] == "note")
    assert note == {"seq": note["seq"], "t": 40.0, "kind": "note", "role": "lead", "text": "hot wash at 55"}


def test_a_decision_after_the_deadline_misses_the_criterion_but_keeps_its_points(package, small_case):
    seed = seed_for(package, "small")                       # C1: deadline 15 minutes
    record = play(package, seed, [(18, ("decide", "D1", "isolate"))], data=small_case).record()
    decision = next(e for e in record["events"] if e["kind"] == "decision")
    c1 = record["criteria"][0]
    assert (c1["met"], c1["awarded"], c1["met_at"], c1["evidence"]) == (False, 0, 18.0, [decision["seq"]])
    assert decision["points"] == 10 and decision["t"] == 18.0
    on_time = play(package, seed_for(package, "slow"), [(18, ("decide", "D1", "isolate"))], data=small_case).record()
    assert on_time["criteria"][0]["met"] and on_time["criteria"][0]["deadline_minutes"] == 20   # slow: 20 minutes


def test_the_wrong_option_releases_its_consequence_inject_at_once(package, small_case):
    record = play(package, seed_for(package, "small"), [(12, ("decide", "D1", "wait"))], data=small_case).record()
    assert ("decision", "D1", 12.0) in kinds(record) and ("inject", "I5", 12.0) in kinds(record)
    assert ("inject", "I3", 12.0) not in kinds(record)      # isolate was not chosen: no follow-up
    decision = next(e for e in record["events"] if e["kind"] == "decision")
    assert decision["releases"] == ["I5"] and decision["expected"] is False and decision["points"] == -5
    assert not record["criteria"][0]["met"]


# -- the clock and the injects -----------------------------------------------------------------

def test_stepped_clock_makes_injects_due_at_their_minutes(package, small_case):
    run = Run(package, seed_for(package, "small"), data=small_case)
    assert [i.id for i in run.due_injects()] == ["I1"]
    assert [e["id"] for e in run.release_due()] == ["I1"]
    run.clock.advance(9.5)
    assert run.due_injects() == []
    assert [(t, i.id) for t, i in run.upcoming_injects()] == [(10, "I2")]
    run.clock.advance(0.5)
    assert [i.id for i in run.due_injects()] == ["I2"]
    event = run.release("I2")
    assert (event["t"], event["recipients"], event["medium"]) == (10.0, ["lead", "it"], "phone")
    with pytest.raises(DrillError, match="already released at minute 10"):
        run.release("I2")
    with pytest.raises(DrillError, match="waits for its trigger \\(D1.isolate\\)"):
        run.release("I3")


def test_accelerated_clock_follows_an_injected_time_source(package, small_case):
    now = [1000.0]
    clock = RunningClock(factor=4, source=lambda: now[0])
    run = Run(package, seed_for(package, "large"), clock=clock, data=small_case)   # large: I2 at 20
    assert clock.mode == "accelerated" and run.now() == 0
    now[0] += 4 * 60                       # four real minutes = 16 exercise minutes
    assert run.now() == 16 and [i.id for i in run.due_injects()] == ["I1"]
    clock.pause()
    now[0] += 600
    assert run.now() == 16                 # paused
    clock.resume()
    now[0] += 60
    assert run.now() == 20 and [i.id for i in run.due_injects()] == ["I1", "I2"]
    assert [e["t"] for e in run.release_due()] == [20.0, 20.0]
    assert run.record()["mode"] == "accelerated"
    assert RunningClock(1, source=lambda: 0.0).mode == "real"


def test_clocks_refuse_going_back_and_nonsense_speeds():
    with pytest.raises(ValueError, match="advance must be a number of minutes"):
        SteppedClock().advance(-1)
    with pytest.raises(ValueError, match="factor must be a number above 0"):
        RunningClock(0)


def test_trigger_chain_releases_follow_ups_with_their_delay(package, small_case):
    run = Run(package, seed_for(package, "small"), data=small_case)
    run.run_until(5)
    decision = run.decide("D1", "isolate")
    assert decision["releases"] == ["I3"] and decision["role"] == "it"
    assert run.released["I3"]["t"] == 5.0                  # after: D1.isolate, no delay
    assert [(t, i.id) for t, i in run.upcoming_injects()] == [(10, "I2"), (10.0, "I4")]   # I4: after I3, delay 5
    released = run.run_until(12)
    assert [(e["id"], e["t"]) for e in released] == [("I2", 10.0), ("I4", 10.0)]


def test_run_until_releases_each_inject_at_its_own_minute_not_at_the_target(package, small_case):
    run = Run(package, seed_for(package, "large"), data=small_case)
    run.run_until(5)
    run.decide("D1", "isolate")
    assert [(e["id"], e["t"]) for e in run.run_until(59)] == [("I4", 10.0), ("I2", 20.0)]
    with pytest.raises(DrillError, match="after the end of the exercise"):
        run.run_until(61)


# -- refusals ----------------------------------------------------------------------------------

def test_decisions_are_refused_outside_their_window_twice_or_for_unknown_roles(package, small_case):
    run = Run(package, 0, data=small_case)
    with pytest.raises(DrillError, match="decision 'D1' opens at minute 5 \\(now 0\\)"):
        run.decide("D1", "isolate")
    run.run_until(31)
    with pytest.raises(DrillError, match="decision 'D1' closed at minute 30"):
        run.decide("D1", "isolate")
    with pytest.raises(DrillError, match="has no option 'maybe'"):
        run.decide("D2", "maybe")
    with pytest.raises(DrillError, match="unknown role 'ceo'"):
        run.decide("D2", "report_4h", "ceo")
    run.decide("D2", "report_4h", "lead")
    with pytest.raises(DrillError, match="already taken at minute 31"):
        run.decide("D2", "notify_art57")
    assert [e["kind"] for e in run.events] == ["start", "inject", "inject", "decision"]


def test_a_malformed_answer_is_refused_without_an_event(package, small_case):
    run = Run(package, 0, data=small_case)
    run.run_until(20)
    with pytest.raises(DrillError, match="task 'T1': the answer must be yes or no"):
        run.answer_task("T1", "perhaps")
    assert "T1" not in run.answered
    assert run.answer_task("T1", "是" if run.solution("T1").answer else "否")["correct"]


def test_nothing_is_accepted_after_the_end(package, small_case):
    run = Run(package, 0, data=small_case)
    run.end()
    for action in (lambda: run.note("late"), lambda: run.release("I1"), lambda: run.end()):
        with pytest.raises(DrillError, match="the run has ended"):
            action()


def test_only_a_package_that_validated_runs_and_a_broken_one_never_half_runs(package):
    ledger = Ledger("sqlite://")
    with pytest.raises(PackageError):
        play(load_package(DATA / "broken" / "cycle"), 0, ledger=ledger)
    assert ledger.verify().entries == 0
    for impostor in (dataclasses.replace(package, injects=package.injects[:1]), package.with_variant("small")):
        with pytest.raises(DrillError, match="only a package that validated"):
            Run(impostor, 0, ledger=ledger)
    assert ledger.verify().entries == 0


def test_script_steps_are_checked_before_they_run(package, small_case):
    with pytest.raises(DrillError, match="script step 2: action must start with one of"):
        play(package, 0, [(5, ("decide", "D1", "isolate")), (6, ("shout", "now"))], data=small_case)
    with pytest.raises(DrillError, match="script step 1: minute must be a number"):
        play(package, 0, [("soon", ("note", "x"))], data=small_case)


# -- ledger and record -------------------------------------------------------------------------

def test_every_event_is_a_training_entry_in_the_ledger(package, small_case):
    ledger = Ledger("sqlite://")
    run = play(package, 1, ledger=ledger, data=small_case)
    record = run.record()
    rows = ledger.entries()
    assert ledger.verify().ok and ledger.verify().entries == len(record["events"])
    assert [r.type for r in rows] == ["training"] * len(record["events"])
    assert [(r.details["seq"], r.details["event"], r.details.get("id")) for r in rows] == \
        [(e["seq"], e["kind"], e.get("id")) for e in record["events"]]
    assert {r.details["run"] for r in rows} == {record["run_id"]}
    assert {r.details["exercise"] for r in rows} == {"crm-mini"}
    decision = next(r for r in rows if r.details["event"] == "decision")
    assert decision.actor == "it" and decision.details["option"] == "isolate"
    assert all(r.subjects == () for r in rows)


def test_record_is_plain_json_with_the_contract_fields(package, small_case):
    wall = lambda: datetime(2026, 11, 29, 18, 0, tzinfo=timezone(timedelta(hours=8)))
    record = play(package, 2, data=small_case, wall=wall).record()
    assert json.loads(json.dumps(record)) == record
    assert record["format"] == "kitlib.drills run v1" and record["seed"] == 2
    assert record["started_at"] == record["ended_at"] == "2026-11-29T10:00:00Z"      # wall clock in UTC
    assert set(record) >= {"format", "package", "variant", "seed", "mode", "started_at", "ended_at", "roles",
                           "events", "criteria", "score"}
    assert record["package"]["capabilities"][0] == {"id": "contain", "title": {"zh-CN": "控制", "en": "Containment"}}
    assert set(record["criteria"][0]) == {"id", "capability", "title", "points", "awarded", "met", "deadline_minutes",
                                          "met_at", "evidence"}
    inject = next(e for e in record["events"] if e["kind"] == "inject")
    assert set(inject) == {"seq", "t", "kind", "id", "title", "recipients", "medium"}
    decision = next(e for e in record["events"] if e["kind"] == "decision")
    assert set(decision) == {"seq", "t", "kind", "id", "option", "role", "title", "option_title", "expected", "points",
                             "releases"}


# -- checkers and data -------------------------------------------------------------------------

def test_reporting_deadline_follows_grade_and_operator_kind(small_case):
    from kitlib.drills.checkers import get_checker
    check = get_checker("report_deadline")
    data = lambda people: DrillData(small_case, ("x",), {"affected_people": people})
    assert check.solve(data(999_999), {}).answer is None
    assert check.solve(data(1_000_000), {}).answer == 4
    assert check.solve(data(1_000_000), {"operator": "critical_infrastructure"}).answer == 1
    assert check.solve(data(20_000_000), {"operator": "state_body"}).answer == 2
    assert [incident_grade(n)[0] for n in (5, 1_000_000, 10_000_000, 100_000_000)] == \
        ["general", "relatively_major", "major", "particularly_major"]
    assert check.mark(check.solve(data(1_000_000), {}), "4") and check.mark(check.solve(data(10), {}), "none")


def test_minors_and_count_checkers_compute_from_the_customers_in_scope(small_case):
    from kitlib.drills.checkers import get_checker
    customers = small_case["customers"]
    minors = customers.loc[customers["is_minor"], "customer_id"].tolist()
    adults = customers.loc[~customers["is_minor"], "customer_id"].tolist()
    assert minors, "the small case should hold customers under 14"
    check = get_checker("minors_involved")
    assert check.solve(DrillData(small_case, tuple(adults[:5] + minors[:2])), {}).answer is True
    assert "2 of the 7" in check.solve(DrillData(small_case, tuple(adults[:5] + minors[:2])), {}).explanation.en
    assert check.solve(DrillData(small_case, tuple(adults[:5])), {}).answer is False
    assert get_checker("exposed_count").solve(DrillData(small_case, tuple(adults[:5])), {}).answer == 5


def test_sample_data_draws_the_scope_from_the_seed_and_evidence_parameters(small_case):
    one, again = sample_data(small_case, 4, {"exposed_count": 12}), sample_data(small_case, 4, {"exposed_count": 12})
    assert one.exposed_customers == again.exposed_customers and len(one.exposed_customers) == 12
    assert sample_data(small_case, 5, {"exposed_count": 12}).exposed_customers != one.exposed_customers
    assert sample_data(small_case, 4, {"exposed_count": 12, "include_minors": True}).minors_in_scope()
    assert not sample_data(small_case, 4, {"exposed_count": 200, "include_minors": False}).minors_in_scope()
    with pytest.raises(ValueError, match="exposed_count must be a whole number from 1 to 300"):
        sample_data(small_case, 4, {"exposed_count": 301})


# -- the CLI function --------------------------------------------------------------------------

def test_play_command_runs_a_script_and_writes_the_record(tmp_path, capsys):
    script = tmp_path / "script.yaml"
    script.write_text("- [6, decide, D1, isolate, it]\n- [7, note, contained, lead]\n")
    out = tmp_path / "record.json"
    assert play_command(DATA / "crm-mini", 1, script, out=out) == 0
    printed = capsys.readouterr().out
    assert "crm-mini variant large seed 1" in printed and "decision    D1 isolate it" in printed
    record = json.loads(out.read_text(encoding="utf-8"))
    assert record["variant"]["id"] == "large" and printed.rstrip().endswith(
        f"score {record['score']['awarded']:g} of {record['score']['max']:g}")
    assert play_command(DATA / "broken" / "bad-role", 1) == 2
    assert "does not validate (1 problems)" in capsys.readouterr().err
