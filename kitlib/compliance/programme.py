"""The compliance programme's settings (``data/programme.toml``): audit cadence, the systems run
by other parties, training requirements, PDCA due days and indicator targets — company policy
unless an entry cites an article."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

from ..tomlfile import TomlLines, read_toml

__all__ = ["ComplianceError", "Programme", "Indicator", "Processor", "load_programme", "default_programme_path"]


class ComplianceError(ValueError):
    """Bad input to the compliance kit; one line naming the file, line, field or row."""


@dataclass(frozen=True)
class Processor:
    system: str
    flow: str
    purpose: str = ""


@dataclass(frozen=True)
class Indicator:
    id: str
    name_zh: str
    name_en: str
    unit: str           # share or count
    target: float
    direction: str      # min (value >= target) or max (value <= target)

    def met(self, value) -> bool | None:
        if value is None:
            return None
        return value >= self.target if self.direction == "min" else value <= self.target

    def name(self, lang: str = "en") -> str:
        return self.name_zh if lang == "zh-CN" else self.name_en


@dataclass(frozen=True)
class Programme:
    audit: dict
    processors: tuple[Processor, ...]
    training_all: tuple[str, ...]
    training_departments: dict
    training_cycle_months: int
    training_grace_days: int
    pdca_days: dict
    indicators: tuple[Indicator, ...]
    source: str = field(default="programme.toml")

    def indicator(self, indicator_id: str) -> Indicator:
        for i in self.indicators:
            if i.id == indicator_id:
                return i
        raise ComplianceError(f"{self.source}: no indicator {indicator_id!r}")

    def required_modules(self, department: str) -> tuple[str, ...]:
        extra = self.training_departments.get(str(department), ())
        return tuple(dict.fromkeys(list(self.training_all) + list(extra)))


def default_programme_path() -> Path:
    return Path(str(resources.files("kitlib").joinpath("compliance", "data", "programme.toml")))


def load_programme(path=None) -> Programme:
    """The programme from ``path`` (default: the kit's own), checked; a Programme passes through."""
    if isinstance(path, Programme):
        return path
    return _load(str(Path(path).resolve()) if path is not None else str(default_programme_path()))


@lru_cache(maxsize=8)
def _load(path_text: str) -> Programme:
    path = Path(path_text)
    data = read_toml(path, ComplianceError)
    lines = TomlLines(path.read_text(encoding="utf-8"))
    name = path.name

    def fail(section, key, where, problem, index=0):
        line = lines.find(section, key, index)
        raise ComplianceError(f"{name}:{line}: {where}: {problem}" if line else f"{name}: {where}: {problem}")

    def whole(section, key, value, where, lo=0):
        if isinstance(value, bool) or not isinstance(value, int) or value < lo:
            fail(section, key, where, f"{value!r} is not a whole number of at least {lo}")
        return value

    audit = data.get("audit")
    if not isinstance(audit, dict):
        raise ComplianceError(f"{name}: no [audit] section")
    for key in ("statutory_people", "statutory_interval_months", "policy_interval_months",
                "officer_threshold_people", "drill_interval_months"):
        whole("audit", key, audit.get(key), f"audit.{key}", 1)
    processors = []
    for i, entry in enumerate(data.get("processor") or []):
        for key in ("system", "flow"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                fail("processor", key, f"processor[{i}].{key}", "missing or empty", i)
        if entry["flow"] not in ("entrusted", "provision", "transfer", "cross_border"):
            fail("processor", "flow", f"processor[{i}].flow", f"{entry['flow']!r} is not entrusted, provision, "
                 "transfer or cross_border", i)
        processors.append(Processor(entry["system"], entry["flow"], str(entry.get("purpose", ""))))
    training = data.get("training")
    if not isinstance(training, dict):
        raise ComplianceError(f"{name}: no [training] section")
    cycle = whole("training", "cycle_months", training.get("cycle_months"), "training.cycle_months", 1)
    grace = whole("training", "grace_days", training.get("grace_days"), "training.grace_days", 0)
    modules_all = training.get("all")
    if not isinstance(modules_all, list) or not all(isinstance(m, str) for m in modules_all):
        fail("training", "all", "training.all", "must be a list of module ids")
    departments = training.get("departments") or {}
    for dept, mods in departments.items():
        if not isinstance(mods, list) or not all(isinstance(m, str) for m in mods):
            fail("training.departments", dept, f"training.departments.{dept}", "must be a list of module ids")
    pdca = data.get("pdca") or {}
    days = {}
    for sev in ("high", "medium", "low"):
        days[sev] = whole("pdca", sev, pdca.get(sev), f"pdca.{sev}", 1)
    indicators, seen = [], set()
    for i, entry in enumerate(data.get("indicator") or []):
        for key in ("id", "name_zh", "name_en", "unit", "direction"):
            if not isinstance(entry.get(key), str) or not entry[key].strip():
                fail("indicator", key, f"indicator[{i}].{key}", "missing or empty", i)
        if entry["id"] in seen:
            fail("indicator", "id", f"indicator[{entry['id']}].id", "a second indicator with this id", i)
        seen.add(entry["id"])
        if entry["direction"] not in ("min", "max"):
            fail("indicator", "direction", f"indicator[{entry['id']}].direction", "must be min or max", i)
        if entry["unit"] not in ("share", "count"):
            fail("indicator", "unit", f"indicator[{entry['id']}].unit", "must be share or count", i)
        target = entry.get("target")
        if isinstance(target, bool) or not isinstance(target, (int, float)) or target < 0 or \
                (entry["unit"] == "share" and target > 1):
            fail("indicator", "target", f"indicator[{entry['id']}].target", f"{target!r} is not a valid {entry['unit']}", i)
        indicators.append(Indicator(entry["id"], entry["name_zh"], entry["name_en"], entry["unit"], float(target),
                                    entry["direction"]))
    return Programme(dict(audit), tuple(processors), tuple(modules_all), {k: tuple(v) for k, v in departments.items()},
                     cycle, grace, days, tuple(indicators), name)
