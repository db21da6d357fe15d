"""Where the trends point (seed section 二十): technology, rules and market, from ``data/trends.toml``.

Each trend says what it means for the case company.  A trend backed by the kit's legal reference
cites it (``basis = "reference"``); any other is the kit's own view, not law, and is labelled so
(``basis = "kit_view"``) — it may still cite the provisions it relates to.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import pandas as pd

from .errors import InternationalError
from .reference import Citation, marks_of
from ._records import Records

__all__ = ["AREAS", "BASES", "Trend", "load_trends", "trends_table", "default_trends_path"]

AREAS = {"technology": ("技术", "technology"), "rules": ("规则", "rules"), "market": ("市场", "market")}
BASES = {"reference": ("法律参考支持", "backed by the kit's legal reference"),
         "kit_view": ("工具包的观点(不是法律)", "the kit's view (not law)")}
_KEYS = {"id", "area", "basis", "title_zh", "title_en", "text_zh", "text_en", "for_case_zh", "for_case_en", "cites"}


@dataclass(frozen=True)
class Trend:
    id: str
    area: str
    basis: str
    title_zh: str
    title_en: str
    text_zh: str
    text_en: str
    for_case_zh: str
    for_case_en: str
    cites: tuple[Citation, ...]

    @property
    def is_law(self) -> bool:
        return self.basis == "reference"


def default_trends_path() -> Path:
    return Path(str(resources.files("kitlib.international") / "data" / "trends.toml"))


def load_trends(path=None) -> tuple[Trend, ...]:
    """Read and check ``trends.toml`` (or a trainer's copy): InternationalError, one line, otherwise."""
    return _default() if path is None else _load(Path(path))


@lru_cache(maxsize=1)
def _default() -> tuple[Trend, ...]:
    return _load(default_trends_path())


def _load(path: Path) -> tuple[Trend, ...]:
    rec = Records(path, "trend", _KEYS)
    out = []
    for n, _ in enumerate(rec.entries):
        basis = rec.choice(n, "basis", BASES)
        out.append(Trend(rec.text(n, "id"), rec.choice(n, "area", AREAS), basis,
                         *(rec.text(n, k) for k in ("title_zh", "title_en", "text_zh", "text_en", "for_case_zh", "for_case_en")),
                         rec.cites(n, "cites", required=basis == "reference")))
    return tuple(out)


def trends_table(lang: str = "en", path=None) -> pd.DataFrame:
    """One row per trend in ``lang`` ("zh-CN" or "en"): area, trend, what it says, for the case, basis, mark."""
    if lang not in ("zh-CN", "en"):
        raise InternationalError(f"lang: 'zh-CN' or 'en', got {lang!r}")
    i = 0 if lang == "zh-CN" else 1
    rows = [{"id": t.id, "area": AREAS[t.area][i], "trend": (t.title_zh, t.title_en)[i], "what": (t.text_zh, t.text_en)[i],
             "for_the_case": (t.for_case_zh, t.for_case_en)[i], "basis": BASES[t.basis][i],
             "cites": "; ".join(c.label(lang) for c in t.cites), "mark": marks_of(t.cites) if t.is_law else "—"}
            for t in load_trends(path)]
    return pd.DataFrame(rows)
