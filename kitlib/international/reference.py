"""The provisions module 11 may cite, with their certainty, as the kit's legal reference gives them.

Every citation in ``data/comparison.toml``, ``data/trends.toml`` and the case studies is parsed
here: a law and article(s) ("PIPL Art. 57", "PIPL Arts. 38–40", "GDPR Art. 33") or a named
instrument ("CAC incident-reporting measures 2025").  A provision not listed is rejected, so
nothing outside the reference reaches a learner; the marks are the reference's (V read in the
law, S secondary source).  The reference is silent on the GDPR's protection officer, transfer
rules and fines: those are open questions, not citations (``kitlib.international.comparison``).
"""
from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["LAWS", "INSTRUMENTS", "Citation", "CitationError", "parse_citation", "marks_of"]


class CitationError(ValueError):
    """A citation that is malformed or not in the kit's legal reference."""


def _span(a: int, b: int, mark: str) -> dict[int, str]:
    return {n: mark for n in range(a, b + 1)}


# law code -> (zh name, en name, {article: mark}) — the rows of the kit's legal reference
LAWS = {
    "PIPL": ("《个人信息保护法》", "PIPL", {4: "V", 13: "V", 14: "V", 17: "V", 19: "V", 21: "V", 22: "V", 23: "V",
                                      28: "V", 29: "V", 31: "V", **_span(38, 40, "V"), **_span(44, 50, "V"),
                                      51: "V", 52: "V", 54: "V", 55: "V", 56: "V", 57: "V", 66: "V", 69: "V"}),
    "DSL": ("《数据安全法》", "DSL", {21: "V", 27: "V", 29: "V", 45: "V"}),
    "NDSMR": ("《网络数据安全管理条例》", "NDSMR", {10: "V", 11: "V", 12: "V", 14: "V", 21: "V", 23: "V", 24: "V",
                                          28: "V", 32: "V"}),
    "GDPR": ("欧盟《通用数据保护条例》", "GDPR", {17: "S", 33: "S", 34: "S"}),
}
# instrument -> (zh, en, mark)
INSTRUMENTS = {
    "CAC incident-reporting measures 2025": ("《国家网络安全事件报告管理办法》(2025年11月1日施行)",
                                             "CAC incident-reporting measures (in force 2025-11-01)", "S"),
    "CAC officer threshold notice 2025": ("网信部门2025年7月18日通知(个人信息保护负责人门槛100万人)",
                                          "CAC notice of 2025-07-18 (protection-officer threshold: 1 million people)", "S"),
    "Compliance Audit Measures 2025": ("《个人信息保护合规审计管理办法》(2025年5月1日施行)",
                                       "Compliance Audit Measures (in force 2025-05-01)", "S"),
    "NIST SP 800-88 Rev. 2": ("NIST SP 800-88 第2版(2025年9月)", "NIST SP 800-88 Rev. 2 (September 2025)", "S"),
}
_ARTICLE = re.compile(r"^(?P<law>[A-Z]+) (?P<word>Arts?)\. (?P<list>\d+(?:–\d+)?(?:, \d+(?:–\d+)?)*)$")


@dataclass(frozen=True)
class Citation:
    """One provision: ``text`` as written, the law (or instrument) code, the articles, the mark."""
    text: str
    law: str
    articles: tuple[int, ...]
    mark: str

    def label(self, lang: str = "en") -> str:
        """The citation in ``lang``: "《个人信息保护法》第57条" or "PIPL Art. 57"."""
        if self.law in INSTRUMENTS:
            zh, en, _ = INSTRUMENTS[self.law]
            return zh if lang == "zh-CN" else en
        if lang != "zh-CN":
            return self.text
        numbers = self.text.split(". ", 1)[1].replace(", ", "、")
        return f"{LAWS[self.law][0]}第{numbers}条"


def parse_citation(text: str) -> Citation:
    """The Citation for ``text``; CitationError (one line) when it is malformed or not in the reference."""
    if not isinstance(text, str) or not text.strip():
        raise CitationError(f"citation: a text like 'PIPL Art. 57' is needed, got {text!r}")
    text = text.strip()
    if text in INSTRUMENTS:
        return Citation(text, text, (), INSTRUMENTS[text][2])
    match = _ARTICLE.match(text.replace("-", "–"))
    if not match:
        raise CitationError(f"citation {text!r}: write 'LAW Art. N', 'LAW Arts. N–M' or one of: {', '.join(INSTRUMENTS)}")
    law = match["law"]
    if law not in LAWS:
        raise CitationError(f"citation {text!r}: law {law!r} is not in the kit's legal reference ({', '.join(LAWS)})")
    numbers: list[int] = []
    for part in match["list"].split(", "):
        bounds = [int(x) for x in part.split("–")]
        numbers += range(bounds[0], bounds[-1] + 1)
    if (len(numbers) > 1) != (match["word"] == "Arts"):
        raise CitationError(f"citation {text!r}: 'Art.' for one article, 'Arts.' for several")
    known = LAWS[law][2]
    missing = [n for n in numbers if n not in known]
    if missing:
        raise CitationError(f"citation {text!r}: {law} Art. {missing[0]} is not in the kit's legal reference")
    marks = {known[n] for n in numbers}
    return Citation(text.replace("-", "–"), law, tuple(numbers), "V" if marks == {"V"} else "S")


def marks_of(citations) -> str:
    """The marks of several citations, strongest first: "V", "S" or "V · S"."""
    marks = {c.mark for c in citations}
    return " · ".join(m for m in ("V", "S") if m in marks) or "—"
