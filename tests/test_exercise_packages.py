"""The tabletop packages in exercises/: each validates, plays to the end on its expected path with a
different variant for different seeds, has its hands-on tasks marked against the evidence the run
made, and yields an after-action report whose figures match the events played."""
from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from kitlib.drills import DrillError, Run, expected_script, load_package, play, validate
from kitlib.drills.checkers import get_checker, known_checkers
from kitlib.drills.data import drill_data, sample_data
from kitlib.drills.evidence import CHECKERS as EVIDENCE_CHECKERS
from kitlib.drills.report import after_action_report
from kitlib.synth import generate

EXERCISES = Path(__file__).resolve().parents[1] / "exercises"
PACKAGES = sorted(p.name for p in EXERCISES.iterdir() if (p / "exercise.yaml").is_file())
SEEDS = range(8)


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=300, seed=3)


@pytest.fixture(scope="module")
def packages():
    return {name: load_package(EXERCISES / name) for name in PACKAGES}


def _play(package, seed, case, folder, script=None):
    data = drill_data(package, seed, case, out_dir=folder / f"{package.id}-{seed}")
    return play(package, seed, script, data=data), data


def test_the_three_issue_packages_exist_and_validate():
    assert {"crm-export-during-move", "ransomware-mid-migration", "paper-at-recycling-station"} <= set(PACKAGES)
    for name in PACKAGES:
        assert validate(EXERCISES / name) == [], name


def test_every_package_is_a_60_to_90_minute_drill_for_4_to_8_people_in_both_languages(packages):
    for name, p in packages.items():
        if len(p.roles) == 1:           # a solo drill (module 09): checked in tests/test_drills_plan.py
            continue
        assert 60 <= p.duration_minutes <= 90, name
        assert sum(r.min_people for r in p.roles) <= 8 and sum(r.max_people for r in p.roles) >= 4, name
        assert 8 <= len(p.injects) <= 14 and 3 <= len(p.decisions) <= 5 and 2 <= len(p.tasks) <= 4, name
        assert 2 <= len(p.variants) <= 3, name
        assert all(t.check.startswith("scope.") for t in p.tasks), name
        assert all("kind" in v.overrides.get("evidence", {}) for v in p.variants), name
        for handout in ("situation-manual", "role-cards"):
            for lang in ("zh-CN", "en"):
                assert (p.folder / "handouts" / f"{handout}.{lang}.md").stat().st_size > 500, (name, handout, lang)


@pytest.mark.parametrize("name", PACKAGES)
def test_package_plays_to_the_end_on_its_expected_path_with_a_variant_per_seed(name, packages, small_case, tmp_path):
    package = packages[name]
    by_variant = {}
    for seed in SEEDS:
        by_variant.setdefault(package.variant_for_seed(seed).id, seed)
    assert len(by_variant) >= 2, f"{name}: seeds {list(SEEDS)} all draw the same variant"
    truths = set()
    for variant, seed in by_variant.items():
        run, data = _play(package, seed, small_case, tmp_path)
        record = run.record()
        assert record["variant"]["id"] == variant
        assert record["events"][-1]["kind"] == "end" and record["events"][-1]["t"] == package.duration_minutes
        tasks = [e for e in record["events"] if e["kind"] == "task"]
        assert len(tasks) == len(package.tasks) and all(e["correct"] for e in tasks)
        assert all(c["met"] for c in record["criteria"]), [c["id"] for c in record["criteria"] if not c["met"]]
        assert record["score"]["awarded"] == record["score"]["max"]
        assert data.evidence is not None and all(Path(p).exists() for p in data.evidence.artefacts.values())
        truths.add((data.evidence.truth.customer_ids, data.evidence.truth.people))
    assert len(truths) == len(by_variant), "different variants should play on different evidence"


def _wrong(answer):
    """A plausible but wrong answer of the same form."""
    if isinstance(answer, bool):
        return not answer
    if isinstance(answer, list):
        return answer[1:] if answer else ["CM00000000XXXX"]
    if answer is None:
        return 4
    if isinstance(answer, int):
        return None if answer in (1, 2, 4) else answer + 1
    return "major" if answer != "major" else "general"


@pytest.mark.parametrize("name", PACKAGES)
def test_a_wrong_answer_to_any_task_scores_lower_than_the_evidence_truth(name, packages, small_case, tmp_path):
    package = packages[name]
    data = drill_data(package, 5, small_case, out_dir=tmp_path / "evidence")
    right = expected_script(Run(package, 5, data=data))
    best = play(package, 5, right, data=data).record()
    for i, (minute, action) in enumerate(right):
        if action[0] != "answer":
            continue
        script = list(right)
        script[i] = (minute, ("answer", action[1], _wrong(action[2])))
        worse = play(package, 5, script, data=data).record()
        event = next(e for e in worse["events"] if e["kind"] == "task" and e["id"] == action[1])
        assert event["correct"] is False and event["points"] == 0
        assert not event["detail"]["en"].startswith("Right")        # the key states the truth, not a verdict
        assert worse["score"]["awarded"] < best["score"]["awarded"], action[1]


def test_crm_export_answers_come_from_the_export_audit_the_team_reads(packages, small_case, tmp_path):
    package = packages["crm-export-during-move"]
    run, data = _play(package, 2, small_case, tmp_path)
    ev = data.evidence
    audit = pd.read_csv(ev.artefact("crm_export_audit"))
    exported = sorted(audit.loc[audit["log_id"] == ev.facts["export_log_id"], "customer_id"])
    assert run.solution("T1").answer == exported
    customers = small_case["customers"].set_index("customer_id")
    assert run.solution("T2").answer == bool(customers.loc[exported, "is_minor"].any())
    # the variant's people_factor changes the grade and the deadline the kit expects
    grade, hours = run.solution("T3").answer, run.solution("T4").answer
    assert (grade == "general") == (hours is None)
    if run.variant.id == "million":
        assert grade != "general" and hours == 4


def test_ransomware_archives_hit_are_the_batches_not_yet_transferred(packages, small_case, tmp_path):
    package = packages["ransomware-mid-migration"]
    for seed in SEEDS:
        if package.variant_for_seed(seed).id == "key-on-server":
            break
    run, data = _play(package, seed, small_case, tmp_path)
    batches = pd.read_csv(data.evidence.artefact("migration_batches"))
    assert run.solution("T1").answer == sorted(batches.loc[batches["status"] != "transferred", "archive"])
    on_server = batches[batches["status"] != "transferred"]
    ids = small_case["customers"]["customer_id"].sort_values()
    readable = ids[(ids >= on_server["first_customer_id"].min()) & (ids <= on_server["last_customer_id"].max())]
    assert run.solution("T2").answer == sorted(readable)          # the key was on the server: all readable
    assert run.solution("T3").answer == 4


def test_paper_customers_are_those_the_found_references_lead_to(packages, small_case, tmp_path):
    package = packages["paper-at-recycling-station"]
    run, data = _play(package, 1, small_case, tmp_path)
    found = pd.read_csv(data.evidence.artefact("found_documents"))
    refs = set(found["reference"])
    accounts, consents = small_case["accounts"], small_case["consents"]
    owners = set(accounts.loc[accounts["contract_no"].isin(refs), "customer_id"]) | \
        set(consents.loc[consents["consent_id"].isin(refs), "customer_id"])
    assert run.solution("T1").answer == sorted(owners)
    assert "identity_document" in run.solution("T2").answer     # contracts carry the resident id


def test_evidence_is_made_from_the_seed_and_drives_the_builtin_checkers_too(small_case, tmp_path):
    assert {f"scope.{name}" for name in EVIDENCE_CHECKERS} <= set(known_checkers())
    a = sample_data(small_case, 9, {"kind": "crm_export", "people_factor": 100000}, out_dir=tmp_path / "a")
    b = sample_data(small_case, 9, {"kind": "crm_export", "people_factor": 100000}, out_dir=tmp_path / "b")
    assert a.exposed_customers == b.exposed_customers == a.evidence.truth.customer_ids
    assert (tmp_path / "a" / "access_log.csv").is_file()
    assert a.affected_people() == a.evidence.truth.people >= 1_000_000
    assert get_checker("report_deadline").solve(a, {}).answer == get_checker("scope.report_deadline").solve(a, {}).answer == 4
    assert get_checker("minors_involved").solve(a, {}).answer == a.evidence.truth.minors


def test_scope_checkers_need_evidence_and_bad_evidence_kinds_fail_in_one_line(packages, small_case):
    plain = sample_data(small_case, 1, {"exposed_count": 5})
    with pytest.raises(ValueError, match="needs the run's evidence"):
        get_checker("scope.exposed_customers").solve(plain, {})
    with pytest.raises(ValueError, match="kind must be one of"):
        sample_data(small_case, 1, {"kind": "burglary"})
    with pytest.raises(ValueError, match="params.segment"):
        sample_data(small_case, 1, {"kind": "crm_export", "segment": 7})
    run = Run(packages["crm-export-during-move"], 0, data=small_case)
    run.run_until(20)
    with pytest.raises(DrillError, match="task 'T1'"):
        run.answer_task("T1", {"not": "a list"})


def test_a_run_without_data_makes_its_evidence_in_a_temporary_folder(packages):
    run = play(packages["paper-at-recycling-station"], 4)
    evidence = run.data.evidence
    assert evidence is not None and evidence.artefact("found_documents").is_file()
    assert run.record()["score"]["awarded"] == run.record()["score"]["max"]


@pytest.mark.parametrize("name", PACKAGES)
def test_after_action_report_figures_match_the_events_played(name, packages, small_case, tmp_path):
    package = packages[name]
    data = drill_data(package, 6, small_case, out_dir=tmp_path / "evidence")
    steps = expected_script(Run(package, 6, data=data))
    first_answer = next(i for i, (_, a) in enumerate(steps) if a[0] == "answer")
    minute, action = steps[first_answer]
    steps[first_answer] = (minute, ("answer", action[1], _wrong(action[2])))
    role = "legal" if any(r.id == "legal" for r in package.roles) else package.roles[0].id
    steps.append((minute, ("note", "the team argued about the grade", role)))
    record = play(package, 6, steps, data=data).record()
    events = record["events"]
    report = after_action_report(record)
    f = report.figures
    assert f["injects"] == sum(e["kind"] == "inject" for e in events)
    assert f["decisions"] == len(package.decisions) == sum(e["kind"] == "decision" for e in events)
    assert f["tasks"] == len(package.tasks) and f["tasks_correct"] == len(package.tasks) - 1
    assert f["notes"] == 1
    assert f["score"]["awarded"] == record["score"]["awarded"] < record["score"]["max"]
    assert f["criteria"]["met"] == sum(c["met"] for c in record["criteria"]) and f["criteria"]["missed"] >= 1
    assert f["inconsistencies"] == []
    assert package.title.zh in report.markdown and package.title.en in report.markdown
