"""Residue verification after a destruction (kitlib.lifecycle.residue), and the issue's
acceptance test: destroy a set of customers across the dataset, an export and a backup; the scan
finds no residue; with one copy left behind it finds exactly that copy."""
from __future__ import annotations

import shutil

import pandas as pd
import pytest

from kitlib.ledger import Ledger
from kitlib.lifecycle.archive import generate_key, write_archive
from kitlib.lifecycle.backup import create_backup, verify_backup
from kitlib.lifecycle.destroy import DestructionJob
from kitlib.lifecycle.residue import (RESIDUE_COLUMNS, ResidueError, identifiers_for, normalise, scan_residue)
from kitlib.synth import generate
from kitlib.synth.writer import write_case


@pytest.fixture(scope="module")
def case():
    return generate(customers=300, seed=3)


@pytest.fixture(scope="module")
def doomed(case):
    """About 20 customers: some with support tickets (free text), some minors' guardians, the rest plain."""
    customers = case["customers"]
    with_tickets = case["tickets"]["customer_id"].drop_duplicates().head(8).tolist()
    with_guardian = customers.loc[customers["guardian_mobile"].notna(), "customer_id"].head(2).tolist()
    plain = customers["customer_id"].iloc[::25].tolist()
    return list(dict.fromkeys(with_tickets + with_guardian + plain))[:20]


def _exports(case, doomed, folder):
    """A CRM export (CSV, customer ids) and a marketing list (XLSX, no ids, mobiles with hyphens),
    both holding some of the doomed customers among others."""
    customers = case["customers"].set_index("customer_id")
    crm_ids = doomed[:6] + [c for c in customers.index if c not in doomed][:40]
    crm = customers.loc[crm_ids, ["name", "mobile", "email", "resident_id"]].reset_index()
    crm_path = folder / "crm_export.csv"
    crm.to_csv(crm_path, index=False, encoding="utf-8-sig")
    mkt_ids = doomed[6:12] + [c for c in customers.index if c not in doomed][40:90]
    mkt = customers.loc[mkt_ids, ["name", "mobile", "email"]].reset_index(drop=True)
    mkt["mobile"] = mkt["mobile"].str.replace(r"^(\d{3})(\d{4})(\d{4})$", r"\1-\2-\3", regex=True)
    mkt_path = folder / "marketing_list.xlsx"
    mkt.to_excel(mkt_path, index=False, sheet_name="list")
    return crm_path, mkt_path


@pytest.fixture(scope="module")
def pristine(case, doomed, tmp_path_factory):
    """A dataset folder, two exports and an encrypted backup of the dataset, made once."""
    live = tmp_path_factory.mktemp("pristine")
    dataset = live / "dataset"
    write_case(case, dataset)
    crm, mkt = _exports(case, doomed, live)
    key = generate_key()
    create_backup(dataset, live / "weekly.kitarc", key)
    return live, key


@pytest.fixture
def world(case, doomed, pristine, tmp_path):
    """A fresh copy of the pristine artefacts, the identifiers captured before anything is
    destroyed, untouched copies kept aside (outside the scan) and an empty ledger."""
    source, key = pristine
    live, aside = tmp_path / "live", tmp_path / "aside"
    shutil.copytree(source, live)
    shutil.copytree(source, aside)
    return {"dataset": live / "dataset", "crm": live / "crm_export.csv", "mkt": live / "marketing_list.xlsx",
            "backup": live / "weekly.kitarc", "key": key, "aside": aside,
            "identifiers": identifiers_for(case, doomed), "ledger": Ledger("sqlite://")}


def _destroy(world, doomed, *, skip=()):
    job = DestructionJob(doomed, actor="E0019", reason="PIPL Art. 47: the service ended", ledger=world["ledger"],
                         identifiers=world["identifiers"])
    job.dataset(world["dataset"]).export(world["crm"]).export(world["mkt"])
    if "backup" not in skip:
        job.backup(world["backup"], world["key"])
    return job.run()


def _scan(world, **kwargs):
    return scan_residue([world["dataset"], world["crm"], world["mkt"], world["backup"]], world["identifiers"],
                        key_for=lambda path: world["key"], **kwargs)


def test_before_destruction_the_scan_finds_the_customers_in_every_artefact(world):
    report = _scan(world)
    assert not report.ok
    assert set(report.residues["artefact"]) == {str(world[k]) for k in ("dataset", "crm", "mkt", "backup")}
    assert {"exact", "pattern"} <= set(report.residues["match"])      # ticket text is found by pattern


def test_acceptance_destroyed_everywhere_the_scan_finds_no_residue(world, doomed):
    report = _destroy(world, doomed)
    assert report.rows_destroyed > 0
    assert verify_backup(world["backup"], world["key"]).ok
    scan = _scan(world, ledger=world["ledger"])
    assert scan.ok, scan.summary("en")
    assert scan.residues.empty and scan.unscanned.empty
    assert "no residue found" in scan.summary("en") and "未发现残留" in scan.summary("zh-CN")
    members = scan.scanned[scan.scanned["artefact"] == str(world["backup"])]
    assert {"customers", "tickets", "ticket_spans", "access_log"} <= set(members["table"])   # the backup was read
    assert scan.entry is not None and scan.entry.details["result"] == "no residue"
    assert world["ledger"].verify().ok


@pytest.mark.parametrize("left_behind", ["crm", "backup"])
def test_acceptance_one_copy_left_behind_is_found_and_nothing_else(world, doomed, left_behind):
    if left_behind == "backup":
        _destroy(world, doomed, skip=("backup",))             # the backup was forgotten
    else:
        _destroy(world, doomed)
        shutil.copy2(world["aside"] / world["crm"].name, world["crm"])   # an old copy restored over the export
    scan = _scan(world)
    assert not scan.ok
    assert set(scan.residues["artefact"]) == {str(world[left_behind])}
    assert scan.unscanned.empty
    if left_behind == "crm":
        # exactly the 6 doomed customers' rows of that export, every identifier column of them
        assert scan.residues["line"].nunique() == 6
        columns = set(scan.residues["column"])
        assert {"customer_id", "mobile", "email"} <= columns <= {"customer_id", "name", "mobile", "email", "resident_id"}
    else:
        assert {"customers", "tickets"} <= set(scan.residues["table"])
    assert list(scan.residues.columns) == RESIDUE_COLUMNS


def test_residues_show_masked_values_never_the_clear_ones(world, case, doomed):
    scan = _scan(world)
    customers = case["customers"].set_index("customer_id").loc[doomed]
    clear = {str(v) for col in ("mobile", "resident_id", "email", "bank_card") for v in customers[col].dropna()}
    assert len(scan.residues) > 100
    assert not clear & set(scan.residues["masked"])
    assert all("*" in m for m in scan.residues["masked"])
    assert not any(c in scan.summary() for c in clear | set(doomed))


def test_pattern_matching_finds_a_mobile_written_with_spaces_in_free_text(case, doomed, tmp_path):
    customers = case["customers"].set_index("customer_id")
    mobile = customers.loc[doomed[-1], "mobile"]
    spaced, hyphens = f"+86 {mobile[:3]} {mobile[3:7]} {mobile[7:]}", f"{mobile[:3]}-{mobile[3:7]}-{mobile[7:]}"
    kept_mobile = customers.loc[[c for c in customers.index if c not in doomed][0], "mobile"]
    notes = tmp_path / "call_notes.txt"
    notes.write_text(f"2026-05-02 回访记录\n客户来电,手机 {spaced},要求删除资料。\n另一位客户 {kept_mobile} 无事。\n",
                     encoding="utf-8")
    sheet = tmp_path / "followups.csv"
    pd.DataFrame({"id": ["F1", "F2"], "note": [f"call back on {hyphens} tomorrow", "nothing to do"]}).to_csv(sheet, index=False)
    scan = scan_residue([notes, sheet], identifiers_for(case, doomed))
    found = scan.residues
    assert len(found) == 2
    assert set(found["kind"]) == {"cn_mobile"} and set(found["match"]) == {"pattern"}
    assert found.loc[found["artefact"] == str(notes), "line"].tolist() == [2]
    assert found.loc[found["artefact"] == str(sheet), ["line", "column"]].values.tolist() == [[2, "note"]]
    assert mobile not in "".join(found["masked"]) and mobile[3:7] not in "".join(found["masked"])


def test_normalise_makes_the_ways_of_writing_a_number_equal():
    assert normalise("+86 159 7129 3036") == normalise("159-7129-3036") == normalise("0086 15971293036") \
        == normalise("１５９７１２９３０３６") == "15971293036"
    assert normalise("31021019630130896x") == normalise("31021019630130896X")
    assert normalise("6217 0041 5514 7210 894") == "6217004155147210894"
    assert normalise("8613800138000") == "13800138000" and normalise("86123") == "86123"


def test_retained_tables_are_reported_as_retained_not_residue(world, doomed):
    job = DestructionJob(doomed, actor="E0019", reason="PIPL Art. 47", retained=("orders",),
                         identifiers=world["identifiers"])
    job.dataset(world["dataset"]).export(world["crm"]).export(world["mkt"]).backup(world["backup"], world["key"]).run()
    scan = _scan(world, retained=("orders",))
    assert scan.ok and scan.residues.empty
    assert len(scan.retained) > 0 and set(scan.retained["table"]) == {"orders"}
    assert "retained by law, not residue" in scan.summary("en")
    unretained = scan_residue([world["dataset"]], world["identifiers"])     # without the legal duty
    assert not unretained.ok and set(unretained.residues["table"]) == {"orders"}


def test_a_name_a_kept_person_also_has_is_not_searched(case, tmp_path):
    customers = case["customers"]
    twins = customers[customers.duplicated("name", keep=False) & (customers["customer_type"] == "individual")]
    name = twins["name"].iloc[0]
    gone, kept = twins[twins["name"] == name]["customer_id"].tolist()[:2]
    ids = identifiers_for(case, [gone])
    assert ids.shared.get("person_name", 0) >= 1
    assert ids.kind_of(name) is None                       # a match would prove nothing
    assert ids.kind_of(customers.set_index("customer_id").loc[gone, "mobile"]) == "cn_mobile"
    table = tmp_path / "kept.csv"
    customers[customers["customer_id"] == kept][["customer_id", "name", "mobile"]].to_csv(table, index=False)
    assert scan_residue([table], ids).ok


def test_a_name_only_destroyed_customers_have_is_found_as_a_name_not_as_a_substring(case, tmp_path):
    customers = case["customers"]
    unique = customers[~customers.duplicated("name", keep=False) & customers["name"].str.len().eq(3)
                       & (customers["customer_type"] == "individual")]
    who, name = unique["customer_id"].iloc[0], unique["name"].iloc[0]
    text = tmp_path / "memo.txt"
    text.write_text(f"客户{name}来电咨询。\n{name}菲菲不是这位客户。\n", encoding="utf-8")
    scan = scan_residue([text], identifiers_for(case, [who]))
    assert scan.residues["line"].tolist() == [1]
    assert scan.residues["kind"].tolist() == ["person_name"]


def test_identifiers_keep_digests_not_the_clear_values(case, doomed):
    ids = identifiers_for(case, doomed)
    mobile = case["customers"].set_index("customer_id").loc[doomed[0], "mobile"]
    assert ids.kind_of(mobile) == "cn_mobile" and ids.kind_of(f"+86 {mobile}") == "cn_mobile"
    dumped = repr(ids) + repr(vars(ids))
    assert mobile not in dumped and mobile.encode() not in b"".join(k for k in ids._kinds)
    assert sum(ids.counts.values()) == len(ids) and ids.counts["customer_id"] == len(doomed)


def test_an_archive_without_its_key_or_a_binary_file_is_unscanned_and_not_ok(case, doomed, tmp_path):
    key = generate_key()
    archive = tmp_path / "old.kitarc"
    write_archive(archive, {"x.csv": b"a,b\n1,2\n"}, key)
    blob = tmp_path / "image.bin"
    blob.write_bytes(bytes(range(256)) * 8)
    ids = identifiers_for(case, doomed)
    scan = scan_residue([archive, blob], ids)
    assert not scan.ok and scan.residues.empty
    assert len(scan.unscanned) == 2
    assert "no key" in scan.unscanned.iloc[0]["reason"] and "binary" in scan.unscanned.iloc[1]["reason"]
    wrong = scan_residue([archive], ids, key_for=lambda p: generate_key())
    assert "wrong key" in wrong.unscanned.iloc[0]["reason"]
    assert scan_residue([archive], ids, key_for=lambda p: key).ok


def test_the_verification_is_recorded_in_the_ledger_without_identifiers(case, doomed, tmp_path):
    ledger = Ledger("sqlite://")
    dataset = tmp_path / "ds"
    write_case(case, dataset)
    scan = scan_residue([dataset], identifiers_for(case, doomed), ledger=ledger, actor="E0007")
    entry = ledger.entries()[-1]
    assert entry == scan.entry and entry.type == "destruction" and entry.actor == "E0007"
    assert entry.details["operation"] == "residue_verification" and entry.details["residues"] == len(scan.residues)
    assert len(entry.subjects) == len(doomed) and not set(entry.subjects) & set(doomed)
    text = str(entry.details)
    assert not any(c in text for c in doomed)


def test_bad_inputs_give_one_line_errors(case, doomed, tmp_path):
    with pytest.raises(ResidueError, match="CMXXXX is not in the customers table"):
        identifiers_for(case, doomed[:2] + ["CMXXXX"])
    with pytest.raises(ResidueError, match="no customer_id column"):
        identifiers_for(case["customers"].rename(columns={"customer_id": "cid"}), doomed)
    with pytest.raises(ResidueError, match="no such file or folder"):
        scan_residue([tmp_path / "missing"], identifiers_for(case, doomed))
    with pytest.raises(ResidueError, match="identifiers_for"):
        scan_residue([tmp_path], doomed)
    with pytest.raises(ResidueError, match="empty"):
        identifiers_for(case, [])
    assert issubclass(ResidueError, ValueError)
