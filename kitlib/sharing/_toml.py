"""Reading the package's TOML files: the parsed data plus line numbers for error messages."""
from __future__ import annotations

import re
from pathlib import Path

from ..tomlfile import read_toml


class TomlSource:
    """A TOML file's data, its name and a way to point at the line of a section or key."""

    def __init__(self, path, error: type[Exception]):
        self.path = Path(path)
        self.name = self.path.name
        self.error = error
        self.data = read_toml(self.path, error)
        self.lines = self.path.read_text(encoding="utf-8").splitlines()

    def line(self, section: str | None, key: str | None = None) -> int:
        """1-based line of ``key`` in ``[section]`` (the section's header line when the key is not
        written there; 0 when neither is found)."""
        start = -1
        if section:
            parts = r"\s*\.\s*".join(rf"(?:{re.escape(p)}|\"{re.escape(p)}\")" for p in section.split("."))
            header = re.compile(rf"^\s*\[\[?\s*{parts}\s*\]\]?\s*(#.*)?$")
            start = next((i for i, text in enumerate(self.lines) if header.match(text)), None)
            if start is None:
                return 0
        if key:
            rx = re.compile(rf"^\s*(\"?){re.escape(key)}\1\s*=")
            for i in range(start + 1, len(self.lines)):
                if re.match(r"^\s*\[", self.lines[i]):
                    break
                if rx.match(self.lines[i]):
                    return i + 1
        return start + 1

    def fail(self, section: str | None, key: str | None, problem: str):
        """Raise the caller's error: ``file:line: section.key: problem``."""
        line = self.line(section, key)
        where = ".".join(p for p in (section, key) if p)
        raise self.error(f"{self.name}:{line}: {where}: {problem}" if line else f"{self.name}: {where}: {problem}")
