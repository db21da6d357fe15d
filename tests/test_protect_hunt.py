"""Module 02's access-log hunt: planted incidents among innocent people who also stand out."""
import pytest

from kitlib.learn.store import ProgressStore
from kitlib.protect.hunt import activity, answer_key, hunt_exercise
from kitlib.synth import generate
from kitlib.ui.choices import ChoiceGrid


@pytest.fixture(scope="module")
def hunt():
    case = generate(customers=2000, seed=20261129, scenario="dissolution")
    exercise, log = hunt_exercise(case, seed=1, lang="en")
    return case, exercise, log


def test_rows_mix_every_planted_person_with_innocent_standouts(hunt):
    case, exercise, _ = hunt
    key = answer_key(exercise, case, seed=1)
    assert sum(v == "normal" for v in key.values()) >= 2
    assert {"departed_account", "burst", "beyond_role"} <= set(key.values())


def test_the_answer_key_scores_full_marks(hunt):
    case, exercise, _ = hunt
    result = exercise.score(answer_key(exercise, case, seed=1), "en")
    assert result.correct and result.score == 1.0


def test_calling_everyone_normal_misses_each_incident_with_its_story(hunt):
    case, exercise, _ = hunt
    key = answer_key(exercise, case, seed=1)
    result = exercise.score({k: "normal" for k in key}, "en").rows.set_index("key")
    for who, verdict in key.items():
        assert result.loc[who, "ok"] == (verdict == "normal")
    departed = next(k for k, v in key.items() if v == "departed_account")
    assert "who left on" in result.loc[departed, "explanation"]


def test_calling_an_innocent_person_an_incident_is_explained_as_normal(hunt):
    case, exercise, _ = hunt
    key = answer_key(exercise, case, seed=1)
    innocent = next(k for k, v in key.items() if v == "normal")
    answers = dict(key, **{innocent: "volume_export"})
    rows = exercise.score(answers, "zh-CN").rows.set_index("key")
    assert not rows.loc[innocent, "ok"] and rows.loc[innocent, "explanation"].startswith("正常")


def test_details_show_the_figures_that_give_each_incident_away(hunt):
    _, exercise, log = hunt
    stats = activity(log)
    burst = stats["peak_10min"].idxmax()
    detail = exercise.rows.set_index("key").loc[burst, "detail"]
    assert f"at most {stats.loc[burst, 'peak_10min']} in 10 minutes" in detail


def test_widget_saves_the_hunt_as_an_attempt(hunt, tmp_path):
    case, exercise, _ = hunt
    store = ProgressStore(f"sqlite:///{tmp_path}/p.sqlite")
    widget = ChoiceGrid(exercise, store=store, learner="x", module="02", lang="en")
    widget.set_answers(answer_key(exercise, case, seed=1))
    assert widget.check().correct
    assert list(store.attempts("x", "02")["item"]) == ["access-hunt"]
