"""``kitlib.ui.Quiz`` in a real browser (Chromium), in Voilà and in JupyterLab, answered by keyboard only.

Question 1 of bank 00 (single choice): a wrong option, "Check answer" -> "Not yet", "Attempts: 1";
the right option -> "Correct", "Attempts: 2"; "Next question" -> question 2; and the progress store
holds the two attempts (correct False, then True).  Every step of the answering is a key press
(Tab, Shift+Tab, arrow keys, Space, Enter); the mouse is used only to run the notebook in JupyterLab.

Radio options: in Voilà they are chosen with the arrow keys.  In JupyterLab the arrow keys belong
to the notebook while it is in command mode (its shortcuts ``notebook:move-cursor-down`` etc. match
any focused element that is not a text field, a radio button included), so there each option is
reached with Tab / Shift+Tab (ipywidgets makes every radio button a tab stop) and chosen with Space.

Each server (Voilà, JupyterLab) serves a one-cell quiz notebook from ``tmp_path``; how servers
and Chromium are run, and where screenshots go, is in ``servers.py``.
"""
from __future__ import annotations

import re

import pytest

from kitlib.learn.bank import load_bank
from kitlib.learn.store import ProgressStore
from servers import (BROWSER, LAB_PROBE, LEARNER, RENDER_TIMEOUT, VOILA_PROBE, lab_args, progress_url, serve,
                     run_all_cells, settle, voila_args, write_notebook)

pytestmark = BROWSER


def _write_quiz_notebook(folder, progress_url: str):
    source = ("from kitlib.learn.store import ProgressStore\n"
              "from kitlib.ui import Quiz\n"
              f"Quiz(\"00\", store=ProgressStore({progress_url!r}), learner={LEARNER!r}, lang=\"en\")")
    return write_notebook(folder / "quiz.ipynb", [source])


def _serve_quiz(tmp_path, name: str, args: list[str], probe: str):
    _write_quiz_notebook(tmp_path, progress_url(tmp_path))
    yield from serve(tmp_path, name, args, probe)


@pytest.fixture
def voila_server(tmp_path):
    """Voilà serving quiz.ipynb at ``/`` (the notebook runs when the page is opened)."""
    yield from _serve_quiz(tmp_path, "voila", voila_args("quiz.ipynb"), VOILA_PROBE)


@pytest.fixture
def lab_server(tmp_path):
    """JupyterLab, no token, rooted at tmp_path (where quiz.ipynb is)."""
    yield from _serve_quiz(tmp_path, "lab", lab_args(tmp_path), LAB_PROBE)


# -- the keyboard session -------------------------------------------------------------------

FOCUSED = """() => {
  const e = document.activeElement;
  const label = e && e.closest ? e.closest('label') : null;
  return {tag: e ? e.tagName : '', type: (e && e.type) || '', checked: !!(e && e.checked),
          text: e ? (e.innerText || '').trim() : '', label: label ? label.innerText.trim() : ''};
}"""


def first_question():
    question = load_bank("00").questions[0]
    assert question.kind == "single", "these tests answer question 1 of bank 00 as a single choice"
    labels = [o.label("en") for o in question.options]
    right = next(o.label("en") for o in question.options if o.id == question.answer)
    wrong = labels[(labels.index(right) + 1) % len(labels)]
    return question, right, wrong, labels


def focused(page) -> dict:
    return page.evaluate(FOCUSED)


def tab_to(page, wanted, what: str, back: bool = False, limit: int = 40) -> dict:
    """Press Tab (Shift+Tab with ``back``) until the focused element satisfies ``wanted``."""
    for _ in range(limit):
        page.keyboard.press("Shift+Tab" if back else "Tab")
        now = focused(page)
        if wanted(now):
            return now
    raise AssertionError(f"{limit} x {'Shift+Tab' if back else 'Tab'} never reached {what}; "
                         f"focus is on {focused(page)}")


def is_radio(f, label=None) -> bool:
    return f["tag"] == "INPUT" and f["type"] == "radio" and (label is None or f["label"] == label)


def is_button(text):
    return lambda f: f["tag"] == "BUTTON" and f["text"] == text


def choose_with_arrows(page, label: str, labels: list[str], back: bool = False) -> None:
    """Tab into the radio group, then arrow keys until ``label`` is focused and checked."""
    tab_to(page, is_radio, "the answer options", back=back)
    for _ in range(2 * len(labels) + 1):
        now = focused(page)
        if is_radio(now, label) and now["checked"]:
            return
        page.keyboard.press("ArrowDown")
    raise AssertionError(f"ArrowDown never checked {label!r}; focus is on {focused(page)}")


def choose_with_tab_and_space(page, label: str, labels: list[str], back: bool = False) -> None:
    """Tab (or Shift+Tab) to the radio button ``label`` and press Space."""
    tab_to(page, lambda f: is_radio(f, label), f"the option {label!r}", back=back)
    page.keyboard.press("Space")
    assert focused(page)["checked"], f"Space did not check {label!r}"


def answer_by_keyboard(page, server, choose, shots) -> None:
    """The whole keyboard session on question 1, then the store's record of it."""
    from playwright.sync_api import expect

    question, right, wrong, labels = first_question()
    quiz = page.locator(".widget-vbox", has_text="Attempts:").first
    expect(quiz).to_contain_text(question.text("en"), timeout=RENDER_TIMEOUT)
    expect(quiz).to_contain_text("Question 1 of")
    expect(quiz).to_contain_text("Attempts: 0")

    # A wrong answer, checked with Enter.
    choose(page, wrong, labels)
    settle(page)
    tab_to(page, is_button("Check answer"), "the Check answer button")
    page.keyboard.press("Enter")
    expect(quiz).to_contain_text("Not yet")
    expect(quiz).to_contain_text(re.compile(r"Attempts: 1\b"))
    expect(quiz).to_contain_text("Saved to your progress")
    shots.shot(quiz, "wrong-answer-not-yet")

    # Back to the options with Shift+Tab; the right answer, checked with Space.
    choose(page, right, labels, back=True)
    settle(page)
    tab_to(page, is_button("Check answer"), "the Check answer button")
    page.keyboard.press("Space")
    expect(quiz).to_contain_text("Correct")
    expect(quiz).to_contain_text(re.compile(r"Attempts: 2\b"))
    expect(quiz).not_to_contain_text("Not yet")
    shots.shot(quiz, "right-answer-correct")

    # On to question 2; the focus stays on "Next question", so the learner can go on from there.
    tab_to(page, is_button("Next question"), "the Next question button")
    page.keyboard.press("Enter")
    expect(quiz).to_contain_text("Question 2 of")
    expect(quiz).to_contain_text(load_bank("00").questions[1].text("en"))
    expect(quiz).to_contain_text("Attempts: 0")
    assert is_button("Next question")(focused(page)), f"focus lost after Next: {focused(page)}"
    shots.shot(page, "question-2")

    store = ProgressStore(server.progress_url)
    try:
        rows = store.attempts(LEARNER, "00")
    finally:
        store.close()
    assert list(rows["item"]) == [question.id, question.id]
    assert list(rows["attempt"]) == [1, 2]
    assert list(rows["correct"]) == [False, True]


def test_quiz_in_voila_by_keyboard(voila_server, page, shots):
    page.goto(voila_server.url + "/")
    try:
        answer_by_keyboard(page, voila_server, choose_with_arrows, shots)
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- voila log ---\n{voila_server.log_tail()}") from exc


def test_quiz_in_jupyterlab_by_keyboard(lab_server, page, shots):
    page.goto(lab_server.url + "/lab/tree/quiz.ipynb")
    try:
        # Run the notebook (mouse allowed here) once its kernel is idle: Run > Run All Cells.
        run_all_cells(page, RENDER_TIMEOUT)
        answer_by_keyboard(page, lab_server, choose_with_tab_and_space, shots)
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- jupyter lab log ---\n{lab_server.log_tail()}") from exc
