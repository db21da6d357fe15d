"""Authorizations: scope and expiry, who is told when they change, and monitoring of recipients'
use against the version in force at the time."""
import pandas as pd
import pytest

from kitlib.ledger import Ledger
from kitlib.sharing import AuthorizationBook, AuthorizationError, monitor, recipient_usage_log
from kitlib.sharing.usage import USAGE_COLUMNS, judge_use

DESK = "客服云 · Help-desk Cloud"


def _book(ledger=None):
    book = AuthorizationBook()
    desk = book.grant(DESK, "helpdesk", granted_on="2026-04-01", expires_on="2026-08-31",
                      subjects=["CM1", "CM2", "CM3"], ledger=ledger, actor="E0019")
    group = book.grant("Heser GmbH", "group_crm", granted_on="2026-04-01", expires_on="2027-03-31",
                       subjects=["CM2", "CM4"], ledger=ledger, actor="E0019")
    return book, desk, group


def _use(when, recipient=DESK, purpose="helpdesk", table="customers", columns="customer_id;mobile"):
    return {"use_id": "U1", "time": pd.Timestamp(when), "recipient": recipient, "purpose": purpose, "table": table,
            "columns": columns}


def test_a_grant_defaults_to_the_purposes_columns_and_cannot_exceed_them():
    book, desk, _ = _book()
    assert desk.scope["customers"] == ("customer_id", "name", "mobile", "email")
    with pytest.raises(AuthorizationError, match=r"scope\.customers\.resident_id: beyond what purpose 'helpdesk' needs"):
        book.grant(DESK, "helpdesk", {"customers": ["customer_id", "resident_id"]}, granted_on="2026-04-01",
                   expires_on="2026-05-01")
    with pytest.raises(AuthorizationError, match="expires_on: 2026-03-01 is not after granted_on 2026-04-01"):
        book.grant(DESK, "helpdesk", granted_on="2026-04-01", expires_on="2026-03-01")


def test_revocation_tells_the_affected_customers_through_one_notification_entry():
    ledger = Ledger("sqlite://")
    book, _, group = _book(ledger)
    notice = book.revoke(group.id, on="2026-06-15", reason=("董事会决定", "board decision"), ledger=ledger)
    assert notice.customers == ("CM2", "CM4") and notice.change == "revoked"
    assert "2026-06-15" in notice.text_zh and "returns or deletes" in notice.text_en
    entry = ledger.entries()[-1]
    assert entry.type == "notification" and entry.details["operation"] == "authorization-revoked"
    assert set(entry.subjects) == {ledger.subject_token("CM2"), ledger.subject_token("CM4")}
    assert [e.type for e in ledger.entries()] == ["share", "share", "notification"]
    with pytest.raises(AuthorizationError, match="already revoked"):
        book.revoke(group.id, on="2026-07-01")


def test_narrowing_is_told_but_widening_a_consent_purpose_needs_new_consent():
    ledger = Ledger("sqlite://")
    book, desk, group = _book(ledger)
    notice = book.change(desk.id, on="2026-06-01", scope={"customers": ["customer_id", "name", "mobile"]},
                         expires_on="2026-07-31", ledger=ledger)
    assert not notice.needs_consent and notice.customers == ("CM1", "CM2", "CM3")
    assert "customers.email" in notice.text_en and "2026-07-31" in notice.text_en
    assert ledger.entries()[-1].details["removed"] == ["customers.email", "tickets.agent_id", "tickets.channel",
                                                      "tickets.closed_at", "tickets.customer_id", "tickets.language",
                                                      "tickets.opened_at", "tickets.text", "tickets.ticket_id"]
    narrowed = book.change(group.id, on="2026-06-01", scope={"customers": ["customer_id", "name"]})
    with pytest.raises(AuthorizationError, match=r"obtain new consent first \(PIPL Art\. 14\)"):
        book.change(group.id, on="2026-07-01", scope={"customers": ["customer_id", "name", "mobile"]})
    widened = book.change(group.id, on="2026-07-01", scope={"customers": ["customer_id", "name", "mobile"]},
                          consent_obtained=True)
    assert widened.needs_consent and narrowed.authorization.version == 2 and widened.authorization.version == 3


def test_a_use_is_judged_by_the_version_in_force_at_the_time():
    book, desk, _ = _book()
    book.change(desk.id, on="2026-06-01", scope={"customers": ["customer_id", "name"]})
    assert judge_use(_use("2026-05-20 10:00"), book)[0] == "ok"
    verdict, _, en = judge_use(_use("2026-06-02 10:00"), book)
    assert verdict == "column-out-of-scope" and "mobile" in en


@pytest.mark.parametrize("use, verdict", [
    (_use("2026-09-01 09:00"), "outside-term"),
    (_use("2026-03-15 09:00"), "no-authorization"),
    (_use("2026-05-01 09:00", purpose="marketing_partner"), "other-purpose"),
    (_use("2026-05-01 09:00", table="orders", columns="order_id"), "table-out-of-scope"),
    (_use("2026-05-01 09:00", recipient="Unknown Co."), "no-authorization"),
    (_use("2026-05-01 09:00", table="tickets", columns="ticket_id;text"), "ok"),
])
def test_monitor_flags_each_kind_of_use_beyond_scope(use, verdict):
    book, _, _ = _book()
    assert judge_use(use, book)[0] == verdict


def test_a_use_after_revocation_is_flagged():
    book, _, group = _book()
    book.revoke(group.id, on="2026-06-15")
    use = _use("2026-06-20 09:00", recipient="Heser GmbH", purpose="group_crm", columns="customer_id;name")
    assert judge_use(use, book)[0] == "after-revocation"
    assert judge_use({**use, "time": pd.Timestamp("2026-06-10 09:00")}, book)[0] == "ok"


def test_the_generated_usage_log_flags_exactly_the_planted_misuse():
    book, desk, group = _book()
    book.change(desk.id, on="2026-06-01", scope={"customers": ["customer_id", "name", "mobile"],
                                                "tickets": ["ticket_id", "text"]})
    book.revoke(group.id, on="2026-06-15")
    for seed in range(5):
        log = recipient_usage_log(book, seed=seed, uses=50)
        assert list(log.frame.columns) == USAGE_COLUMNS and len(log.frame) == 55
        flags = monitor(log.frame, book)
        expected = {k: ("outside-term" if v == "after-expiry" else v) for k, v in log.planted.items()}
        assert dict(zip(flags["use_id"], flags["verdict"])) == expected


def test_monitor_names_a_missing_log_column():
    book, _, _ = _book()
    with pytest.raises(ValueError, match="usage_log: column 'table' is missing"):
        monitor(pd.DataFrame({"use_id": [], "time": [], "recipient": [], "purpose": [], "columns": []}), book)
