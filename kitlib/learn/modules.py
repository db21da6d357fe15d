"""The course catalogue: which modules exist, their titles, time and prerequisites."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources


@dataclass(frozen=True)
class ModuleInfo:
    id: str
    notebook: str
    available: bool
    minutes: int
    prerequisites: tuple[str, ...]
    seed_sections: tuple[str, ...]
    titles: dict
    exercises: tuple[str, ...] = ()     # graded items besides the quiz (e.g. column-labelling)

    def title(self, lang: str = "zh-CN") -> str:
        return self.titles.get(lang) or self.titles["en"]


@lru_cache(maxsize=None)
def catalogue() -> dict[str, ModuleInfo]:
    """Every module of the course, by id, in course order."""
    raw = json.loads(resources.files("kitlib.learn").joinpath("data/modules.json").read_text("utf-8"))
    return {m["id"]: ModuleInfo(m["id"], m["notebook"], bool(m["available"]), int(m["minutes"]),
                                tuple(m["prerequisites"]), tuple(m["seed"]), dict(m["title"]),
                                tuple(m.get("exercises", ())))
            for m in raw["modules"]}


def module(module_id: str) -> ModuleInfo:
    try:
        return catalogue()[module_id]
    except KeyError:
        known = ", ".join(catalogue())
        raise KeyError(f"no module {module_id!r} in the course (known: {known})") from None


def available() -> list[ModuleInfo]:
    """Modules a learner can take today; the course certificate needs all of them."""
    return [m for m in catalogue().values() if m.available]
