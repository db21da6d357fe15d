"""The purpose registry (``data/purposes.toml``): why the company gives data to someone else,
through which flow, on which legal basis, and which columns each purpose needs.

    >>> purposes = load_purposes()
    >>> purposes["group_crm"].flow, purposes["group_crm"].consent_purpose
    ('cross_border', 'cross_border')
    >>> purposes["delivery"].columns("customers")
    ('mobile', 'address', 'district', 'customer_id', 'name')
"""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from ._toml import TomlSource
from .errors import RegistryError

__all__ = ["FLOWS", "BASES", "Purpose", "TableNeed", "load_purposes", "default_purposes_path"]

# flow -> (zh, en, article)
FLOWS = {
    "entrusted": ("委托处理", "entrusted processing", "PIPL Art. 21"),
    "provision": ("向其他处理者提供", "provision to another handler", "PIPL Art. 23"),
    "transfer": ("因解散等转移", "transfer on dissolution (or merger, division, bankruptcy)", "PIPL Art. 22"),
    "cross_border": ("向境外提供", "cross-border transfer", "PIPL Arts. 38–40"),
}
# PIPL Art. 13 grounds -> (zh, en)
BASES = {
    "consent": ("取得个人的同意", "the person's consent"),
    "contract": ("订立、履行个人作为一方当事人的合同所必需", "needed for a contract with the person"),
    "legal_duty": ("履行法定职责或者法定义务所必需", "needed for a legal duty"),
    "emergency": ("应对突发公共卫生事件或保护生命财产安全", "a public-health emergency or protecting life and property"),
    "news": ("新闻报道、舆论监督", "news reporting"),
    "public": ("已合法公开的个人信息", "information already lawfully public"),
    "other_law": ("法律、行政法规规定的其他情形", "other cases laws provide for"),
}
MINORS = ("guardian", "exclude")
_TEXT = ("label_zh", "label_en", "recipient_zh", "recipient_en", "why_zh", "why_en")
_KEYS = set(_TEXT) | {"flow", "basis", "separate_consent", "consent_purpose", "new_purpose", "minors", "tables"}


@dataclass(frozen=True)
class TableNeed:
    """The columns one purpose needs from one table."""
    clear: tuple[str, ...] = ()
    protected: tuple[str, ...] = ()
    consent: dict = field(default_factory=dict)     # sensitive column -> consents.purpose required


@dataclass(frozen=True)
class Purpose:
    id: str
    label_zh: str
    label_en: str
    recipient_zh: str
    recipient_en: str
    flow: str
    basis: str
    separate_consent: bool
    consent_purpose: str | None
    new_purpose: bool
    minors: str
    why_zh: str
    why_en: str
    tables: dict                                     # table -> TableNeed

    def columns(self, table: str) -> tuple[str, ...]:
        """Every column the purpose needs from ``table`` (clear first); () for a table it does not use."""
        need = self.tables.get(table)
        return () if need is None else need.clear + need.protected

    def label(self, lang: str = "en") -> str:
        return self.label_zh if lang == "zh-CN" else self.label_en

    @property
    def article(self) -> str:
        return FLOWS[self.flow][2]


def default_purposes_path() -> Path:
    return Path(__file__).resolve().with_name("data") / "purposes.toml"


def load_purposes(path=None) -> dict[str, Purpose]:
    """The registry (default: the kit's own); RegistryError names file, line and field."""
    return _default() if path is None else _load(Path(path))


@lru_cache(maxsize=1)
def _default() -> dict[str, Purpose]:
    return _load(default_purposes_path())


def _names(src: TomlSource, section: str, key: str, value) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        src.fail(section, key, "must be a list of column names")
    if len(set(value)) != len(value):
        src.fail(section, key, f"{sorted({v for v in value if value.count(v) > 1})[0]!r} is listed twice")
    return tuple(value)


def _table(src: TomlSource, pid: str, table: str, entry) -> TableNeed:
    section = f"purposes.{pid}.tables.{table}"
    if not isinstance(entry, dict):
        src.fail(f"purposes.{pid}.tables", table, "must be a table with clear / protected / consent")
    unknown = set(entry) - {"clear", "protected", "consent"}
    if unknown:
        src.fail(section, sorted(unknown)[0], "unknown field (allowed: clear, protected, consent)")
    clear = _names(src, section, "clear", entry.get("clear", []))
    protected = _names(src, section, "protected", entry.get("protected", []))
    both = set(clear) & set(protected)
    if both:
        src.fail(section, "protected", f"{sorted(both)[0]!r} is also in clear")
    if not clear and not protected:
        src.fail(section, None, "names no column (give clear or protected)")
    consent = entry.get("consent", {})
    if not isinstance(consent, dict) or not all(isinstance(v, str) and v for v in consent.values()):
        src.fail(section, "consent", "must be { column = \"<consents.purpose>\" }")
    stray = set(consent) - set(clear) - set(protected)
    if stray:
        src.fail(section, "consent", f"{sorted(stray)[0]!r} is not a column of this purpose")
    return TableNeed(clear, protected, dict(consent))


def _purpose(src: TomlSource, pid: str, entry) -> Purpose:
    section = f"purposes.{pid}"
    if not isinstance(entry, dict):
        src.fail("purposes", pid, "must be a table")
    unknown = set(entry) - _KEYS
    if unknown:
        src.fail(section, sorted(unknown)[0], "unknown field")
    for key in _TEXT:
        if not isinstance(entry.get(key), str) or not entry[key].strip():
            src.fail(section, key, "missing or empty (every purpose has zh and en text)")
    flow, basis, minors = entry.get("flow"), entry.get("basis"), entry.get("minors", "guardian")
    if flow not in FLOWS:
        src.fail(section, "flow", f"{flow!r} is not one of {', '.join(FLOWS)}")
    if basis not in BASES:
        src.fail(section, "basis", f"{basis!r} is not a PIPL Art. 13 ground ({', '.join(BASES)})")
    if minors not in MINORS:
        src.fail(section, "minors", f"{minors!r} is not one of {', '.join(MINORS)}")
    separate = entry.get("separate_consent")
    if not isinstance(separate, bool):
        src.fail(section, "separate_consent", "must be true or false")
    if flow == "provision" and not separate:
        src.fail(section, "separate_consent", "a provision needs separate consent (PIPL Art. 23)")
    if flow == "cross_border" and not separate:
        src.fail(section, "separate_consent", "a cross-border transfer needs separate consent (PIPL Art. 39)")
    consent_purpose = entry.get("consent_purpose")
    if separate and not (isinstance(consent_purpose, str) and consent_purpose):
        src.fail(section, "consent_purpose", "name the consents.purpose whose separate consent counts")
    if separate and basis != "consent":
        src.fail(section, "basis", f"{basis!r}: a purpose that needs separate consent rests on consent")
    new_purpose = entry.get("new_purpose", False)
    if not isinstance(new_purpose, bool):
        src.fail(section, "new_purpose", "must be true or false")
    if new_purpose and flow != "transfer":
        src.fail(section, "new_purpose", "only a transfer (PIPL Art. 22) has this field")
    tables = entry.get("tables")
    if not isinstance(tables, dict) or not tables:
        src.fail(section, "tables", "missing: give [purposes.<id>.tables.<table>] with the columns needed")
    return Purpose(pid, *(entry[k].strip() for k in _TEXT[:4]), flow, basis, separate,
                   consent_purpose if separate else None, new_purpose, minors,
                   entry["why_zh"].strip(), entry["why_en"].strip(),
                   {t: _table(src, pid, t, e) for t, e in tables.items()})


def _load(path: Path) -> dict[str, Purpose]:
    src = TomlSource(path, RegistryError)
    unknown = set(src.data) - {"purposes"}
    if unknown:
        src.fail(None, sorted(unknown)[0], "unknown section (the file holds [purposes.<id>])")
    purposes = src.data.get("purposes")
    if not isinstance(purposes, dict) or not purposes:
        src.fail(None, "purposes", "no purposes: give at least one [purposes.<id>]")
    return {pid: _purpose(src, pid, entry) for pid, entry in purposes.items()}
