"""Module 12's question bank: sealed, bilingual, every option explained — and every answer is what
the capstone checker really says about the plan the question describes, on a generated case."""
from __future__ import annotations

import datetime as dt
import json
import re
from pathlib import Path

import pytest

from kitlib.capstone import case_facts, check_plan, flawed_plan, reference_plan
from kitlib.capstone.reference import method_fits
from kitlib.learn.bank import SEAL_PREFIX, bank_path, load_bank
from kitlib.synth import generate

ROOT = Path(__file__).resolve().parents[1]
BANK = load_bank("12")
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def dissolution():
    case = generate(customers=300, seed=3, scenario="dissolution")
    facts = case_facts(case)
    return case, facts, reference_plan(case, facts)


def findings(case, facts, plan, key=None):
    verdict = check_plan(plan, case, facts=facts)
    return verdict, [f for f in verdict.findings if key is None or (f.system_id, f.table) == key]


def test_bank_12_is_sealed_bilingual_explained_and_uses_at_least_four_kinds():
    raw = json.loads(bank_path("12").read_text("utf-8"))
    assert raw["module"] == "12" and all(q["answer"].startswith(SEAL_PREFIX) for q in raw["questions"])
    assert len(BANK) == 8 and len({q.kind for q in BANK}) >= 4
    for q in BANK:
        assert HAN.search(q.text("zh-CN")) and not HAN.search(q.text("en")), q.id
        assert re.search(r"Arts?\. \d+|[Pp]olicy|\(S\)|NIST", q.reference), q.id
        assert q.check(q.answer, "en").correct, q.id
        for entry in q.options:
            assert HAN.search(entry.explain["zh-CN"]) and entry.explain["en"].strip(), (q.id, entry.id)
            assert not HAN.search(entry.label("en")) and not HAN.search(entry.explain["en"]), (q.id, entry.id)


def test_forgotten_nas_backup_is_one_missing_backup_error_per_table(dissolution):
    case, facts, ref = dissolution
    s05 = [h for h in facts.holdings if h.system_id == "S05"]
    assert {h.table for h in s05} == {"customers", "consents", "accounts", "orders"}      # as the prompt says
    assert not any(h.encrypted for h in s05)
    verdict, found = findings(case, facts, ref.without(*[h.key for h in s05]))
    assert not verdict.accepted
    assert sorted((f.severity, f.code, f.table, f.article) for f in found) == sorted(
        ("error", "missing_backup", h.table, "PIPL Arts. 4, 47") for h in s05)
    q = BANK.question("nas-backup-forgotten")
    assert q.option(q.answer).label("en").startswith("Four errors (missing_backup)")


def test_orders_are_kept_to_the_answer_year_and_ten_years_is_rejected(dissolution):
    case, facts, ref = dissolution
    q = BANK.question("orders-until")
    row = ref.row("S02", "orders")
    assert (row.action, row.basis, row.custodian) == ("retain", "accounting_vouchers", "archives")
    assert row.until == dt.date(int(q.answer), 12, 31)
    team = ref.replace("S02", "orders", until=dt.date(2036, 12, 31), basis="tax_records")
    verdict, found = findings(case, facts, team, ("S02", "orders"))
    assert not verdict.accepted and ("error", "kept_too_short") in {(f.severity, f.code) for f in found}
    assert "tax" in q.check(2036, "en").feedback[0].text


def test_transfer_of_every_column_draws_exactly_the_findings_the_answer_names(dissolution):
    case, facts, _ = dissolution
    verdict, found = findings(case, facts, flawed_plan(case, "sensitive_without_consent", facts))
    seen = {(f.severity, f.code) for f in found}
    by_option = {"id-numbers": ("error", "sensitive_no_route"), "card-condition": ("error", "sensitive_without_consent"),
                 "beyond-purpose": ("warning", "beyond_purpose")}
    q = BANK.question("successor-all-columns")
    assert set(q.answer) == {o for o, finding in by_option.items() if finding in seen}
    assert seen == set(by_option.values())          # nothing about everyone's consent or the regulator
    assert {f.given for f in found if f.code == "sensitive_no_route"} == {"resident_id", "passport_no"}
    assert not verdict.accepted                     # so "nothing" is wrong too


def test_each_copy_matches_the_only_listed_method_that_fits_its_medium(dissolution):
    _, facts, ref = dissolution
    q = BANK.question("method-fits-medium")
    keys = {"s05": ("S05", "customers"), "s06": ("S06", "customers"), "s03": ("S03", "tickets"),
            "s07": ("S07", "customers"), "p04": ("P04", "customers")}
    assert facts.holding(keys["s06"]).encrypted and not facts.holding(keys["s05"]).encrypted
    for left, key in keys.items():
        h = facts.holding(key)
        fitting = {c.id for c in q.choices if method_fits(c.id, h)}
        assert fitting == {q.answer[left]}, left
        assert ref.row(*key).method == q.answer[left], left


def test_an_empty_notify_is_rejected_and_the_checker_expects_the_answer(dissolution):
    case, facts, ref = dissolution
    q = BANK.question("notify-whom")
    keys = {"transfer": ("S01", "customers"), "processor": ("S03", "tickets"), "archives": ("S02", "accounts"),
            "abroad": ("S07", "customers"), "log": ("S01", "access_log")}
    for left, key in keys.items():
        verdict, found = findings(case, facts, ref.replace(*key, notify=()), key)
        errors = [f for f in found if f.severity == "error" and f.field == "notify"]
        assert not verdict.accepted and {f.expected for f in errors} == {q.answer[left]}, left
    _, found = findings(case, facts, ref.replace("S01", "customers", notify=("customers",)), ("S01", "customers"))
    assert [(f.severity, f.code) for f in found] == [("warning", "notify_successor")]


def test_relocation_without_any_notice_is_rejected_under_art_17():
    case = generate(customers=300, seed=3, scenario="relocation")
    facts = case_facts(case)
    ref = reference_plan(case, facts)
    assert check_plan(ref, case, facts=facts).accepted
    silent = ref
    for row in ref.rows:
        if row.notify:
            silent = silent.replace(row.system_id, row.table, notify=())
    verdict, found = findings(case, facts, silent)
    errors = [(f.code, f.article) for f in found if f.severity == "error"]
    assert errors == [("notify_customers_relocation", "PIPL Art. 17")]
    q = BANK.question("relocation-notice")
    assert "Art. 17" in q.option(q.answer).label("en")
    _, found = findings(case, facts, ref.replace("S01", "customers", action="transfer", recipient="successor"))
    assert "transfer_without_successor" in {f.code for f in found}       # the Art. 22 option's explanation


def test_the_changes_the_answer_names_are_exactly_the_rejected_ones(dissolution):
    case, facts, ref = dissolution
    changes = {
        "late": ref.replace("S05", "customers", by=facts.deregistration + dt.timedelta(days=30)),
        "shareholder": ref.replace("S07", "customers", notify=()),
        "company-keeps": ref.replace("P03", "orders", custodian="company", notify=()),
        "regulator": ref.replace("S01", "customers", notify=("customers", "successor", "regulator")),
        "consents-longer": ref.replace("S01", "consents", until=dt.date(2030, 12, 31)),
        "tapes-destroyed": ref.replace("S06", "customers", method="media_destruction"),
    }
    assert facts.tables["consents"].required_until < dt.date(2030, 12, 31)
    rejected = {name for name, plan in changes.items() if not check_plan(plan, case, facts=facts).accepted}
    assert rejected == set(BANK.question("which-rejected").answer)


def test_timeline_order_follows_the_reference_plans_dates(dissolution):
    _, facts, ref = dissolution
    rows = {r.key: r for r in ref.rows}
    purpose = [r.by for k, r in rows.items() if facts.tables[k[1]].duty == "none" and k[1] != "employees"]
    kept = [r.by for k, r in rows.items() if facts.tables[k[1]].duty != "none"]
    dates = {"service-ends": facts.service_end, "customers-out": max(purpose), "handover": max(kept),
             "deregistered": facts.deregistration, "log-ends": rows[("S01", "access_log")].until,
             "vouchers-end": rows[("S02", "orders")].until}
    answer = BANK.question("dissolution-timeline").answer
    assert [dates[i] for i in answer] == sorted(dates.values())
    assert dates["customers-out"] == facts.service_end + dt.timedelta(days=30)
    assert dates["handover"] <= dates["deregistered"] < dates["log-ends"] < dates["vouchers-end"]


def test_timeline_prompt_states_the_notebooks_case_dates():
    cells = json.loads((ROOT / "notebooks" / "12_capstone.ipynb").read_text("utf-8"))["cells"]
    source = "".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")
    seed = int(re.search(r"SEED = (\d+)", source).group(1))
    customers = int(re.search(r"generate\(customers=(\d+), seed=SEED", source).group(1))
    facts = case_facts(generate(customers=customers, seed=seed, scenario="dissolution"))
    prompt = BANK.question("dissolution-timeline").text("en")
    assert facts.service_end.isoformat() in prompt and facts.deregistration.isoformat() in prompt
    assert f"{facts.retention.schedule.settings.grace_days} days" in prompt
