"""The ledger: a hash chain that shows any changed, deleted or reordered entry, signed checkpoints
that show deleted last entries and forged signatures, subjects never in clear, exports that hold
every entry, and a destruction entry straight from a crypto-shred."""
import csv
import json
import sqlite3
from datetime import datetime, timedelta, timezone

import pytest

from kitlib.ledger import ENTRY_TYPES, GENESIS, Ledger, LedgerError, entry_hash
from kitlib.protect.keys import KeyStore
from kitlib.protect.pseudonyms import Pseudonymiser
from kitlib.protect.shred import shred_customer

RAW_IDS = ["CM0001000254VP", "CM0001000377QX", "CM0001000412ZZ", "CM0001000555AB", "CM0001000698CD",
           "CM0001000701EF"]
KEY = Ledger.generate_signing_key()


@pytest.fixture
def db(tmp_path):
    return tmp_path / "ledger.sqlite"


@pytest.fixture
def ledger(db):
    """A file ledger with six entries (one per raw id) and a checkpoint at 6."""
    with Ledger(f"sqlite:///{db}", signing_key=KEY) as led:
        for n, cid in enumerate(RAW_IDS):
            led.append(ENTRY_TYPES[n], actor=f"E00{n}", subjects=[cid],
                       details={"n": n, "note": "客户请求 #17"})
        led.checkpoint()
        yield led


def tamper(db, *statements, restore_triggers=False):
    """Run SQL on the file directly, as someone with the file would, after dropping the triggers
    (and, for a careful forger, putting them back and rewriting the file cleanly afterwards)."""
    with sqlite3.connect(db) as raw:
        triggers = raw.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'").fetchall()
        for name, _sql in triggers:
            raw.execute(f"DROP TRIGGER {name}")
        for sql, *args in statements:
            raw.execute(sql, *args)
        if restore_triggers:
            for _name, sql in triggers:
                raw.execute(sql)
    if restore_triggers:
        raw.execute("VACUUM")
    raw.close()


def row(db, seq):
    with sqlite3.connect(db) as raw:
        raw.row_factory = sqlite3.Row
        return dict(raw.execute("SELECT * FROM ledger_entries WHERE seq = ?", (seq,)).fetchone())


def reseal(r: dict) -> str:
    """The hash a forger who knows the scheme would write for a row."""
    return entry_hash(r["seq"], r["time"], r["type"], r["actor"], json.loads(r["subjects"]),
                      json.loads(r["details"]), r["prev_hash"])


def test_each_entry_links_to_the_previous_ones_hash(ledger):
    found = ledger.entries()
    assert [e.seq for e in found] == [1, 2, 3, 4, 5, 6]
    assert found[0].prev_hash == GENESIS
    for before, after in zip(found, found[1:]):
        assert after.prev_hash == before.hash
    for e in found:
        assert e.hash == entry_hash(e.seq, e.time, e.type, e.actor, e.subjects, e.details, e.prev_hash)


def test_a_clean_ledger_verifies(ledger):
    result = ledger.verify(KEY.public_key())
    assert result.ok and bool(result)
    assert (result.entries, result.checkpoints, result.first_bad_seq, result.problem) == (6, 1, None, None)


@pytest.mark.parametrize("field, change", [
    ("details", lambda v: v.replace("17", "18")),
    ("actor", lambda v: v + "X"),
    ("time", lambda v: v.replace(":", ";", 1)),
    ("type", lambda v: "share"),
    ("subjects", lambda v: v.replace("P-", "P-A", 1)),
    ("prev_hash", lambda v: ("1" if v[0] != "1" else "2") + v[1:]),
    ("hash", lambda v: ("1" if v[0] != "1" else "2") + v[1:]),
])
def test_a_changed_byte_in_any_field_is_caught_at_that_entry(ledger, db, field, change):
    tamper(db, (f"UPDATE ledger_entries SET {field} = ? WHERE seq = 3", (change(row(db, 3)[field]),)))
    result = ledger.verify()
    assert not result.ok and result.first_bad_seq == 3
    assert result.problem.startswith("entry 3:") and "(changed)" in result.problem


def test_a_changed_entry_with_a_recomputed_hash_breaks_the_next_link(ledger, db):
    r = row(db, 3)
    r["details"] = r["details"].replace("17", "18")
    tamper(db, ("UPDATE ledger_entries SET details = ?, hash = ? WHERE seq = 3", (r["details"], reseal(r))))
    result = ledger.verify()
    assert result.first_bad_seq == 4
    assert result.problem == "entry 4: prev_hash does not match entry 3 (reordered or replaced)"


def test_a_deleted_middle_entry_is_caught(ledger, db):
    tamper(db, ("DELETE FROM ledger_entries WHERE seq = 4",))
    result = ledger.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert result.problem == "entry 4: seq 5 follows 3 (an entry was deleted)"


def test_a_deleted_first_entry_is_caught(ledger, db):
    tamper(db, ("DELETE FROM ledger_entries WHERE seq = 1",))
    assert ledger.verify().problem == "entry 1: seq 2 is the first (an entry was deleted)"


def test_a_deleted_last_entry_is_caught_by_the_checkpoint(ledger, db):
    tamper(db, ("DELETE FROM ledger_entries WHERE seq = 6",))
    result = ledger.verify()
    assert not result.ok and result.first_bad_seq == 6 and result.entries == 5
    assert result.problem == "checkpoint at 6: entry 6 is missing (entries after 5 were deleted)"


def test_reordered_entries_are_caught(ledger, db):
    """Entries 4 and 5 swap places; a forger even recomputes each one's hash for its new seq."""
    r4, r5 = row(db, 4), row(db, 5)
    r4["seq"], r5["seq"] = 5, 4
    tamper(db, ("DELETE FROM ledger_entries WHERE seq IN (4, 5)",),
           *[("INSERT INTO ledger_entries VALUES (:seq, :time, :type, :actor, :subjects, :details, "
              ":prev_hash, :hash)", dict(r, hash=reseal(r))) for r in (r5, r4)])
    result = ledger.verify()
    assert not result.ok and result.first_bad_seq == 4
    assert result.problem == "entry 4: prev_hash does not match entry 3 (reordered or replaced)"


def test_reordered_entries_without_new_hashes_are_caught(ledger, db):
    tamper(db, ("UPDATE ledger_entries SET seq = -seq WHERE seq IN (4, 5)",),
           ("UPDATE ledger_entries SET seq = 9 + seq WHERE seq IN (-4, -5)",))   # -4 -> 5, -5 -> 4
    result = ledger.verify()
    assert result.first_bad_seq == 4 and result.problem == "entry 4: hash does not match its contents (changed)"


def test_a_rebuilt_chain_is_caught_by_the_checkpoint(ledger, db):
    """Entry 6 rewritten with a valid hash: the chain holds, the signed checkpoint does not."""
    r = row(db, 6)
    r["actor"] = "someone else"
    tamper(db, ("UPDATE ledger_entries SET actor = ?, hash = ? WHERE seq = 6", (r["actor"], reseal(r))))
    result = ledger.verify()
    assert result.first_bad_seq == 6
    assert result.problem == "checkpoint at 6: entry 6 differs from the signed one (the chain was rewritten)"


def test_a_forged_checkpoint_signature_is_caught(ledger, db):
    with sqlite3.connect(db) as raw:
        sig = raw.execute("SELECT signature FROM ledger_checkpoints").fetchone()[0]
    raw.close()
    forged = ("0" if sig[0] != "0" else "1") + sig[1:]
    tamper(db, ("UPDATE ledger_checkpoints SET signature = ?", (forged,)))
    result = ledger.verify()
    assert not result.ok and result.first_bad_seq == 6
    assert result.problem == "checkpoint at 6: signature invalid"


def test_a_checkpoint_by_another_key_fails_when_the_key_is_pinned(ledger, db):
    tamper(db, ("DELETE FROM ledger_entries WHERE seq = 6",), ("DELETE FROM ledger_checkpoints",),
           restore_triggers=True)
    ledger.checkpoint(Ledger.generate_signing_key())      # the forger signs the shortened ledger
    assert ledger.verify().ok                               # unpinned, no anchor: a careful forger passes
    result = ledger.verify(KEY.public_key())
    assert not result.ok and result.first_bad_seq == 5 and "not the pinned key" in result.problem


def test_an_anchor_kept_elsewhere_exposes_a_cut_off_tail_even_without_checkpoints(ledger, db):
    kept = ledger.anchor()
    assert kept["seq"] == 6
    tamper(db, ("DELETE FROM ledger_entries WHERE seq >= 5",), ("DELETE FROM ledger_checkpoints",),
           restore_triggers=True)
    assert ledger.verify(anchors=[kept]).problem == "anchor at 6: entry 6 is missing (entries after 4 were deleted)"


def test_checkpoints_signed_by_two_keys_fail_unless_a_key_is_pinned(ledger):
    ledger.append("query", actor="E1", subjects=["CM9"], details={})
    ledger.checkpoint(Ledger.generate_signing_key())
    result = ledger.verify()
    assert not result.ok and "signed by 2 different keys" in result.problem


def test_deleting_rows_with_an_ordinary_sqlite_client_leaves_traces_in_the_file(ledger, db):
    tamper(db, ("DELETE FROM ledger_entries WHERE seq = 6",), ("DELETE FROM ledger_checkpoints",))
    result = ledger.verify()
    assert not result.ok and result.problem.startswith("ledger file ledger.sqlite: ")


def test_dropping_the_append_only_triggers_is_seen_in_the_file(ledger, db):
    tamper(db)
    result = ledger.verify()
    assert not result.ok and "schema" in result.problem and result.storage == result.problem


def test_a_clean_sqlite_ledger_reports_its_file_checked(ledger):
    result = ledger.verify()
    assert result.ok and result.storage == "ok"
    assert "file: ok" in str(result)


def test_subjects_are_never_stored_in_clear(ledger, db):
    ledger.close()
    stored = b"".join(p.read_bytes() for p in db.parent.glob("ledger.sqlite*") if p.suffix != ".subject-key")
    assert stored                                           # the file and its WAL
    for cid in RAW_IDS:
        assert cid.encode() not in stored and cid.lower().encode() not in stored
    assert ledger.entries()[0].subjects == (ledger.subject_token(RAW_IDS[0]),)


def test_the_same_subject_gets_the_same_token_across_sessions(db):
    with Ledger(f"sqlite:///{db}") as first:
        a = first.append("request", actor="DPO", subjects=["CM0001000254VP"], details={}).subjects
    with Ledger(f"sqlite:///{db}") as second:
        assert second.append("change", actor="DPO", subjects=["CM0001000254VP"], details={}).subjects == a
    assert (db.parent / "ledger.sqlite.subject-key").stat().st_mode & 0o077 == 0


def test_a_given_pseudonymiser_makes_the_tokens():
    p = Pseudonymiser(b"k" * 32)
    with Ledger("sqlite://", pseudonymiser=p) as led:
        assert led.append("query", actor="E1", subjects="CM1", details={}).subjects == (p.token("CM1"),)


@pytest.mark.parametrize("sql", ["UPDATE ledger_entries SET actor = 'x' WHERE seq = 2",
                                 "DELETE FROM ledger_entries WHERE seq = 6",
                                 "UPDATE ledger_checkpoints SET seq = 1",
                                 "DELETE FROM ledger_checkpoints"])
def test_update_and_delete_are_refused_by_the_trigger(ledger, db, sql):
    with sqlite3.connect(db) as raw, pytest.raises(sqlite3.IntegrityError, match="append-only"):
        raw.execute(sql)
    raw.close()
    assert ledger.verify().ok


@pytest.mark.parametrize("kwargs, message", [
    (dict(type="shredding", actor="E1", details={}), "unknown entry type 'shredding': use one of destruction"),
    (dict(type="query", actor="  ", details={}), "actor must be non-empty text"),
    (dict(type="query", actor=None, details={}), "actor must be non-empty text"),
    (dict(type="query", actor="E1", details={"when": datetime.now()}), "details is not JSON"),
    (dict(type="query", actor="E1", details={"x": float("nan")}), "details is not JSON"),
    (dict(type="query", actor="E1", details=["a"]), "details must be a dict"),
    (dict(type="query", actor="E1", details={}, subjects=["CM1", " "]), "subject ' ' is blank"),
    (dict(type="query", actor="E1", details={}, time="yesterday"), "is not an ISO 8601 date-time"),
    (dict(type="query", actor="E1", details={}, time=datetime(2024, 1, 1)), "has no time zone"),
])
def test_bad_inputs_are_rejected_with_one_line(kwargs, message):
    with Ledger("sqlite://") as led:
        with pytest.raises(ValueError) as exc:
            led.append(kwargs.pop("type"), **kwargs)
        assert message in str(exc.value) and "\n" not in str(exc.value)
        assert len(led) == 0


def test_checkpoint_needs_a_key_and_an_entry():
    with Ledger("sqlite://") as led:
        with pytest.raises(LedgerError, match="needs a signing key"):
            led.checkpoint()
        with pytest.raises(LedgerError, match="the ledger is empty"):
            led.checkpoint(KEY)


def test_time_is_stored_as_utc():
    with Ledger("sqlite://") as led:
        local = datetime(2024, 5, 1, 9, 30, tzinfo=timezone(timedelta(hours=8)))
        assert led.append("training", actor="HR", details={}, time=local).time == "2024-05-01T01:30:00.000000Z"


def test_csv_and_html_exports_contain_every_entry(ledger, tmp_path):
    entries = ledger.entries()
    with open(ledger.export_csv(tmp_path / "out" / "ledger.csv"), encoding="utf-8-sig", newline="") as fh:
        rows = list(csv.DictReader(fh))
    assert [int(r["seq"]) for r in rows] == [e.seq for e in entries]
    assert [r["hash"] for r in rows] == [e.hash for e in entries]
    assert rows[0]["details"] == '{"n":0,"note":"客户请求 #17"}'
    page = ledger.export_html(tmp_path / "ledger.html").read_text(encoding="utf-8")
    assert "台账 · Ledger" in page and "ledger OK" in page
    for e in entries:
        assert e.hash in page and e.actor in page
    assert not any(cid in page for cid in RAW_IDS)
    assert list(tmp_path.glob(".*.tmp")) == []


def test_a_crypto_shred_becomes_a_destruction_entry(tmp_path):
    with KeyStore.create(tmp_path / "keys.db", "test passphrase", scrypt_n=2**10) as ks:
        ks.ensure_keys(["CM0001000254VP", "CM0001000377QX"])
        record = shred_customer(ks, "CM0001000254VP", actor="DPO Wang", reason="PIPL Art. 47 request #17")
    with Ledger(f"sqlite:///{tmp_path / 'ledger.sqlite'}", signing_key=KEY) as led:
        entry = led.record_shred(record)
        assert entry.type == "destruction" and entry.actor == "DPO Wang"
        assert entry.subjects == (led.subject_token("CM0001000254VP"),)
        assert entry.details == {"key_id": record.key_id, "method": record.method, "reason": record.reason}
        assert datetime.fromisoformat(entry.time) == datetime.fromisoformat(record.time)
        led.checkpoint()
        assert led.verify(KEY.public_key()).ok


def test_a_postgresql_ledger_chains_verifies_and_refuses_deletes(pg_url):
    import sqlalchemy as sa

    with Ledger(pg_url, signing_key=KEY, pseudonymiser=b"k" * 32) as led:
        for n in range(3):
            led.append("query", actor="E1", subjects=[RAW_IDS[n]], details={"n": n})
        led.checkpoint()
        assert led.verify(KEY.public_key()).ok
        with pytest.raises(sa.exc.DBAPIError, match="append-only"), led.engine.begin() as conn:
            conn.exec_driver_sql("DELETE FROM ledger_entries WHERE seq = 3")
        assert len(led) == 3


def test_append_many_chains_entries_in_order_in_one_transaction():
    book = Ledger("sqlite://")
    book.append("query", actor="E1", subjects=["CM1"], details={})
    made = book.append_many({"type": "notification", "actor": "kit", "subjects": [f"CM{i}"], "details": {"n": i}}
                            for i in range(50))
    assert [e.seq for e in made] == list(range(2, 52))
    assert made[0].prev_hash == book.entries()[0].hash and book.verify().ok


def test_append_many_writes_nothing_when_one_item_is_bad():
    book = Ledger("sqlite://")
    with pytest.raises(LedgerError, match=r"^item 2: unknown entry type 'sent'"):
        book.append_many([{"type": "notification", "actor": "kit"}, {"type": "query", "actor": "E1"},
                          {"type": "sent", "actor": "kit"}])
    assert len(book) == 0
