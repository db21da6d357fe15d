"""The Quiz widget: checks at once, explains, counts attempts, saves, resumes, switches language."""
import ipywidgets as W
import pytest

from kitlib.learn.store import ProgressStore
from kitlib.ui import Quiz


@pytest.fixture
def store(tmp_path):
    s = ProgressStore(f"sqlite:///{tmp_path}/progress.sqlite")
    yield s
    s.close()


def quiz_at(store, kind, learner="李雷 Li Lei"):
    quiz = Quiz("00", store=store, learner=learner, lang="en")
    quiz.goto(next(i for i, q in enumerate(quiz.bank) if q.kind == kind))
    return quiz


def test_single_choice_wrong_then_right_counts_two_attempts_and_saves_both(store):
    quiz = quiz_at(store, "single")
    q = quiz.question
    quiz._radio.value = next(o.id for o in q.options if o.id != q.answer)
    quiz.check_button.click()
    assert "Not yet" in quiz.feedback.value and "Attempts: 1" in quiz.status.value
    quiz._radio.value = q.answer
    quiz.check_button.click()
    assert "Correct" in quiz.feedback.value and "Attempts: 2" in quiz.status.value
    rows = store.attempts("李雷 Li Lei", "00")
    assert list(rows["attempt"]) == [1, 2] and list(rows["correct"]) == [False, True]
    assert list(rows["score"]) == [0.0, 1.0]
    assert (rows["seconds"] >= 0).all()


def test_multiple_choice_through_checkboxes(store):
    quiz = quiz_at(store, "multiple")
    for option_id in quiz.question.answer:
        quiz._boxes[option_id].value = True
    quiz.check_button.click()
    assert quiz.state.solved and quiz.state.first_score == 1.0
    assert store.attempts()["answer"].iloc[0] == sorted(quiz.question.answer)


def test_numeric_accepts_typed_text_and_explains_a_known_wrong_value(store):
    quiz = quiz_at(store, "numeric")
    quiz._number.value = "10"
    quiz.check_button.click()
    assert "Tax" in quiz.feedback.value or "tax" in quiz.feedback.value
    quiz._number.value = "３"
    quiz.check_button.click()
    assert quiz.state.solved and quiz.state.attempts == 2


def test_ordering_moves_with_up_and_down_buttons(store):
    quiz = quiz_at(store, "ordering")
    answer = list(quiz.question.answer)
    assert quiz._order != answer                      # never starts solved
    # sort by repeatedly selecting the right item for each position and moving it up
    for position, item in enumerate(answer):
        quiz._select.value = item
        while quiz._order.index(item) > position:
            quiz.move(-1)
    assert quiz._order == answer
    quiz.check_button.click()
    assert quiz.state.solved


def test_matching_through_dropdowns_with_one_wrong_pair_then_fixed(store):
    quiz = quiz_at(store, "matching")
    answer = dict(quiz.question.answer)
    for left, drop in quiz._drops.items():
        drop.value = answer[left]
    quiz._drops["mobile"].value = "core"
    quiz.check_button.click()
    assert not quiz.state.solved and quiz.state.first_score == 0.75
    quiz._drops["mobile"].value = "general"
    quiz.check_button.click()
    assert quiz.state.solved and quiz.state.attempts == 2


def test_an_incomplete_answer_is_explained_and_not_counted(store):
    quiz = quiz_at(store, "single")
    quiz.check_button.click()                        # nothing picked
    assert "Pick one option" in quiz.status.value
    assert quiz.state.attempts == 0 and store.attempts().empty


def test_answer_is_shown_only_after_three_attempts(store):
    quiz = quiz_at(store, "single")
    wrong = next(o.id for o in quiz.question.options if o.id != quiz.question.answer)
    quiz.solution_button.click()
    assert "Answer:" not in quiz.feedback.value
    for _ in range(3):
        quiz._radio.value = wrong
        quiz.check_button.click()
    assert not quiz.solution_button.disabled
    quiz.solution_button.click()
    assert "Answer: Art. 17" in quiz.feedback.value


def test_language_toggle_rerenders_and_keeps_the_response(store):
    quiz = quiz_at(store, "single")
    quiz._radio.value = "c"
    quiz.toggle.value = "zh-CN"
    assert quiz.check_button.description == "检查答案"
    assert quiz._radio.value == "c"
    assert "公司" in quiz.prompt.value


def test_a_new_quiz_resumes_attempts_from_the_store(store):
    first = quiz_at(store, "single")
    first._radio.value = first.question.answer
    first.check_button.click()
    again = quiz_at(store, "single")
    assert again.state.attempts == 1 and again.state.solved
    assert again._radio.value == again.question.answer
    assert "Correct" in again.feedback.value


def test_without_a_store_answers_are_checked_not_saved():
    quiz = Quiz("00", store=None, learner=None, lang="en")
    quiz._radio.value = quiz.question.answer
    quiz.check_button.click()
    assert quiz.state.solved and "Saved" not in quiz.status.value


def test_store_failure_is_reported_and_the_quiz_goes_on(store):
    quiz = quiz_at(store, "single")
    store.engine.dispose()
    store.record_attempt = lambda *a, **k: (_ for _ in ()).throw(OSError("disk full"))
    quiz._radio.value = quiz.question.answer
    quiz.check_button.click()
    assert "Not saved: disk full" in quiz.status.value and quiz.state.solved


def test_every_control_is_a_standard_keyboard_reachable_widget(store):
    quiz = Quiz("00", store=store, learner="x", lang="en")
    allowed = (W.RadioButtons, W.Checkbox, W.Text, W.Select, W.Dropdown, W.Button, W.ToggleButtons,
               W.HTML, W.Label, W.Box)
    for index in range(len(quiz.bank)):
        quiz.goto(index)
        stack = [quiz]
        while stack:
            widget = stack.pop()
            assert isinstance(widget, allowed), type(widget)
            stack.extend(getattr(widget, "children", ()))
            if isinstance(widget, W.Button):
                assert widget.description, "every button has a visible label"


def test_summary_scores_the_first_try(store):
    quiz = Quiz("00", store=store, learner="x", lang="en")
    quiz._radio.value = quiz.question.answer
    quiz.check_button.click()
    summary = quiz.summary()
    assert summary == {"total": 5, "answered": 1, "right": 1, "first_try": 1, "score": 0.2}
