"""Minimisation by purpose: only the purpose's columns, protected by the inventory, and nothing
without the consent it needs (PIPL Arts. 23, 28, 29, 31, 39)."""
import json

import pandas as pd
import pytest

from kitlib.ledger import Ledger
from kitlib.protect.pseudonyms import Pseudonymiser
from kitlib.sharing import SharingError, load_purposes, minimise
from kitlib.sharing.purposes import Purpose, TableNeed
from kitlib.synth import generate


@pytest.fixture(scope="module")
def small():
    return generate(customers=300, seed=3, scenario="dissolution")


def _withdraw(consents, customer_id, purpose, day="2026-05-10"):
    out = consents.copy()
    hit = (out["customer_id"] == customer_id) & (out["purpose"] == purpose)
    assert hit.any()
    out.loc[hit, "withdrawn_on"] = pd.Timestamp(day)
    return out


def test_a_sensitive_column_without_separate_consent_is_refused_whole(small):
    base = load_purposes()["successor"]
    needs_ids = Purpose(**{**base.__dict__, "id": "successor_with_ids", "tables": {
        "customers": TableNeed(clear=("customer_id", "name", "resident_id"))}})
    m = minimise(small["customers"], needs_ids, "Successor Co.", table="customers", consents=small["consents"])
    assert "resident_id" not in m.frame.columns
    assert m.refused_columns == ("resident_id",)
    row = m.refused[m.refused["column"] == "resident_id"].iloc[0]
    assert row["reason"] == "sensitive-no-consent-route" and row["article"] == "PIPL Arts. 28, 29"
    assert len(m.frame) == len(small["customers"])          # the other columns still go


def test_a_customer_who_withdrew_separate_consent_for_a_card_is_withheld(small):
    customers = small["customers"]
    holder = customers.loc[customers["bank_card"].notna() & ~customers["is_minor"], "customer_id"].iloc[0]
    consents = _withdraw(small["consents"], holder, "sensitive_financial")
    kept = minimise(customers, "successor", "Successor Co.", table="customers", consents=small["consents"])
    m = minimise(customers, "successor", "Successor Co.", table="customers", consents=consents)
    assert holder in set(kept.frame["customer_id"])
    assert holder not in set(m.frame["customer_id"]) and m.withheld == (holder,)
    assert set(m.refused.loc[m.refused["customer_id"] == holder, "reason"]) == {"sensitive-no-consent"}
    assert len(m.frame) == len(customers) - 1


def test_consent_given_after_the_share_day_does_not_count(small):
    consents = small["consents"]
    first = consents[consents["purpose"] == "cross_border"].sort_values("given_on").iloc[0]
    day = first["given_on"] - pd.Timedelta(days=1)
    m = minimise(small["customers"], "group_crm", "Heser GmbH", table="customers", consents=consents, on=day)
    assert first["customer_id"] not in set(m.frame["customer_id"])


def test_cross_border_keeps_only_customers_with_separate_consent(small):
    consents = small["consents"]
    agreed = set(consents.loc[(consents["purpose"] == "cross_border") & consents["separate_consent"], "customer_id"])
    children = set(small["customers"].loc[small["customers"]["is_minor"], "customer_id"])
    m = minimise(small["orders"], "group_crm", "Heser GmbH", table="orders", consents=consents,
                 customers=small["customers"])
    assert set(m.frame["customer_id"]) <= agreed - children
    assert list(m.frame.columns) == ["order_id", "customer_id", "order_date", "amount_cny"]
    assert set(m.dropped["column"]) == set(small["orders"].columns) - set(m.frame.columns)


def test_marketing_consent_is_not_separate_consent_so_nothing_goes_to_the_partner(small):
    m = minimise(small["customers"], "marketing_partner", "Partner Shop", table="customers",
                 consents=small["consents"])
    assert m.frame.empty and len(m.withheld) == len(small["customers"])
    assert "no-separate-consent" in set(m.refused["reason"])


def test_a_child_without_guardian_consent_is_withheld(small):
    customers = small["customers"]
    child = customers.loc[customers["is_minor"], "customer_id"].iloc[0]
    consents = small["consents"][~((small["consents"]["customer_id"] == child)
                                   & (small["consents"]["purpose"] == "guardian"))]
    m = minimise(small["orders"], "archive_custodian", "Vault Co.", table="orders", consents=consents,
                 customers=customers)
    assert child not in set(m.frame["customer_id"])
    assert set(m.refused.loc[m.refused["customer_id"] == child, "article"]) == {"PIPL Art. 31"}
    others = minimise(small["orders"], "archive_custodian", "Vault Co.", table="orders",
                      consents=small["consents"], customers=customers)
    assert child in set(others.frame["customer_id"])


def test_children_needs_the_customers_table_when_the_frame_cannot_tell(small):
    with pytest.raises(SharingError, match="Art. 31"):
        minimise(small["orders"], "archive_custodian", "Vault Co.", table="orders", consents=small["consents"])


def test_protection_follows_the_inventory_and_pseudonyms_link_tables(small):
    key = Pseudonymiser(Pseudonymiser.generate_key(), domain="share:delivery")
    kw = dict(consents=small["consents"], customers=small["customers"], pseudonymiser=key)
    people = minimise(small["customers"], "delivery", "Courier", table="customers", **kw)
    orders = minimise(small["orders"], "delivery", "Courier", table="orders", **kw)
    protection = dict(zip(people.protections["column"], people.protections["protection"]))
    assert protection == {"customer_id": "pseudonymise", "name": "mask"}
    assert people.frame["customer_id"].str.startswith("P-").all()
    assert people.frame["name"].str.contains(r"\*").all()
    assert set(orders.frame["customer_id"]) <= set(people.frame["customer_id"])
    assert not set(orders.frame["customer_id"]) & set(small["customers"]["customer_id"])


def test_ticket_text_is_redacted_for_the_help_desk(small):
    tickets = small["tickets"]
    spans = small.ticket_spans
    mobiles = spans.loc[spans["kind"] == "cn_mobile", "text"].tolist()
    assert mobiles
    m = minimise(tickets, "helpdesk", "Help-desk Co.", table="tickets", consents=small["consents"],
                 customers=small["customers"])
    text = " ".join(m.frame["text"].astype(str))
    assert not any(mobile in text for mobile in mobiles)
    assert dict(zip(m.protections["column"], m.protections["protection"])) == {"text": "redact"}


def test_an_unclassified_column_is_refused(small):
    frame = small["customers"].assign(mobile_backup=small["customers"]["mobile"])
    base = load_purposes()["helpdesk"]
    purpose = Purpose(**{**base.__dict__, "tables": {"customers": TableNeed(clear=("customer_id", "mobile_backup"))}})
    m = minimise(frame, purpose, "Help-desk Co.", table="customers", consents=small["consents"])
    assert m.refused_columns == ("mobile_backup",) and list(m.frame.columns) == ["customer_id"]


def test_minimise_writes_one_share_entry_without_raw_identifiers(small):
    ledger = Ledger("sqlite://")
    m = minimise(small["customers"], "group_crm", "Heser GmbH", table="customers", consents=small["consents"],
                 ledger=ledger, actor="E0019")
    entries = ledger.entries()
    assert len(entries) == 1 and entries[0].type == "share"
    details = entries[0].details
    assert details["operation"] == "minimise" and details["rows_out"] == len(m.frame)
    assert len(entries[0].subjects) == len(m.frame)
    text = json.dumps(details, ensure_ascii=False)
    assert not any(cid in text for cid in small["customers"]["customer_id"])
    assert ledger.subject_token(m.frame["customer_id"].iloc[0]) in entries[0].subjects


def test_a_table_the_purpose_does_not_use_is_an_error(small):
    with pytest.raises(SharingError, match="needs nothing from this table"):
        minimise(small["orders"], "helpdesk", "Help-desk Co.", table="orders", consents=small["consents"])
