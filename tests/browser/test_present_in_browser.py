"""``kit present`` in Chromium: a module served with Voilà shows its prose and widgets, not its code.

``kit present 00_welcome.ipynb --port N --no-browser --lang en`` runs on a copy of module 00 in
``tmp_path`` (as a trainer would start it, in its own process group); the test waits for the URL it
prints, opens it, and checks: the module's headings and its quiz widget are visible (in English,
so ``--lang`` reached the kernel), no code input or editor is on the page and no source line is in
its HTML, no cell failed.  The page is opened as ``?learner=Zhang San``: opening it records no
completion; the module's "Complete the module" button does, under that name (not the server's
``KIT_LEARNER``).  Then Ctrl-C (SIGINT to ``kit present``) stops it: exit code 0, the port
is closed and Voilà and its kernel are gone.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import pytest

from servers import (BROWSER, LEARNER, REPO, RENDER_TIMEOUT, START_TIMEOUT, environment, family, free_port,
                     progress_url, start, stop)

from kitlib.learn.store import ProgressStore

pytestmark = BROWSER

NOTEBOOK = "00_welcome.ipynb"


@dataclass
class Presented:
    url: str
    log: Path
    proc: object

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def wait_for_line(presented: Presented, wanted: str, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if wanted in presented.output():
            return
        if presented.proc.poll() is not None:
            raise AssertionError(f"kit present exited with {presented.proc.returncode}:\n{presented.output()[-3000:]}")
        time.sleep(0.3)
    raise AssertionError(f"kit present never printed {wanted!r} in {timeout:.0f} s:\n{presented.output()[-3000:]}")


@pytest.fixture
def presented(tmp_path):
    shutil.copy(REPO / "notebooks" / NOTEBOOK, tmp_path / NOTEBOOK)
    port = free_port()
    env = environment(tmp_path, lang=None)           # the language comes from --lang
    env["PYTHONUNBUFFERED"] = "1"
    proc, log = start(tmp_path, "present", [sys.executable, "-m", "kitlib.cli", "present", NOTEBOOK,
                                            f"--port={port}", "--no-browser", "--lang", "en"], env)
    result = Presented(f"http://127.0.0.1:{port}/", log, proc)
    try:
        wait_for_line(result, result.url)
        yield result
    finally:
        if proc.poll() is None:
            stop(proc)


def source_lines(path: Path) -> list[str]:
    """The code cells' lines that are long enough to be unmistakable in a page."""
    cells = json.loads(path.read_text("utf-8"))["cells"]
    return [line.strip() for c in cells if c["cell_type"] == "code"
            for line in "".join(c["source"]).splitlines() if len(line.strip()) > 12]


def test_kit_present_serves_the_module_without_code_and_stops_on_ctrl_c(presented, page, shots, tmp_path):
    from playwright.sync_api import expect

    page.goto(presented.url + "?learner=Zhang%20San")
    try:
        expect(page.locator("h1").first).to_contain_text("00 · ", timeout=RENDER_TIMEOUT)
        expect(page.locator("h2", has_text="Welcome and the case").first).to_be_visible()
        quiz = page.locator(".widget-vbox", has_text="Attempts:")
        expect(quiz).to_have_count(1, timeout=RENDER_TIMEOUT)
        expect(quiz.get_by_role("button", name="Check answer")).to_be_visible()
        expect(quiz).to_contain_text("Question 1 of")
        shots.shot(page, "module-00-top")
        quiz.scroll_into_view_if_needed()
        shots.shot(quiz, "quiz-widget")

        page.wait_for_load_state("networkidle")
        # Voilà renders markdown inside .jp-InputArea too; code cells are there, with no input.
        code_cells = page.locator(".jp-CodeCell")
        assert code_cells.count() == len([c for c in json.loads((tmp_path / NOTEBOOK).read_text("utf-8"))["cells"]
                                          if c["cell_type"] == "code"])
        assert page.locator(".jp-CodeCell .jp-InputArea:visible, .jp-InputPrompt:visible, .cm-editor:visible, "
                            ".CodeMirror:visible, .jp-CodeMirrorEditor:visible").count() == 0
        html = page.content()
        shown = [line for line in source_lines(tmp_path / NOTEBOOK) if line in html]
        assert shown == [], f"code lines in the page: {shown}"
        text = page.locator("body").inner_text()
        assert "There was an error when executing cell" not in text and "Traceback" not in text

        store = ProgressStore(progress_url(tmp_path))
        assert store.completions().empty, "opening the page must not complete the module"
        page.get_by_role("button", name="完成本模块 · Complete the module").click()
        expect(page.get_by_text("Module 00 completed")).to_be_visible(timeout=RENDER_TIMEOUT)
        shots.shot(page, "completed-by-click")
        done = store.completions()
        assert list(done["learner"]) == ["Zhang San"] and list(done["module"]) == ["00"]
        assert LEARNER not in set(store.attempts()["learner"]) | set(done["learner"])
    except Exception as exc:
        raise AssertionError(f"{exc}\n--- kit present output ---\n{presented.output()[-3000:]}") from exc

    # Ctrl-C: kit present stops Voilà and its kernel, and says so.
    children = family(presented.proc.pid)
    assert children, "kit present should run Voilà (and a kernel) as its children"
    os.kill(presented.proc.pid, signal.SIGINT)
    assert presented.proc.wait(timeout=60) == 0, presented.output()[-3000:]
    assert presented.output().rstrip().endswith("stopped")
    assert [c.pid for c in children if c.is_running() and c.status() != "zombie"] == []
    with pytest.raises(Exception):
        page.goto(presented.url, timeout=10_000)
