"""Reading the package's TOML files: the parsed data plus line numbers for error messages."""
from __future__ import annotations

from pathlib import Path

from ..tomlfile import TomlLines, read_toml


class TomlSource:
    """A TOML file's data, its name and a way to point at the line of a section or key."""

    def __init__(self, path, error: type[Exception]):
        self.path = Path(path)
        self.name = self.path.name
        self.error = error
        self.data = read_toml(self.path, error)
        self._lines = TomlLines(self.path.read_text(encoding="utf-8"))
        self.lines = self._lines.lines

    def line(self, section: str | None, key: str | None = None) -> int:
        """1-based line of ``key`` in ``[section]`` (the section's header when the key is not
        written there; 0 when neither is found)."""
        return self._lines.find(section, key)

    def fail(self, section: str | None, key: str | None, problem: str):
        """Raise the caller's error: ``file:line: section.key: problem``."""
        line = self.line(section, key)
        where = ".".join(p for p in (section, key) if p)
        raise self.error(f"{self.name}:{line}: {where}: {problem}" if line else f"{self.name}: {where}: {problem}")
