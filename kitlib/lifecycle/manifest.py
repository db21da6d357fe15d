"""Manifests: what a set of files (or tables) holds, so two copies can be compared exactly.

``build_manifest`` records per file its SHA-256 and size and, for a CSV table (UTF-8, with or
without a BOM), its content:

* ``rows`` and ``distinct_rows`` (a duplicated row shows as rows > distinct_rows);
* per column, in order: ``nulls`` (empty cells) and ``fingerprint``, the sum modulo 2**64 of
  the first 8 bytes of SHA-256 of each non-empty value: independent of row order, changed by
  any one changed, added or lost value, so a changed cell is pinned to its column;
* ``rows_fingerprint``, the same sum over whole rows (columns in name order), which catches
  values moved between rows even when every column still holds the same values.

``compare_manifests(source, target)`` says per file: ok, missing, extra, rows differ, columns
differ, values differ (which columns), rows recombined, bytes differ (not a table) or same
content with different bytes (e.g. another row order or quoting).  Tables read back from a
database use :func:`table_entry` with the same rules (NULL counts as an empty cell), so a CSV
and its migrated table compare directly.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

import pandas as pd

__all__ = ["ManifestError", "build_manifest", "table_entry", "csv_entry", "compare_manifests",
           "manifest_digest", "manifest_frame", "list_files", "Comparison", "FileComparison", "STATUSES", "FORMAT"]

FORMAT = "kitlib-manifest"
VERSION = 1
_MOD = 1 << 64
_BOM = b"\xef\xbb\xbf"

#: status -> (zh, en) label; ``ok`` and ``same-content`` mean the content is complete and equal.
STATUSES = {
    "ok": ("一致", "ok"),
    "same-content": ("字节不同但内容相同", "bytes differ but content is the same"),
    "missing": ("目标中缺失", "missing in the target"),
    "extra": ("目标中多出", "extra in the target"),
    "rows-differ": ("行数不同", "row counts differ"),
    "columns-differ": ("列不同", "columns differ"),
    "values-differ": ("列中的值不同", "values differ in columns"),
    "rows-recombined": ("值在行间错位", "values moved between rows"),
    "bytes-differ": ("内容不同", "bytes differ"),
    "unreadable": ("表格无法读取", "table cannot be read"),
}
_GOOD = {"ok", "same-content"}


class ManifestError(ValueError):
    """A manifest that cannot be built or compared; the message names the file or field."""


def _value_hash(value: str) -> int:
    return int.from_bytes(hashlib.sha256(value.encode("utf-8")).digest()[:8], "big")


def _hex(total: int) -> str:
    return f"{total % _MOD:016x}"


def table_entry(columns: Sequence[str], rows: Iterable[Sequence]) -> dict:
    """The content entry of one table: ``rows, distinct_rows, rows_fingerprint, columns``.

    Cells are compared as text; ``None``, NaN and ``""`` are all empty (null) cells.
    """
    columns = [str(c) for c in columns]
    dupes = sorted({c for c in columns if columns.count(c) > 1})
    if dupes:
        raise ManifestError(f"column {dupes[0]!r} occurs more than once")
    width = len(columns)
    order = sorted(range(width), key=lambda i: columns[i])
    kept = []
    for row in rows:
        cells = tuple(v if (type(v) is str and v) else _cell(v) for v in row)
        if len(cells) != width:
            raise ManifestError(f"a row has {len(cells)} cells, expected {width}")
        kept.append(cells)
    by_row = Counter(kept)
    out_columns = []
    for name, values in zip(columns, zip(*kept) if kept else [()] * width):
        counter = Counter(values)
        nulls = counter.pop(None, 0)
        total = sum(_value_hash(v) * k for v, k in counter.items())
        out_columns.append({"name": name, "nulls": nulls, "fingerprint": _hex(total)})
    # a row's text: repr of its cells in column-name order (unambiguous; None for an empty cell)
    rows_total = sum(_value_hash(repr(tuple(r[i] for i in order))) * k for r, k in by_row.items())
    return {"rows": len(kept), "distinct_rows": len(by_row), "rows_fingerprint": _hex(rows_total),
            "columns": out_columns}


def _cell(value):
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and value != value:
        return None
    if isinstance(value, bytes):
        value = value.decode("utf-8", "backslashreplace")
    text = value if isinstance(value, str) else str(value)
    return text if text != "" else None


def csv_entry(data: bytes, name: str = "<csv>") -> dict:
    """The content entry of a CSV file's bytes (UTF-8, optional BOM), or ManifestError naming the
    file and line."""
    encoding = "utf-8-sig" if data.startswith(_BOM) else "utf-8"
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise ManifestError(f"{name}: line {line}: not UTF-8 text") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader, None)
        if header is None:
            return {"encoding": encoding, **table_entry([], [])}
        width = len(header)

        def rows():
            for row in reader:
                if not row:              # a blank line (pandas skips them too)
                    continue
                if len(row) != width:
                    raise ManifestError(f"{name}: line {reader.line_num}: {len(row)} fields, expected {width}")
                yield row

        try:
            entry = table_entry(header, rows())
        except ManifestError as exc:
            message = str(exc)
            raise ManifestError(message if message.startswith(f"{name}:") else f"{name}: {message}") from None
    except csv.Error as exc:
        raise ManifestError(f"{name}: line {reader.line_num}: {exc}") from None
    return {"encoding": encoding, **entry}


def _is_table(name: str) -> bool:
    return name.lower().endswith(".csv")


def _file_entry(name: str, data: bytes) -> dict:
    entry = {"size": len(data), "sha256": hashlib.sha256(data).hexdigest()}
    if _is_table(name):
        try:
            entry["table"] = csv_entry(data, name)
        except ManifestError as exc:
            entry["table_error"] = str(exc)
    return entry


def list_files(directory) -> list[tuple[str, Path]]:
    """Every regular file under ``directory`` as ``(relative POSIX name, path)``, sorted; symbolic
    links are not followed."""
    root = Path(directory)
    if not root.is_dir():
        raise ManifestError(f"{root}: not a folder")
    found = []
    for folder, _dirs, names in os.walk(root):           # does not descend into linked folders
        for name in names:
            path = Path(folder) / name
            if path.is_file() and not path.is_symlink():
                found.append((path.relative_to(root).as_posix(), path))
    return sorted(found)


def build_manifest(members) -> dict:
    """The manifest of ``members`` (name -> bytes) or of every file under a directory."""
    files = {}
    if isinstance(members, dict):
        for name, data in sorted(members.items()):
            if not isinstance(data, (bytes, bytearray, memoryview)):
                raise ManifestError(f"member {name!r} must be bytes, got {type(data).__name__}")
            files[str(name)] = _file_entry(str(name), bytes(data))
    elif isinstance(members, (str, Path)):
        for name, path in list_files(members):
            files[name] = _file_entry(name, path.read_bytes())
    else:
        raise ManifestError(f"build_manifest takes a dict of name -> bytes or a folder, got {type(members).__name__}")
    return {"format": FORMAT, "version": VERSION, "files": files}


def manifest_digest(manifest: dict) -> str:
    """SHA-256 (hex) of the manifest's canonical JSON: names one manifest in a ledger entry."""
    text = json.dumps(manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_frame(manifest: dict) -> pd.DataFrame:
    """One row per file: bytes, the start of its SHA-256, rows, distinct rows, columns."""
    rows = []
    for name, entry in _files(manifest, "given").items():
        table = entry.get("table") or {}
        rows.append({"file": name, "bytes": entry.get("size"), "sha256": (entry.get("sha256") or "")[:12],
                     "rows": table.get("rows"), "distinct_rows": table.get("distinct_rows"),
                     "columns": len(table["columns"]) if table else None,
                     "problem": entry.get("table_error", "")})
    frame = pd.DataFrame(rows, columns=["file", "bytes", "sha256", "rows", "distinct_rows", "columns", "problem"])
    return frame.astype({"bytes": "Int64", "rows": "Int64", "distinct_rows": "Int64", "columns": "Int64"})


# -- comparing ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class FileComparison:
    """One file's (or table's) verdict; ``columns`` names the columns concerned."""
    name: str
    status: str
    source_rows: int | None = None
    target_rows: int | None = None
    columns: tuple = ()
    duplicates: int = 0           # target rows that repeat another row, beyond the source's own

    @property
    def ok(self) -> bool:
        return self.status in _GOOD

    def describe(self, lang: str = "en") -> str:
        """One line saying what differs, in ``lang`` ("en" or "zh")."""
        zh = lang.startswith("zh")
        label = STATUSES[self.status][0 if zh else 1]
        extra = ""
        if self.status == "rows-differ":
            extra = (f":源 {self.source_rows} 行,目标 {self.target_rows} 行" if zh
                     else f": {self.source_rows} in the source, {self.target_rows} in the target")
            if self.duplicates:
                extra += f"(其中 {self.duplicates} 行为重复行)" if zh else f" ({self.duplicates} duplicated rows)"
        if self.columns and self.status != "rows-differ":
            joined = "、".join(self.columns) if zh else ", ".join(self.columns)
            extra += f";涉及列:{joined}" if zh else f"; columns: {joined}"
        return f"{self.name}:{label}{extra}" if zh else f"{self.name}: {label}{extra}"


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare_manifests`: one FileComparison per file of either side."""
    files: tuple = field(default_factory=tuple)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    def __bool__(self) -> bool:
        return self.ok

    def problems(self, lang: str = "en") -> list[str]:
        return [f.describe(lang) for f in self.files if not f.ok]

    def get(self, name: str) -> FileComparison | None:
        return next((f for f in self.files if f.name == name), None)

    def frame(self, lang: str = "en") -> pd.DataFrame:
        zh = lang.startswith("zh")
        return pd.DataFrame([{"file": f.name, "status": f.status,
                              "verdict": STATUSES[f.status][0 if zh else 1],
                              "source_rows": f.source_rows, "target_rows": f.target_rows,
                              "columns": ", ".join(f.columns), "detail": f.describe(lang)} for f in self.files],
                            columns=["file", "status", "verdict", "source_rows", "target_rows", "columns", "detail"]
                            ).astype({"source_rows": "Int64", "target_rows": "Int64"})

    def __str__(self) -> str:
        if self.ok:
            return f"manifests match: {len(self.files)} files"
        return "manifests differ: " + "; ".join(self.problems())


def _files(manifest, side: str) -> dict:
    if not isinstance(manifest, dict) or not isinstance(manifest.get("files"), dict):
        raise ManifestError(f"the {side} manifest has no 'files' object")
    return manifest["files"]


def compare_manifests(source: dict, target: dict) -> Comparison:
    """Compare two manifests file by file (by name); see :data:`STATUSES`."""
    src, dst = _files(source, "source"), _files(target, "target")
    out = []
    for name in sorted(set(src) | set(dst)):
        if name not in dst:
            out.append(FileComparison(name, "missing", _rows(src[name]), None))
        elif name not in src:
            out.append(FileComparison(name, "extra", None, _rows(dst[name])))
        else:
            out.append(_compare_entry(name, src[name], dst[name]))
    return Comparison(tuple(out))


def _rows(entry: dict):
    table = entry.get("table")
    return table["rows"] if table else None


def _compare_entry(name: str, a: dict, b: dict) -> FileComparison:
    same_bytes = a.get("sha256") is not None and a.get("sha256") == b.get("sha256") and a.get("size") == b.get("size")
    ta, tb = a.get("table"), b.get("table")
    if same_bytes:
        return FileComparison(name, "ok", _rows(a), _rows(b))
    if ta is None or tb is None:
        if "table_error" in a or "table_error" in b:
            return FileComparison(name, "unreadable")
        return FileComparison(name, "bytes-differ")
    ra, rb = ta["rows"], tb["rows"]
    cols_a = {c["name"]: c for c in ta["columns"]}
    cols_b = {c["name"]: c for c in tb["columns"]}
    if set(cols_a) != set(cols_b):
        changed = tuple(sorted(set(cols_a) ^ set(cols_b)))
        return FileComparison(name, "columns-differ", ra, rb, changed)
    changed = tuple(c["name"] for c in ta["columns"]
                    if (c["fingerprint"], c["nulls"]) != (cols_b[c["name"]]["fingerprint"], cols_b[c["name"]]["nulls"]))
    if ra != rb:
        dup_a = ra - ta["distinct_rows"]
        dup_b = rb - tb["distinct_rows"]
        return FileComparison(name, "rows-differ", ra, rb, changed, max(0, dup_b - dup_a))
    if changed:
        return FileComparison(name, "values-differ", ra, rb, changed)
    if ta["rows_fingerprint"] != tb["rows_fingerprint"] or ta["distinct_rows"] != tb["distinct_rows"]:
        return FileComparison(name, "rows-recombined", ra, rb)
    status = "same-content" if a.get("sha256") and b.get("sha256") else "ok"
    return FileComparison(name, status, ra, rb)
