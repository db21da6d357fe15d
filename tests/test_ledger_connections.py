"""Other modules record through the ledger: a crypto-shred, an export granted by access control,
a module completed (the training record), and the `kit ledger` command."""
from __future__ import annotations

import pytest

from kitlib.cli import main
from kitlib.ledger import Ledger
from kitlib.protect.access import AccessLog, guarded_view
from kitlib.protect.keys import KeyStore
from kitlib.protect.shred import shred_customer


@pytest.fixture
def ledger():
    with Ledger("sqlite://") as book:
        yield book


def test_a_crypto_shred_with_a_ledger_writes_one_destruction_entry(tmp_path, ledger):
    store = KeyStore.create(tmp_path / "keys.db", master_key=b"k" * 32)
    store.ensure_keys(["CM1", "CM2"])
    record = shred_customer(store, "CM1", actor="E0007", reason="PIPL Art. 47", ledger=ledger)
    [entry] = ledger.entries("destruction")
    assert entry.subjects == (ledger.subject_token("CM1"),)
    assert entry.details["key_id"] == record.key_id and entry.actor == "E0007"
    store.close()


def test_an_export_granted_by_access_control_is_a_query_entry_and_a_view_is_not(case, ledger):
    log = AccessLog("sqlite://")
    consents = case["consents"].head(40)
    guarded_view(consents, table="consents", role="privacy_officer", purpose="compliance", actor="E0003",
                 log=log, ledger=ledger)
    assert len(ledger) == 0
    guarded_view(consents, table="consents", role="privacy_officer", purpose="compliance", actor="E0003",
                 log=log, action="export", ledger=ledger)
    [entry] = ledger.entries("query")
    assert entry.details["rows"] == 40 and entry.details["table"] == "consents"
    assert set(entry.subjects) == {ledger.subject_token(c) for c in consents["customer_id"]}
    log.close()


def test_completing_a_module_with_a_ledger_writes_the_training_record(tmp_path, ledger):
    from kitlib.learn.module import Module
    from kitlib.learn.store import ProgressStore

    module = Module("00", store=ProgressStore(f"sqlite:///{tmp_path / 'progress.db'}"), learner="trainee-7")
    module.complete(certificate=False, ledger=ledger)
    [entry] = ledger.entries("training")
    assert entry.details["module"] == "00" and entry.actor == "trainee-7"


def test_kit_ledger_verify_show_export_and_anchor(tmp_path, capsys):
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    with Ledger(url) as book:
        book.append("backup", actor="svc-backup", details={"archive": "weekly.kitar"})
        head = book.anchor()
    assert main(["ledger", "--url", url, "verify", "--anchor", f"{head['seq']}:{head['hash']}"]) == 0
    assert "1 anchors verified" in capsys.readouterr().out
    assert main(["ledger", "--url", url, "anchor"]) == 0
    assert capsys.readouterr().out.strip() == f"{head['seq']}:{head['hash']}"
    assert main(["ledger", "--url", url, "show"]) == 0 and "backup" in capsys.readouterr().out
    assert main(["ledger", "--url", url, "export", str(tmp_path / "ledger.csv")]) == 0
    assert (tmp_path / "ledger.csv").read_bytes().startswith(b"\xef\xbb\xbf")
    assert main(["ledger", "--url", url, "verify", "--anchor", f"9:{'0' * 64}"]) == 1
    assert "anchor at 9" in capsys.readouterr().out


def test_kit_ledger_errors_are_one_line(tmp_path, capsys):
    assert main(["ledger", "--url", f"sqlite:///{tmp_path / 'missing.db'}", "verify"]) == 2
    assert capsys.readouterr().err.strip().count("\n") == 0
    url = f"sqlite:///{tmp_path / 'ledger.db'}"
    Ledger(url).close()
    assert main(["ledger", "--url", url, "verify", "--anchor", "x"]) == 2
    assert "--anchor must be SEQ:HASH" in capsys.readouterr().err
    assert main(["ledger", "--url", url, "export", str(tmp_path / "out.pdf")]) == 2
