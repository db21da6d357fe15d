"""Checking a ledger: the hash chain entry by entry, then every signed checkpoint.

The first problem found is reported in one line, naming the first entry (or checkpoint) that is
not what was written:

* ``entry 17: hash does not match its contents (changed)``
* ``entry 18: seq 19 follows 17 (an entry was deleted)``
* ``entry 5: prev_hash does not match entry 4 (reordered or replaced)``
* ``checkpoint at 40: entry 40 is missing (the last entries were deleted)``
* ``checkpoint at 40: signature invalid``
"""
from __future__ import annotations

import json

import sqlalchemy as sa
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from .ledger import GENESIS, Verification, _signed_message, canonical, checkpoints, entries, entry_hash, \
    public_key_hex


class _Bad(Exception):
    def __init__(self, seq: int, problem: str):
        super().__init__(problem)
        self.seq, self.problem = seq, problem


def verify(ledger, public_key=None) -> Verification:
    """See ``Ledger.verify``."""
    pinned = None if public_key is None else public_key_hex(public_key)
    with ledger._read() as conn:
        rows = conn.execute(sa.select(entries).order_by(entries.c.seq)).mappings()
        try:
            count, hashes = _check_chain(rows)
        except _Bad as bad:
            return Verification(False, bad.seq - 1, 0, bad.seq, bad.problem)
        marks = conn.execute(sa.select(checkpoints).order_by(checkpoints.c.seq, checkpoints.c.id)).mappings().all()
    for n, mark in enumerate(marks):
        try:
            _check_checkpoint(mark, hashes, pinned)
        except _Bad as bad:
            return Verification(False, count, n, bad.seq, bad.problem)
    return Verification(True, count, len(marks))


def _check_chain(rows) -> tuple[int, dict]:
    """Walk the entries in seq order; (how many, seq -> hash) or _Bad at the first problem."""
    prev_seq, prev_hash, hashes = 0, GENESIS, {}
    for row in rows:
        seq = row["seq"]
        if seq != prev_seq + 1:
            what = f"follows {prev_seq}" if prev_seq else "is the first"
            raise _Bad(prev_seq + 1, f"entry {prev_seq + 1}: seq {seq} {what} (an entry was deleted)")
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
