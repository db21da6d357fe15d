"""Module 03's retention schedule (data), the retention planner and its exercise."""
import re
from pathlib import Path

import chinese_calendar
import pandas as pd
import pytest

from kitlib.classify import inventory
from kitlib.lifecycle import (LegalHold, PlanError, ScheduleError, default_schedule_path, exercise_situations,
                              load_holds, load_schedule, plan_retention, retention_exercise)
from kitlib.synth import generate
from kitlib.synth.catalogue import RETENTION

LEGAL_MD = Path("/work/shared/reference/legal.md")
DEFAULT_TEXT = default_schedule_path().read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def relocation():
    return generate(customers=300, seed=3, scenario="relocation")


@pytest.fixture(scope="module")
def dissolution():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def relocation_plan(relocation):
    return plan_retention(relocation)


@pytest.fixture(scope="module")
def dissolution_plan(dissolution):
    return plan_retention(dissolution)


def write(tmp_path, text, name="bad.toml"):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def mini_tables(scenario="relocation"):
    """A hand-made company with three orders on the edges of fiscal years."""
    company = pd.DataFrame([{"scenario": scenario, "data_cutoff": pd.Timestamp("2026-04-30"),
                             "address_cancelled_on": pd.Timestamp("2026-07-31"), "successor": "承继方有限公司"}])
    timeline = pd.DataFrame({"step": ["service_end", "address_cancelled"],
                             "date": pd.to_datetime(["2026-04-30", "2026-07-31"])})
    customers = pd.DataFrame({"customer_id": ["C1", "C2"], "name": ["甲", "乙"]})
    accounts = pd.DataFrame({"account_id": ["A1", "A2"], "customer_id": ["C1", "C2"],
                             "closed_on": [pd.NaT, pd.Timestamp("2024-03-01")]})
    orders = pd.DataFrame({"order_id": ["O1", "O2", "O3"], "customer_id": ["C1", "C1", "C2"],
                           "order_date": pd.to_datetime(["2020-12-31", "2021-01-01", "2024-02-29"]),
                           "invoice_no": [None, "25312000000000000001", None]})
    return {"company": company, "timeline": timeline, "customers": customers, "accounts": accounts, "orders": orders}


# -- the schedule as data -------------------------------------------------------------------------

def test_default_schedule_covers_every_retention_basis_of_the_catalogue():
    schedule = load_schedule()
    covered = {code for rule in schedule.rules for code in rule.covers_basis}
    assert set(RETENTION) <= covered
    ids = [r.id for r in schedule.rules]
    assert len(ids) == len(set(ids)) and schedule.settings.default_rule in ids
    u_rules = {r.id for r in schedule.rules if r.certainty == "U"}
    assert u_rules == {"consent_evidence", "hr_records"}
    assert schedule.summary(schedule.rule("consent_evidence")).startswith("Company policy, not law")


def test_laws_that_do_not_apply_are_teaching_rows_with_a_reason():
    frame = load_schedule().frame("en").set_index("id")
    aml, ecommerce = frame.loc["aml_customer_identity"], frame.loc["ecommerce_transactions"]
    assert not aml["applies"] and "Anti-Money Laundering Law Art. 34" in aml["basis"]
    assert "financial institutions" in aml["note"] and "food" in aml["note"]
    assert not ecommerce["applies"] and "E-commerce Law Art. 31" in ecommerce["basis"]
    assert "platform" in ecommerce["note"]
    zh = load_schedule().frame("zh").set_index("id")
    assert "金融机构" in zh.loc["aml_customer_identity", "note"]


def _legal_articles(text: str, heading: str) -> set[str]:
    """Article numbers of the first table under a legal.md heading (ranges and lists expanded)."""
    section = text.split(heading, 1)[1].split("\n## ", 1)[0]
    found = set()
    for cell in re.findall(r"^\| ([\d–, -]+) \|", section, flags=re.M):
        for part in cell.split(","):
            bounds = [int(x) for x in re.findall(r"\d+", part)]
            found |= {str(n) for n in range(bounds[0], bounds[-1] + 1)}
    return found


@pytest.mark.skipif(not LEGAL_MD.exists(), reason="the kit's legal reference is not on this machine")
def test_every_cited_law_and_article_is_in_the_legal_reference():
    text = LEGAL_MD.read_text(encoding="utf-8")
    schedule = load_schedule()
    sections = {"pipl": _legal_articles(text, "## Personal Information Protection Law"),
                "ndsmr": _legal_articles(text, "## Network Data Security Management Regulations")}
    citations = [c for r in schedule.rules for c in r.basis] + [c for n in schedule.not_applicable for c in n.basis]
    assert citations
    for citation in citations:
        law = schedule.laws[citation.law]
        assert law.name_en in text, law.name_en
        for article in citation.articles:
            if citation.law in sections:
                assert article in sections[citation.law], f"{law.name_en} Art. {article}"
            else:
                lines = [line for line in text.splitlines() if law.name_en in line]
                assert any(re.search(rf"Arts?\. [\d, –-]*\b{article}\b", line) for line in lines), \
                    f"{law.name_en} Art. {article}"
    # certainty follows the reference: the Accounting Archives Measures row is S there
    assert schedule.rule("accounting_vouchers").certainty == "S"
    assert re.search(r"Accounting Archives Measures.*\| S \|", text)


def nth_line(text, needle, n=1):
    """1-based line of the n-th line containing ``needle``."""
    return [i + 1 for i, line in enumerate(text.splitlines()) if needle in line][n - 1]


def rule_header(text, rule_id):
    """1-based line of the [[rule]] header of a rule."""
    id_line = nth_line(text, f'id = "{rule_id}"')
    return max(i + 1 for i, line in enumerate(text.splitlines()[:id_line]) if line.strip() == "[[rule]]")


@pytest.mark.parametrize("old, new, field, expected_line", [
    ('trigger = "end_of_fiscal_year"\nanchors = { orders = "order_date" }',
     'trigger = "end_of_year"\nanchors = { orders = "order_date" }', "rule 'tax_records'.trigger: unknown trigger",
     lambda text: nth_line(text, 'trigger = "end_of_year"')),
    ("period = { years = 10 }", "period = { years = -10 }", "rule 'tax_records'.period.years: -10 is negative",
     lambda text: nth_line(text, "years = -10")),
    ('basis = [{ law = "tax_rules", articles = ["29"] }]\n', "", "rule 'tax_records'.basis: is missing",
     lambda text: rule_header(text, "tax_records")),
    ('id = "tax_records"', 'id = "accounting_vouchers"', "rule 'accounting_vouchers'.id: duplicate id",
     lambda text: nth_line(text, 'id = "accounting_vouchers"', 2)),
])
def test_a_bad_schedule_names_file_line_and_field(tmp_path, old, new, field, expected_line):
    assert old in DEFAULT_TEXT
    text = DEFAULT_TEXT.replace(old, new, 1)
    with pytest.raises(ScheduleError) as err:
        load_schedule(write(tmp_path, text))
    message = str(err.value)
    assert "\n" not in message
    assert message.startswith(f"bad.toml:{expected_line(text)}: {field}"), message


def test_unreadable_or_invalid_files_give_one_line(tmp_path):
    with pytest.raises(ScheduleError, match=r"^missing\.toml: no such file$"):
        load_schedule(tmp_path / "missing.toml")
    with pytest.raises(ScheduleError, match=r"^broken\.toml: not valid TOML"):
        load_schedule(write(tmp_path, "[[rule]\nid = 1", "broken.toml"))
    text = DEFAULT_TEXT.replace('covers_tables = ["customers", "tickets"]', 'covers_tables = ["customers", "orders"]')
    with pytest.raises(ScheduleError, match=r"bad\.toml:\d+: rule 'purpose_ends'\.covers_tables: 'orders' is already covered"):
        load_schedule(write(tmp_path, text))


def test_holds_are_checked_with_file_line_and_field(tmp_path):
    path = write(tmp_path, '[[hold]]\nid = "H1"\nreason = "litigation"\ncustomers = ["C1"]\nstart = 2026-04-01\n\n'
                           '[[hold]]\nid = "H2"\nreason = "regulator_inquiry"\ntables = ["access_log"]\n'
                           'start = 2026-04-01\nend = 2026-03-01\n', "holds.toml")
    with pytest.raises(ScheduleError, match=r"^holds\.toml:12: hold 'H2'\.end: 2026-03-01 is before the start 2026-04-01$"):
        load_holds(path)
    with pytest.raises(PlanError, match=r"hold 'H9'\.reason: 'gossip' is not one of"):
        load_holds(pd.DataFrame([{"id": "H9", "reason": "gossip", "customers": "C1;C2", "start": "2026-01-01"}]))
    holds = load_holds(pd.DataFrame([{"id": "H9", "reason": "dispute", "customers": "C1; C2", "start": "2026-01-01",
                                      "end": None}]))
    assert holds[0].customers == {"C1", "C2"} and holds[0].end is None


# -- the planner ------------------------------------------------------------------------------------

def test_vouchers_run_30_years_from_the_end_of_the_fiscal_year():
    plan = plan_retention(mini_tables())
    orders = plan.records[plan.records["table"] == "orders"].set_index("row_id")
    assert orders.loc["O1", "keep_until"] == pd.Timestamp("2050-12-31")    # ordered on the last day of 2020
    assert orders.loc["O2", "keep_until"] == pd.Timestamp("2051-12-31")    # one day later: the next fiscal year
    assert orders.loc["O3", "keep_until"] == pd.Timestamp("2054-12-31")
    assert set(orders["action"]) == {"keep_until"} and set(orders["rule"]) == {"accounting_vouchers"}
    accounts = plan.records[plan.records["table"] == "accounts"].set_index("row_id")
    assert accounts.loc["A2", "keep_until"] == pd.Timestamp("2054-12-31")  # closed 2024-03-01
    assert pd.isna(accounts.loc["A1", "keep_until"]) and accounts.loc["A1", "reason"] == "keep_open"


def test_a_company_fiscal_year_and_a_month_end_period_are_honoured(tmp_path):
    text = DEFAULT_TEXT.replace('fiscal_year_end = "12-31"', 'fiscal_year_end = "06-30"')
    text = text.replace("period = { years = 10 }\ntrigger = \"end_of_fiscal_year\"",
                        "period = { years = 1 }\ntrigger = \"transaction_date\"")
    plan = plan_retention(mini_tables(), write(tmp_path, text, "june.toml"), today="2024-03-01")
    orders = plan.records[plan.records["table"] == "orders"].set_index("row_id")
    assert orders.loc["O1", "keep_until"] == pd.Timestamp("2051-06-30")
    assert orders.loc["O3", "keep_until"] == pd.Timestamp("2054-06-30")
    tax = plan.duties[plan.duties["rule"] == "tax_records"].set_index("row_id")
    assert tax.loc["O2", "keep_until"] == pd.Timestamp("2022-01-01")


def test_invoices_run_10_years_and_the_order_keeps_the_longest_duty(relocation, relocation_plan):
    orders = relocation["orders"].set_index("order_id")
    tax = relocation_plan.duties[relocation_plan.duties["rule"] == "tax_records"].set_index("row_id")
    invoiced = orders.index[orders["invoice_no"].notna()]
    assert set(tax.index) == set(invoiced) and len(invoiced) > 0
    years = orders.loc[tax.index, "order_date"].dt.year
    assert (tax["keep_until"] == pd.to_datetime((years + 10).astype(str) + "-12-31")).all()
    records = relocation_plan.records[relocation_plan.records["table"] == "orders"].set_index("row_id")
    assert (records.loc[invoiced, "rule"] == "accounting_vouchers").all()
    assert (records.loc[invoiced, "also"] == "tax_records").all()
    assert "the longest duty applies" in records.loc[invoiced[0], "why_en"]
    overlap = relocation_plan.conflicts[relocation_plan.conflicts["kind"] == "overlapping_rules"]
    assert overlap["rows"].sum() == len(invoiced)
    columns = relocation_plan.columns.set_index(["table", "column"])
    assert columns.loc[("orders", "invoice_no"), "rule"] == "tax_records"
    assert columns.loc[("orders", "invoice_no"), "also_rules"] == "accounting_vouchers"
    assert "Tax Collection Administration Implementing Rules Art. 29" in columns.loc[("orders", "invoice_no"), "basis_en"]


def test_a_row_under_a_purpose_and_a_duty_keeps_the_longer_and_names_both(tmp_path, relocation):
    text = DEFAULT_TEXT.replace('covers_kinds = ["consent_record"]',
                                'covers_kinds = ["consent_record"]\ncovers_columns = ["customers.marketing_consent"]')
    text = text.replace('anchors = { consents = "@relationship_end" }',
                        'anchors = { consents = "@relationship_end", customers = "@relationship_end" }')
    schedule = write(tmp_path, text, "consent_on_profile.toml")
    plan = plan_retention(relocation, schedule)
    profiles = plan.records[plan.records["table"] == "customers"].set_index("row_id")
    today = plan.today
    # still a customer: the consent period has not started, so it outranks "keep while active"
    active = profiles[profiles["rule"] == "consent_evidence"]
    assert (active["reason"].isin(["keep_open", "keep_duty", "delete_expired"])).all()
    assert (active["also"] == "purpose_ends").all()
    recent = profiles[profiles["reason"] == "keep_duty"]
    assert len(recent) and (recent["keep_until"] > today).all() and (recent["rule"] == "consent_evidence").all()
    # long gone: both have passed; the later one (3 years after the end) is the one named
    gone = profiles[profiles["reason"] == "delete_expired"]
    assert len(gone) and (gone["rule"] == "consent_evidence").all() and (gone["also"] == "purpose_ends").all()
    assert "Also covered by: Customer profiles and service records" in gone["why_en"].iloc[0]
    # a deletion request from an active customer: the consent evidence still binds, so restrict
    customer = profiles[profiles["reason"] == "keep_open"].index[0]
    asked = plan_retention(relocation, schedule, requests=pd.DataFrame(
        {"customer_id": [customer], "received_on": [today], "kind": ["deletion"]}))
    profile = asked.for_customer(customer).query("table == 'customers'").iloc[0]
    assert profile["action"] == "restrict_then_delete"
    assert profile["keep_until"] == today + pd.DateOffset(years=3) and profile["restricted"]


def test_a_deletion_request_against_a_retention_duty_restricts_processing(relocation, relocation_plan):
    records = relocation_plan.records
    open_orders = records[(records["table"] == "orders") & (records["reason"] == "keep_duty")]
    customer = open_orders["customer_id"].iloc[0]
    received = relocation_plan.today
    plan = plan_retention(relocation, requests=pd.DataFrame(
        {"customer_id": [customer, "CM-NOT-A-CUSTOMER"], "received_on": [received, received],
         "kind": ["deletion", "deletion"]}))
    mine = plan.for_customer(customer)
    orders = mine[mine["table"] == "orders"]
    assert (orders["action"] == "restrict_then_delete").all() and orders["restricted"].all()
    assert (orders["date"] == orders["keep_until"]).all()
    assert "PIPL Art. 47: stop all processing except storage and necessary security measures" in orders["why_en"].iloc[0]
    profile = mine[mine["table"] == "customers"].iloc[0]
    deadline = pd.Timestamp(chinese_calendar.find_workday(15, received.date()))
    assert profile["action"] == "delete_by" and profile["date"] == deadline and profile["reason"] == "delete_request"
    conflict = plan.conflicts[(plan.conflicts["kind"] == "request_vs_retention") & (plan.conflicts["table"] == "orders")]
    assert conflict["customer_id"].tolist() == [customer] and conflict["rows"].iloc[0] == len(orders)
    assert conflict["until"].iloc[0] == orders["keep_until"].max()
    assert any("not in the data" in note for note in plan.note_texts())
    # the restricted orders are not due for deletion before their period ends, and are after it
    due = plan.due_for_deletion(on=orders["keep_until"].min() - pd.Timedelta(days=1))
    assert not due["row_id"].isin(orders["row_id"]).any()
    assert due["row_id"].eq(profile["row_id"]).any()
    later = plan.due_for_deletion(on=orders["keep_until"].max())
    assert orders["row_id"].isin(later["row_id"]).all()


def test_a_legal_hold_overrides_deletion_until_it_ends(relocation, relocation_plan):
    records = relocation_plan.records
    closed = records[(records["table"] == "customers") & (records["reason"] == "delete_purpose")]
    customer = closed["customer_id"].iloc[0]
    assert customer in set(relocation_plan.due_for_deletion()["customer_id"])
    hold = LegalHold("H1", "litigation", pd.Timestamp("2026-01-10"), None, frozenset({customer}))
    plan = plan_retention(relocation, holds=[hold])
    profile = plan.for_customer(customer).query("table == 'customers'").iloc[0]
    assert profile["action"] == "keep_until" and pd.isna(profile["date"]) and profile["reason"] == "hold"
    assert profile["held_by"] == "H1" and "Legal hold H1" in profile["why_en"]
    assert customer not in set(plan.due_for_deletion(on="2040-01-01")["customer_id"])
    assert (plan.conflicts["kind"] == "hold_overrides_deletion").any()

    ended = plan_retention(relocation, holds=[{"id": "H1", "reason": "litigation", "customers": [customer],
                                                "start": "2026-01-10", "end": "2026-12-31"}])
    profile = ended.for_customer(customer).query("table == 'customers'").iloc[0]
    assert profile["date"] == pd.Timestamp("2026-12-31")
    assert customer not in set(ended.due_for_deletion(on="2026-12-30")["customer_id"])
    assert customer in set(ended.due_for_deletion(on="2027-01-01")["customer_id"])


def test_a_hold_on_a_table_keeps_records_whose_period_has_ended(relocation):
    later = "2031-01-01"   # every access-log entry of the case is then older than three years
    free = plan_retention(relocation, today=later)
    logs = free.records[free.records["table"] == "access_log"]
    assert (logs["reason"] == "delete_expired").all() and (logs["action"] == "delete_by").all()
    inquiry = {"id": "R1", "reason": "regulator_inquiry", "tables": ["access_log"], "start": "2030-06-01"}
    held = plan_retention(relocation, today=later, holds=[inquiry])
    logs = held.records[held.records["table"] == "access_log"]
    assert (logs["reason"] == "hold").all() and (logs["action"] == "keep_until").all()
    others = held.records[held.records["table"] == "customers"]
    assert (others["held_by"] == "").all()
    assert not held.due_for_deletion()["table"].eq("access_log").any()


def test_relocation_keeps_active_customers_and_dissolution_ends_the_service(relocation_plan, dissolution_plan):
    rel, dis = relocation_plan.records, dissolution_plan.records
    assert relocation_plan.scenario == "relocation" and dissolution_plan.scenario == "dissolution"
    # relocation: active customers keep their profile while the relationship lasts
    assert (rel[rel["table"] == "customers"]["reason"] == "keep_active").sum() > 0
    assert (rel["action"] == "hand_over").sum() == 0
    # dissolution: every profile goes by deregistration, nothing stays "while active"
    profiles = dis[dis["table"] == "customers"]
    assert (profiles["action"] == "delete_by").all() and (profiles["date"] <= dissolution_plan.deregistration).all()
    assert (profiles["reason"] == "delete_service_end").sum() > 0
    assert "stops providing the product or service" in profiles[profiles["reason"] == "delete_service_end"]["why_en"].iloc[0]
    assert not (dis["reason"] == "keep_active").any()
    # records whose period outlives the company are handed over at deregistration
    orders = dis[dis["table"] == "orders"]
    assert (orders["action"] == "hand_over").all() and (orders["date"] == dissolution_plan.deregistration).all()
    logs = dis[dis["table"] == "access_log"]
    assert "successor" in logs["why_en"].iloc[0] and "PIPL Art. 22" in logs["why_en"].iloc[0]
    rel_columns = relocation_plan.columns.set_index(["table", "column"])
    dis_columns = dissolution_plan.columns.set_index(["table", "column"])
    assert rel_columns.loc[("company", "uscc"), "action"] == "keep_until"
    assert dis_columns.loc[("company", "uscc"), "action"] == "hand_over"
    assert dis_columns.loc[("customers", "resident_id"), "action"] == "delete_by"
    assert rel_columns.loc[("customers", "resident_id"), "action"] == "keep_until"
    summary = dissolution_plan.summary()
    assert summary.loc["total", "total"] == len(dis) and summary.loc["customers", "delete_by"] == len(profiles)


def test_the_planner_accepts_an_inventory_frame(relocation, relocation_plan):
    inv = inventory(relocation)
    assert "retention_basis" not in inv.columns
    plan = plan_retention(relocation, inventory=inv)
    key = ["table", "column", "rule", "action", "date"]
    pd.testing.assert_frame_equal(plan.columns[key].reset_index(drop=True),
                                  relocation_plan.columns[key].reset_index(drop=True))
    pd.testing.assert_frame_equal(plan.records, relocation_plan.records)
    # a column the schedule does not name falls to the default rule, and says so
    extra = pd.concat([inv, inv.iloc[[0]].assign(table="crm_export", column="memo", kind="free_text")])
    columns = plan_retention(relocation, inventory=extra).columns.set_index(["table", "column"])
    assert columns.loc[("crm_export", "memo"), "matched_by"] == "default"
    assert columns.loc[("crm_export", "memo"), "rule"] == "purpose_ends"


def test_bad_planner_input_is_one_clear_line(relocation):
    with pytest.raises(PlanError, match=r"^requests: no column 'kind'"):
        plan_retention(relocation, requests=pd.DataFrame({"customer_id": ["x"], "received_on": ["2026-01-01"]}))
    with pytest.raises(PlanError, match=r"^requests\.received_on row 1: 'soon' is not a date$"):
        plan_retention(relocation, requests=pd.DataFrame({"customer_id": ["a", "b"], "received_on": ["2026-01-01", "soon"],
                                                          "kind": ["deletion"] * 2}))
    tables = mini_tables()
    tables["orders"] = tables["orders"].assign(order_date=["2020-12-31", "31/02/2021", "2024-02-29"])
    with pytest.raises(PlanError, match=r"^orders\.order_date row 1: '31/02/2021' is not a date$"):
        plan_retention(tables)
    with pytest.raises(PlanError, match=r"no company table"):
        plan_retention({"orders": tables["orders"]})


def test_the_plan_is_deterministic(relocation, relocation_plan):
    again = plan_retention(relocation)
    pd.testing.assert_frame_equal(again.records, relocation_plan.records)
    pd.testing.assert_frame_equal(again.columns, relocation_plan.columns)
    pd.testing.assert_frame_equal(again.conflicts, relocation_plan.conflicts)


# -- the exercise -------------------------------------------------------------------------------------

def _answer_key(case, seed=0):
    """The right answers, worked out from the plan's records (independently of the exercise's marker)."""
    situations, requests, holds = exercise_situations(case, seed)
    plan = plan_retention(case, requests=requests, holds=holds)
    answers = {}
    for s in situations.itertuples():
        if s.rule:
            duty = plan.duties[(plan.duties["row_id"] == s.row_id) & (plan.duties["rule"] == s.rule)].iloc[0]
            outlives = plan.scenario == "dissolution" and duty["keep_until"] > plan.deregistration
            answers[s.key] = "hand_over" if outlives else "keep_10y"
            continue
        rec = plan.records[(plan.records["table"] == s.table) & (plan.records["row_id"] == s.row_id)].iloc[0]
        reason, years = str(rec["reason"]), {"accounting_vouchers": 30, "processing_records": 3, "consent_evidence": 3}
        answers[s.key] = {"hold": "hold", "restrict": "restrict_then_delete", "hand_over": "hand_over",
                          "keep_active": "keep_while_active"}.get(reason) or \
            ("delete" if reason.startswith("delete") else f"keep_{years[str(rec['rule'])]}y")
    return answers


def test_the_exercise_marks_the_computed_answers_right_and_explains_misses(relocation):
    exercise = retention_exercise(relocation, seed=0, lang="en")
    assert exercise.item == "retention-schedule" and len(exercise.rows) == 8
    answers = _answer_key(relocation)
    assert answers["request-order"] == "restrict_then_delete" and answers["hold-profile"] == "hold"
    assert answers["voucher"] == "keep_30y" and answers["invoice"] == "keep_10y" and answers["access-log"] == "keep_3y"
    assert answers["closed-profile"] == "delete"
    result = exercise.score(answers, "en")
    assert result.correct and result.score == 1.0
    wrong = dict(answers, voucher="keep_10y", **{"request-order": "delete"})
    rows = exercise.score(wrong, "en").rows.set_index("key")
    assert rows.loc["voucher", "explanation"].startswith("Expected: keep 30 years.")
    assert "Accounting Archives Measures" in rows.loc["voucher", "explanation"]
    assert "PIPL Art. 47" in rows.loc["request-order", "explanation"]
    zh = exercise.score(wrong, "zh-CN").rows.set_index("key")
    assert zh.loc["voucher", "explanation"].startswith("应为:保存30年。")
    # rows show record numbers and dates, never a customer's name
    names = set(relocation["customers"]["name"])
    assert not any(name in text for name in names for text in exercise.rows["title"] + exercise.rows["detail"])


def test_the_exercise_answers_follow_the_scenario(dissolution):
    answers = _answer_key(dissolution)
    assert answers["voucher"] == "hand_over" and answers["invoice"] == "hand_over"
    assert answers["request-order"] == "restrict_then_delete" and answers["ticket"] == "delete"
    exercise = retention_exercise(dissolution, seed=0, lang="zh")
    assert exercise.score(answers, "zh-CN").correct
    assert "解散注销" in exercise.title[0]


def test_the_exercise_is_deterministic_per_seed(relocation):
    first = retention_exercise(relocation, seed=4, lang="en")
    again = retention_exercise(relocation, seed=4, lang="en")
    pd.testing.assert_frame_equal(first.rows, again.rows)
    other = retention_exercise(relocation, seed=5, lang="en")
    assert not first.rows.equals(other.rows)


def test_retained_for_names_the_tables_a_destruction_must_leave_alone_with_the_reason():
    case = generate(customers=300, seed=3, scenario="dissolution")
    plan = plan_retention(case)
    buyer = case["orders"]["customer_id"].iloc[0]
    kept = plan.retained_for([buyer])
    assert {"orders", "accounts"} <= set(kept) and "customers" not in kept and "tickets" not in kept
    assert "Accounting Law Art. 23" in kept["orders"]
    assert "会计法" in plan.retained_for([buyer], "zh-CN")["orders"]


def test_kept_items_give_each_customer_letter_the_rules_bases_and_last_days():
    case = generate(customers=300, seed=3, scenario="dissolution")
    plan = plan_retention(case)
    buyer = case["orders"]["customer_id"].iloc[0]
    items = {i["item"]["en"]: i for i in plan.kept_items([buyer])[buyer]}
    voucher = items["Accounting vouchers (orders, payments, contracts)"]
    last_order = case["orders"].loc[case["orders"]["customer_id"] == buyer, "order_date"].max()
    assert voucher["until"].year >= pd.Timestamp(last_order).year + 30             # orders and accounts: the longest
    assert (voucher["until"].month, voucher["until"].day) == (12, 31)              # counted from fiscal year ends
    assert voucher["basis"]["en"].endswith("Accounting Law Art. 23")
    consent = [i for i in items.values() if i["item"]["en"].startswith("Consent")]
    assert all(i["basis"]["en"].startswith("Company policy") for i in consent)      # U: policy, not law
