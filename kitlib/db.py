"""The engine for the kit's append-only records (access log, ledger) at a SQLAlchemy URL.

On SQLite: WAL, and every transaction starts with ``BEGIN IMMEDIATE`` so that numbering an entry
happens under the write lock (``engine.connect().execution_options(reading=True)`` starts a plain
``BEGIN`` for readers); an in-memory database is one shared connection.  Other databases get a
pooled engine with pre-ping.
"""
from __future__ import annotations

from pathlib import Path

import sqlalchemy as sa


def record_engine(url: str, busy_timeout: float, page_size: int | None = None) -> sa.engine.Engine:
    """page_size: for a new SQLite file (ignored for an existing one)."""
    parsed = sa.engine.make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return sa.create_engine(url, pool_pre_ping=True)
    database = parsed.database or ""
    if database in ("", ":memory:"):          # one shared connection, or every call sees a new database
        engine = sa.create_engine(url, poolclass=sa.pool.StaticPool, connect_args={"check_same_thread": False})
    else:
        if not database.startswith("file:"):
            Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        engine = sa.create_engine(url, connect_args={"timeout": busy_timeout})

    @sa.event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn, _record):
        dbapi_conn.isolation_level = None      # we issue BEGIN ourselves
        if page_size:
            dbapi_conn.execute(f"PRAGMA page_size = {int(page_size)}")
        dbapi_conn.execute("PRAGMA journal_mode = WAL")
        dbapi_conn.execute("PRAGMA secure_delete = ON")   # freed bytes are zeroed: nothing lingers, edits show

    @sa.event.listens_for(engine, "begin")
    def _on_begin(conn):
        conn.exec_driver_sql("BEGIN" if conn.get_execution_options().get("reading") else "BEGIN IMMEDIATE")
    return engine


def safe_url(url: str) -> str:
    """The URL with its password hidden, for messages."""
    return sa.engine.make_url(url).render_as_string(hide_password=True)
