"""Module 01 in JupyterLab, in Chromium, as a learner meets it.

JupyterLab serves a copy of the repository's ``notebooks/`` folder (the real one is never written
to); module 01 opens; Run > Run All Cells; every code cell gets an execution count, the kernel goes
idle, and no cell has an error output (read from the notebook model and from the page).  Then the
quiz is answered with the mouse: a wrong option and "Check answer" shows "Not yet", the right
option shows "Correct"; the progress store (an SQLite file in ``tmp_path``, through
``KIT_PROGRESS_URL``) holds both attempts for the test learner, module 01, that question, with
the right correctness.  The expected answers come from bank 01, not from this file.
"""
from __future__ import annotations

import re
import shutil

import pytest

from kitlib.learn.bank import load_bank
from kitlib.learn.store import ProgressStore
from servers import (BROWSER, LAB_ALL_EXECUTED, LAB_CELLS, LAB_PROBE, LEARNER, REPO, RENDER_TIMEOUT, environment,
                     lab_args, run_all_cells, serve, settle)

pytestmark = BROWSER

NOTEBOOK = "01_inventory.ipynb"
RUN_ALL_TIMEOUT = 240_000   # ms: module 01 generates a 2000-customer case and scans it; a slow shared box



@pytest.fixture
def lab_server(tmp_path):
    """JupyterLab on a copy of notebooks/, every cell in the DOM (no windowing), app exposed."""
    root = tmp_path / "notebooks"
    shutil.copytree(REPO / "notebooks", root, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    env = environment(tmp_path, lang="en",
                      lab_settings={"@jupyterlab/notebook-extension:tracker": {"windowingMode": "none"}})
    yield from serve(tmp_path, "lab", lab_args(root, "--LabApp.expose_app_in_browser=True"), LAB_PROBE, env)


def first_question():
    question = load_bank("01").questions[0]
    assert question.kind == "single", "this test answers question 1 of bank 01 as a single choice"
    labels = [o.label("en") for o in question.options]
    right = next(o for o in question.options if o.id == question.answer)
    wrong = question.options[(question.options.index(right) + 1) % len(labels)]
    return question, right, wrong


def error_outputs(state: dict) -> list[str]:
    """One line per error output: cell number, ename, evalue."""
    found = []
    for n, cell in enumerate(state["cells"], 1):
        for output in cell["outputs"]:
            if output.get("output_type") == "error":
                found.append(f"code cell {n} ({cell['source'].splitlines()[0][:60]!r}): "
                             f"{output.get('ename')}: {output.get('evalue')}")
    return found


def run_all_and_wait(page, shots) -> dict:
    run_all_cells(page, RENDER_TIMEOUT)
    page.wait_for_function(LAB_ALL_EXECUTED, timeout=RUN_ALL_TIMEOUT, polling=500)
    state = page.evaluate(LAB_CELLS)
    shots.shot(page, "run-all-finished")
    return state


def test_module01_runs_all_cells_without_error_and_the_quiz_records_a_clicked_answer(lab_server, page, shots):
    from playwright.sync_api import expect

    question, right, wrong = first_question()
    original = (REPO / "notebooks" / NOTEBOOK).read_bytes()
    page.goto(f"{lab_server.url}/lab/tree/{NOTEBOOK}")
    try:
        notebook = page.locator(".jp-NotebookPanel:visible")
        expect(notebook.locator("h1").first).to_contain_text("01 · ", timeout=RENDER_TIMEOUT)
        shots.shot(page, "module-01-opened")

        state = run_all_and_wait(page, shots)
        assert error_outputs(state) == []
        assert state["kernel"] == "idle"
        assert state["cells"] and all(c["count"] is not None for c in state["cells"])
        rendered = notebook.locator(".jp-OutputArea-output").all_inner_texts()
        assert not [t for t in rendered if "Traceback (most recent call last)" in t]
        assert any("module.quiz()" in c["source"] for c in state["cells"])

        quiz = notebook.locator(".widget-vbox", has_text="Attempts:").filter(has_text=question.text("en"))
        expect(quiz).to_have_count(1, timeout=RENDER_TIMEOUT)
        quiz.scroll_into_view_if_needed()
        expect(quiz).to_contain_text("Attempts: 0")
        shots.shot(quiz, "quiz-before")

        # A wrong answer, clicked, then "Check answer" clicked: the feedback says so.
        quiz.get_by_role("radio", name=wrong.label("en"), exact=True).click()
        settle(page)
        quiz.get_by_role("button", name="Check answer").click()
        expect(quiz).to_contain_text("Not yet")
        expect(quiz).to_contain_text(re.compile(r"Attempts: 1\b"))
        expect(quiz).to_contain_text("Saved to your progress")
        shots.shot(quiz, "quiz-wrong-not-yet")

        # The right answer, clicked and checked.
        quiz.get_by_role("radio", name=right.label("en"), exact=True).click()
        settle(page)
        quiz.get_by_role("button", name="Check answer").click()
        expect(quiz).to_contain_text("Correct")
        expect(quiz).to_contain_text(re.compile(r"Attempts: 2\b"))
        expect(quiz).not_to_contain_text("Not yet")
        shots.shot(quiz, "quiz-right-correct")
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- jupyter lab log ---\n{lab_server.log_tail()}") from exc

    store = ProgressStore(lab_server.progress_url)
    try:
        rows = store.attempts(LEARNER, "01")
    finally:
        store.close()
    rows = rows[rows["item"] == question.id]
    assert list(rows["module"]) == ["01", "01"]
    assert list(rows["attempt"]) == [1, 2]
    assert list(rows["correct"]) == [False, True]
    assert list(rows["answer"]) == [wrong.id, right.id]
    assert (REPO / "notebooks" / NOTEBOOK).read_bytes() == original      # only the copy was run
