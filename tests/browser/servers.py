"""Servers and the browser for the tests in ``tests/browser``.

Each server (Voilà, JupyterLab, ``kit present``) runs in its own process group on a free port,
with Jupyter's config, data, runtime and settings directories and the kit's data folder, progress
store and learner inside the test's ``tmp_path`` (so nothing in ``~/.jupyter`` or a real learner's
progress changes or is changed by the result), and is stopped, kernels included, when its test ends.
Chromium is Debian's (``/usr/bin/chromium``, or ``KIT_CHROMIUM``), driven by Playwright's sync API;
Playwright's own browser download is never used.

Screenshots and, on failure, the page's HTML go to ``$KIT_ARTIFACTS`` or
``build/test-artifacts/browser/`` in the repository, named ``<test>-<NN>-<step>.png``.
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
from dataclasses import dataclass, field
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
CHROMIUM = os.environ.get("KIT_CHROMIUM") or "/usr/bin/chromium"
HAVE_CHROMIUM = Path(CHROMIUM).is_file() and os.access(CHROMIUM, os.X_OK)
LEARNER = "browser-test"
START_TIMEOUT = 90.0        # s: for a server to answer HTTP; the machine is slow and shared
RENDER_TIMEOUT = 90_000     # ms: first kernel start and widget render

# Every browser test module sets ``pytestmark = BROWSER``.
BROWSER = [
    pytest.mark.browser,
    pytest.mark.skipif(not HAVE_CHROMIUM, reason=f"no Chromium at {CHROMIUM} (apt-get install chromium, "
                                                 "or set KIT_CHROMIUM to a Chromium binary)"),
]


def artifacts_dir() -> Path:
    """Where screenshots and failure pages are kept (created on first use)."""
    folder = Path(os.environ.get("KIT_ARTIFACTS") or REPO / "build" / "test-artifacts" / "browser")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def safe_name(text: str) -> str:
    return re.sub(r"[^\w.-]+", "_", text).strip("_")[:120] or "test"


@dataclass
class Artifacts:
    """Numbered screenshots of one test's steps: ``shot(page_or_locator, "step")``."""
    test: str
    folder: Path
    saved: list[Path] = field(default_factory=list)

    def path(self, step: str, suffix: str) -> Path:
        return self.folder / f"{self.test}-{len(self.saved) + 1:02d}-{safe_name(step)}{suffix}"

    def shot(self, target, step: str) -> Path:
        """A PNG of a page (the viewport) or of one element (a Playwright locator)."""
        path = self.path(step, ".png")
        target.screenshot(path=str(path))
        self.saved.append(path)
        return path

    def clear_old(self) -> None:
        """Remove what an earlier run of this test left, so the folder shows one run."""
        for old in self.folder.glob(f"{self.test}-*"):
            with suppress(OSError):
                old.unlink()


# -- servers ----------------------------------------------------------------------------------

@dataclass
class Server:
    url: str
    log: Path
    progress_url: str
    proc: subprocess.Popen | None = None

    def log_tail(self, lines: int = 30) -> str:
        text = self.log.read_text(errors="replace") if self.log.exists() else ""
        return "\n".join(text.splitlines()[-lines:])


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def progress_url(tmp: Path) -> str:
    return f"sqlite:///{tmp / 'progress.sqlite'}"


def environment(tmp: Path, lang: str | None = "en", lab_settings: dict | None = None) -> dict:
    """The server's environment: isolated Jupyter dirs, the test's progress store and learner.

    ``lab_settings``: extra JupyterLab settings, ``{"@jupyterlab/plugin:name": {...}}``.
    """
    env = dict(os.environ)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    for var, name in [("JUPYTER_CONFIG_DIR", "config"), ("JUPYTER_DATA_DIR", "data"),
                      ("JUPYTER_RUNTIME_DIR", "runtime"), ("JUPYTERLAB_SETTINGS_DIR", "settings"),
                      ("JUPYTERLAB_WORKSPACES_DIR", "workspaces"), ("IPYTHONDIR", "ipython"),
                      ("KIT_DATA_DIR", "kit-data"), ("TMPDIR", "tmp")]:
        (tmp / name).mkdir(exist_ok=True)
        env[var] = str(tmp / name)
    env["KIT_PROGRESS_URL"] = progress_url(tmp)
    env["KIT_LEARNER"] = LEARNER
    if lang:
        env["KIT_LANG"] = lang
    else:
        env.pop("KIT_LANG", None)
    # No "Would you like to get notified about official Jupyter news?" toast in the tab order.
    settings = {"@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False}}
    settings.update(lab_settings or {})
    for plugin, values in settings.items():
        package, _, name = plugin.partition(":")
        path = tmp / "settings" / package / f"{name}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    return env


def wait_http(url: str, proc: subprocess.Popen, log: Path, timeout: float = START_TIMEOUT) -> None:
    deadline = time.monotonic() + timeout
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
    raise RuntimeError(f"no HTTP answer from {url} in {timeout:.0f} s:\n"
                       f"{log.read_text(errors='replace')[-3000:]}")


def family(pid: int) -> list:
    """Every process descended from ``pid`` (kernels start sessions of their own)."""
    import psutil
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def stop(proc: subprocess.Popen, sig: int = signal.SIGTERM) -> None:
    """Stop the server's process group, then any descendant left (kernels included)."""
    import psutil
    descendants = family(proc.pid)
    with suppress(ProcessLookupError):
        os.killpg(proc.pid, sig)
    try:
        proc.wait(timeout=20)
    except subprocess.TimeoutExpired:
        with suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=15)
    for child in descendants:
        with suppress(psutil.NoSuchProcess):
            child.kill()


def start(tmp: Path, name: str, argv: list[str], env: dict) -> tuple[subprocess.Popen, Path]:
    """``argv`` in its own session with cwd ``tmp``; output to ``tmp/<name>.log``."""
    log = tmp / f"{name}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=tmp, env=env, stdin=subprocess.DEVNULL, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)
    return proc, log


def serve(tmp: Path, name: str, args: list[str], probe: str, env: dict | None = None):
    """Generator for a fixture: ``python -m <args> --port=N`` until the test ends."""
    port = free_port()
    proc, log = start(tmp, name, [sys.executable, "-m", *args, f"--port={port}"], env or environment(tmp))
    base = f"http://127.0.0.1:{port}"
    try:
        wait_http(base + probe, proc, log)
        yield Server(url=base, log=log, progress_url=progress_url(tmp), proc=proc)
    finally:
        stop(proc)


def voila_args(notebook: str) -> list[str]:
    """Voilà serving ``notebook`` at ``/`` (the notebook runs when the page is opened)."""
    return ["voila", notebook, "--no-browser", "--Voila.ip=127.0.0.1"]


# /voila/static/ answers without starting a kernel, unlike / which runs the notebook.
VOILA_PROBE = "/voila/static/"
LAB_PROBE = "/api"


def lab_args(root: Path, *extra: str) -> list[str]:
    """JupyterLab, no token, rooted at ``root``."""
    return ["jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
            "--IdentityProvider.token=", f"--ServerApp.root_dir={root}", *extra]


def write_notebook(path: Path, sources: list[str]) -> Path:
    """A notebook of code cells, one per source."""
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3 (ipykernel)",
                                    "language": "python"}},
        "cells": [{"cell_type": "code", "id": f"cell{n}", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": source} for n, source in enumerate(sources)],
    }
    path.write_text(json.dumps(notebook, indent=1))
    return path


def settle(page) -> None:
    """Let the last selection reach the kernel before a button is pressed.

    ipywidgets throttles state updates while messages are pending and merges them, but sends a
    button click at once; choosing an option and pressing a button within a few milliseconds
    can let the click overtake the selection.  A person is never that fast.
    """
    page.wait_for_timeout(600)


# -- JupyterLab's own notebook model (the app is exposed to the page: see lab_args) ------------------

# The notebook panel on screen: its path, the kernel's status, and per code cell its execution
# count, source, outputs and error outputs ("ename: evalue").
LAB_CELLS = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return null;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  const cells = [];
  for (const cell of panel.content.model.cells) {
    if (cell.type !== 'code') continue;
    const outputs = cell.outputs.toJSON();
    cells.push({count: cell.executionCount, source: cell.sharedModel.getSource(), outputs: outputs,
                errors: outputs.filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)});
  }
  return {path: panel.context.path, kernel: kernel ? kernel.status : null, cells: cells};
}"""

# True once Run All is over: every code cell executed, or one failed (Run All stops at an error, so
# the cells after it never run and the wait ends there), and the kernel idle.
LAB_ALL_EXECUTED = """() => {
  const panel = window.jupyterapp && window.jupyterapp.shell.currentWidget;
  if (!panel || !panel.content || !panel.content.model || !panel.sessionContext) return false;
  const kernel = panel.sessionContext.session && panel.sessionContext.session.kernel;
  let code = 0, done = 0, failed = false;
  for (const cell of panel.content.model.cells) {
    if (cell.type !== 'code') continue;
    code += 1;
    if (cell.executionCount !== null && cell.executionCount !== undefined) done += 1;
    if (cell.outputs.toJSON().some(o => o.output_type === 'error')) failed = true;
  }
  return code > 0 && (done === code || failed) && kernel && kernel.status === 'idle';
}"""


def run_all_cells(page, timeout: float) -> None:
    """Once the kernel is idle, Run > Run All Cells from JupyterLab's menu (with the mouse)."""
    from playwright.sync_api import expect

    expect(page.locator("#jp-main-statusbar")).to_contain_text("| Idle", timeout=timeout)
    dialog = page.locator(".jp-Dialog")
    if dialog.is_visible():                     # "Select Kernel", should a kernel not start
        dialog.locator(".jp-mod-accept").click()
    page.locator(".lm-MenuBar-itemLabel", has_text="Run").first.click()
    page.get_by_role("menuitem", name="Run All Cells", exact=True).click()


def injects_for(package: str | Path, seed: int, role: str):
    """(target, others): the first inject the console lists for ``role`` (due, then upcoming), and
    every inject of the package not sent to ``role``."""
    from kitlib.drills import Run, SteppedClock, load_package

    run = Run(load_package(package), seed, clock=SteppedClock())
    listed = list(run.due_injects()) + [inject for _, inject in run.upcoming_injects()]
    target = next(i for i in listed if role in i.recipients)
    others = [i for i in run.package.injects if role not in i.recipients]
    assert others, "the package should have injects for other roles, to show they stay hidden"
    return target, others
