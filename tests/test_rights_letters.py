"""Answer letters: the required facts in both languages for each kind of answer."""
import datetime as dt
import hashlib
import re
from html import unescape

import pytest

from kitlib.ledger import Ledger
from kitlib.rights import (Request, RequestError, Requester, access_copy, answer_letter, correct, delete,
                           letter_kind, write_answer)
from kitlib.synth import generate

DAY = dt.date(2026, 4, 1)


@pytest.fixture(scope="module")
def case():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def buyer(case):
    c, orders = case["customers"], case["orders"]
    invoiced = set(orders.loc[orders["invoice_no"].notna(), "customer_id"])
    return c[(c["customer_type"] == "individual") & (c["age"] >= 18) & c["customer_id"].isin(invoiced)].iloc[1]


def text(html: str) -> str:
    return " ".join(unescape(re.sub(r"<style.*?</style>|<[^>]+>", " ", html, flags=re.S)).split())


def request(case, row, rtype="deletion", mobile=None, received=DAY, **details):
    r = Request(f"RQ-L-{rtype}", rtype, row["customer_id"], received, "phone",
                Requester(name=row["name"], mobile=mobile or row["mobile"]), details).receive()
    r.verify_identity(case["customers"], on=received)
    return r


def test_answered_in_part_names_what_is_kept_its_basis_and_date_in_both_languages(case, buyer):
    r = request(case, buyer).start(on=DAY)
    done = delete(case, r)
    r.answer(partial_reasons=done.reasons, on=DAY + dt.timedelta(days=3))
    page = text(answer_letter(case, r, done))
    assert letter_kind(r) == "partial"
    for fact in ("RQ-L-deletion", "2026年4月1日", "1 April 2026", "2026年4月23日", "23 April 2026",
                 "部分办理", "done in part", "会计凭证", "Accounting vouchers", "第四十七条", "PIPL Art. 47",
                 "《会计法》第23条", "Accounting Law Art. 23", "没有规定答复请求的天数", "PIPL sets no number of days",
                 "提起诉讼", "lawsuit"):
        assert fact in page, fact
    until = max(i["until"] for i in done.items)
    assert f"{until.year}年{until.month}月{until.day}日" in page


def test_answered_in_full_says_what_was_done(case, buyer):
    r = request(case, buyer, "correction", changes={"email": "new.address@example.com"}).start(on=DAY)
    done = correct(case, r)
    r.answer(on=DAY)
    page = text(answer_letter(case, r, done))
    assert "我们已更正您的电子邮箱" in page and "We corrected your e-mail address" in page
    assert "lawsuit" not in page and "(refused)" not in page


def test_refused_gives_the_reasons_and_the_right_to_sue_and_hides_the_customer_number(case, buyer):
    r = request(case, buyer, "access_copy", mobile="13900000000")
    assert r.state == "refused"
    html = answer_letter(case, r, lang="both")
    page = text(html)
    for fact in ("不予办理", "(refused)", "无法核验您的身份", "could not verify your identity", "第五十条",
                 "PIPL Art. 50", "人民法院提起诉讼", "bring a lawsuit in a people's court"):
        assert fact in page, fact
    assert buyer["customer_id"] not in html


def test_after_deregistration_the_letter_forwards_to_the_successor(case, buyer):
    company = case["company"].iloc[0]
    late = company["address_cancelled_on"].date() + dt.timedelta(days=5)
    r = request(case, buyer, "access_copy", received=late)
    r.refuse("company_deregistered", on=late)
    page = text(answer_letter(case, r))
    assert letter_kind(r) == "forwarded"
    assert company["successor"] in page and "第二十二条" in page and "PIPL Art. 22" in page
    assert "Forwarded to the successor" in page and "转交承继方" in page


def test_a_letter_for_an_open_request_or_unknown_language_is_refused(case, buyer):
    with pytest.raises(RequestError, match="answer or refuse it before"):
        answer_letter(case, request(case, buyer))
    r = request(case, buyer).start(on=DAY).answer(on=DAY)
    with pytest.raises(RequestError, match="lang"):
        answer_letter(case, r, lang="fr")
    assert 'lang="en"' in answer_letter(case, r, lang="en") and "尊敬的" not in answer_letter(case, r, lang="en")


def test_a_late_answer_apologises(case, buyer):
    r = request(case, buyer).start(on=DAY).answer(on="2026-05-06")
    page = text(answer_letter(case, r))
    assert "晚于承诺的期限" in page and "later than we committed" in page


def test_write_answer_is_atomic_and_ledgered(case, buyer, tmp_path):
    r = request(case, buyer, "access_copy").start(on=DAY)
    copy = access_copy(case, r, tmp_path, on=DAY)
    r.answer(on=DAY)
    ledger = Ledger("sqlite://")
    path = write_answer(tmp_path / "answer.html", case, r, copy, ledger=ledger)
    entry = ledger.entries("notification")[0].details
    assert entry["result"] == "full" and entry["request_id"] == r.request_id
    assert entry["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert "CSV" in text(path.read_text(encoding="utf-8"))
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []
