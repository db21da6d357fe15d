"""One way to write a file that matters: a temporary sibling, then a rename.

A reader sees the old file or the new one, never half of one; a failure leaves the old file and
no temporary behind.  A new file is private (0600: it may hold learners' names and answers, or
customers' data); a replaced file keeps its mode.
"""
from __future__ import annotations

import os
import tempfile
from contextlib import contextmanager
from pathlib import Path


@contextmanager
def atomic_writer(path, *, fsync: bool = True):
    """``with atomic_writer(path) as fh: fh.write(b"...")``: a binary file that becomes ``path``
    when the block ends without an error (flushed to disk first unless ``fsync=False``)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            yield fh
            if fsync:
                fh.flush()
                os.fsync(fh.fileno())
        if path.exists():
            os.chmod(tmp, path.stat().st_mode & 0o7777)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes_atomic(path, data: bytes, *, fsync: bool = True) -> Path:
    with atomic_writer(path, fsync=fsync) as fh:
        fh.write(data)
    return Path(path)


def write_text_atomic(path, text: str, *, encoding: str = "utf-8", newline: str | None = "\n") -> Path:
    newline = os.linesep if newline is None else newline          # as open(..., newline=) would
    if newline not in ("", "\n"):
        text = text.replace("\n", newline)
    return write_bytes_atomic(path, text.encode(encoding), fsync=False)
