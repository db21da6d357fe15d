"""The rules Faker alone does not give: dates, ages, minors, consents and tickets agree."""
import pandas as pd
import pytest


def test_ages_agree_with_birth_dates(case):
    c = case["customers"].dropna(subset=["birth_date"])
    cutoff = pd.Timestamp(case.company["data_cutoff"])
    expected = cutoff.year - c["birth_date"].dt.year - (
        (cutoff.month < c["birth_date"].dt.month)
        | ((cutoff.month == c["birth_date"].dt.month) & (cutoff.day < c["birth_date"].dt.day)))
    assert (c["age"].astype(int) == expected).all()


def test_minors_are_under_14_and_have_a_guardian(case):
    c = case["customers"]
    minors = c[c["is_minor"]]
    assert len(minors) > 50
    assert (minors["age"] < 14).all()
    assert minors["guardian_name"].notna().all() and minors["guardian_mobile"].notna().all()
    assert minors["mobile"].isna().all() and minors["bank_card"].isna().all()
    assert (c.loc[~c["is_minor"], "guardian_name"].isna()).all()
    assert (c.loc[(c["age"] < 14).fillna(False), "is_minor"]).all()


def test_about_ten_percent_are_corporate_with_uscc_and_contact(case):
    c = case["customers"]
    corp = c[c["customer_type"] == "corporate"]
    assert 0.08 < len(corp) / len(c) < 0.12
    assert corp["uscc"].notna().all() and corp["company_name"].notna().all() and corp["name"].notna().all()
    assert corp["resident_id"].isna().all()


def test_no_activity_before_customer_since_or_after_cutoff(case):
    cutoff = pd.Timestamp(case.company["data_cutoff"])
    c = case["customers"].set_index("customer_id")
    assert (c["customer_since"] <= c["last_activity"]).all() and (c["last_activity"] <= cutoff).all()
    assert (c["customer_since"] >= pd.Timestamp(case.company["established_on"])).all()
    adults = c[~c["is_minor"] & c["birth_date"].notna()]
    assert ((adults["customer_since"] - adults["birth_date"]).dt.days >= 18 * 365).all()
    o = case["orders"].join(c[["customer_since", "last_activity"]], on="customer_id")
    assert (o["order_date"] >= o["customer_since"]).all() and (o["order_date"] <= o["last_activity"]).all()
    assert (o["paid_on"].dropna() <= cutoff).all()
    t = case["tickets"].join(c[["customer_since", "last_activity"]], on="customer_id")
    assert (t["opened_at"] >= t["customer_since"]).all()
    assert (t["closed_at"] < t["last_activity"] + pd.Timedelta(days=1)).all()
    assert (case["access_log"]["ts"] < cutoff + pd.Timedelta(days=1)).all()


def test_consents_agree_with_the_customers_table(case):
    c = case["customers"].set_index("customer_id")
    k = case["consents"]
    live_marketing = set(k[(k["purpose"] == "marketing") & k["withdrawn_on"].isna()]["customer_id"])
    assert live_marketing == set(c.index[c["marketing_consent"]])
    assert set(k[k["purpose"] == "sensitive_financial"]["customer_id"]) == set(c.index[c["bank_card"].notna()])
    guardian = k[k["purpose"] == "guardian"]
    assert set(guardian["customer_id"]) == set(c.index[c["is_minor"]]) and guardian["separate_consent"].all()
    assert k.loc[k["purpose"].isin(["sensitive_financial", "cross_border"]), "separate_consent"].all()
    withdrawn = k.dropna(subset=["withdrawn_on"])
    assert len(withdrawn) > 0 and (withdrawn["withdrawn_on"] >= withdrawn["given_on"]).all()
    assert set(k["customer_id"]) == set(c.index)


def test_ticket_spans_point_at_exactly_the_embedded_text(case):
    texts = case["tickets"].set_index("ticket_id")["text"]
    spans = case.ticket_spans
    assert len(spans) > 1000
    for row in spans.itertuples():
        assert texts[row.ticket_id][row.start:row.end] == row.text
    kinds = set(spans["kind"])
    assert {"person_name", "cn_mobile", "cn_resident_id", "bank_card", "email", "address", "health",
            "religion", "minor", "location_track", "financial", "biometric"} <= kinds


def test_ticket_spans_carry_real_world_formats(case):
    mobiles = case.ticket_spans.loc[case.ticket_spans["kind"] == "cn_mobile", "text"]
    assert mobiles.str.contains(" ").any() and mobiles.str.startswith("+86").any()
    assert mobiles.str.contains("１").any() or mobiles.str.contains("０").any()


def test_catalogue_describes_every_column_of_every_table(case):
    cat = case.catalogue
    for name, frame in case.tables.items():
        described = set(cat.loc[cat["table"] == name, "column"])
        assert described == set(frame.columns), name
    assert set(cat["tier"]) <= {"general", "sensitive", "core", "none"}
    row = cat[(cat["table"] == "customers") & (cat["column"] == "bank_card")].iloc[0]
    assert row["art28"] and row["tier"] == "core" and "Art. 28" in row["art28_basis"]
    assert cat["retention_basis"].isin(case.retention_rules["code"]).all()


def test_access_log_is_office_hours_on_working_days(case):
    import chinese_calendar
    log = case["access_log"]
    staff = log[log["employee_id"] != "svc-backup"]
    assert all(chinese_calendar.is_workday(d) for d in staff["ts"].dt.date.unique())
    assert staff["ts"].dt.hour.between(8, 19).all()
    assert (log["action"] == "export").sum() < 0.05 * len(log)


def test_systems_hold_every_customer_table(case):
    held = set(case["system_tables"]["table_name"])
    assert {"customers", "orders", "consents", "tickets", "accounts", "access_log"} <= held
    assert set(case["systems"]["kind"]) >= {"crm", "erp", "email_archive", "backup", "paper_archive"}
    assert set(case["system_tables"]["system_id"]) <= set(case["systems"]["system_id"])


def test_company_is_a_chongming_joint_venture(case, dissolution_case):
    from stdnum.cn import uscc
    for c in (case.company, dissolution_case.company):
        assert "崇明区" in c["registered_address"] and uscc.is_valid(c["uscc"])
        assert c["decision_date"] <= c["data_cutoff"]
    shareholders = case["shareholders"]
    assert set(shareholders["party"]) == {"chinese", "foreign"} and shareholders["share_pct"].sum() == 100
    tl = dissolution_case["timeline"].set_index("step")["date"]
    assert (tl["liquidation_group"] - tl["decision"]).days <= 15
    assert tl["tax_deregistered"] < tl["address_cancelled"]
    assert dissolution_case.company["scenario"] == "dissolution"


@pytest.mark.parametrize("seed", range(6))
def test_a_one_customer_case_generates_every_table_even_without_tickets(seed):
    from kitlib.synth import TABLES, generate

    tiny = generate(customers=1, seed=seed)
    assert len(tiny["customers"]) == 1 and set(TABLES) <= set(tiny.tables)
