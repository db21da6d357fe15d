"""Cross-platform tasks behind the Makefile: `python tasks.py install|lab|test|bench|lock`.

On Windows, where `make` is usually missing, run `py tasks.py lab` and `py tasks.py test`.
Standard library only: this file runs before anything is installed.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import subprocess
import sys
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent
VENV = ROOT / ".venv"
BIN = VENV / ("Scripts" if os.name == "nt" else "bin")
PY = BIN / ("python.exe" if os.name == "nt" else "python")
STAMP = VENV / ".kit-installed"
BENCH_STAMP = VENV / ".kit-installed-bench"
INPUTS = ("pyproject.toml", "constraints.txt")


def _fingerprint() -> str:
    digest = hashlib.sha256()
    for name in INPUTS:
        digest.update((ROOT / name).read_bytes())
    return digest.hexdigest()


def _run(*args: object) -> None:
    cmd = [str(a) for a in args]
    print("+", " ".join(cmd), flush=True)
    code = subprocess.call(cmd, cwd=ROOT)
    if code:
        sys.exit(code)


def install() -> None:
    """Create .venv and install the pinned dependencies and the kit (editable); a no-op when current."""
    if STAMP.exists() and STAMP.read_text() == _fingerprint() and PY.exists():
        print("install: .venv is up to date")
        return
    if not PY.exists():
        print(f"+ python -m venv {VENV.name}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    _run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", "constraints.txt", "pip")
    _run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
         "-c", "constraints.txt", "-e", ".[lab,dev,hub]")
    STAMP.write_text(_fingerprint())


def lab() -> None:
    """Install, then open JupyterLab on the welcome notebook (prints the URL when no browser exists)."""
    install()
    args = [BIN / "jupyter", "lab", "notebooks/00_welcome.ipynb"]
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--allow-root")
    if os.environ.get("KIT_NO_BROWSER") or not _has_browser():
        args.append("--no-browser")
    _run(*args)


def _has_browser() -> bool:
    import webbrowser
    try:
        webbrowser.get()
        return True
    except webbrowser.Error:
        return False


def test() -> None:
    """Install, then every test: unit tests and nbval over every notebook."""
    install()
    if shutil.which("npm"):     # JupyterHub's proxy, for the end-to-end hub test (tests/hub)
        _run(PY, "deploy/local/install_proxy.py")
    _run(PY, "-m", "pytest", "--nbval-lax", "-p", "no:cacheprovider", "tests", "notebooks", *sys.argv[2:])


def bench() -> None:
    """Install, add the `bench` extra (Presidio, spaCy) when missing or stale, then run every benchmark."""
    install()
    importable = subprocess.call([str(PY), "-c", "import presidio_analyzer, spacy"], cwd=ROOT,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) == 0
    if not (importable and BENCH_STAMP.exists() and BENCH_STAMP.read_text() == _fingerprint()):
        _run(PY, "-m", "pip", "install", "--quiet", "--disable-pip-version-check",
             "-c", "constraints.txt", "-e", ".[lab,dev,hub,bench]")
        BENCH_STAMP.write_text(_fingerprint())
    for script in sorted((ROOT / "benchmarks").glob("bench_*.py")):
        _run(PY, script)


def lock() -> None:
    """Re-resolve the newest allowed versions in a scratch venv and rewrite constraints.txt."""
    scratch = ROOT / ".venv-lock"
    venv.EnvBuilder(with_pip=True, clear=True).create(scratch)
    spy = scratch / BIN.name / PY.name
    _run(spy, "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    _run(spy, "-m", "pip", "install", "--quiet", ".[lab,dev,hub,bench]")
    frozen = subprocess.check_output([str(spy), "-m", "pip", "freeze", "--exclude", "kitlib"], text=True)
    pip_version = subprocess.check_output([str(spy), "-m", "pip", "--version"], text=True).split()[1]
    lines = [l for l in frozen.splitlines() if l and not l.startswith(("-e", "#"))]
    header = "# Exact versions CI tested. Regenerate with `python tasks.py lock`.\n"
    (ROOT / "constraints.txt").write_text(header + "\n".join(sorted(lines + [f"pip=={pip_version}"], key=str.lower)) + "\n")
    print(f"lock: wrote {len(lines) + 1} pins to constraints.txt")


TASKS = {"install": install, "lab": lab, "test": test, "bench": bench, "lock": lock}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in TASKS:
        sys.exit(f"usage: python tasks.py {{{'|'.join(TASKS)}}} [pytest args]")
    TASKS[sys.argv[1]]()
