"""The final assessment: banks 10 and 11, the draw, marking, the attempt rules, the records, the
course certificate it issues, the widget and the notebook."""
import json
import math
import re
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from kitlib.learn import certificate, dashboard, final
from kitlib.learn.bank import SEAL_PREFIX, bank_path, load_bank, read_bank
from kitlib.learn.final import FinalAssessment, FinalError, Policy, draw, item_id, mark, passed_record
from kitlib.learn.store import ProgressStore
from kitlib.ledger import Ledger
from kitlib.ui.final import FinalWidget

ROOT = Path(__file__).resolve().parents[1]
NAME = "王芳 Wang Fang"
ALL = [f"{n:02d}" for n in range(13)]            # every module of the course has a bank
HAN = re.compile(r"[\u4e00-\u9fff]")


@pytest.fixture
def store(tmp_path):
    s = ProgressStore(f"sqlite:///{tmp_path}/p.sqlite")
    yield s
    s.close()


def complete_all(store, learner=NAME, modules=None):
    for m in modules or final.examined_modules():
        store.record_completion(learner, m, score=0.9)


def right(paper, count=None):
    """Responses answering the first ``count`` questions right (all when None), the rest blank."""
    return {item_id(q): q.answer for q in paper.questions[:count]}


def wrong_response(q):
    """A well-formed response that is wrong and scores 0."""
    if q.kind == "single":
        return next(o.id for o in q.options if o.id != q.answer)
    if q.kind == "numeric":
        return float(q.answer) + 1000
    if q.kind == "multiple":
        spare = [o.id for o in q.options if o.id not in q.answer]
        return spare[: len(q.answer)] if len(spare) >= len(q.answer) else None
    return None


# -- banks 10 and 11 -----------------------------------------------------------------------

@pytest.mark.parametrize("module", ["10", "11"])
def test_new_banks_are_sealed_bilingual_and_use_every_kind(module):
    raw = json.loads(bank_path(module).read_text("utf-8"))
    assert raw["module"] == module
    assert all(q["answer"].startswith(SEAL_PREFIX) for q in raw["questions"])
    bank = read_bank(bank_path(module))
    assert 8 <= len(bank) <= 10
    assert {q.kind for q in bank} == {"single", "multiple", "numeric", "ordering", "matching"}
    for q in bank:
        english = re.sub(r"seed sections? [\u4e00-\u9fff]+", "", q.text("en"))     # seed sections keep their names
        assert HAN.search(q.text("zh-CN")) and not HAN.search(english), q.id
        assert q.reference, q.id
        assert q.check(q.answer, "en").correct          # the sealed answer is a right answer
        for option in q.options:                          # every option explains itself in both languages
            assert option.explain["zh-CN"].strip() and option.explain["en"].strip()


@pytest.mark.parametrize("module", ["10", "11"])
def test_new_banks_cite_articles_or_say_policy_or_source(module):
    for q in load_bank(module):
        assert re.search(r"Arts?\. \d+|[Pp]olicy|Seeds? |[Ll]egal reference", q.reference), (q.id, q.reference)


def test_known_wrong_values_in_new_banks_are_explained():
    gdpr = load_bank("11").question("gdpr-hours")
    assert gdpr.check("72 小时", "zh-CN").correct
    assert "CAC" in gdpr.check(4, "en").feedback[0].text
    audit = load_bank("10").question("audit-interval")
    assert "Art. 56" in audit.check(3, "en").feedback[0].text


def test_gdpr_questions_do_not_state_facts_the_legal_reference_lacks():
    """The legal reference covers GDPR Arts. 17, 33 and 34 only: no DPO or fine rule is asked as fact."""
    text = json.dumps(json.loads(bank_path("11").read_text("utf-8")), ensure_ascii=False)
    cited = set(re.findall(r"GDPR Arts?\. (\d+)", text)) | set(re.findall(r"GDPR 第 (\d+)", text))
    assert cited <= {"17", "33", "34"}
    assert "4%" not in text and "20 million" not in text


# -- the draw ------------------------------------------------------------------------------

def test_draw_represents_every_module_with_its_quota():
    paper = draw(NAME, 1, ALL, per_module=2)
    counts = {m: sum(q.module == m for q in paper.questions) for m in ALL}
    assert counts == {m: min(2, len(load_bank(m))) for m in ALL}
    assert paper.modules == tuple(ALL) and len(set(paper.items)) == len(paper)
    assert [q.module for q in paper.questions] == sorted(q.module for q in paper.questions)   # course order


def test_same_learner_and_attempt_give_the_same_paper_others_differ():
    assert draw(NAME, 3, ALL).items == draw(NAME, 3, ALL).items
    assert draw(NAME, 3, ALL).items != draw(NAME, 4, ALL).items
    assert draw(NAME, 1, ALL).items != draw("李雷 Li Lei", 1, ALL).items


def test_consecutive_attempts_share_no_question_and_every_question_comes_before_a_repeat():
    for attempt in range(1, 6):
        a, b = set(draw(NAME, attempt, ALL).items), set(draw(NAME, attempt + 1, ALL).items)
        assert not a & b
    for m in ALL:
        size = len(load_bank(m))
        seen = set()
        for attempt in range(1, math.ceil(size / 2) + 1):
            seen |= {i for i in draw(NAME, attempt, [m]).items}
        assert seen == {f"{m}/{q.id}" for q in load_bank(m)}


def test_draw_refuses_bad_arguments():
    with pytest.raises(FinalError, match="learner"):
        draw("  ", 1)
    with pytest.raises(FinalError, match="start at 1"):
        draw(NAME, 0)
    with pytest.raises(FinalError, match="no module"):
        draw(NAME, 1, [])


# -- marking -------------------------------------------------------------------------------

def test_marking_uses_each_questions_own_check_with_partial_credit():
    paper = draw(NAME, 1, ALL)
    multiple = next(q for q in paper.questions if q.kind == "multiple" and len(q.answer) >= 2)
    responses = right(paper)
    responses[item_id(multiple)] = multiple.answer[:1]                 # half of the ticks
    outcome = mark(paper, responses, pass_mark=0.8, lang="en")
    m = next(x for x in outcome.marks if x.item == item_id(multiple))
    assert m.score == multiple.check(multiple.answer[:1], "en").score and 0 < m.score < 1
    assert outcome.score == round((len(paper) - 1 + m.score) / len(paper), 4)
    assert outcome.by_module[multiple.module] == round((1 + m.score) / 2, 4)
    assert outcome.right == len(paper) - 1


def test_unanswered_and_malformed_responses_score_zero_and_unknown_items_are_refused():
    paper = draw(NAME, 1, ["00", "01"])
    numeric = next((q for q in paper.questions if q.kind == "numeric"), paper.questions[0])
    outcome = mark(paper, {item_id(numeric): "not a number" if numeric.kind == "numeric" else "zz"}, 0.8, "en")
    assert outcome.score == 0 and outcome.unanswered == paper.items
    assert outcome.marks[paper.items.index(item_id(numeric))].feedback          # says why it is no answer
    with pytest.raises(FinalError, match="no question '99/x'"):
        mark(paper, {"99/x": "a"})


def test_pass_at_the_mark_fail_just_below():
    paper = draw(NAME, 1, ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09"], per_module=2)
    assert len(paper) == 20
    at_mark = mark(paper, right(paper, 16), pass_mark=0.8)
    assert at_mark.score == 0.8 and at_mark.passed
    below = mark(paper, right(paper, 15), pass_mark=0.8)
    assert below.score == 0.75 and not below.passed
    assert final.passes(0.8, 0.8) and not final.passes(0.7999, 0.8)


def test_policy_comes_from_the_data_file_and_bad_values_are_refused():
    policy = final.load_policy()
    assert (policy.pass_mark, policy.questions_per_module, policy.cooldown_minutes, policy.attempts_per_day) == (0.8, 2, 30, 3)
    assert list(policy.table().columns) == ["规则", "rule", "value"]
    for bad in (dict(pass_mark=1.5), dict(questions_per_module=0), dict(cooldown_minutes=-1), dict(attempts_per_day=0)):
        with pytest.raises(FinalError):
            Policy(**bad)


# -- attempts, records and the certificate ---------------------------------------------------

def test_final_opens_only_when_every_module_is_complete(store):
    fa = FinalAssessment(store, NAME)
    status = fa.status()
    assert status.reason == "missing" and not status.can_start
    assert "00" in status.why("en") and "模块" in status.why("zh-CN")
    with pytest.raises(FinalError, match="not yet complete"):
        fa.start()
    complete_all(store)
    assert fa.status().can_start and len(fa.start()) == len(draw(NAME, 1))


def test_course_certificate_refused_before_the_final_is_passed_and_issued_after(store, tmp_path):
    complete_all(store)
    with pytest.raises(certificate.CertificateError, match="has not passed the final assessment"):
        certificate.issue(store, NAME, "course")
    fa = FinalAssessment(store, NAME)
    failed = fa.submit(fa.start(), right(fa.paper(1), 3), folder=tmp_path)
    assert not failed.passed and failed.certificate_code is None
    with pytest.raises(certificate.CertificateError, match="has not passed"):
        certificate.issue(store, NAME, "course")
    later = datetime.now(timezone.utc) + timedelta(minutes=31)
    paper = fa.start(at=later)
    passed = fa.submit(paper, right(paper), folder=tmp_path)
    assert passed.passed and passed.certificate_path == tmp_path / f"{NAME.replace(' ', '_')}-course.html"
    html = passed.certificate_path.read_text("utf-8")
    check = certificate.verify(store, passed.certificate_code, html)
    assert check.ok and check.payload["final"]["attempt"] == 2 and check.payload["final"]["score"] == 1.0
    assert 'data-key="final">100%<' in html and "结业考核" in html and "Final assessment" in html
    tampered = html.replace('data-key="final">100%<', 'data-key="final">99%<')
    assert "score shown" in certificate.verify(store, passed.certificate_code, tampered).reason
    assert certificate.issue(store, NAME, "course").code == passed.certificate_code     # stable on reissue


def test_a_failed_paper_starts_a_cooldown_and_a_day_has_an_attempt_limit(store, tmp_path):
    complete_all(store)
    fa = FinalAssessment(store, NAME, policy=Policy(cooldown_minutes=30, attempts_per_day=2))
    fa.submit(fa.start(), {}, certificate=False)
    now = datetime.now(timezone.utc)
    status = fa.status(now + timedelta(minutes=5))
    assert status.reason == "cooldown" and status.open_at > now + timedelta(minutes=29)
    assert "30 minutes" in status.why("en") and "30 分钟" in status.why("zh-CN")
    paper = fa.start(at=now + timedelta(minutes=31))
    fa.submit(paper, {}, certificate=False)
    day = fa.status(now + timedelta(minutes=70))
    if day.reason == "daily":     # both papers on one Shanghai day (not when the test spans midnight there)
        assert day.open_at.astimezone(final.TZ).hour == 0 and "At most 2 attempts a day" in day.why("en")
    assert fa.status(now + timedelta(days=1, minutes=31)).can_start


def test_a_paper_is_fixed_until_submitted_and_cannot_be_submitted_twice(store):
    complete_all(store)
    fa = FinalAssessment(store, NAME, policy=Policy(cooldown_minutes=0))
    first = fa.start()
    assert fa.start().items == first.items                     # reopening: the same paper
    fa.submit(first, {}, certificate=False)
    with pytest.raises(FinalError, match="open attempt is 2"):
        fa.submit(first, right(first), certificate=False)
    other = FinalAssessment(store, "李雷 Li Lei")
    with pytest.raises(FinalError, match="belongs to"):
        other.submit(fa.start(), {})


def test_no_retake_after_a_pass(store, tmp_path):
    complete_all(store)
    fa = FinalAssessment(store, NAME)
    paper = fa.start()
    fa.submit(paper, right(paper), folder=tmp_path)
    status = fa.status()
    assert status.reason == "passed" and "100%" in status.why("en")
    with pytest.raises(FinalError, match="Passed the final"):
        fa.start()


def test_a_pass_that_did_not_cover_every_module_does_not_earn_the_course(store, tmp_path):
    complete_all(store)
    short = FinalAssessment(store, NAME, modules=["00", "01"])
    paper = short.start()
    outcome = short.submit(paper, right(paper), folder=tmp_path)
    assert outcome.passed and outcome.certificate_code is None and "has not passed" in outcome.certificate_error
    assert passed_record(store, NAME, ["00", "01"]) is not None
    assert passed_record(store, NAME) is None
    assert FinalAssessment(store, NAME).status().can_start     # the full final is still open


def test_records_question_rows_then_the_paper_row_and_a_completion_the_dashboard_reads(store, tmp_path):
    complete_all(store)
    fa = FinalAssessment(store, NAME)
    paper = fa.start()
    outcome = fa.submit(paper, right(paper, len(paper) - 2), folder=tmp_path)
    rows = store.attempts(NAME, final.FINAL)
    assert list(rows["item"]) == paper.items + [final.PAPER_ITEM]
    summary = rows["answer"].iloc[-1]
    assert summary["paper"] == 1 and summary["items"] == paper.items and summary["passed"] == outcome.passed
    assert rows["score"].iloc[-1] == outcome.score and bool(rows["correct"].iloc[-1]) == outcome.passed
    assert rows["answer"].iloc[0] == {"paper": 1, "response": paper.questions[0].check(paper.questions[0].answer).response}
    history = fa.history()
    assert list(history["attempt"]) == [1] and history["right"].iloc[0] == len(paper) - 2
    table = dashboard.completion(store)
    row = table[(table["learner"] == NAME) & (table["module"] == final.FINAL)].iloc[0]
    assert row["status"] == "completed" and row["score"] == outcome.score


def test_ledger_gets_one_training_entry_per_submitted_paper(store, tmp_path):
    complete_all(store)
    ledger = Ledger("sqlite://")
    fa = FinalAssessment(store, NAME)
    paper = fa.start()
    outcome = fa.submit(paper, right(paper), folder=tmp_path, ledger=ledger)
    training = ledger.entries("training")
    assert len(training) == 1
    details = training[0].details
    assert details["assessment"] == "final" and details["passed"] and details["certificate"] == outcome.certificate_code
    assert NAME not in json.dumps(details, ensure_ascii=False)


# -- the widget ----------------------------------------------------------------------------

def test_widget_closed_shows_why_and_no_inputs(store):
    widget = FinalWidget(FinalAssessment(store, NAME), lang="en")
    assert not widget.is_open and widget.paper is None and widget.inputs.children == ()
    assert "not yet complete" in widget.header.value
    widget.set_lang("zh-CN")
    assert "尚未完成" in widget.header.value


def test_widget_walks_the_paper_asks_before_submitting_blanks_and_shows_the_result(store, tmp_path):
    complete_all(store)
    widget = FinalWidget(FinalAssessment(store, NAME), lang="en", folder=tmp_path)
    paper = widget.paper
    assert widget.is_open and "Question 1 of" in widget.counter.value
    for n, q in enumerate(paper.questions[:-1]):
        assert widget.index == n
        if q.kind == "single":
            widget._radio.value = q.answer
        elif q.kind == "multiple":
            for option_id in q.answer:
                widget._boxes[option_id].value = True
        elif q.kind == "numeric":
            widget._number.value = str(q.answer)
        elif q.kind == "ordering":
            for position, item in enumerate(q.answer):
                widget._select.value = item
                while widget._order.index(item) > position:
                    widget.move(-1)
        else:
            for left, drop in widget._drops.items():
                drop.value = q.answer[left]
        widget.next_button.click()
    widget.prev_button.click()
    widget.next_button.click()                                    # answers survive navigation
    widget.set_lang("zh-CN")
    widget.submit_button.click()                                 # the last question is blank: asked first
    assert widget.outcome is None and f"第 {len(paper)} 题" in widget.message.value
    assert widget.submit_button.description == "仍然交卷"
    widget.set_lang("en")
    widget.submit_button.click()
    outcome = widget.outcome
    assert outcome is not None and outcome.right == len(paper) - 1
    assert outcome.passed == final.passes((len(paper) - 1) / len(paper), 0.8)
    result = widget.result.value
    assert "data-result='passed'" in result and outcome.certificate_code in result and str(tmp_path) in result
    for module in paper.modules:
        assert f"<td>{module} " in result
    assert not widget.is_open and widget.buttons.layout.display == "none"
    widget.set_lang("zh-CN")
    assert "通过" in widget.result.value and "课程证书验证码" in widget.result.value


def test_widget_shows_a_failed_paper_and_the_cooldown(store):
    complete_all(store)
    widget = FinalWidget(FinalAssessment(store, NAME), lang="en")
    widget.submit_button.click()
    widget.submit_button.click()
    assert widget.outcome.score == 0 and "data-result='failed'" in widget.result.value
    assert "wait 30 minutes" in widget.header.value


# -- the notebook --------------------------------------------------------------------------

NOTEBOOK = ROOT / "notebooks" / "final_assessment.ipynb"


def _cells():
    return json.loads(NOTEBOOK.read_text("utf-8"))["cells"]


def test_final_notebook_follows_the_template_where_it_applies():
    cells = _cells()
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    headings = ["学习目标 · Learning objectives", "预计用时 · Estimated time", "先修 · Prerequisites",
                "小结 · Summary", "参考 · References"]
    positions = [markdown.find(h) for h in headings]
    assert -1 not in positions and positions == sorted(positions)
    policy = final.load_policy()
    assert f"{policy.minutes} 分钟 · {policy.minutes} minutes" in markdown
    assert re.search(r"Arts?\. \d+", markdown[markdown.find("参考 · References"):])
    first = "".join(cells[0]["source"]).splitlines()
    assert HAN.search(first[0]) and first[1].startswith("## ") and not HAN.search(first[1])
    for cell in cells:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None
        else:
            body = re.sub(r"<!--.*?-->|`[^`]*`", "", "".join(cell["source"]), flags=re.S)
            han, word = HAN.search(body), re.search(r"\b[A-Za-z]{3,}\b", body)
            assert han and word and han.start() < word.start()
