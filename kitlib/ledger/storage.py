"""Checking an SQLite ledger *file* byte by byte, beyond what its rows say.

The hash chain proves the rows; this proves the file.  An SQLite file has bytes no row covers:
the file header, page headers, the gaps between cells, the tails of pages.  Someone editing the
file with a hex editor, or deleting rows with an ordinary SQLite client, changes those bytes
without (or before) changing a row the chain would catch.  The ledger writes with
``secure_delete`` on, so every byte the file format does not use is zero; this module walks every
page and checks that, plus every header field, every b-tree invariant SQLite keeps for an
insert-only table (divider keys equal the largest rowid to their left), the schema, and SQLite's
own ``integrity_check``.  The first problem is named with its page and offset.

Limits, said plainly: SQLite leaves old pointers and cells in the gap of an interior page it has
rebalanced, so the gap is checked only on a root page straight over its leaves, which SQLite never
rebalances; with the ledger's 64 KiB pages a table keeps that shape up to about a million entries.
Past that, interior gaps go unchecked (their cells, and every row, still are).  Bytes in the ``-wal`` file are not checked (the check folds the WAL into the
file first, and reports "skipped" if another connection keeps it from doing so); and an attacker
who rewrites the whole file with SQLite itself (``VACUUM``) leaves a well-formed file — that is what
the signed checkpoints and an anchor kept elsewhere are for (``Ledger.verify(anchors=...)``).
"""
from __future__ import annotations

import sqlite3
import struct
from dataclasses import dataclass
from pathlib import Path

import numpy as np

__all__ = ["StorageCheck", "check_file", "EXPECTED_SCHEMA", "APPLICATION_ID", "USER_VERSION"]

APPLICATION_ID = 0x4B49544C        # "KITL": set on every ledger file the kit creates
USER_VERSION = 1                   # ledger file format
_MAGIC = b"SQLite format 3\x00"


@dataclass(frozen=True)
class StorageCheck:
    ok: bool
    checked: bool                  # False: not an SQLite file, or skipped (in use)
    problem: str | None = None
    pages: int = 0


class _Bad(Exception):
    pass


def _u16(b: bytes, o: int) -> int:
    return struct.unpack_from(">H", b, o)[0]


def _u32(b: bytes, o: int) -> int:
    return struct.unpack_from(">I", b, o)[0]


def _varint(b: bytes, o: int) -> tuple[int, int]:
    """(value, offset after) of an SQLite varint at ``o``."""
    value = 0
    for i in range(8):
        byte = b[o + i]
        value = (value << 7) | (byte & 0x7F)
        if byte < 0x80:
            return value, o + i + 1
    return (value << 8) | b[o + 8], o + 9


def _zero(data: bytes, start: int, end: int, where: str) -> None:
    if start < end and data.count(0, start, end) != end - start:
        first = next(i for i in range(start, end) if data[i])
        raise _Bad(f"{where} offset {first}: a byte the file format does not use is not zero "
                   f"(the file was altered outside the ledger)")


class _Walker:
    def __init__(self, data: bytes, page_size: int):
        self.data, self.size = data, page_size
        self.pages = len(data) // page_size
        self.seen: dict[int, str] = {}
        self.usable = page_size                    # reserved bytes per page are checked to be 0

    def page(self, n: int, what: str) -> bytes:
        if not 1 <= n <= self.pages:
            raise _Bad(f"{what}: points to page {n}, outside the file's {self.pages} pages")
        if n in self.seen:
            raise _Bad(f"page {n} is used twice ({self.seen[n]} and {what})")
        self.seen[n] = what
        return self.data[(n - 1) * self.size:n * self.size]

    def table(self, root: int, name: str, alias: bool = False) -> None:
        """Walk a table b-tree; ``alias``: its first column is the rowid (INTEGER PRIMARY KEY), which
        SQLite stores as NULL in the record and must find there."""
        self.alias, self.root = alias, root
        self._node(root, name, lower=None, upper=None)

    def _node(self, n: int, name: str, lower, upper) -> int | None:
        """Check page ``n`` of table ``name``; the largest rowid below it (None if empty)."""
        where = f"page {n} ({name})"
        page = self.page(n, name)
        o = 100 if n == 1 else 0
        kind = page[o]
        if kind not in (0x05, 0x0D):
            raise _Bad(f"{where}: not a table b-tree page (type byte {kind:#04x})")
        leaf = kind == 0x0D
        head = 8 if leaf else 12
        ncells, content = _u16(page, o + 3), _u16(page, o + 5) or 65536
        ptrs_end = o + head + 2 * ncells
        if not ptrs_end <= content <= self.size:
            raise _Bad(f"{where}: cell area starts at {content}, before the end of the cell pointers")
        if leaf and (self.root != 1 or n == 1):      # under page 1 SQLite splits without balance_quick
            _zero(page, ptrs_end, content, where)
        covered = bytearray(self.size)
        for fb in self._freeblocks(page, o, content, where):
            start, size = fb
            _zero(page, start + 4, start + size, where)
            covered[start:start + size] = b"\x01" * size
        keys, last, leaves_below = [], None, True
        for i in range(ncells):
            at = _u16(page, o + head + 2 * i)
            if not content <= at < self.size:
                raise _Bad(f"{where}: cell {i} pointer {at} is outside the cell area")
            if leaf:
                payload, p = _varint(page, at)
                rowid, p = _varint(page, p)
                local, overflow = self._local(payload)
                end = p + local + (4 if overflow else 0)
                if self.alias:
                    _size, q = _varint(page, p)
                    if page[q] != 0:
                        raise _Bad(f"{where}: row {rowid} stores a value for its rowid column "
                                   f"(serial type {page[q]}, expected NULL)")
                if overflow:
                    self._overflow(_u32(page, p + local), payload - local, f"{name} row {rowid}")
                key = rowid
            else:
                child = _u32(page, at)
                key, end = _varint(page, at + 4)
                leaves_below &= self._is_leaf(child)
                below = self._node(child, name, lower if last is None else last, key)
                if below != key:
                    raise _Bad(f"{where}: divider {key} is not the largest rowid to its left ({below})")
            if end > self.size or any(covered[at:end]):
                raise _Bad(f"{where}: cell {i} overlaps another cell")
            covered[at:end] = b"\x01" * (end - at)
            if last is not None and key <= last:
                raise _Bad(f"{where}: rowid {key} out of order after {last}")
            if (lower is not None and key <= lower) or (upper is not None and key > upper):
                raise _Bad(f"{where}: rowid {key} outside its parent's range")
            keys.append(key)
            last = key
        stray = np.flatnonzero(np.frombuffer(page, np.uint8)[content:] & (np.frombuffer(covered, np.uint8)[content:] ^ 1))
        if stray.size:                                     # fragments: bytes between cells no cell covers
            raise _Bad(f"{where} offset {content + int(stray[0])}: a byte between cells is not zero "
                       f"(the file was altered outside the ledger)")
        if leaf:
            return keys[-1] if keys else None
        leaves_below &= self._is_leaf(_u32(page, o + 8))
        if leaves_below and lower is None and upper is None:     # the root, straight over its leaves
            _zero(page, ptrs_end, content, where)
        right = self._node(_u32(page, o + 8), name, last, upper)
        return right if right is not None else last

    def _is_leaf(self, n: int) -> bool:
        return 1 <= n <= self.pages and self.data[(n - 1) * self.size + (100 if n == 1 else 0)] == 0x0D

    def _freeblocks(self, page: bytes, o: int, content: int, where: str):
        at, seen = _u16(page, o + 1), 0
        while at:
            if not content <= at <= self.size - 4 or seen > self.size // 4:
                raise _Bad(f"{where}: freeblock chain points to {at}, outside the cell area")
            size = _u16(page, at + 2)
            if at + size > self.size or size < 4:
                raise _Bad(f"{where}: freeblock at {at} has size {size}")
            yield at, size
            at, seen = _u16(page, at), seen + 1

    def _local(self, payload: int) -> tuple[int, bool]:
        u = self.usable
        x = u - 35
        if payload <= x:
            return payload, False
        m = ((u - 12) * 32 // 255) - 23
        k = m + (payload - m) % (u - 4)
        return (k if k <= x else m), True

    def _overflow(self, n: int, remaining: int, what: str) -> None:
        while remaining > 0:
            page = self.page(n, f"overflow of {what}")
            used = min(remaining, self.usable - 4)
            remaining -= used
            nxt = _u32(page, 0)
            if (remaining > 0) != (nxt != 0):
                raise _Bad(f"page {n} (overflow of {what}): chain length does not match the row's size")
            _zero(page, 4 + used, self.size, f"page {n} (overflow of {what})")
            n = nxt

    def freelist(self, trunk: int, count: int) -> None:
        found = 0
        while trunk:
            page = self.page(trunk, "freelist trunk")
            leaves = _u32(page, 4)
            if 8 + 4 * leaves > self.size:
                raise _Bad(f"page {trunk} (freelist trunk): {leaves} leaves do not fit")
            for i in range(leaves):
                leaf = _u32(page, 8 + 4 * i)
                _zero(self.page(leaf, "free page"), 0, self.size, f"page {leaf} (free page)")
            _zero(page, 8 + 4 * leaves, self.size, f"page {trunk} (freelist trunk)")
            found += 1 + leaves
            trunk = _u32(page, 0)
        if found != count:
            raise _Bad(f"file header: {count} free pages recorded, {found} found")


# type, name, tbl_name, sql-or-None of every schema object a ledger file holds (rootpage aside).
EXPECTED_SCHEMA: frozenset | None = None


def _expected_schema() -> frozenset:
    """The schema rows a fresh ledger file has, made once in memory by the ledger's own DDL."""
    global EXPECTED_SCHEMA
    if EXPECTED_SCHEMA is None:
        import sqlalchemy as sa

        from .ledger import metadata

        engine = sa.create_engine("sqlite://")
        with engine.begin() as conn:
            metadata.create_all(conn)
            rows = conn.exec_driver_sql("SELECT type, name, tbl_name, sql FROM sqlite_schema").all()
        engine.dispose()
        EXPECTED_SCHEMA = frozenset(tuple(r) for r in rows)
    return EXPECTED_SCHEMA


def _header(data: bytes, pages: int, info_version: int) -> None:
    if data[:16] != _MAGIC:
        raise _Bad("file header: not an SQLite 3 file")
    fixed = {18: 2, 19: 2, 20: 0, 21: 64, 22: 32, 23: 32}        # WAL, no reserved bytes, payload fractions
    for at, want in fixed.items():
        if data[at] != want:
            raise _Bad(f"file header offset {at}: {data[at]}, expected {want}")
    if _u32(data, 24) != _u32(data, 92):
        raise _Bad("file header offset 24: change counter differs from version-valid-for (offset 92)")
    if _u32(data, 28) != pages:
        raise _Bad(f"file header offset 28: {_u32(data, 28)} pages recorded, the file has {pages}")
    for at, want, what in ((44, 4, "schema format"), (48, 0, "default cache size"), (52, 0, "auto-vacuum root"),
                           (56, 1, "text encoding (UTF-8)"), (60, USER_VERSION, "user version (ledger format)"),
                           (64, 0, "incremental vacuum"), (68, APPLICATION_ID, "application id (kit ledger)")):
        if _u32(data, at) != want:
            raise _Bad(f"file header offset {at}: {what} is {_u32(data, at)}, expected {want}")
    _zero(data, 72, 92, "file header")
    if _u32(data, 96) != info_version:
        raise _Bad(f"file header offset 96: SQLite version {_u32(data, 96)} is not the one that created "
                   f"the ledger ({info_version})")


def check_file(path) -> StorageCheck:
    """Check an SQLite ledger file (see the module docstring); never raises on a damaged file."""
    path = Path(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, isolation_level=None, timeout=30)
    except sqlite3.Error as exc:
        return StorageCheck(False, True, f"ledger file {path.name}: cannot open ({exc})")
    try:
        try:
            busy, frames, done = conn.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        except sqlite3.Error as exc:
            return StorageCheck(False, True, f"ledger file {path.name}: {exc}")
        if busy or frames != done:
            return StorageCheck(True, False, "skipped: the ledger is in use (its WAL could not be folded in)")
        conn.execute("BEGIN IMMEDIATE")
        try:
            return _check_locked(conn, path)
        finally:
            conn.execute("ROLLBACK")
    except sqlite3.Error as exc:
        return StorageCheck(False, True, f"ledger file {path.name}: {str(exc).splitlines()[0]}")
    finally:
        conn.close()


def _check_locked(conn: sqlite3.Connection, path: Path) -> StorageCheck:
    wal = path.with_name(path.name + "-wal")
    if wal.exists() and wal.stat().st_size:
        return StorageCheck(True, False, "skipped: the ledger is in use (its WAL is not empty)")
    data = path.read_bytes()
    name = f"ledger file {path.name}"
    try:
        if len(data) < 100:
            raise _Bad("file header: the file is shorter than its header")
        page_size = _u16(data, 16)
        page_size = 65536 if page_size == 1 else page_size
        if page_size < 512 or page_size & (page_size - 1) or len(data) % page_size:
            raise _Bad(f"file header offset 16: page size {page_size} does not fit a {len(data)}-byte file")
        problems = [r[0] for r in conn.execute("PRAGMA integrity_check")]
        if problems != ["ok"]:
            raise _Bad(f"SQLite integrity_check: {problems[0]}")
        schema = conn.execute("SELECT type, name, tbl_name, sql, rootpage FROM sqlite_schema").fetchall()
        if frozenset(r[:4] for r in schema) != _expected_schema() or len(schema) != len(_expected_schema()):
            raise _Bad("schema: the tables or triggers are not the ledger's own (changed, dropped or added)")
        info = conn.execute("SELECT created_sqlite FROM ledger_info WHERE id = 1").fetchone()
        if info is None:
            raise _Bad("ledger_info: the row written when the ledger was created is missing")
        pages = len(data) // page_size
        _header(data, pages, info[0])
        walker = _Walker(data, page_size)
        walker.table(1, "sqlite_schema")
        for kind, obj, _tbl, _sql, root in sorted(schema, key=lambda r: r[4]):
            if kind == "table" and root:
                first = conn.execute(f'PRAGMA table_info("{obj}")').fetchone()
                walker.table(root, obj, alias=bool(first and first[5] == 1 and first[2].upper() == "INTEGER"))
        walker.freelist(_u32(data, 32), _u32(data, 36))
        stray = sorted(set(range(1, pages + 1)) - set(walker.seen))
        if stray:
            raise _Bad(f"page {stray[0]}: belongs to no table and is not free ({len(stray)} such pages)")
    except _Bad as bad:
        return StorageCheck(False, True, f"{name}: {bad}")
    except (IndexError, struct.error):
        return StorageCheck(False, True, f"{name}: a page structure points outside its page (damaged)")
    return StorageCheck(True, True, None, pages)
