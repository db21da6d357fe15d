"""A drill run shared across kernels (``kitlib.drills.live``, ``kitlib.ui.live``), on an SQLite file
and on a real PostgreSQL: the facilitator's process publishes, followers in this process rebuild
exactly what each role may see; no inject for another role or not yet released reaches a role,
or the store; a follower that starts late or loses the store catches up; bad input is one line.

The publishing process is forked from the test process and driven step by step through a pipe;
after every step it sends back what each role sees of its run in memory (``participant_board``),
which the followers here must rebuild from the store alone.
"""
from __future__ import annotations

import asyncio
import html
import multiprocessing as mp
import os
import re
import time
import traceback
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa

from kitlib.cli import main
from kitlib.drills import Run, SteppedClock, endings, load_package, play, script_to
from kitlib.drills.live import (Follower, LiveError, LiveStore, Publisher, metadata, new_run_id,
                                participant_board)
from kitlib.ui.console import FacilitatorConsole, ParticipantView, participant_html
from kitlib.ui.live import LiveParticipantView, participant_page

DATA = Path(__file__).parent / "data" / "drills"
FORK = mp.get_context("fork")
SEED = 3
ROLES = ("lead", "it", "legal")
# The facilitator's steps: nothing is released by the clock, so some injects stay unreleased.
STEPS = [("release", "I1"), ("advance", 5), ("decide", "D1", "isolate"), ("advance", 12),
         ("release", "I2"), ("note", "Legal asked for the vendor contract.", "legal"), ("end",)]


@pytest.fixture(autouse=True)
def in_tmp(tmp_path, monkeypatch):
    """The console's End writes its report to ./drill-reports: keep it out of the repository."""
    monkeypatch.chdir(tmp_path)


@pytest.fixture(scope="module")
def package():
    return load_package(DATA / "crm-mini")


@pytest.fixture(params=["sqlite", "postgresql"])
def url(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path}/live.sqlite"
    return request.getfixturevalue("pg_url")


@pytest.fixture
def sqlite_url(tmp_path):
    """For the widget's tests: the store code they go through is the same on both databases."""
    return f"sqlite:///{tmp_path}/live.sqlite"


def boards(run: Run) -> dict:
    return {role: participant_board(run, role) for role in ROLES}


def act(run: Run, step: tuple) -> None:
    name, *args = step
    if name == "advance":
        run.clock.advance_to(args[0])
    else:
        {"release": run.release, "decide": run.decide, "note": run.note, "end": run.end}[name](*args)


def _facilitator(url: str, run_id: str, pipe) -> None:
    """The facilitator's kernel: a run published to ``url``; one step per message."""
    try:
        run = Run(load_package(DATA / "crm-mini"), SEED, clock=SteppedClock())
        publisher = Publisher(run, url, run_id=run_id)
        pipe.send(("ready", boards(run)))
        while (step := pipe.recv()) != ("stop",):
            act(run, step)
            publisher.sync()
            pipe.send(("done", boards(run)))
        publisher.close()
    except BaseException:
        pipe.send(("error", traceback.format_exc()))
    finally:
        os._exit(0)


@contextmanager
def facilitator_process(url: str, run_id: str):
    ours, theirs = FORK.Pipe()
    process = FORK.Process(target=_facilitator, args=(url, run_id, theirs))
    process.start()

    def step(message: tuple) -> dict:
        ours.send(message)
        return answer()

    def answer() -> dict:
        assert ours.poll(60), "the facilitator's process did not answer"
        status, value = ours.recv()
        assert status != "error", value
        return value
    try:
        yield answer(), step
    finally:
        if process.is_alive():
            ours.send(("stop",))
        process.join(30)


def shown_ids(board: dict) -> list[str]:
    return [i["id"] for i in board["injects"]]


# -- two processes -------------------------------------------------------------------------------

def test_followers_in_another_process_rebuild_exactly_what_each_role_sees(url, package):
    run_id = new_run_id()
    with facilitator_process(url, run_id) as (first, step):
        followers = {role: Follower(url, run_id, role) for role in ROLES}
        for role, follower in followers.items():
            follower.poll()
            assert follower.board() == first[role] and follower.board()["injects"] == []
        for action in STEPS:
            expected = step(action)
            for role, follower in followers.items():
                follower.poll()
                assert follower.board() == expected[role], f"{role} after {action}"
    final = {role: f.board() for role, f in followers.items()}
    for role, board in final.items():
        assert all(role in package.inject(i).recipients for i in shown_ids(board))
        assert board["ended"] and board["decisions"] == []
        assert [o["id"] for o in board["outcomes"]] == ["D1"]           # a decision is seen by every role
    assert shown_ids(final["it"]) == ["I2", "I1"]                        # newest first
    assert shown_ids(final["lead"]) == ["I2", "I3"] and shown_ids(final["legal"]) == []
    first_inject = final["it"]["injects"][-1]
    assert first_inject["text"] == package.inject("I1").text.to_dict() and first_inject["t"] == 0
    for follower in followers.values():
        follower.close()


def test_a_follower_that_starts_late_sees_everything_so_far(url):
    run_id = new_run_id()
    with facilitator_process(url, run_id) as (_, step):
        for action in STEPS[:5]:
            expected = step(action)
        late = Follower(url, run_id, "lead")
        assert late.poll()
        assert late.board() == expected["lead"]
        assert shown_ids(late.board()) == ["I2", "I3"] and not late.ended
    late.close()


def test_the_participant_sees_the_open_decision_that_is_its_own_and_not_anothers(url):
    run_id = new_run_id()
    with facilitator_process(url, run_id) as (_, step):
        step(("advance", 5))                                        # D1 (for IT) opens at minute 5
        it, legal = Follower(url, run_id, "it"), Follower(url, run_id, "legal")
        it.poll(), legal.poll()
        assert [d["id"] for d in it.board()["decisions"]] == ["D1"]
        assert it.board()["decisions"][0]["prompt"]["en"] == "Disable the account now?"
        assert legal.board()["decisions"] == [] and legal.board()["now"] == 5
        step(("decide", "D1", "isolate"))
        it.poll()
        assert it.board()["decisions"] == []
    it.close(), legal.close()


def test_a_disputes_ending_and_its_debrief_reach_every_role_its_inject_only_the_recipients(url):
    dispute = load_package(Path(__file__).parents[1] / "exercises" / "dispute-sold-my-data")
    ending = endings(dispute)[0]
    run = play(dispute, SEED, script_to(dispute, SEED, ending))           # a finished run, published at once
    publisher = Publisher(run, url)
    for role in (r.id for r in run.package.roles):
        follower = Follower(url, publisher.run_id, role)
        follower.poll()
        board = follower.board()
        assert board == participant_board(run, role) and board["ended"]
        shown = [o for o in board["outcomes"] if o["kind"] == "ending"]
        assert [o["id"] for o in shown] == [ending]
        assert shown[0]["debrief"] == dispute.inject(ending).debrief.to_dict()
        assert (ending in shown_ids(board)) == (role in dispute.inject(ending).recipients)
        assert [o["id"] for o in board["outcomes"] if o["kind"] == "decision"] == list(run.decided)
        page = html.unescape(participant_html(board, "en"))
        assert f"Ending: {dispute.inject(ending).title.en}" in page
        assert dispute.inject(ending).debrief.en in page
        follower.close()
    publisher.close()


# -- what the store holds --------------------------------------------------------------------------

def _all_text(url: str) -> str:
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    try:
        with engine.connect() as conn:
            return "\n".join(" | ".join(str(value) for value in row) for table in metadata.sorted_tables
                             for row in conn.execute(sa.select(table)))
    finally:
        engine.dispose()


def test_no_unreleased_inject_nor_a_notes_text_ever_reaches_the_store(url, package):
    run = Run(package, SEED, clock=SteppedClock())
    publisher = Publisher(run, url)
    for action in STEPS:
        act(run, action)
        publisher.sync()
        stored = _all_text(url)
        for inject in run.package.injects:
            released = inject.id in run.released
            for text in (inject.text.en, inject.text.zh, inject.title.en):
                assert (text in stored) == released, f"{inject.id} after {action}: released={released}"
    unreleased = {i.id for i in run.package.injects} - set(run.released)
    assert unreleased                                                 # the steps leave some unreleased
    assert "vendor contract" not in _all_text(url)                    # a note's free text stays in the kernel
    publisher.close()


def test_a_role_reads_only_injects_addressed_to_it_straight_from_the_store(url, package):
    run = Run(package, SEED, clock=SteppedClock())
    publisher = Publisher(run, url)
    for action in STEPS:
        act(run, action)
    publisher.sync()
    store = LiveStore(url, create=False)
    for role in ROLES:
        records = store.read(publisher.run_id, role, 0)["records"]
        injects = [r["payload"]["id"] for r in records if r["kind"] == "inject"]
        assert injects == [e["id"] for e in run.events if e["kind"] == "inject" and role in e["recipients"]]
        assert {r["kind"] for r in records} <= {"start", "inject", "decision", "ending", "end"}
    store.close(), publisher.close()


def test_each_event_is_stored_once_under_the_engines_sequence_even_when_synced_twice(url, package):
    run = Run(package, SEED, clock=SteppedClock())
    publisher = Publisher(run, url)
    act(run, STEPS[0])
    assert publisher.sync() == 1 and publisher.sync() == 0
    for action in STEPS[1:]:
        act(run, action)
    assert publisher.sync() == len(run.events) - 2
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        seqs = conn.execute(sa.text("SELECT seq FROM live_events WHERE run_id = :r ORDER BY seq"),
                            {"r": publisher.run_id}).scalars().all()
    engine.dispose()
    assert seqs == [e["seq"] for e in run.events] == list(range(1, len(run.events) + 1))
    publisher.close()


# -- ids and bad input ------------------------------------------------------------------------------

def test_run_ids_are_random_and_a_taken_id_is_refused(sqlite_url, package):
    ids = {new_run_id() for _ in range(500)}
    assert len(ids) == 500 and all(re.fullmatch(r"[A-Za-z0-9_-]{16}", i) for i in ids)
    first = Publisher(Run(package, SEED), sqlite_url)
    with pytest.raises(LiveError, match=f"run id '{first.run_id}' is already used by another run"):
        Publisher(Run(package, SEED), sqlite_url, run_id=first.run_id)
    first.close()


def test_bad_run_id_unknown_run_or_role_and_missing_store_are_one_line_errors(url, package, tmp_path):
    publisher = Publisher(Run(package, SEED), url)
    cases = [(("x y",), "run id must be the code the facilitator's console shows"),
             ((new_run_id(),), "no live run"),
             ((publisher.run_id, "ceo"), r"unknown role 'ceo' for run .* \(one of: lead, it, legal\)")]
    for args, message in cases:
        run_id, role = (args + ("it",))[:2]
        with pytest.raises(LiveError, match=message) as raised:
            Follower(url, run_id, role)
        assert "\n" not in str(raised.value) and isinstance(raised.value, ValueError)
    with pytest.raises(LiveError, match="no live store at .*nowhere.sqlite"):
        Follower(f"sqlite:///{tmp_path}/nowhere.sqlite", publisher.run_id, "it")
    assert not (tmp_path / "nowhere.sqlite").exists()                # a typo does not create a store
    publisher.close()


def test_kit_exercise_join_refuses_an_unknown_role_in_one_line_before_serving(sqlite_url, package, capsys):
    publisher = Publisher(Run(package, SEED), sqlite_url)
    code = main(["exercise", "join", "--run", publisher.run_id, "--role", "ceo", "--store", sqlite_url, "--no-browser"])
    err = capsys.readouterr().err.strip().splitlines()
    assert code == 2 and len(err) == 1
    assert err[0].startswith("kit exercise join: error: unknown role 'ceo'")
    publisher.close()


# -- losing the store and coming back (PostgreSQL: connections refused, then allowed again) --------

@contextmanager
def outage(pg_url: str):
    """The database refuses connections and every open one is cut, until the block ends."""
    name = sa.engine.make_url(pg_url).database
    admin = sa.create_engine(sa.engine.make_url(pg_url).set(database="postgres"), isolation_level="AUTOCOMMIT",
                             poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.execute(sa.text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                             "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": name})
    try:
        yield
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')
        admin.dispose()


def test_after_losing_the_store_both_sides_catch_up_and_nothing_is_lost(pg_url, package):
    run = Run(package, SEED, clock=SteppedClock())
    console = FacilitatorConsole(run, lang="en", auto_release=False, publish=pg_url)
    view = LiveParticipantView(pg_url, console.publisher.run_id, "it", lang="en", start=False)
    console.release_buttons["I1"].click()
    assert view.poll() and shown_ids(view.follower.board()) == ["I1"]
    with outage(pg_url):
        console.release_buttons["I2"].click()                         # released in the kernel ...
        assert "I2" in run.released
        assert "Could not publish to the live store" in console.status.value   # ... not yet shared
        assert view.poll() is False
        assert "Lost the connection to the live store" in view.status.value
        assert "data-inject='I1'" in view.board.value                 # what was seen stays on screen
    console.advance(5)                                                # the next action publishes everything
    assert "Could not publish" not in console.status.value
    assert view.poll()
    assert view.follower.board() == participant_board(run, "it")
    assert shown_ids(view.follower.board()) == ["I2", "I1"] and "Lost the connection" not in view.status.value
    view.close(), console.close()


# -- the widget ------------------------------------------------------------------------------------

def test_live_view_shows_exactly_what_the_in_kernel_participant_view_shows(sqlite_url, package):
    run = Run(package, SEED, clock=SteppedClock())
    console = FacilitatorConsole(run, lang="en", auto_release=False, publish=sqlite_url)
    assert console.publisher.run_id in console.live_label.value
    assert f"kit exercise join --run {console.publisher.run_id} --role ROLE" in console.live_label.value
    local = {role: ParticipantView(run, role, lang="en") for role in ROLES}
    live = {role: LiveParticipantView(sqlite_url, console.publisher.run_id, role, lang="en", start=False) for role in ROLES}
    console.release_buttons["I1"].click()
    console.advance(5)
    option, _, button = console.decision_controls["D1"]
    option.value = "isolate"
    button.click()
    for role in ROLES:
        live[role].poll()
        assert live[role].board.value == local[role].board.value, role
    assert "Decisions taken" in live["legal"].board.value and "The export stops." in live["legal"].board.value
    live["it"].set_lang("zh-CN"), local["it"].set_lang("zh-CN")
    assert live["it"].board.value == local["it"].board.value and "客户管理系统在18:42" in live["it"].board.value
    for widget in (*live.values(), *local.values(), console):
        widget.close()


def _wait(condition, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "the condition was not met in time"
        time.sleep(0.05)


def test_background_polling_in_a_thread_shows_a_release_and_stops_when_the_run_ends(sqlite_url, package):
    run = Run(package, SEED, clock=SteppedClock())
    console = FacilitatorConsole(run, lang="en", auto_release=False, publish=sqlite_url)
    view = LiveParticipantView(sqlite_url, console.publisher.run_id, "it", lang="en", poll_seconds=0.1)
    assert view.polling and view._thread is not None                   # no event loop here: a thread
    assert "No message yet." in view.board.value
    console.release_buttons["I1"].click()
    _wait(lambda: "The CRM logged a full export at 18:42." in view.board.value)
    console.end()
    _wait(lambda: not view.polling)
    assert "The exercise has ended; no more updates." in view.status.value
    view.close(), console.close()


def test_background_polling_on_a_running_event_loop_is_a_task_and_stops_when_closed(sqlite_url, package):
    run = Run(package, SEED, clock=SteppedClock())
    publisher = Publisher(run, sqlite_url)

    async def follow() -> LiveParticipantView:
        view = LiveParticipantView(sqlite_url, publisher.run_id, "legal", lang="en", poll_seconds=0.1)
        assert view._task is not None and view._thread is None         # in a kernel: a task on its loop
        run.clock.advance_to(5)
        run.decide("D1", "isolate")
        act(run, ("advance", 12))
        run.release_due()                                               # I4 (legal) came due at minute 10
        publisher.sync()
        for _ in range(600):
            if "data-inject='I4'" in view.board.value:
                break
            await asyncio.sleep(0.05)
        view.close()
        await asyncio.sleep(0.2)
        assert not view.polling
        return view
    view = asyncio.run(follow())
    assert "A customer received a text message" in view.board.value and "Containment" in view.board.value
    publisher.close()


def test_the_participant_page_takes_run_and_role_from_the_environment_before_the_address(sqlite_url, package):
    publisher = Publisher(Run(package, SEED), sqlite_url)
    env = {"KIT_LIVE_URL": sqlite_url, "KIT_LIVE_RUN": publisher.run_id, "KIT_LIVE_ROLE": "it",
           "QUERY_STRING": "role=legal"}
    page = participant_page(lang="en", environ=env)
    assert isinstance(page, LiveParticipantView) and page.role == "it"  # the address cannot switch roles
    page.close()
    page = participant_page(lang="en", environ={"KIT_LIVE_URL": sqlite_url,
                                                "QUERY_STRING": f"run={publisher.run_id}&role=legal"})
    assert page.role == "legal" and page.run_id == publisher.run_id
    page.close()
    missing = participant_page(lang="en", environ={"KIT_LIVE_URL": sqlite_url})
    assert "No run id or role" in missing.value
    wrong = participant_page(lang="en", environ={**env, "KIT_LIVE_ROLE": "ceo"})
    assert "Cannot join the exercise: unknown role 'ceo'" in html.unescape(wrong.value)
    assert "Traceback" not in wrong.value
    publisher.close()
