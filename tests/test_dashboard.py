"""The trainer's dashboard and the rehearsal class: exact tables from a hand-built store."""
import io
import math
import tempfile
import warnings

import pandas as pd
import pytest
from matplotlib.figure import Figure

from kitlib.learn import dashboard as dash
from kitlib.learn.bank import load_bank
from kitlib.learn.rehearsal import SIM_TAG, simulate_class, wrong_candidates
from kitlib.learn.modules import module as module_info
from kitlib.learn.store import ProgressStore, canonical


@pytest.fixture(autouse=True)
def course_of_module_00(monkeypatch):
    """The expected tables below are written for a course of module 00 alone."""
    monkeypatch.setattr(dash, "available", lambda: [module_info("00")])

A, B, C = "Anna 安娜", "白冰 Bai Bing", "陈晨 Chen Chen"
BANK = load_bank("00")


def answer(store, learner, item, response, seconds):
    result = BANK.question(item).check(response)
    store.record_attempt(learner, "00", item, result.response, result.correct, score=result.score, seconds=seconds)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    """Three learners; module 00 plus "x1", a module without a bank (an old or renamed one).

    relocation-duty (answer b): A right at once; B c then b; C c, a, then b.
    records-years (answer 3): A 10 then 3; B 10.0 then 3 (the same wrong answer as A's).
    x1/q-old: C "x" (wrong) then "y".  Completions: A 00 once; B 00 twice (the later counts).
    """
    s = ProgressStore(f"sqlite:///{tmp_path_factory.mktemp('dash') / 'progress.sqlite'}")
    answer(s, A, "relocation-duty", "b", 30)
    answer(s, B, "relocation-duty", "c", 40)
    answer(s, B, "relocation-duty", "b", 10)
    answer(s, C, "relocation-duty", "c", 50)
    answer(s, C, "relocation-duty", "a", 20)
    answer(s, C, "relocation-duty", "b", 10)
    answer(s, A, "records-years", 10, 25)
    answer(s, A, "records-years", 3, 5)
    answer(s, B, "records-years", 10.0, 15)
    answer(s, B, "records-years", "3", 5)
    s.record_attempt(C, "x1", "q-old", "x", False, seconds=12)
    s.record_attempt(C, "x1", "q-old", "y", True, seconds=8)
    s.record_completion(A, "00", score=0.5, seconds=600)
    s.record_completion(B, "00", score=0.2, seconds=300)
    s.record_completion(B, "00", score=0.4, seconds=500)
    return s


def rows(frame):
    """Records with NaN/NA as None, so whole tables compare with ==."""
    return [{k: (None if v is None or (not isinstance(v, (str, list, dict)) and pd.isna(v)) else v)
             for k, v in r.items()} for r in frame.to_dict("records")]


def test_default_modules_are_those_with_progress_plus_the_available_ones_in_course_order(store):
    assert list(dash.completion(store)["module"].unique()) == ["00", "x1"]


def test_completion_has_every_learner_by_module_with_latest_completion_and_share(store):
    table = dash.completion(store)
    assert list(table.columns) == dash.COMPLETION
    assert rows(table) == [
        {"learner": A, "module": "00", "status": "completed", "answered": 2, "questions": 5,
         "completed_at": table.loc[0, "completed_at"], "score": 0.5, "share_complete": 0.5},
        {"learner": A, "module": "x1", "status": "not_started", "answered": 0, "questions": None,
         "completed_at": None, "score": None, "share_complete": 0.5},
        {"learner": B, "module": "00", "status": "completed", "answered": 2, "questions": 5,
         "completed_at": store.completions(B)["completed_at"].iloc[-1], "score": 0.4, "share_complete": 0.5},
        {"learner": B, "module": "x1", "status": "not_started", "answered": 0, "questions": None,
         "completed_at": None, "score": None, "share_complete": 0.5},
        {"learner": C, "module": "00", "status": "started", "answered": 1, "questions": 5,
         "completed_at": None, "score": None, "share_complete": 0.0},
        {"learner": C, "module": "x1", "status": "started", "answered": 1, "questions": None,
         "completed_at": None, "score": None, "share_complete": 0.0},
    ]
    assert table.loc[0, "completed_at"] == store.completions(A)["completed_at"].iloc[0]


def test_completion_can_be_limited_to_chosen_modules(store):
    table = dash.completion(store, modules=["00"])
    assert list(table["module"]) == ["00"] * 3
    assert list(table["share_complete"]) == [1.0, 1.0, 0.0]


def test_completion_grid_reads_at_a_glance(store):
    grid = dash.completion_grid(store, lang="en")
    assert grid.loc[A].tolist() == ["✓ 50%", "–", "50%"]
    assert grid.loc[C].tolist() == ["… 1/5", "… 1", "0%"]
    assert grid.columns.tolist() == ["00", "x1", "share of modules this learner completed"]


def test_first_try_counts_learners_first_try_share_and_tries_to_right(store):
    table = dash.first_try(store, lang="en")
    assert list(table.columns) == dash.FIRST_TRY
    by_item = {r["item"]: r for r in rows(table)}
    assert list(by_item) == [q.id for q in BANK] + ["q-old"]       # bank order, then unknown items
    assert by_item["relocation-duty"] == {
        "module": "00", "item": "relocation-duty", "question": BANK.question("relocation-duty").text("en"),
        "kind": "single", "learners": 3, "first_try_right": 1, "first_try_share": 0.3333, "solved": 3,
        "mean_attempts_to_right": 2.0}
    assert {k: by_item["records-years"][k] for k in ("learners", "first_try_right", "first_try_share",
                                                      "solved", "mean_attempts_to_right")} == \
        {"learners": 2, "first_try_right": 0, "first_try_share": 0.0, "solved": 2, "mean_attempts_to_right": 2.0}
    assert by_item["deletion-grounds"]["learners"] == 0
    assert by_item["deletion-grounds"]["first_try_share"] is None
    assert by_item["q-old"] == {"module": "x1", "item": "q-old", "question": "q-old", "kind": None,
                                "learners": 1, "first_try_right": 0, "first_try_share": 0.0, "solved": 1,
                                "mean_attempts_to_right": 2.0}


def test_first_try_shows_the_question_in_the_chosen_language(store):
    zh = dash.first_try(store, lang="zh-CN").set_index("item")
    assert zh.loc["relocation-duty", "question"] == BANK.question("relocation-duty").text("zh-CN")


def test_common_wrong_answers_are_ranked_counted_and_readable(store):
    table = dash.common_wrong_answers(store, lang="en")
    assert list(table.columns) == dash.WRONG
    got = [(r["module"], r["item"], r["rank"], r["answer"], r["count"], r["share"]) for r in rows(table)]
    assert got == [
        ("00", "relocation-duty", 1, "Obtain new separate consent from every customer", 2, 0.6667),
        ("00", "relocation-duty", 2, "Art. 22: tell customers the recipient's name and contact details", 1, 0.3333),
        ("00", "records-years", 1, "10 years", 2, 1.0),        # 10 and 10.0 are one answer
        ("x1", "q-old", 1, '"x"', 1, 1.0),                      # no bank: the JSON text
    ]


def test_common_wrong_answers_keeps_only_the_top_ones_in_chinese_too(store):
    table = dash.common_wrong_answers(store, top=1, lang="zh-CN")
    assert table["rank"].tolist() == [1, 1, 1]
    assert table.loc[0, "answer"] == "重新取得每位客户的单独同意"
    assert table.loc[1, "answer"] == "10 年"


def test_time_spent_sums_answers_takes_latest_completion_and_room_median(store):
    table = dash.time_spent(store)
    assert list(table.columns) == dash.TIME
    assert rows(table) == [
        {"learner": A, "module": "00", "attempts": 3, "answer_seconds": 60.0, "completion_seconds": 600.0,
         "room_median_answer_seconds": 70.0, "room_median_completion_seconds": 550.0},
        {"learner": B, "module": "00", "attempts": 4, "answer_seconds": 70.0, "completion_seconds": 500.0,
         "room_median_answer_seconds": 70.0, "room_median_completion_seconds": 550.0},
        {"learner": C, "module": "00", "attempts": 3, "answer_seconds": 80.0, "completion_seconds": None,
         "room_median_answer_seconds": 70.0, "room_median_completion_seconds": 550.0},
        {"learner": C, "module": "x1", "attempts": 2, "answer_seconds": 20.0, "completion_seconds": None,
         "room_median_answer_seconds": 20.0, "room_median_completion_seconds": None},
    ]


def test_tables_accept_the_store_its_frames_or_a_pair(store):
    pair = (store.attempts(), store.completions())
    for source in (store, dash.frames(store), pair, {"attempts": pair[0], "completions": pair[1]}):
        pd.testing.assert_frame_equal(dash.first_try(source, lang="en"), dash.first_try(store, lang="en"))


def test_an_empty_store_gives_empty_tables_and_the_bank_questions(tmp_path):
    empty = ProgressStore(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    tables = dash.tables(empty, lang="en")
    assert tables["completion"].empty and tables["wrong_answers"].empty and tables["time_spent"].empty
    assert tables["first_try"]["item"].tolist() == [q.id for q in BANK]
    assert tables["first_try"]["learners"].tolist() == [0] * len(BANK)


def test_labelled_translates_headers_statuses_and_kinds(store):
    zh = dash.labelled(dash.completion(store), "zh-CN")
    assert list(zh.columns)[:3] == ["学员", "模块", "状态"]
    assert zh["状态"].tolist()[:2] == ["已完成", "未开始"]
    en = dash.labelled(dash.first_try(store, lang="en"), "en", display=True)
    assert en["kind"].tolist()[0] == "single choice"
    assert en["share right at the first try"].tolist()[:2] == ["33%", ""]       # nobody answered: blank
    assert en["mean attempts to get it right"].tolist()[:2] == [2.0, ""]


def test_export_csv_writes_utf8_bom_files_that_read_back_with_chinese(store, tmp_path):
    paths = dash.export_csv(store, tmp_path / "out", lang="zh-CN")
    assert [p.name for p in paths] == ["completion.csv", "first_try.csv", "wrong_answers.csv", "time_spent.csv"]
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == sorted(p.name for p in paths)  # no temp files
    for path in paths:
        assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    completion = pd.read_csv(paths[0], encoding="utf-8-sig")
    assert list(completion.columns)[:3] == ["学员", "模块", "状态"]
    assert completion["学员"].tolist()[2] == B
    wrong = pd.read_csv(paths[2], encoding="utf-8-sig")
    assert wrong.loc[0, "错误答案"] == "重新取得每位客户的单独同意"
    assert wrong.loc[0, "出现次数"] == 2


def test_export_csv_without_labels_keeps_the_column_names_and_replaces_old_files(store, tmp_path):
    (tmp_path / "completion.csv").write_text("old", "utf-8")
    paths = dash.export_csv(store, tmp_path, labels=False)
    assert pd.read_csv(paths[0], encoding="utf-8-sig").columns.tolist() == dash.COMPLETION


@pytest.mark.parametrize("lang", ["zh-CN", "en"])
def test_charts_return_three_figures_that_draw_without_warnings(store, tmp_path, lang):
    empty = ProgressStore(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    for source in (store, empty):
        with warnings.catch_warnings():
            warnings.simplefilter("error")
            figures = dash.charts(source, lang=lang)
            assert set(figures) == {"completion", "first_try", "time"}
            for fig in figures.values():
                assert isinstance(fig, Figure)
                fig.savefig(io.BytesIO(), format="png")
    assert figures["first_try"].axes[0].get_title() == dash.t("dash.chart.first_try_title", lang)


# -- the rehearsal class ---------------------------------------------------------------------

def sim_store(tmp_path, name, **options):
    s = ProgressStore(f"sqlite:///{tmp_path / name}")
    return s, simulate_class(s, **options)


def answers(s):
    a = s.attempts().sort_values(["learner", "module", "item", "attempt"])
    return [(r.learner, r.item, r.attempt, canonical(r.answer), r.correct, r.score, r.seconds)
            for r in a.itertuples()]


def test_simulate_class_is_reproducible_with_the_same_seed(tmp_path):
    one, report = sim_store(tmp_path, "one.sqlite", learners=12, seed=7)
    two, _ = sim_store(tmp_path, "two.sqlite", learners=12, seed=7)
    other, _ = sim_store(tmp_path, "other.sqlite", learners=12, seed=8)
    assert answers(one) == answers(two)
    assert answers(one) != answers(other)
    same = lambda s: s.completions().sort_values("learner")[["learner", "module", "score", "seconds"]]
    pd.testing.assert_frame_equal(same(one).reset_index(drop=True), same(two).reset_index(drop=True))
    assert report.attempts == len(one.attempts()) and report.completions == len(one.completions())
    assert all(name.endswith(SIM_TAG) for name in report.learners) and len(set(report.learners)) == 12


def test_simulated_answers_agree_with_question_check_and_scores_with_first_tries(tmp_path):
    s, report = sim_store(tmp_path, "sim.sqlite", learners=20, seed=3, complete_share=0.85)
    attempts = s.attempts()
    for r in attempts.itertuples():
        result = BANK.question(r.item).check(r.answer)
        assert (result.correct, result.score) == (r.correct, r.score), r
        assert canonical(result.response) == canonical(r.answer)
    per_question = attempts.groupby(["learner", "item"])
    assert per_question["attempt"].max().max() <= 4
    assert (per_question["correct"].sum() <= 1).all()                # retries stop once right
    assert not attempts["correct"].all() and attempts["correct"].any()
    assert (attempts["seconds"] > 0).all()
    completions = s.completions()
    assert len(completions) == round(0.85 * 20)
    first = attempts[attempts["attempt"] == 1].groupby("learner")["score"].sum()   # partial credit, as Module.complete
    for r in completions.itertuples():
        assert r.score == pytest.approx(round(first[r.learner] / len(BANK), 4), abs=1e-4)
        assert set(attempts.loc[attempts["learner"] == r.learner, "item"]) == {q.id for q in BANK}
    started = set(attempts["learner"]) - set(completions["learner"])
    assert len(started) == 20 - len(completions)                      # the others answered some
    assert set(attempts["learner"]) == set(report.learners)


def test_wrong_candidates_come_from_the_question_and_are_all_wrong():
    for q in BANK:
        candidates = wrong_candidates(q)
        assert candidates, q.id
        assert not any(q.check(c).correct for c in candidates)
    single = BANK.question("relocation-duty")
    assert sorted(wrong_candidates(single)) == sorted(o.id for o in single.options if o.id != single.answer)


def test_simulate_class_refuses_a_store_that_holds_progress(store):
    with pytest.raises(ValueError, match="already holds progress"):
        simulate_class(store, learners=2)


# -- the façade ------------------------------------------------------------------------------

def test_dashboard_facade_serves_the_tables_of_its_store(store, tmp_path):
    d = dash.Dashboard(store, lang="en")
    assert not d.empty and d.preview is None
    pd.testing.assert_frame_equal(d.first_try, dash.first_try(store, lang="en"))
    pd.testing.assert_frame_equal(d.wrong_answers, dash.common_wrong_answers(store, lang="en"))
    assert d.view("completion").columns[0] == "learner"
    assert "3 learners, 12 answers, 3 module completions." in repr(d)
    paths = d.export_csv(tmp_path / "csv")
    assert len(paths) == 4 and all(p.exists() for p in paths)


def test_dashboard_refresh_sees_new_answers(tmp_path):
    s = ProgressStore(f"sqlite:///{tmp_path / 'live.sqlite'}")
    d = dash.Dashboard(s)
    assert d.empty
    answer(s, A, "relocation-duty", "b", 5)
    assert d.empty and not d.refresh().empty


def test_open_dashboard_previews_a_simulated_class_when_the_store_is_empty_or_asked(tmp_path, monkeypatch,
                                                                                     store):
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    empty = ProgressStore(f"sqlite:///{tmp_path / 'empty.sqlite'}")
    d = dash.open_dashboard(store=empty, learners=8, lang="en")
    assert d.preview == dash.Preview("empty", empty.safe_url, 8, 0)
    assert d.store.url != empty.url and len(d.completion["learner"].unique()) == 8
    assert "Preview: the figures below come from 8 simulated learners" in repr(d)
    assert empty.learners() == []                                     # nothing written to the real store
    assert dash.open_dashboard(store=store).preview is None
    asked = dash.open_dashboard(preview=True, store=store, learners=3)
    assert asked.preview.reason == "asked" and not math.isnan(asked.first_try["first_try_share"].iloc[0])
