"""Drill evidence made from the synthetic case: deterministic per seed, its truth computed from the
data (the watermark, the export audit, the archives, the retention plan) and its checkers."""
from __future__ import annotations

import math

import pandas as pd
import pytest

from kitlib.drills.evidence import (CHECKERS, CheckResult, EvidenceError, check_scope, grade_incident,
                                    make_evidence, reporting_duty)
from kitlib.ledger import Ledger
from kitlib.lifecycle import plan_retention, read_archive
from kitlib.synth import check_ids, generate


@pytest.fixture(scope="module")
def small():
    return generate(customers=300, seed=3)


@pytest.fixture(scope="module")
def crm(small, tmp_path_factory):
    return make_evidence("crm_export", small, 7, tmp_path_factory.mktemp("crm"))


@pytest.fixture(scope="module")
def ransom(small, tmp_path_factory):
    return make_evidence("backup_ransomware", small, 7, tmp_path_factory.mktemp("ransom"))


@pytest.fixture(scope="module")
def paper(small, tmp_path_factory):
    return make_evidence("paper_found", small, 7, tmp_path_factory.mktemp("paper"))


def _bytes(evidence, names):
    return {n: evidence.artefact(n).read_bytes() for n in names}


CSV = {"crm_export": ["access_log", "crm_export_jobs", "crm_export_audit", "leaked_sample"],
       "paper_found": ["found_documents"], "backup_ransomware": ["migration_batches"]}


@pytest.mark.parametrize("kind", sorted(CSV))
def test_same_seed_gives_the_same_truth_and_files(small, tmp_path, kind):
    a = make_evidence(kind, small, 5, tmp_path / "a")
    b = make_evidence(kind, small, 5, tmp_path / "b")
    assert a.truth == b.truth and a.facts == b.facts
    assert _bytes(a, CSV[kind]) == _bytes(b, CSV[kind])


@pytest.mark.parametrize("kind", sorted(CSV))
def test_different_seeds_give_different_evidence(small, tmp_path, kind):
    a = make_evidence(kind, small, 1, tmp_path / "a")
    b = make_evidence(kind, small, 2, tmp_path / "b")
    names = CSV[kind] + (["backup_key"] if kind == "backup_ransomware" else [])
    assert _bytes(a, names) != _bytes(b, names)
    if kind != "backup_ransomware":
        assert a.truth.customer_ids != b.truth.customer_ids


def test_the_watermark_separates_leaked_customers_from_fake_rows(crm, small):
    sample = pd.read_csv(crm.artefact("leaked_sample"), dtype=str)
    ids = sample.iloc[:, 0]
    report = check_ids(ids)
    assert report.passed == crm.facts["sample_real_rows"] and report.checked - report.passed == crm.facts["sample_fake_rows"]
    real = [i for i in ids if check_ids([i]).passed]
    fake = [i for i in ids if not check_ids([i]).passed]
    assert set(real) <= set(crm.truth.customer_ids)
    assert not set(fake) & set(small["customers"]["customer_id"])
    # The team matches the sample back: the only export whose audit holds every real row is the leak.
    audit = pd.read_csv(crm.artefact("crm_export_audit"), dtype=str)
    holding = [log_id for log_id, g in audit.groupby("log_id") if set(real) <= set(g["customer_id"])]
    assert holding == [crm.facts["export_log_id"]]
    exported = audit.loc[audit["log_id"] == holding[0], "customer_id"]
    assert sorted(exported) == list(crm.truth.customer_ids)


def test_the_leaked_sample_is_reformatted(crm, small):
    sample = pd.read_csv(crm.artefact("leaked_sample"), dtype=str)
    assert not set(sample.columns) & set(small["customers"].columns)       # renamed
    assert sample.apply(lambda c: c.str.contains(r"\*\*\*\*", na=False)).any().any()   # masked


def test_the_export_hides_among_normal_exports_in_the_access_log(crm, small):
    log = pd.read_csv(crm.artefact("access_log"), dtype={"rows": int})
    original = small["access_log"]
    assert set(original["log_id"]) < set(log["log_id"]) and len(log) == len(original) + len(
        log[~log["log_id"].isin(original["log_id"])])
    export = log.set_index("log_id").loc[crm.facts["export_log_id"]]
    assert export["action"] == "export" and export["rows"] == len(crm.truth.customer_ids)
    who = crm.facts["employee_id"]
    normal = original[(original["employee_id"] == who) & (original["action"] == "export")]
    role = small["employees"].set_index("employee_id").at[who, "role"]
    assert role == "市场专员" and len(normal) > 0          # a role that exports every week
    assert log["ts"].is_monotonic_increasing


@pytest.mark.parametrize("segment, category", [(0, "identity_document"), (1, "financial_account")])
def test_categories_and_sensitivity_come_from_the_exported_columns(small, tmp_path, segment, category):
    ev = make_evidence("crm_export", small, 3, tmp_path, params={"segment": segment})
    assert category in ev.truth.categories and category in ev.truth.sensitive_categories and ev.truth.sensitive
    assert {"identity", "contact", "identifier"} <= set(ev.truth.categories)


def test_minors_in_the_export_are_found_with_their_guardians(small, tmp_path):
    ev = make_evidence("crm_export", small, 3, tmp_path, params={"segment": 2})
    customers = small["customers"].set_index("customer_id")
    minors = [c for c in ev.truth.customer_ids if customers.at[c, "is_minor"]]
    assert minors and list(ev.truth.minor_ids) == minors and ev.truth.minors and "minor" in ev.truth.categories
    assert ev.truth.guardians == customers.loc[minors, "guardian_name"].notna().sum()
    assert ev.truth.people == len(ev.truth.customer_ids) + ev.truth.guardians


@pytest.mark.parametrize("people, grade", [(0, "general"), (999_999, "general"), (1_000_000, "relatively_major"),
                                           (9_999_999, "relatively_major"), (10_000_000, "major"),
                                           (99_999_999, "major"), (100_000_000, "particularly_major")])
def test_the_grade_follows_the_2025_thresholds(people, grade):
    assert grade_incident(people) == grade


def test_reporting_duty_by_grade_and_operator():
    assert reporting_duty("general").hours is None and not reporting_duty("general").must_report
    assert reporting_duty("relatively_major").hours == 4
    assert "省级网信部门" in reporting_duty("major").to["zh-CN"]
    assert reporting_duty("major", "cii").hours == 1 and reporting_duty("major", "state_body").hours == 2
    with pytest.raises(EvidenceError, match="operator"):
        reporting_duty("major", "bank")


def test_a_large_variant_crosses_the_reporting_threshold(small, tmp_path, crm):
    people = crm.truth.people
    below = make_evidence("crm_export", small, 7, tmp_path / "b", params={"people_factor": (999_999) // people})
    above = make_evidence("crm_export", small, 7, tmp_path / "a",
                          params={"people_factor": math.ceil(1_000_000 / people)})
    assert below.truth.grade == "general" and below.truth.report_by is None
    assert above.truth.grade == "relatively_major" and above.truth.must_report and above.truth.report_hours == 4
    assert pd.Timestamp(above.truth.report_by) - pd.Timestamp(above.truth.discovered_at) == pd.Timedelta(hours=4)
    assert CHECKERS["report_deadline"](4, above).correct and CHECKERS["report_deadline"]("4小时", above).correct
    assert CHECKERS["report_deadline"](above.truth.report_by, above).correct
    assert not CHECKERS["report_deadline"]("none", above).correct
    assert CHECKERS["report_deadline"]("none", below).correct and not CHECKERS["report_deadline"](4, below).correct
    assert CHECKERS["incident_grade"]("较大", above).correct and not CHECKERS["incident_grade"]("重大", above).correct


def test_customer_checker_marks_right_partial_and_wrong(crm):
    ids = list(crm.truth.customer_ids)
    right = CHECKERS["exposed_customers"](ids, crm)
    assert right.correct and right.share == 1.0
    half = ids[: len(ids) // 2] + ["CM00000000AAAA", "CM00000001BBBB"]
    partial = CHECKERS["exposed_customers"](", ".join(half), crm)
    assert not partial.correct and 0 < partial.share < 1
    assert len(partial.details["missed"]) == len(ids) - len(ids) // 2 and len(partial.details["extra"]) == 2
    assert partial.details["recall"] == pytest.approx((len(ids) // 2) / len(ids))
    assert "missed" in partial.explanation["en"] and "漏掉" in partial.explanation["zh-CN"]
    wrong = CHECKERS["exposed_customers"]([], crm)
    assert not wrong.correct and wrong.share == 0.0
    correct, share, explanation = right                     # unpacks as the engine expects
    assert correct and share == 1.0 and set(explanation) == {"zh-CN", "en"}


def test_yes_no_category_and_count_checkers(crm):
    t = crm.truth
    assert CHECKERS["sensitive_involved"]("是" if t.sensitive else "否", crm).correct
    assert not CHECKERS["sensitive_involved"](not t.sensitive, crm).correct
    assert CHECKERS["minors_involved"](t.minors, crm).correct
    assert CHECKERS["people_count"](f"{t.people:,}", crm).correct
    near = CHECKERS["people_count"](t.people + 1, crm)
    assert not near.correct and 0 < near.share < 1
    from kitlib.learn.labelling import CATEGORIES
    labels = [CATEGORIES[c][0] for c in t.categories]            # Chinese labels are understood
    assert CHECKERS["exposed_categories"](labels, crm).correct
    partial = CHECKERS["exposed_categories"](list(t.categories)[1:] + ["health"], crm)
    assert not partial.correct and 0 < partial.share < 1 and "health" in partial.details["extra"]


def test_check_scope_marks_a_whole_answer(crm):
    t = crm.truth
    marks = check_scope({"exposed_customers": t.customer_ids, "minors_involved": "no" if t.minors else "yes",
                         "incident_grade": "general", "report_deadline": None}, crm.truth)
    assert marks["exposed_customers"].correct and not marks["minors_involved"].correct
    assert marks["incident_grade"].correct and marks["report_deadline"].correct
    assert all(isinstance(m, CheckResult) for m in marks.values())


@pytest.mark.parametrize("answer, field", [({"leaked": 1}, "answer.leaked"), ({"minors_involved": "maybe"}, "minors_involved"),
                                           ({"incident_grade": "huge"}, "incident_grade"),
                                           ({"exposed_categories": ["gossip"]}, "exposed_categories"),
                                           ({"people_count": "many"}, "people_count"),
                                           ({"report_deadline": "soon-ish"}, "report_deadline"),
                                           ({"exposed_customers": 5}, "exposed_customers")])
def test_unreadable_answers_give_one_line_errors(crm, answer, field):
    with pytest.raises(EvidenceError, match=field) as info:
        check_scope(answer, crm)
    assert "\n" not in str(info.value)


def test_ransomware_truth_follows_the_batches_and_archives(ransom, small):
    batches = pd.read_csv(ransom.artefact("migration_batches"), dtype=str, keep_default_na=False)
    on_server = batches[batches["status"] != "transferred"]
    assert list(ransom.truth.archives) == list(on_server["archive"])
    key = bytes.fromhex(ransom.artefact("backup_key").read_text().strip())
    inside = set()
    for archive in on_server["archive"]:
        _, members = read_archive(ransom.artefact("offsite") / archive, key)
        inside |= set(pd.read_csv(pd.io.common.BytesIO(members["customers.csv"]), dtype=str)["customer_id"])
    assert set(ransom.truth.affected_customer_ids) == inside
    staged = batches.loc[batches["status"] == "in_progress"].iloc[0]
    ids = small["customers"]["customer_id"]
    assert set(ransom.truth.customer_ids) == set(ids[(ids >= staged["first_customer_id"]) & (ids <= staged["last_customer_id"])])
    server = ransom.artefact("server")
    files = [p for p in server.rglob("*") if p.is_file()]
    assert all(p.name.endswith(".locked") for p in files if p.name != "README_RESTORE_FILES.txt")
    inventory = pd.read_csv(ransom.artefact("server_inventory"))
    assert sorted(p.relative_to(server).as_posix() for p in files if p.name.endswith(".locked")) == \
        sorted(inventory["path"] + ".locked")
    assert CHECKERS["affected_archives"]([a + ".locked" for a in ransom.truth.archives], ransom).correct
    assert ransom.truth.notify_individuals


def test_a_key_left_on_the_server_exposes_every_archive(small, tmp_path):
    ev = make_evidence("backup_ransomware", small, 7, tmp_path, params={"key_on_server": True})
    assert ev.truth.customer_ids == ev.truth.affected_customer_ids
    assert "transaction" in ev.truth.categories          # orders inside the archives are readable too
    assert any(p.name == "backup.key.locked" for p in ev.artefact("server").rglob("*"))


def test_paper_documents_map_to_customers_and_the_retention_plan(paper, small):
    found = pd.read_csv(paper.artefact("found_documents"), dtype=str)
    accounts, consents = small["accounts"], small["consents"]
    contracts = found.merge(accounts, left_on="reference", right_on="contract_no")
    forms = found.merge(consents, left_on="reference", right_on="consent_id")
    ours = len(contracts) + len(forms)
    assert ours == paper.facts["documents"] and len(found) - ours == paper.facts["foreign_documents"]
    assert set(paper.truth.customer_ids) == set(contracts["customer_id"]) | set(forms["customer_id"])
    day = pd.Timestamp(paper.truth.discovered_at).normalize()
    records = plan_retention(small, today=day).records.set_index(["table", "row_id"])
    due = set()
    for table, key, ref in [("accounts", r.account_id, r.reference) for r in contracts.itertuples()] + \
            [("consents", r.consent_id, r.reference) for r in forms.itertuples()]:
        r = records.loc[(table, key)]
        if r["action"] == "delete_by" and pd.notna(r["delete_on"]) and r["delete_on"] <= pd.Timestamp(paper.truth.discovered_at):
            due.add(ref)
    assert set(paper.truth.overdue_documents) == due
    assert CHECKERS["overdue_documents"](sorted(due), paper).correct
    if paper.truth.overdue_documents:
        assert not CHECKERS["overdue_documents"]([], paper).correct


def test_making_evidence_records_one_training_entry(small, tmp_path):
    ledger = Ledger("sqlite://")
    ev = make_evidence("paper_found", small, 2, tmp_path, ledger=ledger)
    entries = ledger.entries()
    assert len(entries) == 1
    entry = entries[0]
    assert entry.type == "training" and len(entry.subjects) == len(ev.truth.customer_ids)
    assert not any(c in str(entry.details) or c in entry.subjects for c in ev.truth.customer_ids)


@pytest.mark.parametrize("kwargs, field", [({"kind": "flood"}, "kind"), ({"seed": -1}, "seed"),
                                           ({"params": {"colour": 1}}, "params.colour"),
                                           ({"params": {"people_factor": 0}}, "params.people_factor"),
                                           ({"params": {"sample_share": 2}}, "params.sample_share")])
def test_bad_requests_give_one_line_errors(small, tmp_path, kwargs, field):
    args = {"kind": "crm_export", "seed": 1, **kwargs}
    with pytest.raises(EvidenceError, match=field.replace(".", r"\.")) as info:
        make_evidence(args.pop("kind"), small, args.pop("seed"), tmp_path, **args)
    assert "\n" not in str(info.value)
