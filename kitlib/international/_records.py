"""Reading module 11's data files: arrays of tables (``[[topic]]``, ``[[trend]]``, ``[[case]]``)
checked field by field, every problem one line ``file:line: array[n].field: problem``."""
from __future__ import annotations

from pathlib import Path

from ..tomlfile import TomlLines, read_toml
from .errors import InternationalError
from .reference import Citation, CitationError, parse_citation


class Records:
    """The entries of one array of tables in one TOML file, with checked accessors."""

    def __init__(self, path, array: str, allowed: set[str]):
        self.path = Path(path)
        self.name, self.array = self.path.name, array
        data = read_toml(self.path, InternationalError)
        self._lines = TomlLines(self.path.read_text(encoding="utf-8"))
        entries = data.get(array)
        if not isinstance(entries, list) or not entries or not all(isinstance(e, dict) for e in entries):
            raise InternationalError(f"{self.name}: no [[{array}]] entries")
        self.entries = entries
        ids = set()
        for n, entry in enumerate(entries):
            for key in entry:
                if key not in allowed:
                    self.fail(n, key, f"unknown field; allowed: {', '.join(sorted(allowed))}")
            ident = self.text(n, "id")
            if ident in ids:
                self.fail(n, "id", f"duplicate id {ident!r}")
            ids.add(ident)

    def fail(self, n: int, key: str | None, problem: str):
        line = self._lines.find(self.array, key, n)
        where = f"{self.array}[{n}]" + (f".{key}" if key else "")
        raise InternationalError(f"{self.name}:{line}: {where}: {problem}" if line else f"{self.name}: {where}: {problem}")

    def text(self, n: int, key: str, *, required: bool = True) -> str:
        value = self.entries[n].get(key)
        if value is None and not required:
            return ""
        if not isinstance(value, str) or not value.strip():
            self.fail(n, key, "missing or empty text" if value is None or isinstance(value, str)
                      else f"text expected, got {type(value).__name__}")
        return value.strip()

    def choice(self, n: int, key: str, options) -> str:
        value = self.text(n, key)
        if value not in options:
            self.fail(n, key, f"{value!r} is not one of {', '.join(options)}")
        return value

    def flag(self, n: int, key: str) -> bool:
        value = self.entries[n].get(key)
        if not isinstance(value, bool):
            self.fail(n, key, "true or false expected" + ("" if value is None else f", got {value!r}"))
        return value

    def cites(self, n: int, key: str, *, required: bool) -> tuple[Citation, ...]:
        value = self.entries[n].get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            self.fail(n, key, "a list of citations like [\"PIPL Art. 57\"] expected")
        if required and not value:
            self.fail(n, key, "at least one citation from the kit's legal reference is needed")
        out = []
        for text in value:
            try:
                out.append(parse_citation(text))
            except CitationError as exc:
                self.fail(n, key, str(exc))
        return tuple(out)
