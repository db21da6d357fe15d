"""Install configurable-http-proxy (JupyterHub's proxy, an npm package) into .venv/hub-proxy.

    python deploy/local/install_proxy.py        # needs node >= 20 and npm

``npm ci`` from this folder's package-lock.json, so CI gets exactly the tested versions; the
target folder is inside the git-ignored .venv and goes away with ``make clean``.  Standard
library only.  A no-op when the installed lock file is the same.
"""
from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
TARGET = HERE.parent.parent / ".venv" / "hub-proxy"
BINARY = TARGET / "node_modules" / ".bin" / "configurable-http-proxy"


def main() -> int:
    npm = shutil.which("npm")
    if npm is None:
        print("install_proxy: npm not found; install Node.js 20+ (the hub tests will be skipped)", file=sys.stderr)
        return 2
    lock = (HERE / "package-lock.json").read_bytes()
    installed = TARGET / "node_modules" / ".package-lock.json"
    if BINARY.exists() and (TARGET / "package-lock.json").exists() and \
            (TARGET / "package-lock.json").read_bytes() == lock and installed.exists():
        print(f"install_proxy: {BINARY} is up to date")
        return 0
    TARGET.mkdir(parents=True, exist_ok=True)
    for name in ("package.json", "package-lock.json"):
        shutil.copyfile(HERE / name, TARGET / name)
    cmd = [npm, "ci", "--no-audit", "--no-fund", "--omit=dev"]
    print("+", " ".join(cmd), f"(in {TARGET})", flush=True)
    code = subprocess.call(cmd, cwd=TARGET)
    if code == 0:
        print(f"install_proxy: {BINARY}")
    return code


if __name__ == "__main__":
    sys.exit(main())
