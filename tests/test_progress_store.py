"""The progress store, on SQLite and on a real PostgreSQL: every field round-trips, bad input is a
clear StoreError, the default location, a kernel killed mid-answer loses at most that answer,
and 30 learners writing at once lose nothing.

Writer processes are forked from the test process (everything already imported), so a
30-process run costs process creation and the writes, not 30 interpreter start-ups.
"""
from __future__ import annotations

import json
import multiprocessing as mp
import os
import random
import re
import signal
import sqlite3
import time
import traceback
from datetime import datetime, timedelta, timezone

import pytest
import sqlalchemy as sa

from kitlib.learn import store as store_module
from kitlib.learn.store import ProgressStore, StoreError, default_url

FORK = mp.get_context("fork")
ISO_UTC = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z")
NAME = "张三 Zhang San"


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    """An empty store location: an SQLite file, or a fresh database on the session's PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/progress.sqlite"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def store(url):
    s = ProgressStore(url)
    yield s
    s.close()


def _raw(url: str, table: str) -> list[dict]:
    """Rows exactly as stored, read with a connection of our own."""
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return [dict(r) for r in conn.execute(sa.select(store_module.TABLES[table])).mappings()]
    finally:
        engine.dispose()


def _parse(stamp: str) -> datetime:
    return datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)


# -- what a row holds --------------------------------------------------------------------------

def test_recorded_attempt_round_trips_every_field(store, url):
    answer = {"选项": ["A", "C"], "理由": "须取得个人的单独同意", "detail": {"法条": 23, "ok": True}}
    started = "2025-03-01T08:00:00.000000Z"
    before = datetime.now(timezone.utc)
    made = store.record_attempt(NAME, "03", "q-consent", answer, False, score=0.5, seconds=42.5,
                                started_at=started)
    after = datetime.now(timezone.utc)

    frame = store.attempts()
    assert len(frame) == 1
    row = frame.iloc[0].to_dict()
    assert row["id"] == made.id
    assert (row["learner"], row["module"], row["item"], row["attempt"]) == (NAME, "03", "q-consent", 1)
    assert row["answer"] == answer
    assert not row["correct"]
    assert (row["score"], row["seconds"]) == (0.5, 42.5)
    assert row["started_at"] == started
    assert ISO_UTC.fullmatch(row["answered_at"]) and row["answered_at"] == made.answered_at
    assert before - timedelta(seconds=1) <= _parse(row["answered_at"]) <= after + timedelta(seconds=1)

    stored = _raw(url, "attempts")[0]
    assert stored["answer"] == '{"detail":{"ok":true,"法条":23},"理由":"须取得个人的单独同意","选项":["A","C"]}'
    assert stored["correct"] is False
    assert store.learners() == [NAME]


@pytest.mark.parametrize("answer", ["B", ["A", "D"], {"a": {"b": [1, 2.5, None]}}, 3, None, True, "个人信息"],
                         ids=["text", "list", "nested-dict", "number", "null", "bool", "chinese"])
def test_every_kind_of_answer_comes_back_as_given(tmp_path, answer):
    store = ProgressStore(f"sqlite:///{tmp_path}/p.sqlite")
    store.record_attempt(NAME, "00", "q1", answer, True)
    assert store.attempts()["answer"].tolist() == [answer]
    store.close()


def test_score_defaults_to_correctness_and_started_at_to_answer_time(store):
    right = store.record_attempt(NAME, "00", "q1", "A", True)
    wrong = store.record_attempt(NAME, "00", "q2", "B", False)
    assert (right.score, wrong.score) == (1.0, 0.0)
    frame = store.attempts().set_index("item")
    assert frame.loc["q1", "started_at"] == frame.loc["q1", "answered_at"]


def test_attempt_numbers_count_per_learner_module_and_item(store):
    numbers = [store.record_attempt(NAME, "00", "q1", n, n == 2).attempt for n in range(3)]
    assert numbers == [1, 2, 3]
    assert store.record_attempt(NAME, "00", "q2", "x", True).attempt == 1           # other item
    assert store.record_attempt("李四 Li Si", "00", "q1", "x", True).attempt == 1   # other learner
    assert store.record_attempt(NAME, "01", "q1", "x", True).attempt == 1           # other module
    assert store.record_attempt(NAME, "00", "q1", "again", True).attempt == 4
    frame = store.attempts(learner=NAME, module="00")
    assert sorted(frame[frame["item"] == "q1"]["attempt"]) == [1, 2, 3, 4]


def test_completion_records_score_seconds_and_utc_time(store):
    stamp = store.record_completion(NAME, "00", score=0.75, seconds=600)
    store.record_completion("李四 Li Si", "00")
    frame = store.completions(learner=NAME)
    assert frame[["learner", "module", "score", "seconds", "completed_at"]].values.tolist() == \
        [[NAME, "00", 0.75, 600.0, stamp]]
    assert ISO_UTC.fullmatch(stamp)
    other = store.completions(learner="李四 Li Si").iloc[0]
    assert other["score"] is None or other["score"] != other["score"]   # null (None or NaN)


# -- bad input -----------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs, words", [
    ({"learner": ""}, "learner must be a non-empty text"),
    ({"learner": "   "}, "learner must be a non-empty text"),
    ({"learner": None}, "learner must be a non-empty text"),
    ({"module": ""}, "module must be a non-empty text"),
    ({"item": "q" * 81}, "item is longer than 80 characters"),
    ({"score": 1.5}, "score must be between 0 and 1, got 1.5"),
    ({"score": -0.1}, "score must be between 0 and 1, got -0.1"),
], ids=["empty-learner", "blank-learner", "no-learner", "empty-module", "long-item", "score-high", "score-low"])
def test_bad_answer_is_refused_with_a_clear_store_error_and_nothing_written(store, kwargs, words):
    call = {"learner": NAME, "module": "00", "item": "q1", "answer": "A", "correct": True, **kwargs}
    with pytest.raises(StoreError) as err:
        store.record_attempt(**call)
    assert words in str(err.value) and "\n" not in str(err.value)
    assert store.attempts().empty


def test_empty_learner_completion_is_refused(store):
    with pytest.raises(StoreError, match="learner must be a non-empty text"):
        store.record_completion(" ", "00")
    assert store.completions().empty


@pytest.mark.parametrize("bad", ["not a url", "postgresql://kit:s3cret@trainer:notaport/kit",
                                 "nosuchdb://kit:s3cret@host/kit"], ids=["garbage", "bad-port", "unknown-kind"])
def test_bad_url_is_a_one_line_store_error_naming_kit_progress_url(bad):
    with pytest.raises(StoreError) as err:
        ProgressStore(bad)
    message = str(err.value)
    assert message.startswith("KIT_PROGRESS_URL: ") and "\n" not in message
    assert "s3cret" not in message


def test_unreachable_postgresql_is_a_one_line_error_with_the_password_hidden():
    started = time.monotonic()
    with pytest.raises(StoreError) as err:
        ProgressStore("postgresql+psycopg://kit:s3cret@127.0.0.1:1/kit")   # nothing listens on port 1
    message = str(err.value)
    assert message.startswith("cannot open the progress store at postgresql+psycopg://kit:***@127.0.0.1:1/kit: ")
    assert "s3cret" not in message and "\n" not in message
    assert time.monotonic() - started < 10


def test_unwritable_sqlite_folder_is_a_store_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    with pytest.raises(StoreError, match="cannot create the folder for the progress store"):
        ProgressStore(f"sqlite:///{blocker}/sub/p.sqlite")


# -- where the store is --------------------------------------------------------------------------

@pytest.fixture
def fake_user_dir(monkeypatch, tmp_path):
    """platformdirs pointed at a temporary folder, so the real user data dir is never touched."""
    import platformdirs

    calls = []

    def user_data_dir(appname=None, appauthor=None, *args, **kwargs):
        calls.append((appname, appauthor))
        return str(tmp_path / "userdata" / appname)

    monkeypatch.setattr(platformdirs, "user_data_dir", user_data_dir)
    monkeypatch.delenv("KIT_DATA_DIR", raising=False)   # the test run's own folder (conftest) aside
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "xdg"))
    return tmp_path / "userdata" / "kit", calls


def test_kit_progress_url_wins_over_the_user_data_dir(monkeypatch, fake_user_dir, tmp_path):
    wanted = f"sqlite:///{tmp_path}/workshop.sqlite"
    monkeypatch.setenv("KIT_PROGRESS_URL", f"  {wanted} ")
    assert default_url() == wanted
    store = ProgressStore()
    store.record_attempt(NAME, "00", "q1", "A", True)
    store.close()
    assert (tmp_path / "workshop.sqlite").is_file()
    assert not fake_user_dir[0].exists() and fake_user_dir[1] == []


def test_kit_data_dir_moves_the_default_store(monkeypatch, tmp_path):
    monkeypatch.delenv("KIT_PROGRESS_URL", raising=False)
    monkeypatch.setenv("KIT_DATA_DIR", str(tmp_path / "kit"))
    assert default_url() == f"sqlite:///{tmp_path / 'kit' / 'progress.sqlite'}"


@pytest.mark.parametrize("env", [None, "", "   "], ids=["unset", "empty", "blank"])
def test_without_kit_progress_url_the_store_is_sqlite_in_the_user_data_dir(monkeypatch, fake_user_dir, env):
    folder, calls = fake_user_dir
    if env is None:
        monkeypatch.delenv("KIT_PROGRESS_URL", raising=False)
    else:
        monkeypatch.setenv("KIT_PROGRESS_URL", env)
    assert default_url() == f"sqlite:///{folder / 'progress.sqlite'}"
    assert calls == [("kit", "kitlib")]
    store = ProgressStore()                       # creates the folder on first use
    store.record_attempt(NAME, "00", "q1", "A", True)
    store.close()
    assert (folder / "progress.sqlite").is_file()


# -- a kernel killed mid-answer ------------------------------------------------------------------

def _answer_until_killed(url: str, learner: str, start: int, ack_fd: int) -> None:
    """Record answers n = start, start+1, ... for ever; after each commit write "n" to the pipe."""
    store = ProgressStore(url)
    n = start
    while True:
        store.record_attempt(learner, "00", f"q{n % 3}", {"n": n, "说明": "同意" * (n % 4)}, n % 2 == 0,
                             score=(n % 5) / 4, seconds=float(n))
        os.write(ack_fd, f"{n}\n".encode())
        n += 1


def _check_complete_and_consecutive(rows: list[dict], learner: str) -> None:
    for row in rows:
        assert all(row[c] is not None for c in row), row
        assert row["learner"] == learner and row["module"] == "00"
        n = json.loads(row["answer"])["n"]
        assert row["item"] == f"q{n % 3}" and row["seconds"] == float(n) and row["score"] == (n % 5) / 4
        assert bool(row["correct"]) == (n % 2 == 0)
        assert ISO_UTC.fullmatch(row["answered_at"]) and ISO_UTC.fullmatch(row["started_at"])
    assert sorted(json.loads(r["answer"])["n"] for r in rows) == list(range(len(rows)))
    for item in ("q0", "q1", "q2"):
        numbers = sorted(r["attempt"] for r in rows if r["item"] == item)
        assert numbers == list(range(1, len(numbers) + 1)), (item, numbers)


def test_kernel_killed_mid_answer_loses_at_most_that_answer(url):
    ProgressStore(url).close()                    # tables exist before the first child starts
    seed = random.randrange(1_000_000)
    rng = random.Random(seed)
    learner = "被中断的学员 Killed Learner"
    total_acked = 0
    landed_unacked = 0
    for round_ in range(6):
        before = len(_raw(url, "attempts"))
        read_fd, write_fd = os.pipe()
        child = FORK.Process(target=_answer_until_killed, args=(url, learner, before, write_fd), daemon=True)
        child.start()
        os.close(write_fd)
        with os.fdopen(read_fd, "rb") as acks:
            for _ in range(3):                     # let it get going, then kill it at a random moment
                assert acks.readline(), f"writer died on its own (exit {child.exitcode}); seed {seed}"
            time.sleep(rng.uniform(0, 0.25))
            os.kill(child.pid, signal.SIGKILL)
            child.join(10)
            acked = 3 + len(acks.read().splitlines())
        assert child.exitcode == -signal.SIGKILL

        if url.startswith("sqlite"):
            path = sa.engine.make_url(url).database
            with sqlite3.connect(path) as check:
                assert check.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        rows = _raw(url, "attempts")
        new = len(rows) - before
        assert new in (acked, acked + 1), f"round {round_}: {acked} acknowledged, {new} rows; seed {seed}"
        landed_unacked += new - acked
        total_acked += acked
        _check_complete_and_consecutive(rows, learner)
    print(f"\nkills: 6, answers acknowledged: {total_acked}, in-flight answers that landed anyway: "
          f"{landed_unacked} (seed {seed})")

    # the store still works, and numbering carries on where the killed writers stopped
    store = ProgressStore(url)
    count = len(_raw(url, "attempts"))
    item = f"q{count % 3}"
    expected = sum(1 for r in _raw(url, "attempts") if r["item"] == item) + 1
    assert store.record_attempt(learner, "00", item, {"n": count}, True).attempt == expected
    store.close()
    assert total_acked >= 6 * 3 and landed_unacked <= 6


# -- many learners at once -----------------------------------------------------------------------

WRITERS = 30
ANSWERS = 20


def _learner_session(url: str, learner: str, barrier, results) -> None:
    """One learner's notebook: open the store, 20 answers over 4 items, complete the module."""
    try:
        barrier.wait(60)
        store = ProgressStore(url)
        for n in range(ANSWERS):
            store.record_attempt(learner, "00", f"q{n % 4}", {"n": n, "学员": learner}, n % 3 == 0,
                                 seconds=1.5)
        store.record_completion(learner, "00", score=0.5, seconds=30.0)
        store.close()
        results.put((learner, "ok"))
    except BaseException:
        results.put((learner, traceback.format_exc()))


def _run_at_once(target, args_list: list[tuple], timeout: float = 240) -> float:
    """Start one forked process per args behind a shared barrier; the seconds until all are done."""
    barrier = FORK.Barrier(len(args_list))
    results = FORK.Queue()
    procs = [FORK.Process(target=target, args=(*args, barrier, results), daemon=True) for args in args_list]
    started = time.monotonic()
    try:
        for p in procs:
            p.start()
        outcomes = [results.get(timeout=timeout) for _ in procs]
        for p in procs:
            p.join(30)
    finally:
        for p in procs:
            if p.is_alive():
                p.kill()
    elapsed = time.monotonic() - started
    failed = [f"{who}:\n{what}" for who, what in outcomes if what != "ok"]
    assert not failed, failed[0]
    assert all(p.exitcode == 0 for p in procs)
    return elapsed


def test_thirty_learners_writing_at_once_lose_nothing(url, record_property):
    """30 processes open the same fresh store at the same moment and write; every row arrives."""
    names = [f"学员{i:02d} Learner {i}" for i in range(WRITERS)]
    elapsed = _run_at_once(_learner_session, [(url, name) for name in names])
    record_property("writers_seconds", round(elapsed, 2))
    print(f"\n{WRITERS} writers on {url.split(':')[0]}: {elapsed:.1f} s")

    rows = _raw(url, "attempts")
    assert len(rows) == WRITERS * ANSWERS
    assert len({r["id"] for r in rows}) == len(rows)
    done = _raw(url, "completions")
    assert sorted(r["learner"] for r in done) == sorted(names)
    assert {(r["score"], r["seconds"]) for r in done} == {(0.5, 30.0)}
    store = ProgressStore(url)
    assert store.learners() == sorted(names)
    store.close()
    for name in names:
        mine = [r for r in rows if r["learner"] == name]
        assert sorted(json.loads(r["answer"])["n"] for r in mine) == list(range(ANSWERS))
        for item in ("q0", "q1", "q2", "q3"):
            assert sorted(r["attempt"] for r in mine if r["item"] == item) == [1, 2, 3, 4, 5]
            answers = sorted((r["attempt"], json.loads(r["answer"])["n"]) for r in mine if r["item"] == item)
            assert [n for _, n in answers] == sorted(n for _, n in answers)   # numbered in answer order


def _same_learner_session(url: str, writer: int, barrier, results) -> None:
    try:
        store = ProgressStore(url)
        barrier.wait(60)
        for n in range(10):
            store.record_attempt(NAME, "00", "q1", {"writer": writer, "n": n}, True)
        store.close()
        results.put((writer, "ok"))
    except BaseException:
        results.put((writer, traceback.format_exc()))


def test_one_learner_in_several_kernels_at_once_gets_unique_attempt_numbers(url):
    ProgressStore(url).close()
    _run_at_once(_same_learner_session, [(url, w) for w in range(6)])
    rows = _raw(url, "attempts")
    assert sorted(r["attempt"] for r in rows) == list(range(1, 61))
    for writer in range(6):   # each kernel's own answers are numbered in the order it gave them
        mine = sorted((r["attempt"], json.loads(r["answer"])) for r in rows
                      if json.loads(r["answer"])["writer"] == writer)
        assert [a["n"] for _, a in mine] == list(range(10))
