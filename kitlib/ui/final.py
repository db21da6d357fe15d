"""``FinalWidget``: the final assessment as ipywidgets, one question at a time, marked on submit.

Unlike the module quiz it gives no feedback per question before the paper is submitted; then it
shows the score, pass or fail, the per-module breakdown, a review of every question, and on a
pass the course certificate's code and file.  The paper, marking, records and certificate are
``kitlib.learn.final``'s; this module only presents them.  Standard widgets only, both languages.
"""
from __future__ import annotations

import html
import time
from datetime import datetime
from pathlib import Path

import ipywidgets as W

from .. import i18n
from ..i18n import pick
from ..learn.bank import AnswerError, Question
from ..learn.final import FinalAssessment, FinalError, Outcome, Paper, item_id, title
from ..learn.modules import catalogue
from .answers import AnswerInputs, AnswerWidgetsMixin

__all__ = ["FinalWidget"]

UI = {
    "counter": {"zh-CN": "第 {n} 题 / 共 {total} 题 · 模块 {module} {module_title}",
                "en": "Question {n} of {total} · module {module} {module_title}"},
    "answered": {"zh-CN": "已作答 {count} / {total} 题", "en": "{count} of {total} answered"},
    "previous": {"zh-CN": "上一题", "en": "Previous"},
    "next": {"zh-CN": "下一题", "en": "Next"},
    "submit": {"zh-CN": "交卷", "en": "Submit the paper"},
    "submit_anyway": {"zh-CN": "仍然交卷", "en": "Submit anyway"},
    "unanswered": {"zh-CN": "还有 {count} 道题未答完(第 {numbers} 题),未答的题记 0 分。再按一次“仍然交卷”即可提交。",
                   "en": "{count} question(s) not fully answered (no. {numbers}); they score 0. Press “Submit anyway” to submit."},
    "multiple": {"zh-CN": "可多选。", "en": "Tick every option that applies."},
    "ordering": {"zh-CN": "选中一项,用“上移”“下移”排序。", "en": "Select an item and move it with Up and Down."},
    "matching": {"zh-CN": "为每一项选择对应的答案。", "en": "Choose a match for each entry."},
    "numeric": {"zh-CN": "填写一个数字。", "en": "Enter a number."},
    "score": {"zh-CN": "成绩 {score}(答对 {right} / {total} 题),及格线 {pass_mark}。",
              "en": "Score {score} ({right} of {total} right); pass mark {pass_mark}."},
    "passed": {"zh-CN": "✔ 通过", "en": "✔ Passed"},
    "failed": {"zh-CN": "✘ 未通过", "en": "✘ Not passed"},
    "certificate": {"zh-CN": "课程证书验证码 {code};证书文件:{path}",
                    "en": "Course certificate code {code}; certificate file: {path}"},
    "certificate_missing": {"zh-CN": "未能签发课程证书:{reason}", "en": "No course certificate: {reason}"},
    "module": {"zh-CN": "模块", "en": "Module"},
    "questions": {"zh-CN": "题数", "en": "Questions"},
    "right": {"zh-CN": "答对", "en": "Right"},
    "module_score": {"zh-CN": "成绩", "en": "Score"},
    "review": {"zh-CN": "逐题回顾", "en": "Question by question"},
    "not_answered": {"zh-CN": "未作答", "en": "not answered"},
    "error": {"zh-CN": "未能交卷:{reason}", "en": "The paper was not submitted: {reason}"},
    "language": {"zh-CN": "语言 / Language", "en": "语言 / Language"},
}


def _t(key: str, lang: str, **values) -> str:
    return pick(UI[key], lang).format(**values)


def _e(text) -> str:
    return html.escape(str(text))


class FinalWidget(AnswerWidgetsMixin, W.VBox):
    """``FinalWidget(FinalAssessment(store, learner))``: the learner's open paper, or why it is
    not open.  ``folder`` is where the certificate page goes; ``ledger`` gets the training record;
    ``at`` is the time the paper is opened (default now)."""

    def __init__(self, assessment: FinalAssessment, lang: str | None = None, at: datetime | None = None,
                 folder: Path | str | None = None, ledger=None, language_toggle: bool = True):
        self.assessment = assessment
        self.lang = i18n.normalize(lang) if lang else i18n.get_lang()
        self.folder, self.ledger = folder, ledger
        self.status = assessment.status(at)
        self.paper: Paper | None = assessment.start(at) if self.status.can_start else None
        self.responses: dict[str, object] = {}
        self._moved: set[str] = set()          # ordering questions the learner has put in an order
        self.outcome: Outcome | None = None
        self.index = 0
        self._confirm = False
        self._opened = time.monotonic()

        self.toggle = W.ToggleButtons(options=[(i18n.t("lang.name", code), code) for code in i18n.LANGS],
                                      value=self.lang, description=UI["language"]["en"],
                                      style={"button_width": "5em", "description_width": "initial"})
        self.toggle.observe(lambda change: self.set_lang(change["new"]), names="value")
        self.header = W.HTML()
        self.counter = W.HTML()
        self.prompt = W.HTML()
        self.hint = W.HTML()
        self.inputs = W.VBox()
        self.prev_button = W.Button(icon="arrow-left")
        self.next_button = W.Button(icon="arrow-right")
        self.submit_button = W.Button(button_style="primary", icon="check")
        self.prev_button.on_click(lambda _: self.goto(self.index - 1))
        self.next_button.on_click(lambda _: self.goto(self.index + 1))
        self.submit_button.on_click(lambda _: self.submit())
        self.message = W.HTML()
        self.result = W.HTML()
        self.buttons = W.HBox([self.prev_button, self.next_button, self.submit_button])
        top = [self.toggle] if language_toggle else []
        super().__init__(top + [self.header, self.counter, self.prompt, self.hint, self.inputs, self.buttons,
                                self.message, self.result],
                         layout=W.Layout(border="1px solid #ccc", padding="8px"))
        self._render()

    # -- state ------------------------------------------------------------------------------

    @property
    def question(self) -> Question | None:
        return self.paper.questions[self.index] if self.paper is not None else None

    @property
    def is_open(self) -> bool:
        """A paper is on screen and not yet submitted."""
        return self.paper is not None and self.outcome is None

    def goto(self, index: int) -> None:
        """Show question ``index`` (0-based), keeping the current response."""
        if not self.is_open:
            return
        self._keep()
        self.index = max(0, min(index, len(self.paper) - 1))
        self._render()

    def set_lang(self, lang: str) -> None:
        if self.is_open:
            self._keep()
        self.lang = i18n.normalize(lang)
        if self.toggle.value != self.lang:
            self.toggle.value = self.lang
        self._render()

    def incomplete(self) -> list[int]:
        """1-based numbers of the questions without a usable answer yet."""
        self._keep()
        missing = []
        for n, q in enumerate(self.paper.questions, 1):
            given = self.responses.get(item_id(q))
            try:
                if given is None:
                    raise AnswerError("unanswered")
                q.normalize(given, self.lang)
            except AnswerError:
                missing.append(n)
        return missing

    def submit(self) -> Outcome | None:
        """Submit the paper (asking once more if questions are unanswered); show the result."""
        if not self.is_open:
            return None
        missing = self.incomplete()
        if missing and not self._confirm:
            self._confirm = True
            self.message.value = (f"<span style='color:#b3261e'>"
                                  f"{_e(_t('unanswered', self.lang, count=len(missing), numbers=', '.join(map(str, missing))))}"
                                  f"</span>")
            self.submit_button.description = _t("submit_anyway", self.lang)
            return None
        responses = {item: value for item, value in self.responses.items() if value is not None}
        try:
            self.outcome = self.assessment.submit(self.paper, responses, lang=self.lang, folder=self.folder,
                                                  ledger=self.ledger, seconds=time.monotonic() - self._opened)
        except (FinalError, ValueError) as exc:
            self.message.value = f"<span style='color:#b3261e'>{_e(_t('error', self.lang, reason=exc))}</span>"
            return None
        self.status = self.assessment.status()
        self._render()
        return self.outcome

    # -- reading and writing the inputs ----------------------------------------------------

    def _keep(self) -> None:
        if self.is_open:
            self.responses[item_id(self.question)] = self._read()

    def _read(self):
        raw, kind = self._answer.raw(), self.question.kind
        if kind == "multiple":
            return raw or None
        if kind == "numeric":
            return raw.strip() or None
        if kind == "ordering":    # an order nobody touched is no answer (it never starts on the answer)
            return raw if item_id(self.question) in self._moved else None
        if kind == "matching":
            return raw if any(v is not None for v in raw.values()) else None
        return raw

    def set_response(self, response) -> None:
        """Put a response into the current question's widgets, as a learner would."""
        self._answer.set(response)
        if self.question.kind == "ordering":
            self._moved.add(item_id(self.question))

    def move(self, step: int) -> None:
        """Move the selected ordering item up (-1) or down (+1)."""
        self._moved.add(item_id(self.question))
        self._answer.move(step)

    # -- rendering ------------------------------------------------------------------------

    def _render(self) -> None:
        lang = self.lang
        self.header.value = (f"<h3 style='margin:0'>{_e(title(lang))}</h3>"
                             f"<div>{_e(self.assessment.learner)}</div>"
                             f"<div>{_e(self.status.why(lang))}</div>")
        self.submit_button.description = _t("submit_anyway" if self._confirm else "submit", lang)
        self.prev_button.description = _t("previous", lang)
        self.next_button.description = _t("next", lang)
        if not self.is_open:
            self.buttons.layout.display = "none"
            self.inputs.children = ()
            for part in (self.counter, self.prompt, self.hint):
                part.value = ""
            self.message.value = ""
            self.result.value = self._result_html() if self.outcome is not None else ""
            return
        q, n, total = self.question, self.index + 1, len(self.paper)
        answered = sum(v is not None for v in self.responses.values())
        self.counter.value = (f"<b>{_e(_t('counter', lang, n=n, total=total, module=q.module, module_title=catalogue()[q.module].title(lang)))}</b>"
                              f" <small>({_e(_t('answered', lang, count=answered, total=total))})</small>")
        reference = f"<br><small>{_e(q.reference)}</small>" if q.reference else ""
        self.prompt.value = f"<div style='font-size:1.05em'>{_e(q.text(lang))}</div>{reference}"
        self.hint.value = f"<i>{_e(_t(q.kind, lang))}</i>" if q.kind in ("multiple", "ordering", "matching", "numeric") else ""
        self._answer = AnswerInputs(q, lang, order_seed=f"final/{self.paper.learner}/{self.paper.attempt}/{item_id(q)}")
        self.inputs.children = self._answer.widgets
        given = self.responses.get(item_id(q))
        if given is not None:
            self.set_response(given)
        self.prev_button.disabled = self.index == 0
        self.next_button.disabled = self.index == total - 1

    def _result_html(self) -> str:
        out, lang = self.outcome, self.lang
        verdict = _t("passed" if out.passed else "failed", lang)
        colour = "#1b7f3b" if out.passed else "#b3261e"
        parts = [f"<div style='color:{colour};font-weight:bold;font-size:1.1em' data-result='{'passed' if out.passed else 'failed'}'>"
                 f"{_e(verdict)}</div>",
                 f"<div>{_e(_t('score', lang, score=f'{out.score:.0%}', right=out.right, total=len(out.marks), pass_mark=f'{out.pass_mark:.0%}'))}</div>"]
        if out.certificate_code:
            parts.append(f"<div><b>{_e(_t('certificate', lang, code=out.certificate_code, path=out.certificate_path))}</b></div>")
        elif out.certificate_error:
            parts.append(f"<div>{_e(_t('certificate_missing', lang, reason=out.certificate_error))}</div>")
        rows = "".join(f"<tr><td>{_e(r.module)} {_e(catalogue()[r.module].title(lang))}</td>"
                       f"<td style='text-align:right'>{r.questions}</td><td style='text-align:right'>{r.right}</td>"
                       f"<td style='text-align:right'>{r.score:.0%}</td></tr>"
                       for r in out.table().itertuples())
        head = "".join(f"<th>{_e(_t(k, lang))}</th>" for k in ("module", "questions", "right", "module_score"))
        parts.append(f"<table style='border-collapse:collapse;margin:6px 0'><tr>{head}</tr>{rows}</table>")
        review = []
        for n, m in enumerate(out.marks, 1):
            mark_ = "✔" if m.correct else "✘"
            if not m.answered and not m.feedback:
                notes = _t("not_answered", lang)
            else:
                notes = " ".join(f.text for f in m.question.check(m.response, lang).feedback) if m.answered else \
                    " ".join(f.text for f in m.feedback)
            review.append(f"<li>{mark_} {n}. [{_e(m.module)}] {_e(m.question.text(lang))} "
                          f"<b>{m.score:.0%}</b><br><small>{_e(notes)}</small></li>")
        parts.append(f"<details><summary>{_e(_t('review', lang))}</summary><ol style='list-style:none;padding-left:0'>"
                     f"{''.join(review)}</ol></details>")
        return "".join(parts)
