"""The learner progress store: every answer, every completed module, every certificate.

One database, addressed by a SQLAlchemy URL:

* default: SQLite in the user's data directory (``platformdirs``), one file per user;
* a workshop: ``KIT_PROGRESS_URL=postgresql+psycopg://kit@trainer-host/kit`` on every
  learner's machine, so the trainer's dashboard sees the whole room live.

Tables are append-only event logs (an answer is never updated, only added), so a write is one
short transaction: a kernel killed mid-answer loses that answer and nothing else, and imports
from learners' files merge by row id without conflicts.  On SQLite every write transaction
starts with ``BEGIN IMMEDIATE`` and waits on a busy timeout, which lets dozens of processes
write one file at once; on PostgreSQL a row lock on the learner serialises that learner's
attempt numbering.
"""
from __future__ import annotations

import json
import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterable

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.exc import OperationalError

ENV_URL = "KIT_PROGRESS_URL"
SCHEMA_VERSION = 1

metadata = sa.MetaData()

learners = sa.Table(
    "learners", metadata,
    sa.Column("learner", sa.String(200), primary_key=True),
    sa.Column("created_at", sa.String(32), nullable=False),
)

attempts = sa.Table(
    "attempts", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("learner", sa.String(200), nullable=False, index=True),
    sa.Column("module", sa.String(20), nullable=False),
    sa.Column("item", sa.String(80), nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("answer", sa.Text, nullable=False),      # JSON, as the learner gave it
    sa.Column("correct", sa.Boolean, nullable=False),
    sa.Column("score", sa.Float, nullable=False),      # 0..1, partial credit
    sa.Column("seconds", sa.Float, nullable=False),    # time spent on this attempt
    sa.Column("started_at", sa.String(32), nullable=False),
    sa.Column("answered_at", sa.String(32), nullable=False),
    sa.Index("ix_attempts_module_item", "module", "item"),
)

completions = sa.Table(
    "completions", metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("learner", sa.String(200), nullable=False, index=True),
    sa.Column("module", sa.String(20), nullable=False),
    sa.Column("score", sa.Float, nullable=True),       # share of the module's questions right
    sa.Column("seconds", sa.Float, nullable=True),
    sa.Column("completed_at", sa.String(32), nullable=False),
)

certificates = sa.Table(
    "certificates", metadata,
    sa.Column("code", sa.String(40), primary_key=True),
    sa.Column("learner", sa.String(200), nullable=False, index=True),
    sa.Column("scope", sa.String(40), nullable=False),   # "module:00" or "course"
    sa.Column("payload", sa.Text, nullable=False),       # canonical JSON that the code signs
    sa.Column("issued_at", sa.String(32), nullable=False),
)

meta = sa.Table(
    "kit_meta", metadata,
    sa.Column("key", sa.String(40), primary_key=True),
    sa.Column("value", sa.String(200), nullable=False),
)

TABLES = {"attempts": attempts, "completions": completions, "certificates": certificates}


class StoreError(Exception):
    """A progress-store problem, phrased for the person at the keyboard."""


_SCHEMA_LOCK = 0x6B6974   # PostgreSQL advisory lock taken while creating the tables ("kit")


def hide_password(url: str) -> str:
    """The URL text with any password replaced by ***, even when the URL does not parse or has no
    scheme (``user:password@host``)."""
    try:
        return sa.engine.make_url(url).render_as_string(hide_password=True)
    except (sa.exc.ArgumentError, ValueError):
        pattern = r"(://[^:/@]*:)[^@]*@" if "://" in url else r"^([^:/@]*:)[^@]*@"
        return re.sub(pattern, r"\1***@", url)


def now() -> str:
    """UTC timestamp as ISO 8601 text with a Z; sorts as it reads, portable across databases."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def default_url() -> str:
    """``KIT_PROGRESS_URL`` if set, else an SQLite file in the kit's data folder (``KIT_DATA_DIR``
    or the platform's user data directory)."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    from .paths import data_dir

    return f"sqlite:///{data_dir() / 'progress.sqlite'}"


def canonical(value: Any) -> str:
    """JSON text that is the same for the same value on every machine."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))


@dataclass(frozen=True)
class Attempt:
    id: str
    learner: str
    module: str
    item: str
    attempt: int
    correct: bool
    score: float
    seconds: float
    answered_at: str


def _check_name(field: str, value: str, limit: int) -> str:
    if not isinstance(value, str) or not value.strip():
        raise StoreError(f"{field} must be a non-empty text, got {value!r}")
    value = value.strip()
    if len(value) > limit:
        raise StoreError(f"{field} is longer than {limit} characters: {value[:40]!r}...")
    return value


class ProgressStore:
    """Read and write learner progress at one database URL."""

    def __init__(self, url: str | None = None, *, busy_timeout: float = 60.0):
        self.url = url or default_url()
        self._busy_ms = int(busy_timeout * 1000)
        try:
            parsed = sa.engine.make_url(self.url)
        except (sa.exc.ArgumentError, ValueError):
            raise StoreError(f"{ENV_URL}: not a database URL: {hide_password(self.url)!r}") from None
        self.dialect = parsed.get_backend_name()
        try:
            if self.dialect == "sqlite":
                database = parsed.database or ""
                if database and database != ":memory:" and not database.startswith("file:"):
                    Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
                self.engine = sa.create_engine(self.url, connect_args={"timeout": busy_timeout})
                self._prepare_sqlite()
            else:
                self.engine = sa.create_engine(self.url, pool_pre_ping=True)
        except (sa.exc.ArgumentError, ImportError) as exc:   # unknown database kind, driver missing
            hint = "; for PostgreSQL write postgresql+psycopg://..." if self.dialect == "postgresql" else ""
            raise StoreError(f"{ENV_URL}: cannot use {self.safe_url}: "
                             f"{str(exc).strip().splitlines()[0]}{hint}") from None
        except OSError as exc:
            raise StoreError(f"cannot create the folder for the progress store {self.safe_url}: "
                             f"{exc.strerror or exc}") from None
        try:
            with self._write() as conn:
                if self.dialect == "postgresql":   # learners opening a fresh store at once
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:key)"), {"key": _SCHEMA_LOCK})
                metadata.create_all(conn, checkfirst=True)
        except OperationalError as exc:
            raise StoreError(f"cannot open the progress store at {self.safe_url}: "
                             f"{str(exc.orig).strip().splitlines()[0]}") from None
        except sa.exc.IntegrityError:   # another process created the tables at the same moment
            pass
        with self._write() as conn:
            _insert_ignore(conn, meta, {"key": "schema_version", "value": str(SCHEMA_VERSION)})

    @property
    def safe_url(self) -> str:
        """The URL with any password hidden, for messages."""
        return hide_password(self.url)

    def _prepare_sqlite(self) -> None:
        busy_ms = self._busy_ms

        @sa.event.listens_for(self.engine, "connect")
        def _on_connect(dbapi_conn, _record):
            dbapi_conn.isolation_level = None          # we issue BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute(f"PRAGMA busy_timeout = {busy_ms}")
            cur.execute("PRAGMA journal_mode = WAL")   # readers never block writers
            cur.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: durable at checkpoint, never corrupt
            cur.close()

        @sa.event.listens_for(self.engine, "begin")
        def _on_begin(conn):
            conn.exec_driver_sql("BEGIN IMMEDIATE")   # take the write lock now, not mid-transaction

    def _write(self):
        return _Retrying(self.engine, self._busy_ms / 1000)

    def close(self) -> None:
        self.engine.dispose()

    # -- writing -------------------------------------------------------------------------

    def record_attempt(self, learner: str, module: str, item: str, answer: Any, correct: bool,
                       score: float | None = None, seconds: float = 0.0,
                       started_at: str | None = None) -> Attempt:
        """Add one answer; its attempt number (1, 2, ...) is assigned inside the transaction."""
        learner = _check_name("learner", learner, 200)
        module = _check_name("module", module, 20)
        item = _check_name("item", item, 80)
        score = float(correct) if score is None else float(score)
        if not 0.0 <= score <= 1.0:
            raise StoreError(f"score must be between 0 and 1, got {score}")
        answered = now()
        row = {
            "id": str(uuid.uuid4()), "learner": learner, "module": module, "item": item,
            "answer": canonical(answer), "correct": bool(correct), "score": score,
            "seconds": max(0.0, float(seconds)), "started_at": started_at or answered,
            "answered_at": answered,
        }
        with self._write() as conn:
            self._lock_learner(conn, learner)
            previous = conn.execute(
                sa.select(sa.func.count()).select_from(attempts).where(
                    attempts.c.learner == learner, attempts.c.module == module,
                    attempts.c.item == item)).scalar_one()
            row["attempt"] = previous + 1
            conn.execute(attempts.insert().values(**row))
        return Attempt(row["id"], learner, module, item, row["attempt"], row["correct"], score,
                       row["seconds"], answered)

    def record_completion(self, learner: str, module: str, score: float | None = None,
                          seconds: float | None = None) -> str:
        """Mark a module done for a learner; returns the completion timestamp."""
        learner = _check_name("learner", learner, 200)
        module = _check_name("module", module, 20)
        stamp = now()
        with self._write() as conn:
            self._lock_learner(conn, learner)
            conn.execute(completions.insert().values(
                id=str(uuid.uuid4()), learner=learner, module=module,
                score=None if score is None else float(score),
                seconds=None if seconds is None else float(seconds), completed_at=stamp))
        return stamp

    def save_certificate(self, code: str, learner: str, scope: str, payload: str,
                         issued_at: str) -> None:
        with self._write() as conn:
            self._lock_learner(conn, learner)
            _insert_ignore(conn, certificates, {"code": code, "learner": learner, "scope": scope,
                                                "payload": payload, "issued_at": issued_at})

    def _lock_learner(self, conn, learner: str) -> None:
        _insert_ignore(conn, learners, {"learner": learner, "created_at": now()})
        if self.dialect == "postgresql":
            conn.execute(sa.select(learners.c.learner).where(learners.c.learner == learner)
                         .with_for_update())

    # -- reading -------------------------------------------------------------------------

    def attempts(self, learner: str | None = None, module: str | None = None) -> pd.DataFrame:
        """Every answer, oldest first, with the answer decoded from JSON."""
        query = sa.select(attempts)
        if learner is not None:
            query = query.where(attempts.c.learner == learner)
        if module is not None:
            query = query.where(attempts.c.module == module)
        frame = self._frame(query.order_by(attempts.c.answered_at, attempts.c.id), attempts)
        frame["answer"] = frame["answer"].map(json.loads)
        frame["correct"] = frame["correct"].astype(bool)
        return frame

    def completions(self, learner: str | None = None) -> pd.DataFrame:
        query = sa.select(completions)
        if learner is not None:
            query = query.where(completions.c.learner == learner)
        return self._frame(query.order_by(completions.c.completed_at, completions.c.id), completions)

    def certificate(self, code: str) -> dict | None:
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(certificates).where(certificates.c.code == code)).first()
        return None if row is None else dict(row._mapping)

    def certificates(self, learner: str | None = None) -> pd.DataFrame:
        query = sa.select(certificates)
        if learner is not None:
            query = query.where(certificates.c.learner == learner)
        return self._frame(query.order_by(certificates.c.issued_at), certificates)

    def learners(self) -> list[str]:
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(learners.c.learner).order_by(learners.c.learner)).scalars())

    def _frame(self, query, table: sa.Table) -> pd.DataFrame:
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in table.columns])

    # -- merging rows from elsewhere (kitlib.learn.transfer) -----------------------------

    def existing_ids(self, table: str) -> set[str]:
        key = TABLES[table].c.code if table == "certificates" else TABLES[table].c.id
        with self.engine.connect() as conn:
            return set(conn.execute(sa.select(key)).scalars())

    def insert_rows(self, table: str, rows: Iterable[dict]) -> int:
        """Insert rows that are not there yet (same id = same row); returns how many were new."""
        target = TABLES[table]
        key = "code" if table == "certificates" else "id"
        rows = list(rows)
        added = 0
        with self._write() as conn:
            for row in rows:
                _insert_ignore(conn, learners, {"learner": row["learner"], "created_at": now()})
                added += _insert_ignore(conn, target, row, key=key)
        return added


def _insert_ignore(conn, table: sa.Table, values: dict, key: str | None = None) -> int:
    """INSERT unless a row with the same primary key exists; 1 if inserted, else 0."""
    name = conn.dialect.name
    if name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    elif name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        pk = key or table.primary_key.columns.keys()[0]
        if conn.execute(sa.select(table.c[pk]).where(table.c[pk] == values[pk])).first():
            return 0
        conn.execute(table.insert().values(**values))
        return 1
    # psycopg reports no rowcount for INSERT unless asked to keep it (SQLAlchemy >= 2.0.28)
    result = conn.execute(insert(table).values(**values).on_conflict_do_nothing()
                          .execution_options(preserve_rowcount=True))
    return max(result.rowcount, 0)


class _Retrying:
    """``with store._write() as conn``: one transaction, retried while the database is busy.

    SQLite's busy timeout covers almost every wait; this covers the rest (a lock taken during
    WAL recovery, PostgreSQL serialisation failures) without ever half-writing.
    """

    def __init__(self, engine, patience: float):
        self.engine, self.patience = engine, patience

    def __enter__(self):
        deadline = time.monotonic() + self.patience
        delay = 0.01
        while True:
            try:
                self._ctx = self.engine.begin()
                return self._ctx.__enter__()
            except OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise
                if time.monotonic() > deadline:
                    raise StoreError("the progress store stayed busy; try again") from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)

    def __exit__(self, *exc):
        return self._ctx.__exit__(*exc)
