"""Agreements with recipients and notices to customers, checked against the checklist
(``data/agreement_checklist.toml``): which fields each flow needs and where each comes from.

    >>> problems = check_agreement({"handler": "A", "recipient": "B"}, "entrusted")
    >>> [p.field for p in problems][:3]
    ['recipient_contact', 'purpose_id', 'purpose']

An agreement is a dict or a TOML file (one ``key = value`` per field); problems from a file name
its line.  ``share`` refuses an export whose agreement or notice has any problem.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..dates import to_date
from ._toml import TomlSource
from .errors import AgreementError, RegistryError
from .purposes import FLOWS

__all__ = ["ChecklistItem", "Checklist", "Problem", "load_checklist", "read_agreement", "check_agreement",
           "check_notice", "agreement_digest", "draft_agreement", "draft_notice", "KINDS"]

KINDS = ("text", "list", "columns", "date", "true", "false", "choice", "years")
_COLUMN = re.compile(r"^[A-Za-z_][\w]*\.[A-Za-z_][\w]*$")


@dataclass(frozen=True)
class ChecklistItem:
    id: str
    label_zh: str
    label_en: str
    kind: str
    source: dict                       # flow -> where the requirement comes from
    choices: tuple = ()
    min: int = 0


@dataclass(frozen=True)
class Checklist:
    fields: tuple                      # ChecklistItem for agreements
    notice: tuple                      # ChecklistItem for notices to customers

    def for_flow(self, flow: str, notice: bool = False) -> list[ChecklistItem]:
        return [i for i in (self.notice if notice else self.fields) if flow in i.source]


@dataclass(frozen=True)
class Problem:
    """One missing or invalid field: ``str(problem)`` is one line for the person fixing it."""
    field: str
    problem: str
    problem_zh: str
    source: str
    line: int = 0
    where: str = "agreement"

    def __str__(self) -> str:
        at = f"{self.where}:{self.line}: " if self.line else f"{self.where}: "
        return f"{at}{self.field}: {self.problem} ({self.source})"


def default_checklist_path() -> Path:
    return Path(__file__).resolve().with_name("data") / "agreement_checklist.toml"


def load_checklist(path=None) -> Checklist:
    """The checklist (default: the kit's own); RegistryError names file, line and field."""
    return _default_checklist() if path is None else _load_checklist(Path(path))


@lru_cache(maxsize=1)
def _default_checklist() -> Checklist:
    return _load_checklist(default_checklist_path())


def _id_line(src: TomlSource, ident) -> int:
    rx = re.compile(rf"^\s*id\s*=\s*\"{re.escape(str(ident))}\"")
    return next((i + 1 for i, text in enumerate(src.lines) if rx.match(text)), 0)


def _item(src: TomlSource, group: str, n: int, entry) -> ChecklistItem:
    ident = entry.get("id") if isinstance(entry, dict) else None

    def fail(key, problem):
        line = _id_line(src, ident) if ident else 0
        label = f"{group}[{n}]" + (f" ({ident})" if ident else "")
        raise RegistryError(f"{src.name}:{line}: {label}.{key}: {problem}" if line else f"{src.name}: {label}.{key}: {problem}")

    if not isinstance(entry, dict):
        fail("id", "each entry is a table")
    for key in ("id", "label_zh", "label_en", "kind"):
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            fail(key, "missing or empty")
    if entry["kind"] not in KINDS:
        fail("kind", f"{entry['kind']!r} is not one of {', '.join(KINDS)}")
    source = entry.get("source")
    if not isinstance(source, dict) or not source:
        fail("source", "give { <flow> = \"<article or company policy>\" } for the flows that need it")
    for flow, cite in source.items():
        if flow not in FLOWS:
            fail("source", f"{flow!r} is not a flow ({', '.join(FLOWS)})")
        if not isinstance(cite, str) or not cite.strip():
            fail("source", f"{flow}: say where it comes from (an article, or \"company policy\")")
    choices = entry.get("choices", [])
    if entry["kind"] == "choice" and (not isinstance(choices, list) or not choices):
        fail("choices", "a choice needs a list of choices")
    minimum = entry.get("min", 0)
    if not isinstance(minimum, int) or minimum < 0:
        fail("min", "must be a whole number >= 0")
    unknown = set(entry) - {"id", "label_zh", "label_en", "kind", "source", "choices", "min"}
    if unknown:
        fail(sorted(unknown)[0], "unknown field")
    return ChecklistItem(entry["id"], entry["label_zh"], entry["label_en"], entry["kind"], dict(source),
                         tuple(choices), minimum)


def _load_checklist(path: Path) -> Checklist:
    src = TomlSource(path, RegistryError)
    unknown = set(src.data) - {"field", "notice"}
    if unknown:
        src.fail(None, sorted(unknown)[0], "unknown section (the file holds [[field]] and [[notice]])")
    groups = {}
    for group in ("field", "notice"):
        entries = src.data.get(group, [])
        if not isinstance(entries, list) or (group == "field" and not entries):
            src.fail(None, group, f"give at least one [[{group}]]")
        items = [_item(src, group, n, e) for n, e in enumerate(entries)]
        seen = set()
        for it in items:
            if it.id in seen:
                raise RegistryError(f"{src.name}:{_id_line(src, it.id)}: {group} ({it.id}).id: listed twice")
            seen.add(it.id)
        groups[group] = tuple(items)
    return Checklist(groups["field"], groups["notice"])


def read_agreement(path) -> tuple[dict, TomlSource]:
    """An agreement file's fields and its source (for line numbers); AgreementError when unreadable."""
    src = TomlSource(path, AgreementError)
    return dict(src.data), src


_as_date = to_date


def _check_value(item: ChecklistItem, value) -> tuple[str, str] | None:
    """(problem en, problem zh) when ``value`` does not fit ``item``; None when it does."""
    if value is None or (isinstance(value, str) and not value.strip()):
        return "missing", "缺少"
    kind = item.kind
    if kind == "text" and not isinstance(value, str):
        return f"must be text, got {value!r}", f"应为文字,而不是 {value!r}"
    if kind in ("list", "columns"):
        if not isinstance(value, list) or not value or not all(isinstance(v, str) and v.strip() for v in value):
            return "must be a non-empty list of texts", "应为非空的文字列表"
        if kind == "columns":
            bad = [v for v in value if not _COLUMN.match(v)]
            if bad:
                return f"{bad[0]!r} is not table.column", f"{bad[0]!r} 不是“表.列”"
    if kind == "date" and _as_date(value) is None:
        return f"{value!r} is not a date (YYYY-MM-DD)", f"{value!r} 不是日期(YYYY-MM-DD)"
    if kind == "true" and value is not True:
        return f"must be true, got {value!r}", f"必须为 true,实际为 {value!r}"
    if kind == "false" and value is not False:
        return f"must be false, got {value!r}", f"必须为 false,实际为 {value!r}"
    if kind == "choice" and value not in item.choices:
        return (f"{value!r} is not one of {', '.join(item.choices)}",
                f"{value!r} 不在可选值 {', '.join(item.choices)} 之中")
    if kind == "years" and (not isinstance(value, int) or isinstance(value, bool) or value < item.min):
        return f"must be a whole number of years >= {item.min}, got {value!r}", f"应为不少于 {item.min} 的整年数,实际为 {value!r}"
    return None


def _check(data: dict, items: list[ChecklistItem], flow: str, where: str, line_of, *, purpose=None,
           recipient=None, shared_columns=None, on=None) -> list[Problem]:
    problems = []

    def add(item, en, zh):
        problems.append(Problem(item.id, en, zh, item.source[flow], line_of(item.id), where))

    for item in items:
        value = data.get(item.id)
        bad = _check_value(item, value)
        if bad:
            add(item, *bad)
            continue
        if item.id == "purpose_id" and purpose is not None and value != purpose:
            add(item, f"{value!r} is not the purpose being shared ({purpose!r})", f"{value!r} 不是本次共享的目的({purpose!r})")
        elif item.id == "recipient" and recipient is not None and value.strip() != recipient:
            add(item, f"{value!r} is not the recipient of this share ({recipient!r})",
                f"{value!r} 不是本次共享的接收方({recipient!r})")
        elif item.kind == "columns" and shared_columns is not None:
            absent = [c for c in shared_columns if c not in value]
            if absent:
                add(item, f"{absent[0]} is shared but not listed ({len(absent)} column(s) not listed)",
                    f"{absent[0]} 要提供,但没有列出(共 {len(absent)} 列没有列出)")
        elif item.id == "term_end" and on is not None and _as_date(value) < on:
            add(item, f"the term ended on {_as_date(value)}", f"期限已于 {_as_date(value)} 届满")
        elif item.id in ("impact_assessment_on", "sent_on") and on is not None and _as_date(value) > on:
            add(item, f"{_as_date(value)} is after the share ({on}): it must come beforehand",
                f"{_as_date(value)} 晚于共享日期({on}):必须在事前完成")
    return problems


def _inputs(agreement, what: str):
    if isinstance(agreement, (str, Path)):
        data, src = read_agreement(agreement)
        return data, src.name, (lambda key: src.line(None, key))
    if isinstance(agreement, dict):
        return dict(agreement), what, (lambda key: 0)
    raise AgreementError(f"{what}: give a dict or the path of a TOML file, got {type(agreement).__name__}")


def _flow(flow: str) -> str:
    if flow not in FLOWS:
        raise AgreementError(f"flow {flow!r} is not one of {', '.join(FLOWS)}")
    return flow


def check_agreement(agreement, flow: str, *, purpose: str | None = None, recipient: str | None = None,
                    shared_columns=None, on=None, checklist: Checklist | None = None) -> list[Problem]:
    """The missing or invalid fields of ``agreement`` (a dict or a TOML file) for ``flow``; [] when
    it passes.  With ``purpose``, ``recipient``, ``shared_columns`` ("table.column") and ``on`` (the
    share day), also checks that they match: the purpose id, the recipient's name, every shared
    column among the categories, the term still running, the assessment made beforehand."""
    flow = _flow(flow)
    checklist = checklist or load_checklist()
    data, where, line_of = _inputs(agreement, "agreement")
    problems = []
    if "flow" in data and data["flow"] != flow:
        problems.append(Problem("flow", f"{data['flow']!r} is not the flow of this share ({flow!r})",
                                f"{data['flow']!r} 不是本次共享的类型({flow!r})", FLOWS[flow][2], line_of("flow"), where))
    return problems + _check(data, checklist.for_flow(flow), flow, where, line_of, purpose=purpose,
                             recipient=recipient, shared_columns=shared_columns, on=_as_date(on) if on else None)


def check_notice(notice, flow: str, *, recipient: str | None = None, shared_columns=None, on=None,
                 checklist: Checklist | None = None) -> list[Problem]:
    """The missing or invalid items of the notice to customers for ``flow`` ([] for a flow that
    needs none, e.g. entrusted processing)."""
    flow = _flow(flow)
    checklist = checklist or load_checklist()
    items = checklist.for_flow(flow, notice=True)
    if not items:
        return []
    if notice is None:
        notice = {}
    data, where, line_of = _inputs(notice, "notice")
    return _check(data, items, flow, where, line_of, recipient=recipient, shared_columns=shared_columns,
                  on=_as_date(on) if on else None)


def agreement_digest(agreement) -> str:
    """SHA-256 of the agreement's canonical JSON (what the ledger records instead of the text)."""
    data, _, _ = _inputs(agreement, "agreement")
    text = json.dumps(data, sort_keys=True, ensure_ascii=False, default=str, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


_METHOD = {"entrusted": ("按本公司指示处理,不用于其他目的", "processed only on the company's instructions, for no other purpose"),
           "provision": ("接收方为自己的目的处理", "processed by the recipient for its own purpose"),
           "transfer": ("以原来的目的和方式继续处理", "processed for the same purpose, in the same way"),
           "cross_border": ("传输到境外接收方的系统中处理", "transmitted to and processed in the recipient's system abroad")}


def _text(value) -> str:
    return str(value) if value is not None else ""


def draft_agreement(purpose, recipient, *, handler: str, impact_assessment: str | None = None,
                    assessed_on=None, term_end=None, cross_border_route: str | None = None,
                    safeguards=("传输加密 · encrypted in transit", "最小权限 · least privilege",
                                "访问日志 · access logging"), checklist: Checklist | None = None) -> dict:
    """An agreement for ``purpose`` (a ``Purpose``) and ``recipient`` (a ``Recipient``) filled from
    the registry: every field of the flow's checklist, with the categories the purpose needs.  What
    the registry cannot know (the impact assessment, the term, the route abroad) stays None until
    given, so ``check_agreement`` names it."""
    checklist = checklist or load_checklist()
    zh, en = _METHOD[purpose.flow]
    known = {"handler": handler, "recipient": recipient.name, "recipient_contact": recipient.contact or None,
             "purpose_id": purpose.id, "purpose": f"{purpose.label_zh} · {purpose.label_en}", "method": f"{zh} · {en}",
             "categories": [f"{t}.{c}" for t in purpose.tables for c in purpose.columns(t)],
             "term_end": term_end, "safeguards": list(safeguards), "end_of_term": "delete", "sub_entrusting": False,
             "continues_duties": True, "cross_border_route": cross_border_route, "audit_rights": True,
             "incident_notification": True, "impact_assessment": impact_assessment,
             "impact_assessment_on": assessed_on, "records_kept_years": 3}
    out = {"flow": purpose.flow}
    for item in checklist.for_flow(purpose.flow):
        out[item.id] = known.get(item.id)
    return out


def draft_notice(purpose, recipient, *, sent_on=None, checklist: Checklist | None = None) -> dict:
    """The notice to customers for ``purpose`` filled from the registry (sent_on as given)."""
    checklist = checklist or load_checklist()
    zh, en = _METHOD[purpose.flow]
    known = {"recipient": recipient.name, "recipient_contact": recipient.contact or None,
             "purpose": f"{purpose.label_zh} · {purpose.label_en}", "method": f"{zh} · {en}",
             "categories": [f"{t}.{c}" for t in purpose.tables for c in purpose.columns(t)],
             "rights": "向本公司或接收方的联系人提出 · ask the company or the recipient's contact",
             "sent_on": sent_on}
    return {item.id: known.get(item.id) for item in checklist.for_flow(purpose.flow, notice=True)}
