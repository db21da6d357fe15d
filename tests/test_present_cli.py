"""``kit present``: what it refuses (one line, exit 2) and the Voilà command it builds, without a browser.

Serving a module in Chromium is proven in tests/browser/test_present_in_browser.py.
"""
from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest

from kitlib import present
from kitlib.cli import main

ROOT = Path(__file__).resolve().parents[1]
MODULES = sorted((ROOT / "notebooks").glob("[0-9][0-9]_*.ipynb"))


def notebook(path: Path, first_markdown: str) -> Path:
    path.write_text(json.dumps({"nbformat": 4, "nbformat_minor": 5, "metadata": {}, "cells": [
        {"cell_type": "markdown", "metadata": {}, "source": first_markdown},
        {"cell_type": "code", "metadata": {}, "execution_count": None, "outputs": [], "source": "1 + 1"}]}))
    return path


def run_kit(capsys, *argv) -> tuple[int, list[str]]:
    code = main(["present", *map(str, argv), "--no-browser"])
    err = capsys.readouterr().err.strip().splitlines()
    return code, err


def test_a_missing_notebook_is_one_line_naming_it(tmp_path, capsys):
    code, err = run_kit(capsys, tmp_path / "nope.ipynb")
    assert code == 2 and len(err) == 1
    assert err[0] == f"kit present: error: {tmp_path / 'nope.ipynb'}: no such notebook"


def test_a_notebook_without_the_module_marker_is_refused(tmp_path, capsys):
    code, err = run_kit(capsys, notebook(tmp_path / "scratch.ipynb", "# My notes\n"))
    assert code == 2 and len(err) == 1
    assert "scratch.ipynb: not a module notebook" in err[0] and "kit:module" in err[0]


def test_the_trainer_dashboard_is_not_a_module(capsys):
    code, err = run_kit(capsys, ROOT / "notebooks" / "trainer" / "dashboard.ipynb")
    assert code == 2 and "not a module notebook" in err[0]


def test_a_module_id_outside_the_course_is_refused(tmp_path, capsys):
    code, err = run_kit(capsys, notebook(tmp_path / "99.ipynb", "# 99\n<!-- kit:module 99 -->\n"))
    assert code == 2 and len(err) == 1 and "module '99' is not in the course" in err[0]


def test_broken_json_names_the_line(tmp_path, capsys):
    path = tmp_path / "broken.ipynb"
    path.write_text('{\n  "cells": [\n    {"cell_type": \n')
    code, err = run_kit(capsys, path)
    assert code == 2 and len(err) == 1
    assert "broken.ipynb: not a notebook (invalid JSON at line 4" in err[0]


def test_a_file_that_is_not_ipynb_is_refused(tmp_path, capsys):
    path = tmp_path / "module.py"
    path.write_text("print(1)\n")
    code, err = run_kit(capsys, path)
    assert code == 2 and "module.py: not a notebook (expected an .ipynb file)" in err[0]


@pytest.mark.parametrize("port, message", [("abc", "whole number, got 'abc'"), ("0", "between 1 and 65535, got 0"),
                                           ("70000", "between 1 and 65535, got 70000")])
def test_a_bad_port_is_one_line(port, message, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["present", str(MODULES[0]), "--port", port])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2 and len(err) == 1 and message in err[0]


def test_an_unknown_language_is_one_line(capsys):
    with pytest.raises(SystemExit) as exit_:
        main(["present", str(MODULES[0]), "--lang", "fr"])
    err = capsys.readouterr().err.strip().splitlines()
    assert exit_.value.code == 2 and len(err) == 1 and "'fr'" in err[0]


def test_a_port_in_use_is_refused_before_voila_starts(capsys):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = run_kit(capsys, MODULES[0], "--port", port)
    assert code == 2 and len(err) == 1
    assert f"port {port} on 127.0.0.1 is not free" in err[0] and "--port" in err[0]


def test_lan_warns_before_anything_is_served(capsys):
    with socket.socket() as busy:
        busy.bind(("0.0.0.0", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code, err = run_kit(capsys, MODULES[0], "--port", port, "--lan")
    assert code == 2
    assert err[0] == present.LAN_WARNING and "0.0.0.0" in err[0]
    assert f"port {port} on 0.0.0.0 is not free" in err[1]


def test_voila_is_told_to_hide_code_on_one_exact_local_port():
    command = present.voila_command(MODULES[1], port=9123, python="python3")
    assert command[:4] == ["python3", "-m", "voila", MODULES[1].name]
    for option in ("--no-browser", "--port=9123", "--Voila.ip=127.0.0.1", "--Voila.port_retries=0",
                   "--strip_sources=True"):
        assert option in command
    assert "--Voila.ip=0.0.0.0" in present.voila_command(MODULES[1], port=9123, lan=True)


def test_the_language_reaches_the_kernel_only_when_asked():
    assert present.voila_environment("en", base={"PATH": "/bin"})["KIT_LANG"] == "en"
    assert "KIT_LANG" not in present.voila_environment(None, base={"PATH": "/bin"})
    with pytest.raises(present.PresentError, match="--lang must be one of zh-CN, en"):
        present.voila_environment("de", base={})


@pytest.mark.parametrize("path", MODULES, ids=lambda p: p.name)
def test_every_module_notebook_is_recognised_with_its_id(path):
    assert present.module_of(path) == path.name[:2]
