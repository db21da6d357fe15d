"""Module 11's case studies: data made from the kit, answers computed from it (and changing with it),
marking of right and wrong answers, the narrative file's validation, and the ledger record."""
import copy
import re

import pandas as pd
import pytest

from kitlib.international import CASE_IDS, InternationalError, build_case, build_cases
from kitlib.international.cases import LETTERS, default_cases_path, load_narratives
from kitlib.ledger import Ledger
from kitlib.synth import check_ids, generate

HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture(scope="module")
def small():
    return generate(customers=300, seed=3, scenario="dissolution")


@pytest.fixture(scope="module")
def built(small, tmp_path_factory):
    ledger = Ledger("sqlite://")
    studies = build_cases(small, seed=3, workdir=tmp_path_factory.mktemp("cases"), ledger=ledger)
    return studies, ledger


def test_four_cases_each_with_bilingual_story_timeline_data_and_three_to_five_questions(built):
    studies, _ = built
    assert tuple(studies) == CASE_IDS
    for study in studies.values():
        for zh, en in (study.title, study.background, study.debrief):
            assert HAN.search(zh) and not HAN.search(en.replace(study.facts.get("successor", "") or "", "")), study.id
            assert "{" not in zh + en
        assert 3 <= len(study.questions) <= 5
        assert len(study.timeline) >= 3 and study.timeline["date"].is_monotonic_increasing
        assert study.data and all(isinstance(f, pd.DataFrame) and len(f) for f in study.data.values())
        for q in study.questions:
            assert len(q.choices) == 4 and len({c[1] for c in q.choices}) == 4
            assert all(HAN.search(c[0]) or re.fullmatch(r"[\d,]+|[A-Z]+ Arts?\. [\d–, ]+", c[0]) for c in q.choices)
            assert q.why[0] and q.why[1]
        assert study.cites


def test_right_answers_score_full_marks_and_wrong_ones_are_explained_in_the_learners_language(built):
    studies, _ = built
    for study in studies.values():
        ex = study.exercise("en")
        assert ex.item == f"case-{study.id}" and list(ex.rows["key"]) == [q.key for q in study.questions]
        assert ex.score(study.answers(), "en").correct
        wrong = {q.key: next(x for x in LETTERS if x != q.letter) for q in study.questions}
        result = ex.score(wrong, "en")
        assert result.score == 0
        for q, why in zip(study.questions, result.rows["explanation"]):
            assert why.startswith(f"Expected: {q.letter}. {q.choices[q.answer][1]}")
        zh = study.exercise("zh-CN").score({}, "zh-CN")
        assert all(w.startswith("应为") for w in zh.rows["explanation"])


def test_the_leaked_export_answers_come_from_the_watermark_and_the_grading(built, small):
    study = built[0]["leaked-export"]
    sample = study.data["leaked_sample"]
    ids = sample.iloc[:, 0].astype(str) if sample.iloc[:, 0].astype(str).str.startswith("CM").all() else sample["member_no"]
    real = sample["real_customer"]
    assert check_ids(ids[real]).passed == real.sum()
    assert set(ids[real]) <= set(small["customers"]["customer_id"])
    q = {x.key: x for x in study.questions}
    assert q["real-rows"].choices[q["real-rows"].answer][1] == f"{int(real.sum()):,}"
    assert int(real.sum()) < len(sample)                       # the fakes are told apart
    # a few thousand people at most: general grade, so the GDPR's 72 hours come first
    first = q["first-deadline"].choices[q["first-deadline"].answer][1]
    assert first.startswith("notify the EU supervisory authority within 72 hours")
    found = pd.Timestamp(study.facts["discovered_at"])
    assert first.endswith((found + pd.Timedelta(hours=72)).strftime("%Y-%m-%d %H:%M"))
    assert q["china-notice"].choices[q["china-notice"].answer][1] == "PIPL Art. 57"
    catalogue = small.catalogue.set_index(["table", "column"])
    picked = q["sensitive-column"].choices[q["sensitive-column"].answer][1].split(" ")[0]
    assert bool(catalogue.loc[("customers", picked), "art28"])
    assert len(study.data["eu_residents"]) == study.facts["eu"] >= 1


def _count(study, key):
    q = next(x for x in study.questions if x.key == key)
    return int(q.choices[q.answer][1].replace(",", ""))


def test_the_successor_answers_follow_the_consent_records_and_change_when_they_change(small, tmp_path):
    study = build_case("successor-marketing", small, seed=4, workdir=tmp_path)
    sends = study.data["promotion_sends"]
    day = sends["sent_at"].min().normalize()
    co = small["consents"]
    m = co[(co["purpose"] == "marketing") & (pd.to_datetime(co["given_on"]) <= day)
           & (co["withdrawn_on"].isna() | (pd.to_datetime(co["withdrawn_on"]) > day))]
    expected = int((~sends["customer_id"].isin(set(m["customer_id"]))).sum())
    assert _count(study, "no-consent") == expected > 0
    kids = set(small["customers"].loc[small["customers"]["is_minor"], "customer_id"])
    assert _count(study, "children") == int(sends["customer_id"].isin(kids).sum())
    assert next(q for q in study.questions if q.key == "article").choices[study.questions[2].answer][1].startswith("PIPL Art. 22")
    # everyone withdraws marketing consent: every message now lacks consent
    changed = copy.copy(small)
    changed.tables = dict(small.tables)
    consents = small["consents"].copy()
    consents.loc[consents["purpose"] == "marketing", "withdrawn_on"] = pd.Timestamp("2000-01-01")
    changed.tables["consents"] = consents
    again = build_case("successor-marketing", changed, seed=4, workdir=tmp_path)
    assert _count(again, "no-consent") == len(again.data["promotion_sends"])


def test_the_shareholder_copy_counts_rows_without_separate_consent_and_children(built, small):
    study = built[0]["shareholder-copy"]
    copy_frame = study.data["group_crm_copy"]
    co = small["consents"]
    ok = set(co.loc[(co["purpose"] == "cross_border") & co["separate_consent"] & co["withdrawn_on"].isna(), "customer_id"])
    assert _count(study, "no-consent") == int((~copy_frame["customer_id"].isin(ok)).sum()) > 0
    kids = set(small["customers"].loc[small["customers"]["is_minor"], "customer_id"])
    assert _count(study, "children") == int(copy_frame["customer_id"].isin(kids).sum()) >= 1
    gdpr = next(q for q in study.questions if q.key == "gdpr-transfer")
    assert "does not cover" in gdpr.choices[gdpr.answer][1]
    dissolve = next(q for q in study.questions if q.key == "at-dissolution")
    assert dissolve.choices[dissolve.answer][1].startswith("deleted") and study.facts["delete_by"] in dissolve.choices[dissolve.answer][1]


def test_the_tapes_answers_follow_the_retention_plan(built, small):
    study = built[0]["backup-tapes"]
    tapes = study.data["tapes"]
    last = tapes.iloc[-1]
    assert _count(study, "overdue") == last["customers"] == study.facts["customers"]   # all customer data was due
    assert _count(study, "kept") == last["orders"]                                      # vouchers kept for decades
    assert pd.Timestamp(study.facts["orders_until"]) > pd.Timestamp(study.facts["found_on"])
    assert tapes["customers"].is_monotonic_increasing
    meanwhile = next(q for q in study.questions if q.key == "meanwhile")
    assert meanwhile.basis == ("PIPL Art. 47",)


def test_each_case_records_one_training_entry_without_raw_identifiers(built):
    _, ledger = built
    entries = [e for e in ledger.entries() if e.details.get("operation") == "case_study_data"]
    assert [e.details["case"] for e in entries] == list(CASE_IDS)
    for e in entries:
        assert e.type == "training" and e.subjects
        assert not re.search(r"CM\d{8}", str(e.details))


def test_a_relocation_case_or_an_unknown_case_is_refused(tmp_path):
    relocation = generate(customers=50, seed=2, scenario="relocation")
    with pytest.raises(InternationalError, match=r"^case: scenario 'relocation'"):
        build_cases(relocation, workdir=tmp_path)
    with pytest.raises(InternationalError, match=r"^case_id: unknown case 'phishing'"):
        build_case("phishing", relocation)


@pytest.mark.parametrize("old, new, message", [
    ('{successor}。{transferred_on}', '{successor}。{transfered_on}', r"case\[1\]\.background_zh: unknown placeholder \{transfered_on\}"),
    ('id = "backup-tapes"', 'id = "lost-laptop"', r"case\[3\]\.id: 'lost-laptop' is not one of"),
    ('cites = ["PIPL Art. 22", "PIPL Art. 28"', 'cites = ["PIPL Art. 122", "PIPL Art. 28"', r"case\[1\]\.cites: .*PIPL Art\. 122"),
])
def test_a_bad_narrative_file_fails_with_one_line_naming_file_line_and_field(tmp_path, old, new, message):
    text = default_cases_path().read_text("utf-8")
    assert old in text
    path = tmp_path / "my-cases.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(InternationalError) as info:
        load_narratives(path)
    assert re.match(rf"^my-cases\.toml:\d+: {message}", str(info.value)) and "\n" not in str(info.value)
