"""Progress files: a learner without a shared server hands in a file, the trainer merges it.

``kit progress export --out 张三.jsonl`` writes the store's rows as JSON Lines (UTF-8)::

    {"exported_at": "...", "format": "kit-progress", "learner": null, "source": "sqlite:///...", "version": 1}
    {"row": {...}, "table": "attempts"}
    {"row": {...}, "table": "completions"}
    {"end": true, "rows": 2, "sha256": "<hex of every byte above this line>"}

The file is written to a temporary name and renamed, so a crash never leaves half a file
under the real name; a name ending in ``.gz`` is gzip-compressed.  ``kit progress import``
reads and checks the whole file before it writes anything: a damaged, truncated or edited
file is refused with its name, the line number and the field, and the store is not touched.
Rows keep their ids, so importing the same file twice adds nothing the second time.
"""
from __future__ import annotations

import gzip
import hashlib
import json
import os
import re
import tempfile
import zlib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterator

import sqlalchemy as sa

from .store import TABLES, ProgressStore, now

FORMAT = "kit-progress"
VERSION = 1
ORDER = {  # oldest first, ties by id: the same store always exports the same lines
    "attempts": ("answered_at", "id"),
    "completions": ("completed_at", "id"),
    "certificates": ("issued_at", "code"),
}
_JSON_TEXT = {("attempts", "answer"), ("certificates", "payload")}
_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,6})?Z")


class TransferError(Exception):
    """A progress file that cannot be written or read; one line, naming the file and line."""


@dataclass(frozen=True)
class ExportReport:
    path: Path
    rows: int
    by_table: dict[str, int]


@dataclass(frozen=True)
class ImportReport:
    """What one file brought: rows new to the store, and rows it already had."""
    path: Path
    added: int
    skipped_duplicates: int
    by_table: dict[str, dict[str, int]] = field(default_factory=dict)   # table -> {"added", "skipped"}


def _line(obj: dict) -> bytes:
    return (json.dumps(obj, ensure_ascii=False, sort_keys=True, separators=(",", ":")) + "\n").encode("utf-8")


def _plain(value: Any) -> Any:
    """Database values as JSON values (SQLite may hand back 0/1 for booleans, Decimal, ...)."""
    if value is None or isinstance(value, (str, bool, int, float)):
        return value
    if hasattr(value, "__float__"):
        return float(value)
    return str(value)


def _select(store: ProgressStore, learner: str | None) -> dict[str, list[dict]]:
    """Every row of every table (one learner's, or all), read in one transaction."""
    out: dict[str, list[dict]] = {}
    with store.engine.connect() as conn:
        if store.dialect == "postgresql":   # one snapshot for all three tables
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
        with conn.begin():
            for name, table in TABLES.items():
                query = sa.select(table).order_by(*(table.c[c] for c in ORDER[name]))
                if learner is not None:
                    query = query.where(table.c.learner == learner)
                rows = conn.execute(query).mappings().all()
                out[name] = [{k: _plain(v) for k, v in r.items()} for r in rows]
    for row in out["attempts"]:
        row["correct"] = bool(row["correct"])
    return out


def export_progress(store: ProgressStore, path: str | os.PathLike, learner: str | None = None) -> ExportReport:
    """Write the store's rows (every learner's, or ``learner``'s) to ``path``, atomically."""
    path = Path(path)
    if learner is not None:
        learner = learner.strip()
        if learner not in store.learners():
            raise TransferError(f"no progress for learner {learner!r} in {store.safe_url}")
    data = _select(store, learner)
    header = {"format": FORMAT, "version": VERSION, "exported_at": now(), "learner": learner,
              "source": store.safe_url}
    digest = hashlib.sha256()
    count = 0
    folder = path.parent if str(path.parent) else Path(".")
    try:
        fd, tmp_name = tempfile.mkstemp(dir=folder, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise TransferError(f"{path}: cannot write: {exc.strerror or exc}") from None
    try:
        with os.fdopen(fd, "wb") as raw:
            out = gzip.GzipFile(filename=path.name[:-3], mode="wb", fileobj=raw, mtime=0) \
                if path.name.endswith(".gz") else raw
            try:
                for obj in [header] + [{"table": t, "row": r} for t, rows in data.items() for r in rows]:
                    line = _line(obj)
                    digest.update(line)
                    out.write(line)
                    count += "table" in obj
                out.write(_line({"end": True, "rows": count, "sha256": digest.hexdigest()}))
            finally:
                if out is not raw:
                    out.close()
            raw.flush()
            os.fsync(raw.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except OSError as exc:
        Path(tmp_name).unlink(missing_ok=True)
        raise TransferError(f"{path}: cannot write: {exc.strerror or exc}") from None
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise
    return ExportReport(path, count, {t: len(r) for t, r in data.items()})


# -- reading -------------------------------------------------------------------------------

def _open_lines(path: Path) -> Iterator[bytes]:
    """The file's lines as bytes (gzip recognised by its first bytes, whatever the name)."""
    with open(path, "rb") as fh:
        compressed = fh.read(2) == b"\x1f\x8b"
    opener = gzip.open if compressed else open
    with opener(path, "rb") as fh:
        yield from fh


def _kind(column: sa.Column) -> tuple[tuple[type, ...], str]:
    t = column.type
    if isinstance(t, sa.Boolean):
        return (bool,), "true or false"
    if isinstance(t, sa.Integer):
        return (int,), "a whole number"
    if isinstance(t, sa.Float):
        return (int, float), "a number"
    return (str,), "text"


def _check_row(where: str, table: str, row: Any) -> dict:
    """The row if it fits the table; else TransferError naming ``where`` and the field."""
    if not isinstance(row, dict):
        raise TransferError(f"{where}: \"row\" must be an object, got {type(row).__name__}")
    columns = TABLES[table].c
    unknown = sorted(set(row) - set(columns.keys()))
    if unknown:
        raise TransferError(f"{where}: field {unknown[0]!r} is not a column of {table}")
    for column in columns:
        name = column.name
        if name not in row:
            raise TransferError(f"{where}: {table} row has no field {name!r}")
        value = row[name]
        if value is None:
            if column.nullable:
                continue
            raise TransferError(f"{where}: {table} field {name!r} must not be null")
        types, label = _kind(column)
        if not isinstance(value, types) or (bool not in types and isinstance(value, bool)):
            raise TransferError(f"{where}: {table} field {name!r} must be {label}, "
                                f"got {json.dumps(value, ensure_ascii=False)[:60]}")
        if isinstance(value, float) and value != value:
            raise TransferError(f"{where}: {table} field {name!r} is not a number")
        if isinstance(value, str):
            limit = getattr(column.type, "length", None)
            if limit and len(value) > limit:
                raise TransferError(f"{where}: {table} field {name!r} is longer than {limit} characters")
            if not value.strip() and not column.nullable:
                raise TransferError(f"{where}: {table} field {name!r} is empty")
            if name.endswith("_at") and not _STAMP.fullmatch(value):
                raise TransferError(f"{where}: {table} field {name!r} must be a UTC time "
                                    f"like 2025-01-31T08:00:00.000000Z, got {value[:40]!r}")
            if (table, name) in _JSON_TEXT:
                try:
                    json.loads(value)
                except ValueError:
                    raise TransferError(f"{where}: {table} field {name!r} must be JSON text") from None
    for name in ("score",):
        value = row.get(name)
        if value is not None and not 0 <= value <= 1:
            raise TransferError(f"{where}: {table} field 'score' must be between 0 and 1, got {value}")
    if table == "attempts" and row["attempt"] < 1:
        raise TransferError(f"{where}: attempts field 'attempt' must be 1 or more, got {row['attempt']}")
    return row


def read_progress(path: str | os.PathLike) -> tuple[dict, dict[str, list[dict]]]:
    """Check a whole progress file; its header and rows by table, or TransferError."""
    path = Path(path)
    digest = hashlib.sha256()
    rows: dict[str, list[dict]] = {name: [] for name in TABLES}
    header: dict | None = None
    end: dict | None = None
    number = 0
    count = 0
    try:
        for number, raw in enumerate(_open_lines(path), start=1):
            where = f"{path}: line {number}"
            if end is not None:
                raise TransferError(f"{where}: more data after the end line")
            try:
                obj = json.loads(raw.decode("utf-8"))
            except ValueError as exc:   # UnicodeDecodeError is a ValueError too
                if not raw.endswith(b"\n"):
                    raise TransferError(f"{where}: the file stops in the middle of this line "
                                        f"(cut off while copying?)") from None
                if isinstance(exc, UnicodeDecodeError):
                    raise TransferError(f"{where}: not UTF-8 text") from None
                raise TransferError(f"{where}: not valid JSON ({exc.msg}, column {exc.colno})") from None
            if not isinstance(obj, dict):
                raise TransferError(f"{where}: expected a JSON object, got {type(obj).__name__}")
            if number == 1:
                if obj.get("format") != FORMAT:
                    raise TransferError(f"{where}: field 'format' must be {FORMAT!r}, got "
                                        f"{obj.get('format')!r}: not a kit progress file")
                if obj.get("version") != VERSION:
                    raise TransferError(f"{where}: field 'version' is {obj.get('version')!r}; "
                                        f"this kit reads version {VERSION} (update the kit?)")
                if obj.get("learner") is not None and not isinstance(obj["learner"], str):
                    raise TransferError(f"{where}: field 'learner' must be text or null")
                header = obj
            elif "end" in obj:
                if obj.get("end") is not True:
                    raise TransferError(f"{where}: field 'end' must be true")
                if obj.get("rows") != count:
                    raise TransferError(f"{where}: field 'rows' says {obj.get('rows')!r} rows, "
                                        f"the file has {count}: rows were added or removed")
                if obj.get("sha256") != digest.hexdigest():
                    raise TransferError(f"{where}: field 'sha256' does not match the lines above it: "
                                        f"the file was changed or damaged after export")
                end = obj
                continue
            else:
                table = obj.get("table")
                if "table" not in obj:
                    raise TransferError(f"{where}: line has no field 'table'")
                if table not in TABLES:
                    raise TransferError(f"{where}: field 'table' is {table!r}, not one of "
                                        f"{', '.join(TABLES)}")
                if "row" not in obj:
                    raise TransferError(f"{where}: line has no field 'row'")
                extra = sorted(set(obj) - {"table", "row"})
                if extra:
                    raise TransferError(f"{where}: unexpected field {extra[0]!r}")
                row = _check_row(where, table, obj["row"])
                if header.get("learner") is not None and row["learner"] != header["learner"]:
                    raise TransferError(f"{where}: field 'learner' is {row['learner']!r}, but the file "
                                        f"is {header['learner']!r}'s export")
                rows[table].append(row)
                count += 1
            digest.update(raw)
    except (gzip.BadGzipFile, EOFError, zlib.error) as exc:
        raise TransferError(f"{path}: line {number + 1}: the compressed file is cut off or damaged "
                            f"({str(exc) or type(exc).__name__})") from None
    except OSError as exc:
        raise TransferError(f"{path}: cannot read: {exc.strerror or exc}") from None
    if header is None:
        raise TransferError(f"{path}: line 1: the file is empty: not a kit progress file")
    if end is None:
        raise TransferError(f"{path}: line {number + 1}: the file ends without its end line "
                            f"(cut off while copying?); nothing was imported")
    return header, rows


def import_progress(store: ProgressStore, path: str | os.PathLike) -> ImportReport:
    """Merge a progress file into ``store``; the whole file is checked before anything is written."""
    path = Path(path)
    _, rows = read_progress(path)
    by_table: dict[str, dict[str, int]] = {}
    for table in TABLES:   # attempts, completions, certificates
        added = store.insert_rows(table, rows[table]) if rows[table] else 0
        by_table[table] = {"added": added, "skipped": len(rows[table]) - added}
    added = sum(c["added"] for c in by_table.values())
    return ImportReport(path, added, sum(c["skipped"] for c in by_table.values()), by_table)


__all__ = ["FORMAT", "VERSION", "TransferError", "ExportReport", "ImportReport", "export_progress",
           "import_progress", "read_progress"]
