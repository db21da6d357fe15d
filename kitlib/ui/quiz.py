"""``Quiz``: a module's questions as ipywidgets, checked at once, explained, recorded.

Only standard widgets (RadioButtons, Checkbox, Text, Select, Dropdown, Button, HTML), so the quiz
works the same in JupyterLab, Notebook 7 and Voilà, and every control is reachable with Tab and
works with Space and Enter (and the arrow keys in Voilà: JupyterLab's notebook keeps those for its own
shortcuts).  ``tests/browser`` proves both, keyboard only, in Chromium.  The checking is done by ``kitlib.learn.bank``; this
module only presents it and writes each attempt to the progress store.
"""
from __future__ import annotations

import html
import time
from dataclasses import dataclass, field

import ipywidgets as W

from .. import i18n
from ..i18n import t
from ..learn.bank import AnswerError, Bank, Question, Result, load_bank
from .answers import AnswerInputs, AnswerWidgetsMixin

TONES = {"right": ("✔", "#1b7f3b"), "wrong": ("✘", "#b3261e"), "info": ("ℹ", "#3a5a8c")}


@dataclass
class QuestionState:
    attempts: int = 0
    solved: bool = False
    first_score: float | None = None      # score of the first attempt, for the module score
    shown_at: float = field(default_factory=time.monotonic)
    last: Result | None = None
    solution_shown: bool = False


class Quiz(AnswerWidgetsMixin, W.VBox):
    """All questions of one bank, one at a time.

    ``Quiz("00")`` or ``Quiz(bank)``; ``store`` is a ``ProgressStore`` (or None: checked, not
    saved) and ``learner`` the name the answers are saved under.  The answer can be shown after
    ``reveal_after`` attempts.
    """

    def __init__(self, bank: Bank | str, store=None, learner: str | None = None,
                 lang: str | None = None, reveal_after: int = 3, language_toggle: bool = True):
        self.bank = load_bank(bank) if isinstance(bank, str) else bank
        self.store, self.learner = store, learner
        self.lang = i18n.normalize(lang) if lang else i18n.get_lang()
        self.reveal_after = reveal_after
        self.index = 0
        self.states = {q.id: QuestionState() for q in self.bank}
        self.store_error: str | None = None
        self._resume()
        first = self.states[self.bank.questions[0].id]

        self.toggle = W.ToggleButtons(options=[(i18n.t("lang.name", code), code) for code in i18n.LANGS],
                                      value=self.lang, description=i18n.both("lang.toggle", sep=" / "),
                                      style={"button_width": "5em", "description_width": "initial"})
        self.toggle.observe(self._on_lang, names="value")
        self.counter = W.HTML()
        self.prompt = W.HTML()
        self.hint = W.HTML()
        self.inputs = W.VBox()
        self.check_button = W.Button(button_style="primary", icon="check")
        self.solution_button = W.Button(icon="eye")
        self.prev_button = W.Button(icon="arrow-left")
        self.next_button = W.Button(icon="arrow-right")
        self.check_button.on_click(lambda _: self.submit())
        self.solution_button.on_click(lambda _: self.show_solution())
        self.prev_button.on_click(lambda _: self.goto(self.index - 1))
        self.next_button.on_click(lambda _: self.goto(self.index + 1))
        self.status = W.HTML()
        self.feedback = W.HTML()
        buttons = W.HBox([self.check_button, self.solution_button, self.prev_button, self.next_button])
        top = [self.toggle] if language_toggle else []
        super().__init__(top + [self.counter, self.prompt, self.hint, self.inputs, buttons, self.status,
                                self.feedback], layout=W.Layout(border="1px solid #ccc", padding="8px"))
        self._build(first.last.response if first.last else None)

    # -- navigation and language --------------------------------------------------------

    @property
    def question(self) -> Question:
        return self.bank.questions[self.index]

    @property
    def state(self) -> QuestionState:
        return self.states[self.question.id]

    def goto(self, index: int) -> None:
        """Show question ``index`` (0-based), keeping what was answered."""
        self.index = max(0, min(index, len(self.bank) - 1))
        self.state.shown_at = time.monotonic()
        self._build(self.state.last.response if self.state.last else None)

    def _on_lang(self, change) -> None:
        self.set_lang(change["new"])

    def set_lang(self, lang: str) -> None:
        """Re-render everything in ``lang``, keeping the current response."""
        response = self._read_raw()
        self.lang = i18n.normalize(lang)
        if self.toggle.value != self.lang:
            self.toggle.value = self.lang
        self._build(response)

    # -- rendering ----------------------------------------------------------------------

    def _build(self, response=None) -> None:
        q, lang = self.question, self.lang
        self.counter.value = f"<b>{t('quiz.question_n', lang, n=self.index + 1, total=len(self.bank))}</b>"
        reference = f"<br><small>{html.escape(q.reference)}</small>" if q.reference else ""
        self.prompt.value = f"<div style='font-size:1.05em'>{html.escape(q.text(lang))}</div>{reference}"
        hint_key = {"multiple": "quiz.multiple_hint", "ordering": "quiz.ordering_hint",
                    "matching": "quiz.matching_hint", "numeric": "quiz.numeric_hint"}.get(q.kind)
        self.hint.value = f"<i>{html.escape(t(hint_key, lang))}</i>" if hint_key else ""
        self._answer = AnswerInputs(q, lang, order_seed=f"{q.module}/{q.id}")
        self.inputs.children = self._answer.widgets
        if response is not None:
            self.set_response(response)
        self.check_button.description = t("quiz.submit", lang)
        self.solution_button.description = t("quiz.show_solution", lang)
        self.solution_button.tooltip = t("quiz.solution_after", lang, count=self.reveal_after)
        self.prev_button.description = t("quiz.previous", lang)
        self.next_button.description = t("quiz.next", lang)
        self.prev_button.disabled = self.index == 0
        self.next_button.disabled = self.index == len(self.bank) - 1
        self._render_feedback()

    def move(self, step: int) -> None:
        """Move the selected ordering item up (-1) or down (+1)."""
        self._answer.move(step)

    # -- responses ----------------------------------------------------------------------

    def _read_raw(self):
        return self._answer.raw()

    def set_response(self, response) -> None:
        """Put a response into the widgets, as a learner would (used by tests and by resume)."""
        self._answer.set(response)

    def submit(self) -> Result | None:
        """Check what the widgets hold, explain, count the attempt and save it."""
        q, state = self.question, self.state
        try:
            result = q.check(self._read_raw(), self.lang)
        except AnswerError as exc:          # not an answer yet: tell, count nothing
            self.status.value = f"<span style='color:{TONES['wrong'][1]}'>{html.escape(str(exc))}</span>"
            return None
        seconds = time.monotonic() - state.shown_at
        state.shown_at = time.monotonic()
        state.attempts += 1
        if state.first_score is None:
            state.first_score = result.score
        state.solved = state.solved or result.correct
        state.last = result
        saved = self._save(q, result, seconds)
        self._render_feedback(saved)
        return result

    def _save(self, q: Question, result: Result, seconds: float) -> str:
        if self.store is None or not self.learner:
            return ""
        try:
            self.store.record_attempt(self.learner, q.module, q.id, result.response, result.correct,
                                      score=result.score, seconds=seconds)
        except Exception as exc:  # the quiz goes on; the learner is told it was not saved
            self.store_error = str(exc).splitlines()[0]
            return t("quiz.not_recorded", self.lang, reason=self.store_error)
        return t("quiz.recorded", self.lang)

    def show_solution(self) -> None:
        """After ``reveal_after`` attempts: show the answer and the full explanation."""
        if self.state.attempts < self.reveal_after and not self.state.solved:
            self.status.value = html.escape(t("quiz.solution_after", self.lang, count=self.reveal_after))
            return
        self.state.solution_shown = True
        self._render_feedback()

    def _render_feedback(self, saved: str = "") -> None:
        state, q, lang = self.state, self.question, self.lang
        self.solution_button.disabled = not (state.solved or state.attempts >= self.reveal_after)
        parts = []
        if state.last is not None:
            verdict = "right" if state.last.correct else "wrong"
            mark, colour = TONES[verdict]
            parts.append(f"<div style='color:{colour};font-weight:bold'>{mark} "
                         f"{html.escape(t('quiz.right' if state.last.correct else 'quiz.wrong', lang))}</div>")
            items = "".join(f"<li style='color:{TONES[f.tone][1]}'>{TONES[f.tone][0]} {html.escape(f.text)}</li>"
                            for f in q.check(state.last.response, lang).feedback)
            parts.append(f"<ul style='margin:4px 0'>{items}</ul>")
        if state.solution_shown:
            parts.append(f"<div><b>{html.escape(t('quiz.solution', lang, answer=q.solution(lang)))}</b></div>")
            if q.explain:
                parts.append(f"<div>{html.escape(i18n.pick(q.explain, lang))}</div>")
        self.feedback.value = "".join(parts)
        status = t("quiz.attempts", lang, count=state.attempts)
        self.status.value = html.escape(status + (" · " + saved if saved else ""))

    # -- results ------------------------------------------------------------------------

    def _resume(self) -> None:
        """Continue where the learner left off: attempts and first scores from the store."""
        if self.store is None or not self.learner:
            return
        try:
            done = self.store.attempts(self.learner, self.bank.module)
        except Exception as exc:
            self.store_error = str(exc).splitlines()[0]
            return
        for item, rows in done.groupby("item"):
            if item in self.states:
                state = self.states[item]
                state.attempts = int(rows["attempt"].max())
                state.first_score = float(rows.sort_values("attempt")["score"].iloc[0])
                state.solved = bool(rows["correct"].any())
                try:
                    state.last = self.bank.question(item).check(rows.sort_values("attempt")["answer"].iloc[-1],
                                                                self.lang)
                except Exception:   # an answer to an older version of the question
                    state.last = None

    def summary(self) -> dict:
        """Questions answered, right, right at the first try, and the score (mean first-try score)."""
        states = self.states.values()
        total = len(self.bank)
        return {
            "total": total,
            "answered": sum(s.attempts > 0 for s in states),
            "right": sum(s.solved for s in states),
            "first_try": sum(s.first_score == 1.0 for s in states),
            "score": round(sum(s.first_score or 0.0 for s in states) / total, 4),
        }
