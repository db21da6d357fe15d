"""Question banks: every kind checks right, wrong and retry; answers stay sealed; files are validated."""
import json
from pathlib import Path

import pytest

from kitlib.learn.bank import (AnswerError, BankError, SEAL_PREFIX, load_bank, parse_bank, parse_number,
                               read_bank, seal, seal_file, unseal)
from kitlib.synth.catalogue import build_catalogue

BANK = load_bank("00")


def by_kind(kind):
    return next(q for q in BANK if q.kind == kind)


def test_module_00_bank_has_five_questions_one_of_each_kind():
    assert len(BANK) == 5
    assert sorted(q.kind for q in BANK) == sorted(["single", "multiple", "numeric", "ordering", "matching"])


def test_single_choice_right_wrong_and_each_option_explains_itself():
    q = by_kind("single")
    wrong = [o.id for o in q.options if o.id != q.answer]
    seen = set()
    for option in wrong:
        result = q.check(option, "en")
        assert not result.correct and result.score == 0
        seen.add(result.feedback[0].text)
    right = q.check(q.answer, "en")
    assert right.correct and right.score == 1
    assert len(seen) == len(wrong)            # a different explanation per option


def test_multiple_choice_partial_credit_missing_and_extra_options():
    q = by_kind("multiple")
    answer = list(q.answer)
    wrong = [o.id for o in q.options if o.id not in answer]
    assert q.check(answer, "en").correct
    partial = q.check(answer[:1], "en")
    assert not partial.correct and partial.score == pytest.approx(1 / len(answer), abs=1e-4)
    assert any("not ticked" in f.text for f in partial.feedback)
    extra = q.check(answer + wrong[:1], "en")
    assert not extra.correct and extra.score == pytest.approx((len(answer) - 1) / len(answer), abs=1e-4)
    assert q.check(list(reversed(answer)), "en").correct      # order of ticks does not matter


def test_numeric_tolerance_known_wrong_values_and_messy_input():
    q = by_kind("numeric")
    assert q.check(3, "en").correct
    assert q.check("３", "en").correct                        # full-width digit
    assert q.check("3 年", "zh-CN").correct
    ten = q.check(10, "en")
    assert not ten.correct and "tax" in ten.feedback[0].text   # the explanation written for 10
    assert q.check(4, "en").feedback[0].text == "Too high."
    with pytest.raises(AnswerError, match="not a number"):
        q.check("three", "en")


def test_numeric_tolerance_accepts_values_within_range():
    data = {"module": "zz", "questions": [{"id": "n", "kind": "numeric", "answer": 72, "tolerance": 2,
                                           "prompt": {"zh-CN": "几小时?", "en": "How many hours?"},
                                           "explain": {"zh-CN": "72 小时。", "en": "72 hours."}}]}
    q = parse_bank(data, "inline", sealed=False).question("n")
    assert q.check(70, "en").correct and q.check(74.0, "en").correct
    assert not q.check(74.5, "en").correct


def test_ordering_scores_items_in_place_and_retry_succeeds():
    q = by_kind("ordering")
    answer = list(q.answer)
    swapped = answer[:]
    swapped[0], swapped[1] = swapped[1], swapped[0]
    first = q.check(swapped, "en")
    assert not first.correct
    assert first.score == pytest.approx((len(answer) - 2) / len(answer), abs=1e-4)
    assert first.feedback[0].text.startswith(f"{len(answer) - 2} of {len(answer)}")
    assert q.check(answer, "en").correct
    with pytest.raises(AnswerError):
        q.check(answer[:-1], "en")


def test_matching_counts_pairs_and_explains_each_wrong_pair():
    q = by_kind("matching")
    answer = dict(q.answer)
    assert q.check(answer, "en").correct
    changed = dict(answer, mobile="core")
    result = q.check(changed, "en")
    assert not result.correct and result.score == pytest.approx(3 / 4)
    assert any(f.text.startswith("customers.mobile") for f in result.feedback)
    with pytest.raises(AnswerError, match="need a match"):
        q.check({"mobile": "general"}, "en")


def test_matching_tiers_agree_with_the_generators_ground_truth():
    q = by_kind("matching")
    catalogue = build_catalogue().set_index(["table", "column"])
    for left, tier in q.answer.items():
        assert catalogue.loc[("customers", left), "tier"] == tier


def test_answers_are_sealed_in_the_file_not_readable():
    raw = json.loads(Path(BANK.source).read_text("utf-8"))
    for q in raw["questions"]:
        assert q["answer"].startswith(SEAL_PREFIX)
    text = Path(BANK.source).read_text("utf-8")
    assert '"deregistration"]' not in text and '"mobile": "general"' not in text


def test_seal_round_trips_and_depends_on_the_question_id():
    sealed = seal("00", "q", {"a": ["x", 1]})
    assert unseal("00", "q", sealed) == {"a": ["x", 1]}
    with pytest.raises(BankError):
        unseal("00", "other", sealed)


def test_seal_file_seals_plain_answers_in_place(tmp_path):
    src = {"module": "zz", "questions": [{"id": "s", "kind": "single", "answer": "b",
                                          "prompt": {"zh-CN": "题", "en": "Q"},
                                          "options": [{"id": "a", "text": {"zh-CN": "甲", "en": "A"},
                                                       "explain": {"zh-CN": "否", "en": "No"}},
                                                      {"id": "b", "text": {"zh-CN": "乙", "en": "B"},
                                                       "explain": {"zh-CN": "是", "en": "Yes"}}]}]}
    path = tmp_path / "zz.json"
    path.write_text(json.dumps(src), "utf-8")
    assert seal_file(path) == 1
    assert seal_file(path) == 0
    assert read_bank(path).question("s").check("b", "en").correct


@pytest.mark.parametrize("mutate, message", [
    (lambda q: q["prompt"].pop("en"), "prompt: needs a text in every language"),
    (lambda q: q["options"][0].pop("explain"), r"options\[0\]\.explain"),
    (lambda q: q.update(kind="essay"), "kind: 'essay' is not one of"),
    (lambda q: q.update(answer="z"), "answer: does not fit a single question"),
])
def test_bad_bank_names_the_file_question_and_field(mutate, message):
    q = {"id": "s1", "kind": "single", "answer": "a", "prompt": {"zh-CN": "题", "en": "Q"},
         "options": [{"id": "a", "text": {"zh-CN": "甲", "en": "A"}, "explain": {"zh-CN": "是", "en": "Yes"}},
                     {"id": "b", "text": {"zh-CN": "乙", "en": "B"}, "explain": {"zh-CN": "否", "en": "No"}}]}
    mutate(q)
    with pytest.raises(BankError, match=message) as err:
        parse_bank({"module": "zz", "questions": [q]}, "banks/zz.json", sealed=False)
    assert str(err.value).startswith("banks/zz.json: question s1")


def test_broken_json_names_the_line(tmp_path):
    path = tmp_path / "bad.json"
    path.write_text('{\n "module": "zz",\n "questions": [\n}\n', "utf-8")
    with pytest.raises(BankError, match=r"bad.json:4: not valid JSON"):
        read_bank(path)


def test_labels_render_responses_for_people():
    q = by_kind("ordering")
    assert " → " in q.label(q.answer, "en")
    assert by_kind("numeric").label(3, "zh-CN") == "3 年"
    assert parse_number("1,000") == 1000
