"""A learner's real path into the hub: an nbgitpuller link opened in Chromium (tests/hub).

``kit_repository`` makes a bare git repository of the project's current commit (one branch,
depth 1) that nbgitpuller can clone over ``file://``.  ``follow_link`` opens a link in a
Chromium of its own (Playwright's sync API, one instance per thread, so it runs beside the
other learners' threads), logs in on the hub's login page, lets the hub spawn the server and
nbgitpuller clone the kit, then, in JupyterLab, runs the notebook (Run > Run All Cells) and
answers a quiz question with the mouse.  Screenshots of each step go to ``shots``; on failure
also the page's HTML and the hub's log.

Chromium and the screenshot helpers are the browser tests' (tests/browser/servers.py).
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
if str(ROOT / "tests" / "browser") not in sys.path:
    sys.path.insert(0, str(ROOT / "tests" / "browser"))

from servers import CHROMIUM, HAVE_CHROMIUM, LAB_ALL_EXECUTED, LAB_CELLS, Artifacts, run_all_cells, settle  # noqa: E402

__all__ = ["CHROMIUM", "HAVE_CHROMIUM", "KitRepository", "LinkVisit", "kit_repository", "cloned_commit", "is_git_checkout",
           "prepare_lab_home", "follow_link"]

TIMEOUT_MS = 240_000        # login → spawn → clone → JupyterLab, and Run All, on a slow shared 2-core box
STEP_MS = 60_000            # one click's visible effect



# -- the repository the link pulls -------------------------------------------------------------

@dataclass(frozen=True)
class KitRepository:
    url: str            # file:///.../pipl-kit.git
    branch: str
    commit: str


def _git(*args: str, cwd: Path | None = None) -> str:
    done = subprocess.run(["git", *args], cwd=cwd, capture_output=True, text=True, timeout=120)
    if done.returncode != 0:
        raise RuntimeError(f"git {' '.join(args)}: exit {done.returncode}: {done.stderr.strip()}")
    return done.stdout.strip()


def is_git_checkout(path: Path) -> bool:
    with suppress(OSError, RuntimeError, subprocess.SubprocessError):
        return _git("rev-parse", "--verify", "HEAD", cwd=path) != ""
    return False


def kit_repository(folder: Path, branch: str = "workshop", source: Path = ROOT) -> KitRepository:
    """A bare repository ``folder/pipl-kit.git`` holding ``source``'s HEAD commit as ``branch``
    (depth 1, works from a detached HEAD too), as a trainer would publish the kit."""
    bare = folder / "pipl-kit.git"
    _git("init", "--quiet", "--bare", f"--initial-branch={branch}", str(bare))
    _git("fetch", "--quiet", "--depth", "1", "--no-tags", source.resolve().as_uri(),
         f"HEAD:refs/heads/{branch}", cwd=bare)
    return KitRepository(bare.as_uri(), branch, _git("rev-parse", branch, cwd=bare))


def cloned_commit(folder: Path) -> str:
    return _git("rev-parse", "HEAD", cwd=folder)


# -- the learner's JupyterLab ------------------------------------------------------------------

def prepare_lab_home(home: Path) -> None:
    """Settings in the learner's home (``~/.jupyter``), read by their single-user server: the
    app object exposed to the page (the test reads the notebook model), every cell in the DOM,
    no news toast over the notebook."""
    config = home / ".jupyter"
    config.mkdir(parents=True, exist_ok=True)
    (config / "jupyter_server_config.json").write_text(json.dumps({"LabApp": {"expose_app_in_browser": True}}))
    settings = {("@jupyterlab", "notebook-extension", "tracker"): {"windowingMode": "none"},
                ("@jupyterlab", "apputils-extension", "notification"): {"fetchNews": "false",
                                                                         "checkForUpdates": False}}
    for (scope, package, name), values in settings.items():
        path = config / "lab" / "user-settings" / scope / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))


@dataclass
class LinkVisit:
    """What the learner's browser went through."""
    visited: list[str] = field(default_factory=list)     # every URL the tab loaded, in order
    landed: str = ""                                       # the URL JupyterLab opened
    notebook: dict | None = None                           # LAB_CELLS after Run All
    quiz_text: str = ""                                    # the quiz widget's text after the click


def follow_link(link: str, name: str, password: str, question, option, shots: Artifacts,
                log_tail=lambda: "") -> LinkVisit:
    """Open ``link`` in a fresh Chromium as ``name``; run the notebook it opens; answer
    ``question`` with ``option`` (a bank Option) by clicking.  Raises AssertionError with the
    hub's log on any failed step, after saving the page (HTML and screenshot)."""
    from playwright.sync_api import expect, sync_playwright

    visit = LinkVisit()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 900})
            page = context.new_page()
            page.set_default_timeout(STEP_MS)
            page.on("framenavigated", lambda frame: visit.visited.append(frame.url)
                    if frame == page.main_frame else None)
            try:
                _walk(page, link, name, password, question, option, shots, visit, expect)
            except Exception as exc:
                with suppress(Exception):
                    shots.path("failure", ".html").write_text(page.content(), encoding="utf-8")
                with suppress(Exception):
                    shots.shot(page, "failure")
                raise AssertionError(f"{name} following {link}: {exc}\nvisited: {visit.visited}\n"
                                     f"--- hub log ---\n{log_tail()}") from exc
            finally:
                context.close()
        finally:
            browser.close()
    return visit


def _until_lab(page, name: str) -> str:
    """Wait until the tab is in the learner's JupyterLab; fail at once if nbgitpuller shows an error."""
    lab = re.compile(rf"/user/{re.escape(name)}/lab/tree/")
    deadline = time.monotonic() + TIMEOUT_MS / 1000
    while time.monotonic() < deadline:
        url = page.url
        if lab.search(url):
            return url
        failed = None
        if "/git-pull" in url:
            with suppress(Exception):       # the page may be navigating away
                if page.locator("#container-error").is_visible():
                    failed = " | ".join(page.locator(css).inner_text().strip()
                                        for css in ("#status-panel-title", "#container-error"))
        if failed is not None:
            raise RuntimeError(f"nbgitpuller failed: {' '.join(failed.split())[:1000]}")
        page.wait_for_timeout(500)
    raise AssertionError(f"not in JupyterLab after {TIMEOUT_MS / 1000:.0f} s; the tab is at {page.url}")


def _walk(page, link, name, password, question, option, shots, visit, expect) -> None:
    # 1. Not logged in: the hub's login page, which keeps the link as ?next=.
    page.goto(link)
    expect(page.locator("#login_submit")).to_be_visible()
    assert "/hub/login" in page.url and "next=" in page.url, page.url
    page.get_by_label("Username:").fill(name)
    page.get_by_label("Password:").fill(password)
    shots.shot(page, "hub-login")
    page.locator("#login_submit").click()

    # 2. The hub spawns the server, nbgitpuller clones, the tab lands in JupyterLab on the notebook.
    visit.landed = _until_lab(page, name)
    notebook = page.locator(".jp-NotebookPanel:visible")
    expect(notebook.locator("h1").first).to_contain_text("00 · ", timeout=TIMEOUT_MS)
    expect(page.locator("#jp-main-statusbar")).to_contain_text("| Idle", timeout=TIMEOUT_MS)
    shots.shot(page, "lab-opened-by-link")

    # 3. Run > Run All Cells, as a learner starts a module.
    run_all_cells(page, TIMEOUT_MS)
    page.wait_for_function(LAB_ALL_EXECUTED, timeout=TIMEOUT_MS, polling=500)
    visit.notebook = page.evaluate(LAB_CELLS)
    shots.shot(page, "run-all-finished")

    # 4. The quiz's question, answered with the mouse.
    quiz = notebook.locator(".widget-vbox", has_text="Attempts:").filter(has_text=question.text("en"))
    expect(quiz).to_have_count(1, timeout=TIMEOUT_MS)
    quiz.scroll_into_view_if_needed()
    expect(quiz).to_contain_text("Attempts: 0")
    quiz.get_by_role("radio", name=option.label("en"), exact=True).click()
    settle(page)
    quiz.get_by_role("button", name="Check answer").click()
    expect(quiz).to_contain_text(re.compile(r"Attempts: 1\b"))
    expect(quiz).to_contain_text("Saved to your progress")
    visit.quiz_text = quiz.inner_text()
    shots.shot(quiz, "quiz-answered")
