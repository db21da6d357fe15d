"""Checking a ledger: the hash chain entry by entry, then every signed checkpoint.

The first problem found is reported in one line, naming the first entry (or checkpoint) that is
not what was written:

* ``entry 17: hash does not match its contents (changed)``
* ``entry 18: seq 19 follows 17 (an entry was deleted)``
* ``entry 5: prev_hash does not match entry 4 (reordered or replaced)``
* ``checkpoint at 40: entry 40 is missing (the last entries were deleted)``
* ``checkpoint at 40: signature invalid``
* ``anchor at 52: entry 52 is missing (entries after 49 were deleted)``
* ``ledger file ledger.db: page 7 offset 3012: a byte the file format does not use is not zero …``
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .storage import check_file
from .ledger import GENESIS, Verification, _signed_message, canonical, checkpoints, entries, entry_hash, \
    public_key_hex


_TEXT = ("time", "type", "actor", "subjects", "details", "prev_hash", "hash")


class _Bad(Exception):
    def __init__(self, seq: int, problem: str):
        super().__init__(problem)
        self.seq, self.problem = seq, problem


def verify(ledger, public_key=None, *, anchors=(), storage: bool = True) -> Verification:
    """See ``Ledger.verify``."""
    pinned = None if public_key is None else public_key_hex(public_key)
    try:
        with ledger._read() as conn:
            rows = conn.execute(sa.select(entries).order_by(entries.c.seq)).mappings()
            try:
                count, hashes = _check_chain(rows)
            except _Bad as bad:
                return Verification(False, bad.seq - 1, 0, bad.seq, bad.problem)
            marks = conn.execute(sa.select(checkpoints).order_by(checkpoints.c.id)).mappings().all()
    except sa.exc.DatabaseError as exc:
        return Verification(False, 0, 0, None, f"the ledger cannot be read: {str(exc.orig).splitlines()[0]}")
    done = 0
    try:
        _check_marks(marks, pinned)
        for done, mark in enumerate(marks, 1):
            _check_checkpoint(mark, hashes, pinned)
        done = len(marks)
        found = _check_anchors(anchors, hashes)
    except _Bad as bad:
        return Verification(False, count, done, bad.seq, bad.problem)
    file_state = "not checked"
    if storage and getattr(ledger, "file", None) is not None:
        result = check_file(ledger.file)
        if not result.ok:
            return Verification(False, count, len(marks), None, result.problem, result.problem, found)
        file_state = "ok" if result.checked else f"not checked ({result.problem})"
    elif storage:
        file_state = f"not checked ({ledger.dialect} database, not an SQLite file)"
    return Verification(True, count, len(marks), storage=file_state, anchors=found)


def _check_marks(marks, pinned: str | None) -> None:
    """Checkpoints numbered 1, 2, 3 … in the order written, never going back; one signer."""
    last_seq = 0
    for n, mark in enumerate(marks, 1):
        if mark["id"] != n:
            raise _Bad(mark["seq"], f"checkpoint {n}: numbered {mark['id']} (a checkpoint was deleted or changed)")
        if mark["seq"] < last_seq:
            raise _Bad(mark["seq"], f"checkpoint {n}: at entry {mark['seq']}, before the previous one at {last_seq}")
        last_seq = mark["seq"]
    keys = {m["public_key"] for m in marks}
    if pinned is None and len(keys) > 1:
        raise _Bad(marks[-1]["seq"], f"checkpoints are signed by {len(keys)} different keys: pin the expected "
                                     f"one with verify(public_key=...)")


def _check_anchors(anchors, hashes: dict) -> int:
    found = 0
    for anchor in anchors:
        seq, digest = (anchor["seq"], anchor["hash"]) if isinstance(anchor, dict) else (anchor.seq, anchor.hash) \
            if hasattr(anchor, "hash") else tuple(anchor)
        if seq not in hashes:
            last = max(hashes, default=0)
            raise _Bad(last + 1, f"anchor at {seq}: entry {seq} is missing (entries after {last} were deleted)")
        if hashes[seq] != digest:
            raise _Bad(seq, f"anchor at {seq}: entry {seq} differs from the one anchored (the chain was rewritten)")
        found += 1
    return found


def _check_chain(rows) -> tuple[int, dict]:
    """Walk the entries in seq order; (how many, seq -> hash) or _Bad at the first problem."""
    prev_seq, prev_hash, hashes = 0, GENESIS, {}
    for row in rows:
        seq = row["seq"]
        if seq != prev_seq + 1:
            what = f"follows {prev_seq}" if prev_seq else "is the first"
            raise _Bad(prev_seq + 1, f"entry {prev_seq + 1}: seq {seq} {what} (an entry was deleted)")
        if not isinstance(seq, int) or not all(isinstance(row[f], str) for f in _TEXT):
            raise _Bad(prev_seq + 1, f"entry {prev_seq + 1}: a field is not of its stored type (changed)")
        subjects = _json(row, "subjects", list)
        details = _json(row, "details", dict)
        expected = entry_hash(seq, row["time"], row["type"], row["actor"], subjects, details, row["prev_hash"])
        if expected != row["hash"]:
            raise _Bad(seq, f"entry {seq}: hash does not match its contents (changed)")
        if row["prev_hash"] != prev_hash:
            before = f"entry {prev_seq}" if prev_seq else "the start of the ledger (64 zeros)"
            raise _Bad(seq, f"entry {seq}: prev_hash does not match {before} (reordered or replaced)")
        prev_seq, prev_hash = seq, row["hash"]
        hashes[seq] = prev_hash
    return prev_seq, hashes


def _json(row, field: str, kind: type):
    """A JSON column decoded, if it is exactly the canonical text of a ``kind``; else _Bad."""
    seq = row["seq"]
    try:
        value = json.loads(row[field])
    except (TypeError, ValueError):
        raise _Bad(seq, f"entry {seq}: {field} is not valid JSON (changed)") from None
    if not isinstance(value, kind) or canonical(value) != row[field]:
        raise _Bad(seq, f"entry {seq}: {field} is not the JSON that was written (changed)")
    return value


def _check_checkpoint(mark, hashes: dict, pinned: str | None) -> None:
    seq, where = mark["seq"], f"checkpoint at {mark['seq']}"
    if pinned is not None and mark["public_key"] != pinned:
        raise _Bad(seq, f"{where}: signed by key {mark['public_key'][:16]}…, not the pinned key {pinned[:16]}…")
    for field, size in (("public_key", 64), ("signature", 128)):
        text = mark[field]
        if not isinstance(text, str) or len(text) != size or text.strip("0123456789abcdef"):
            raise _Bad(seq, f"{where}: {field} is not the lowercase hex that was written (changed)")
    try:
        key = Ed25519PublicKey.from_public_bytes(bytes.fromhex(mark["public_key"]))
        key.verify(bytes.fromhex(mark["signature"]), _signed_message(seq, mark["hash"], mark["time"]))
    except (InvalidSignature, ValueError):
        raise _Bad(seq, f"{where}: signature invalid") from None
    if seq not in hashes:
        last = max(hashes, default=0)
        raise _Bad(last + 1, f"{where}: entry {seq} is missing (entries after {last} were deleted)")
    if hashes[seq] != mark["hash"]:
        raise _Bad(seq, f"{where}: entry {seq} differs from the signed one (the chain was rewritten)")
