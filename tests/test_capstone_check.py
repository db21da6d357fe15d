"""The capstone checker: the reference plan is accepted in both scenarios; the three classic
mistakes are rejected with the named finding and article in both languages; each rule fires."""
from __future__ import annotations

import datetime as dt

import pytest

from kitlib.capstone import case_facts, check_plan, flawed_plan, reference_plan
from kitlib.ledger import Ledger
from kitlib.synth import generate


@pytest.fixture(scope="module")
def dissolution():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def relocation():
    return generate(customers=300, seed=3, scenario="relocation")


@pytest.fixture(scope="module")
def dfacts(dissolution):
    return case_facts(dissolution)


@pytest.fixture(scope="module")
def rfacts(relocation):
    return case_facts(relocation)


@pytest.fixture(scope="module")
def ref(dissolution, dfacts):
    return reference_plan(dissolution, dfacts)


@pytest.fixture(scope="module")
def check(dissolution, relocation, dfacts, rfacts):
    """check_plan with the case's facts computed once."""
    def run(plan, case, **kw):
        return check_plan(plan, case, facts=dfacts if case is dissolution else rfacts, **kw)
    return run


def errors(verdict, code):
    return [f for f in verdict.errors if f.code == code]


@pytest.mark.parametrize("scenario", ["dissolution", "relocation"])
def test_reference_plan_is_accepted_with_no_finding_in_both_scenarios(scenario, dissolution, relocation, check, dfacts, rfacts):
    case = dissolution if scenario == "dissolution" else relocation
    verdict = check(reference_plan(case, dfacts if case is dissolution else rfacts), case)
    assert verdict.accepted and verdict.findings == [] and verdict.score == 1.0


def test_reference_plan_covers_every_holding_and_explains_each_row_in_both_languages(dissolution, ref):
    held = set(zip(dissolution["system_tables"]["system_id"], dissolution["system_tables"]["table_name"]))
    assert {r.key for r in ref.rows} == held
    for key, (zh, en) in ref.why.items():
        assert "第" in zh and "Art" in en, key


def test_dissolution_reference_hands_accounting_to_archives_and_transfers_customers_with_consent_condition(dissolution, ref, dfacts):
    facts = dfacts
    orders = ref.row("S02", "orders")
    assert (orders.action, orders.custodian, orders.basis) == ("retain", "archives", "accounting_vouchers")
    assert orders.until == facts.tables["orders"].required_until and orders.by == facts.deregistration
    customers = ref.row("S01", "customers")
    assert customers.action == "transfer" and customers.condition == "separate_consent"
    assert "resident_id" not in customers.columns and {"customers", "successor"} <= set(customers.notify)
    assert ref.row("S03", "tickets").notify == ("processor",)
    assert ref.row("S05", "customers").method == "delete_from_backup"          # NAS is not encrypted
    assert ref.row("S06", "customers").method == "crypto_shred"                # tapes are


def test_relocation_reference_migrates_the_old_site_and_tells_customers(relocation, rfacts):
    plan = reference_plan(relocation, rfacts)
    assert plan.row("S01", "customers").action == "migrate" and "customers" in plan.row("S01", "customers").notify
    assert plan.row("S07", "customers").action == "retain"                       # abroad, not at the old site
    assert plan.row("S07", "customers").condition == "separate_consent"


def test_accounting_destroyed_early_is_rejected_naming_the_measures_and_date(dissolution, check, dfacts):
    verdict = check(flawed_plan(dissolution, "accounting_destroyed_early", dfacts), dissolution)
    assert not verdict.accepted
    found = errors(verdict, "destroyed_too_early")
    assert {(f.system_id, f.table) for f in found} == {("S02", "accounts"), ("S02", "orders"), ("P01", "accounts"),
                                                       ("P03", "orders")}
    orders = next(f for f in found if (f.system_id, f.table) == ("S02", "orders"))
    assert "Accounting Archives Measures" in orders.article
    assert "Accounting Archives Measures" in orders.explanation_en and "30 years" in orders.explanation_en
    assert "《会计档案管理办法》" in orders.explanation_zh and "30年" in orders.explanation_zh
    assert "Tax Collection Administration Implementing Rules Art. 29" in orders.explanation_en   # invoices: 10 years
    assert orders.expected == "2056-12-31"


def test_sensitive_transfer_without_consent_is_rejected_with_article_29_in_both_languages(dissolution, check, dfacts):
    verdict = check(flawed_plan(dissolution, "sensitive_without_consent", dfacts), dissolution)
    assert not verdict.accepted
    no_route = {f.given for f in errors(verdict, "sensitive_no_route")}
    assert {"resident_id", "passport_no"} <= no_route
    card = next(f for f in errors(verdict, "sensitive_without_consent") if "bank_card" in f.explanation_en)
    assert card.article == "PIPL Art. 29"
    assert "Art. 29" in card.explanation_en and "第29条" in card.explanation_zh
    assert "separate consent" in card.explanation_en and "单独同意" in card.explanation_zh


def test_backups_forgotten_is_rejected_for_each_backup_naming_article_47(dissolution, check, dfacts):
    verdict = check(flawed_plan(dissolution, "backups_forgotten", dfacts), dissolution)
    assert not verdict.accepted
    missing = errors(verdict, "missing_backup")
    backups = dissolution["system_tables"].query("copy_kind == 'backup'")
    assert {(f.system_id, f.table) for f in missing} == set(zip(backups["system_id"], backups["table_name"]))
    assert all("Art. 47" in f.explanation_en and "第47条" in f.explanation_zh for f in missing)


def test_missing_paper_and_copy_are_named_as_such(ref, dissolution, check):
    verdict = check(ref.without(("P04", "customers"), ("S04", "tickets")), dissolution)
    assert {f.code for f in verdict.errors} == {"missing_paper", "missing_copy"}


def test_tax_only_shortfall_and_retention_too_short_is_an_error(ref, dissolution, check):
    plan = ref.replace("S02", "orders", until=dt.date(2036, 12, 31))
    verdict = check(plan, dissolution)
    assert [f.code for f in verdict.errors] == ["kept_too_short"]


def test_consent_evidence_shortfall_is_only_a_warning_worded_as_company_policy(ref, dissolution, check):
    plan = ref.replace("S01", "consents", until=dt.date(2027, 1, 1))
    verdict = check(plan, dissolution)
    assert verdict.accepted
    short = [f for f in verdict.warnings if f.code == "kept_too_short"]
    assert short and "company policy" in short[0].explanation_en and "公司政策" in short[0].explanation_zh


def test_retaining_customer_data_past_the_service_end_is_rejected(ref, dissolution, check):
    plan = ref.replace("S01", "customers", action="retain", until=dt.date(2030, 1, 1), basis="purpose_ends",
                       custodian="archives", recipient="", columns=(), condition="", method="", notify=("archives",))
    verdict = check(plan, dissolution)
    found = errors(verdict, "retained_without_basis")
    assert found and "Arts. 19, 47" in found[0].article


def test_wrong_basis_and_company_keeping_after_deregistration_are_rejected(ref, dissolution, check):
    plan = ref.replace("S01", "access_log", basis="accounting_vouchers", custodian="company", notify=())
    codes = check(plan, dissolution).codes("error")
    assert {"wrong_basis", "company_ceases"} <= codes


def test_destroy_after_the_deadline_is_rejected(ref, dissolution, check, dfacts):
    facts = dfacts
    late = facts.deregistration + dt.timedelta(days=10)
    verdict = check(ref.replace("S05", "orders", by=late), dissolution)
    assert [f.code for f in verdict.errors] == ["too_late"]
    assert verdict.errors[0].expected == facts.deregistration.isoformat()


@pytest.mark.parametrize("key,method", [(("P04", "customers"), "delete_rows"), (("S05", "customers"), "crypto_shred"),
                                        (("S03", "tickets"), "delete_rows"), (("S02", "orders"), "cross_cut_shredding"),
                                        (("S06", "orders"), "delete_from_backup")])
def test_a_method_that_does_not_fit_the_medium_is_rejected(ref, dissolution, key, method, check):
    row = ref.row(*key)
    plan = ref.replace(*key, action="destroy", until=None, basis="", custodian="", method=method,
                       by=row.by, notify=row.notify if row.action == "destroy" else ())
    assert "method_unfit" in check(plan, dissolution).codes("error")


def test_processor_and_recipient_abroad_must_be_told(ref, dissolution, check):
    plan = ref.replace("S03", "tickets", notify=()).replace("S07", "customers", notify=())
    verdict = check(plan, dissolution)
    assert {"notify_processor", "notify_recipient"} <= verdict.codes("error")
    assert next(f for f in verdict.errors if f.code == "notify_processor").article == "PIPL Art. 21"


def test_transfer_without_telling_customers_is_rejected_under_article_22(ref, dissolution, check):
    verdict = check(ref.replace("S01", "customers", notify=("successor",)), dissolution)
    found = errors(verdict, "notify_customers_transfer")
    assert found and found[0].article == "PIPL Art. 22" and "第22条" in found[0].explanation_zh


def test_relocation_without_telling_customers_is_rejected_under_article_17(relocation, check, rfacts):
    plan = reference_plan(relocation, rfacts).replace("S01", "customers", notify=())
    verdict = check(plan, relocation)
    assert [f.code for f in verdict.errors] == ["notify_customers_relocation"]
    assert verdict.errors[0].article == "PIPL Art. 17"


def test_relocation_transfer_to_a_successor_and_migrating_at_dissolution_are_rejected(relocation, ref, dissolution, check, rfacts):
    plan = reference_plan(relocation, rfacts).replace("S01", "consents", action="transfer", recipient="successor", by=None)
    assert "transfer_without_successor" in check(plan, relocation).codes("error")
    moved = ref.replace("S01", "employees", action="migrate", recipient="new_site", method="")
    assert "migrate_at_dissolution" in check(moved, dissolution).codes("error")


def test_relocation_copy_abroad_without_consent_condition_is_rejected_under_article_39(relocation, check, rfacts):
    plan = reference_plan(relocation, rfacts).replace("S07", "customers", condition="")
    found = [f for f in check(plan, relocation).errors if f.code == "cross_border_no_consent"]
    assert found and found[0].article == "PIPL Art. 39"


def test_every_harmless_difference_is_explained_as_a_warning(ref, dissolution, check, dfacts):
    facts = dfacts
    earlier = facts.deadline(facts.holding(("S05", "customers"))) - dt.timedelta(days=5)
    plan = (ref.replace("S05", "customers", by=earlier)
               .replace("S06", "orders", method="crypto_shred")
               .replace("S02", "orders", notify=("archives", "regulator")))
    verdict = check(plan, dissolution)
    assert verdict.accepted
    assert {(f.system_id, f.table, f.field) for f in verdict.warnings} == {
        ("S05", "customers", "by"), ("S06", "orders", "method"), ("S02", "orders", "notify")}
    assert next(f for f in verdict.warnings if f.code == "regulator_not_required").article.endswith("Arts. 28, 32")


def test_an_undecided_row_is_an_error_and_lowers_the_score(ref, dissolution, check):
    plan = ref.replace("S04", "tickets", action="", method="", by=None, notify=())
    verdict = check(plan, dissolution)
    assert [f.code for f in verdict.errors] == ["no_decision"] and verdict.score == round(18 / 19, 4)


def test_checking_writes_one_training_entry_without_personal_data(ref, dissolution, check, dfacts):
    ledger = Ledger("sqlite://")
    verdict = check(flawed_plan(dissolution, "backups_forgotten", dfacts), dissolution, ledger=ledger, actor="team-3")
    (entry,) = list(ledger.entries())
    assert entry.type == "training" and entry.actor == "team-3" and entry.subjects == ()
    assert entry.details["accepted"] is False and entry.details["errors"] == len(verdict.errors)
    assert entry.details["error_codes"] == ["missing_backup"]
