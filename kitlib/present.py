"""``kit present NOTEBOOK``: serve one module to participants with Voilà, code hidden.

Voilà runs the notebook top to bottom in a fresh kernel for every page that opens it and shows
only its markdown and outputs (widgets included): ``--strip_sources=True``, the default template.
It binds to 127.0.0.1 unless ``lan=True`` (0.0.0.0, for a workshop network, with a warning), on one
exact port (``port_retries=0``: the printed URL is the one served), and stops, kernels included,
on Ctrl-C or SIGTERM.

    >>> voila_command(Path("notebooks/00_welcome.ipynb"), port=8866)   # doctest: +SKIP
"""
from __future__ import annotations

import argparse
import importlib.util
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from contextlib import suppress
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

__all__ = ["PresentError", "Presentation", "DEFAULT_PORT", "LANGS", "LAN_WARNING", "parse_port",
           "module_of", "check_port", "voila_command", "voila_environment", "start", "start_page", "serve",
           "serve_until_stopped"]

DEFAULT_PORT = 8866
LANGS = ("zh-CN", "en")
LOCAL, ALL = "127.0.0.1", "0.0.0.0"
START_TIMEOUT = 120.0       # s: Voilà's first start on a slow machine
PROBE = "/voila/static/"    # answers without starting a kernel
LAN_WARNING = ("warning: serving on every network interface (0.0.0.0): anyone who can reach this "
               "machine can open the module, and each page runs Python in a kernel here; "
               "use --lan only on a trusted workshop network")


class PresentError(ValueError):
    """A notebook, port or server problem, in one line."""


def parse_port(text: str) -> int:
    """``--port`` for argparse: a whole number from 1 to 65535."""
    try:
        value = int(text, 10)
    except ValueError:
        raise argparse.ArgumentTypeError(f"--port must be a whole number, got {text!r}") from None
    if not 1 <= value <= 65535:
        raise argparse.ArgumentTypeError(f"--port must be between 1 and 65535, got {value}")
    return value


def module_of(notebook: Path) -> str:
    """The module id of a module notebook (its first cell's ``<!-- kit:module NN -->``)."""
    from .learn.modules import catalogue

    path = Path(notebook)
    if not path.exists():
        raise PresentError(f"{path}: no such notebook")
    if path.is_dir() or path.suffix != ".ipynb":
        raise PresentError(f"{path}: not a notebook (expected an .ipynb file)")
    try:
        nb = json.loads(path.read_text("utf-8"))
    except UnicodeDecodeError:
        raise PresentError(f"{path}: not a notebook (not UTF-8 text)") from None
    except json.JSONDecodeError as exc:
        raise PresentError(f"{path}: not a notebook (invalid JSON at line {exc.lineno}, column {exc.colno})") from None
    except OSError as exc:
        raise PresentError(f"{path}: cannot read it: {exc.strerror or exc}") from None
    cells = nb.get("cells") if isinstance(nb, dict) else None
    if not isinstance(cells, list) or not cells or not isinstance(cells[0], dict):
        raise PresentError(f"{path}: not a notebook (no cells)")
    source = cells[0].get("source", "")
    source = "".join(source) if isinstance(source, list) else str(source)
    marker = next((line.strip() for line in source.splitlines() if line.strip().startswith("<!-- kit:module ")), None)
    if cells[0].get("cell_type") != "markdown" or marker is None:
        raise PresentError(f"{path}: not a module notebook (its first cell has no '<!-- kit:module NN -->' line)")
    module_id = marker.removeprefix("<!-- kit:module ").removesuffix("-->").strip()
    if module_id not in catalogue():
        raise PresentError(f"{path}: module {module_id!r} is not in the course (known: {', '.join(catalogue())})")
    return module_id


def check_port(port: int, host: str = LOCAL) -> None:
    """Raise ``PresentError`` when ``port`` cannot be bound on ``host`` (in use, or not allowed)."""
    with socket.socket() as s:
        try:
            s.bind((host, port))
        except OSError as exc:
            raise PresentError(f"port {port} on {host} is not free ({exc.strerror or exc}); "
                               "choose another with --port") from None


def voila_command(notebook: Path, port: int = DEFAULT_PORT, lan: bool = False,
                  python: str | None = None) -> list[str]:
    """The Voilà command line for ``notebook`` (run it with the notebook's folder as cwd)."""
    return [python or sys.executable, "-m", "voila", Path(notebook).name, "--no-browser",
            f"--port={port}", f"--Voila.ip={ALL if lan else LOCAL}", "--Voila.port_retries=0",
            "--strip_sources=True", "--show_tracebacks=False"]


def voila_environment(lang: str | None = None, base: dict | None = None) -> dict:
    """The server's (and so each kernel's) environment: ``KIT_LANG`` when ``lang`` is given,
    ``KIT_PRESENT`` (see ``kitlib.learn.learner``) without the trainer's ``KIT_LEARNER``, and this
    Python's folder first on PATH so the kernel is this installation's."""
    env = dict(os.environ if base is None else base)
    env["PATH"] = str(Path(sys.executable).parent) + os.pathsep + env.get("PATH", "")
    env["KIT_PRESENT"] = "1"            # each page: its own learner (?learner=NAME), completion by a button
    env.pop("KIT_LEARNER", None)        # the trainer's name is not the participants'
    if lang is not None:
        if lang not in LANGS:
            raise PresentError(f"--lang must be one of {', '.join(LANGS)}, got {lang!r}")
        env["KIT_LANG"] = lang
    return env


def _lan_address() -> str | None:
    """This machine's address on the local network (no packet is sent)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
        try:
            s.connect(("192.0.2.1", 9))      # TEST-NET-1: only picks the outgoing interface
            return s.getsockname()[0]
        except OSError:
            return None


@dataclass
class Presentation:
    """A running Voilà server."""
    notebook: Path
    module: str
    port: int
    lan: bool
    process: subprocess.Popen
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/"

    @property
    def lan_url(self) -> str | None:
        address = _lan_address() if self.lan else None
        return f"http://{address}:{self.port}/" if address else None

    def log_tail(self, lines: int = 15) -> str:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return ""
        return "\n".join(text.splitlines()[-lines:])

    def wait_http(self, timeout: float = START_TIMEOUT) -> None:
        """Wait until Voilà answers HTTP; ``PresentError`` if it exits or never answers."""
        import urllib.error
        import urllib.request

        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                last = self.log_tail(1) or "no output"
                raise PresentError(f"Voilà stopped with exit code {self.process.returncode}: {last} "
                                   f"(log: {self.log})")
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}{PROBE}", timeout=5).close()
                return
            except urllib.error.HTTPError:
                return
            except OSError:
                time.sleep(0.3)
        raise PresentError(f"Voilà did not answer on port {self.port} within {timeout:.0f} s (log: {self.log})")

    def stop(self, timeout: float = 20.0) -> int:
        """Stop Voilà (SIGTERM: it shuts its kernels down), then anything it left running."""
        leftovers = _descendants(self.process.pid)
        if self.process.poll() is None:
            _signal_group(self.process, hard=False)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                _signal_group(self.process, hard=True)
                self.process.wait(timeout=timeout)
        for child in leftovers:
            with suppress(Exception):
                if child.is_running():
                    child.kill()
        return self.process.returncode


def _signal_group(process: subprocess.Popen, hard: bool) -> None:
    """SIGTERM (or SIGKILL) to Voilà's process group; terminate/kill where there are no groups."""
    with suppress(ProcessLookupError):
        if hasattr(os, "killpg"):
            os.killpg(process.pid, signal.SIGKILL if hard else signal.SIGTERM)
        elif hard:
            process.kill()
        else:
            process.terminate()


def _descendants(pid: int) -> list:
    try:
        import psutil
    except ImportError:                      # ipykernel needs psutil; without it, the group is enough
        return []
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def start(notebook: Path, port: int = DEFAULT_PORT, lan: bool = False, lang: str | None = None) -> Presentation:
    """Check everything, then start Voilà on ``notebook`` (not yet waited for)."""
    notebook = Path(notebook)
    return start_page(notebook, port, lan, lang, label=module_of(notebook))


def start_page(notebook: Path, port: int = DEFAULT_PORT, lan: bool = False, lang: str | None = None, *,
               label: str = "page", env: dict | None = None) -> Presentation:
    """Start Voilà on any notebook (no module check; ``label`` names it in the log file and as the
    Presentation's ``module``), with ``env`` added to the kernels' environment."""
    import tempfile

    notebook = Path(notebook)
    if importlib.util.find_spec("voila") is None:
        raise PresentError("Voilà is not installed: pip install 'kitlib[lab]'")
    environment = voila_environment(lang)
    environment.update(env or {})
    check_port(port, ALL if lan else LOCAL)
    fd, log_name = tempfile.mkstemp(prefix=f"kit-present-{label}-", suffix=".log")
    with os.fdopen(fd, "wb") as log:
        process = subprocess.Popen(voila_command(notebook, port, lan), cwd=notebook.resolve().parent, env=environment,
                                   stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                   start_new_session=True)
    return Presentation(notebook, label, port, lan, process, Path(log_name))


def _say(line: str) -> None:
    print(line, flush=True)


def _warn(line: str) -> None:
    print(line, file=sys.stderr, flush=True)


def serve(notebook: Path, port: int = DEFAULT_PORT, lan: bool = False, lang: str | None = None,
          open_browser: bool = True, say: Callable[[str], None] = _say, warn: Callable[[str], None] = _warn) -> int:
    """Serve until Ctrl-C (or SIGTERM, or the terminal closing); 0 after a clean stop, 1 if Voilà
    stopped by itself.  ``PresentError`` (one line) for a bad notebook, port or start."""
    from .learn.modules import module as module_info

    module_of(notebook)
    if lan:
        warn(LAN_WARNING)

    def describe(presentation: Presentation) -> list[str]:
        info = module_info(presentation.module)
        lines = [f"module {info.id} · {info.title('zh-CN')} · {info.title('en')}: {presentation.url}"]
        if presentation.lan_url:
            lines.append(f"on this network: {presentation.lan_url}")
        lines.append(f"code hidden; each page runs the notebook in its own kernel; Ctrl-C stops (log: {presentation.log})")
        lines.append(f"participants: add ?learner=THEIR-NAME to the address to save answers under their name "
                     f"(e.g. {presentation.url.rstrip('/')}/?learner=Zhang%20San); otherwise answers go under a guest name")
        return lines
    return serve_until_stopped(lambda: start(notebook, port, lan, lang), describe, open_browser=open_browser,
                               say=say, warn=warn)


def serve_until_stopped(start_server: Callable[[], Presentation], describe: Callable[[Presentation], list[str]], *,
                        open_browser: bool = True, say: Callable[[str], None] = _say,
                        warn: Callable[[str], None] = _warn, name: str = "kit present") -> int:
    """Start a server with ``start_server()``, wait for it, say ``describe(server)``, then serve until
    Ctrl-C (or SIGTERM, or the terminal closing); 0 after a clean stop, 1 if Voilà stopped by itself."""
    def on_signal(_signum, _frame):
        raise KeyboardInterrupt
    stops = [s for s in (signal.SIGTERM, getattr(signal, "SIGHUP", None)) if s is not None]
    if threading.current_thread() is not threading.main_thread():
        stops = []                             # signal handlers can only be set in the main thread
    previous = {s: signal.signal(s, on_signal) for s in stops}
    presentation = None
    try:
        presentation = start_server()
        presentation.wait_http()
        for line in describe(presentation):
            say(line)
        if open_browser:
            import webbrowser
            webbrowser.open(presentation.url)
        while presentation.process.poll() is None:
            time.sleep(0.5)
        warn(f"{name}: error: Voilà stopped by itself with exit code {presentation.process.returncode}: "
             f"{presentation.log_tail(1)} (log: {presentation.log})")
        return 1
    except KeyboardInterrupt:
        if presentation is not None:
            presentation.stop()
        say("stopped")
        return 0
    except BaseException:
        if presentation is not None:
            presentation.stop()
        raise
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
