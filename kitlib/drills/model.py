"""The tabletop package as values: what ``load_package`` returns once a package has validated.

Every text a participant reads is a ``Text`` pair (zh-CN and en).  Ids of injects, decisions,
tasks and criteria share one namespace, so that a reference such as ``after: D1.isolate`` or
``met_by: [T2]`` names exactly one thing.
"""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np

__all__ = ["Text", "Capability", "Role", "Inject", "Option", "Decision", "Task", "Criterion", "Variant",
           "Package", "MEDIA", "LANGS", "BASE_VARIANT", "KINDS"]

LANGS = ("zh-CN", "en")
KINDS = ("drill", "dispute")
MEDIA = ("email", "phone", "chat", "paper", "news", "system alert")


@dataclass(frozen=True)
class Text:
    """One text in both languages."""
    zh: str
    en: str

    def get(self, lang: str) -> str:
        return self.zh if lang == "zh-CN" else self.en

    def to_dict(self) -> dict:
        return {"zh-CN": self.zh, "en": self.en}


@dataclass(frozen=True)
class Capability:
    id: str
    title: Text


@dataclass(frozen=True)
class Role:
    id: str
    title: Text
    min_people: int = 1
    max_people: int = 1


@dataclass(frozen=True)
class Inject:
    """A message to participants, released at minute ``at`` or when ``after`` happens (+ ``delay``).

    ``after`` is an inject id, a decision id (any option) or ``decision.option``; an inject with
    neither is released only by a decision option's ``releases``.
    """
    id: str
    title: Text
    sender: Text
    recipients: tuple[str, ...]
    medium: str
    text: Text
    at: float | None = None
    after: str | None = None
    delay: float = 0.0
    attachments: tuple[str, ...] = ()
    expected_actions: tuple[Text, ...] = ()
    questions: tuple[Text, ...] = ()
    ending: bool = False                    # releasing it ends the run (a dispute's outcome)
    debrief: Text | None = None             # the written debrief of an ending


@dataclass(frozen=True)
class Option:
    id: str
    text: Text
    consequence: Text
    releases: tuple[str, ...] = ()
    points: float = 0
    expected: bool = False


@dataclass(frozen=True)
class Decision:
    """A choice for one role, open on the clock from ``open_at`` to ``close_at`` (minutes)."""
    id: str
    role: str
    title: Text
    prompt: Text
    options: tuple[Option, ...]
    open_at: float = 0.0
    close_at: float | None = None

    def option(self, option_id: str) -> Option | None:
        return next((o for o in self.options if o.id == option_id), None)


@dataclass(frozen=True)
class Task:
    """A hands-on question; the kit computes the answer with the named checker (``check``)."""
    id: str
    title: Text
    prompt: Text
    check: str
    points: float = 0
    params: dict = field(default_factory=dict)
    open_at: float = 0.0
    close_at: float | None = None


@dataclass(frozen=True)
class Criterion:
    """One line of the evaluation guide.  ``met_by`` holds references: ``D1.option`` (that
    option chosen), ``D1`` (any option), a task id (answered correctly) or an inject id
    (acknowledged); ``require`` is ``any`` or ``all`` of them."""
    id: str
    capability: str
    title: Text
    points: float
    met_by: tuple[str, ...]
    require: str = "any"
    deadline_minutes: float | None = None


@dataclass(frozen=True)
class Variant:
    """A variation drawn per run.  ``overrides`` as validated: injects {id: at/after/delay},
    decisions {id: expected [option ids], points {option: n}, open_at, close_at}, tasks {id:
    params}, criteria {id: deadline_minutes, points, met_by}, evidence {parameter: value}."""
    id: str
    title: Text
    overrides: dict = field(default_factory=dict)


BASE_VARIANT = Variant("base", Text("基本情景", "Base scenario"))


@dataclass(frozen=True)
class Package:
    """A validated tabletop package (only ``load_package`` makes one the engine accepts)."""
    id: str
    title: Text
    duration_minutes: float
    audience: Text
    objectives: tuple[Text, ...]
    capabilities: tuple[Capability, ...]
    roles: tuple[Role, ...]
    scenario: Text
    injects: tuple[Inject, ...]
    decisions: tuple[Decision, ...]
    tasks: tuple[Task, ...]
    criteria: tuple[Criterion, ...]
    variants: tuple[Variant, ...]
    folder: Path
    variant: Variant | None = None          # set on the copy made by ``with_variant``
    evidence: dict = field(default_factory=dict)
    kind: str = "drill"                     # "drill" or "dispute" (no clock pressure, see engine)

    # -- look-ups ------------------------------------------------------------------------------
    def inject(self, inject_id: str) -> Inject:
        return _find(self.injects, inject_id, "inject")

    def decision(self, decision_id: str) -> Decision:
        return _find(self.decisions, decision_id, "decision")

    def task(self, task_id: str) -> Task:
        return _find(self.tasks, task_id, "task")

    def role(self, role_id: str) -> Role:
        return _find(self.roles, role_id, "role")

    def attachment_path(self, name: str) -> Path:
        return self.folder / name

    # -- variants ------------------------------------------------------------------------------
    def variant_for_seed(self, seed: int) -> Variant:
        """The variant a run with ``seed`` plays (the same seed always gives the same one)."""
        if not self.variants:
            return BASE_VARIANT
        return self.variants[int(np.random.default_rng([int(seed), 0xD1A]).integers(len(self.variants)))]

    def with_variant(self, variant: Variant | str) -> Package:
        """The package as the variant plays it (overrides applied; ``variant`` set)."""
        if isinstance(variant, str):
            variant = BASE_VARIANT if variant == "base" and not self.variants else _find(self.variants, variant, "variant")
        o = variant.overrides
        injects = tuple(replace(i, **o.get("injects", {}).get(i.id, {})) for i in self.injects)
        decisions = []
        for d in self.decisions:
            change = dict(o.get("decisions", {}).get(d.id, {}))
            expected, points = change.pop("expected", None), change.pop("points", {})
            d = replace(d, options=tuple(replace(op, expected=op.id in expected if expected is not None else op.expected,
                                                 points=points.get(op.id, op.points)) for op in d.options))
            decisions.append(replace(d, **change))
        tasks = tuple(replace(t, params={**t.params, **o.get("tasks", {}).get(t.id, {}).get("params", {})})
                      for t in self.tasks)
        criteria = tuple(replace(c, **o.get("criteria", {}).get(c.id, {})) for c in self.criteria)
        return replace(self, injects=injects, decisions=tuple(decisions), tasks=tasks, criteria=criteria,
                       variant=variant, evidence=dict(o.get("evidence", {})))


def _find(items, item_id: str, what: str):
    for item in items:
        if item.id == item_id:
            return item
    raise KeyError(f"no {what} {item_id!r}")
