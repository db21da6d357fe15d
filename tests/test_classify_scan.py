"""The scanner finds the personal information the generator embeds in ticket text, span for span.

Accuracy, not timing: exact (start, end, kind) matches against `case.ticket_spans` on two seeds.
"""
from collections import Counter, defaultdict

import pytest

from kitlib.classify import KINDS, scan_many, scan_text
from kitlib.synth import generate
from kitlib.synth.catalogue import KINDS as CATALOGUE_KINDS

SEEDS = (20260315, 7)


@pytest.fixture(scope="module", params=SEEDS, ids=lambda s: f"seed{s}")
def scored(request):
    case = generate(customers=3000, seed=request.param)
    tickets = case["tickets"]
    ids, texts = list(tickets["ticket_id"]), list(tickets["text"])
    found = scan_many(texts)
    gold = defaultdict(set)
    for row in case.ticket_spans.itertuples():
        gold[row.ticket_id].add((row.start, row.end, row.kind))
    tp, fp, fn = Counter(), Counter(), Counter()
    misses = []
    for tid, text, findings in zip(ids, texts, found):
        pred = {(f.start, f.end, f.kind) for f in findings}
        for s, e, k in pred & gold[tid]:
            tp[k] += 1
        for s, e, k in pred - gold[tid]:
            fp[k] += 1
            misses.append(f"FP {k}: {text[s:e]!r} in {text}")
        for s, e, k in gold[tid] - pred:
            fn[k] += 1
            misses.append(f"FN {k}: {text[s:e]!r} in {text}")
    return {"tp": tp, "fp": fp, "fn": fn, "misses": misses, "texts": texts, "found": found, "gold": gold,
            "ids": ids}


def _f1(tp, fp, fn):
    return 2 * tp / (2 * tp + fp + fn) if tp + fp + fn else 1.0


def test_span_f1_is_at_least_0_99_on_generated_tickets(scored):
    tp, fp, fn = (sum(scored[k].values()) for k in ("tp", "fp", "fn"))
    f1 = _f1(tp, fp, fn)
    per_kind = {k: round(_f1(scored["tp"][k], scored["fp"][k], scored["fn"][k]), 4)
                for k in sorted(set(scored["tp"]) | set(scored["fp"]) | set(scored["fn"]))}
    assert tp > 1000
    assert f1 >= 0.99, (f1, per_kind, scored["misses"][:30])


def test_every_kind_in_the_ground_truth_is_found(scored):
    kinds = set(scored["tp"]) | set(scored["fn"])
    assert kinds >= {"person_name", "cn_mobile", "bank_card", "cn_resident_id", "email", "address", "cn_plate",
                     "health", "religion", "minor", "location_track", "financial", "biometric"}
    for kind in kinds:
        assert _f1(scored["tp"][kind], scored["fp"][kind], scored["fn"][kind]) >= 0.95, kind


def test_findings_index_the_original_text(scored):
    for text, findings in zip(scored["texts"], scored["found"]):
        assert [f.start for f in findings] == sorted(f.start for f in findings)
        for a, b in zip(findings, findings[1:]):
            assert a.end <= b.start, (a, b)
        for f in findings:
            assert text[f.start:f.end] == f.text
            assert 0.5 <= f.score <= 1.0 and f.kind in KINDS


def test_scan_many_equals_scan_text(scored):
    for text, findings in list(zip(scored["texts"], scored["found"]))[:200]:
        assert scan_text(text) == findings


def test_kinds_are_the_generator_vocabulary():
    assert set(KINDS) <= set(CATALOGUE_KINDS)
