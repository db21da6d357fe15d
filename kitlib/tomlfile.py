"""Read a TOML file that a trainer may have edited: one-line errors that name the file (and,
with ``TomlLines``, the line of the section or key at fault)."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path


def read_toml(path: Path, error: type[Exception]) -> dict:
    """The parsed file; ``error`` (the caller's exception class) with one line naming it otherwise."""
    name = path.name
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise error(f"{name}: no such file") from None
    except UnicodeDecodeError:
        raise error(f"{name}: not UTF-8 text") from None
    except tomllib.TOMLDecodeError as exc:
        raise error(f"{name}: not valid TOML: {exc}") from None
    except OSError as exc:
        raise error(f"{name}: {exc.strerror or exc}") from None


class TomlLines:
    """Line numbers of headers and keys in a TOML text, for error messages."""

    def __init__(self, text: str):
        self.lines = text.splitlines()

    def _header(self, pattern: str, index: int = 0) -> int | None:
        rx, seen = re.compile(pattern), -1
        for i, line in enumerate(self.lines):
            if rx.match(line):
                seen += 1
                if seen == index:
                    return i
        return None

    def find(self, section: str | None, key: str | None = None, index: int = 0) -> int:
        """1-based line of ``key`` in the ``index``-th ``[[section]]`` (or in ``[section]``; None: the
        top of the file); the section's header line when the key is not written there; 0: not found."""
        if section is None:
            start = -1
        else:
            parts = r"\s*\.\s*".join(rf"(?:{re.escape(p)}|\"{re.escape(p)}\")" for p in section.split("."))
            start = self._header(rf"^\s*\[\[\s*{parts}\s*\]\]", index)
            if start is None:
                start = self._header(rf"^\s*\[\s*{parts}\s*\]", 0)
            if start is None:
                return 0
        if key:
            rx = re.compile(rf"^\s*(\"?){re.escape(key)}\1\s*(=|\.)")
            for i in range(start + 1, len(self.lines)):
                if re.match(r"^\s*\[", self.lines[i]):
                    break
                if rx.match(self.lines[i]):
                    return i + 1
        return start + 1
