"""A key store for envelope encryption: one data key per customer, wrapped by a master key.

The master key (32 bytes) comes from a passphrase through scrypt, or is given as 32 bytes; it is
never stored.  Each customer's data key (32 random bytes) is stored only wrapped: AES-256-GCM
under the master key, with a fresh nonce and associated data that binds the store id and the
customer id, so a wrapped key copied to another customer or store does not unwrap.

The store is one SQLite file, created private (mode 0600) and refused when group or others may
read it.  Every connection runs with ``PRAGMA secure_delete=ON``: a deleted (shredded) wrapped key
is overwritten with zeros in the file, so the customer's ciphertexts are gone for good.

    with KeyStore.create("keys.db", "a long passphrase") as ks:
        ks.ensure_keys(["C000001", "C000002"])
        aead = ks.data_key("C000001")          # an AESGCM object, cached in memory
"""
from __future__ import annotations

import hashlib
import os
import sqlite3
import stat
from contextlib import contextmanager
from datetime import datetime, timezone
from itertools import islice, repeat
from pathlib import Path

import numpy as np
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from .errors import KeyShredded, KeyStoreError, UnknownCustomer, WrongPassphrase

__all__ = ["KeyStore", "key_id"]

FORMAT = "kitlib.protect.keystore"
VERSION = 1
_CHECK_LABEL = b"kitlib key store: master key check v1"
# ids per "IN (...)" query: SQLite allows 32766 parameters since 3.32, 999 before
_CHUNK = 10_000 if sqlite3.sqlite_version_info >= (3, 32) else 900
_SCHEMA = """
CREATE TABLE meta (name TEXT PRIMARY KEY, value) WITHOUT ROWID;
CREATE TABLE keys (customer_id TEXT PRIMARY KEY, wrapped BLOB NOT NULL, created TEXT NOT NULL) WITHOUT ROWID;
CREATE TABLE shredded (customer_id TEXT PRIMARY KEY, key_id TEXT NOT NULL, shredded_at TEXT NOT NULL,
                       actor TEXT NOT NULL, reason TEXT NOT NULL) WITHOUT ROWID;
"""


def key_id(wrapped: bytes) -> str:
    """A non-secret fingerprint of a wrapped key: the first 16 hex digits of its SHA-256."""
    return hashlib.sha256(wrapped).hexdigest()[:16]


def _split(blob: bytes, size: int) -> list[bytes]:
    """``blob`` cut into pieces of ``size`` bytes."""
    return np.frombuffer(blob, dtype=f"V{size}").tolist()


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


def _check_secret(passphrase, master_key) -> None:
    if (passphrase is None) == (master_key is None):
        raise TypeError("give exactly one of passphrase and master_key")
    if master_key is not None and (not isinstance(master_key, (bytes, bytearray)) or len(master_key) != 32):
        raise ValueError("master_key must be 32 bytes")
    if passphrase is not None and (not isinstance(passphrase, (str, bytes)) or not passphrase):
        raise ValueError("the passphrase must be a non-empty str or bytes")


def _master(passphrase, master_key, salt: bytes, n: int, r: int, p: int) -> AESGCM:
    """The master key as an AESGCM object: ``master_key`` itself, or scrypt of the passphrase."""
    if master_key is not None:
        return AESGCM(bytes(master_key))
    if isinstance(passphrase, str):
        passphrase = passphrase.encode("utf-8")
    return AESGCM(Scrypt(salt=salt, length=32, n=n, r=r, p=p).derive(passphrase))


@contextmanager
def _transaction(db: sqlite3.Connection):
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


class KeyStore:
    """Per-customer data keys in one SQLite file, wrapped by a master key that is never stored.

    Open with :meth:`create` or :meth:`open`; close with :meth:`close` or a ``with`` block.
    Data keys are cached in memory (at most ``cache_size`` customers); a change committed by
    another connection (a shred in another process) empties the cache.
    """

    cache_size = 200_000                      # an AESGCM object takes about 2.5 KB

    def __init__(self, path: Path, db: sqlite3.Connection, master: AESGCM, meta: dict):
        self.path, self._db, self._master, self._meta = path, db, master, meta
        self.store_id: str = meta["store_id"]
        self._sid = bytes.fromhex(self.store_id)
        self._cache: dict[str, AESGCM] = {}
        self._version = self._data_version()

    # -- opening ---------------------------------------------------------------------------

    @classmethod
    def create(cls, path, passphrase: str | bytes | None = None, *, master_key: bytes | None = None,
               scrypt_n: int = 2**15) -> "KeyStore":
        """Create a new, empty store at ``path`` (mode 0600; KeyStoreError if the file exists).

        ``scrypt_n`` (a power of 2) sets the passphrase's work factor; it is stored with the salt.
        """
        path = Path(path)
        _check_secret(passphrase, master_key)
        salt, store_id = os.urandom(16), os.urandom(16)
        master = _master(passphrase, master_key, salt, scrypt_n, 8, 1)
        meta = {"format": FORMAT, "version": VERSION, "store_id": store_id.hex(), "created": _now(),
                "kdf": "scrypt" if passphrase is not None else "none", "scrypt_n": scrypt_n, "scrypt_r": 8,
                "scrypt_p": 1, "salt": salt.hex(), "check": cls._check_value(master, store_id)}
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            os.close(os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
        except FileExistsError:
            raise KeyStoreError(f"key store {path} already exists; open it instead") from None
        db = None
        try:
            db = cls._connect(path)
            with _transaction(db):
                for statement in filter(str.strip, _SCHEMA.split(";")):
                    db.execute(statement)
                db.executemany("INSERT INTO meta VALUES (?, ?)", meta.items())
            return cls(path, db, master, meta)
        except BaseException:
            if db is not None:
                db.close()
            path.unlink(missing_ok=True)
            raise

    @classmethod
    def open(cls, path, passphrase: str | bytes | None = None, *, master_key: bytes | None = None) -> "KeyStore":
        """Open an existing store: WrongPassphrase if the passphrase (or master key) does not fit;
        KeyStoreError if the file is missing, damaged, of another format or not private."""
        path = Path(path)
        _check_secret(passphrase, master_key)
        if not path.is_file():
            raise KeyStoreError(f"no key store at {path}")
        mode = stat.S_IMODE(path.stat().st_mode)
        if os.name == "posix" and mode & 0o077:
            raise KeyStoreError(f"key store {path} has mode {mode:04o}, which lets group or others read it; "
                                f"make it private with chmod 600")
        db = cls._connect(path)
        try:
            try:
                meta = dict(db.execute("SELECT name, value FROM meta"))
            except sqlite3.DatabaseError:
                raise KeyStoreError(f"{path} is not a key store of this kit (damaged, or another format)") from None
            if meta.get("format") != FORMAT:
                raise KeyStoreError(f"{path} is not a key store of this kit (format {meta.get('format')!r})")
            if meta.get("version") != VERSION:
                raise KeyStoreError(f"key store {path} has version {meta.get('version')!r}; "
                                    f"this kit reads version {VERSION}")
            if meta.get("kdf") == "none" and master_key is None:
                raise WrongPassphrase(f"key store {path} opens with its master key, not a passphrase")
            try:
                master = _master(passphrase, master_key, bytes.fromhex(meta["salt"]),
                                 meta["scrypt_n"], meta["scrypt_r"], meta["scrypt_p"])
                cls._check_value(master, bytes.fromhex(meta["store_id"]), meta["check"])
            except InvalidTag:
                raise WrongPassphrase(f"wrong passphrase or master key for key store {path}") from None
            except (KeyError, TypeError, ValueError) as exc:
                raise KeyStoreError(f"key store {path} has damaged settings ({exc})") from None
            return cls(path, db, master, meta)
        except BaseException:
            db.close()
            raise

    @staticmethod
    def _connect(path: Path) -> sqlite3.Connection:
        try:
            db = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, isolation_level=None)
            db.execute("PRAGMA secure_delete=ON")
            if db.execute("PRAGMA secure_delete").fetchone()[0] != 1:
                raise KeyStoreError(f"SQLite cannot securely delete in {path}")
        except sqlite3.Error as exc:
            raise KeyStoreError(f"cannot open key store {path}: {exc}") from None
        return db

    @staticmethod
    def _check_value(master: AESGCM, store_id: bytes, check: bytes | None = None) -> bytes:
        """Make the key-check value, or verify ``check`` (InvalidTag when the master key differs)."""
        aad = b"kitlib-check\0" + store_id
        if check is None:
            nonce = os.urandom(12)
            return nonce + master.encrypt(nonce, _CHECK_LABEL, aad)
        if master.decrypt(check[:12], check[12:], aad) != _CHECK_LABEL:
            raise InvalidTag()
        return check

    def close(self) -> None:
        """Close the file and forget the master key and every cached data key."""
        self._cache.clear()
        self._master = None
        self._db.close()

    def __enter__(self) -> "KeyStore":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"KeyStore({str(self.path)!r})"

    # -- keys ------------------------------------------------------------------------------

    def __len__(self) -> int:
        """The number of live (not shredded) data keys."""
        return self._db.execute("SELECT count(*) FROM keys").fetchone()[0]

    def _select(self, sql: str, ids: list[str]) -> list[tuple]:
        """Rows of ``sql`` (with one "{}" for the placeholders) for ``ids``, queried in chunks."""
        rows = []
        for i in range(0, len(ids), _CHUNK):
            chunk = ids[i:i + _CHUNK]
            rows += self._db.execute(sql.format(",".join("?" * len(chunk))), chunk).fetchall()
        return rows

    def _aads(self, ids: list[str]) -> list[bytes]:
        return list(map((b"kitlib-key\0" + self._sid).__add__, map(str.encode, ids)))

    def _data_version(self) -> int:
        return self._db.execute("PRAGMA data_version").fetchone()[0]

    def _create(self, ids: list[str]) -> dict[str, bytes]:
        """Make keys for ``ids`` (none may exist yet) in one transaction; return the raw keys."""
        keys = _split(os.urandom(32 * len(ids)), 32)
        nonces = _split(os.urandom(12 * len(ids)), 12)
        wrapped = map(bytes.__add__, nonces, map(self._master.encrypt, nonces, keys, self._aads(ids)))
        with _transaction(self._db):
            self._db.executemany("INSERT INTO keys VALUES (?, ?, ?)", zip(ids, wrapped, repeat(_now())))
        return dict(zip(ids, keys))

    def _missing(self, ids: list[str]) -> list[str]:
        """Those of ``ids`` with no key yet; KeyShredded if one of them was shredded."""
        have = {row[0] for row in self._select("SELECT customer_id FROM keys WHERE customer_id IN ({})", ids)}
        missing = [cid for cid in ids if cid not in have]
        gone = self.shredded_among(missing)
        if gone:
            cid = next(c for c in missing if c in gone)
            raise KeyShredded(f"customer {cid} was shredded in key store {self.path}; "
                              f"no new key is made for them")
        return missing

    def ensure_keys(self, customer_ids) -> int:
        """Make a data key for each customer that has none, all in one transaction; return how many
        were made.  KeyShredded if one of them was shredded (their data must not come back)."""
        ids = self._ids(customer_ids)
        missing = self._missing(ids)
        if missing:
            self._create(missing)
        return len(missing)

    @staticmethod
    def _ids(customer_ids) -> list[str]:
        ids = list(dict.fromkeys(customer_ids))
        if not set(map(type, ids)) <= {str} or "" in ids:
            bad = next(c for c in ids if not isinstance(c, str) or not c)
            raise ValueError(f"customer ids must be non-empty strings, not {bad!r}")
        return ids

    def ciphers(self, customer_ids, *, create: bool = False) -> dict[str, AESGCM]:
        """The bulk form of :meth:`data_key`: {customer id: AESGCM} for every customer with a live
        key; the others are left out (see :meth:`shredded_among`).  With ``create``, customers
        without a key get one first (KeyShredded if one of them was shredded)."""
        ids = self._ids(customer_ids)
        return {cid: aead for cid, aead in zip(ids, self.cipher_list(ids, create=create)) if aead is not None}

    def cipher_list(self, customer_ids, *, create: bool = False) -> list[AESGCM | None]:
        """Like :meth:`ciphers`, one entry per given id (ids may repeat), None where no live key:
        the fast form for one id per row of a table."""
        version = self._data_version()
        if version != self._version:             # another connection committed: maybe a shred
            self._cache.clear()
            self._version = version
        ids, cache = list(customer_ids), self._cache
        found = list(map(cache.get, ids))
        if None not in found:
            return found
        todo = self._ids(cid for cid, aead in zip(ids, found) if aead is None)
        new = {}
        if create:
            missing = self._missing(todo)
            if missing:
                new = {cid: AESGCM(key) for cid, key in self._create(missing).items()}
                todo = [cid for cid in todo if cid not in new]
        if todo:
            rows = self._select("SELECT customer_id, wrapped FROM keys WHERE customer_id IN ({})", todo)
            if rows:
                unwrapped = [cid for cid, _ in rows]
                try:
                    keys = list(map(self._master.decrypt, [w[:12] for _, w in rows], [w[12:] for _, w in rows],
                                    self._aads(unwrapped)))
                except InvalidTag:
                    raise KeyStoreError(f"a wrapped key in key store {self.path} does not unwrap "
                                        f"(damaged, or copied from another customer)") from None
                new.update(zip(unwrapped, map(AESGCM, keys)))
        found = [aead if aead is not None else new.get(cid) for cid, aead in zip(ids, found)]
        cache.update(new)
        if len(cache) > self.cache_size:
            for cid in list(islice(cache, len(cache) - self.cache_size)):
                del cache[cid]
        return found

    def data_key(self, customer_id: str) -> AESGCM:
        """The customer's data key as an AESGCM object (cached); UnknownCustomer or KeyShredded."""
        found = self.ciphers([customer_id])
        if customer_id in found:
            return found[customer_id]
        if self.is_shredded(customer_id):
            raise KeyShredded(f"the data key of customer {customer_id} was shredded (key store {self.path})")
        raise UnknownCustomer(f"customer {customer_id} has no data key in key store {self.path}")

    def shredded_among(self, customer_ids) -> set[str]:
        """Those of ``customer_ids`` whose key was shredded."""
        ids = self._ids(customer_ids)
        return {row[0] for row in self._select("SELECT customer_id FROM shredded WHERE customer_id IN ({})", ids)}

    def is_shredded(self, customer_id: str) -> bool:
        """Whether the customer's data key was shredded."""
        return bool(self.shredded_among([customer_id]))

    def shred(self, customer_id: str, actor: str, reason: str) -> tuple[str, str]:
        """Delete the customer's data key for good (secure_delete overwrites it in the file), record
        who did it and why, and drop it from the memory cache.  A primary-key delete: O(1) in the
        store size.  Returns (key id of the deleted wrapped key, UTC time).  UnknownCustomer or
        KeyShredded when there is no live key; ValueError without an actor or a reason."""
        for name, value in (("actor", actor), ("reason", reason)):
            if not isinstance(value, str) or not value.strip():
                raise ValueError(f"a shred needs a non-empty {name}")
        with _transaction(self._db):
            row = self._db.execute("SELECT wrapped FROM keys WHERE customer_id = ?", (customer_id,)).fetchone()
            if row is None:
                if self._db.execute("SELECT 1 FROM shredded WHERE customer_id = ?", (customer_id,)).fetchone():
                    raise KeyShredded(f"customer {customer_id} was already shredded (key store {self.path})")
                raise UnknownCustomer(f"customer {customer_id} has no data key in key store {self.path}")
            kid, at = key_id(row[0]), _now()
            self._db.execute("DELETE FROM keys WHERE customer_id = ?", (customer_id,))
            self._db.execute("INSERT INTO shredded VALUES (?, ?, ?, ?, ?)", (customer_id, kid, at, actor, reason))
        self._cache.pop(customer_id, None)
        return kid, at

    def rotate(self, new_passphrase: str | bytes | None = None, *, new_master_key: bytes | None = None,
               scrypt_n: int | None = None) -> None:
        """Re-wrap every data key under a new master key (new salt), in one transaction: if anything
        fails the store is left as it was.  Data keys, and so all ciphertexts, stay the same."""
        _check_secret(new_passphrase, new_master_key)
        n = scrypt_n or self._meta["scrypt_n"]
        salt = os.urandom(16)
        new = _master(new_passphrase, new_master_key, salt, n, 8, 1)
        meta = {"kdf": "scrypt" if new_passphrase is not None else "none", "scrypt_n": n, "scrypt_r": 8,
                "scrypt_p": 1, "salt": salt.hex(), "check": self._check_value(new, self._sid)}
        old = self._master
        try:
            self._rewrap(old, new, meta)
        except InvalidTag:
            raise KeyStoreError(f"a wrapped key in key store {self.path} does not unwrap (damaged); "
                                f"nothing was rotated") from None
        self._meta.update(meta)
        self._master = new

    def _rewrap(self, old: AESGCM, new: AESGCM, meta: dict) -> None:
        with _transaction(self._db):
            rows = self._db.execute("SELECT customer_id, wrapped FROM keys").fetchall()
            ids = [cid for cid, _ in rows]
            aads = self._aads(ids)
            keys = map(old.decrypt, [w[:12] for _, w in rows], [w[12:] for _, w in rows], aads)
            nonces = _split(os.urandom(12 * len(rows)), 12)
            wrapped = map(bytes.__add__, nonces, map(new.encrypt, nonces, keys, aads))
            updates = zip(wrapped, ids)
            self._db.executemany("UPDATE keys SET wrapped = ? WHERE customer_id = ?", updates)
            self._db.executemany("UPDATE meta SET value = ? WHERE name = ?", [(v, k) for k, v in meta.items()])
