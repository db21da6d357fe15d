"""``kitlib.ui.Quiz`` in a real browser (Chromium), in Voilà and in JupyterLab, answered by keyboard only.

Question 1 of bank 00 (single choice): a wrong option, "Check answer" -> "Not yet", "Attempts: 1";
the right option -> "Correct", "Attempts: 2"; "Next question" -> question 2; and the progress store
holds the two attempts (correct False, then True).  Every step of the answering is a key press
(Tab, Shift+Tab, arrow keys, Space, Enter); the mouse is used only to run the notebook in JupyterLab.

Radio options: in Voilà they are chosen with the arrow keys.  In JupyterLab the arrow keys belong
to the notebook while it is in command mode (its shortcuts ``notebook:move-cursor-down`` etc. match
any focused element that is not a text field, a radio button included), so there each option is
reached with Tab / Shift+Tab (ipywidgets makes every radio button a tab stop) and chosen with Space.

Each server (Voilà, JupyterLab) serves a one-cell quiz notebook from ``tmp_path``, in its own
process group on a free port, with Jupyter's config, data, runtime and settings directories inside
``tmp_path`` (so nothing in ``~/.jupyter`` changes the result), and is stopped, kernels included,
when its test ends.  Chromium is Debian's (``/usr/bin/chromium``,
or ``KIT_CHROMIUM``), driven by Playwright's sync API; Playwright's own browser download is not used.
"""
from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path

import pytest

from kitlib.learn.bank import load_bank
from kitlib.learn.store import ProgressStore

CHROMIUM = os.environ.get("KIT_CHROMIUM") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)
LEARNER = "browser-test"
START_TIMEOUT = 90.0        # s: for a server to answer HTTP; the machine is slow and shared
RENDER_TIMEOUT = 90_000     # ms: first kernel start and widget render

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, "
                                                 "or set KIT_CHROMIUM to a Chromium binary)"),
]


# -- servers and the browser ------------------------------------------------------------

@dataclass
class Server:
    url: str
    log: Path
    progress_url: str

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _write_notebook(folder: Path, progress_url: str) -> Path:
    source = ("from kitlib.learn.store import ProgressStore\n"
              "from kitlib.ui import Quiz\n"
              f"Quiz(\"00\", store=ProgressStore({progress_url!r}), learner={LEARNER!r}, lang=\"en\")")
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}},
        "cells": [{"cell_type": "code", "id": "quiz", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source}],
    }
    path = folder / "quiz.ipynb"
    path.write_text(json.dumps(notebook, indent=1))
    return path


def _environment(tmp: Path) -> dict:
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for var, name in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython")]:
        (tmp / name).mkdir(exist_ok=True)
        env[var] = str(tmp / name)
    # No "Would you like to get notified about official Jupyter news?" toast in the tab order.
    notification = tmp / "settings" / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    notification.parent.mkdir(parents=True, exist_ok=True)
    notification.write_text(json.dumps({"fetchNews": "false", "checkForUpdates": False}))
    return env


def _wait_http(url: str, proc: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=5).close()
            return
        except urllib.error.HTTPError:      # it answers HTTP, which is all we wait for
            return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"no HTTP answer from {url} in {START_TIMEOUT:.0f} s:\n"
                       f"{log.read_text(errors='replace')[-3000:]}")


def _stop(proc: subprocess.Popen) -> None:
    """Stop the server's process group, then any kernel it started in a session of its own."""
    import psutil
    try:
        family = psutil.Process(proc.pid).children(recursive=True)
    except psutil.NoSuchProcess:
        family = []
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    for child in family:
        with suppress(psutil.NoSuchProcess):
            child.kill()


def _serve(tmp_path: Path, name: str, args: list[str], probe: str):
    progress_url = f"sqlite:///{tmp_path / 'progress.sqlite'}"
    _write_notebook(tmp_path, progress_url)
    port = _free_port()
    log = tmp_path / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", *args, f"--port={port}"], cwd=tmp_path,
                                env=_environment(tmp_path), stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_http(base + probe, proc, log)
        yield Server(url=base, log=log, progress_url=progress_url)
    finally:
        _stop(proc)


@pytest.fixture
def voila_server(tmp_path):
    """Voilà serving quiz.ipynb at ``/`` (the notebook runs when the page is opened)."""
    # /voila/static/ answers without starting a kernel, unlike / which runs the notebook.
    yield from _serve(tmp_path, "voila",
                      ["voila", "quiz.ipynb", "--no-browser", "--Voila.ip=127.0.0.1"], "/voila/static/")


@pytest.fixture
def lab_server(tmp_path):
    """JupyterLab, no token, rooted at tmp_path (where quiz.ipynb is)."""
    yield from _serve(tmp_path, "lab",
                      ["jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
                       "--IdentityProvider.token=", f"--ServerApp.root_dir={tmp_path}"], "/api")


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


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


def settle(page) -> None:
    """Let the last selection reach the kernel before the button is pressed.

    ipywidgets throttles state updates while messages are pending and merges them, but sends a
    button click at once; arrowing through options and pressing Enter within a few milliseconds
    can let the click overtake the final selection.  A person is never that fast.
    """
    page.wait_for_timeout(600)


def answer_by_keyboard(page, server, choose) -> None:
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

    # Back to the options with Shift+Tab; the right answer, checked with Space.
    choose(page, right, labels, back=True)
    settle(page)
    tab_to(page, is_button("Check answer"), "the Check answer button")
    page.keyboard.press("Space")
    expect(quiz).to_contain_text("Correct")
    expect(quiz).to_contain_text(re.compile(r"Attempts: 2\b"))
    expect(quiz).not_to_contain_text("Not yet")

    # On to question 2; the focus stays on "Next question", so the learner can go on from there.
    tab_to(page, is_button("Next question"), "the Next question button")
    page.keyboard.press("Enter")
    expect(quiz).to_contain_text("Question 2 of")
    expect(quiz).to_contain_text(load_bank("00").questions[1].text("en"))
    expect(quiz).to_contain_text("Attempts: 0")
    assert is_button("Next question")(focused(page)), f"focus lost after Next: {focused(page)}"

    store = ProgressStore(server.progress_url)
    try:
        rows = store.attempts(LEARNER, "00")
    finally:
        store.close()
    assert list(rows["item"]) == [question.id, question.id]
    assert list(rows["attempt"]) == [1, 2]
    assert list(rows["correct"]) == [False, True]


def test_quiz_in_voila_by_keyboard(voila_server, page):
    page.goto(voila_server.url + "/")
    try:
        answer_by_keyboard(page, voila_server, choose_with_arrows)
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- voila log ---\n{voila_server.log_tail()}") from exc


def test_quiz_in_jupyterlab_by_keyboard(lab_server, page):
    from playwright.sync_api import expect

    page.goto(lab_server.url + "/lab/tree/quiz.ipynb")
    try:
        # Run the notebook (mouse allowed here) once its kernel is idle: Run > Run All Cells.
        expect(page.locator("#jp-main-statusbar")).to_contain_text("| Idle", timeout=RENDER_TIMEOUT)
        dialog = page.locator(".jp-Dialog")
        if dialog.is_visible():                     # "Select Kernel", should a kernel not start
            dialog.locator(".jp-mod-accept").click()
        page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
        page.get_by_role("menuitem", name="Run All Cells", exact=True).click()
        answer_by_keyboard(page, lab_server, choose_with_tab_and_space)
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- jupyter lab log ---\n{lab_server.log_tail()}") from exc
