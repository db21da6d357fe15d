"""``ColumnLabeller``: label columns by tier and PIPL category, scored against the ground truth.

The marking is ``kitlib.learn.labelling.score``; this widget shows the columns with example
values, two drop-downs per column, and after "Check" a mark and an explanation for every miss.
Each check is saved as one attempt (item ``column-labelling``) so the trainer's dashboard sees it.
"""
from __future__ import annotations

import html
import time

import ipywidgets as W

from .. import i18n
from ..i18n import t
from ..learn import labelling
from .saving import save_check

ITEM = "column-labelling"



class ColumnLabeller(W.VBox):
    def __init__(self, frame, store=None, learner: str | None = None, module: str = "01", lang: str | None = None):
        self.frame = frame.reset_index(drop=True)
        self.store, self.learner, self.module = store, learner, module
        self.lang = i18n.normalize(lang) if lang else i18n.get_lang()
        self.attempts = 0
        self.last = None
        self._shown = time.monotonic()
        tiers, categories = labelling.options(self.frame)
        self._tiers, self._categories = tiers, categories
        self.tier_boxes, self.category_boxes, self.marks, rows = {}, {}, {}, []
        lang = self.lang
        for _, row in self.frame.iterrows():
            key = f"{row['table']}.{row['column']}"
            examples = " · ".join(html.escape(v) for v in row["examples"])
            label = W.HTML(f"<b>{html.escape(key)}</b><br><small>{html.escape(row['description'])}<br>"
                           f"<code>{examples}</code></small>", layout=W.Layout(width="26em"))
            self.tier_boxes[key] = W.Dropdown(
                options=[(t("quiz.choose", lang), None)] + [(labelling.tier_label(x, lang), x) for x in tiers],
                value=None, description=t("label.tier", lang), layout=W.Layout(width="16em"))
            self.category_boxes[key] = W.Dropdown(
                options=[(t("quiz.choose", lang), None)] + [(labelling.category_label(c, lang), c) for c in categories],
                value=None, description=t("label.category", lang), layout=W.Layout(width="20em"))
            self.marks[key] = W.HTML(layout=W.Layout(width="30em"))
            rows.append(W.HBox([label, W.VBox([self.tier_boxes[key], self.category_boxes[key]]), self.marks[key]],
                               layout=W.Layout(border_bottom="1px solid #ddd", padding="4px 0")))
        self.check_button = W.Button(description=t("label.check", lang), button_style="primary", icon="check")
        self.check_button.on_click(lambda _: self.check())
        self.status = W.HTML()
        super().__init__([W.HTML(f"<b>{html.escape(t('label.title', lang))}</b>"), *rows, self.check_button, self.status],
                         layout=W.Layout(border="1px solid #ccc", padding="8px"))

    def answers(self) -> dict:
        return {key: {"tier": self.tier_boxes[key].value, "category": self.category_boxes[key].value}
                for key in self.tier_boxes}

    def set_answers(self, answers: dict) -> None:
        """Fill the drop-downs (tests and demonstrations)."""
        for key, given in answers.items():
            self.tier_boxes[key].value = given.get("tier")
            self.category_boxes[key].value = given.get("category")

    def check(self) -> labelling.LabellingResult:
        """Mark every label, explain each miss, save the attempt."""
        lang = self.lang
        result = labelling.score(self.frame, self.answers(), self.lang)
        self.attempts += 1
        self.last = result
        for row in result.rows.itertuples():
            ok = row.tier_ok and row.category_ok
            colour, mark = ("#1b7f3b", "✔") if ok else ("#b3261e", "✘")
            self.marks[row.column].value = (f"<span style='color:{colour}'>{mark} "
                                            f"{html.escape(row.explanation)}</span>")
        right = int(result.rows["tier_ok"].sum() + result.rows["category_ok"].sum())
        lines = [t("label.result", lang, score=f"{result.score:.0%}", right=right, total=2 * len(result.rows)),
                 t("label.attempts", lang, count=self.attempts)]
        if result.correct:
            lines.append(t("label.all_right", lang))
        saved = save_check(self, ITEM, self.answers(), result.correct, result.score)
        if saved:
            lines.append(saved)
        self.status.value = " · ".join(html.escape(x) for x in lines)
        return result
