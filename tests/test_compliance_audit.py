"""The compliance audit finds exactly what is missing from the case's records, with evidence."""
import dataclasses
import datetime as dt

import pandas as pd
import pytest

from kitlib.classify import inventory
from kitlib.compliance import ComplianceError, audit, csr_section, accountability_exercise, load_raci
from kitlib.drills.plan import emergency_plan
from kitlib.learn.store import ProgressStore
from kitlib.ledger import Ledger
from kitlib.rights.requests import Request
from kitlib.synth import generate

TODAY = dt.date(2026, 7, 1)


@pytest.fixture(scope="module")
def base():
    case = generate(customers=300, seed=3, scenario="dissolution")
    systems = case["systems"].copy()
    systems["encrypted_at_rest"] = True
    clean = dataclasses.replace(case, tables={**case.tables, "systems": systems})
    return case, clean, inventory(case, lang="en")


@pytest.fixture()
def programme(tmp_path):
    """The kit's programme without processors (agreements are tested on their own)."""
    from kitlib.compliance.programme import default_programme_path
    text = default_programme_path().read_text(encoding="utf-8")
    head, _, rest = text.partition("[[processor]]")
    rest = rest[rest.index("[training]"):]
    path = tmp_path / "programme.toml"
    path.write_text(head + rest, encoding="utf-8")
    return path


def _store(tmp_path, case, skip=()):
    from kitlib.compliance import load_programme
    prog = load_programme()
    store = ProgressStore(f"sqlite:///{tmp_path / 'progress.db'}")
    for emp in case["employees"].itertuples(index=False):
        if emp.employee_id in skip or pd.notna(emp.left_on):
            continue
        for module in prog.required_modules(emp.department):
            store.record_completion(emp.employee_id, module, 1.0)
    return store


def _compliant_ledger(case, *, due_ids):
    ledger = Ledger("sqlite://")
    ids = list(case["customers"]["customer_id"])
    ledger.append("notification", actor="E0001", subjects=ids, details={"kind": "transfer", "batch": "B1"})
    ledger.append("training", actor="E0018", details={"exercise": "solo-first-hour", "run": "r1", "event": "start"})
    ledger.append("change", actor="kitlib.compliance", details={"kind": "compliance_audit", "audit_day": "2026-06-01"})
    ledger.append("destruction", actor="E0014", subjects=due_ids, details={"operation": "delete_rows", "rows_destroyed": 5})
    ledger.append("destruction", actor="E0014", subjects=due_ids, details={"operation": "residue_verification",
                                                                         "residues": 0, "unscanned": 0})
    return ledger


def _due_ids(case):
    from kitlib.lifecycle.retention import plan_retention
    due = plan_retention(case, today=TODAY).due_for_deletion(TODAY)
    return sorted(set(due["customer_id"]) & set(case["customers"]["customer_id"]))


def test_audit_finds_exactly_the_seeded_defects_with_evidence(base, tmp_path, programme):
    case, clean, inv = base
    systems = clean["systems"].copy()
    systems.loc[systems["system_id"] == "S05", "encrypted_at_rest"] = False        # defect 1
    seeded = dataclasses.replace(clean, tables={**clean.tables, "systems": systems})
    ledger = _compliant_ledger(case, due_ids=_due_ids(case))                        # defect 2: no certificate
    share = ledger.append("share", actor="E0002", subjects=["CM00010001CB3P"],     # defect 3: no assessment before
                          details={"operation": "share", "recipient": "Partner"})
    late = Request("R-LATE", "access_copy", "CM0001000254VP", "2026-05-06")          # defect 4: answered late
    late.receive(ledger=ledger).refuse(["not_own_data"], on="2026-06-20", ledger=ledger)
    ok = Request("R-OK", "access_copy", "CM0001000347EV", "2026-05-06")
    ok.receive(ledger=ledger).refuse(["not_own_data"], on="2026-05-08", ledger=ledger)
    incident = ledger.append("incident", actor="E0013", details={"kind": "lost laptop"})  # defect 5: never notified
    store = _store(tmp_path, case, skip={"E0003"})                                   # defect 6: E0003 untrained

    report = audit(seeded, ledger=ledger, inventory=inv, store=store, today=TODAY, programme=programme,
                   policies={"emergency_plan": emergency_plan(case)})
    assert set(report.failed_checks()) == {"C05", "C07", "C09", "C11", "C12", "C15"}
    keys = {f.key for f in report.findings}
    assert keys == {"C05:4", f"C07:{share.seq}", "C09:R-LATE", "C11:财务部", "C12:S05", f"C15:{incident.seq}"}
    enc = next(f for f in report.findings if f.check == "C12")
    assert enc.severity == "high" and {e["system"] for e in enc.evidence} == {"S05"}
    assert "resident_id" in next(e for e in enc.evidence if e["table"] == "customers")["columns"]
    shared = next(f for f in report.findings if f.check == "C07")
    assert shared.evidence[0]["seq"] == share.seq and shared.evidence[0]["hash"] == share.hash
    assert shared.owner_en == load_raci().accountable("impact_assessment").name_en
    trained = next(f for f in report.findings if f.check == "C11")
    assert "E0003" in trained.evidence[0]["examples"] and "Art. 51" in trained.article
    assert report.measures["request_on_time_rate"] == 0.5
    assert report.measures["overdue_deletions"] == 0 and report.measures["residue_after_destruction"] == 0
    assert report.entry.type == "change" and report.entry.details["failed"] == report.failed_checks()
    frame = report.frame("zh-CN")
    assert list(frame["severity"])[:2] == ["高", "高"] and frame["action"].str.len().min() > 0
    assert "C12-1" in report.html() and "S05" in report.markdown("en")


def test_missing_records_and_encryption_of_the_case_as_generated(base):
    case, _, inv = base
    report = audit(case, inventory=inv, today=TODAY)
    failed = set(report.failed_checks())
    assert {"C01", "C12", "C08", "C14"} <= failed
    assert {f.key for f in report.findings if f.check == "C12"} == {"C12:S04", "C12:S05"}
    assert {f.key for f in report.findings if f.check == "C08"} == {"C08:S03", "C08:S04", "C08:S06", "C08:S07"}
    assert report.measures["overdue_deletions"] == len(
        __import__("kitlib.lifecycle.retention", fromlist=["x"]).plan_retention(case, today=TODAY)
        .due_for_deletion(TODAY).query("customer_id in @case['customers'].customer_id"))
    notes = " ".join(en for _, en in report.notes)
    assert "company policy" in notes and "10,000,000" in notes


def test_drafted_agreement_closes_the_processor_finding(base):
    from kitlib.sharing import Recipient, draft_agreement, load_purposes
    case, _, inv = base
    purpose = load_purposes()["helpdesk"]
    agreement = draft_agreement(purpose, Recipient("云客服有限公司 · Cloud Help Desk Ltd.", "dpo@example.com"),
                                handler=case.company["name_zh"], impact_assessment="PIA-2026-01",
                                assessed_on="2026-03-01", term_end="2027-03-31")
    before = audit(case, inventory=inv, today=TODAY, policies={"agreements": {"S03": {**agreement, "recipient": None}}})
    after = audit(case, inventory=inv, today=TODAY, policies={"agreements": {"S03": agreement}})
    assert "C08:S03" in {f.key for f in before.findings}
    assert "recipient" in next(f for f in before.findings if f.key == "C08:S03").found_en
    assert "C08:S03" not in {f.key for f in after.findings}


def test_bad_inputs_give_one_line_errors(base):
    case, _, inv = base
    with pytest.raises(ComplianceError, match="policies: unknown key 'retension'"):
        audit(case, inventory=inv, policies={"retension": None})
    with pytest.raises(ComplianceError, match="today"):
        audit(case, inventory=inv, today="soon")
    with pytest.raises(ComplianceError, match="S99"):
        audit(case, inventory=inv, policies={"agreements": {"S99": {}}})


def test_broken_retention_schedule_is_a_finding_naming_file_and_line(base, tmp_path):
    from kitlib.lifecycle.schedule import default_schedule_path
    case, _, inv = base
    bad = tmp_path / "retention.toml"
    bad.write_text(default_schedule_path().read_text(encoding="utf-8").replace("period = { years = 3 }",
                                                                                "period = { years = -3 }", 1), "utf-8")
    report = audit(case, inventory=inv, today=TODAY, policies={"retention": bad})
    finding = next(f for f in report.findings if f.check == "C03")
    assert finding.evidence[0]["file"] == "retention.toml" and finding.evidence[0]["line"] > 0


def test_exercise_and_csr_follow_the_records(base, tmp_path):
    case, clean, inv = base
    ledger = _compliant_ledger(case, due_ids=_due_ids(case))
    late = Request("R1", "access_copy", "CM0001000254VP", "2026-05-06")
    late.receive(ledger=ledger).refuse(["not_own_data"], on="2026-06-20", ledger=ledger)
    report = audit(clean, ledger=ledger, inventory=inv, today=TODAY)
    text = csr_section(report).markdown("en")
    assert "0 of 1 were answered" not in text and "of the 1 due, 0 were answered" in text
    assert "all on time" not in text and "all 300 customers have been told" in text
    ex = accountability_exercise(report)
    right = {k: load_raci().accountable(__import__("kitlib.compliance.checks", fromlist=["x"]).CHECKS[k].activity).id
             for k in ex.rows["key"]}
    assert ex.score(right, "en").correct
    assert not ex.score({k: "sales" for k in ex.rows["key"]}, "zh-CN").correct
