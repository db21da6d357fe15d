"""Crypto-shredding: after shred_customer every copy of that customer's ciphertexts fails, every
other customer still decrypts, and the deletion leaves a record fit for a ledger."""
import copy
import dataclasses
import hashlib
import io
import pickle
import sqlite3
from datetime import datetime

import pandas as pd
import pytest

from kitlib.protect.columns import SHREDDED_ROWS, decrypt_frame, encrypt_frame
from kitlib.protect.errors import KeyShredded, UnknownCustomer
from kitlib.protect.keys import KeyStore
from kitlib.protect.shred import METHOD, ShredRecord, shred_customer
from kitlib.synth import generate

COLUMNS = ["name", "mobile", "birth_date", "age", "marketing_consent"]


@pytest.fixture(scope="module")
def customers():
    return generate(customers=80, seed=41).tables["customers"]


@pytest.fixture
def ks(tmp_path):
    with KeyStore.create(tmp_path / "keys.db", "test passphrase", scrypt_n=2**10) as store:
        yield store


def test_the_record_says_what_was_erased_by_whom_why_and_how(customers, ks, tmp_path):
    encrypt_frame(customers, "customers", COLUMNS, ks)
    cid = customers["customer_id"][3]
    with sqlite3.connect(tmp_path / "keys.db") as db:
        wrapped = db.execute("SELECT wrapped FROM keys WHERE customer_id = ?", (cid,)).fetchone()[0]
    record = shred_customer(ks, cid, actor="DPO Wang", reason="PIPL Art. 47 deletion request #17")
    assert isinstance(record, ShredRecord)
    assert record.action == "crypto_shred" and record.customer_id == cid and record.method == METHOD
    assert record.key_id == hashlib.sha256(wrapped).hexdigest()[:16]
    assert record.keystore == str(tmp_path / "keys.db")
    assert (record.actor, record.reason) == ("DPO Wang", "PIPL Art. 47 deletion request #17")
    assert datetime.fromisoformat(record.time).utcoffset().total_seconds() == 0
    assert record.to_dict()["action"] == "crypto_shred"
    with pytest.raises(dataclasses.FrozenInstanceError):
        record.actor = "someone else"


def test_every_copy_of_a_shredded_customer_fails_and_everyone_else_decrypts(customers, ks):
    enc = encrypt_frame(customers, "customers", COLUMNS, ks)
    buffer = io.StringIO()
    enc.to_csv(buffer, index=False)                                  # an export
    backup = pickle.loads(pickle.dumps(copy.deepcopy(enc)))          # a backup copy
    cid = customers["customer_id"][5]
    shred_customer(ks, cid, actor="dpo", reason="erasure")
    exported = pd.read_csv(io.StringIO(buffer.getvalue()), dtype=str)
    for frame in (enc, exported, backup):
        with pytest.raises(KeyShredded) as exc:
            decrypt_frame(frame, "customers", ks)
        msg = str(exc.value)
        assert cid in msg and "row 5" in msg and "column name" in msg and "\n" not in msg
        others = frame[frame["customer_id"] != cid]
        expected = customers[customers["customer_id"] != cid]
        pd.testing.assert_frame_equal(decrypt_frame(others, "customers", ks)[COLUMNS], expected[COLUMNS])


def test_mask_opens_a_frame_with_shredded_customers_and_reports_their_rows(customers, ks):
    enc = encrypt_frame(customers, "customers", COLUMNS, ks)
    gone = [customers["customer_id"][i] for i in (2, 9)]
    for cid in gone:
        shred_customer(ks, cid, actor="dpo", reason="erasure")
    out = decrypt_frame(enc, "customers", ks, on_shredded="mask")
    assert out.attrs[SHREDDED_ROWS] == {2: gone[0], 9: gone[1]}
    assert out.loc[[2, 9], COLUMNS].isna().all().all()
    assert str(out["age"].dtype) == "Int64" and str(out["marketing_consent"].dtype) == "boolean"
    keep = ~customers["customer_id"].isin(gone)
    for c in COLUMNS:
        assert out.loc[keep, c].tolist() == customers.loc[keep, c].tolist()


def test_a_shred_overwrites_the_wrapped_key_in_the_store_file(customers, ks, tmp_path):
    encrypt_frame(customers, "customers", COLUMNS, ks)
    cid = customers["customer_id"][0]
    with sqlite3.connect(tmp_path / "keys.db") as db:
        wrapped = db.execute("SELECT wrapped FROM keys WHERE customer_id = ?", (cid,)).fetchone()[0]
    assert wrapped in (tmp_path / "keys.db").read_bytes()
    shred_customer(ks, cid, actor="dpo", reason="erasure")
    assert wrapped not in (tmp_path / "keys.db").read_bytes()
    with KeyStore.open(tmp_path / "keys.db", "test passphrase") as reopened:
        assert reopened.is_shredded(cid) and len(reopened) == len(customers) - 1


def test_a_shredded_customer_is_not_encrypted_again(customers, ks):
    encrypt_frame(customers, "customers", COLUMNS, ks)
    cid = customers["customer_id"][1]
    shred_customer(ks, cid, actor="dpo", reason="erasure")
    with pytest.raises(KeyShredded, match=f"row 1: customer {cid}"):
        encrypt_frame(customers, "customers", COLUMNS, ks)


def test_shred_needs_an_actor_a_reason_and_a_live_key(customers, ks):
    encrypt_frame(customers, "customers", COLUMNS, ks)
    cid = customers["customer_id"][0]
    with pytest.raises(ValueError, match="actor"):
        shred_customer(ks, cid, actor=" ", reason="erasure")
    with pytest.raises(ValueError, match="reason"):
        shred_customer(ks, cid, actor="dpo", reason="")
    with pytest.raises(UnknownCustomer):
        shred_customer(ks, "NOBODY", actor="dpo", reason="erasure")
    shred_customer(ks, cid, actor="dpo", reason="erasure")
    with pytest.raises(KeyShredded):
        shred_customer(ks, cid, actor="dpo", reason="erasure")
