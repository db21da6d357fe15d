"""Destruction by method (kitlib.lifecycle.destroy) and module 03's destruction exercise."""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os

import pandas as pd
import pytest

from kitlib.ledger import Ledger
from kitlib.lifecycle.archive import generate_key, read_archive
from kitlib.lifecycle.backup import create_backup, verify_backup
from kitlib.lifecycle.destroy import (METHODS, DestructionError, DestructionJob, crypto_shred, delete_from_backup,
                                      delete_from_export, delete_rows, destroy_customers, destroy_file,
                                      record_paper_destruction)
from kitlib.lifecycle.drills03 import OPTIONS, destruction_exercise, recommend_method, table_duties
from kitlib.lifecycle.residue import identifiers_for, scan_residue
from kitlib.protect import KeyShredded, KeyStore, decrypt_frame, encrypt_frame
from kitlib.synth import generate
from kitlib.synth.writer import write_case

REASON = "PIPL Art. 47: the service ended"


@pytest.fixture(scope="module")
def case():
    return generate(customers=300, seed=3)


@pytest.fixture(scope="module")
def doomed(case):
    with_tickets = case["tickets"]["customer_id"].drop_duplicates().head(6).tolist()
    return list(dict.fromkeys(with_tickets + case["customers"]["customer_id"].iloc[::30].tolist()))


@pytest.fixture
def dataset(case, tmp_path):
    folder = tmp_path / "dataset"
    write_case(case, folder)
    return folder


def _read(folder, name):
    return pd.read_csv(folder / f"{name}.csv", dtype=str, keep_default_na=False)


def test_delete_rows_removes_every_row_of_the_customers_and_follows_the_keys(case, doomed, dataset):
    before = {n: _read(dataset, n) for n in ("customers", "accounts", "orders", "consents", "tickets", "ticket_spans",
                                            "access_log", "employees")}
    gone_tickets = set(before["tickets"].loc[before["tickets"]["customer_id"].isin(doomed), "ticket_id"])
    assert gone_tickets
    result = delete_rows(dataset, doomed, actor="E0019", reason=REASON)
    after = {n: _read(dataset, n) for n in before}
    for name in ("customers", "accounts", "orders", "consents", "tickets"):
        assert not after[name]["customer_id"].isin(doomed).any(), name
        assert len(after[name]) == (~before[name]["customer_id"].isin(doomed)).sum(), name
    assert not after["ticket_spans"]["ticket_id"].isin(gone_tickets).any()
    assert len(after["ticket_spans"]) == (~before["ticket_spans"]["ticket_id"].isin(gone_tickets)).sum()
    assert not after["access_log"]["record_id"].isin(doomed).any()
    assert after["employees"].equals(before["employees"])
    files = result.files.set_index("table")
    assert files.loc["employees", "status"] == "unchanged" and files.loc["customers", "status"] == "rewritten"
    assert files.loc["customers", "rows_before"] - files.loc["customers", "rows_after"] == len(doomed)
    assert result.rows_destroyed == sum(len(before[n]) - len(after[n]) for n in before)
    assert result.found == len(doomed) and result.category == "clear"


def test_untouched_rows_are_written_back_byte_for_byte_and_the_manifest_stays_true(doomed, dataset):
    original = (dataset / "customers.csv").read_bytes().decode("utf-8").splitlines(keepends=True)
    delete_rows(dataset, doomed, actor="E0019", reason=REASON)
    now = (dataset / "customers.csv").read_bytes().decode("utf-8").splitlines(keepends=True)
    assert now == [line for line in original if not any(cid in line for cid in doomed)]
    manifest = json.loads((dataset / "manifest.json").read_text(encoding="utf-8"))
    for name, digest in manifest["files"].items():
        assert hashlib.sha256((dataset / name).read_bytes()).hexdigest() == digest, name
    assert not [p for p in dataset.iterdir() if p.name.startswith(".")]     # no temporary left behind


def test_a_parquet_dataset_is_handled_like_a_csv_one(case, doomed, tmp_path):
    folder = tmp_path / "parquet"
    write_case(case, folder, fmt="parquet")
    identifiers = identifiers_for(folder, doomed)
    before = pd.read_parquet(folder / "customers.parquet")
    result = delete_rows(folder, doomed, actor="E0019", reason=REASON)
    customers = pd.read_parquet(folder / "customers.parquet")
    assert len(customers) == 300 - len(doomed) and not customers["customer_id"].isin(doomed).any()
    assert customers.dtypes.equals(before.dtypes)                       # types survive the rewrite
    assert customers.reset_index(drop=True).equals(before[~before["customer_id"].isin(doomed)].reset_index(drop=True))
    assert result.files.set_index("table").loc["ticket_spans", "status"] == "rewritten"
    assert scan_residue([folder], identifiers).ok


def test_retained_tables_are_kept_and_reported_with_their_legal_reason(doomed, dataset):
    orders = (dataset / "orders.csv").read_bytes()
    result = delete_rows(dataset, doomed, retained=("orders",), actor="E0019", reason=REASON)
    assert (dataset / "orders.csv").read_bytes() == orders
    (table, why), = result.retained
    assert table == "orders" and "Tax Collection Administration Implementing Rules Art. 29" in why
    row = result.files.set_index("table").loc["orders"]
    assert row["status"] == "retained" and row["rows_before"] == row["rows_after"]
    assert row["rows_retained"] == _read(dataset, "orders")["customer_id"].isin(doomed).sum() > 0
    custom = delete_rows(dataset, doomed, retained={"orders": "litigation hold L-7"}, actor="E0019", reason=REASON)
    assert custom.retained == (("orders", "litigation hold L-7"),)


def test_each_step_is_one_ledger_entry_without_raw_identifiers(case, doomed, dataset):
    ledger = Ledger("sqlite://")
    result = delete_rows(dataset, doomed, ledger=ledger, actor="E0019", reason=REASON)
    entry, = ledger.entries()
    assert entry == result.entry and entry.type == "destruction"
    assert entry.details["category"] == "clear" and entry.details["nist_sp_800_88"] == "Clear"
    assert entry.details["rows_destroyed"] == result.rows_destroyed
    assert len(entry.subjects) == len(doomed) and not set(entry.subjects) & set(doomed)
    customers = case["customers"].set_index("customer_id").loc[doomed]
    text = json.dumps(entry.details, ensure_ascii=False)
    for value in list(doomed) + customers["mobile"].tolist() + customers["name"].tolist():
        assert value not in text


def test_a_reason_holding_a_customer_id_is_refused_before_anything_changes(doomed, dataset):
    before = (dataset / "customers.csv").read_bytes()
    with pytest.raises(DestructionError, match="holds customer id"):
        delete_rows(dataset, doomed, actor="E0019", reason=f"request from {doomed[0]}")
    assert (dataset / "customers.csv").read_bytes() == before


def test_delete_from_a_gbk_export_keeps_the_other_rows_byte_for_byte(case, doomed, tmp_path):
    customers = case["customers"].head(40)
    ids = [c for c in doomed if c in set(customers["customer_id"])]
    assert ids
    export = customers[["customer_id", "name", "mobile"]].rename(columns={"customer_id": "客户编号", "name": "姓名"})
    path = tmp_path / "crm导出.csv"
    path.write_bytes(export.to_csv(index=False, lineterminator="\r\n").encode("gbk"))
    original = path.read_bytes().decode("gbk").splitlines(keepends=True)
    sha = hashlib.sha256(path.read_bytes()).hexdigest()
    result = delete_from_export(path, ids, actor="E0019", reason=REASON)
    kept = path.read_bytes().decode("gbk").splitlines(keepends=True)
    assert kept == [line for line in original if not any(cid in line for cid in ids)]
    assert result.rows_destroyed == len(ids) and result.sha256 == sha and result.found == len(ids)


def test_delete_from_an_xlsx_export_without_ids_by_the_captured_identifiers(case, doomed, tmp_path):
    customers = case["customers"].set_index("customer_id")
    rows = customers.loc[doomed[:3] + [c for c in customers.index if c not in doomed][:20], ["name", "mobile"]]
    rows["mobile"] = rows["mobile"].str.replace(r"^(\d{3})(\d{4})(\d{4})$", r"\1 \2 \3", regex=True)
    path = tmp_path / "list.xlsx"
    rows.reset_index(drop=True).to_excel(path, index=False)
    result = delete_from_export(path, doomed, identifiers=identifiers_for(case, doomed), actor="E0019", reason=REASON)
    left = pd.read_excel(path, dtype=str)
    assert len(left) == 20 and result.rows_destroyed == 3
    assert not left["mobile"].str.replace(" ", "").isin(customers.loc[doomed, "mobile"]).any()


def test_a_headerless_export_loses_its_first_row_too_when_it_is_a_destroyed_customer(case, doomed, tmp_path):
    customers = case["customers"].set_index("customer_id")
    rows = customers.loc[[doomed[0]] + [c for c in customers.index if c not in doomed][:5], ["mobile", "email"]]
    path = tmp_path / "no_header.csv"
    rows.to_csv(path, index=False, header=False)
    result = delete_from_export(path, doomed, identifiers=identifiers_for(case, doomed), actor="E0019", reason=REASON)
    assert result.rows_destroyed == 1
    assert path.read_text(encoding="utf-8").splitlines() == [f"{m},{e}" for m, e in rows.iloc[1:].itertuples(index=False)]


def test_bad_inputs_give_one_line_errors(case, doomed, dataset, tmp_path):
    export = tmp_path / "e.csv"
    pd.DataFrame({"who": ["a", "b"], "mobile": ["13800138000", "13900139000"]}).to_csv(export, index=False)
    cases = [
        (lambda: delete_from_export(tmp_path / "missing.csv", doomed, actor="a", reason="r"), "missing.csv: no such export"),
        (lambda: delete_from_export(export, doomed, id_column="cust_no", actor="a", reason="r"), "no column 'cust_no'"),
        (lambda: delete_from_export(export, doomed, actor="a", reason="r"), "no customer id column"),
        (lambda: delete_rows(tmp_path / "nowhere", doomed, actor="a", reason="r"), "no such dataset folder"),
        (lambda: delete_rows(dataset, doomed, retained=("invoices",), actor="a", reason="r"), "'invoices' is not there"),
        (lambda: delete_rows(dataset, doomed, retained=("customers",), actor="a", reason="r"), "no reason given"),
        (lambda: delete_rows(dataset, doomed, actor="", reason="r"), "non-empty actor"),
        (lambda: destroy_file(dataset, actor="a", reason="r"), "not a regular file"),
        (lambda: delete_from_backup(export, generate_key(), doomed, actor="a", reason="r"), "not a kit archive"),
    ]
    for call, message in cases:
        with pytest.raises(DestructionError, match=message) as info:
            call()
        assert "\n" not in str(info.value)


def test_destroy_file_overwrites_the_contents_then_unlinks_and_records_the_sha256(tmp_path):
    path = tmp_path / "old_export.csv"
    path.write_text("customer_id,mobile\nCM1,13800138000\n", encoding="utf-8")
    digest = hashlib.sha256(path.read_bytes()).hexdigest()
    other_name = tmp_path / "same_inode.csv"
    os.link(path, other_name)                   # a second name shows what happened to the bytes themselves
    ledger = Ledger("sqlite://")
    result = destroy_file(path, ledger=ledger, actor="E0019", reason=REASON)
    assert not path.exists() and other_name.read_bytes() == b""
    assert result.sha256 == digest and result.files_destroyed == 1 and result.category == "clear"
    assert ledger.entries()[0].details["sha256_before"] == digest
    why = METHODS["destroy_file"]["why_en"]
    assert "SSD" in why and "copy-on-write" in why and ledger.entries()[0].details["nist_sp_800_88"] == "Clear"


def test_delete_from_backup_writes_a_new_archive_and_destroys_the_old_file(case, doomed, dataset, tmp_path):
    key = generate_key()
    archive = tmp_path / "weekly.kitarc"
    create_backup(dataset, archive, key)
    old_inode = tmp_path / "old_inode.kitarc"
    os.link(archive, old_inode)
    ledger = Ledger("sqlite://")
    result = delete_from_backup(archive, key, doomed, retained=("orders",), ledger=ledger, actor="E0019", reason=REASON)
    manifest, members = read_archive(archive, key)
    customers = pd.read_csv(__import__("io").BytesIO(members["customers.csv"]), dtype=str)
    assert not customers["customer_id"].isin(doomed).any() and len(customers) == 300 - len(doomed)
    assert members["orders.csv"] == (dataset / "orders.csv").read_bytes()          # retained
    assert verify_backup(archive, key).ok                                          # content manifest rebuilt
    assert old_inode.read_bytes() == b""                                           # the old bytes overwritten
    assert manifest["meta"]["rewritten"]["from_archive_id"] == result.extra["archive_id_before"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dataset", "old_inode.kitarc", "weekly.kitarc"]
    assert ledger.entries()[0].details["archive_id_after"] == manifest["archive_id"]


def test_crypto_shred_makes_encrypted_values_unreadable_and_is_recorded(case, doomed, tmp_path):
    store = KeyStore.create(tmp_path / "keys.db", master_key=os.urandom(32))
    customers = case["customers"].head(60)
    ids = [c for c in doomed if c in set(customers["customer_id"])][:3]
    encrypted = encrypt_frame(customers, "customers", ["mobile", "resident_id"], store)
    ledger = Ledger("sqlite://")
    result = crypto_shred(store, ids + ["CM-NO-KEY"], ledger=ledger, actor="E0019", reason=REASON)
    assert result.category == "purge" and result.extra["keys_shredded"] == 3 and result.extra["no_key"] == 1
    with pytest.raises(KeyShredded):
        decrypt_frame(encrypted, "customers", store)
    masked = decrypt_frame(encrypted, "customers", store, on_shredded="mask")
    gone = masked["customer_id"].isin(ids)
    assert masked.loc[gone, "mobile"].isna().all()
    assert masked.loc[~gone, "mobile"].tolist() == customers.loc[~customers["customer_id"].isin(ids), "mobile"].tolist()
    entries = ledger.entries("destruction")
    assert len(entries) == 4 and [e.details.get("key_id") is not None for e in entries[:3]] == [True] * 3
    assert entries[-1].details["category"] == "purge" and entries[-1].details["shred_entries"] == [1, 3]
    again = crypto_shred(store, ids, actor="E0019", reason=REASON)
    assert again.extra["already_shredded"] == 3 and again.extra["keys_shredded"] == 0
    store.close()


def test_paper_destruction_is_recorded_with_vendor_witness_and_method(tmp_path):
    ledger = Ledger("sqlite://")
    result = record_paper_destruction("P04", "门店纸质登记表 store sign-up forms", 431, method="cross_cut_shredding",
                                      vendor="上海某某档案销毁有限公司", witness="李雷 (法务合规部)", date="2026-05-08",
                                      ledger=ledger, actor="E0018")
    entry, = ledger.entries()
    assert result.category == "destroy" and entry.details["category"] == "destroy"
    assert entry.details["vendor"] == "上海某某档案销毁有限公司" and entry.details["witness"].startswith("李雷")
    assert entry.details["count"] == 431 and entry.details["date"] == "2026-05-08"
    tomorrow = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    bad = [dict(method="burning"), dict(witness="E0018"), dict(date=tomorrow), dict(date="next week"), dict(ledger=None),
           dict(count=0)]
    for change in bad:
        args = dict(method="pulping", vendor="V", witness="W", date="2026-05-08", ledger=ledger, actor="E0018", count=3)
        args.update(change)
        count = args.pop("count")
        with pytest.raises(DestructionError):
            record_paper_destruction("P04", "forms", count, **args)
    assert len(ledger) == 1


def test_a_job_runs_every_step_and_binds_them_in_one_entry(case, doomed, dataset, tmp_path):
    key = generate_key()
    archive = tmp_path / "weekly.kitarc"
    create_backup(dataset, archive, key)
    stray = tmp_path / "stray.csv"
    stray.write_text("x\n1\n", encoding="utf-8")
    ledger = Ledger("sqlite://")
    report = destroy_customers({
        "customer_ids": doomed, "actor": "E0019", "reason": REASON, "ledger": ledger, "retained": ("orders",),
        "artefacts": [{"kind": "dataset", "path": dataset}, {"kind": "backup", "path": archive, "key": key},
                      {"kind": "file", "path": stray},
                      {"kind": "paper", "box_id": "P04", "description": "sign-up forms", "count": 12,
                       "method": "pulping", "vendor": "V Ltd", "witness": "W", "date": "2026-05-08"}]})
    frame = report.frame()
    assert frame["category"].tolist() == ["clear", "clear", "clear", "destroy"]
    assert frame["ledger_seq"].tolist() == [1, 2, 3, 4] and report.entry.seq == 5
    steps = report.entry.details["steps"]
    assert [s["entry_hash"] for s in steps] == frame["ledger_hash"].tolist()
    assert report.entry.details["rows_destroyed"] == report.rows_destroyed == frame["rows_destroyed"].sum()
    assert frame.loc[0, "retained"] == "orders" and not stray.exists()


def test_a_job_checks_every_artefact_before_destroying_anything(doomed, dataset, tmp_path):
    before = (dataset / "customers.csv").read_bytes()
    job = DestructionJob(doomed, actor="E0019", reason=REASON).dataset(dataset).backup(tmp_path / "none.kitarc", b"k" * 32)
    with pytest.raises(DestructionError, match="artefact 2 .*no such backup archive"):
        job.run()
    assert (dataset / "customers.csv").read_bytes() == before
    export = tmp_path / "e.csv"
    pd.DataFrame({"who": ["a"]}).to_csv(export, index=False)
    job = DestructionJob(doomed, actor="E0019", reason=REASON, ledger=Ledger("sqlite://")).dataset(dataset).export(export)
    with pytest.raises(DestructionError, match="artefact 2 \\(export\\).*1 step\\(s\\) before it are done") as info:
        job.run()
    assert len(info.value.report.results) == 1 and info.value.report.results[0].entry.seq == 1


# -- module 03's exercise ------------------------------------------------------------------------------

def test_the_exercise_marks_the_computed_answers_right_and_explains_misses(case):
    exercise = destruction_exercise(case, seed=0)
    assert exercise.item == "destruction-method" and 7 <= len(exercise.rows) <= 9
    duties = table_duties(case.catalogue, case.retention_rules)
    systems = case["systems"].set_index("system_id")
    tables = case["system_tables"].groupby("system_id")["table_name"].agg(list)
    truth = {}
    for key in exercise.rows["key"]:
        if key in systems.index:
            truth[key] = recommend_method({**systems.loc[key].to_dict(), "system_id": key}, tables[key], duties).best
    assert truth["S03" if "S03" in truth else "S04"] == "processor_delete"
    assert truth["S06"] == "crypto_shred" and truth["S05"] == "destroy_file" and truth["S07"] == "processor_delete"
    assert truth["S01"] == "delete_rows"
    assert {"keep", "destroy_media"} <= set(truth.values())
    answers = {k: truth.get(k, "destroy_file") for k in exercise.rows["key"]}
    assert exercise.score(answers, "en").correct
    wrong = exercise.score({k: "keep" if v != "keep" else "delete_rows" for k, v in answers.items()}, "en")
    assert wrong.score == 0
    text = " ".join(wrong.rows["explanation"])
    for needle in ("PIPL Art. 21", "PIPL Art. 47", "Purge", "Clear", "Destroy", "Arts. 38–40"):
        assert needle in text
    zh = exercise.score({}, "zh-CN").rows["explanation"].iloc[0]
    assert zh.startswith("应为:")
    assert [o[0] for o in exercise.options] == [o[0] for o in OPTIONS]


def test_the_exercise_answer_follows_the_systems_data_and_the_seed(case):
    systems = case["systems"].set_index("system_id")
    duties = table_duties(case.catalogue, case.retention_rules)
    nas = {**systems.loc["S05"].to_dict(), "system_id": "S05"}
    assert recommend_method(nas, ["customers", "orders"], duties).best == "destroy_file"
    assert recommend_method({**nas, "encrypted_at_rest": True}, ["customers", "orders"], duties).best == "crypto_shred"
    assert recommend_method({**nas, "location_en": "Abroad (partner)", "location_zh": "境外"}, ["customers"],
                            duties).best == "processor_delete"
    crm = {**systems.loc["S01"].to_dict(), "system_id": "S01"}
    assert recommend_method(crm, ["orders", "accounts"], duties).best == "keep"
    a, b = destruction_exercise(case, seed=4), destruction_exercise(case, seed=4)
    assert a.rows.equals(b.rows)
    assert any(not destruction_exercise(case, seed=s).rows["key"].equals(a.rows["key"]) for s in range(3))
