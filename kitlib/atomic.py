"""One way to write a file that matters: a temporary sibling, then a rename.

A reader sees the old file or the new one, never half of one; a failure leaves the old file and
no temporary behind.  A new file is private (0600: it may hold learners' names and answers); a
replaced file keeps its mode.
"""
from __future__ import annotations

import os
import tempfile
from pathlib import Path


def write_text_atomic(path, text: str, *, encoding: str = "utf-8", newline: str | None = "\n") -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding, newline=newline) as fh:
            fh.write(text)
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path
