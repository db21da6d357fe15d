"""``ChoiceGrid``: one drop-down per row of a ``ChoiceExercise``, a Check button, a mark and an
explanation for every miss; each check is saved as one attempt so the dashboard sees it."""
from __future__ import annotations

import html
import time

import ipywidgets as W

from .. import i18n
from ..i18n import t
from ..learn.choices import ChoiceExercise, ChoiceResult
from .saving import save_check


class ChoiceGrid(W.VBox):
    def __init__(self, exercise: ChoiceExercise, store=None, learner: str | None = None, module: str = "",
                 lang: str | None = None):
        self.exercise = exercise
        self.store, self.learner, self.module = store, learner, module
        self.lang = lang = i18n.normalize(lang) if lang else i18n.get_lang()
        self.attempts, self.last = 0, None
        self._shown = time.monotonic()
        self.boxes, self.marks, rows = {}, {}, []
        choices = [(t("quiz.choose", lang), None)] + [(exercise.label(o[0], lang), o[0]) for o in exercise.options]
        for row in exercise.rows.itertuples():
            label = W.HTML(f"<b>{html.escape(str(row.title))}</b><br><small>{html.escape(str(row.detail))}</small>",
                           layout=W.Layout(width="30em"))
            self.boxes[row.key] = W.Dropdown(options=choices, value=None, layout=W.Layout(width="22em"))
            self.marks[row.key] = W.HTML(layout=W.Layout(width="30em"))
            rows.append(W.HBox([label, self.boxes[row.key], self.marks[row.key]],
                               layout=W.Layout(border_bottom="1px solid #ddd", padding="4px 0")))
        self.check_button = W.Button(description=t("label.check", lang), button_style="primary", icon="check")
        self.check_button.on_click(lambda _: self.check())
        self.status = W.HTML()
        title = exercise.title[0] if lang == "zh-CN" else exercise.title[1]
        super().__init__([W.HTML(f"<b>{html.escape(title)}</b>"), *rows, self.check_button, self.status],
                         layout=W.Layout(border="1px solid #ccc", padding="8px"))

    def answers(self) -> dict:
        return {key: box.value for key, box in self.boxes.items()}

    def set_answers(self, answers: dict) -> None:
        """Fill the drop-downs (tests and demonstrations)."""
        for key, value in answers.items():
            self.boxes[key].value = value

    def check(self) -> ChoiceResult:
        """Mark every row, explain each miss, save the attempt."""
        lang = self.lang
        result = self.exercise.score(self.answers(), lang)
        self.attempts += 1
        self.last = result
        for row in result.rows.itertuples():
            colour, mark = ("#1b7f3b", "✔") if row.ok else ("#b3261e", "✘")
            self.marks[row.key].value = f"<span style='color:{colour}'>{mark} {html.escape(row.explanation)}</span>"
        right = int(result.rows["ok"].sum())
        lines = [t("choice.result", lang, score=f"{result.score:.0%}", right=right, total=len(result.rows)),
                 t("label.attempts", lang, count=self.attempts)]
        if result.correct:
            lines.append(t("label.all_right", lang))
        saved = save_check(self, self.exercise.item, self.answers(), result.correct, result.score)
        if saved:
            lines.append(saved)
        self.status.value = " · ".join(html.escape(x) for x in lines)
        return result
