"""The request queue: hard cases present, their computed truth, determinism, the triage exercise."""
import pytest

from kitlib.rights import HARD_CASES, OUTCOMES, RequestError, request_queue, triage, triage_exercise
from kitlib.synth import generate

EXPECTED = {"impersonation": "refuse_identity", "someone_else": "refuse_not_theirs", "legal_hold": "legal_hold",
            "retention_duty": "partial_retention", "after_deregistration": "successor", "after_relocation": "proceed",
            "guardian_minor": "guardian", "deceased_relative": "relative", "guardian_of_adult": "refuse_not_theirs",
            "guardian_mismatch": "refuse_identity", "deceased_arranged": "refuse_not_theirs"}


@pytest.fixture(scope="module")
def dissolution():
    return generate(customers=400, seed=5, scenario="dissolution")


@pytest.fixture(scope="module")
def queue(dissolution):
    return request_queue(dissolution, 30, seed=7)


def test_every_hard_case_is_planted_and_its_computed_truth_is_right(queue):
    planted = {k: rid for rid, k in queue.planted.items() if k}
    assert set(planted) == set(HARD_CASES)
    for kind, rid in planted.items():
        assert queue.truth[rid].outcome == EXPECTED[kind], (kind, queue.truth[rid])


def test_the_truth_is_recomputed_from_the_data_not_copied(queue, dissolution):
    for request in queue.requests:
        again = triage(request, dissolution, plan=queue.plan, holds=queue.holds, deceased=queue.deceased)
        assert again == queue.truth[request.request_id]
    rid = next(r for r, k in queue.planted.items() if k == "deceased_relative")
    request = queue.get(rid)
    assert triage(request, dissolution, plan=queue.plan, holds=queue.holds).outcome == "refuse_not_theirs"  # no death known
    rid = next(r for r, k in queue.planted.items() if k == "legal_hold")
    assert triage(queue.get(rid), dissolution, holds=None).outcome == "partial_retention"     # own plan, no hold


def test_requests_span_the_cancellation_and_channels(queue, dissolution):
    frame = queue.frame()
    company = dissolution["company"].iloc[0]
    cancelled = company["address_cancelled_on"].date()
    after = frame[frame["received_on"] > cancelled]
    assert set(after["truth"]) == {"successor"} and len(after) >= 1
    assert frame["received_on"].min() < company["decision_date"].date()
    assert frame["channel"].nunique() >= 4 and frame["request_id"].is_unique
    assert list(frame["received_on"]) == sorted(frame["received_on"])


def test_the_queue_is_deterministic_per_seed(dissolution, queue):
    again = request_queue(dissolution, 30, seed=7)
    assert again.frame().equals(queue.frame())
    assert [r.requester for r in again.requests] == [r.requester for r in queue.requests]
    other = request_queue(dissolution, 30, seed=8)
    assert not other.frame().equals(queue.frame())


def test_relocation_has_no_successor_and_the_same_company_answers():
    case = generate(customers=300, seed=3, scenario="relocation")
    queue = request_queue(case, 12, seed=1)
    rid = next(r for r, k in queue.planted.items() if k == "after_relocation")
    assert queue.truth[rid].outcome == "proceed" and "successor" not in {t.outcome for t in queue.truth.values()}
    assert "guardian_of_adult" not in queue.planted.values()          # extras only from 20 requests


def test_bad_sizes_are_refused(dissolution):
    with pytest.raises(RequestError, match="n must be"):
        request_queue(dissolution, 0)
    with pytest.raises(RequestError, match="seed must be"):
        request_queue(dissolution, 5, seed=-1)


def test_the_triage_exercise_covers_every_outcome_and_explains_misses(dissolution, queue):
    drill = triage_exercise(dissolution, queue, seed=3, lang="en")
    exercise = drill.exercise
    assert exercise.item == "request-triage" and len(exercise.rows) == 8
    truth = {k: queue.truth[k].outcome for k in exercise.rows["key"]}
    assert set(truth.values()) == {o[0] for o in OUTCOMES}
    assert exercise.score(truth, "en").correct
    wrong = {k: ("proceed" if v != "proceed" else "successor") for k, v in truth.items()}
    result = exercise.score(wrong, "zh-CN")
    assert result.score == 0 and result.rows["explanation"].str.contains("第").all()
    assert exercise.score(wrong, "en").rows["explanation"].str.contains(r"Arts?\.").all()
    customers = dissolution["customers"].set_index("customer_id")
    for key, detail in zip(exercise.rows["key"], exercise.rows["detail"]):
        row = customers.loc[queue.get(key).customer_id]
        for column in ("name", "mobile", "email", "resident_id", "guardian_name", "guardian_mobile"):
            value = row[column]
            if isinstance(value, str) and len(value) >= 2:
                assert value not in detail, (key, column)


def test_the_exercise_rows_are_bilingual(dissolution, queue):
    zh = triage_exercise(dissolution, queue, seed=3, lang="zh-CN").exercise.rows
    en = triage_exercise(dissolution, queue, seed=3, lang="en").exercise.rows
    assert list(zh["key"]) == list(en["key"])
    assert zh["detail"].str.contains("收到").all() and en["detail"].str.contains("Received").all()


def test_a_late_deregistration_keeps_every_deadline_inside_the_calendar():
    case = generate(customers=300, seed=36, scenario="dissolution")      # deregistered on 25 November 2026
    frame = request_queue(case, 30, seed=1).frame()
    assert frame["due_on"].max().year == 2026 and (frame["hard_case"] == "after_deregistration").sum() == 1
