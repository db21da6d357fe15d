"""What the actions do to the data and what they write to the ledger: correction, deletion
against the retention plan, withdrawal of consent, access and copy, portability, explanation."""
import datetime as dt
import hashlib
import json

import pandas as pd
import pytest

from kitlib.ledger import Ledger
from kitlib.rights import (Request, RequestError, Requester, access_copy, correct, delete, explain_processing,
                           portability, withdraw_consent)
from kitlib.rights.changes import change_token_text
from kitlib.synth import generate

DAY = dt.date(2026, 4, 1)


@pytest.fixture(scope="module")
def case():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def buyer(case):
    """An adult individual with invoiced orders (tax and accounting records must stay)."""
    c, orders = case["customers"], case["orders"]
    invoiced = set(orders.loc[orders["invoice_no"].notna(), "customer_id"])
    return c[(c["customer_type"] == "individual") & (c["age"] >= 18) & c["customer_id"].isin(invoiced)].iloc[0]


def ready(case, row, rtype, **details):
    request = Request(f"RQ-A-{rtype}", rtype, row["customer_id"], DAY, "phone",
                      Requester(name=row["name"], mobile=row["mobile"]), details).receive()
    request.verify_identity(case["customers"], on=DAY)
    return request.start(on=DAY)


def test_correction_changes_the_row_and_ledgers_keyed_hashes_of_before_and_after(case, buyer):
    ledger = Ledger("sqlite://")
    old = buyer["mobile"]
    request = ready(case, buyer, "correction", changes={"mobile": "139 0000 1234"})
    done = correct(case, request, ledger=ledger)
    row = done.tables["customers"].set_index("customer_id").loc[buyer["customer_id"]]
    assert row["mobile"] == "13900001234"
    assert case["customers"].set_index("customer_id").loc[buyer["customer_id"], "mobile"] == old   # input untouched
    assert done.changes.iloc[0]["after"] == "139****1234" and done.changes.iloc[0]["changed"]
    entry = ledger.entries("change")[0]
    assert entry.subjects == (ledger.subject_token(buyer["customer_id"]),)
    column = entry.details["columns"][0]
    assert column["column"] == "mobile"
    assert column["before"] == ledger.subject_token(change_token_text("customers", "mobile", old))
    assert column["after"] == ledger.subject_token(change_token_text("customers", "mobile", "13900001234"))
    text = json.dumps(entry.to_dict(), ensure_ascii=False)
    assert old not in text and "13900001234" not in text and "139****1234" not in text


def test_correction_refuses_bad_values_and_unverified_requests(case, buyer):
    with pytest.raises(RequestError, match="new mobile '12345' is not a mainland mobile"):
        correct(case, ready(case, buyer, "correction", changes={"mobile": "12345"}))
    with pytest.raises(RequestError, match="column 'resident_id' cannot be corrected"):
        correct(case, ready(case, buyer, "correction", changes={"resident_id": "x"}))
    fresh = Request("RQ-A-x", "correction", buyer["customer_id"], DAY, details={"changes": {"email": "a@example.com"}})
    with pytest.raises(RequestError, match="verify the identity"):
        correct(case, fresh.receive())
    with pytest.raises(RequestError, match="cannot be answered this way"):
        correct(case, ready(case, buyer, "deletion"))


def test_deletion_is_answered_in_part_under_a_retention_duty(case, buyer):
    ledger = Ledger("sqlite://")
    done = delete(case, ready(case, buyer, "deletion"), ledger=ledger)
    assert done.partial and done.reasons == ("retention_duty",)
    kept_tables = set(done.kept["table"])
    assert {"orders", "accounts"} <= kept_tables
    assert "customers" in set(done.deleted["table"])
    cid = buyer["customer_id"]
    assert cid not in set(done.tables["customers"]["customer_id"])
    kept_orders = set(done.kept.loc[done.kept["table"] == "orders", "row_id"])
    assert kept_orders <= set(done.tables["orders"]["order_id"])
    names = {i["item"]["en"] for i in done.items}
    assert any("Accounting" in n for n in names)
    assert all(i["until"] is not None and i["until"] > DAY for i in done.items)
    entry = ledger.entries("destruction")[0]
    assert entry.details["kept_reasons"] == ["retention_duty"] and entry.details["deleted"]["customers"] == 1
    assert sum(entry.details["kept"].values()) == len(done.kept)


def test_deletion_under_a_legal_hold_deletes_nothing_the_hold_covers(case, buyer):
    hold = {"id": "LH-T", "reason": "litigation", "customers": [buyer["customer_id"]], "start": "2026-03-01"}
    done = delete(case, ready(case, buyer, "deletion"), holds=[hold])
    assert done.deleted.empty and set(done.kept["reason"]) == {"legal_hold"}
    assert done.reasons == ("legal_hold",)
    assert all(i["held"] and "LH-T" in i["basis"]["en"] for i in done.items)


def test_deletion_from_a_dataset_folder_uses_delete_rows_and_leaves_kept_tables(case, buyer, tmp_path):
    from kitlib.synth.writer import write_case

    write_case(case, tmp_path / "ds")
    ledger = Ledger("sqlite://")
    done = delete(case, ready(case, buyer, "deletion"), dataset_dir=tmp_path / "ds", ledger=ledger)
    customers = pd.read_csv(tmp_path / "ds" / "customers.csv", dtype=str)
    orders = pd.read_csv(tmp_path / "ds" / "orders.csv", dtype=str)
    assert buyer["customer_id"] not in set(customers["customer_id"])
    assert buyer["customer_id"] in set(orders["customer_id"])
    assert done.destruction is not None and len(ledger.entries("destruction")) == 1


def test_withdrawal_of_consent_marks_the_consents_and_stops_the_purpose(case):
    consents = case["consents"]
    cid = consents.loc[(consents["purpose"] == "marketing") & consents["withdrawn_on"].isna(), "customer_id"].iloc[0]
    row = case["customers"].set_index("customer_id").loc[cid].to_dict() | {"customer_id": cid}
    ledger = Ledger("sqlite://")
    done = withdraw_consent(case, ready(case, row, "withdraw_consent", purpose="marketing"), on=DAY, ledger=ledger)
    after = done.tables["consents"]
    mine = after[(after["customer_id"] == cid) & (after["purpose"] == "marketing")]
    assert done.rows == len(mine) >= 1 and (mine["withdrawn_on"] == pd.Timestamp(DAY)).all()
    assert not done.tables["customers"].set_index("customer_id").loc[cid, "marketing_consent"]
    assert "marketing" in done.stops[1] and case["consents"].equals(consents)
    entry = ledger.entries("change")[0].details
    assert entry["purpose"] == "marketing" and entry["rows"] == done.rows and entry["withdrawn_on"] == "2026-04-01"
    nothing = withdraw_consent(case, ready(case, row, "withdraw_consent", purpose="privacy_notice"))
    assert nothing.rows == 0 and nothing.reason == "not_consent_based"


def test_access_copy_gives_every_table_as_a_report_and_csv(case, buyer, tmp_path):
    ledger = Ledger("sqlite://")
    copy = access_copy(case, ready(case, buyer, "access_copy"), tmp_path, on=DAY, ledger=ledger)
    cid = buyer["customer_id"]
    assert copy.rows["orders"] == int((case["orders"]["customer_id"] == cid).sum())
    assert copy.rows["access_log"] == int((case["access_log"]["record_id"] == cid).sum())
    report = (copy.folder / "report.html").read_text(encoding="utf-8")
    assert "个人信息副本" in report and "Copy of your personal information" in report and "Art. 45" in report
    orders = pd.read_csv(copy.folder / "orders.csv", dtype=str, encoding="utf-8-sig")
    assert set(orders["customer_id"]) == {cid}
    details = ledger.entries("query")[0].details
    assert details["files"]["report.html"] == hashlib.sha256((copy.folder / "report.html").read_bytes()).hexdigest()
    assert not list(tmp_path.glob(".*partial"))
    with pytest.raises(RequestError, match="already exists"):
        access_copy(case, ready(case, buyer, "access_copy"), tmp_path)


def test_portability_writes_a_machine_readable_file_under_cac_conditions(case, buyer, tmp_path):
    ledger = Ledger("sqlite://")
    path = portability(case, ready(case, buyer, "portability"), tmp_path / "out.json", on=DAY, ledger=ledger)
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["format"] == "kitlib.rights portability v1" and "CAC" in data["note"]["en"]
    assert "国家网信部门" in data["note"]["zh-CN"]
    assert data["tables"]["customers"]["rows"][0]["customer_id"] == buyer["customer_id"]
    assert ledger.entries("query")[0].details["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()


def test_explanation_cites_the_rules_that_apply_to_this_customer(case, buyer):
    ledger = Ledger("sqlite://")
    done = explain_processing(case, ready(case, buyer, "explanation"), ledger=ledger)
    topics = set(done.frame["topic"])
    assert {"handler", "consent", "retention", "recipient", "rights"} <= topics
    assert "PIPL Art. 22" in done.text("en") and "第二十二条" in done.text("zh-CN")
    assert ledger.entries("query")[0].details["article"] == "PIPL Art. 48"
