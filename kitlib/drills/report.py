"""The after-action report of a drill run (HSEEP style), written from the run record alone.

``after_action_report(record)`` reads the run record (format "kitlib.drills run v1", produced by
``Run.record()``) and returns an :class:`AfterActionReport` with print-ready A4 HTML (no external
assets, every text autoescaped) and Markdown, in both languages or one.  It holds: a summary, the
timeline, decisions against expectations, criteria met and missed per capability (with deadlines
met or missed), strengths and areas for improvement, an improvement plan and a participant
feedback form.

Every figure is computed from the record: counts and points from ``events``, per-capability
shares and deadlines from ``criteria``; ``figures`` holds them all.  Only the maximum score is
read as stored (``score.max``): the options a team did not choose are not in the record.  When
the stored ``score.awarded`` or ``by_capability`` disagree with what the events and criteria
add up to, the report says so (``figures["inconsistencies"]``) instead of hiding it.
"""
from __future__ import annotations

import datetime as dt
import html
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2

from ..atomic import write_text_atomic

__all__ = ["AfterActionReport", "ReportError", "after_action_report", "compute_figures", "RECORD_FORMAT",
           "FEEDBACK_QUESTIONS", "RATING_SCALE"]

RECORD_FORMAT = "kitlib.drills run v1"
LANGS = ("both", "zh-CN", "en")
PLAN_DAYS = 30   # derived improvement actions fall due this many days after the run

FEEDBACK_QUESTIONS = (
    ("演练场景是否真实、贴近我们的工作?", "Was the scenario realistic and close to our work?"),
    ("我清楚自己的角色和职责。", "I understood my role and responsibilities."),
    ("注入信息和证据足以让我们做出判断。", "The injects and evidence were enough to make decisions."),
    ("我现在知道事件如何定级、何时向谁报告。", "I now know how to grade an incident and when and to whom to report it."),
    ("我现在知道通知个人时应说明什么(《个人信息保护法》第五十七条)。",
     "I now know what a notice to individuals must say (PIPL Art. 57)."),
    ("演练时长和节奏合适。", "The length and pace of the exercise were right."),
)
RATING_SCALE = (("1", "很不同意", "strongly disagree"), ("2", "不同意", "disagree"), ("3", "一般", "neutral"),
                ("4", "同意", "agree"), ("5", "非常同意", "strongly agree"))
FREE_TEXT = (("本次演练中最有用的是什么?", "What was most useful in this exercise?"),
             ("我们的预案或流程中最需要改进的是什么?", "What most needs improving in our plan or procedures?"),
             ("对下次演练的建议:", "Suggestions for the next exercise:"))

_KINDS = {"start": ("开始", "start"), "inject": ("注入", "inject"), "decision": ("决策", "decision"),
          "task": ("任务", "task"), "note": ("记录", "note"), "end": ("结束", "end"),
          "acknowledge": ("确认收到", "acknowledged")}
_MODES = {"scripted": ("脚本", "scripted"), "real": ("实时", "real time"), "accelerated": ("加速", "accelerated"),
          "stepped": ("手动推进", "stepped")}


class ReportError(ValueError):
    """A run record or report option the report cannot use; one line naming the field."""


@dataclass(frozen=True)
class AfterActionReport:
    """The report: ``html`` (A4, self-contained), ``markdown``, the ``figures`` behind both."""
    html: str
    markdown: str
    figures: dict
    name: str = "after-action-report"
    extras: dict = field(default_factory=dict, repr=False)

    def write(self, directory) -> dict[str, Path]:
        """Write ``<name>.html`` and ``<name>.md`` into ``directory`` (each atomically)."""
        folder = Path(directory)
        folder.mkdir(parents=True, exist_ok=True)
        return {"html": write_text_atomic(folder / f"{self.name}.html", self.html),
                "markdown": write_text_atomic(folder / f"{self.name}.md", self.markdown)}


# -- reading the record ---------------------------------------------------------------------------

def _fail(where: str, problem: str):
    raise ReportError(f"record.{where}: {problem}")


def _num(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        _fail(where, f"a number is needed, got {value!r}")
    return float(value)


def _opt_num(value, where: str) -> float | None:
    return None if value is None else _num(value, where)


def _text(value, where: str) -> dict:
    """A {"zh-CN", "en"} text (a plain string stands for both)."""
    if value is None:
        return {"zh": "", "en": ""}
    if isinstance(value, str):
        return {"zh": value, "en": value}
    if isinstance(value, Mapping):
        zh, en = value.get("zh-CN", value.get("zh")), value.get("en")
        if isinstance(zh, str) or isinstance(en, str):
            return {"zh": zh if isinstance(zh, str) else en, "en": en if isinstance(en, str) else zh}
    _fail(where, f"a text with 'zh-CN' and 'en' is needed, got {value!r}")


def _check_record(record) -> None:
    if not isinstance(record, Mapping):
        raise ReportError(f"record: a run record (a mapping) is needed, got {type(record).__name__}")
    if record.get("format") != RECORD_FORMAT:
        _fail("format", f"expected {RECORD_FORMAT!r}, got {record.get('format')!r}")
    for key, kind in (("package", Mapping), ("events", list), ("criteria", list), ("score", Mapping)):
        if not isinstance(record.get(key), kind):
            _fail(key, f"missing or not a {'mapping' if kind is Mapping else 'list'}")
    if not isinstance(record["package"].get("id"), str):
        _fail("package.id", "missing")
    seqs = set()
    for i, e in enumerate(record["events"]):
        if not isinstance(e, Mapping):
            _fail(f"events[{i}]", "not a mapping")
        if isinstance(e.get("seq"), bool) or not isinstance(e.get("seq"), int):
            _fail(f"events[{i}].seq", f"a whole number is needed, got {e.get('seq')!r}")
        if e["seq"] in seqs:
            _fail(f"events[{i}].seq", f"duplicate seq {e['seq']}")
        seqs.add(e["seq"])
        _num(e.get("t"), f"events[{i}].t")
        if not isinstance(e.get("kind"), str):
            _fail(f"events[{i}].kind", f"missing, got {e.get('kind')!r}")
        if e["kind"] in ("decision", "task"):
            _num(e.get("points", 0), f"events[{i}].points")
    for i, c in enumerate(record["criteria"]):
        if not isinstance(c, Mapping):
            _fail(f"criteria[{i}]", "not a mapping")
        for key in ("id", "capability"):
            if not isinstance(c.get(key), str):
                _fail(f"criteria[{i}].{key}", "missing")
        _num(c.get("points"), f"criteria[{i}].points")
        _num(c.get("awarded"), f"criteria[{i}].awarded")
        if not isinstance(c.get("met"), bool):
            _fail(f"criteria[{i}].met", f"true or false is needed, got {c.get('met')!r}")
        _opt_num(c.get("deadline_minutes"), f"criteria[{i}].deadline_minutes")
        _opt_num(c.get("met_at"), f"criteria[{i}].met_at")


def _int_or_float(x: float):
    return int(x) if float(x).is_integer() else round(x, 2)


def compute_figures(record: Mapping) -> dict:
    """Every figure of the report, computed from the record's events and criteria."""
    _check_record(record)
    events = sorted(record["events"], key=lambda e: e["seq"])
    by_kind: dict[str, list] = {}
    for e in events:
        by_kind.setdefault(e["kind"], []).append(e)
    starts, ends = by_kind.get("start", []), by_kind.get("end", [])
    t0 = starts[0]["t"] if starts else (events[0]["t"] if events else 0.0)
    t1 = ends[-1]["t"] if ends else (events[-1]["t"] if events else 0.0)
    decisions, tasks = by_kind.get("decision", []), by_kind.get("task", [])
    points = {"decisions": _int_or_float(sum(float(e.get("points", 0)) for e in decisions)),
              "tasks": _int_or_float(sum(float(e.get("points", 0)) for e in tasks)),
              "criteria": _int_or_float(sum(float(c["awarded"]) for c in record["criteria"]))}
    points["total"] = _int_or_float(points["decisions"] + points["tasks"] + points["criteria"])

    caps = [c.get("id") for c in record["package"].get("capabilities", []) if isinstance(c, Mapping)]
    caps += [c["capability"] for c in record["criteria"] if c["capability"] not in caps]
    by_cap = {cap: {"awarded": 0.0, "max": 0.0, "met": 0, "total": 0} for cap in caps}
    deadlines = {"total": 0, "met": 0, "missed": 0, "late": 0, "not_done": 0}
    for c in record["criteria"]:
        cap = by_cap[c["capability"]]
        cap["awarded"] += float(c["awarded"])
        cap["max"] += float(c["points"])
        cap["total"] += 1
        cap["met"] += bool(c["met"])
        if c.get("deadline_minutes") is not None:
            deadlines["total"] += 1
            state = _deadline_state(c)
            deadlines["met" if state == "on_time" else "missed"] += 1
            if state == "late":
                deadlines["late"] += 1
            elif state == "not_done":
                deadlines["not_done"] += 1
    for cap in by_cap.values():
        cap["share"] = round(cap["awarded"] / cap["max"], 4) if cap["max"] else None
        cap["awarded"], cap["max"] = _int_or_float(cap["awarded"]), _int_or_float(cap["max"])
    met = sum(bool(c["met"]) for c in record["criteria"])
    stored = record["score"]
    max_score = stored.get("max")
    figures = {
        "package_id": record["package"]["id"], "variant_id": (record.get("variant") or {}).get("id"),
        "seed": record.get("seed"), "mode": record.get("mode"),
        "planned_minutes": record["package"].get("duration_minutes"),
        "played_minutes": _int_or_float(round(t1 - t0, 4)), "ended": bool(ends),
        "events": len(events),
        "injects": len(by_kind.get("inject", [])),
        "decisions": len(decisions),
        "decisions_expected": sum(e.get("expected") is True for e in decisions),
        "decisions_unexpected": sum(e.get("expected") is False for e in decisions),
        "tasks": len(tasks), "tasks_correct": sum(e.get("correct") is True for e in tasks),
        "notes": len(by_kind.get("note", [])),
        "acknowledged": len(by_kind.get("acknowledge", [])),
        "points": points,
        "criteria": {"total": len(record["criteria"]), "met": met, "missed": len(record["criteria"]) - met,
                     "points": _int_or_float(sum(float(c["points"]) for c in record["criteria"]))},
        "deadlines": deadlines,
        "by_capability": by_cap,
        "score": {"awarded": points["total"], "max": max_score,
                  "share": round(points["total"] / max_score, 4) if isinstance(max_score, (int, float)) and max_score else None},
    }
    figures["inconsistencies"] = _inconsistencies(stored, figures)
    return figures


def _deadline_state(c: Mapping) -> str:
    """on_time, late (met after the deadline), not_done; "none" without a deadline."""
    deadline, at = c.get("deadline_minutes"), c.get("met_at")
    if deadline is None:
        return "none"
    if at is None:
        return "not_done"
    return "on_time" if c["met"] and at <= deadline + 1e-9 else "late"


def _inconsistencies(stored: Mapping, figures: dict) -> list[dict]:
    out = []
    if isinstance(stored.get("awarded"), (int, float)) and abs(stored["awarded"] - figures["points"]["total"]) > 1e-9:
        out.append({"zh": f"记录中保存的得分 {stored['awarded']:g} 与事件和评估标准合计的 {figures['points']['total']:g} 不一致。",
                    "en": f"The stored score {stored['awarded']:g} differs from the {figures['points']['total']:g} the "
                          "events and criteria add up to."})
    for cap, value in (stored.get("by_capability") or {}).items():
        mine = figures["by_capability"].get(cap)
        if not isinstance(value, Mapping) or mine is None or value.get("awarded") != mine["awarded"] \
                or value.get("max") != mine["max"]:
            out.append({"zh": f"能力“{cap}”的保存得分与评估标准合计不一致。",
                        "en": f"The stored score of capability '{cap}' differs from its criteria."})
    return out


# -- building the report --------------------------------------------------------------------------

def _clock(t: float) -> str:
    """Minutes on the exercise clock as m:ss."""
    seconds = int(round(float(t) * 60))
    return f"{seconds // 60}:{seconds % 60:02d}"


def _mins(t) -> str:
    return f"{float(t):g}"


def _pair(zh: str, en: str) -> dict:
    return {"zh": zh, "en": en}


def _answer_text(answer) -> str:
    if isinstance(answer, Mapping):
        return "; ".join(f"{k}: {_answer_text(v)}" for k, v in answer.items())
    if isinstance(answer, (list, tuple)):
        shown = ", ".join(str(a) for a in answer[:8])
        return shown + (f" … (+{len(answer) - 8})" if len(answer) > 8 else "")
    return "" if answer is None else str(answer)


def _timeline(events: list, roles: dict) -> list[dict]:
    rows = []
    for i, e in enumerate(events):
        kind = e["kind"]
        label = _KINDS.get(kind, (kind, kind))
        title = _text(e.get("title"), f"events[{i}].title")
        ident = str(e.get("id", ""))
        if kind == "inject":
            who = ", ".join(roles.get(r, {"en": str(r)})["en"] for r in e.get("recipients", []))
            whozh = "、".join(roles.get(r, {"zh": str(r)})["zh"] for r in e.get("recipients", []))
            what = _pair(f"{ident} {title['zh']}(发给:{whozh};方式:{e.get('medium', '')})",
                         f"{ident} {title['en']} (to: {who}; by {e.get('medium', '')})")
        elif kind == "decision":
            opt = _text(e.get("option_title") or e.get("option"), f"events[{i}].option_title")
            role = roles.get(e.get("role"), _pair(str(e.get("role", "")), str(e.get("role", ""))))
            what = _pair(f"{ident} {title['zh']} → {opt['zh']}({role['zh']})",
                         f"{ident} {title['en']} → {opt['en']} ({role['en']})")
        elif kind == "task":
            ok = e.get("correct") is True
            what = _pair(f"{ident} {title['zh']}:回答“{_answer_text(e.get('answer'))}”,{'正确' if ok else '不正确'}",
                         f"{ident} {title['en']}: answered “{_answer_text(e.get('answer'))}”, {'right' if ok else 'wrong'}")
        elif kind == "note":
            role = roles.get(e.get("role"), _pair(str(e.get("role", "")), str(e.get("role", ""))))
            what = _pair(f"{role['zh']}:{e.get('text', '')}", f"{role['en']}: {e.get('text', '')}")
        elif kind == "acknowledge":
            role = roles.get(e.get("role"), _pair(str(e.get("role", "")), str(e.get("role", ""))))
            what = _pair(f"{role['zh']}确认收到 {ident}", f"{role['en']} acknowledged {ident}")
        else:
            what = _pair(ident, ident)
        points = e.get("points") if kind in ("decision", "task") else None
        rows.append({"seq": e["seq"], "clock": _clock(e["t"]), "kind": _pair(*label), "what": what,
                     "points": None if points is None else f"{float(points):g}"})
    return rows


def _criteria_rows(record: Mapping, caps: dict) -> list[dict]:
    groups = []
    for cap_id, cap_title in caps.items():
        rows = []
        for i, c in enumerate(record["criteria"]):
            if c["capability"] != cap_id:
                continue
            state = _deadline_state(c)
            deadline = c.get("deadline_minutes")
            at = c.get("met_at")
            if c["met"]:
                status = _pair(f"达成(第 {_mins(at)} 分钟)", f"met (minute {_mins(at)})") if at is not None else _pair("达成", "met")
            elif state == "late":
                status = _pair(f"超时:第 {_mins(at)} 分钟才完成,时限 {_mins(deadline)} 分钟",
                               f"late: done at minute {_mins(at)}, deadline {_mins(deadline)}")
            else:
                status = _pair("未达成", "not met")
            rows.append({"id": c["id"], "title": _text(c.get("title"), f"criteria[{i}].title"),
                         "points": f"{float(c['points']):g}", "awarded": f"{float(c['awarded']):g}",
                         "met": bool(c["met"]), "status": status,
                         "deadline": "—" if deadline is None else _mins(deadline),
                         "deadline_state": state, "evidence": [int(s) for s in c.get("evidence", [])]})
        groups.append({"id": cap_id, "title": cap_title, "rows": rows})
    return groups


def _given_texts(items, where: str) -> list[dict]:
    if items is None:
        return []
    if isinstance(items, (str, Mapping)):
        raise ReportError(f"{where}: a list of texts is needed, got {type(items).__name__}")
    out = []
    for i, item in enumerate(items):
        try:
            out.append(_text(item, f"{where}[{i}]"))
        except ReportError:
            raise ReportError(f"{where}[{i}]: a text or a {{'zh-CN', 'en'}} mapping is needed, got {item!r}") from None
    return out


def _derived_strengths(record, figures, caps) -> list[dict]:
    out = []
    for cap_id, cap in figures["by_capability"].items():
        if cap["max"] and cap["awarded"] == cap["max"]:
            t = caps.get(cap_id, _pair(cap_id, cap_id))
            out.append(_pair(f"能力“{t['zh']}”:全部 {cap['total']} 项标准均达成({cap['awarded']:g}/{cap['max']:g} 分)。",
                             f"Capability “{t['en']}”: every criterion met ({cap['met']} of {cap['total']}; {cap['awarded']:g}/{cap['max']:g} points)."))
    for i, c in enumerate(record["criteria"]):
        if c["met"] and _deadline_state(c) == "on_time":
            t = _text(c.get("title"), f"criteria[{i}].title")
            out.append(_pair(f"{c['id']} {t['zh']}:第 {_mins(c['met_at'])} 分钟完成,早于 {_mins(c['deadline_minutes'])} 分钟时限。",
                             f"{c['id']} {t['en']}: done at minute {_mins(c['met_at'])}, within the "
                             f"{_mins(c['deadline_minutes'])}-minute deadline."))
    n = figures["decisions_expected"]
    if n:
        out.append(_pair(f"{figures['decisions']} 项决策中有 {n} 项符合预期。",
                         f"{n} of {figures['decisions']} decisions were as expected."))
    return out


def _derived_areas(record, figures, caps) -> list[dict]:
    out = []
    for i, c in enumerate(record["criteria"]):
        if c["met"]:
            continue
        t = _text(c.get("title"), f"criteria[{i}].title")
        cap = caps.get(c["capability"], _pair(c["capability"], c["capability"]))
        state = _deadline_state(c)
        if state == "late":
            out.append(_pair(f"{c['id']} {t['zh']}({cap['zh']}):第 {_mins(c['met_at'])} 分钟才完成,超过 {_mins(c['deadline_minutes'])} 分钟时限。",
                             f"{c['id']} {t['en']} ({cap['en']}): done at minute {_mins(c['met_at'])}, after the "
                             f"{_mins(c['deadline_minutes'])}-minute deadline."))
        else:
            out.append(_pair(f"{c['id']} {t['zh']}({cap['zh']}):未达成。", f"{c['id']} {t['en']} ({cap['en']}): not met."))
    for i, e in enumerate(record["events"]):
        if e["kind"] == "decision" and e.get("expected") is False:
            t = _text(e.get("title"), f"events[{i}].title")
            opt = _text(e.get("option_title") or e.get("option"), f"events[{i}].option_title")
            out.append(_pair(f"决策 {e.get('id', '')} {t['zh']}:所选“{opt['zh']}”不符合预期。",
                             f"Decision {e.get('id', '')} {t['en']}: the option chosen, “{opt['en']}”, was not the expected one."))
        if e["kind"] == "task" and e.get("correct") is False:
            t = _text(e.get("title"), f"events[{i}].title")
            out.append(_pair(f"任务 {e.get('id', '')} {t['zh']}:回答不正确。", f"Task {e.get('id', '')} {t['en']}: answered wrongly."))
    return out


def _run_day(record) -> dt.date:
    for key in ("ended_at", "started_at"):
        value = record.get(key)
        if isinstance(value, str):
            try:
                return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).date()
            except ValueError:
                _fail(key, f"an ISO date-time is needed, got {value!r}")
    return dt.date(1970, 1, 1)


def _derived_plan(record, caps) -> list[dict]:
    due = (_run_day(record) + dt.timedelta(days=PLAN_DAYS)).isoformat()
    out = []
    for i, c in enumerate(record["criteria"]):
        if c["met"]:
            continue
        t = _text(c.get("title"), f"criteria[{i}].title")
        cap = caps.get(c["capability"], _pair(c["capability"], c["capability"]))
        late = _deadline_state(c) == "late"
        action = _pair(f"修订预案和检查清单,使“{t['zh']}”能{'在时限内' if late else ''}完成,并在下次演练中复练",
                       f"Revise the plan and checklist so that “{t['en']}” is done{' within its deadline' if late else ''}, "
                       "and rehearse it in the next drill")
        out.append({"action": action, "capability": cap, "owner": _pair("待指定", "to be assigned"), "due": due,
                    "source": c["id"]})
    return out


def _given_plan(plan) -> list[dict]:
    if isinstance(plan, (str, Mapping)) or not hasattr(plan, "__iter__"):
        raise ReportError(f"improvement_plan: a list of items is needed, got {type(plan).__name__}")
    out = []
    for i, item in enumerate(plan):
        if not isinstance(item, Mapping):
            raise ReportError(f"improvement_plan[{i}]: a mapping with action, owner and due is needed")
        for key in ("action", "owner", "due"):
            if item.get(key) in (None, ""):
                raise ReportError(f"improvement_plan[{i}].{key}: missing")
        due = item["due"]
        if isinstance(due, dt.date):
            due = due.isoformat()
        try:
            dt.date.fromisoformat(str(due))
        except ValueError:
            raise ReportError(f"improvement_plan[{i}].due: a date YYYY-MM-DD is needed, got {due!r}") from None
        out.append({"action": _given_texts([item["action"]], f"improvement_plan[{i}].action")[0],
                    "owner": _given_texts([item["owner"]], f"improvement_plan[{i}].owner")[0],
                    "capability": _given_texts([item.get("capability", "")], f"improvement_plan[{i}].capability")[0],
                    "due": str(due), "source": str(item.get("source", ""))})
    return out


def _env() -> jinja2.Environment:
    def load(name: str) -> str:
        return resources.files("kitlib").joinpath("templates", "drills", name).read_text(encoding="utf-8")

    env = jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=jinja2.select_autoescape(["html.j2"]),
                             trim_blocks=True, lstrip_blocks=True, undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    env.filters["md"] = _md
    return env


def _md(value) -> str:
    """Text made safe inside Markdown (and its table cells): no raw HTML, no breaking pipes or lines."""
    text = html.escape(str(value), quote=False)
    text = re.sub(r"([\\`*_\[\]|#])", r"\\\1", text)
    return re.sub(r"\s*\n\s*", " ", text)


def after_action_report(record: Mapping, *, lang: str = "both", improvement_plan=None, strengths=None,
                        areas=None) -> AfterActionReport:
    """The after-action report of a run record.

    lang: "both" (zh-CN then English), "zh-CN" or "en".  strengths, areas: lists of texts (a string
    or {"zh-CN", "en"}); derived from the criteria, decisions and tasks when not given.
    improvement_plan: a list of {action, owner, due (YYYY-MM-DD), capability?, source?}; derived from
    the missed criteria (owner to be assigned, due 30 days after the run) when not given.
    """
    if lang not in LANGS:
        raise ReportError(f"lang: one of {', '.join(LANGS)} is needed, got {lang!r}")
    figures = compute_figures(record)
    package = record["package"]
    caps = {c["id"]: _text(c.get("title"), f"package.capabilities[{i}].title")
            for i, c in enumerate(package.get("capabilities", [])) if isinstance(c, Mapping) and "id" in c}
    for c in record["criteria"]:
        caps.setdefault(c["capability"], _pair(c["capability"], c["capability"]))
    roles = {r["id"]: _text(r.get("title"), f"roles[{i}].title")
             for i, r in enumerate(record.get("roles") or []) if isinstance(r, Mapping) and "id" in r}
    events = sorted(record["events"], key=lambda e: e["seq"])
    decisions = [{"seq": e["seq"], "clock": _clock(e["t"]), "id": str(e.get("id", "")),
                  "title": _text(e.get("title"), f"events[{i}].title"),
                  "option": _text(e.get("option_title") or e.get("option"), f"events[{i}].option_title"),
                  "role": roles.get(e.get("role"), _pair(str(e.get("role", "")), str(e.get("role", "")))),
                  "expected": e.get("expected"), "points": f"{float(e.get('points', 0)):g}"}
                 for i, e in enumerate(events) if e["kind"] == "decision"]
    cap_rows = [{"id": cid, "title": caps[cid], **{k: v for k, v in cap.items()},
                 "share_text": "—" if cap["share"] is None else f"{cap['share']:.0%}"}
                for cid, cap in figures["by_capability"].items()]
    context = {
        "lang": lang, "figures": figures,
        "title": _text(package.get("title"), "package.title"),
        "variant": _text((record.get("variant") or {}).get("title"), "variant.title"),
        "audience": _text(package.get("audience"), "package.audience"),
        "objectives": [_text(o, f"package.objectives[{i}]") for i, o in enumerate(package.get("objectives", []))],
        "mode": _pair(*_MODES.get(record.get("mode"), (str(record.get("mode")), str(record.get("mode"))))),
        "started_at": str(record.get("started_at") or "—"), "ended_at": str(record.get("ended_at") or "—"),
        "timeline": _timeline(events, roles), "decisions": decisions,
        "capabilities": cap_rows, "criteria_groups": _criteria_rows(record, caps),
        "strengths": _given_texts(strengths, "strengths") if strengths is not None else _derived_strengths(record, figures, caps),
        "areas": _given_texts(areas, "areas") if areas is not None else _derived_areas(record, figures, caps),
        "plan": _given_plan(improvement_plan) if improvement_plan is not None else _derived_plan(record, caps),
        "plan_derived": improvement_plan is None, "strengths_derived": strengths is None, "areas_derived": areas is None,
        "questions": [_pair(zh, en) for zh, en in FEEDBACK_QUESTIONS],
        "objective_questions": [_pair(f"本次演练达成了目标:{o['zh']}", f"The exercise met its objective: {o['en']}")
                                for o in (_text(o, f"package.objectives[{i}]") for i, o in enumerate(package.get("objectives", [])))],
        "scale": [{"value": v, "zh": zh, "en": en} for v, zh, en in RATING_SCALE],
        "free_text": [_pair(zh, en) for zh, en in FREE_TEXT],
        "inconsistencies": figures["inconsistencies"],
        "score_max_text": "—" if figures["score"]["max"] is None else f"{figures['score']['max']:g}",
        "score_share_text": "—" if figures["score"]["share"] is None else f"{figures['score']['share']:.0%}",
    }
    env = _env()
    name = "after-action-" + re.sub(r"[^A-Za-z0-9._-]+", "-", f"{package['id']}-{figures['variant_id'] or 'run'}"
                                    f"-seed{figures['seed']}").strip("-.")
    return AfterActionReport(env.get_template("after_action_report.html.j2").render(context),
                             env.get_template("after_action_report.md.j2").render(context), figures, name)
