"""Dispute role-plays on the drill engine (issue 9): each package in exercises/dispute-* validates,
plays to every one of its endings in scripted mode, writes its dispute record to the ledger as
"dispute" entries, and yields an after-action report; endings are validated and end the run."""
from __future__ import annotations

import re
from pathlib import Path

import pytest

from kitlib.drills import DrillError, PackageError, load_package, play, validate
from kitlib.drills.engine import endings, script_to
from kitlib.drills.report import after_action_report
from kitlib.ledger import Ledger

ROOT = Path(__file__).resolve().parents[1]
DISPUTES = sorted(p.name for p in (ROOT / "exercises").glob("dispute-*") if (p / "dispute.yaml").is_file())
LEGAL = Path("/work/shared/reference/legal.md")
SIX_STEPS = {"cause", "process", "record", "mediation", "legal", "lessons"}


@pytest.fixture(scope="module")
def packages():
    return {name: load_package(ROOT / "exercises" / name) for name in DISPUTES}


def _all_texts(package) -> list:
    texts = [package.title, package.scenario, *package.objectives]
    for i in package.injects:
        texts += [i.title, i.text, *i.questions, *i.expected_actions] + ([i.debrief] if i.debrief else [])
    for d in package.decisions:
        texts += [d.title, d.prompt] + [t for o in d.options for t in (o.text, o.consequence)]
    return texts + [c.title for c in package.criteria]


def test_the_four_issue_disputes_and_the_court_claim_exist_and_validate():
    assert {"dispute-sold-my-data", "dispute-delete-under-retention", "dispute-successor-marketing",
            "dispute-regulator-after-deregistration", "dispute-court-presumed-fault"} <= set(DISPUTES)
    for name in DISPUTES:
        assert validate(ROOT / "exercises" / name) == [], name


def test_each_dispute_is_a_short_role_play_with_branching_decisions_and_two_or_three_endings(packages):
    for name, p in packages.items():
        assert p.kind == "dispute", name
        assert 20 <= p.duration_minutes <= 30 and 1 <= len(p.roles) <= 4, name
        assert 2 <= len(p.decisions) <= 4 and 2 <= len(endings(p)) <= 3, name
        assert {e.split("-")[1] for e in endings(p)} == {"good", "partial", "bad"}, name
        assert {c.capability for c in p.criteria} == SIX_STEPS == {c.id for c in p.capabilities}, name
        for e in endings(p):
            debrief = p.inject(e).debrief
            assert debrief is not None and len(debrief.zh) > 60 and len(debrief.en) > 150, (name, e)
        assert all(t.zh.strip() and t.en.strip() for t in _all_texts(p)), name


def test_every_article_a_dispute_cites_is_in_the_legal_reference(packages):
    reference = LEGAL.read_text(encoding="utf-8")
    known = set()
    for cell in re.findall(r"^\| ([^|]+?) \|", reference, flags=re.M):
        for low, high in re.findall(r"(\d+)(?:[–-](\d+))?", cell):
            known.update(range(int(low), int(high or low) + 1))
    for low, high in re.findall(r"Arts?\. (\d+)(?:[–-](\d+))?", reference):
        known.update(range(int(low), int(high or low) + 1))
    for name, p in packages.items():
        cited = set()
        for t in _all_texts(p):
            for low, high in re.findall(r"Arts?\. (\d+)(?:[–-](\d+))?", t.en):
                cited.update(range(int(low), int(high or low) + 1))
            cited.update(int(n) for n in re.findall(r"第(\d+)(?:–\d+)?条", t.zh))
        assert cited, name
        assert cited <= known, (name, sorted(cited - known))


@pytest.mark.parametrize("name", DISPUTES)
def test_dispute_plays_to_each_of_its_endings_with_a_dispute_record_and_a_report(name, packages):
    package = packages[name]
    scores = {}
    for ending in endings(package):
        ledger = Ledger("sqlite://")
        script = script_to(package, 3, ending)
        run = play(package, 3, script, ledger=ledger)
        record = run.record()
        kinds = [e["kind"] for e in record["events"]]
        assert kinds[-2:] == ["ending", "end"] and kinds.count("ending") == 1, ending
        assert record["events"][-2]["id"] == ending
        assert record["events"][-2]["debrief"] == package.inject(ending).debrief.to_dict()
        decisions = [e for e in record["events"] if e["kind"] == "decision"]
        assert [(e["id"], e["option"]) for e in decisions] == [(a[1], a[2]) for _, a in script]
        entries = ledger.entries()
        assert {e.type for e in entries} == {"dispute"}
        assert len(entries) == len(decisions) + 1
        assert [e.details["event"] for e in entries] == ["decision"] * len(decisions) + ["ending"]
        assert entries[-1].details["id"] == ending and all(e.details["exercise"] == package.id for e in entries)
        assert ledger.verify().ok
        report = after_action_report(record)
        assert report.figures["ended"] and report.figures["decisions"] == len(decisions)
        assert report.figures["inconsistencies"] == []
        assert ending in report.markdown and package.title.en in report.markdown
        scores[ending.split("-")[1]] = record["score"]["awarded"]
    assert scores["good"] > scores["partial"] > scores["bad"], scores


@pytest.mark.parametrize("name", DISPUTES)
def test_the_expected_path_reaches_the_good_ending_with_full_marks(name, packages):
    record = play(packages[name], 0).record()
    assert [e["id"] for e in record["events"] if e["kind"] == "ending"] == ["E-good"]
    assert record["score"]["awarded"] == record["score"]["max"]
    assert all(c["met"] for c in record["criteria"])


def test_an_early_bad_choice_ends_the_dispute_and_later_steps_are_not_played(packages):
    package = packages["dispute-sold-my-data"]
    ledger = Ledger("sqlite://")
    run = play(package, 1, [(0, ("decide", "D1", "deny")), (8, ("decide", "D2", "written"))], ledger=ledger)
    assert list(run.decided) == ["D1"] and run.ended
    assert [e["kind"] for e in run.events][-2:] == ["ending", "end"] and run.events[-2]["id"] == "E-bad"
    assert run.events[-1]["t"] < package.duration_minutes
    with pytest.raises(DrillError, match="ended"):
        run.decide("D2", "written")
    assert len(ledger.entries("dispute")) == 2


def test_script_to_an_unknown_ending_fails_in_one_line(packages):
    with pytest.raises(DrillError, match="not an ending"):
        script_to(packages["dispute-sold-my-data"], 1, "I2")


_MINIMAL = """\
id: tiny
kind: {kind}
title: {{zh-CN: 小争议, en: A tiny dispute}}
duration_minutes: 20
audience: {{zh-CN: 客服, en: Service}}
objectives: [{{zh-CN: 目标, en: Goal}}]
capabilities: [{{id: cause, title: {{zh-CN: 原因, en: Cause}}}}]
roles: [{{id: service, title: {{zh-CN: 客服, en: Service}}}}]
scenario: {{zh-CN: 情景, en: Scenario}}
injects:
  - {{id: I1, at: 0, title: {{zh-CN: 投诉, en: Complaint}}, sender: {{zh-CN: 客户, en: Customer}}, recipients: [service], medium: email, text: {{zh-CN: 内容, en: Text}}}}
{extra}
decisions:
  - id: D1
    role: service
    title: {{zh-CN: 决定, en: Decide}}
    prompt: {{zh-CN: 怎么办, en: What now}}
    options:
      - {{id: a, text: {{zh-CN: 甲, en: A}}, consequence: {{zh-CN: 甲, en: A}}}}
      - {{id: b, text: {{zh-CN: 乙, en: B}}, consequence: {{zh-CN: 乙, en: B}}}}
criteria:
  - {{id: C1, capability: cause, title: {{zh-CN: 标准, en: Criterion}}, points: 5, met_by: [D1.a]}}
"""
_END = "  - {{id: {id}, {trigger}, ending: true, title: {{zh-CN: 结局, en: Ending}}, sender: {{zh-CN: 结果, en: Outcome}}, " \
       "recipients: [service], medium: paper, text: {{zh-CN: 结局, en: Ending}}{debrief}}}"
_DEBRIEF = ", debrief: {zh-CN: 总结, en: Debrief}"


def _write(tmp_path, kind, *endings_):
    (tmp_path / "dispute.yaml").write_text(_MINIMAL.format(kind=kind, extra="\n".join(endings_)), encoding="utf-8")
    return tmp_path


def test_endings_are_validated_with_a_line_and_field(tmp_path):
    assert validate(_write(tmp_path, "dispute", _END.format(id="E1", trigger="after: D1.a", debrief=_DEBRIEF))) == []
    assert load_package(tmp_path).kind == "dispute"
    # no ending at all
    problems = [str(p) for p in validate(_write(tmp_path, "dispute"))]
    assert any("a dispute needs at least one ending" in p for p in problems), problems
    # an ending of a dispute without its debrief
    problems = [str(p) for p in validate(_write(tmp_path, "dispute", _END.format(id="E1", trigger="after: D1.a", debrief="")))]
    assert any(re.match(r"dispute\.yaml:\d+: injects\[1\]: ending 'E1' of a dispute needs a debrief", p) for p in problems), problems
    # an ending that only follows another ending can never be reached
    only = _END.format(id="E1", trigger="after: E2", debrief=_DEBRIEF)
    chain = _END.format(id="E2", trigger="after: E1", debrief=_DEBRIEF)
    problems = [str(p) for p in validate(_write(tmp_path, "dispute", only, chain))]
    assert any("no ending of this dispute can be reached" in p for p in problems), problems
    # a debrief on an ordinary inject, and an unknown kind
    bad = "  - {id: I2, after: D1.b, title: {zh-CN: 后续, en: Next}, sender: {zh-CN: 客户, en: Customer}, recipients: [service], " \
          "medium: email, text: {zh-CN: 内容, en: Text}, debrief: {zh-CN: 总结, en: Debrief}}"
    problems = [str(p) for p in validate(_write(tmp_path, "hearing", _END.format(id="E1", trigger="after: D1.a", debrief=_DEBRIEF), bad))]
    assert any("kind: unknown kind 'hearing'" in p for p in problems), problems
    assert any("injects[2].debrief: only an ending" in p for p in problems), problems
    with pytest.raises(PackageError):
        load_package(tmp_path)


def test_an_ending_also_ends_a_drill_and_a_drill_still_writes_training_entries(tmp_path):
    package = load_package(_write(tmp_path, "drill", _END.format(id="E1", trigger="after: D1.a", debrief="")))
    assert package.kind == "drill"
    ledger = Ledger("sqlite://")
    run = play(package, 0, [(5, ("decide", "D1", "a"))], ledger=ledger)
    assert [e["kind"] for e in run.events][-2:] == ["ending", "end"] and run.events[-1]["t"] == 5
    assert {e.type for e in ledger.entries()} == {"training"}
    unfinished = play(package, 0, [(5, ("decide", "D1", "b"))])
    assert "ending" not in [e["kind"] for e in unfinished.events] and unfinished.events[-1]["t"] == 20
