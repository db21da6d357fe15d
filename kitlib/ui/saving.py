"""Save one check of an exercise widget as an attempt, and say in the learner's language whether it was saved."""
from __future__ import annotations

import time

from ..i18n import t


def save_check(widget, item: str, answers, correct: bool, score: float) -> str:
    """Record the check for ``widget`` (its store, learner, module, lang and ``_shown`` clock);
    the status text, or "" when the widget has no store or learner."""
    if widget.store is None or not widget.learner:
        return ""
    seconds = time.monotonic() - widget._shown
    widget._shown = time.monotonic()
    try:
        widget.store.record_attempt(widget.learner, widget.module, item, answers, correct, score=score, seconds=seconds)
    except Exception as exc:
        return t("quiz.not_recorded", widget.lang, reason=str(exc).splitlines()[0])
    return t("quiz.recorded", widget.lang)
