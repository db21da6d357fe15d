"""Module 05's exercises are marked by the sharing rules computed from the case, not typed in."""
import pytest

from kitlib.sharing import load_purposes
from kitlib.sharing.drills05 import ROUTES, case_requests, scope_drill, sharing_triage, triage
from kitlib.sharing.purposes import Purpose, TableNeed
from kitlib.synth import generate


@pytest.fixture(scope="module")
def small():
    return generate(customers=300, seed=3, scenario="dissolution")


def test_triage_names_the_case_recipients_and_covers_every_route(small):
    requests = case_requests(small)
    routes = {r.key: triage(r)[0] for r in requests}
    assert set(routes.values()) == {o[0] for o in ROUTES}
    successor = small["company"].iloc[0]["successor"]
    assert successor in next(r for r in requests if r.key == "successor").title_zh
    assert routes["successor"] == "notify" and routes["successor-ads"] == "consent"
    assert routes["partner-ids"] == "refuse" and routes["broker"] == "refuse"


def test_the_right_answer_follows_the_registry_not_a_typed_key(small):
    purposes = dict(load_purposes())
    base = purposes["marketing_partner"]
    wider = TableNeed(clear=("mobile", "membership_level", "district", "resident_id", "is_minor"))
    purposes["marketing_partner"] = Purpose(**{**base.__dict__, "tables": {"customers": wider}})
    request = next(r for r in case_requests(small) if r.key == "partner-ids")
    assert triage(request)[0] == "refuse"
    assert triage(request, purposes)[0] == "consent"
    why_zh = triage(request)[1]
    assert "customers.resident_id" in why_zh and "第二十八条" in why_zh


def test_sharing_triage_marks_answers_and_explains_misses(small):
    exercise = sharing_triage(small)
    truth = {r.key: triage(r)[0] for r in case_requests(small)}
    assert exercise.score(truth, lang="en").correct
    wrong = dict(truth, successor="consent")
    result = exercise.score(wrong, lang="en")
    assert result.score == pytest.approx(8 / 9, abs=1e-4)
    miss = result.rows.set_index("key").loc["successor", "explanation"]
    assert miss.startswith("Expected: notice of the recipient's name and contact suffices") and "Art. 22" in miss
    zh = exercise.score(wrong, lang="zh-CN").rows.set_index("key").loc["successor", "explanation"]
    assert zh.startswith("应为:")


def test_scope_monitor_is_marked_by_what_monitor_finds(small):
    drill = scope_drill(small, seed=4)
    keys = list(drill.exercise.rows["key"])
    assert len(keys) == 8
    findings = drill.findings.set_index("use_id")
    flagged = set(findings.index[findings["verdict"] != "ok"])
    assert flagged <= set(keys) and len(flagged) >= 4
    truth = {k: findings.loc[k, "verdict"] for k in keys}
    assert drill.exercise.score(truth, lang="en").correct
    everything_ok = drill.exercise.score({k: "ok" for k in keys}, lang="en")
    assert everything_ok.score == pytest.approx((8 - len(flagged)) / 8, abs=1e-4)
