"""Module 07's exercise ``dispute-steps``: moments from the dispute packages, truth read from the
packages' ``expected`` options, explanations from consequences and the debrief of the ending reached."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kitlib.drills import DrillError, load_package
from kitlib.drills.drills07 import (EXERCISES, ITEM, dispute_steps_exercise, expected_ending, expected_option,
                                    load_disputes, pick_moments)

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def packages():
    return load_disputes()


def _right(moments):
    return {m.key: m.letter(expected_option(m.decision).id) for m in moments}


def test_moments_cover_every_dispute_before_repeating_one(packages):
    moments = pick_moments(packages, 6, seed=3)
    assert len(moments) == 6 and len({m.key for m in moments}) == 6
    first_five = {m.package.id for m in moments[:5]}
    assert first_five == {p.id for p in packages}
    assert moments[5].package.id == moments[0].package.id and moments[5].decision.id != moments[0].decision.id


def test_all_expected_answers_score_full_and_every_other_option_is_marked_wrong(packages):
    moments = pick_moments(packages, 6, seed=3)
    ex = dispute_steps_exercise(packages, seed=3, lang="en")
    assert ex.item == ITEM and list(ex.rows["key"]) == [m.key for m in moments]
    assert ex.score(_right(moments), "en").correct
    for m in moments:
        best = m.letter(expected_option(m.decision).id)
        for letter in (m.letter(o.id) for o in m.decision.options):
            ok, why = ex.marker(m.key, letter, "en")
            assert ok == (letter == best)
            if not ok:
                assert m.decision.option(m.order["ABCD".index(letter)]).consequence.en in why


def test_truth_follows_the_package_data_not_a_fixed_letter(tmp_path, packages):
    src = EXERCISES / "dispute-sold-my-data"
    dst = tmp_path / "dispute-sold-my-data"
    shutil.copytree(src, dst)
    text = (dst / "dispute.yaml").read_text("utf-8")
    # move D1's "expected" from the ledger option to asking sales
    text = text.replace("        points: 10\n        expected: true\n      - id: ask_sales", "        points: 10\n      - id: ask_sales", 1)
    text = text.replace("        points: 3\n", "        points: 3\n        expected: true\n", 1)
    (dst / "dispute.yaml").write_text(text, "utf-8")
    changed = load_package(dst)
    m = pick_moments([changed], 1, seed=3)[0]
    assert expected_option(m.decision).id == "ask_sales"
    ex = dispute_steps_exercise([changed], count=1, seed=3, lang="en")
    assert ex.marker(m.key, m.letter("ask_sales"), "en")[0]
    assert not ex.marker(m.key, m.letter("ledger"), "en")[0]


def test_a_miss_explains_with_the_expected_consequence_and_the_ending_debrief_in_both_languages(packages):
    ex = dispute_steps_exercise(packages, seed=3, lang="en")
    m = pick_moments(packages, 6, seed=3)[0]
    best = expected_option(m.decision)
    ending = expected_ending(m.package, 3)
    assert ending is not None and ending.id == "E-good"
    ok, why_en = ex.marker(m.key, None, "en")
    assert not ok and best.consequence.en in why_en and ending.debrief.en in why_en
    ok, why_zh = ex.marker(m.key, None, "zh-CN")
    assert not ok and best.consequence.zh in why_zh and ending.debrief.zh in why_zh


def test_option_order_is_shuffled_by_seed_and_reproducible(packages):
    orders = {s: tuple(m.order for m in pick_moments(packages, 6, seed=s)) for s in range(6)}
    assert orders[1] == tuple(m.order for m in pick_moments(packages, 6, seed=1))
    assert len(set(orders.values())) > 1
    letters = {m.letter(expected_option(m.decision).id) for s in range(6) for m in pick_moments(packages, 6, seed=s)}
    assert len(letters) > 1


def test_bad_count_and_empty_folder_give_one_line_errors(tmp_path, packages):
    with pytest.raises(DrillError, match="count"):
        pick_moments(packages, 0)
    with pytest.raises(DrillError, match="no dispute packages"):
        load_disputes(tmp_path)
