"""Module 01's labelling exercise: fifteen columns, marked against the catalogue, every miss explained."""
import pytest

from kitlib.learn import labelling
from kitlib.learn.store import ProgressStore
from kitlib.synth import generate
from kitlib.ui.labeller import ColumnLabeller


@pytest.fixture(scope="module")
def frame():
    return labelling.exercise(generate(customers=400, seed=8))


def truth(frame):
    return {f"{r.table}.{r.column}": {"tier": r.tier, "category": r.category} for r in frame.itertuples()}


def test_exercise_has_fifteen_columns_covering_every_tier(frame):
    assert len(frame) == 15
    assert set(frame["tier"]) == {"general", "sensitive", "core", "none"}
    assert all(len(examples) >= 1 for examples in frame["examples"])


def test_every_offered_option_has_a_label_in_both_languages(frame):
    tiers, categories = labelling.options(frame)
    assert set(frame["category"]) <= set(categories)
    for lang in ("zh-CN", "en"):
        assert all(labelling.tier_label(t, lang) for t in tiers)
        assert all(labelling.category_label(c, lang) for c in categories)


def test_all_right_scores_one_with_no_explanations(frame):
    result = labelling.score(frame, truth(frame), "en")
    assert result.correct and result.score == 1.0
    assert (result.rows["explanation"] == "").all()


def test_each_miss_is_marked_and_explained(frame):
    answers = truth(frame)
    answers["customers.bank_card"] = {"tier": "sensitive", "category": "financial_account"}   # tier wrong
    answers["customers.uscc"] = {"tier": "general", "category": "identity"}                  # both wrong
    result = labelling.score(frame, answers, "en")
    assert not result.correct and result.score == pytest.approx(27 / 30, abs=1e-4)
    rows = result.rows.set_index("column")
    assert "most critical tier" in rows.loc["customers.bank_card", "explanation"]
    assert "not personal information (PIPL Art. 4)" in rows.loc["customers.uscc", "explanation"]
    assert "category: organisation data" in rows.loc["customers.uscc", "explanation"]
    zh = labelling.score(frame, answers, "zh-CN").rows.set_index("column")
    assert "金融账户" in zh.loc["customers.bank_card", "explanation"]


def test_missing_answers_count_as_wrong(frame):
    assert labelling.score(frame, {}, "en").score == 0.0


def test_widget_marks_saves_and_counts_checks(frame, tmp_path):
    store = ProgressStore(f"sqlite:///{tmp_path}/p.sqlite")
    widget = ColumnLabeller(frame, store=store, learner="x", lang="en")
    widget.check()                                   # nothing chosen yet
    widget.set_answers(truth(frame))
    result = widget.check()
    assert result.correct and "All right." in widget.status.value and "Checks: 2" in widget.status.value
    rows = store.attempts("x", "01")
    assert list(rows["item"]) == ["column-labelling"] * 2
    assert list(rows["correct"]) == [False, True] and list(rows["attempt"]) == [1, 2]
    assert rows["answer"].iloc[-1]["tickets.text"] == {"tier": "sensitive", "category": "free_text"}
