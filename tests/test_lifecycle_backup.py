"""Encrypted backups: create, verify every kind of damage, restore into a scratch folder, and the
ledger's own backup while it is in use."""
from __future__ import annotations

import json
import shutil
import threading

import pandas as pd
import pytest

from kitlib.ledger import Ledger
from kitlib.lifecycle.archive import generate_key, key_id, read_archive, write_archive
from kitlib.lifecycle.backup import (BackupError, backup_ledger, create_backup, file_sha256, restore_backup,
                                     verify_backup)
from kitlib.lifecycle.manifest import build_manifest
from kitlib.synth import generate
from kitlib.synth.writer import write_case


@pytest.fixture(scope="module")
def dataset(tmp_path_factory):
    out = tmp_path_factory.mktemp("case") / "dataset"
    write_case(generate(customers=300, seed=3), out)
    return out


@pytest.fixture(scope="module")
def key():
    return generate_key()


@pytest.fixture(scope="module")
def backup(dataset, key, tmp_path_factory):
    dest = tmp_path_factory.mktemp("backups") / "dataset.kar"
    create_backup(dataset, dest, key, label="before relocation")
    return dest


def damaged_copy(backup, tmp_path, change):
    path = tmp_path / "damaged.kar"
    path.write_bytes(change(backup.read_bytes()))
    return path


def test_backup_holds_every_file_with_its_table_fingerprints(dataset, backup, key):
    manifest, members = read_archive(backup, key)
    assert sorted(members) == sorted(p.name for p in dataset.iterdir())
    assert all(members[name] == (dataset / name).read_bytes() for name in members)
    content = manifest["meta"]["content"]["files"]
    assert content["customers.csv"]["table"]["rows"] == 300
    assert manifest["kind"] == "backup" and manifest["meta"]["label"] == "before relocation"


def test_good_backup_verifies(backup, key):
    check = verify_backup(backup, key)
    assert check.ok and check.problems == [] and check.manifest["meta"]["source"] == "dataset"


@pytest.mark.parametrize("change, reason", [
    (lambda raw: raw[:5000] + bytes([raw[5000] ^ 0x10]) + raw[5001:], "corrupt"),
    (lambda raw: raw[:-300], "truncated"),
    (lambda raw: raw[:40] + bytes([raw[40] ^ 1]) + raw[41:], "damaged-header"),
    (lambda raw: b"PK\x03\x04" + raw[4:], "not-an-archive"),
])
def test_damaged_backup_fails_verification_with_the_reason(backup, key, tmp_path, change, reason):
    check = verify_backup(damaged_copy(backup, tmp_path, change), key)
    assert not check.ok and check.reason == reason
    assert len(check.problems) == 1 and check.problems[0].startswith("damaged.kar: ")


def test_wrong_key_is_reported_as_wrong_key(backup):
    check = verify_backup(backup, generate_key())
    assert not check.ok and check.reason == "wrong-key" and "wrong key" in check.problems[0]


def test_verify_of_a_missing_file_raises(tmp_path, key):
    with pytest.raises(FileNotFoundError):
        verify_backup(tmp_path / "gone.kar", key)


def test_manifest_that_does_not_match_the_members_is_detected(dataset, key, tmp_path):
    members = {p.name: p.read_bytes() for p in dataset.glob("*.csv")}
    content = build_manifest(members)
    frame = pd.read_csv(dataset / "orders.csv", dtype=str, keep_default_na=False)
    members["orders.csv"] = frame.iloc[:-2].to_csv(index=False).encode()   # the members lost 2 rows
    path = tmp_path / "lying.kar"
    write_archive(path, members, key, meta={"content": content})
    check = verify_backup(path, key)
    assert not check.ok and check.reason == "content"
    assert "orders.csv" in check.problems[0] and "row counts differ" in check.problems[0]


def test_restore_into_scratch_folder_is_equal_to_source(dataset, backup, key, tmp_path):
    report = restore_backup(backup, key, tmp_path / "scratch", compare_with=dataset)
    assert report.ok, report.problems
    frame = report.frame()
    assert set(frame["status"]) == {"ok"} and set(frame["vs_live"]) == {"ok"}
    for path in dataset.iterdir():
        assert (tmp_path / "scratch" / path.name).read_bytes() == path.read_bytes()


def test_restore_names_a_live_table_that_changed_since_the_backup(dataset, backup, key, tmp_path):
    live = tmp_path / "live"
    shutil.copytree(dataset, live)
    customers = pd.read_csv(live / "customers.csv", dtype=str, keep_default_na=False)
    customers.loc[7, "mobile"] = "13800000000"
    customers.to_csv(live / "customers.csv", index=False)
    report = restore_backup(backup, key, tmp_path / "scratch", compare_with=live)
    assert not report.ok and report.comparison.ok
    changed = report.source_comparison.get("customers.csv")
    assert changed.status == "values-differ" and changed.columns == ("mobile",)
    assert report.problems == ["against live: customers.csv: values differ in columns; columns: mobile"]


def test_restore_refuses_a_non_empty_target(backup, key, tmp_path):
    (tmp_path / "busy").mkdir()
    (tmp_path / "busy" / "keep.txt").write_text("mine")
    with pytest.raises(BackupError, match="not empty"):
        restore_backup(backup, key, tmp_path / "busy")
    assert (tmp_path / "busy" / "keep.txt").read_text() == "mine"


def test_restore_of_a_damaged_backup_reports_and_writes_no_partial_file(backup, key, tmp_path):
    damaged = damaged_copy(backup, tmp_path, lambda raw: raw[:-1000])
    report = restore_backup(damaged, key, tmp_path / "scratch")
    assert not report.ok and "truncated" in report.problems[0]
    restored = {p.name for p in (tmp_path / "scratch").iterdir()}
    assert not any(name.endswith(".tmp") for name in restored)
    assert "timeline.csv" not in restored            # the last member is the one cut
    missing = [p for p in report.problems if "missing in the target" in p]
    assert any("timeline.csv" in p for p in missing)


def test_backup_and_restore_are_recorded_in_the_ledger_without_identifiers(dataset, key, tmp_path):
    ledger = Ledger("sqlite://")
    dest = tmp_path / "b.kar"
    create_backup(dataset, dest, key, ledger=ledger, actor="E0007", label="weekly")
    restore_backup(dest, key, tmp_path / "scratch", ledger=ledger, actor="E0007")
    verify_backup(dest, key, ledger=ledger, actor="E0007")
    made, restored, verified = ledger.entries()
    assert (made.type, restored.type, verified.type) == ("backup", "restore", "backup")
    assert (made.details["operation"], verified.details["operation"], verified.details["ok"]) == ("create", "verify", True)
    assert made.details["key_id"] == verified.details["key_id"] == key_id(key)
    assert made.details["archive"] == "b.kar" and made.details["archive_sha256"] == file_sha256(dest)
    assert made.details["files"] == len(list(dataset.iterdir())) and made.details["rows"] > 300
    assert restored.details["ok"] is True and restored.details["rows"] == made.details["rows"]
    text = json.dumps([made.details, restored.details, verified.details], ensure_ascii=False)
    first = pd.read_csv(dataset / "customers.csv", dtype=str).iloc[0]
    assert first["customer_id"] not in text and first["mobile"] not in text
    assert ledger.verify().ok


def test_create_backup_refuses_bad_folders(dataset, key, tmp_path):
    with pytest.raises(BackupError, match="inside the folder"):
        create_backup(dataset, dataset / "self.kar", key)
    with pytest.raises(BackupError, match="not a folder"):
        create_backup(tmp_path / "nothing", tmp_path / "x.kar", key)
    (tmp_path / "empty").mkdir()
    with pytest.raises(BackupError, match="no files"):
        create_backup(tmp_path / "empty", tmp_path / "x.kar", key)


def test_ledger_backup_taken_while_in_use_restores_to_a_ledger_that_verifies(tmp_path, key):
    db = tmp_path / "live" / "ledger.db"
    ledger = Ledger(f"sqlite:///{db}")
    for i in range(30):
        ledger.append("query", actor="E0001", subjects=[f"CM{i:04d}"], details={"n": i})
    stop = threading.Event()

    def keep_writing():
        writer = Ledger(f"sqlite:///{db}")
        i = 0
        while not stop.is_set():
            writer.append("change", actor="E0002", subjects=["CM9999"], details={"i": i})
            i += 1
        writer.close()

    thread = threading.Thread(target=keep_writing)
    thread.start()
    try:
        backup_ledger(db, tmp_path / "ledger.kar", key, ledger=ledger, actor="E0003")
    finally:
        stop.set()
        thread.join()
    report = restore_backup(tmp_path / "ledger.kar", key, tmp_path / "restored")
    assert report.ok, report.problems
    assert sorted(p.name for p in (tmp_path / "restored").iterdir()) == ["ledger.db", "ledger.db.subject-key"]
    restored = Ledger(f"sqlite:///{tmp_path / 'restored' / 'ledger.db'}")
    assert restored.verify().ok and len(restored) >= 30
    assert restored.subject_token("CM0001") == ledger.subject_token("CM0001")
    assert ledger.entries("backup")[-1].details["archive"] == "ledger.kar"
    restored.close()
    ledger.close()
