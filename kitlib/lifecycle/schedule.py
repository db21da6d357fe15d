"""The retention schedule as data: ``kitlib/lifecycle/data/retention.toml`` (or a trainer's copy).

One rule per record type — the provisions behind it with their certainty (V/S/U of the legal
reference; U is company policy), the period and what starts it, the date column that anchors it
per table — plus legal holds and the laws that do *not* apply to the case company.  Every problem
in the file is reported in one line with its file, line and field.  The planner that applies the
schedule to data is ``kitlib.lifecycle.retention``.
"""
from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
import pandas as pd

from ..tomlfile import TomlLines, read_toml

__all__ = ["ScheduleError", "PlanError", "Law", "Citation", "Period", "RetentionRule", "NotApplicable", "LegalHold", "ScheduleSettings", "RetentionSchedule", "load_schedule", "default_schedule_path", "load_holds", "ACTIONS", "TRIGGERS", "HOLD_REASONS", "CERTAINTIES", "RELATIONSHIP_END"]

ACTIONS = ("keep_until", "delete_by", "restrict_then_delete", "hand_over")
TRIGGERS = {
    "end_of_relationship": ("自合同或客户关系结束之日起", "from the end of the relationship"),
    "end_of_fiscal_year": ("自所在会计年度终了起", "from the end of the fiscal year"),
    "transaction_date": ("自交易之日起", "from the transaction date"),
    "collection_date": ("自记录产生之日起", "from the day the record was made"),
    "deregistration_date": ("自公司注销之日起", "from the company's deregistration"),
}
CERTAINTIES = ("V", "S", "U")
HOLD_REASONS = {
    "litigation": ("诉讼", "litigation"),
    "regulator_inquiry": ("监管调查", "regulator inquiry"),
    "tax_audit": ("税务检查", "tax audit"),
    "dispute": ("客户争议", "customer dispute"),
    "other": ("其他", "other"),
}
RELATIONSHIP_END = "@relationship_end"
_OPEN_UNTIL = ("service_end", "deregistration")
_CUSTODIANS = ("archives", "successor")
_ID = re.compile(r"^[a-z][a-z0-9_]*$")


class ScheduleError(ValueError):
    """The schedule (or a holds file) cannot be used; one line naming the file, line and field."""


class PlanError(ValueError):
    """The planner's input cannot be used; one line naming the table, column, row or argument."""


# -- the schedule ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Law:
    id: str
    name_zh: str
    name_en: str          # as legal.md writes it
    cite_zh: str
    cite_en: str


@dataclass(frozen=True)
class Citation:
    law: str
    articles: tuple[str, ...] = ()


@dataclass(frozen=True)
class Period:
    """kind "fixed" (years, months, days), "none" (until the purpose ends) or "permanent"."""
    kind: str
    years: int = 0
    months: int = 0
    days: int = 0

    def text(self, lang: str = "en") -> str:
        zh = lang != "en"
        if self.kind == "none":
            return "保存至目的实现" if zh else "until the purpose ends"
        if self.kind == "permanent":
            return "永久保存" if zh else "permanently"
        parts = []
        for value, zh_unit, en_unit in ((self.years, "年", "year"), (self.months, "个月", "month"), (self.days, "天", "day")):
            if value:
                parts.append(f"{value}{zh_unit}" if zh else f"{value} {en_unit}{'s' if value != 1 else ''}")
        return ("保存" + "".join(parts)) if zh else ", ".join(parts)


@dataclass(frozen=True)
class RetentionRule:
    id: str
    name_zh: str
    name_en: str
    basis: tuple[Citation, ...]
    basis_zh: str
    basis_en: str
    certainty: str
    period: Period
    trigger: str
    anchors: Mapping[str, str] = field(default_factory=dict)
    covers_basis: tuple[str, ...] = ()
    covers_tables: tuple[str, ...] = ()
    covers_columns: tuple[str, ...] = ()
    covers_kinds: tuple[str, ...] = ()
    open_until: str = "service_end"
    hand_over_to: str = "archives"
    note_zh: str = ""
    note_en: str = ""

    def name(self, lang: str = "en") -> str:
        return self.name_en if lang == "en" else self.name_zh


@dataclass(frozen=True)
class NotApplicable:
    id: str
    basis: tuple[Citation, ...]
    what_zh: str
    what_en: str
    why_zh: str
    why_en: str


@dataclass(frozen=True)
class LegalHold:
    """Nothing the hold covers (these customers, in these tables; empty = all) is deleted while it runs."""
    id: str
    reason: str
    start: pd.Timestamp
    end: pd.Timestamp | None = None          # None: open
    customers: frozenset = frozenset()
    tables: frozenset = frozenset()
    reason_zh: str = ""
    reason_en: str = ""

    def text(self, lang: str = "en") -> str:
        zh, en = HOLD_REASONS[self.reason]
        extra = self.reason_en if lang == "en" else self.reason_zh
        label = en if lang == "en" else zh
        return f"{self.id} ({label}{': ' + extra if extra else ''})" if lang == "en" else f"{self.id}({label}{':' + extra if extra else ''})"


@dataclass(frozen=True)
class ScheduleSettings:
    default_rule: str
    fiscal_year_end: tuple[int, int] = (12, 31)
    grace_days: int = 30
    request_working_days: int = 15
    relationship_table: str = "accounts"
    relationship_end_column: str = "closed_on"
    customer_columns: Mapping[str, str] = field(default_factory=dict)
    id_columns: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class RetentionSchedule:
    source: str
    settings: ScheduleSettings
    laws: Mapping[str, Law]
    rules: tuple[RetentionRule, ...]
    not_applicable: tuple[NotApplicable, ...] = ()
    holds: tuple[LegalHold, ...] = ()

    def rule(self, rule_id: str) -> RetentionRule:
        for rule in self.rules:
            if rule.id == rule_id:
                return rule
        raise KeyError(f"{self.source}: no rule {rule_id!r}; rules are {[r.id for r in self.rules]}")

    def cite(self, citations: Iterable[Citation], lang: str = "en") -> str:
        """``PIPL Arts. 19, 47; Archives Law Art. 16`` / ``《个人信息保护法》第19、47条;《档案法》第16条``."""
        out = []
        for c in citations:
            law = self.laws[c.law]
            if lang == "en":
                arts = "" if not c.articles else f" Art{'s' if len(c.articles) > 1 else ''}. {', '.join(c.articles)}"
                out.append(law.cite_en + arts)
            else:
                out.append(law.cite_zh + (f"第{'、'.join(c.articles)}条" if c.articles else ""))
        return "; ".join(out) if lang == "en" else ";".join(out)

    def summary(self, rule: RetentionRule, lang: str = "en", anchor: str | None = None) -> str:
        """One sentence: the rule, its period, what starts it and the provisions, with certainty."""
        zh = lang != "en"
        cites = self.cite(rule.basis, lang)
        if rule.period.kind == "none":
            core = f"{rule.name_zh}:{rule.period.text(lang)}后删除({cites})" if zh else \
                f"{rule.name_en}: kept {rule.period.text(lang)}, then deleted ({cites})"
        elif rule.period.kind == "permanent":
            core = f"{rule.name_zh}:公司存续期间保存,解散时移交({cites})" if zh else \
                f"{rule.name_en}: kept while the company exists, handed over at dissolution ({cites})"
        else:
            trig = _trigger_text(rule.trigger, anchor, lang)
            core = f"{rule.name_zh}:{trig}{rule.period.text(lang)}({cites})" if zh else \
                f"{rule.name_en}: {rule.period.text(lang)} {trig} ({cites})"
        if rule.certainty == "U":
            return ("公司政策,不是法律规定——" + core) if zh else ("Company policy, not law — " + core)
        if rule.certainty == "S":
            return core + ("〔S:来自二手来源〕" if zh else " [S: from a secondary source]")
        return core

    def frame(self, lang: str = "en") -> pd.DataFrame:
        """The schedule for reading: one row per rule, then one per law that does not apply."""
        en = lang == "en"
        rows = [{"id": r.id, "applies": True, "record_type": r.name(lang),
                 "period": r.period.text(lang), "trigger": TRIGGERS[r.trigger][1 if en else 0],
                 "basis": self.cite(r.basis, lang), "certainty": r.certainty,
                 "what": r.basis_en if en else r.basis_zh, "note": r.note_en if en else r.note_zh}
                for r in self.rules]
        rows += [{"id": n.id, "applies": False, "record_type": n.what_en if en else n.what_zh, "period": "",
                  "trigger": "", "basis": self.cite(n.basis, lang), "certainty": "V",
                  "what": n.what_en if en else n.what_zh, "note": n.why_en if en else n.why_zh}
                 for n in self.not_applicable]
        return pd.DataFrame(rows)


def _trigger_text(trigger: str, anchor: str | None, lang: str) -> str:
    zh = lang != "en"
    shown = None if anchor in (None, RELATIONSHIP_END) else anchor
    if trigger == "end_of_fiscal_year" and shown:
        return f"自{shown}所在会计年度终了起" if zh else f"from the end of the fiscal year of {shown}"
    text = TRIGGERS[trigger][0 if zh else 1]
    if not shown:
        return text
    return f"{text[:-1]}({shown})起" if zh else f"{text} ({shown})"


# -- reading and checking the file ------------------------------------------------------------------

class _Checker:
    def __init__(self, name: str, text: str, error=ScheduleError):
        self.name, self.lines, self.error = name, TomlLines(text), error

    def fail(self, where: str, problem: str, section: str | None = None, key: str | None = None, index: int = 0):
        line = self.lines.find(section, key, index) if self.lines.lines else 0
        at = f"{self.name}:{line}" if line else self.name
        raise self.error(f"{at}: {where}: {problem}")


def default_schedule_path() -> Path:
    return Path(__file__).resolve().with_name("data") / "retention.toml"


def load_schedule(path=None) -> RetentionSchedule:
    """Read and check a schedule (default: the kit's own); ScheduleError names file, line and field."""
    if path is None:
        return _default_schedule()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default_schedule() -> RetentionSchedule:
    return _load(default_schedule_path())


def _load(path: Path) -> RetentionSchedule:
    data = read_toml(path, ScheduleError)
    return _parse(data, _Checker(path.name, path.read_text(encoding="utf-8")))


def _str(chk, value, where, section, key, index=0, *, required=True) -> str:
    if value is None:
        if required:
            chk.fail(where, "is missing", section, None, index)
        return ""
    if not isinstance(value, str) or (required and not value.strip()):
        chk.fail(where, f"must be a non-empty text, got {value!r}", section, key, index)
    return value


def _strs(chk, value, where, section, key, index=0) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        chk.fail(where, f"must be a list of texts, got {value!r}", section, key, index)
    return tuple(value)


def _keys(chk, entry: dict, allowed: set, where: str, section, index=0):
    for key in entry:
        if key not in allowed:
            chk.fail(f"{where}.{key}", f"unknown field (known: {', '.join(sorted(allowed))})", section, key, index)


_RULE_KEYS = {"id", "name_zh", "name_en", "covers_basis", "covers_tables", "covers_columns", "covers_kinds",
              "basis", "basis_zh", "basis_en", "certainty", "period", "trigger", "anchors", "open_until",
              "hand_over_to", "note_zh", "note_en"}
_SETTINGS_KEYS = {"default_rule", "fiscal_year_end", "grace_days", "request_working_days", "relationship_table",
                  "relationship_end_column", "customer_columns", "id_columns"}
_LAW_KEYS = {"name_zh", "name_en", "cite_zh", "cite_en"}
_NA_KEYS = {"id", "basis", "what_zh", "what_en", "why_zh", "why_en"}
_HOLD_KEYS = {"id", "reason", "reason_zh", "reason_en", "customers", "tables", "start", "end"}


def _int(chk, value, where, section, key, index=0) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        chk.fail(where, f"must be a whole number, got {value!r}", section, key, index)
    if value < 0:
        chk.fail(where, f"{value} is negative", section, key, index)
    return value


def _parse(data: dict, chk: _Checker) -> RetentionSchedule:
    _keys(chk, data, {"version", "settings", "laws", "rule", "not_applicable", "hold"}, "top level", None)
    laws = {}
    for law_id, entry in (data.get("laws") or {}).items():
        section = f"laws.{law_id}"
        if not isinstance(entry, dict):
            chk.fail(section, "must be a table", section)
        _keys(chk, entry, _LAW_KEYS, section, section)
        laws[law_id] = Law(law_id, *(_str(chk, entry.get(k), f"{section}.{k}", section, k) for k in
                                     ("name_zh", "name_en", "cite_zh", "cite_en")))

    def citations(value, where, section, index):
        if value is None or value == []:
            chk.fail(f"{where}.basis", "is missing: every rule needs at least one provision", section, "basis", index)
        if not isinstance(value, list):
            chk.fail(f"{where}.basis", "must be a list of { law = ..., articles = [...] }", section, "basis", index)
        out = []
        for c in value:
            if not isinstance(c, dict) or set(c) - {"law", "articles"}:
                chk.fail(f"{where}.basis", f"each entry is {{ law = ..., articles = [...] }}, got {c!r}", section, "basis", index)
            if c.get("law") not in laws:
                chk.fail(f"{where}.basis", f"unknown law {c.get('law')!r} (laws: {', '.join(laws)})", section, "basis", index)
            arts = c.get("articles", [])
            if not isinstance(arts, list) or not all(isinstance(a, str) and a.strip() for a in arts):
                chk.fail(f"{where}.basis", f"articles must be a list of texts, got {arts!r}", section, "basis", index)
            out.append(Citation(c["law"], tuple(arts)))
        return tuple(out)

    rules, seen, claimed = [], {}, {}
    raw_rules = data.get("rule") or []
    if not isinstance(raw_rules, list) or not raw_rules:
        chk.fail("rule", "the schedule has no [[rule]] entries", None)
    for i, entry in enumerate(raw_rules):
        where = f"rule[{i + 1}]"
        _keys(chk, entry, _RULE_KEYS, where, "rule", i)
        rid = _str(chk, entry.get("id"), f"{where}.id", "rule", "id", i)
        if not _ID.match(rid):
            chk.fail(f"{where}.id", f"{rid!r} must be lower-case letters, digits and _", "rule", "id", i)
        where = f"rule '{rid}'"
        if rid in seen:
            chk.fail(f"{where}.id", f"duplicate id (also rule[{seen[rid] + 1}])", "rule", "id", i)
        seen[rid] = i
        names = [_str(chk, entry.get(k), f"{where}.{k}", "rule", k, i) for k in ("name_zh", "name_en")]
        basis = citations(entry.get("basis"), where, "rule", i)
        texts = [_str(chk, entry.get(k), f"{where}.{k}", "rule", k, i) for k in ("basis_zh", "basis_en")]
        certainty = entry.get("certainty")
        if certainty not in CERTAINTIES:
            chk.fail(f"{where}.certainty", f"{certainty!r} is not one of V, S, U", "rule", "certainty", i)
        period = _period(chk, entry.get("period"), where, i)
        trigger = entry.get("trigger")
        if trigger not in TRIGGERS:
            chk.fail(f"{where}.trigger", f"unknown trigger {trigger!r} (known: {', '.join(TRIGGERS)})", "rule", "trigger", i)
        anchors = entry.get("anchors", {})
        if not isinstance(anchors, dict) or not all(isinstance(v, str) and v for v in anchors.values()):
            chk.fail(f"{where}.anchors", "must be { table = \"date column\" or \"@relationship_end\" }", "rule", "anchors", i)
        for table, anchor in anchors.items():
            if anchor.startswith("@") and anchor != RELATIONSHIP_END:
                chk.fail(f"{where}.anchors.{table}", f"{anchor!r}: the only special anchor is {RELATIONSHIP_END}", "rule", "anchors", i)
        covers = {k: _strs(chk, entry.get(k), f"{where}.{k}", "rule", k, i)
                  for k in ("covers_basis", "covers_tables", "covers_columns", "covers_kinds")}
        for col in covers["covers_columns"]:
            if col.count(".") != 1 or not all(col.split(".")):
                chk.fail(f"{where}.covers_columns", f"{col!r} must be written table.column", "rule", "covers_columns", i)
        for key, items in covers.items():
            for item in items:
                other = claimed.get((key, item))
                if other and other != rid:
                    chk.fail(f"{where}.{key}", f"{item!r} is already covered by rule '{other}'", "rule", key, i)
                claimed[(key, item)] = rid
        open_until = entry.get("open_until", "service_end")
        if open_until not in _OPEN_UNTIL:
            chk.fail(f"{where}.open_until", f"{open_until!r} is not one of {', '.join(_OPEN_UNTIL)}", "rule", "open_until", i)
        hand = entry.get("hand_over_to", "archives")
        if hand not in _CUSTODIANS:
            chk.fail(f"{where}.hand_over_to", f"{hand!r} is not one of {', '.join(_CUSTODIANS)}", "rule", "hand_over_to", i)
        notes = [_str(chk, entry.get(k), f"{where}.{k}", "rule", k, i, required=False) for k in ("note_zh", "note_en")]
        rules.append(RetentionRule(rid, *names, basis, *texts, certainty, period, trigger, dict(anchors),
                                   *covers.values(), open_until, hand, *notes))

    settings = _settings(chk, data.get("settings") or {}, seen)
    for i, rule in enumerate(rules):
        if not any((rule.covers_basis, rule.covers_tables, rule.covers_columns, rule.covers_kinds)) \
                and rule.id != settings.default_rule:
            chk.fail(f"rule '{rule.id}'", "covers nothing (give covers_tables, covers_columns, covers_basis or covers_kinds)",
                     "rule", "id", i)

    not_applicable = []
    for i, entry in enumerate(data.get("not_applicable") or []):
        where = f"not_applicable[{i + 1}]"
        _keys(chk, entry, _NA_KEYS, where, "not_applicable", i)
        nid = _str(chk, entry.get("id"), f"{where}.id", "not_applicable", "id", i)
        if nid in seen or nid in {n.id for n in not_applicable}:
            chk.fail(f"{where}.id", f"duplicate id {nid!r}", "not_applicable", "id", i)
        basis = citations(entry.get("basis"), f"not_applicable '{nid}'", "not_applicable", i)
        texts = [_str(chk, entry.get(k), f"not_applicable '{nid}'.{k}", "not_applicable", k, i)
                 for k in ("what_zh", "what_en", "why_zh", "why_en")]
        not_applicable.append(NotApplicable(nid, basis, *texts))

    holds = _parse_holds(data.get("hold") or [], chk)
    return RetentionSchedule(chk.name, settings, laws, tuple(rules), tuple(not_applicable), holds)


def _period(chk, value, where, i) -> Period:
    if value in ("none", "permanent"):
        return Period(value)
    if not isinstance(value, dict) or not value:
        chk.fail(f"{where}.period", f"must be {{ years = N }} (also months, days), \"none\" or \"permanent\"; got {value!r}",
                 "rule", "period", i)
    for key in value:
        if key not in ("years", "months", "days"):
            chk.fail(f"{where}.period.{key}", "unknown field (known: years, months, days)", "rule", "period", i)
    parts = {k: _int(chk, value.get(k, 0), f"{where}.period.{k}", "rule", "period", i) for k in ("years", "months", "days")}
    if not any(parts.values()):
        chk.fail(f"{where}.period", "is zero: write \"none\" for records kept only while the purpose lasts", "rule", "period", i)
    return Period("fixed", **parts)


def _settings(chk, entry: dict, rules: dict) -> ScheduleSettings:
    _keys(chk, entry, _SETTINGS_KEYS, "settings", "settings")
    default = entry.get("default_rule")
    if default not in rules:
        chk.fail("settings.default_rule", f"{default!r} is not a rule id (rules: {', '.join(rules)})", "settings", "default_rule")
    fye = entry.get("fiscal_year_end", "12-31")
    match = re.fullmatch(r"(\d\d)-(\d\d)", fye) if isinstance(fye, str) else None
    try:
        month, day = (int(match.group(1)), int(match.group(2))) if match else (0, 0)
        dt.date(2023, month, day)   # not a leap year: 02-29 is refused
    except ValueError:
        match = None
    if not match:
        chk.fail("settings.fiscal_year_end", f"{fye!r} must be a month and day \"MM-DD\" (not 02-29)", "settings", "fiscal_year_end")
    grace = _int(chk, entry.get("grace_days", 30), "settings.grace_days", "settings", "grace_days")
    request = _int(chk, entry.get("request_working_days", 15), "settings.request_working_days", "settings", "request_working_days")
    maps = {}
    for key in ("customer_columns", "id_columns"):
        value = entry.get(key, {})
        if not isinstance(value, dict) or not all(isinstance(v, str) and v for v in value.values()):
            chk.fail(f"settings.{key}", "must be { table = \"column\" }", "settings", key)
        maps[key] = dict(value)
    return ScheduleSettings(
        default, (month, day), grace, request,
        _str(chk, entry.get("relationship_table", "accounts"), "settings.relationship_table", "settings", "relationship_table"),
        _str(chk, entry.get("relationship_end_column", "closed_on"), "settings.relationship_end_column", "settings",
             "relationship_end_column"),
        maps["customer_columns"], maps["id_columns"])


def _date(value, chk, where, section, key, index) -> pd.Timestamp:
    if isinstance(value, dt.datetime):
        return pd.Timestamp(value.date())
    if isinstance(value, (dt.date, pd.Timestamp)):
        return pd.Timestamp(value).normalize()
    if isinstance(value, str):
        try:
            return pd.Timestamp(dt.date.fromisoformat(value.strip()))
        except ValueError:
            pass
    chk.fail(where, f"{value!r} is not a date (YYYY-MM-DD)", section, key, index)


def _parse_holds(entries, chk: _Checker) -> tuple[LegalHold, ...]:
    if not isinstance(entries, list):
        chk.fail("hold", "must be a list of [[hold]] entries", None)
    holds, seen = [], set()
    for i, entry in enumerate(entries):
        where = f"hold[{i + 1}]"
        if not isinstance(entry, Mapping):
            chk.fail(where, f"must be a table of fields, got {entry!r}", "hold", None, i)
        _keys(chk, entry, _HOLD_KEYS, where, "hold", i)
        hid = _str(chk, entry.get("id"), f"{where}.id", "hold", "id", i)
        where = f"hold '{hid}'"
        if hid in seen:
            chk.fail(f"{where}.id", "duplicate id", "hold", "id", i)
        seen.add(hid)
        reason = entry.get("reason")
        if reason not in HOLD_REASONS:
            chk.fail(f"{where}.reason", f"{reason!r} is not one of {', '.join(HOLD_REASONS)}", "hold", "reason", i)
        customers = _strs(chk, entry.get("customers"), f"{where}.customers", "hold", "customers", i)
        tables = _strs(chk, entry.get("tables"), f"{where}.tables", "hold", "tables", i)
        if not customers and not tables:
            chk.fail(f"{where}", "covers nothing: give customers, tables or both", "hold", "id", i)
        if entry.get("start") is None:
            chk.fail(f"{where}.start", "is missing", "hold", "id", i)
        start = _date(entry.get("start"), chk, f"{where}.start", "hold", "start", i)
        end = None
        if entry.get("end") not in (None, ""):
            end = _date(entry["end"], chk, f"{where}.end", "hold", "end", i)
            if end < start:
                chk.fail(f"{where}.end", f"{end.date()} is before the start {start.date()}", "hold", "end", i)
        texts = [_str(chk, entry.get(k), f"{where}.{k}", "hold", k, i, required=False) for k in ("reason_zh", "reason_en")]
        holds.append(LegalHold(hid, reason, start, end, frozenset(customers), frozenset(tables), *texts))
    return tuple(holds)


def load_holds(holds) -> tuple[LegalHold, ...]:
    """Legal holds from a TOML file with [[hold]] entries, a DataFrame, dicts or LegalHold objects.

    A DataFrame has columns id, reason, start and optional end, customers, tables, reason_zh/en
    (customers and tables as lists or ``;``-separated text)."""
    if holds is None:
        return ()
    if isinstance(holds, (str, Path)):
        path = Path(holds)
        data = read_toml(path, ScheduleError)
        chk = _Checker(path.name, path.read_text(encoding="utf-8"))
        _keys(chk, data, {"version", "hold"}, "top level", None)
        return _parse_holds(data.get("hold") or [], chk)
    if isinstance(holds, LegalHold):
        return (holds,)
    if isinstance(holds, pd.DataFrame):
        entries = []
        for record in holds.to_dict("records"):
            entry = {k: v for k, v in record.items() if not _missing(v)}
            for key in ("customers", "tables"):
                if isinstance(entry.get(key), str):
                    entry[key] = [x.strip() for x in entry[key].split(";") if x.strip()]
                elif key in entry:
                    entry[key] = [str(x) for x in entry[key]]
            entries.append(entry)
        return _parse_holds(entries, _Checker("holds", "", PlanError))
    items = list(holds)
    if all(isinstance(h, LegalHold) for h in items):
        return tuple(items)
    entries = [h if isinstance(h, Mapping) else _bad_hold(h) for h in items]
    entries = [{k: (list(v) if isinstance(v, (set, frozenset, tuple)) else v) for k, v in e.items()} for e in entries]
    return _parse_holds(entries, _Checker("holds", "", PlanError))


def _bad_hold(value):
    raise PlanError(f"holds: each hold is a LegalHold or a dict of fields, got {type(value).__name__}")


def _missing(value) -> bool:
    if value is None:
        return True
    if isinstance(value, (list, tuple, set, frozenset, np.ndarray)):
        return False
    try:
        return bool(pd.isna(value))
    except (TypeError, ValueError):
        return False
