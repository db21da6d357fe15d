"""The ledger file under attack: flipped bytes anywhere in the file, deleted and reordered entries.

Every change must be detected by ``Ledger.verify()`` (or the file must refuse to open as a ledger);
and a clean file, however SQLite has arranged it, must pass.
"""
from __future__ import annotations

import random
import sqlite3

import pytest
import sqlalchemy as sa

from kitlib.ledger import Ledger, LedgerError

KEY = Ledger.generate_signing_key()
ENTRIES = 300


@pytest.fixture(scope="module")
def pristine(tmp_path_factory):
    """The bytes of a closed ledger file: 300 entries of every type, a checkpoint every 50."""
    db = tmp_path_factory.mktemp("ledger") / "ledger.sqlite"
    ledger = Ledger(f"sqlite:///{db}", signing_key=KEY)
    types = ("destruction", "migration", "backup", "share", "change", "query", "request")
    for i in range(ENTRIES):
        ledger.append(types[i % len(types)], actor=f"E{i % 17:04d}", subjects=[f"CM{i:08d}"],
                      details={"n": i, "table": "customers", "note": "x" * (i % 60)})
        if i % 50 == 49:
            ledger.checkpoint()
    assert ledger.verify(KEY.public_key()).ok
    ledger.close()
    return db, db.read_bytes()


def _restore(db, data: bytes) -> None:
    for extra in db.parent.glob(db.name + "-*"):
        extra.unlink()
    db.write_bytes(data)


def _verdict(db) -> str | None:
    """The problem verify() reports on the file as it is now (None: it passed)."""
    try:
        with Ledger(f"sqlite:///{db}") as ledger:
            result = ledger.verify(KEY.public_key())
    except LedgerError as exc:                       # the file no longer opens as a ledger
        return str(exc)
    return None if result.ok else result.problem


def test_a_flipped_byte_at_any_of_200_random_positions_is_detected(pristine):
    db, data = pristine
    rng = random.Random(20261129)
    positions = sorted(rng.sample(range(len(data)), 200))
    missed = []
    for pos in positions:
        flipped = bytearray(data)
        flipped[pos] ^= 1 << rng.randrange(8)
        _restore(db, bytes(flipped))
        if _verdict(db) is None:
            missed.append(pos)
    _restore(db, data)
    assert _verdict(db) is None                       # the untouched file passes
    assert missed == [], f"flips at these offsets went unseen: {missed}"


def _forge(db, *statements, careful=True):
    """Edit the file with an ordinary SQLite client, as someone holding it would; a careful forger
    puts the triggers back and rewrites the file cleanly (VACUUM) so no freed bytes remain."""
    raw = sqlite3.connect(db, isolation_level=None)
    triggers = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
    for name, _sql in triggers:
        raw.execute(f"DROP TRIGGER {name}")
    for sql in statements:
        raw.execute(sql)
    if careful:
        for _name, sql in triggers:
            raw.execute(sql)
        raw.execute("VACUUM")
    raw.close()


@pytest.mark.parametrize("careful", [False, True], ids=["plain-client", "careful-forger"])
@pytest.mark.parametrize("statements, seq", [
    (("DELETE FROM ledger_entries WHERE seq = 1",), 1),
    (("DELETE FROM ledger_entries WHERE seq = 137",), 137),
    (("DELETE FROM ledger_entries WHERE seq BETWEEN 200 AND 210",), 200),
    (("DELETE FROM ledger_entries WHERE seq = 300",), 300),                        # the last: the checkpoint at 300
], ids=["first", "middle", "a-run", "last"])
def test_a_deleted_entry_is_detected(pristine, statements, seq, careful):
    db, data = pristine
    _restore(db, data)
    _forge(db, *statements, careful=careful)
    with Ledger(f"sqlite:///{db}") as ledger:
        result = ledger.verify(KEY.public_key())
    assert not result.ok
    if careful:
        assert result.first_bad_seq == seq


@pytest.mark.parametrize("a, b", [(1, 2), (57, 58), (10, 250)])
def test_reordered_entries_are_detected(pristine, a, b):
    db, data = pristine
    _restore(db, data)
    _forge(db, f"UPDATE ledger_entries SET seq = -1 WHERE seq = {a}",
           f"UPDATE ledger_entries SET seq = {a} WHERE seq = {b}",
           f"UPDATE ledger_entries SET seq = {b} WHERE seq = -1")
    with Ledger(f"sqlite:///{db}") as ledger:
        result = ledger.verify(KEY.public_key())
    assert not result.ok and result.first_bad_seq == a


def test_cutting_the_tail_and_its_checkpoints_is_caught_by_an_anchor_kept_elsewhere(pristine):
    db, data = pristine
    _restore(db, data)
    with Ledger(f"sqlite:///{db}") as ledger:
        kept = ledger.anchor()
    _forge(db, "DELETE FROM ledger_entries WHERE seq > 280", "DELETE FROM ledger_checkpoints WHERE seq > 280")
    with Ledger(f"sqlite:///{db}") as ledger:
        assert ledger.verify(KEY.public_key()).ok                     # nothing inside shows it …
        result = ledger.verify(KEY.public_key(), anchors=[kept])       # … the anchor does
    assert not result.ok and result.problem == f"anchor at {ENTRIES}: entry {ENTRIES} is missing (entries after 280 were deleted)"


def test_a_clean_ledger_that_sqlite_has_rebalanced_passes_the_file_check(tmp_path):
    """Small pages make SQLite split and rebalance interior pages early: no false alarm."""
    db = tmp_path / "deep.sqlite"
    raw = sqlite3.connect(db, isolation_level=None)
    raw.execute("PRAGMA page_size = 1024")
    raw.execute("PRAGMA journal_mode = WAL")
    raw.close()
    ledger = Ledger(f"sqlite:///{db}", signing_key=KEY)
    sa.event.listen(ledger.engine, "connect", lambda conn, _rec: conn.execute("PRAGMA synchronous = OFF"))
    ledger.engine.dispose()
    for i in range(1500):
        ledger.append("query", actor="E1", subjects=[f"CM{i}"], details={"i": i, "pad": "y" * (i % 200)})
    ledger.checkpoint()
    with sqlite3.connect(db) as raw:
        depth_three = raw.execute("SELECT count(*) FROM dbstat WHERE name = 'ledger_entries' "
                                  "AND pagetype = 'internal'").fetchone()[0]
    raw.close()
    assert depth_three > 2                                               # SQLite really rebalanced
    result = ledger.verify(KEY.public_key())
    assert result.ok and result.storage == "ok", result.problem
