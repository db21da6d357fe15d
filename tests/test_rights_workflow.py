"""Request types, the workflow's states and transitions, identity checks, each step in the ledger."""
import datetime as dt
import json

import pytest

from kitlib.ledger import Ledger
from kitlib.rights import REQUEST_TYPES, TRANSITIONS, Deceased, Request, RequestError, Requester
from kitlib.synth import generate

ARTICLES = {"access_copy": "PIPL Art. 45", "correction": "PIPL Art. 46", "deletion": "PIPL Art. 47",
            "portability": "PIPL Art. 45", "explanation": "PIPL Art. 48", "withdraw_consent": "PIPL Arts. 14, 44, 47",
            "deceased_relative": "PIPL Art. 49"}
DAY = dt.date(2026, 4, 1)


@pytest.fixture(scope="module")
def case():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def adult(case):
    c = case["customers"]
    return c[(c["customer_type"] == "individual") & ~c["is_minor"] & (c["age"] >= 18)].iloc[0]


@pytest.fixture(scope="module")
def minor(case):
    c = case["customers"]
    return c[c["is_minor"] & c["guardian_name"].notna() & (c["age"] <= 12)].iloc[0]


def own(row, **extra):
    return Requester(role="self", name=row["name"], mobile=row["mobile"], **extra)


def make(row, rtype="access_copy", requester=None, channel="phone", **details):
    return Request("RQ-T-1", rtype, row["customer_id"], DAY, channel, requester or own(row), details)


@pytest.mark.parametrize("rtype", sorted(REQUEST_TYPES))
def test_every_request_type_carries_its_article_in_both_languages(rtype, adult):
    request = make(adult, rtype)
    assert request.article == ARTICLES[rtype]
    assert REQUEST_TYPES[rtype].zh and REQUEST_TYPES[rtype].en


def test_an_unknown_type_or_role_is_a_one_line_error(adult):
    with pytest.raises(RequestError, match="RQ-T-1: type 'erase' is not one of"):
        make(adult, "erase")
    with pytest.raises(RequestError, match="requester.role"):
        Requester(role="lawyer")
    with pytest.raises(RequestError, match="received_on"):
        Request("RQ-T-2", "deletion", "CM1", "yesterday")


def _drive(request, state, customers, ledger=None):
    """Bring a request to ``state`` by legal steps."""
    request.receive(ledger=ledger)
    if state == "received":
        return request
    if state == "refused":
        return request.refuse("not_own_data", on=DAY, ledger=ledger)
    request.verify_identity(customers, on=DAY, ledger=ledger)
    assert request.state == "identity_verified"
    if state == "identity_verified":
        return request
    request.start(on=DAY, ledger=ledger)
    if state == "in_progress":
        return request
    request.answer(on=DAY, ledger=ledger)
    if state == "answered":
        return request
    return request.close(on=DAY, ledger=ledger)


def _attempt(request, to, customers):
    if to == "identity_verified":
        return request.verify_identity(customers, on=DAY)
    if to == "refused":
        return request.refuse("identity_not_verified", on=DAY)
    return {"in_progress": request.start, "answered": request.answer, "closed": request.close}[to](on=DAY)


PAIRS = [(a, b) for a in TRANSITIONS for b in TRANSITIONS if b != "received"]


@pytest.mark.parametrize("frm,to", PAIRS, ids=[f"{a}->{b}" for a, b in PAIRS])
def test_each_state_change_is_allowed_only_where_the_workflow_says(frm, to, case, adult):
    request = _drive(make(adult), frm, case["customers"])
    if to in TRANSITIONS[frm]:
        _attempt(request, to, case["customers"])
        assert request.state == to
    else:
        with pytest.raises(RequestError) as err:
            _attempt(request, to, case["customers"])
        assert "\n" not in str(err.value) and request.state == frm
        assert f"cannot go from {frm} to {to}" in str(err.value)


def test_a_full_flow_writes_one_request_entry_per_step_without_raw_data(case, adult):
    ledger = Ledger("sqlite://")
    request = _drive(make(adult, "deletion"), "closed", case["customers"], ledger)
    entries = ledger.entries("request")
    assert [(e.details["from"], e.details["to"]) for e in entries] == [
        ("", "received"), ("received", "identity_verified"), ("identity_verified", "in_progress"),
        ("in_progress", "answered"), ("answered", "closed")]
    assert [t.seq for t in request.history] == [e.seq for e in entries]
    assert all(e.details["request_id"] == "RQ-T-1" and e.details["request_type"] == "deletion" for e in entries)
    assert all(e.subjects == (ledger.subject_token(adult["customer_id"]),) for e in entries)
    text = json.dumps([e.to_dict() for e in entries], ensure_ascii=False)
    for raw in (adult["name"], adult["mobile"], adult["customer_id"]):
        assert raw not in text
    assert entries[0].details["due_on"] == "2026-04-23" and ledger.verify().ok      # Qingming: 4-6 April off


def test_a_refusal_needs_a_known_reason(case, adult):
    request = _drive(make(adult), "in_progress", case["customers"])
    with pytest.raises(RequestError, match="needs a reason"):
        request.refuse([])
    with pytest.raises(RequestError, match="unknown reason 'busy'"):
        request.refuse("busy")
    request.refuse(["retention_duty"], on=DAY)
    assert request.state == "refused" and request.reasons == ("retention_duty",)


def test_steps_cannot_go_back_in_time_or_skip_receipt(case, adult):
    request = make(adult)
    with pytest.raises(RequestError, match="not received yet"):
        request.start(on=DAY)
    request.receive()
    with pytest.raises(RequestError, match="already received"):
        request.receive()
    with pytest.raises(RequestError, match="before the previous step"):
        request.verify_identity(case["customers"], on=DAY - dt.timedelta(days=1))


def test_identity_mismatch_refuses_and_records_a_suspected_impersonation(case, adult):
    ledger = Ledger("sqlite://")
    request = make(adult, requester=Requester(role="self", name=adult["name"], mobile="13900000000"))
    request.receive(ledger=ledger)
    check = request.verify_identity(case["customers"], on=DAY, ledger=ledger)
    assert check.outcome == "mismatch" and check.mismatched == ("mobile",) and check.method == "sms_code"
    assert request.state == "refused" and request.reasons == ("identity_not_verified",)
    last = ledger.entries("request")[-1].details
    assert last["impersonation_suspected"] is True and last["to"] == "refused" and last["mismatched"] == ["mobile"]
    assert "13900000000" not in json.dumps(last)


def test_the_channel_decides_which_detail_is_checked(case, adult):
    doc = adult["resident_id"] if isinstance(adult["resident_id"], str) else adult["passport_no"]
    good = Requester(name=adult["name"], id_last4=str(doc)[-4:])
    assert make(adult, requester=good, channel="store").receive().verify_identity(case["customers"], on=DAY).outcome == "match"
    by_mail = make(adult, requester=Requester(name=adult["name"], email=adult["email"].upper()), channel="email")
    assert by_mail.receive().verify_identity(case["customers"], on=DAY).method == "email_link"
    assert by_mail.state == "identity_verified"
    missing = make(adult, requester=Requester(name=adult["name"]), channel="store").receive()
    assert missing.verify_identity(case["customers"], on=DAY).mismatched == ("id_last4",)


def test_a_registered_guardian_acts_for_a_minor_under_14(case, minor):
    guardian = Requester(role="guardian", name=minor["guardian_name"], mobile=minor["guardian_mobile"],
                         relation=minor["guardian_relation"], evidence=("own_id", "guardianship_proof"))
    request = make(minor, requester=guardian, channel="store").receive()
    assert request.verify_identity(case["customers"], on=DAY).outcome == "match"
    stranger = Requester(role="guardian", name="王某某", mobile=minor["guardian_mobile"], relation=minor["guardian_relation"])
    refused = make(minor, requester=stranger).receive()
    refused.verify_identity(case["customers"], on=DAY)
    assert refused.state == "refused" and refused.reasons == ("guardian_not_verified",)


def test_a_parent_cannot_act_for_an_adult(case, adult):
    parent = Requester(role="guardian", name="王某某", mobile="13900000000", relation="母亲")
    request = make(adult, requester=parent).receive()
    check = request.verify_identity(case["customers"], on=DAY)
    assert check.outcome == "not_entitled" and request.reasons == ("not_own_data",)
    assert not check.impersonation_suspected


def test_a_relative_of_a_deceased_customer_under_art_49(case, adult):
    cid = adult["customer_id"]
    relative = Requester(role="relative", name="李某", relation="女儿", interest="estate",
                         evidence=("own_id", "death_certificate", "relationship_proof"))
    died = {cid: Deceased(cid, DAY - dt.timedelta(days=30))}
    ok = make(adult, "deceased_relative", relative, right="access_copy").receive()
    assert ok.verify_identity(case["customers"], deceased=died, on=DAY).outcome == "match"
    no_death = make(adult, "deceased_relative", relative).receive()
    no_death.verify_identity(case["customers"], on=DAY)
    assert no_death.reasons == ("not_own_data",)
    arranged = make(adult, "deceased_relative", relative).receive()
    arranged.verify_identity(case["customers"], deceased={cid: Deceased(cid, DAY, True)}, on=DAY)
    assert arranged.reasons == ("deceased_arranged_otherwise",)
    cousin = make(adult, "deceased_relative", Requester(role="relative", relation="表哥", interest="x",
                                                         evidence=relative.evidence)).receive()
    cousin.verify_identity(case["customers"], deceased=died, on=DAY)
    assert cousin.reasons == ("not_close_relative",)


def test_someone_else_is_refused_as_not_their_data(case, adult):
    request = make(adult, requester=Requester(role="other", name="赵某", relation="配偶")).receive()
    request.verify_identity(case["customers"], on=DAY)
    assert request.state == "refused" and request.reasons == ("not_own_data",)


def test_an_unknown_customer_is_named(case):
    request = Request("RQ-T-9", "access_copy", "CM-NOBODY", DAY).receive()
    with pytest.raises(RequestError, match="customer CM-NOBODY is not in the customers table"):
        request.verify_identity(case["customers"], on=DAY)
