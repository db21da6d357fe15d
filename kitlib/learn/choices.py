"""One-choice-per-row exercises (module 02's protection plan and access-log hunt): rows, the
options offered, and a marking function that explains every miss.  The widget in
``kitlib.ui.choices`` only presents them.
"""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import pandas as pd

from ..i18n import get_lang, normalize


@dataclass(frozen=True)
class ChoiceResult:
    score: float          # share of rows right
    correct: bool         # every row right
    rows: pd.DataFrame    # key, given, ok, explanation


@dataclass(frozen=True)
class ChoiceExercise:
    """item: the progress-store item id; rows: key, title, detail (one row per choice);
    options: (id, zh, en); marker(key, given, lang) -> (ok, explanation)."""
    item: str
    title: tuple[str, str]
    rows: pd.DataFrame
    options: tuple[tuple[str, str, str], ...]
    marker: Callable[[str, str | None, str], tuple[bool, str]] = field(repr=False)

    def label(self, option: str, lang: str | None = None) -> str:
        lang = normalize(lang) if lang else get_lang()
        for oid, zh, en in self.options:
            if oid == option:
                return zh if lang == "zh-CN" else en
        raise KeyError(f"{self.item}: no option {option!r}; options are {[o[0] for o in self.options]}")

    def score(self, answers: dict, lang: str | None = None) -> ChoiceResult:
        """Mark ``answers`` ({row key: option id}); rows left unanswered count as wrong."""
        lang = normalize(lang) if lang else get_lang()
        unknown = set(answers) - set(self.rows["key"])
        if unknown:
            raise KeyError(f"{self.item}: answers for rows that are not in the exercise: {sorted(unknown)}")
        marked = []
        for key in self.rows["key"]:
            given = answers.get(key)
            ok, why = self.marker(key, given, lang)
            marked.append({"key": key, "given": given, "ok": bool(ok), "explanation": "" if ok else why})
        frame = pd.DataFrame(marked)
        right = int(frame["ok"].sum())
        return ChoiceResult(round(right / len(frame), 4), right == len(frame), frame)


__all__ = ["ChoiceExercise", "ChoiceResult"]
