"""Module 02's protection plan: the rule per column, the exercise marked by it, the widget that saves it."""
import pytest

from kitlib.learn.store import ProgressStore
from kitlib.protect.plan import protection_exercise, protection_plan, recommend
from kitlib.synth import generate
from kitlib.ui.choices import ChoiceGrid


@pytest.fixture(scope="module")
def small_case():
    return generate(customers=400, seed=8)



def test_core_and_sensitive_columns_must_be_encrypted():
    for tier in ("core", "sensitive"):
        best, accepted, _, en = recommend(tier, "identity_document")
        assert best == "encrypt" and accepted == {"encrypt"} and en


def test_contact_columns_may_be_masked_or_encrypted_but_not_pseudonymised():
    best, accepted, zh, en = recommend("general", "contact")
    assert best == "mask" and accepted == {"mask", "encrypt"}
    assert "pseudonym" not in accepted and "假名" in zh


def test_the_plan_covers_every_column_of_the_catalogue(small_case):
    plan = protection_plan(small_case.catalogue)
    assert len(plan) == len(small_case.catalogue.drop_duplicates(["table", "column"]))
    rows = plan.set_index(["table", "column"])
    assert rows.loc[("customers", "resident_id"), "protection"] == "encrypt"
    assert rows.loc[("customers", "customer_id"), "protection"] == "keep"
    assert rows.loc[("tickets", "text"), "protection"] == "encrypt"
    assert rows.loc[("customers", "uscc"), "protection"] == "keep"   # not personal information


def test_exercise_shows_masked_examples_only(small_case):
    exercise = protection_exercise(small_case)
    details = exercise.rows.set_index("key")["detail"]
    full_id = small_case["customers"]["resident_id"].dropna().iloc[0]
    assert full_id not in details["customers.resident_id"] and "*" in details["customers.resident_id"]


def test_the_kits_plan_scores_full_marks_and_each_miss_is_explained(small_case):
    exercise = protection_exercise(small_case)
    plan = protection_plan(small_case.catalogue).set_index(["table", "column"])["protection"]
    answers = {key: plan[tuple(key.split("."))] for key in exercise.rows["key"]}
    result = exercise.score(answers, "en")
    assert result.correct and result.score == 1.0 and (result.rows["explanation"] == "").all()
    answers["customers.bank_card"] = "mask"
    answers["customers.customer_id"] = "pseudonymise"
    result = exercise.score(answers, "en")
    rows = result.rows.set_index("key")
    assert result.score == pytest.approx(9 / 11, abs=1e-4)
    assert rows.loc["customers.bank_card", "explanation"].startswith("Expected: encrypt the field")
    assert "for extracts, not the live system" in rows.loc["customers.customer_id", "explanation"]
    zh = exercise.score(answers, "zh-CN").rows.set_index("key")
    assert zh.loc["customers.bank_card", "explanation"].startswith("应为:字段加密")


def test_answers_for_rows_not_in_the_exercise_are_refused(small_case):
    with pytest.raises(KeyError, match="not in the exercise"):
        protection_exercise(small_case).score({"customers.nope": "keep"}, "en")


def test_widget_marks_saves_and_counts_checks(small_case, tmp_path):
    exercise = protection_exercise(small_case)
    store = ProgressStore(f"sqlite:///{tmp_path}/p.sqlite")
    widget = ChoiceGrid(exercise, store=store, learner="x", module="02", lang="en")
    widget.check()
    plan = protection_plan(small_case.catalogue).set_index(["table", "column"])["protection"]
    widget.set_answers({key: plan[tuple(key.split("."))] for key in exercise.rows["key"]})
    result = widget.check()
    assert result.correct and "All right." in widget.status.value and "Checks: 2" in widget.status.value
    rows = store.attempts("x", "02")
    assert list(rows["item"]) == ["protection-plan"] * 2 and list(rows["correct"]) == [False, True]
