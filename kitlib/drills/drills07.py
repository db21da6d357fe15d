"""Module 07's exercise ``dispute-steps``: pick the best option at moments of the dispute role-plays.

Each row is one decision point of a dispute package (``exercises/dispute-*/dispute.yaml``): its
prompt and its options, lettered A, B, C in an order a seed shuffles.  The right answer is the
option the package marks ``expected`` (read from the package, never typed in); every miss explains
the expected option's consequence and the debrief of the ending the expected path leads to (found by
playing the package in scripted mode), plus what the learner's own choice would have caused.

Moments are taken round-robin over the packages (first decision of each, then the second ...), so
every dispute appears before any appears twice.
"""
from __future__ import annotations

import random
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from ..i18n import get_lang, normalize
from ..learn.choices import ChoiceExercise
from .engine import DrillError, Run, play
from .model import Decision, Inject, Option, Package
from .package import load_package

__all__ = ["ITEM", "LETTERS", "EXERCISES", "Moment", "load_disputes", "pick_moments", "expected_option",
           "expected_ending", "moment_explanation", "dispute_steps_exercise"]

ITEM = "dispute-steps"
LETTERS = ("A", "B", "C", "D")
EXERCISES = Path(__file__).resolve().parents[2] / "exercises"


@dataclass(frozen=True)
class Moment:
    """One decision point of one dispute package, as the exercise shows it."""
    key: str                     # "<package id>:<decision id>"
    package: Package             # the validated package (as loaded)
    decision: Decision           # as the seed's variant plays it
    order: tuple[str, ...]       # option ids in the order lettered A, B, C ...

    def letter(self, option_id: str) -> str:
        return LETTERS[self.order.index(option_id)]

    def option_for(self, letter: str) -> Option | None:
        i = LETTERS.index(letter) if letter in LETTERS else len(self.order)
        return self.decision.option(self.order[i]) if i < len(self.order) else None


def load_disputes(folder=None) -> list[Package]:
    """Every dispute package (``dispute-*/dispute.yaml``) under ``folder`` (default: the kit's exercises/)."""
    folder = Path(folder) if folder is not None else EXERCISES
    paths = sorted(p for p in folder.glob("dispute-*") if (p / "dispute.yaml").is_file())
    if not paths:
        raise DrillError(f"{folder}: no dispute packages (dispute-*/dispute.yaml)")
    packages = [load_package(p) for p in paths]
    for p in packages:
        if p.kind != "dispute":
            raise DrillError(f"{p.folder / 'dispute.yaml'}: kind must be 'dispute', got {p.kind!r}")
    return packages


def expected_option(decision: Decision) -> Option:
    """The option the package marks ``expected`` (the first, if several)."""
    best = next((o for o in decision.options if o.expected), None)
    if best is None:
        raise DrillError(f"dispute-steps: decision {decision.id!r} marks no option expected")
    return best


def expected_ending(package: Package, seed: int) -> Inject | None:
    """The ending inject (title, debrief) the package's expected path reaches in scripted play, or None."""
    run = play(package, seed)
    ending = next((e["id"] for e in run.events if e["kind"] == "ending"), None)
    if ending is None:
        return None
    return run.package.inject(ending)


def pick_moments(packages, count: int = 6, seed: int = 0) -> list[Moment]:
    """``count`` decision points, round-robin over ``packages``; options lettered in a seeded order."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise DrillError(f"count must be a whole number ≥ 1, got {count!r}")
    packages = list(packages)
    queues = [sorted(Run(p, seed).package.decisions, key=lambda d: d.open_at) for p in packages]
    rng = random.Random(seed)
    moments: list[Moment] = []
    depth = 0
    while len(moments) < count and any(depth < len(q) for q in queues):
        for package, queue in zip(packages, queues):
            if depth < len(queue) and len(moments) < count:
                d = queue[depth]
                if len(d.options) > len(LETTERS):
                    raise DrillError(f"dispute-steps: {package.id}:{d.id} has more than {len(LETTERS)} options")
                expected_option(d)
                order = [o.id for o in d.options]
                rng.shuffle(order)
                moments.append(Moment(f"{package.id}:{d.id}", package, d, tuple(order)))
        depth += 1
    return moments


def moment_explanation(moment: Moment, seed: int, lang: str = "en") -> str:
    """Why the expected option is best: its consequence and the debrief of the ending it leads to."""
    best = expected_option(moment.decision)
    ending = expected_ending(moment.package, seed)
    zh = lang == "zh-CN"
    text = (f"{moment.letter(best.id)}:{best.text.get(lang)}——{best.consequence.get(lang)}" if zh else
            f"{moment.letter(best.id)}: {best.text.get(lang)} — {best.consequence.get(lang)}")
    if ending is not None:
        debrief = ending.debrief.get(lang) if ending.debrief else ""
        text += (f" 按预期路径走到结局“{ending.title.get(lang)}”:{debrief}" if zh else
                 f" The expected path ends in “{ending.title.get(lang)}”: {debrief}")
    return text


def dispute_steps_exercise(packages=None, count: int = 6, seed: int = 0, lang: str | None = None) -> ChoiceExercise:
    """Module 07's exercise: the best option at ``count`` moments of the dispute packages."""
    packages = list(packages) if packages is not None else load_disputes()
    moments = pick_moments(packages, count, seed)
    by_key = {m.key: m for m in moments}
    lang = normalize(lang) if lang else get_lang()
    zh = lang == "zh-CN"
    rows = []
    for m in moments:
        options = " · ".join(f"{m.letter(o)}) {m.decision.option(o).text.get(lang)}" for o in m.order)
        role = m.package.role(m.decision.role).title.get(lang)
        title = (f"{m.package.title.get(lang)} · {m.decision.title.get(lang)}({role})" if zh else
                 f"{m.package.title.get(lang)} · {m.decision.title.get(lang)} ({role})")
        rows.append({"key": m.key, "title": title, "detail": f"{m.decision.prompt.get(lang)} {options}"})
    explanations: dict[tuple[str, str], str] = {}

    def marker(key: str, given: str | None, marking_lang: str) -> tuple[bool, str]:
        m = by_key[key]
        best = expected_option(m.decision)
        if given == m.letter(best.id):
            return True, ""
        zh_mark = marking_lang == "zh-CN"
        if (key, marking_lang) not in explanations:
            explanations[key, marking_lang] = moment_explanation(m, seed, "zh-CN" if zh_mark else "en")
        why = explanations[key, marking_lang]
        chosen = m.option_for(given) if given else None
        if chosen is None:
            own = ("未作答或没有这个选项。" if zh_mark else "No answer, or no such option here. ")
        else:
            own = (f"你的选择 {given} 的后果:{chosen.consequence.zh}" if zh_mark else
                   f"Your choice {given} leads to: {chosen.consequence.en} ")
        return False, (f"{own}应为 {why}" if zh_mark else f"{own}Expected {why}")

    letters = LETTERS[:max(len(m.order) for m in moments)]
    return ChoiceExercise(ITEM, ("在每个争议时刻选择最好的做法", "Pick the best move at each moment of a dispute"),
                          pd.DataFrame(rows, columns=["key", "title", "detail"]),
                          tuple((x, x, x) for x in letters), marker)
