"""The widgets a learner answers one question with, one kind at a time (single, multiple,
numeric, ordering, matching): shared by the module quiz and the final assessment.

Standard widgets only, so they work the same in JupyterLab, Notebook 7 and Voilà and every
control is reachable with Tab.  An ordering question never starts on its answer.
"""
from __future__ import annotations

import random

import ipywidgets as W

from .. import i18n
from ..i18n import t
from ..learn.bank import Question

__all__ = ["AnswerInputs", "AnswerWidgetsMixin"]


class AnswerInputs:
    """``AnswerInputs(question, lang, order_seed=...)``: ``widgets`` to show, ``raw()`` what they
    hold, ``set(response)`` to fill them as a learner would, ``move(step)`` for ordering.
    ``order_seed`` fixes the shuffled starting order of an ordering question."""

    def __init__(self, question: Question, lang: str, *, order_seed: str):
        self.question, self.lang, self.order_seed = question, lang, order_seed
        self.widgets: list = getattr(self, f"_{question.kind}")()

    # -- building, per kind ---------------------------------------------------------------

    def _single(self) -> list:
        self.radio = W.RadioButtons(options=[(o.label(self.lang), o.id) for o in self.question.options], value=None,
                                    layout=W.Layout(width="auto"))
        return [self.radio]

    def _multiple(self) -> list:
        self.boxes = {o.id: W.Checkbox(value=False, description=o.label(self.lang), indent=False,
                                       layout=W.Layout(width="auto")) for o in self.question.options}
        return list(self.boxes.values())

    def _numeric(self) -> list:
        q, lang = self.question, self.lang
        self.number = W.Text(placeholder="0", description=t("quiz.your_answer", lang), continuous_update=False,
                             style={"description_width": "initial"})
        return [W.HBox([self.number, W.Label(i18n.pick(q.unit, lang) if q.unit else "")])]

    def _ordering(self) -> list:
        q, lang = self.question, self.lang
        order = [o.id for o in q.options]
        random.Random(self.order_seed).shuffle(order)
        if order == list(q.answer):          # never start on the answer
            order = order[1:] + order[:1]
        self.order = order
        self.select = W.Select(rows=len(order), layout=W.Layout(width="32em"))
        self.refresh_order()
        up = W.Button(description=t("quiz.move_up", lang), icon="arrow-up", tooltip=t("quiz.move_up_tip", lang))
        down = W.Button(description=t("quiz.move_down", lang), icon="arrow-down",
                        tooltip=t("quiz.move_down_tip", lang))
        up.on_click(lambda _: self.move(-1))
        down.on_click(lambda _: self.move(+1))
        return [W.HBox([self.select, W.VBox([up, down])])]

    def _matching(self) -> list:
        q, lang = self.question, self.lang
        choose = [(t("quiz.choose", lang), None)] + [(c.label(lang), c.id) for c in q.choices]
        self.drops = {o.id: W.Dropdown(options=choose, value=None, description=o.label(lang),
                                       style={"description_width": "22em"}, layout=W.Layout(width="36em"))
                      for o in q.options}
        return list(self.drops.values())

    # -- reading and writing --------------------------------------------------------------

    def raw(self):
        """What the widgets hold: an option id, a list of ids, the typed text, the order, or
        ``{item: choice}``."""
        kind = self.question.kind
        if kind == "single":
            return self.radio.value
        if kind == "multiple":
            return [i for i, box in self.boxes.items() if box.value]
        if kind == "numeric":
            return self.number.value
        if kind == "ordering":
            return list(self.order)
        return {i: d.value for i, d in self.drops.items()}

    def set(self, response) -> None:
        kind = self.question.kind
        if kind == "single":
            self.radio.value = response
        elif kind == "multiple":
            for i, box in self.boxes.items():
                box.value = i in set(response or ())
        elif kind == "numeric":
            self.number.value = "" if response is None else str(response)
        elif kind == "ordering":
            self.order = list(response)
            self.refresh_order()
        else:
            for i, drop in self.drops.items():
                drop.value = (response or {}).get(i)

    def refresh_order(self, selected=None) -> None:
        q = self.question
        self.select.options = [(f"{n}. {q.option(i).label(self.lang)}", i) for n, i in enumerate(self.order, 1)]
        self.select.value = selected if selected in self.order else self.order[0]

    def move(self, step: int) -> None:
        """Move the selected ordering item up (-1) or down (+1)."""
        chosen = self.select.value
        at = self.order.index(chosen)
        if 0 <= at + step < len(self.order):
            self.order[at], self.order[at + step] = self.order[at + step], self.order[at]
            self.refresh_order(chosen)


class AnswerWidgetsMixin:
    """``_radio``, ``_boxes``, ``_number``, ``_order``, ``_select``, ``_drops``: the current
    question's widgets (``self._answer``), for tests that answer as a learner would."""
    _radio = property(lambda self: self._answer.radio)
    _boxes = property(lambda self: self._answer.boxes)
    _number = property(lambda self: self._answer.number)
    _order = property(lambda self: self._answer.order)
    _select = property(lambda self: self._answer.select)
    _drops = property(lambda self: self._answer.drops)
