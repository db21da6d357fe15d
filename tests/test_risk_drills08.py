"""Module 08's exercise: the levels are computed by kitlib.risk's scoring, every miss is explained."""
from __future__ import annotations

import dataclasses

import pytest

from kitlib.risk import LEVELS, RiskRegisterError, level, load_register, score
from kitlib.risk.drills08 import ITEM, pick_risks, rating_answers, risk_rating_exercise


@pytest.fixture(scope="module")
def register():
    return load_register()


def test_pick_covers_every_level_the_register_holds(register):
    ids = pick_risks(register)
    assert len(ids) == 6 and len(set(ids)) == 6
    held = {r.level for r in register}
    assert {register.get(i).level for i in ids} == held


def test_right_answers_come_from_likelihood_times_impact(register):
    ids = pick_risks(register)
    answers = rating_answers(register, ids)
    for rid, given in answers.items():
        r = register.get(rid)
        assert given == level(score(r.likelihood, r.impact))
    exercise = risk_rating_exercise(register, seed=1, lang="en")
    assert exercise.item == ITEM
    assert exercise.score(answers, "en").correct


def test_a_changed_register_changes_the_answer(register):
    r01 = register.get("R01")
    lowered = dataclasses.replace(register, risks=tuple(
        dataclasses.replace(r, likelihood=1, impact=2) if r.id == "R01" else r for r in register))
    exercise = risk_rating_exercise(lowered, ids=["R01"], lang="en")
    assert r01.level == "critical"
    assert not exercise.score({"R01": "critical"}, "en").correct
    assert exercise.score({"R01": "low"}, "en").correct


def test_each_miss_explains_the_arithmetic_band_and_treatment_in_both_languages(register):
    exercise = risk_rating_exercise(register, ids=["R01", "R08"], lang="en")
    wrong = {"R01": "medium", "R08": "critical"}
    en = exercise.score(wrong, "en").rows.set_index("key")["explanation"]
    assert en["R01"].startswith("Expected: critical. 4 × 5 = 20") and "20–25, company policy" in en["R01"]
    assert "reduce" in en["R01"]
    assert en["R08"].startswith("Expected: low. 2 × 2 = 4")
    zh = exercise.score(wrong, "zh-CN").rows.set_index("key")["explanation"]
    assert zh["R01"].startswith("应为:极高。") and "降低" in zh["R01"]
    unanswered = exercise.score({}, "en")
    assert unanswered.score == 0 and not unanswered.correct


def test_rows_show_the_facts_and_every_level_is_an_option(register):
    exercise = risk_rating_exercise(register, seed=20261129, lang="zh-CN")
    assert [o[0] for o in exercise.options] == [name for name, *_ in LEVELS]
    row = exercise.rows.set_index("key").loc["R02"]
    assert "可能性 3/5" in row["detail"] and "影响 5/5" in row["detail"]


def test_same_seed_same_order_and_other_seed_shuffles(register):
    keys = lambda seed: list(risk_rating_exercise(register, seed=seed, lang="en").rows["key"])
    assert keys(5) == keys(5)
    assert sorted(keys(5)) == sorted(pick_risks(register))
    assert len({tuple(keys(s)) for s in range(6)}) > 1


def test_unknown_or_repeated_risk_ids_fail_with_one_clear_message(register):
    with pytest.raises(RiskRegisterError, match="no risk with id 'R99'"):
        risk_rating_exercise(register, ids=["R01", "R99"])
    with pytest.raises(RiskRegisterError, match="'R01' is listed twice"):
        risk_rating_exercise(register, ids=["R01", "R01"])
    with pytest.raises(RiskRegisterError, match="count"):
        pick_risks(register, 0)
