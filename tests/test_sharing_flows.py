"""Each flow checks its duties before anything leaves and records one "share" entry; an
agreement or notice that fails the checklist stops the share."""
import datetime as dt

import pytest

from kitlib.ledger import Ledger
from kitlib.sharing import (Recipient, ShareRefused, check_agreement, check_notice, check_share, draft_agreement,
                            draft_notice, load_purposes, share)
from kitlib.synth import generate

ON = dt.date(2026, 4, 10)


@pytest.fixture(scope="module")
def small():
    return generate(customers=300, seed=3, scenario="dissolution")


def _recipient(purpose):
    return Recipient("接收方 · Receiver Co.", "dpo@receiver.example.com", "DE" if purpose.flow == "cross_border" else "CN")


def _papers(purpose, to, **changes):
    agreement = draft_agreement(purpose, to, handler="上海瀛洲优选食品有限公司", impact_assessment="PIA-2026-07",
                                assessed_on=dt.date(2026, 3, 1), term_end=dt.date(2026, 12, 31),
                                cross_border_route="standard_contract")
    agreement.update(changes)
    return agreement, draft_notice(purpose, to, sent_on=dt.date(2026, 3, 20))


@pytest.mark.parametrize("pid", ["delivery", "successor", "group_crm", "helpdesk"])
def test_each_flow_records_one_share_entry_with_its_flow_and_article(small, pid):
    purpose = load_purposes()[pid]
    recipient = _recipient(purpose)
    agreement, notice = _papers(purpose, recipient)
    ledger = Ledger("sqlite://")
    done = share({t: small[t] for t in purpose.tables}, pid, recipient, agreement, consents=small["consents"],
                 notice=notice, on=ON, ledger=ledger, actor="E0019")
    assert done.duties["ok"].all()
    (entry,) = ledger.entries()
    assert entry.type == "share" and entry.details["flow"] == purpose.flow
    assert entry.details["article"] == purpose.article and entry.details["impact_assessment"] == "PIA-2026-07"
    assert set(entry.details["tables"]) == set(purpose.tables)
    assert len(entry.subjects) == len(done.subjects) > 0
    expected = {"entrusted": {"contract-terms", "return-or-delete", "no-sub-entrusting"},
                "transfer": {"notice", "continues-duties", "same-purpose"},
                "cross_border": {"notice", "separate-consent", "lawful-route"}}[purpose.flow]
    assert expected | {"impact-assessment", "agreement"} <= set(done.duties["duty"])


def test_a_provision_with_no_separate_consent_on_record_is_refused_and_not_recorded(small):
    purpose = load_purposes()["marketing_partner"]
    recipient = _recipient(purpose)
    agreement, notice = _papers(purpose, recipient)
    ledger = Ledger("sqlite://")
    with pytest.raises(ShareRefused, match=r"separate-consent \(PIPL Art\. 23\)") as err:
        share({"customers": small["customers"]}, purpose, recipient, agreement, consents=small["consents"],
              notice=notice, on=ON, ledger=ledger)
    assert ledger.entries() == []
    assert list(err.value.duties.loc[~err.value.duties["ok"], "duty"]) == ["separate-consent"]


@pytest.mark.parametrize("change, duty, text", [
    ({"sub_entrusting": True}, "no-sub-entrusting", "sub_entrusting: must be false"),
    ({"end_of_term": "keep"}, "return-or-delete", "end_of_term: 'keep' is not one of return, delete"),
    ({"term_end": dt.date(2026, 1, 31)}, "contract-terms", "term_end: the term ended on 2026-01-31"),
    ({"impact_assessment": None}, "impact-assessment", "impact_assessment: missing"),
    ({"impact_assessment_on": dt.date(2026, 5, 1)}, "impact-assessment", "must come beforehand"),
    ({"categories": ["customers.mobile"]}, "contract-terms", "is shared but not listed"),
    ({"recipient": "Someone Else"}, "agreement", "is not the recipient of this share"),
    ({"records_kept_years": 1}, "impact-assessment", "records_kept_years: must be a whole number of years >= 3"),
])
def test_an_entrusted_share_with_a_bad_agreement_is_refused_naming_the_duty(small, change, duty, text):
    purpose = load_purposes()["delivery"]
    recipient = _recipient(purpose)
    agreement, _ = _papers(purpose, recipient, **change)
    with pytest.raises(ShareRefused) as err:
        share({"customers": small["customers"]}, purpose, recipient, agreement, consents=small["consents"], on=ON)
    failed = err.value.duties[~err.value.duties["ok"]]
    assert duty in set(failed["duty"])
    assert text in str(err.value)


def test_a_transfer_without_the_recipients_contact_in_the_notice_is_refused(small):
    purpose = load_purposes()["successor"]
    recipient = Recipient("承接方 · Successor Co.")              # no contact known
    agreement, notice = _papers(purpose, recipient, recipient_contact="dpo@successor.example.com")
    duties, _ = check_share({"customers": small["customers"]}, purpose, recipient, agreement,
                            consents=small["consents"], notice=notice, on=ON)
    bad = duties.set_index("duty").loc["notice"]
    assert not bad["ok"] and "recipient_contact" in bad["why_en"] and bad["article"] == "PIPL Art. 22"


def test_a_transfer_for_a_new_purpose_needs_new_consent(small):
    base = load_purposes()["successor"]
    from kitlib.sharing.purposes import Purpose
    changed = Purpose(**{**base.__dict__, "new_purpose": True})
    recipient = _recipient(base)
    agreement, notice = _papers(base, recipient)
    with pytest.raises(ShareRefused, match=r"same-purpose \(PIPL Art\. 22\)"):
        share({"customers": small["customers"]}, changed, recipient, agreement, consents=small["consents"],
              notice=notice, on=ON)


def test_a_recipient_abroad_outside_the_cross_border_flow_is_refused(small):
    purpose = load_purposes()["helpdesk"]
    recipient = Recipient("Overseas Desk Ltd.", "desk@example.org", "SG")
    agreement, _ = _papers(purpose, recipient)
    with pytest.raises(ShareRefused, match="recipient-abroad"):
        share({"customers": small["customers"]}, purpose, recipient, agreement, consents=small["consents"], on=ON)


def test_cross_border_without_a_lawful_route_is_refused(small):
    purpose = load_purposes()["group_crm"]
    recipient = _recipient(purpose)
    agreement, notice = _papers(purpose, recipient, cross_border_route="a handshake")
    with pytest.raises(ShareRefused, match=r"lawful-route \(PIPL Art\. 38\)"):
        share({"customers": small["customers"]}, purpose, recipient, agreement, consents=small["consents"],
              notice=notice, on=ON)


def test_an_agreement_file_names_the_line_of_each_problem(tmp_path):
    path = tmp_path / "courier.toml"
    path.write_text('handler = "A"\nrecipient = "B"\nsub_entrusting = true\nterm_end = "next year"\n', "utf-8")
    problems = {p.field: p for p in check_agreement(path, "entrusted")}
    assert str(problems["sub_entrusting"]) == "courier.toml:3: sub_entrusting: must be false, got True (PIPL Art. 21)"
    assert problems["term_end"].line == 4 and "not a date" in problems["term_end"].problem
    assert problems["purpose"].line == 0 and problems["purpose"].problem == "missing"
    assert problems["purpose"].problem_zh == "缺少"


def test_entrusted_processing_needs_no_notice_but_provision_does():
    assert check_notice(None, "entrusted") == []
    fields = {p.field for p in check_notice({}, "provision")}
    assert {"recipient", "recipient_contact", "purpose", "method", "categories", "sent_on"} <= fields
