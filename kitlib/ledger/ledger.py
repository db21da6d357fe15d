"""The ledger: one append-only, hash-chained record of what was done with personal information.

Each entry stores ``seq, time, type, actor, subjects, details, prev_hash, hash`` where ``hash`` is
the SHA-256 of the canonical JSON of ``[seq, time, type, actor, subjects, details, prev_hash]`` and
``prev_hash`` is the previous entry's hash (64 zeros for the first).  Changing, deleting or
reordering an entry breaks the chain; deleting the *last* entries is caught by a signed
checkpoint (Ed25519 over the latest seq and hash).  Subjects are stored as keyed pseudonyms
(``kitlib.protect.pseudonyms``), never in clear.

In a dispute PIPL Art. 69 presumes the handler at fault unless it proves otherwise: this is the
evidence.  Keep the signing key away from the ledger, pin its public key when verifying
(``verify(public_key)``), and keep a copy of the latest checkpoint somewhere else: anyone who can
write the database can rebuild an unsigned chain, and only the checkpoint shows it.

>>> ledger = Ledger("sqlite://", signing_key=Ledger.generate_signing_key())
>>> ledger.append("query", actor="E0042", subjects=["CM0001"], details={"table": "customers"}).seq
1
>>> ledger.checkpoint().seq, ledger.verify().ok
(1, True)
"""
from __future__ import annotations

import hashlib
import json
import os
import sqlite3
import tempfile
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd
import sqlalchemy as sa
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from ..db import record_engine, safe_url
from ..protect.pseudonyms import Pseudonymiser
from .storage import APPLICATION_ID, USER_VERSION

__all__ = ["ENTRY_TYPES", "GENESIS", "Ledger", "Entry", "Checkpoint", "Verification", "LedgerError"]

ENTRY_TYPES = ("destruction", "migration", "backup", "restore", "share", "change", "query", "request",
               "dispute", "notification", "incident", "training")
GENESIS = "0" * 64
ENV_URL = "KIT_LEDGER_URL"
PAGE_SIZE = 65536      # large pages: SQLite rebalances interior pages (leaving stale bytes) only past ~1M entries
_SIGNED = "kitlib.ledger checkpoint v1"      # domain separation for the signed message


class LedgerError(ValueError):
    """A ledger problem, phrased in one line for the person at the keyboard."""


# -- tables -----------------------------------------------------------------------------------

metadata = sa.MetaData()
entries = sa.Table(
    "ledger_entries", metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("time", sa.String(32), nullable=False),       # UTC, ISO 8601 with Z
    sa.Column("type", sa.String(20), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("subjects", sa.Text, nullable=False),         # canonical JSON list of pseudonyms
    sa.Column("details", sa.Text, nullable=False),          # canonical JSON object
    sa.Column("prev_hash", sa.String(64), nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
)
checkpoints = sa.Table(
    "ledger_checkpoints", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("seq", sa.Integer, nullable=False),
    sa.Column("hash", sa.String(64), nullable=False),
    sa.Column("time", sa.String(32), nullable=False),
    sa.Column("public_key", sa.String(64), nullable=False),  # raw Ed25519 public key, hex
    sa.Column("signature", sa.String(128), nullable=False),  # hex
)

info = sa.Table(                                              # one row, written when the ledger is created
    "ledger_info", metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("format", sa.String(40), nullable=False),
    sa.Column("created_sqlite", sa.Integer, nullable=True),  # SQLITE_VERSION_NUMBER, for the file check
)
FORMAT = "kitlib.ledger v1"


def _append_only(table: sa.Table) -> None:
    """Triggers refusing UPDATE and DELETE (SQLite) or UPDATE, DELETE and TRUNCATE (PostgreSQL)."""
    name, message = table.name, f"the ledger is append-only: {table.name} rows are never updated or deleted"
    for op in ("UPDATE", "DELETE"):
        sa.event.listen(table, "after_create", sa.DDL(
            f"CREATE TRIGGER {name}_no_{op.lower()} BEFORE {op} ON {name} "
            f"BEGIN SELECT RAISE(ABORT, '{message}'); END").execute_if(dialect="sqlite"))
    for ddl in (f"CREATE OR REPLACE FUNCTION {name}_append_only() RETURNS trigger LANGUAGE plpgsql AS "
                f"$$ BEGIN RAISE EXCEPTION '{message}'; END $$",
                f"CREATE TRIGGER {name}_append_only BEFORE UPDATE OR DELETE OR TRUNCATE ON {name} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}_append_only()"):
        sa.event.listen(table, "after_create", sa.DDL(ddl).execute_if(dialect="postgresql"))


_append_only(entries)
_append_only(checkpoints)
_append_only(info)


# -- values -----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Entry:
    """One ledger entry as stored (subjects are pseudonyms)."""
    seq: int
    time: str
    type: str
    actor: str
    subjects: tuple
    details: dict
    prev_hash: str
    hash: str

    def to_dict(self) -> dict:
        out = asdict(self)
        out["subjects"] = list(self.subjects)
        return out


@dataclass(frozen=True)
class Checkpoint:
    """A signature over (seq, hash, time) of the latest entry at the time it was made."""
    seq: int
    hash: str
    time: str
    public_key: str       # hex of the raw 32-byte Ed25519 public key
    signature: str        # hex

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Verification:
    """The result of ``Ledger.verify``: ``ok``, how much was checked, and the first problem."""
    ok: bool
    entries: int
    checkpoints: int
    first_bad_seq: int | None = None
    problem: str | None = None
    storage: str = "not checked"     # the SQLite file check: "ok", "not checked (why)" or the problem
    anchors: int = 0                 # anchors kept elsewhere that were found in the chain

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        if self.ok:
            return (f"ledger OK: {self.entries} entries, {self.checkpoints} checkpoints, {self.anchors} anchors "
                    f"verified; file: {self.storage}")
        return f"ledger NOT OK: {self.problem}"


def canonical(value) -> str:
    """JSON text that is the same for the same value on every machine."""
    return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"), allow_nan=False)


def entry_hash(seq: int, time: str, type: str, actor: str, subjects, details, prev_hash: str) -> str:
    """SHA-256 (hex) of the canonical encoding of an entry's fields."""
    encoding = canonical([seq, time, type, actor, list(subjects), details, prev_hash])
    return hashlib.sha256(encoding.encode("utf-8")).hexdigest()


def _signed_message(seq: int, hash: str, time: str) -> bytes:
    return canonical([_SIGNED, seq, hash, time]).encode("utf-8")


def now() -> str:
    """UTC now as ISO 8601 with a Z (microseconds); sorts as it reads."""
    return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _utc_text(time) -> str:
    """A datetime or ISO text with a time zone, as UTC ISO text like ``now()``."""
    if time is None:
        return now()
    if isinstance(time, str):
        try:
            time = datetime.fromisoformat(time.strip())
        except ValueError:
            raise LedgerError(f"time {time!r} is not an ISO 8601 date-time") from None
    if not isinstance(time, datetime):
        raise LedgerError(f"time must be a datetime or ISO text, got {type(time).__name__}")
    if time.tzinfo is None or time.utcoffset() is None:
        raise LedgerError(f"time {time.isoformat()} has no time zone; give one (e.g. +00:00 or +08:00)")
    return time.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _private_key(key) -> Ed25519PrivateKey:
    if isinstance(key, Ed25519PrivateKey):
        return key
    if isinstance(key, (bytes, bytearray)) and len(key) == 32:
        return Ed25519PrivateKey.from_private_bytes(bytes(key))
    raise LedgerError("signing_key must be an Ed25519 private key (Ledger.generate_signing_key()) "
                      "or its 32 raw bytes")


def public_key_hex(key) -> str:
    """The raw Ed25519 public key as hex, from a private or public key object, raw bytes or hex."""
    if isinstance(key, Ed25519PrivateKey):
        key = key.public_key()
    if isinstance(key, Ed25519PublicKey):
        return key.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw).hex()
    if isinstance(key, (bytes, bytearray)) and len(key) == 32:
        return bytes(key).hex()
    if isinstance(key, str) and len(key.strip()) == 64:
        try:
            return bytes.fromhex(key.strip()).hex()
        except ValueError:
            pass
    raise LedgerError("public_key must be an Ed25519 public key, its 32 raw bytes or 64 hex digits")


def _pseudonymiser(value) -> Pseudonymiser:
    if isinstance(value, Pseudonymiser):
        return value
    if isinstance(value, (bytes, bytearray)):
        return Pseudonymiser(bytes(value), domain="customer")
    raise LedgerError(f"pseudonymiser must be a Pseudonymiser or a key (bytes), got {type(value).__name__}")


def _subject_key(path: Path) -> bytes:
    """The ledger's own HMAC key in ``path`` (hex, 0600), made once; race-free between processes."""
    try:
        return bytes.fromhex(path.read_text(encoding="ascii").strip())
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")   # 0600
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(Pseudonymiser.generate_key().hex() + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        try:
            os.link(tmp, path)             # fails if another process made the key first
        except FileExistsError:
            pass
    finally:
        Path(tmp).unlink(missing_ok=True)
    return bytes.fromhex(path.read_text(encoding="ascii").strip())


def default_url() -> str:
    """``KIT_LEDGER_URL`` if set, else ``ledger.sqlite`` in the kit's data folder."""
    url = os.environ.get(ENV_URL, "").strip()
    if url:
        return url
    from ..learn.paths import data_dir

    return f"sqlite:///{data_dir() / 'ledger.sqlite'}"


# -- the ledger -------------------------------------------------------------------------------

class Ledger:
    """An append-only, hash-chained ledger at a SQLAlchemy URL (default: an SQLite file in the kit's
    data folder; ``"sqlite://"`` keeps it in memory; PostgreSQL works too).

    signing_key: Ed25519 private key for ``checkpoint()`` (never stored by the ledger).
    pseudonymiser: how subjects become tokens: a Pseudonymiser or a 32-byte key.  Default: the
    ledger's own key, in a file beside an SQLite ledger (``<name>.subject-key``), in the data
    folder for other databases, and a fresh random key for an in-memory ledger.
    """

    def __init__(self, url: str | None = None, *, signing_key=None, pseudonymiser=None,
                 busy_timeout: float = 30.0):
        self.url = url or default_url()
        self._signing_key = None if signing_key is None else _private_key(signing_key)
        try:
            parsed = sa.engine.make_url(self.url)
        except (sa.exc.ArgumentError, ValueError):
            raise LedgerError(f"ledger: not a database URL: {self.url!r}") from None
        self.dialect = parsed.get_backend_name()
        self._database = parsed.database or ""
        try:
            self.engine = record_engine(self.url, busy_timeout, page_size=PAGE_SIZE)
            with self.engine.begin() as conn:
                if self.dialect == "postgresql":
                    conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": 0x6C6564})   # "led"
                metadata.create_all(conn, checkfirst=True)
                self._initialise(conn)
        except (sa.exc.ArgumentError, ImportError, sa.exc.OperationalError, OSError) as exc:
            raise LedgerError(f"ledger: cannot open {self.safe_url}: {str(exc).strip().splitlines()[0]}") from None
        self._pseudo = _pseudonymiser(pseudonymiser) if pseudonymiser is not None else self._own_pseudonymiser()

    def _initialise(self, conn) -> None:
        """Stamp a new ledger: the info row, and on SQLite the file's application id and format."""
        if conn.execute(sa.select(info.c.id)).first() is not None:
            return
        version = None
        if self.dialect == "sqlite":
            major, minor, patch = sqlite3.sqlite_version_info
            version = major * 1_000_000 + minor * 1_000 + patch
            conn.exec_driver_sql(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.exec_driver_sql(f"PRAGMA user_version = {USER_VERSION}")
        conn.execute(info.insert().values(id=1, format=FORMAT, created_sqlite=version))

    @property
    def file(self) -> Path | None:
        """The SQLite file holding the ledger (None in memory or on another database)."""
        if self.dialect != "sqlite" or self.in_memory or self._database.startswith("file:"):
            return None
        return Path(self._database).expanduser()

    @property
    def safe_url(self) -> str:
        return safe_url(self.url)

    @property
    def in_memory(self) -> bool:
        return self.dialect == "sqlite" and self._database in ("", ":memory:")

    def _own_pseudonymiser(self) -> Pseudonymiser:
        if self.in_memory:
            return Pseudonymiser(Pseudonymiser.generate_key())
        if self.dialect == "sqlite" and not self._database.startswith("file:"):
            db = Path(self._database).expanduser()
            return Pseudonymiser(_subject_key(db.with_name(db.name + ".subject-key")))
        from ..learn.paths import data_dir

        return Pseudonymiser(_subject_key(data_dir() / "ledger.subject-key"))

    def _read(self):
        return self.engine.connect().execution_options(reading=True)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> "Ledger":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __len__(self) -> int:
        with self._read() as conn:
            return conn.execute(sa.select(sa.func.count()).select_from(entries)).scalar_one()

    def __repr__(self) -> str:
        return f"Ledger({self.safe_url!r})"

    @staticmethod
    def generate_signing_key() -> Ed25519PrivateKey:
        """A new Ed25519 private key; keep it (and only it) away from the ledger."""
        return Ed25519PrivateKey.generate()

    # -- writing -------------------------------------------------------------------------

    def subject_token(self, subject, pseudonymiser=None) -> str:
        """The pseudonym stored for one subject (to look a customer up in the ledger)."""
        token = (self._pseudo if pseudonymiser is None else _pseudonymiser(pseudonymiser)).token(subject)
        if token is None:
            raise LedgerError(f"subject {subject!r} is blank")
        return token

    def append(self, type: str, *, actor: str, subjects=(), details: dict | None = None, time=None,
               pseudonymiser=None) -> Entry:
        """Add one entry and return it.  ``subjects`` are raw ids (stored only as pseudonyms),
        ``details`` a JSON object, ``time`` a zoned datetime or ISO text (default: now)."""
        return self.append_many([{"type": type, "actor": actor, "subjects": subjects, "details": details,
                                  "time": time}], pseudonymiser=pseudonymiser)[0]

    def append_many(self, items, *, pseudonymiser=None) -> list[Entry]:
        """Add several entries in one transaction (all or none), chained in the order given.

        items: dicts with the keywords of ``append`` (type, actor, subjects, details, time).  Every
        item is checked before anything is written; an error names the item's position.
        """
        items, rows = list(items), []
        for n, item in enumerate(items):
            try:
                rows.append(self._row(pseudonymiser=pseudonymiser, **item))
            except (TypeError, LedgerError) as exc:
                raise LedgerError(f"item {n}: {exc}" if len(items) > 1 else str(exc)) from None
        if not rows:
            return []
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql("LOCK TABLE ledger_entries IN SHARE ROW EXCLUSIVE MODE")
            last = conn.execute(sa.select(entries.c.seq, entries.c.hash)
                                .order_by(entries.c.seq.desc()).limit(1)).first()
            seq, prev = (last.seq, last.hash) if last else (0, GENESIS)
            for row in rows:
                seq += 1
                tokens, details = row.pop("_tokens"), row.pop("_details")
                row.update(seq=seq, prev_hash=prev,
                           hash=entry_hash(seq, row["time"], row["type"], row["actor"], tokens, details, prev))
                prev = row["hash"]
            conn.execute(entries.insert(), rows)
        return [_entry(row) for row in rows]

    def _row(self, type: str, *, actor: str, subjects=(), details: dict | None = None, time=None,
             pseudonymiser=None) -> dict:
        """One entry's stored fields, checked; seq and hashes are filled in under the lock."""
        if type not in ENTRY_TYPES:
            raise LedgerError(f"unknown entry type {type!r}: use one of {', '.join(ENTRY_TYPES)}")
        if not isinstance(actor, str) or not actor.strip():
            raise LedgerError(f"actor must be non-empty text (who did it), got {actor!r}")
        if len(actor.strip()) > 200:
            raise LedgerError(f"actor is longer than 200 characters: {actor[:40]!r}...")
        details_text = _details_text({} if details is None else details)
        subjects = [subjects] if isinstance(subjects, str) else list(subjects)
        tokens = [self.subject_token(s, pseudonymiser) for s in subjects]
        return {"time": _utc_text(time), "type": type, "actor": actor.strip(), "subjects": canonical(tokens),
                "details": details_text, "_tokens": tokens, "_details": json.loads(details_text)}

    def record_shred(self, shred_record, pseudonymiser=None) -> Entry:
        """A destruction entry for a ``kitlib.protect.shred.ShredRecord`` (or its ``to_dict()``)."""
        record = shred_record.to_dict() if hasattr(shred_record, "to_dict") else dict(shred_record)
        missing = [k for k in ("customer_id", "key_id", "method", "reason", "actor", "time") if not record.get(k)]
        if missing:
            raise LedgerError(f"record_shred: the shred record has no {missing[0]}")
        details = {"key_id": record["key_id"], "method": record["method"], "reason": record["reason"]}
        return self.append("destruction", actor=record["actor"], subjects=[record["customer_id"]],
                           details=details, time=record["time"], pseudonymiser=pseudonymiser)

    def checkpoint(self, signing_key=None) -> Checkpoint:
        """Sign (seq, hash, time) of the latest entry and store it with the public key."""
        key = self._signing_key if signing_key is None else _private_key(signing_key)
        if key is None:
            raise LedgerError("checkpoint needs a signing key: Ledger(..., signing_key=...) or checkpoint(key)")
        with self.engine.begin() as conn:
            if self.dialect == "postgresql":
                conn.exec_driver_sql("LOCK TABLE ledger_entries IN SHARE ROW EXCLUSIVE MODE")
            last = conn.execute(sa.select(entries.c.seq, entries.c.hash)
                                .order_by(entries.c.seq.desc()).limit(1)).first()
            if last is None:
                raise LedgerError("nothing to checkpoint: the ledger is empty")
            stamp = now()
            row = {"seq": last.seq, "hash": last.hash, "time": stamp, "public_key": public_key_hex(key),
                   "signature": key.sign(_signed_message(last.seq, last.hash, stamp)).hex()}
            conn.execute(checkpoints.insert().values(**row))
        return Checkpoint(**row)

    # -- reading -------------------------------------------------------------------------

    def entries(self, type: str | None = None) -> list[Entry]:
        """Every entry (or every one of a type), oldest first."""
        query = sa.select(entries).order_by(entries.c.seq)
        if type is not None:
            query = query.where(entries.c.type == type)
        with self._read() as conn:
            return [_entry(dict(r)) for r in conn.execute(query).mappings()]

    def checkpoints(self) -> list[Checkpoint]:
        with self._read() as conn:
            rows = conn.execute(sa.select(checkpoints).order_by(checkpoints.c.seq, checkpoints.c.id)).mappings()
            return [Checkpoint(**{k: v for k, v in r.items() if k != "id"}) for r in rows]

    def to_frame(self) -> pd.DataFrame:
        """Every entry as stored, oldest first; subjects and details are the hashed JSON text."""
        with self._read() as conn:
            rows = conn.execute(sa.select(entries).order_by(entries.c.seq)).mappings().all()
        return pd.DataFrame([dict(r) for r in rows], columns=[c.name for c in entries.columns])

    def export_csv(self, path) -> Path:
        """The entries as UTF-8 CSV (with BOM, for Excel), written atomically."""
        from .export import export_csv

        return export_csv(self, path)

    def export_html(self, path) -> Path:
        """A readable, print-ready HTML table of the entries and checkpoints, written atomically."""
        from .export import export_html

        return export_html(self, path)

    def anchor(self) -> dict:
        """The latest entry's seq and hash, to keep somewhere else (a certificate, the officer's
        notes, an e-mail): ``verify(anchors=[...])`` then proves nothing after it was cut off."""
        with self._read() as conn:
            last = conn.execute(sa.select(entries.c.seq, entries.c.hash).order_by(entries.c.seq.desc()).limit(1)).first()
        if last is None:
            raise LedgerError("nothing to anchor: the ledger is empty")
        return {"seq": last.seq, "hash": last.hash}

    def verify(self, public_key=None, *, anchors=(), storage: bool = True) -> Verification:
        """Recompute the chain, check every checkpoint and anchor, and (SQLite file) the file itself.

        ``public_key`` pins the signer; without it all checkpoints must share one key.  ``anchors``:
        ``anchor()`` results or Checkpoints kept elsewhere; each must still be in the chain.
        """
        from .verify import verify

        return verify(self, public_key, anchors=anchors, storage=storage)


def _details_text(details) -> str:
    if not isinstance(details, dict):
        raise LedgerError(f"details must be a dict (a JSON object), got {type(details).__name__}")
    try:
        return canonical(json.loads(canonical(details)))   # round trip: int keys become text, as stored
    except (TypeError, ValueError) as exc:
        raise LedgerError(f"details is not JSON: {str(exc).splitlines()[0]}") from None


def _entry(row: dict) -> Entry:
    return Entry(seq=row["seq"], time=row["time"], type=row["type"], actor=row["actor"],
                 subjects=tuple(json.loads(row["subjects"])), details=json.loads(row["details"]),
                 prev_hash=row["prev_hash"], hash=row["hash"])
