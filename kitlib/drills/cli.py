"""``kit exercise validate PATH...`` and ``kit exercise play PATH``: the functions behind them.

validate: each PATH is a package folder, its exercise.yaml, or a folder of packages (such as
``exercises/``); prints ``ok`` per valid package and one line per problem, prefixed by the
package folder.  Exit 0 when all validate, 1 when any has problems, 2 when a path is not there.

play: runs the package in scripted mode (its expected path, or the steps of a YAML/JSON script
file: a list of ``[minute, action, values...]``), prints the timeline and the score, and writes
the run record as JSON to ``out`` when given.  Exit 0, or 2 with a one-line error.

join: serves one role's page of a run that a facilitator's console publishes
(``FacilitatorConsole(run, publish=URL)``) with Voilà, code hidden, until Ctrl-C: a generated
one-cell notebook showing ``kitlib.ui.live.participant_page()``, the run id, role and store handed
to the kernel in its environment (so the page address cannot switch roles, and a PostgreSQL
password is in no file).  The run and role are checked first: exit 2 with a one-line error.
"""
from __future__ import annotations

import json
import sys
from pathlib import Path

import yaml

from ..atomic import write_text_atomic
from .engine import DrillError, play
from .package import DISPUTE_FILE, PACKAGE_FILE, PackageError, load_package, validate

__all__ = ["validate_command", "play_command", "join_command", "participant_notebook", "package_folders",
           "read_script"]


def package_folders(path) -> list[Path]:
    """The package folders at ``path``: itself, its parent (for an exercise.yaml), or its children."""
    path = Path(path)
    if path.is_file():
        return [path.parent]
    if (path / PACKAGE_FILE).is_file() or (path / DISPUTE_FILE).is_file():
        return [path]
    return sorted(p for p in path.iterdir() if (p / PACKAGE_FILE).is_file() or (p / DISPUTE_FILE).is_file()) \
        if path.is_dir() else []


def validate_command(paths, *, out=None) -> int:
    out = out or sys.stdout
    status = 0
    for path in paths:
        path = Path(path)
        if not path.exists():
            print(f"kit exercise validate: error: {path}: no such file or folder", file=sys.stderr)
            status = 2
            continue
        folders = package_folders(path)
        if not folders:
            print(f"kit exercise validate: error: {path}: no {PACKAGE_FILE} here or in its folders", file=sys.stderr)
            status = 2
            continue
        for folder in folders:
            problems = validate(folder)
            for problem in problems:
                print(f"{folder}/{problem}", file=out)
            if problems:
                status = max(status, 1)
            else:
                print(f"ok {folder}", file=out)
    return status


def read_script(path) -> list[tuple[float, tuple]]:
    """Steps from a YAML or JSON file: ``[minute, action, values...]`` or ``[minute, [action, ...]]``."""
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise DrillError(f"{path}: {exc.strerror or exc}") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise DrillError(f"{path}:{mark.line + 1 if mark else 0}: YAML syntax error: "
                         f"{getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, list):
        raise DrillError(f"{path}: a script is a list of [minute, action, values...] steps")
    steps = []
    for n, step in enumerate(data, 1):
        if not isinstance(step, list) or len(step) < 2:
            raise DrillError(f"{path}: step {n}: must be [minute, action, values...], got {step!r}")
        steps.append((step[0], tuple(step[1]) if isinstance(step[1], list) else tuple(step[1:])))
    return steps


def play_command(path, seed: int, script=None, *, out=None, stdout=None) -> int:
    stdout = stdout or sys.stdout
    try:
        package = load_package(path)
        steps = read_script(script) if script is not None else None
        run = play(package, seed, steps)
    except PackageError as exc:
        print(f"kit exercise play: error: {path} does not validate ({len(exc.problems)} problems); "
              f"run kit exercise validate {path}", file=sys.stderr)
        return 2
    except (DrillError, ValueError) as exc:
        print(f"kit exercise play: error: {str(exc).splitlines()[0]}", file=sys.stderr)
        return 2
    record = run.record()
    print(f"{record['package']['id']} variant {record['variant']['id']} seed {seed}", file=stdout)
    for e in record["events"]:
        what = " ".join(str(e[k]) for k in ("id", "option", "role") if e.get(k) is not None)
        extra = "" if e["kind"] != "task" else (" correct" if e["correct"] else " wrong")
        print(f"{e['t']:7.1f}  {e['kind']:<11} {what}{extra}", file=stdout)
    for c in record["criteria"]:
        print(f"{'met ' if c['met'] else 'MISSED'} {c['id']} {c['awarded']}/{c['points']} {c['title']['en']}", file=stdout)
    print(f"score {record['score']['awarded']:g} of {record['score']['max']:g}", file=stdout)
    if out is not None:
        try:
            write_text_atomic(out, json.dumps(record, ensure_ascii=False, indent=2) + "\n")
        except OSError as exc:
            print(f"kit exercise play: error: {out}: {exc.strerror or exc}", file=sys.stderr)
            return 2
    return 0


def participant_notebook(folder) -> Path:
    """Write the page ``kit exercise join`` serves: one hidden code cell, the participant's view."""
    cell = ("from kitlib.ui.live import participant_page\n"
            "participant_page()")
    notebook = {
        "nbformat": 4, "nbformat_minor": 5,
        "metadata": {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"}},
        "cells": [{"cell_type": "code", "id": "participant", "metadata": {}, "execution_count": None,
                   "outputs": [], "source": cell}],
    }
    path = Path(folder) / "participant.ipynb"
    write_text_atomic(path, json.dumps(notebook, indent=1) + "\n")
    return path


def join_command(run_id: str, role: str, store: str | None = None, *, port: int = 8866, lan: bool = False,
                 lang: str | None = None, open_browser: bool = True, say=None, warn=None) -> int:
    import shutil
    import tempfile

    from ..present import LAN_WARNING, PresentError, serve_until_stopped, start_page
    from .live import ENV_URL, Follower, LiveError, default_url

    say = say or (lambda line: print(line, flush=True))
    warn = warn or (lambda line: print(line, file=sys.stderr, flush=True))
    url = store or default_url()
    try:
        follower = Follower(url, run_id, role)
    except LiveError as exc:
        warn(f"kit exercise join: error: {str(exc).splitlines()[0]}")
        return 2
    run_id, role = follower.run_id, follower.role
    title = next(r["title"] for r in follower.header["roles"] if r["id"] == role)
    store_text = follower.store.safe_url
    follower.close()
    if lan:
        warn(LAN_WARNING)
    folder = Path(tempfile.mkdtemp(prefix="kit-join-"))
    env = {ENV_URL: url, "KIT_LIVE_RUN": run_id, "KIT_LIVE_ROLE": role}

    def describe(server) -> list[str]:
        lines = [f"run {run_id} · role {role} · {title['zh-CN']} · {title['en']}: {server.url}"]
        if server.lan_url:
            lines.append(f"on this network: {server.lan_url}")
        lines.append(f"the page follows the run in {store_text}; code hidden; Ctrl-C stops (log: {server.log})")
        return lines
    try:
        notebook = participant_notebook(folder)
        return serve_until_stopped(lambda: start_page(notebook, port, lan, lang, label=f"join-{role}", env=env),
                                   describe, open_browser=open_browser, say=say, warn=warn,
                                   name="kit exercise join")
    except PresentError as exc:
        warn(f"kit exercise join: error: {exc}")
        return 2
    finally:
        shutil.rmtree(folder, ignore_errors=True)
