"""The RACI matrix: who is responsible, accountable, consulted and informed for each activity.

``load_raci()`` reads ``data/raci.toml`` (or a trainer's copy) and checks it: every activity has
exactly one A and at least one R, every letter is R, A, C or I, every role key is a known role; a
mistake raises :class:`RaciError` naming the file, the line and the field.

    >>> raci = load_raci()
    >>> raci.accountable("training").id, [r.id for r in raci.responsible("training")]
    ('officer', ['hr'])

The matrix is company policy: the kit's legal reference does not say which department does what.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd

from ..tomlfile import TomlLines, read_toml

__all__ = ["RaciError", "Role", "Activity", "Raci", "load_raci", "default_raci_path", "LETTERS"]

LETTERS = {"R": ("负责执行", "responsible"), "A": ("最终负责", "accountable"),
           "C": ("事先咨询", "consulted"), "I": ("事后告知", "informed")}
_ACTIVITY_KEYS = {"id", "name_zh", "name_en", "basis"}
_ROLE_KEYS = {"id", "name_zh", "name_en", "department_zh", "note_zh", "note_en"}


class RaciError(ValueError):
    """A bad RACI file or question; one line naming the file, line and field."""


@dataclass(frozen=True)
class Role:
    id: str
    name_zh: str
    name_en: str
    department_zh: str = ""
    note_zh: str = ""
    note_en: str = ""

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh-CN" else self.name_en


@dataclass(frozen=True)
class Activity:
    id: str
    name_zh: str
    name_en: str
    basis: str
    letters: dict = field(default_factory=dict)     # role id -> R/A/C/I

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh-CN" else self.name_en


@dataclass(frozen=True)
class Raci:
    roles: tuple[Role, ...]
    activities: tuple[Activity, ...]
    source: str = "raci.toml"

    def role(self, role_id: str) -> Role:
        for r in self.roles:
            if r.id == role_id:
                return r
        raise RaciError(f"{self.source}: no role {role_id!r}; roles are {', '.join(r.id for r in self.roles)}")

    def activity(self, activity_id: str) -> Activity:
        for a in self.activities:
            if a.id == activity_id:
                return a
        raise RaciError(f"{self.source}: no activity {activity_id!r}; activities are "
                        f"{', '.join(a.id for a in self.activities)}")

    def _with(self, activity_id: str, letter: str) -> list[Role]:
        act = self.activity(activity_id)
        return [self.role(r) for r, v in act.letters.items() if v == letter]

    def accountable(self, activity_id: str) -> Role:
        """The one role that answers for ``activity_id``."""
        return self._with(activity_id, "A")[0]

    def responsible(self, activity_id: str) -> list[Role]:
        return self._with(activity_id, "R")

    def owner(self, activity_id: str) -> tuple[str, str]:
        """(zh, en) name of the accountable role: the owner of a finding about this activity."""
        role = self.accountable(activity_id)
        return role.name_zh, role.name_en

    def duties(self, role_id: str, letter: str | None = None, lang: str = "en") -> pd.DataFrame:
        """What ``role_id`` does: activity, letter and its meaning (optionally one letter only)."""
        self.role(role_id)
        if letter is not None and letter not in LETTERS:
            raise RaciError(f"letter {letter!r} is not one of R, A, C, I")
        rows = [{"activity": a.id, "name": a.name(lang), "letter": a.letters[role_id],
                 "meaning": LETTERS[a.letters[role_id]][0 if lang == "zh-CN" else 1], "basis": a.basis}
                for a in self.activities if role_id in a.letters and (letter is None or a.letters[role_id] == letter)]
        return pd.DataFrame(rows, columns=["activity", "name", "letter", "meaning", "basis"])

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """The matrix: one row per activity, one column per role (names in ``lang``)."""
        data = {a.name(lang): {r.name(lang): a.letters.get(r.id, "") for r in self.roles} for a in self.activities}
        out = pd.DataFrame.from_dict(data, orient="index")[[r.name(lang) for r in self.roles]]
        out.index.name = "活动" if lang == "zh-CN" else "activity"
        return out

    def markdown(self, lang: str = "en") -> str:
        frame = self.frame(lang)
        head = [frame.index.name] + list(frame.columns)
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join([str(idx)] + [str(v) for v in row]) + " |" for idx, row in frame.iterrows()]
        return "\n".join(lines) + "\n"

    def department_of(self, role_id: str) -> str:
        """The case company's department (zh) holding ``role_id`` ("" when it has none)."""
        return self.role(role_id).department_zh


def default_raci_path() -> Path:
    return Path(str(resources.files("kitlib").joinpath("compliance", "data", "raci.toml")))


def load_raci(path=None) -> Raci:
    """The RACI matrix from ``path`` (default: the kit's ``data/raci.toml``), checked."""
    path = Path(path) if path is not None else default_raci_path()
    data = read_toml(path, RaciError)
    lines = TomlLines(path.read_text(encoding="utf-8"))
    name = path.name

    def fail(section: str, index: int, key: str | None, where: str, problem: str):
        line = lines.find(section, key, index)
        raise RaciError(f"{name}:{line}: {where}: {problem}" if line else f"{name}: {where}: {problem}")

    raw_roles = data.get("role")
    if not isinstance(raw_roles, list) or not raw_roles:
        raise RaciError(f"{name}: no [[role]] entries")
    roles, role_ids = [], set()
    for i, entry in enumerate(raw_roles):
        rid = entry.get("id")
        where = f"role[{i}]" if not isinstance(rid, str) else f"role[{rid}]"
        for key in ("id", "name_zh", "name_en"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                fail("role", i, key, f"{where}.{key}", "missing or empty")
        unknown = sorted(set(entry) - _ROLE_KEYS)
        if unknown:
            fail("role", i, unknown[0], f"{where}.{unknown[0]}", "unknown key")
        if rid in role_ids:
            fail("role", i, "id", f"{where}.id", "a second role with this id")
        role_ids.add(rid)
        roles.append(Role(rid, entry["name_zh"], entry["name_en"], str(entry.get("department_zh", "")),
                          str(entry.get("note_zh", "")), str(entry.get("note_en", ""))))

    raw = data.get("activity")
    if not isinstance(raw, list) or not raw:
        raise RaciError(f"{name}: no [[activity]] entries")
    activities, seen = [], set()
    for i, entry in enumerate(raw):
        aid = entry.get("id")
        where = f"activity[{i}]" if not isinstance(aid, str) else f"activity[{aid}]"
        for key in ("id", "name_zh", "name_en", "basis"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                fail("activity", i, key, f"{where}.{key}", "missing or empty")
        if aid in seen:
            fail("activity", i, "id", f"{where}.id", "a second activity with this id")
        seen.add(aid)
        letters = {}
        for key, value in entry.items():
            if key in _ACTIVITY_KEYS:
                continue
            if key not in role_ids:
                fail("activity", i, key, f"{where}.{key}", f"unknown role; roles are {', '.join(sorted(role_ids))}")
            if value == "":
                continue
            if value not in LETTERS:
                fail("activity", i, key, f"{where}.{key}", f"{value!r} is not one of R, A, C, I")
            letters[key] = value
        accountable = [k for k, v in letters.items() if v == "A"]
        if len(accountable) != 1:
            key = accountable[1] if len(accountable) > 1 else "id"
            fail("activity", i, key, f"{where}.{key if len(accountable) > 1 else 'A'}",
                 f"{len(accountable)} roles are accountable (A); exactly one must be"
                 + (f" ({', '.join(accountable)})" if accountable else ""))
        if "R" not in letters.values():
            fail("activity", i, "id", f"{where}.R", "no role is responsible (R); at least one must be")
        activities.append(Activity(aid, entry["name_zh"], entry["name_en"], entry["basis"], letters))
    return Raci(tuple(roles), tuple(activities), name)
