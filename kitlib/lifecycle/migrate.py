"""Migrate a dataset's CSV tables into a database: plan, dry run, migrate, verify.

* :func:`plan_migration` reads the source tables (columns, rows, fingerprints), splits them into
  batches and inspects the target read-only; it refuses a target that already holds data this
  migration did not write.
* :func:`dry_run` says what :func:`migrate` would do (tables to create, batches to copy or already
  done) and writes nothing.
* :func:`migrate` copies batch by batch.  Each batch and its progress mark (``kit_migration_batches``
  in the target) commit in one transaction, so a migration killed at any moment and run again
  skips exactly the batches that committed: the target ends complete, nothing duplicated or lost.
* :func:`verify_migration` reads the target back and compares it with the source (row counts,
  per-column fingerprints of :mod:`kitlib.lifecycle.manifest`), naming every difference.

Values are copied as text, exactly as exported (an empty cell becomes NULL): ``0571…`` numbers
and 19-digit card numbers stay intact; typing them is the new system's job.  A target table that
exists empty with the same columns (the new system's schema, made in advance) is filled as is.

A transfer package for a successor (:func:`make_transfer_package`) is an encrypted archive of the
tables with their manifest; :func:`import_transfer_package` verifies it and migrates from it.
"""
from __future__ import annotations

import csv
import hashlib
import io
import json
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from ..db import safe_url
from ..ledger.ledger import canonical
from .archive import read_archive, write_archive
from .backup import file_sha256
from .manifest import (FORMAT as MANIFEST_FORMAT, Comparison, ManifestError, build_manifest, compare_manifests,
                       csv_entry, manifest_digest, table_entry)

__all__ = ["MigrationError", "TablePlan", "MigrationPlan", "DryRun", "MigrationReport", "MigrationCheck",
           "plan_migration", "dry_run", "migrate", "verify_migration", "make_transfer_package",
           "import_transfer_package", "target_manifest", "RUNS_TABLE", "BATCHES_TABLE"]

RUNS_TABLE = "kit_migration_runs"
BATCHES_TABLE = "kit_migration_batches"
_BOM = b"\xef\xbb\xbf"

_progress = sa.MetaData()
_runs = sa.Table(
    RUNS_TABLE, _progress,
    sa.Column("plan_id", sa.String(64), primary_key=True),
    sa.Column("source_sha256", sa.String(64), nullable=False),     # digest of the source manifest
    sa.Column("batch_rows", sa.Integer, nullable=False),
    sa.Column("tables", sa.Text, nullable=False),                  # JSON {source table: target table}
    sa.Column("started", sa.String(32), nullable=False),
    sa.Column("completed", sa.String(32)),
)
_batches = sa.Table(
    BATCHES_TABLE, _progress,
    sa.Column("plan_id", sa.String(64), primary_key=True),
    sa.Column("table_name", sa.String(200), primary_key=True),
    sa.Column("batch", sa.Integer, primary_key=True),
    sa.Column("first_row", sa.Integer, nullable=False),
    sa.Column("rows", sa.Integer, nullable=False),
    sa.Column("committed", sa.String(32), nullable=False),
)


class MigrationError(ValueError):
    """A migration that cannot be planned, run or imported; one line naming the table or file."""


def _now() -> str:
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# -- the plan ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TablePlan:
    """One source table: its file, target table, columns, rows, batches and SHA-256 at planning."""
    name: str
    file: Path
    target: str
    columns: tuple
    rows: int
    batches: int
    sha256: str


@dataclass(frozen=True)
class MigrationPlan:
    """What to migrate where: ``tables`` (TablePlan each), ``batch_rows``, the ``source_manifest``
    (of the planned CSV files, as ``build_manifest`` makes it) and ``plan_id`` (the same source,
    mapping and batch size give the same id, which is how a rerun finds its progress)."""
    source_dir: Path
    target_url: str = field(repr=False)
    tables: tuple
    batch_rows: int
    source_manifest: dict = field(repr=False)
    plan_id: str = ""

    @property
    def target(self) -> str:
        return safe_url(self.target_url)

    @property
    def rows(self) -> int:
        return sum(t.rows for t in self.tables)

    @property
    def batches(self) -> int:
        return sum(t.batches for t in self.tables)

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([{"table": t.name, "target_table": t.target, "columns": len(t.columns),
                              "rows": t.rows, "batches": t.batches} for t in self.tables],
                            columns=["table", "target_table", "columns", "rows", "batches"])


def _check_source(source: Path) -> dict[str, Path]:
    if not source.is_dir():
        raise MigrationError(f"{source}: not a dataset folder")
    found = {p.stem: p for p in sorted(source.glob("*.csv")) if p.is_file()}
    if not found:
        raise MigrationError(f"{source}: holds no CSV tables")
    return found


def plan_migration(source_dir, target_url: str, tables=None, *, batch_rows: int = 5000) -> MigrationPlan:
    """Plan the migration of ``tables`` (default: every CSV of ``source_dir``) into ``target_url``,
    ``batch_rows`` rows per transaction; MigrationError if the source is unreadable or the target
    already holds data this migration did not write."""
    source = Path(source_dir)
    found = _check_source(source)
    if isinstance(batch_rows, bool) or not isinstance(batch_rows, int) or batch_rows < 1:
        raise MigrationError(f"batch_rows must be a whole number of at least 1, got {batch_rows!r}")
    names = sorted(found) if tables is None else list(dict.fromkeys([tables] if isinstance(tables, str) else tables))
    if not names:
        raise MigrationError("no tables to migrate")
    unknown = [n for n in names if n not in found]
    if unknown:
        raise MigrationError(f"{source}: no table {unknown[0]!r} (no {unknown[0]}.csv); tables: {', '.join(found)}")
    plans, files = [], {}
    for name in names:
        if name.lower() in (RUNS_TABLE, BATCHES_TABLE):
            raise MigrationError(f"{found[name].name}: the table name {name!r} is reserved for the "
                                 f"migration's progress")
        data = found[name].read_bytes()
        try:
            entry = csv_entry(data, found[name].name)
        except ManifestError as exc:
            raise MigrationError(str(exc)) from None
        if not entry["columns"]:
            raise MigrationError(f"{found[name].name}: empty file, no header to make a table from")
        sha = hashlib.sha256(data).hexdigest()
        files[found[name].name] = {"size": len(data), "sha256": sha, "table": entry}
        plans.append(TablePlan(name, found[name], name, tuple(c["name"] for c in entry["columns"]), entry["rows"],
                               -(-entry["rows"] // batch_rows), sha))
    manifest = {"format": MANIFEST_FORMAT, "version": 1, "files": files}
    plan_id = hashlib.sha256(canonical({"source": manifest_digest(manifest), "batch_rows": batch_rows,
                                         "targets": {t.name: t.target for t in plans}}).encode()).hexdigest()
    plan = MigrationPlan(source, str(target_url), tuple(plans), batch_rows, manifest, plan_id)
    state = _inspect(plan)
    if state.conflicts:
        raise MigrationError(state.conflicts[0])
    return plan


# -- the target, read-only -------------------------------------------------------------------------

@dataclass
class _State:
    exists: dict = field(default_factory=dict)        # target table -> bool
    rows: dict = field(default_factory=dict)          # target table -> rows now
    done: dict = field(default_factory=dict)          # target table -> {batch: rows}
    run: dict | None = None                           # this plan's run row
    progress_tables: bool = False
    conflicts: list = field(default_factory=list)


def _sqlite_file(url) -> Path | None:
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return None
    database = parsed.database or ""
    if database in ("", ":memory:") or database.startswith("file:"):
        return None
    return Path(database).expanduser()


def _reader(url: str) -> sa.engine.Engine | None:
    """An engine that cannot write (None: an SQLite file that does not exist yet, so is empty)."""
    path = _sqlite_file(url)
    if path is None:
        parsed = sa.engine.make_url(url)
        if parsed.get_backend_name() == "sqlite":         # in memory: shared connection, as for migrate
            return _writer(url)
        return sa.create_engine(url, poolclass=sa.pool.NullPool)
    if not path.exists():
        return None
    return sa.create_engine(f"sqlite:///file:{path.resolve()}?mode=ro&uri=true", poolclass=sa.pool.NullPool)


_WRITERS: dict[str, sa.engine.Engine] = {}


def _writer(url: str) -> sa.engine.Engine:
    """The engine migrate writes with.  SQLite: ``BEGIN IMMEDIATE`` transactions (DDL included),
    the file's journal mode left as it is; an in-memory URL keeps one engine per process."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    memory = (parsed.database or "") in ("", ":memory:")
    if memory and url in _WRITERS:
        return _WRITERS[url]
    if memory:
        engine = sa.create_engine(url, poolclass=sa.pool.StaticPool, connect_args={"check_same_thread": False})
    else:
        if not (parsed.database or "").startswith("file:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": 30.0})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None          # we issue BEGIN ourselves

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("reading") else "BEGIN IMMEDIATE")
    if memory:
        _WRITERS[url] = engine
    return engine


def _dispose(engine, url: str) -> None:
    if engine is not None and _WRITERS.get(url) is not engine:
        engine.dispose()


def _inspect(plan: MigrationPlan) -> _State:
    state = _State()
    engine = _reader(plan.target_url)
    if engine is None:
        state.exists = {t.target: False for t in plan.tables}
        return state
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            state.progress_tables = {RUNS_TABLE, BATCHES_TABLE} <= names
            if state.progress_tables:
                row = conn.execute(sa.select(_runs).where(_runs.c.plan_id == plan.plan_id)).mappings().first()
                state.run = dict(row) if row else None
                for t in plan.tables:
                    state.done[t.target] = dict(conn.execute(
                        sa.select(_batches.c.batch, _batches.c.rows).where(
                            _batches.c.plan_id == plan.plan_id, _batches.c.table_name == t.target)).all())
                if state.run is None:
                    other = conn.execute(sa.select(_runs.c.batch_rows).where(
                        _runs.c.source_sha256 == manifest_digest(plan.source_manifest),
                        _runs.c.completed.is_(None))).first()
                    if other is not None:
                        state.conflicts.append(
                            f"{plan.target}: a migration of this same source with batch_rows={other.batch_rows} "
                            f"is unfinished there; plan with batch_rows={other.batch_rows} to resume it")
            for t in plan.tables:
                state.exists[t.target] = t.target in names
                if t.target not in names:
                    if state.done.get(t.target):
                        state.conflicts.append(f"{plan.target}: table {t.target!r} is gone although "
                                               f"{len(state.done[t.target])} batches were copied into it")
                    continue
                count = conn.execute(sa.select(sa.func.count()).select_from(sa.table(t.target))).scalar_one()
                state.rows[t.target] = count
                marked = sum(state.done.get(t.target, {}).values())
                if state.run is None and count:
                    state.conflicts.append(f"{plan.target}: table {t.target!r} already holds {count} rows that "
                                           f"this migration did not write")
                elif state.run is not None and count != marked:
                    state.conflicts.append(f"{plan.target}: table {t.target!r} holds {count} rows but this "
                                           f"migration's progress records {marked}: changed by someone else")
                else:
                    have = [c["name"] for c in sa.inspect(conn).get_columns(t.target)]
                    if set(have) != set(t.columns):
                        state.conflicts.append(f"{plan.target}: table {t.target!r} exists with other columns "
                                               f"({', '.join(sorted(set(have) ^ set(t.columns)))} differ)")
    except sa.exc.SQLAlchemyError as exc:
        raise MigrationError(f"{plan.target}: cannot read the target: {str(exc).strip().splitlines()[0]}") from None
    finally:
        _dispose(engine, plan.target_url)
    return state


def _target_table(t: TablePlan) -> sa.Table:
    return sa.Table(t.target, sa.MetaData(), *[sa.Column(c, sa.Text) for c in t.columns])


# -- dry run ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class DryRun:
    """What :func:`migrate` would do now: per table the action, rows and batches still to copy,
    and the DDL it would run.  Nothing was written."""
    plan: MigrationPlan
    tables: pd.DataFrame
    ddl: tuple

    @property
    def rows_to_write(self) -> int:
        return int(self.tables["rows_to_write"].sum())

    def __str__(self) -> str:
        return (f"dry run: {len(self.tables)} tables, {self.rows_to_write} rows in "
                f"{int(self.tables['batches_to_write'].sum())} batches would be written to {self.plan.target}")


def dry_run(plan: MigrationPlan) -> DryRun:
    """What a :func:`migrate` of ``plan`` would do, reading the target only."""
    state = _inspect(plan)
    if state.conflicts:
        raise MigrationError(state.conflicts[0])
    dialect = sa.engine.make_url(plan.target_url).get_dialect()()
    ddl = [] if state.progress_tables else [str(sa.schema.CreateTable(t).compile(dialect=dialect)).strip()
                                            for t in _progress.sorted_tables]
    rows = []
    for t in plan.tables:
        done = state.done.get(t.target, {})
        if not state.exists[t.target]:
            action = "create table, copy rows"
            ddl.append(str(sa.schema.CreateTable(_target_table(t)).compile(dialect=dialect)).strip())
        elif len(done) == t.batches and state.run is not None:
            action = "nothing: already copied"
        elif done:
            action = "resume: copy the remaining batches"
        elif state.run is not None:
            action = "copy rows (table made by this migration)"
        else:
            action = "copy rows into the existing empty table"
        rows.append({"table": t.name, "target_table": t.target, "action": action, "rows": t.rows,
                     "batches": t.batches, "batches_done": len(done),
                     "batches_to_write": t.batches - len(done), "rows_to_write": t.rows - sum(done.values())})
    return DryRun(plan, pd.DataFrame(rows), tuple(ddl))


# -- migrate ----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MigrationReport:
    """``complete`` (every batch is in), ``interrupted`` (stopped by ``stop_after_batches``),
    per-table counts, the ledger entry if any, and for an import the verification (``check``)."""
    plan: MigrationPlan
    complete: bool
    interrupted: bool
    tables: pd.DataFrame
    entry: object = None
    check: "MigrationCheck | None" = None

    @property
    def rows_written(self) -> int:
        return int(self.tables["rows_written"].sum())

    def __str__(self) -> str:
        state = "complete" if self.complete else "interrupted" if self.interrupted else "incomplete"
        return (f"migration {state}: {self.rows_written} rows written now, "
                f"{int(self.tables['batches_skipped'].sum())} batches were already in {self.plan.target}")


def _read_batches(t: TablePlan, batch_rows: int):
    """Yield ``(index, first_row, rows)`` of the table's CSV, ``batch_rows`` rows at a time."""
    data = t.file.read_bytes()
    if hashlib.sha256(data).hexdigest() != t.sha256:
        raise MigrationError(f"{t.file.name}: changed since the migration was planned; plan it again")
    text = data.decode("utf-8-sig" if data.startswith(_BOM) else "utf-8")
    reader = csv.reader(io.StringIO(text, newline=""))
    next(reader)
    batch, first, index = [], 0, 0
    for row in reader:
        if not row:
            continue
        batch.append({c: (v if v != "" else None) for c, v in zip(t.columns, row)})
        if len(batch) == batch_rows:
            yield index, first, batch
            first += len(batch)
            index, batch = index + 1, []
    if batch:
        yield index, first, batch


def migrate(plan: MigrationPlan, *, ledger=None, actor: str = "kit",
            stop_after_batches: int | None = None) -> MigrationReport:
    """Copy every batch not yet in the target, each with its progress mark in one transaction.

    Run it again after any interruption (a crash, a kill, ``stop_after_batches=n`` which stops
    after n batches to show exactly that) and it resumes.  Records one ``migration`` ledger entry.
    """
    return _migrate(plan, ledger, actor, stop_after_batches, {})


def _migrate(plan: MigrationPlan, ledger, actor: str, stop_after, extra: dict) -> MigrationReport:
    state = _inspect(plan)
    if state.conflicts:
        raise MigrationError(state.conflicts[0])
    engine = _writer(plan.target_url)
    written_batches, counts, interrupted = 0, [], False
    try:
        with engine.begin() as conn:
            if plan.target_url.startswith("postgresql"):
                conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x6D6967})      # "mig"
            _progress.create_all(conn, checkfirst=True)
            if conn.execute(sa.select(_runs.c.plan_id).where(_runs.c.plan_id == plan.plan_id)).first() is None:
                conn.execute(_runs.insert().values(
                    plan_id=plan.plan_id, source_sha256=manifest_digest(plan.source_manifest),
                    batch_rows=plan.batch_rows, tables=canonical({t.name: t.target for t in plan.tables}),
                    started=_now()))
            for t in plan.tables:
                _target_table(t).create(conn, checkfirst=True)
        for t in plan.tables:
            table = _target_table(t)
            with engine.connect().execution_options(reading=True) as conn:
                done = {b for (b,) in conn.execute(sa.select(_batches.c.batch).where(
                    _batches.c.plan_id == plan.plan_id, _batches.c.table_name == t.target))}
            wrote = skipped = rows = 0
            for index, first, batch in _read_batches(t, plan.batch_rows):
                if index in done:
                    skipped += 1
                    continue
                if stop_after is not None and written_batches >= stop_after:
                    interrupted = True
                    break
                try:
                    with engine.begin() as conn:
                        conn.execute(table.insert(), batch)
                        conn.execute(_batches.insert().values(plan_id=plan.plan_id, table_name=t.target, batch=index,
                                                              first_row=first, rows=len(batch), committed=_now()))
                except sa.exc.IntegrityError:             # another run committed this batch first
                    skipped += 1
                    continue
                wrote, rows, written_batches = wrote + 1, rows + len(batch), written_batches + 1
            counts.append({"table": t.name, "target_table": t.target, "rows": t.rows, "batches": t.batches,
                           "batches_written": wrote, "batches_skipped": skipped, "rows_written": rows})
            if interrupted:
                break
        for t in plan.tables[len(counts):]:
            counts.append({"table": t.name, "target_table": t.target, "rows": t.rows, "batches": t.batches,
                           "batches_written": 0, "batches_skipped": 0, "rows_written": 0})
        with engine.begin() as conn:
            marked = conn.execute(sa.select(sa.func.count()).select_from(_batches).where(
                _batches.c.plan_id == plan.plan_id)).scalar_one()
            complete = marked == plan.batches
            if complete:
                conn.execute(_runs.update().where(_runs.c.plan_id == plan.plan_id, _runs.c.completed.is_(None))
                             .values(completed=_now()))
    except sa.exc.SQLAlchemyError as exc:
        raise MigrationError(f"{plan.target}: {str(exc).strip().splitlines()[0]}") from None
    finally:
        _dispose(engine, plan.target_url)
    frame = pd.DataFrame(counts)
    entry = None
    if ledger is not None:
        entry = ledger.append("migration", actor=actor, details={
            "operation": "migrate", "plan_id": plan.plan_id, "manifest_sha256": manifest_digest(plan.source_manifest),
            "target": _target_label(plan.target_url), "tables": {t.name: t.rows for t in plan.tables},
            "rows": plan.rows, "rows_written": int(frame["rows_written"].sum()),
            "batches_written": int(frame["batches_written"].sum()),
            "batches_skipped": int(frame["batches_skipped"].sum()), "complete": complete, **extra})
    return MigrationReport(plan, complete, interrupted, frame, entry)


def _target_label(url: str) -> str:
    """The target for a ledger entry: dialect and database name (no host, user or password)."""
    parsed = sa.engine.make_url(url)
    return f"{parsed.get_backend_name()}:{Path(parsed.database or 'memory').name}"


# -- verify -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class MigrationCheck:
    """``comparison`` of source and target per table (see manifest.STATUSES); ``complete`` is
    what the progress table says."""
    plan: MigrationPlan
    comparison: Comparison
    complete: bool
    target_manifest: dict = field(repr=False, default_factory=dict)

    @property
    def ok(self) -> bool:
        return self.comparison.ok

    def __bool__(self) -> bool:
        return self.ok

    def problems(self, lang: str = "en") -> list[str]:
        return self.comparison.problems(lang)

    def frame(self, lang: str = "en") -> pd.DataFrame:
        return self.comparison.frame(lang).rename(columns={"file": "table"})

    def __str__(self) -> str:
        if self.ok:
            return f"migration verified: {len(self.comparison.files)} tables match the source"
        return "migration NOT verified: " + "; ".join(self.problems())


def target_manifest(target_url: str, tables) -> dict:
    """A manifest of database tables read back (``tables``: target names); missing ones are left out."""
    engine = _reader(target_url)
    files = {}
    if engine is None:
        return {"format": MANIFEST_FORMAT, "version": 1, "files": files}
    try:
        with engine.connect() as conn:
            names = set(sa.inspect(conn).get_table_names())
            for name in tables:
                if name not in names:
                    continue
                columns = [c["name"] for c in sa.inspect(conn).get_columns(name)]
                query = sa.select(*[sa.column(c) for c in columns]).select_from(sa.table(name))
                result = conn.execution_options(yield_per=5000).execute(query)
                files[name] = {"table": table_entry(columns, result)}
    except sa.exc.SQLAlchemyError as exc:
        raise MigrationError(f"{safe_url(target_url)}: cannot read the target: "
                             f"{str(exc).strip().splitlines()[0]}") from None
    finally:
        _dispose(engine, target_url)
    return {"format": MANIFEST_FORMAT, "version": 1, "files": files}


def verify_migration(plan: MigrationPlan) -> MigrationCheck:
    """Read every planned table back from the target and compare it with the source files as they
    are now (rows, columns, per-column fingerprints, row fingerprints)."""
    source = {}
    for t in plan.tables:
        try:
            source[t.target] = {"table": csv_entry(t.file.read_bytes(), t.file.name)}
        except ManifestError as exc:
            raise MigrationError(str(exc)) from None
        except FileNotFoundError:
            raise MigrationError(f"{t.file}: the source table is gone; cannot verify") from None
    target = target_manifest(plan.target_url, [t.target for t in plan.tables])
    comparison = compare_manifests({"files": source}, target)
    state = _inspect(plan)
    complete = bool(state.run and state.run.get("completed"))
    return MigrationCheck(plan, comparison, complete, target)


# -- transfer packages ------------------------------------------------------------------------------

def make_transfer_package(source_dir, dest, key: bytes, tables=None, *, ledger=None, recipient: str,
                          actor: str = "kit", purpose: str = "") -> dict:
    """An encrypted archive (kind ``transfer``) of ``tables`` (default: every CSV) for a successor,
    with the content manifest in its meta; the archive's manifest."""
    if not isinstance(recipient, str) or not recipient.strip():
        raise MigrationError("a transfer package needs a recipient (the successor's name)")
    found = _check_source(Path(source_dir))
    names = sorted(found) if tables is None else list(dict.fromkeys([tables] if isinstance(tables, str) else tables))
    unknown = [n for n in names if n not in found]
    if unknown:
        raise MigrationError(f"{source_dir}: no table {unknown[0]!r} (no {unknown[0]}.csv)")
    members = {found[n].name: found[n].read_bytes() for n in names}
    content = build_manifest(members)
    broken = [e["table_error"] for e in content["files"].values() if "table_error" in e]
    if broken:
        raise MigrationError(broken[0])
    counts = {Path(n).stem: e["table"]["rows"] for n, e in content["files"].items()}
    manifest = write_archive(dest, members, key, kind="transfer", meta={
        "recipient": recipient.strip(), "purpose": purpose, "tables": counts, "content": content})
    if ledger is not None:
        ledger.append("migration", actor=actor, details={
            "operation": "transfer-package", "archive": Path(dest).name, "archive_sha256": file_sha256(dest),
            "archive_id": manifest["archive_id"], "manifest_sha256": manifest_digest(content),
            "recipient": recipient.strip(), "purpose": purpose, "tables": counts, "rows": sum(counts.values())})
    return manifest


def import_transfer_package(path, key: bytes, target_url: str, *, ledger=None, actor: str = "kit",
                            batch_rows: int = 5000) -> MigrationReport:
    """Verify a transfer package (every byte and its content manifest), migrate its tables into
    ``target_url`` (resumable like :func:`migrate`) and verify the target; the report's ``check``."""
    manifest, members = read_archive(path, key)          # ArchiveError on any damage or a wrong key
    name = Path(path).name
    if manifest.get("kind") != "transfer":
        raise MigrationError(f"{name}: not a transfer package (kind {manifest.get('kind')!r})")
    content = manifest.get("meta", {}).get("content")
    if content is None:
        raise MigrationError(f"{name}: the package has no content manifest")
    comparison = compare_manifests(content, build_manifest(members))
    if not comparison.ok:
        raise MigrationError(f"{name}: the package does not match its manifest: {comparison.problems()[0]}")
    with tempfile.TemporaryDirectory(prefix="kit-transfer-") as scratch:
        for member, data in members.items():
            (Path(scratch) / member).write_bytes(data)
        plan = plan_migration(scratch, target_url, batch_rows=batch_rows)
        report = _migrate(plan, ledger, actor, None, {
            "package": name, "archive_id": manifest["archive_id"],
            "recipient": manifest["meta"].get("recipient", "")})
        check = verify_migration(plan)
    return MigrationReport(report.plan, report.complete, report.interrupted, report.tables, report.entry, check)
