"""RACI, training records, indicators with a PDCA turn, and the awareness campaign."""
import datetime as dt

import chinese_calendar
import pytest

from kitlib.classify import inventory
from kitlib.compliance import (ImprovementLoop, RaciError, audit, indicators, load_raci, plan_campaign,
                               training_records)
from kitlib.compliance.raci import default_raci_path
from kitlib.learn.store import ProgressStore
from kitlib.ledger import Ledger
from kitlib.synth import generate


@pytest.fixture(scope="module")
def case():
    return generate(customers=300, seed=3, scenario="dissolution")


def test_raci_answers_who_is_accountable_and_what_a_department_does():
    raci = load_raci()
    assert raci.accountable("incident_response").id == "management"
    assert [r.id for r in raci.responsible("requests")] == ["customer_service"]
    hr = raci.duties("hr", "R")
    assert set(hr["activity"]) == {"training", "awareness"}
    frame = raci.frame("zh-CN")
    assert (frame == "A").sum(axis=1).eq(1).all() and (frame == "R").sum(axis=1).ge(1).all()
    assert "| 合规审计 |" in raci.markdown("zh-CN")


@pytest.mark.parametrize("change, message", [
    (('basis = "PIPL Art. 54"\nlegal = "R"', 'basis = "PIPL Art. 54"\nlegal = "A"'), r"raci\.toml:\d+: activity\[audits\]\.\w+: 2 roles are accountable"),
    (('name_en = "Staff training and training records"\nbasis = "PIPL Art. 51"\nlegal = "C"\nofficer = "A"\nhr = "R"',
      'name_en = "Staff training and training records"\nbasis = "PIPL Art. 51"\nlegal = "C"\nofficer = "A"\nhr = "C"'),
     r"raci\.toml:\d+: activity\[training\]\.R: no role is responsible"),
    (('officer = "A"\nit = "R"\nlegal = "I"', 'officer = "A"\nit = "X"\nlegal = "I"'), r"raci\.toml:\d+: activity\[encryption\]\.it: 'X' is not one of"),
    (('sales = "C"\ncustomer_service = "C"\nfinance = "C"', 'sales = "C"\nmarketing = "C"\nfinance = "C"'),
     r"raci\.toml:\d+: activity\[inventory\]\.marketing: unknown role"),
])
def test_bad_raci_file_names_file_line_and_field(tmp_path, change, message):
    text = default_raci_path().read_text(encoding="utf-8")
    assert change[0] in text
    path = tmp_path / "raci.toml"
    path.write_text(text.replace(change[0], change[1], 1), encoding="utf-8")
    with pytest.raises(RaciError, match=message) as info:
        load_raci(path)
    line = int(str(info.value).split(":")[1])
    assert path.read_text("utf-8").splitlines()[line - 1].strip()


def test_training_coverage_per_department_from_a_temporary_store(case, tmp_path):
    store = ProgressStore(f"sqlite:///{tmp_path / 'p.db'}")
    for module in ("00", "10", "06", "07"):
        store.record_completion("E0001", module, 1.0)         # customer service: complete
    for module in ("00", "10"):
        store.record_completion("james", module, 1.0)         # sales, mapped: misses 05
    store.record_completion("visitor", "00")
    today = dt.date.today()
    records = training_records(case["employees"], store, today=today, learners={"james": "E0002"})
    row = records.by_employee.set_index("employee_id")
    assert row.loc["E0001", "status"] == "current" and row.loc["E0002", "missing"] == "05"
    assert "E0005" not in row.index                            # left the company in 2019
    dept = records.by_department.set_index("department")
    assert dept.loc["客户服务部", "coverage"] == 1.0 and dept.loc["销售部", "overdue"] == 1
    assert records.unmatched == ("visitor",)
    assert records.coverage == round(1 / len(records.by_employee), 4)
    later = training_records(case["employees"], store, today=today + dt.timedelta(days=400))
    assert later.by_employee.set_index("employee_id").loc["E0001", "status"] == "overdue"   # the cycle expired


def test_pdca_turn_moves_the_indicator_and_closes_only_the_fixed_finding(case, tmp_path):
    from kitlib.reports.letters import generate_letters
    ledger = Ledger("sqlite://")
    report = audit(case, ledger=ledger, inventory=inventory(case, lang="en"), today="2026-07-01")
    ind = indicators(report).set_index("indicator")
    assert ind.loc["customers_notified_rate", "value"] == 0.0 and ind.loc["customers_notified_rate", "met"] == False  # noqa: E712
    loop = ImprovementLoop.plan(case, report)
    action = loop.action_for("C10")
    row = loop.actions.set_index("action").loc[action]
    assert row["owner_en"] == load_raci().accountable("customer_notices").name_en
    assert chinese_calendar.is_workday(row["due_on"])
    generate_letters(case, None, "transfer", tmp_path, ledger=ledger, ledger_entries="batch", date="2026-06-20",
                     details={"successor_contact": {"phone": "021-55550000", "email": "dpo@example.com",
                                                    "address": "上海市浦东新区"}})
    loop.do(action, on="2026-07-02", actor="E0018", note="transfer letters sent")
    loop.check()
    compared = loop.compare().set_index("indicator")
    assert compared.loc["customers_notified_rate", "before"] == 0.0
    assert compared.loc["customers_notified_rate", "after"] == 1.0
    assert compared.loc["findings_open", "change"] < 0
    decisions = loop.act(on="2026-07-03").set_index("action")
    assert decisions.loc[action, "decision"] == "closed"
    other = loop.action_for("C12")
    assert decisions.loc[other, "decision"] == "re-planned" and decisions.loc[other, "due_on"] > dt.date(2026, 7, 3)
    assert [e.details["kind"] for e in ledger.entries("change")] == ["compliance_audit", "improvement_action",
                                                                      "compliance_audit"]


def test_campaign_covers_every_department_and_the_six_points_on_working_days(case, tmp_path):
    campaign = plan_campaign(case["employees"], "2026-09-21")
    frame = campaign.frame
    assert all(campaign.covered().values())
    assert campaign.kinds() == {"training", "publicity", "case_sharing", "interaction", "rewards", "attention"}
    assert all(chinese_calendar.is_workday(d) for d in frame["date"])
    assert dt.date(2026, 10, 8) in set(frame["date"])                 # the week of National Day starts on the 8th
    foreign = case["employees"].query("nationality == '外籍' and left_on != left_on")["department"]
    for dept in set(foreign):
        assert "en" in frame.loc[frame["audience"] == dept, "languages"].iloc[0]
    text = campaign.markdown()
    assert "意识提升活动计划" in text and "awareness campaign" in text
    assert campaign.write(tmp_path / "campaign.html").read_text("utf-8").startswith("<!DOCTYPE html>")
