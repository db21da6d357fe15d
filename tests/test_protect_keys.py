"""KeyStore: private file, envelope encryption, nothing secret stored in clear, atomic rotation,
shredding that overwrites the key in the file."""
import os
import sqlite3
import stat

import pytest
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from kitlib.protect import keys as keys_mod
from kitlib.protect.errors import KeyShredded, KeyStoreError, UnknownCustomer, WrongPassphrase
from kitlib.protect.keys import KeyStore, key_id

PASS = "correct horse battery staple"
N = 2**10                                     # a cheap scrypt for tests


def store(tmp_path, name="keys.db", **kw):
    kw = kw or {"scrypt_n": N}
    return KeyStore.create(tmp_path / name, None if "master_key" in kw else PASS, **kw)


def wrapped_keys(path) -> dict[str, bytes]:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT customer_id, wrapped FROM keys"))


def meta(path) -> dict:
    with sqlite3.connect(path) as db:
        return dict(db.execute("SELECT name, value FROM meta"))


def unwrap(master: bytes, path, cid: str, wrapped: bytes) -> bytes:
    aad = b"kitlib-key\0" + bytes.fromhex(meta(path)["store_id"]) + cid.encode()
    return AESGCM(master).decrypt(wrapped[:12], wrapped[12:], aad)


def test_create_makes_a_file_only_its_owner_can_read(tmp_path):
    with store(tmp_path) as ks:
        ks.ensure_keys(["C1"])
    assert stat.S_IMODE((tmp_path / "keys.db").stat().st_mode) == 0o600


@pytest.mark.skipif(os.name != "posix", reason="file modes are POSIX")
def test_open_refuses_a_store_that_group_or_others_can_read(tmp_path):
    store(tmp_path).close()
    os.chmod(tmp_path / "keys.db", 0o644)
    with pytest.raises(KeyStoreError) as exc:
        KeyStore.open(tmp_path / "keys.db", PASS)
    assert str(tmp_path / "keys.db") in str(exc.value) and "\n" not in str(exc.value)
    assert "0644" in str(exc.value)


def test_create_refuses_to_overwrite_an_existing_file(tmp_path):
    (tmp_path / "keys.db").write_text("precious")
    with pytest.raises(KeyStoreError, match="already exists"):
        store(tmp_path)
    assert (tmp_path / "keys.db").read_text() == "precious"


def test_wrong_passphrase_is_refused_with_the_file_named(tmp_path):
    store(tmp_path).close()
    with pytest.raises(WrongPassphrase) as exc:
        KeyStore.open(tmp_path / "keys.db", "wrong horse")
    assert str(tmp_path / "keys.db") in str(exc.value) and "\n" not in str(exc.value)


def test_missing_damaged_or_foreign_files_are_keystore_errors_naming_the_file(tmp_path):
    with pytest.raises(KeyStoreError, match="no key store"):
        KeyStore.open(tmp_path / "absent.db", PASS)
    garbage = tmp_path / "garbage.db"
    garbage.write_bytes(os.urandom(4096))
    other = tmp_path / "other.db"
    with sqlite3.connect(other) as db:
        db.execute("CREATE TABLE t (x)")
    for path in (garbage, other):
        os.chmod(path, 0o600)
        with pytest.raises(KeyStoreError) as exc:
            KeyStore.open(path, PASS)
        assert str(path) in str(exc.value) and "\n" not in str(exc.value)


def test_master_key_store_opens_with_its_key_only(tmp_path):
    master = os.urandom(32)
    KeyStore.create(tmp_path / "k.db", master_key=master).close()
    KeyStore.open(tmp_path / "k.db", master_key=master).close()
    with pytest.raises(WrongPassphrase):
        KeyStore.open(tmp_path / "k.db", master_key=os.urandom(32))
    with pytest.raises(WrongPassphrase):
        KeyStore.open(tmp_path / "k.db", PASS)
    with pytest.raises(ValueError):
        KeyStore.open(tmp_path / "k.db", master_key=b"short")


def test_no_key_is_stored_unencrypted(tmp_path):
    master = os.urandom(32)
    with KeyStore.create(tmp_path / "m.db", master_key=master) as ks:
        ks.ensure_keys([f"C{i}" for i in range(50)])
    data = (tmp_path / "m.db").read_bytes()
    assert master not in data
    data_keys = [unwrap(master, tmp_path / "m.db", cid, w) for cid, w in wrapped_keys(tmp_path / "m.db").items()]
    assert len(data_keys) == 50 and all(len(k) == 32 and k not in data for k in data_keys)
    with store(tmp_path) as ks:                                  # passphrase: the derived key is not stored
        ks.ensure_keys(["C1"])
    m = meta(tmp_path / "keys.db")
    derived = Scrypt(salt=bytes.fromhex(m["salt"]), length=32, n=m["scrypt_n"], r=8, p=1).derive(PASS.encode())
    data = (tmp_path / "keys.db").read_bytes()
    assert derived not in data and PASS.encode() not in data
    assert unwrap(derived, tmp_path / "keys.db", "C1", wrapped_keys(tmp_path / "keys.db")["C1"]) not in data


def test_a_wrapped_key_copied_to_another_customer_does_not_unwrap(tmp_path):
    with store(tmp_path) as ks:
        ks.ensure_keys(["C1", "C2"])
    with sqlite3.connect(tmp_path / "keys.db") as db:
        db.execute("UPDATE keys SET wrapped = (SELECT wrapped FROM keys WHERE customer_id = 'C1') "
                   "WHERE customer_id = 'C2'")
    with KeyStore.open(tmp_path / "keys.db", PASS) as ks:
        ks.data_key("C1")
        with pytest.raises(KeyStoreError, match="does not unwrap"):
            ks.data_key("C2")


def test_ensure_keys_makes_only_missing_keys_for_100k_customers(tmp_path):
    ids = [f"C{i:07d}" for i in range(100_000)]
    with store(tmp_path) as ks:
        assert ks.ensure_keys(ids[:10]) == 10
        assert ks.ensure_keys(ids) == 99_990
        assert ks.ensure_keys(ids) == 0 and len(ks) == 100_000
        before = wrapped_keys(tmp_path / "keys.db")["C0000005"]
        ks.ensure_keys(["C0000005"])
    assert wrapped_keys(tmp_path / "keys.db")["C0000005"] == before


def test_data_key_is_cached_and_names_the_customer_it_lacks(tmp_path):
    with store(tmp_path) as ks:
        ks.ensure_keys(["C1"])
        assert ks.data_key("C1") is ks.data_key("C1")
        nonce = os.urandom(12)
        assert ks.data_key("C1").decrypt(nonce, ks.data_key("C1").encrypt(nonce, b"x", None), None) == b"x"
        with pytest.raises(UnknownCustomer) as exc:
            ks.data_key("C404")
        assert "C404" in str(exc.value) and "\n" not in str(exc.value)
        ks.shred("C1", "dpo", "test")
        with pytest.raises(KeyShredded, match="C1"):
            ks.data_key("C1")


def test_rotation_rewraps_every_key_and_the_old_passphrase_stops_working(tmp_path):
    with store(tmp_path) as ks:
        ks.ensure_keys(["C1", "C2"])
        nonce = os.urandom(12)
        ct = ks.data_key("C1").encrypt(nonce, b"secret", b"ad")
        before = wrapped_keys(tmp_path / "keys.db")
        ks.rotate("a new passphrase")
        assert ks.data_key("C1").decrypt(nonce, ct, b"ad") == b"secret"
    after = wrapped_keys(tmp_path / "keys.db")
    assert after.keys() == before.keys() and all(after[c] != before[c] for c in after)
    with pytest.raises(WrongPassphrase):
        KeyStore.open(tmp_path / "keys.db", PASS)
    with KeyStore.open(tmp_path / "keys.db", "a new passphrase") as ks:
        assert ks.data_key("C1").decrypt(nonce, ct, b"ad") == b"secret"
        ks.rotate(new_master_key=bytes(range(32)))
    with KeyStore.open(tmp_path / "keys.db", master_key=bytes(range(32))) as ks:
        assert ks.data_key("C1").decrypt(nonce, ct, b"ad") == b"secret"


def test_a_failed_rotation_leaves_the_old_store_usable(tmp_path, monkeypatch):
    with store(tmp_path) as ks:
        ks.ensure_keys([f"C{i}" for i in range(100)])
        before = wrapped_keys(tmp_path / "keys.db")
        real_split = keys_mod._split

        def failing_split(blob, size):
            def pieces():
                for i, piece in enumerate(real_split(blob, size)):
                    if i == 50:
                        raise OSError("disk gone")
                    yield piece
            return pieces()

        monkeypatch.setattr(keys_mod, "_split", failing_split)
        with pytest.raises(OSError):
            ks.rotate("a new passphrase")
        monkeypatch.undo()
        assert ks.data_key("C7")                                # the open store still works
    assert wrapped_keys(tmp_path / "keys.db") == before
    KeyStore.open(tmp_path / "keys.db", PASS).close()
    with pytest.raises(WrongPassphrase):
        KeyStore.open(tmp_path / "keys.db", "a new passphrase")


def test_shred_overwrites_the_wrapped_key_in_the_file(tmp_path):
    ids = [f"C{i:05d}" for i in range(3000)]
    with store(tmp_path) as ks:
        ks.ensure_keys(ids)
        victims = ids[::300]
        blobs = {c: wrapped_keys(tmp_path / "keys.db")[c] for c in victims}
        assert all(w in (tmp_path / "keys.db").read_bytes() for w in blobs.values())
        for c in victims:
            kid, at = ks.shred(c, "dpo", "PIPL Art. 47 request")
            assert kid == key_id(blobs[c]) and at.endswith("+00:00")
        assert len(ks) == 3000 - len(victims) and ks.is_shredded(victims[0]) and not ks.is_shredded(ids[1])
    data = (tmp_path / "keys.db").read_bytes()
    assert not any(w in data for w in blobs.values())


def test_shred_reaches_a_key_cached_by_another_connection(tmp_path):
    with store(tmp_path) as a:
        a.ensure_keys(["C1", "C2"])
        with KeyStore.open(tmp_path / "keys.db", PASS) as b:
            assert b.cipher_list(["C1", "C2"])[0] is not None       # cached in b
            a.shred("C1", "dpo", "test")
            assert b.cipher_list(["C1", "C2"])[0] is None
            with pytest.raises(KeyShredded):
                b.data_key("C1")


def test_shred_needs_a_live_key_an_actor_and_a_reason(tmp_path):
    with store(tmp_path) as ks:
        ks.ensure_keys(["C1"])
        with pytest.raises(ValueError, match="actor"):
            ks.shred("C1", "", "why")
        with pytest.raises(UnknownCustomer):
            ks.shred("C404", "dpo", "why")
        ks.shred("C1", "dpo", "why")
        with pytest.raises(KeyShredded):
            ks.shred("C1", "dpo", "why")
        with pytest.raises(KeyShredded, match="C1"):
            ks.ensure_keys(["C1"])                               # their data must not come back
