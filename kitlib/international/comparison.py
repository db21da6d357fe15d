"""PIPL side by side with the GDPR (``data/comparison.toml``) and what each law asks of one breach.

    >>> comp = load_comparison()
    >>> comp.topic("breach_regulator").gdpr_cites[0].text
    'GDPR Art. 33'
    >>> duties = what_applies("2026-04-17 09:47", people=120, eu_residents=3)
    >>> duties.set_index("id").loc["gdpr_authority", "deadline"]
    Timestamp('2026-04-20 09:47:00')

Everything comes from the kit's legal reference (``kitlib.international.reference``).  Where it is
silent on the GDPR (the protection officer, transfers, fines, impact assessment, answer times) the
cell says so and asks the open question for the learner to check against the official text.
Whether the GDPR applies to the case company at all (its territorial scope) is itself such a
question: ``what_applies`` lists the GDPR duties when EU residents are affected, marked that way.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..drills.plan import OPERATORS, report_clock
from .errors import InternationalError
from .reference import Citation, marks_of, parse_citation
from ._records import Records

__all__ = ["Topic", "Comparison", "load_comparison", "default_comparison_path", "comparison_table",
           "what_applies", "NOT_COVERED", "GDPR_SCOPE_NOTE", "DUTY_COLUMNS"]

NOT_COVERED = ("工具包的法律参考没有涉及这一点(待核实的问题)。",
               "The kit's legal reference does not cover this (an open question to check).")
GDPR_SCOPE_NOTE = ("法律参考没有涉及GDPR的适用范围:它是否适用于本公司,需对照官方文本核实;如果适用,时钟从知悉之时起算。",
                   "The kit's legal reference does not cover the GDPR's territorial scope: whether it applies to this "
                   "company is an open question to check against the official text; if it does, the clock runs from "
                   "becoming aware.")
_KEYS = {"id", "title_zh", "title_en", "pipl_zh", "pipl_en", "pipl_cites", "gdpr_covered", "gdpr_zh", "gdpr_en",
         "gdpr_cites", "gdpr_question_zh", "gdpr_question_en"}


@dataclass(frozen=True)
class Topic:
    """One row: the PIPL side and the GDPR side (or the open question where the reference is silent)."""
    id: str
    title_zh: str
    title_en: str
    pipl_zh: str
    pipl_en: str
    pipl_cites: tuple[Citation, ...]
    gdpr_covered: bool
    gdpr_zh: str
    gdpr_en: str
    gdpr_cites: tuple[Citation, ...]

    def side(self, law: str, lang: str) -> str:
        """The text of one side ("pipl" or "gdpr") in ``lang``."""
        return getattr(self, f"{law}_{'zh' if lang == 'zh-CN' else 'en'}")

    def cites(self, law: str, lang: str = "en") -> str:
        return "; ".join(c.label(lang) for c in getattr(self, f"{law}_cites"))

    def mark(self, law: str) -> str:
        if law == "gdpr" and not self.gdpr_covered:
            return "—"
        return marks_of(getattr(self, f"{law}_cites"))


@dataclass(frozen=True)
class Comparison:
    topics: tuple[Topic, ...]
    source: str

    def topic(self, topic_id: str) -> Topic:
        for t in self.topics:
            if t.id == topic_id:
                return t
        raise InternationalError(f"topic: no topic {topic_id!r}; one of {', '.join(t.id for t in self.topics)}")

    def frame(self, lang: str = "both") -> pd.DataFrame:
        """The table: one row per topic; lang "zh-CN", "en" or "both" (both languages side by side)."""
        if lang not in ("both", "zh-CN", "en"):
            raise InternationalError(f"lang: 'both', 'zh-CN' or 'en', got {lang!r}")
        langs = ("zh-CN", "en") if lang == "both" else (lang,)
        rows = []
        for t in self.topics:
            row = {"id": t.id}
            for lg in langs:
                sfx = "" if lang != "both" else ("_zh" if lg == "zh-CN" else "_en")
                row[f"topic{sfx}"] = t.title_zh if lg == "zh-CN" else t.title_en
                row[f"PIPL{sfx}"] = t.side("pipl", lg)
                row[f"PIPL_basis{sfx}"] = t.cites("pipl", lg)
                row[f"GDPR{sfx}"] = t.side("gdpr", lg)
                row[f"GDPR_basis{sfx}"] = t.cites("gdpr", lg)
            row["PIPL_mark"], row["GDPR_mark"] = t.mark("pipl"), t.mark("gdpr")
            rows.append(row)
        return pd.DataFrame(rows)


def default_comparison_path() -> Path:
    return Path(str(resources.files("kitlib.international") / "data" / "comparison.toml"))


def load_comparison(path=None) -> Comparison:
    """Read and check ``comparison.toml`` (or a trainer's copy): InternationalError, one line, otherwise."""
    if path is None:
        return _default()
    return _load(Path(path))


@lru_cache(maxsize=1)
def _default() -> Comparison:
    return _load(default_comparison_path())


def _load(path: Path) -> Comparison:
    rec = Records(path, "topic", _KEYS)
    topics = []
    for n, entry in enumerate(rec.entries):
        covered = rec.flag(n, "gdpr_covered")
        pipl_cites = rec.cites(n, "pipl_cites", required=True)
        if any(c.law == "GDPR" for c in pipl_cites):
            rec.fail(n, "pipl_cites", "a GDPR citation on the PIPL side")
        gdpr_cites = rec.cites(n, "gdpr_cites", required=covered)
        if any(c.law not in ("GDPR",) for c in gdpr_cites):
            rec.fail(n, "gdpr_cites", "only GDPR citations on the GDPR side")
        if covered:
            for key in ("gdpr_question_zh", "gdpr_question_en"):
                if key in entry:
                    rec.fail(n, key, "an open question only where gdpr_covered = false")
            gdpr_zh, gdpr_en = rec.text(n, "gdpr_zh"), rec.text(n, "gdpr_en")
        else:
            for key in ("gdpr_zh", "gdpr_en"):
                if key in entry:
                    rec.fail(n, key, "the reference does not cover this GDPR point: write gdpr_question_zh/_en instead")
            gdpr_zh = f"{NOT_COVERED[0]}{rec.text(n, 'gdpr_question_zh')}"
            gdpr_en = f"{NOT_COVERED[1]} {rec.text(n, 'gdpr_question_en')}"
        topics.append(Topic(rec.text(n, "id"), rec.text(n, "title_zh"), rec.text(n, "title_en"),
                            rec.text(n, "pipl_zh"), rec.text(n, "pipl_en"), pipl_cites, covered,
                            gdpr_zh, gdpr_en, gdpr_cites))
    return Comparison(tuple(topics), path.name)


def comparison_table(lang: str = "both", path=None) -> pd.DataFrame:
    """The comparison as a DataFrame (see ``Comparison.frame``)."""
    return load_comparison(path).frame(lang)


# -- what applies to one breach ---------------------------------------------------------------------

DUTY_COLUMNS = ["id", "law", "applies", "duty_zh", "duty_en", "deadline", "hours", "basis", "mark",
                "note_zh", "note_en"]
_GDPR_HOURS = 72            # GDPR Art. 33, as the kit's legal reference gives it (S)
_SUMMARY_DAYS = 30          # CAC 2025 measures: summary report within 30 days after handling (S)


def _count(value, field: str, most: int | None = None) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise InternationalError(f"{field}: a non-negative whole number is needed, got {value!r}")
    if most is not None and value > most:
        raise InternationalError(f"{field}: {value} is more than the {most} people affected")
    return int(value)


def _moment(value, field: str) -> pd.Timestamp:
    try:
        moment = pd.Timestamp(value)
    except (ValueError, TypeError):
        moment = pd.NaT
    if pd.isna(moment):
        raise InternationalError(f"{field}: a date and time is needed, got {value!r}")
    return moment


def what_applies(discovered_at, people: int, eu_residents: int = 0, *, operator: str = "other",
                 high_risk: bool = True, encrypted: bool = False, handled_at=None) -> pd.DataFrame:
    """The duties of each law for one breach discovered at ``discovered_at`` affecting ``people``
    people, ``eu_residents`` of them living in the EU: one row per duty (``DUTY_COLUMNS``), with
    ``applies`` and the computed ``deadline`` (NaT where the law sets no hour or day limit).

    operator: "other" (an ordinary network operator, the case company), "cii" or "state_body";
    high_risk and encrypted decide GDPR Art. 34; handled_at (when handling ended) dates the CAC summary.
    """
    found = _moment(discovered_at, "discovered_at")
    people = _count(people, "people")
    eu = _count(eu_residents, "eu_residents", people)
    if operator not in OPERATORS:
        raise InternationalError(f"operator: unknown operator kind {operator!r}; one of {', '.join(OPERATORS)}")
    for name, value in (("high_risk", high_risk), ("encrypted", encrypted)):
        if not isinstance(value, bool):
            raise InternationalError(f"{name}: true or false, got {value!r}")
    handled = None if handled_at is None else _moment(handled_at, "handled_at")
    clock = report_clock(people, found, operator)
    rows = []

    def add(ident, law, applies, duty, deadline, hours, basis, note=("", "")):
        cite = parse_citation(basis)
        rows.append({"id": ident, "law": law, "applies": bool(applies), "duty_zh": duty[0], "duty_en": duty[1],
                     "deadline": deadline if applies and deadline is not None else pd.NaT,
                     "hours": hours if applies else None, "basis": basis, "mark": cite.mark,
                     "note_zh": note[0], "note_en": note[1]})

    add("pipl_remedy", "PIPL", people > 0,
        ("立即采取补救措施,并通知履行个人信息保护职责的部门和个人", "Remedy at once and notify the regulator and the individuals"),
        None, None, "PIPL Art. 57",
        ("《个人信息保护法》没有规定小时时限;措施能够有效避免危害的,可以不通知个人,除非监管部门要求。",
         "PIPL sets no hour deadline; individual notice may be skipped where the measures effectively avoid harm, "
         "unless the regulator requires it."))
    report = clock["must_report"]
    grade = (clock["grade_zh"], clock["grade_en"])
    add("cac_report", "CAC 2025", report,
        (f"{clock['hours'] or 4} 小时内报告{clock['to']['zh-CN']}", f"Report to {clock['to']['en']} within {clock['hours'] or 4} hours"),
        found + pd.Timedelta(hours=clock["hours"]) if report else None, clock["hours"],
        "CAC incident-reporting measures 2025",
        (f"{people:,} 人:{grade[0]}。" + ("较大及以上,时钟从发现之时起算。" if report else "低于较大(100万人),小时时限不适用。"),
         f"{people:,} people: {grade[1]}. " + ("Relatively major or above; the clock runs from discovery." if report
                                              else "Below relatively major (1 million people): no hour deadline.")))
    add("cac_summary", "CAC 2025", report,
        (f"处置结束后 {_SUMMARY_DAYS} 日内提交总结报告", f"Summary report within {_SUMMARY_DAYS} days after handling"),
        handled + pd.Timedelta(days=_SUMMARY_DAYS) if (report and handled is not None) else None, None,
        "CAC incident-reporting measures 2025",
        ("" if handled is not None or not report else "给出处置结束时间即可算出日期。",
         "" if handled is not None or not report else "Give the time handling ended to date it."))
    add("gdpr_authority", "GDPR", eu > 0,
        ("无不当延误,可行时72小时内通知监管机构", "Notify the supervisory authority without undue delay, where feasible within 72 hours"),
        found + pd.Timedelta(hours=_GDPR_HOURS), _GDPR_HOURS, "GDPR Art. 33",
        (f"{eu} 名欧盟居民受影响。" + GDPR_SCOPE_NOTE[0] if eu else "没有欧盟居民受影响。",
         f"{eu} EU residents affected. " + GDPR_SCOPE_NOTE[1] if eu else "No EU residents affected."))
    tell = eu > 0 and high_risk and not encrypted
    why = (("数据已加密:无需逐一告知。", "The data was encrypted: no individual notice needed.") if encrypted else
           ("风险不高:无需告知。", "Risk not high: no notice needed.") if not high_risk else ("", ""))
    add("gdpr_individuals", "GDPR", tell,
        ("风险高时无不当延误地告知数据主体", "Tell data subjects without undue delay when the risk is high"),
        None, None, "GDPR Art. 34", why if eu else ("没有欧盟居民受影响。", "No EU residents affected."))
    return pd.DataFrame(rows, columns=DUTY_COLUMNS)
