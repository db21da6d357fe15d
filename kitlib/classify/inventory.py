"""The data inventory: one row per system, table and column, saying what the column holds,
how the company's policy grades it and which questions it raises.

``inventory(tables)`` is the contract between classification and every later module
(protection, retention, migration, sharing, requests, the capstone plan): they read this
DataFrame and nothing else about the columns.

    >>> from kitlib.synth import generate
    >>> inv = inventory(generate(customers=300, seed=1))
    >>> row = inv[(inv.table == "customers") & (inv.column == "resident_id")].iloc[0]
    >>> row.system, row.kind, row.tier, bool(row.art28), row.examples_masked.count("*") > 0
    ('S01', 'cn_resident_id', 'core', True, True)

Schema (``INVENTORY_COLUMNS``; one row per system × table × column, in table then column order)

=================  =======  ===========================================================================
column             dtype    meaning
=================  =======  ===========================================================================
system             str      system the table lives in (``S01`` …; a file name for ``kit scan``; "" unknown)
copy_kind          str      primary, copy, backup or paper when known (from ``system_tables``), else ""
table              str      table name
column             str      column name as written in the table
kind               str      what the column holds: a key of the policy's ``[kinds]`` (cn_mobile,
                            cn_resident_id, free_text …); ``unknown`` when nothing recognised it
pipl_category      str      PIPL category of the kind (identity_document, financial_account …)
personal           bool     personal information (tier is not ``none``)
tier               str      core, sensitive, general, none (not personal) or review (unknown)
tier_zh            str      核心 / 敏感 / 一般 / 非个人信息 / 待复核
art28              bool     PIPL Art. 28 sensitive personal information under the policy
art28_basis        str      why (the policy's text); "" when art28 is false
confidence         float    0..1, how sure the inventory is about ``kind`` (rule below)
decided_by         str      header+values, header, values, values over header, free-text shape,
                            table context, none
header_match       str      the vocabulary term the header matched, "" when none
value_share        float    share of the sampled non-empty values that validate as ``kind``;
                            NaN when the kind has no value check (organisation, transaction …)
sampled            int      non-empty values sampled (up to ``sample``; deterministic)
rows               int      rows in the table
non_empty          int      rows where the column is not empty
embedded           str      free text only: kinds the scanner found, as ``kind:share`` of the
                            scanned values, ``;``-separated (``cn_mobile:0.41;health:0.12``)
notes              str      what a reviewer should know: minors in the table, other kinds mixed
                            into the values, a header the values contradict
protection         str      the protection questions the policy asks for this kind
retention          str      the retention questions the policy asks for this kind
examples_masked    str      up to three masked example values, `` | ``-separated; never a full identifier
=================  =======  ===========================================================================

How the kind is decided (``confidence`` in brackets):

1. Header: ``headers.match_header`` gives candidate kinds (scoped name, exact term or part of the
   header).  Values then choose among the candidates that have a value check.
2. Values: up to ``sample`` non-empty values are drawn (same seed, same sample) and checked with
   the single-value validators (resident ID and USCC check characters, Luhn, mobile segments,
   e-mail, IP …).  ``value_share`` is the share that validate.
3. Header and values agree: ``header+values`` [0.55 + 0.45 × share; × 0.9 for a partial match].
   A header whose kind has no value check: ``header`` [0.9 scoped, 0.85 exact, 0.75 partial].
4. Values win over the header when a strongly checkable kind (resident ID, USCC, bank card,
   mobile, e-mail, IP, landline, passport, plate) validates for ≥ 80 % of the sample and at least
   20 points more than the header's own kind: ``values over header`` [0.9 × share].
5. No header match: a strongly checkable kind validating for ≥ 50 % wins: ``values`` [0.9 ×
   share]; else long, varied text is ``free_text`` (``free-text shape``) [0.6]; else the table's
   context kind for the generator's record-keeping tables (``table context``) [0.5]; else values
   that are all genders (``values``) [0.7]; else ``unknown`` (``none``) [0].

Free-text columns (kind ``free_text``) are scanned with ``scan_text`` (through ``scan_many``) on
their sample to report the facts they carry (``embedded``, Art. 28 ones also in ``notes``); their
examples are shown with every finding starred.  Structured columns are never full-text scanned.
"""
from __future__ import annotations

import math
import re
import zlib
from collections import Counter

import numpy as np
import pandas as pd

from .headers import HeaderMatch, match_header, table_context
from .masking import mask, mask_text
from .policy import Policy, load_policy

__all__ = ["inventory", "INVENTORY_COLUMNS", "VALUE_CHECKED", "STRONG_KINDS", "column_evidence"]

INVENTORY_COLUMNS: dict[str, str] = {
    "system": "system the table lives in ('' when unknown)",
    "copy_kind": "primary, copy, backup or paper when known, else ''",
    "table": "table name",
    "column": "column name as written",
    "kind": "what the column holds (a policy kind; 'unknown' when nothing recognised it)",
    "pipl_category": "PIPL category of the kind",
    "personal": "personal information (tier is not 'none')",
    "tier": "core, sensitive, general, none or review",
    "tier_zh": "核心 / 敏感 / 一般 / 非个人信息 / 待复核",
    "art28": "PIPL Art. 28 sensitive personal information under the policy",
    "art28_basis": "why it is Art. 28 sensitive ('' when not)",
    "confidence": "0..1, how sure the inventory is about the kind",
    "decided_by": "header+values, header, values, values over header, free-text shape, table context, none",
    "header_match": "vocabulary term the header matched ('' when none)",
    "value_share": "share of sampled non-empty values that validate as the kind (NaN: no value check)",
    "sampled": "non-empty values sampled",
    "rows": "rows in the table",
    "non_empty": "rows where the column is not empty",
    "embedded": "free text: kinds found by the scanner as kind:share, ';'-separated",
    "notes": "what a reviewer should know",
    "protection": "protection questions for the kind",
    "retention": "retention questions for the kind",
    "examples_masked": "up to three masked examples, ' | '-separated",
}

# Kinds whose values can be checked one by one, strongest evidence first (breaks ties).
STRONG_KINDS = ("cn_resident_id", "cn_uscc", "bank_card", "cn_mobile", "email", "ip_address",
                "cn_landline", "cn_passport", "cn_plate")
VALUE_CHECKED = STRONG_KINDS + ("passport", "birth_date", "gender", "age", "region", "address",
                                "person_name", "minor", "bank_name", "free_text")

OVERRIDE_SHARE = 0.8      # values beat a disagreeing header at this share ...
OVERRIDE_MARGIN = 0.2     # ... and this far above the header's own kind
VALUES_ONLY_SHARE = 0.5   # without a header, a strong kind needs this share
ALSO_SHARE = 0.2          # other strong kinds at this share are mentioned in notes

_PASSPORT = re.compile(r"^[A-Z]{1,2}\d{6,9}$")
_GENDERS = {"男", "女", "m", "f", "male", "female", "男性", "女性", "未知"}
_TRUTHY = {"true", "1", "是", "y", "yes", "t"}
_FALSY = {"false", "0", "否", "n", "no", "f"}
_REGION = re.compile(r"^[\u3400-\u9fff]{1,12}(省|市|区|县|州|盟|旗|自治区|特别行政区|镇|乡|街道)$")
_ADDRESS_CJK = re.compile(r"[\u3400-\u9fff].*(路|街|道|号|弄|村|室|巷|镇|乡|组|栋|幢|楼|里)")
_ADDRESS_EN = re.compile(r"\d+.*\b(road|rd|street|st|avenue|ave|lane|ln|drive|dr|blvd|way)\b", re.I)
_NAME_CJK = re.compile(r"^[\u3400-\u9fff]{2,4}$")
_NAME_LATIN = re.compile(r"^[A-Z][a-zA-Z'\-]+( [A-Z][a-zA-Z'\-.]*){1,3}$")
_BANK = re.compile(r"(银行|信用社|信用合作|bank)", re.I)
_SEPARATORS = re.compile(r"[\s\-()（）]")
_CJK_CHAR = re.compile(r"[\u3400-\u9fff]")
_TEXTY = re.compile(r"[\s,，。;；:：!！?？、]")


# -- value checks ---------------------------------------------------------------------------

def _validators():
    from . import validators as v
    return v


def _birth_ok(value: str, v) -> bool:
    """A real day from 1900 to today, written as a date (a time of day after it is ignored)."""
    return v.parse_birth_date(re.split(r"[ T]", value, maxsplit=1)[0]) is not None


def _check_value(kind: str, value: str, compact: str, v) -> bool:
    """Does one (stripped) value validate as `kind`?  `compact` is the value without spaces,
    dashes and brackets; cheap shape tests come before the validators."""
    n = len(compact)
    if kind == "cn_resident_id":
        return n in (15, 18) and compact[:15].isdigit() and bool(v.is_resident_id(value))
    if kind == "cn_mobile":
        return 11 <= n <= 14 and compact.lstrip("+").isdigit() and bool(v.is_cn_mobile(value))
    if kind == "bank_card":
        return 12 <= n <= 19 and compact.isdigit() and bool(v.is_bank_card(value))
    if kind == "cn_uscc":
        return n == 18 and compact.isalnum() and bool(v.is_uscc(value))
    if kind == "cn_landline":
        return 7 <= n <= 16 and compact.replace("+", "").isdigit() and bool(v.is_cn_landline(value))
    if kind == "ip_address":
        return (value.count(".") == 3 or value.count(":") >= 2) and bool(v.is_ip(value))
    if kind == "email":
        return "@" in value and bool(v.is_email(value))
    if kind == "cn_passport":
        return 8 <= n <= 10 and compact[:1].isalpha() and bool(v.is_cn_passport(value))
    if kind == "passport":
        return bool(_PASSPORT.match(compact.upper())) or (8 <= n <= 10 and bool(v.is_cn_passport(value)))
    if kind == "cn_plate":
        return 7 <= n <= 8 and bool(_CJK_CHAR.match(compact)) and bool(v.is_plate(value))
    if kind == "birth_date":
        return _birth_ok(value, v)
    if kind == "gender":
        return value.lower() in _GENDERS
    if kind == "age":
        return value.isdigit() and 0 <= int(value) <= 120
    if kind == "region":
        return bool(_REGION.match(value))
    if kind == "address":
        return len(value) >= 6 and bool(_ADDRESS_CJK.search(value) or _ADDRESS_EN.search(value))
    if kind == "person_name":
        return bool(_NAME_CJK.match(value) or _NAME_LATIN.match(value))
    if kind == "minor":
        return value.lower() in _TRUTHY | _FALSY
    if kind == "bank_name":
        return bool(_BANK.search(value))
    if kind == "free_text":
        return _is_texty(value)
    return False


def _is_texty(value: str) -> bool:
    return len(value) >= 20 and bool(_TEXTY.search(value))


class _Sample:
    """The sampled non-empty values of one column, as distinct values with counts."""

    def __init__(self, values: list[str]):
        self.values = values
        self.n = len(values)
        self.counts = Counter(values)
        self._compact = {u: _SEPARATORS.sub("", u) for u in self.counts}
        self._shares: dict[str, float] = {}
        self._v = None

    def share(self, kind: str) -> float:
        """Share of sampled values that validate as `kind` (NaN if the kind has no check)."""
        if kind not in VALUE_CHECKED:
            return math.nan
        if not self.n:
            return math.nan
        if kind not in self._shares:
            if self._v is None:
                self._v = _validators()
            ok = sum(c for u, c in self.counts.items() if _check_value(kind, u, self._compact[u], self._v))
            self._shares[kind] = ok / self.n
        return self._shares[kind]

    def strong(self) -> list[tuple[str, float]]:
        """Strongly checkable kinds with their shares, best first (ties: STRONG_KINDS order)."""
        found = [(k, self.share(k)) for k in STRONG_KINDS]
        return sorted((x for x in found if x[1] > 0), key=lambda x: (-x[1], STRONG_KINDS.index(x[0])))

    def looks_free_text(self) -> bool:
        if self.n < 1:
            return False
        lengths = sorted(len(v) for v in self.values)
        median = lengths[len(lengths) // 2]
        distinct = len(self.counts) / self.n
        return median >= 20 and self.share("free_text") >= 0.5 and (distinct >= 0.5 or self.n < 5)


# -- sampling --------------------------------------------------------------------------------

def _non_empty_mask(s: pd.Series) -> np.ndarray:
    present = s.notna().to_numpy(dtype=bool)
    if pd.api.types.is_string_dtype(s.dtype) or s.dtype == object:
        text = s.astype("str") if s.dtype == object else s
        present = present & (text.str.strip() != "").fillna(False).to_numpy(dtype=bool)
    return present


def _as_text(s: pd.Series) -> list[str]:
    if isinstance(s.dtype, pd.DatetimeTZDtype) or pd.api.types.is_datetime64_any_dtype(s.dtype):
        midnight = (s.dt.normalize() == s).all()
        return s.dt.strftime("%Y-%m-%d" if midnight else "%Y-%m-%d %H:%M:%S").tolist()
    if pd.api.types.is_bool_dtype(s.dtype):
        return ["True" if x else "False" for x in s.tolist()]
    if pd.api.types.is_float_dtype(s.dtype):
        return [str(int(x)) if float(x).is_integer() else repr(float(x)) for x in s.tolist()]
    return [str(x).strip() for x in s.tolist()]


def _sample(s: pd.Series, size: int, seed: int, table: str, column: str) -> tuple[int, list[str]]:
    mask = _non_empty_mask(s)
    where = np.flatnonzero(mask)
    if len(where) > size:
        rng = np.random.default_rng([seed, zlib.crc32(table.encode()), zlib.crc32(str(column).encode())])
        where = np.sort(where[rng.choice(len(where), size=size, replace=False)])
    return int(mask.sum()), _as_text(s.iloc[where])


# -- deciding --------------------------------------------------------------------------------

def _decide(match: HeaderMatch | None, sample: _Sample, table: str) -> tuple[str, float, str, list[str]]:
    """(kind, confidence, decided_by, notes) for one column; see the module docstring."""
    notes: list[str] = []
    strong = sample.strong()
    best_kind, best_share = strong[0] if strong else (None, 0.0)
    if match is not None:
        checked = [(k, sample.share(k)) for k in match.kinds if k in VALUE_CHECKED]
        checked = [(k, s) for k, s in checked if not math.isnan(s)]
        if checked:
            own_kind, own_share = max(checked, key=lambda x: (x[1], -match.kinds.index(x[0])))
            if own_share == 0:
                own_kind = match.kinds[0]
        else:
            own_kind, own_share = match.kinds[0], math.nan
        own = 0.0 if math.isnan(own_share) else own_share
        if (best_kind and best_kind not in match.kinds and best_share >= OVERRIDE_SHARE
                and best_share >= own + OVERRIDE_MARGIN):
            notes.append(f"header suggests {own_kind} but {best_share:.0%} of the sampled values are {best_kind}")
            return best_kind, round(0.9 * best_share, 3), "values over header", notes
        weight = {"scoped": 1.0, "exact": 1.0, "partial": 0.9}[match.how]
        if math.isnan(own_share):
            base = {"scoped": 0.9, "exact": 0.85, "partial": 0.75}[match.how]
            return own_kind, base, "header", notes
        if sample.n and own_share < 0.2 and own_kind in STRONG_KINDS:
            notes.append(f"only {own_share:.0%} of the sampled values look like {own_kind} (masked or mixed data?)")
        return own_kind, round(weight * (0.55 + 0.45 * own_share), 3), \
            "header+values" if own_share >= 0.5 else "header", notes
    if best_kind and best_share >= VALUES_ONLY_SHARE:
        return best_kind, round(0.9 * best_share, 3), "values", notes
    if sample.looks_free_text():
        return "free_text", 0.6, "free-text shape", notes
    context = table_context(table)
    if context:
        return context, 0.5, "table context", notes
    if sample.n and sample.share("gender") >= 0.95:
        return "gender", 0.7, "values", notes
    return "unknown", 0.0, "none", notes


def _examples(sample: _Sample, kind: str, spans_of=None, k: int = 3) -> str:
    shown, out = set(), []
    for value in sample.values:
        if value in shown:
            continue
        shown.add(value)
        if kind == "free_text" and spans_of is not None:
            text = mask_text(value, spans_of(value))
            out.append(text if len(text) <= 40 else text[:40] + "…")
        else:
            out.append(mask(value, kind))
        if len(out) == k:
            break
    return " | ".join(out)


def _scan_free_text(values: list[str], limit: int | None):
    """(embedded kinds as 'kind:share;…', function text → spans, Counter of kinds) for the
    first `limit` sampled values (all when None)."""
    from .scanner import scan_many

    chosen = values if limit is None else values[:limit]
    found: Counter = Counter()
    spans: dict[str, list] = {}
    for text, hits in zip(chosen, scan_many(chosen)):
        spans[text] = [(f.start, f.end) for f in hits]
        found.update({f.kind for f in hits})
    n = max(len(chosen), 1)
    embedded = ";".join(f"{kind}:{count / n:.2f}" for kind, count in
                        sorted(found.items(), key=lambda x: (-x[1], x[0])))
    return embedded, (lambda text: spans.get(text, [])), found


def column_evidence(series: pd.Series, column: str, table: str = "", *, sample: int = 2000, seed: int = 0) -> dict:
    """Kind, confidence and evidence for one column (the part of a row that does not need the policy)."""
    non_empty, values = _sample(series, sample, seed, table, column)
    smp = _Sample(values)
    match = match_header(column, table)
    kind, confidence, decided_by, notes = _decide(match, smp, table)
    for other, share in smp.strong():
        if other != kind and share >= ALSO_SHARE and not (kind in ("free_text",)):
            notes.append(f"{share:.0%} of the sampled values are {other}")
    return {"kind": kind, "confidence": float(confidence), "decided_by": decided_by,
            "header_match": match.term if match else "", "value_share": smp.share(kind),
            "sampled": smp.n, "non_empty": non_empty, "notes": notes, "_sample": smp}


# -- minors ----------------------------------------------------------------------------------

def _minor_rows(frame: pd.DataFrame, kinds: list[str]) -> int:
    """Rows flagged as minors under 14 (a minor flag or an age column; the larger count)."""
    best = 0
    for position, kind in enumerate(kinds):
        s = frame.iloc[:, position]
        if kind == "minor":
            if pd.api.types.is_bool_dtype(s.dtype):
                count = int(s.fillna(False).astype(bool).sum())
            else:
                count = int(s.astype("str").str.strip().str.lower().isin(_TRUTHY).sum())
        elif kind == "age":
            count = int((pd.to_numeric(s, errors="coerce") < 14).sum())
        else:
            continue
        best = max(best, count)
    return best


# -- systems ---------------------------------------------------------------------------------

def _system_map(systems) -> dict[str, list[tuple[str, str]]]:
    if systems is None:
        return {}
    if isinstance(systems, pd.DataFrame):
        out: dict[str, list] = {}
        has_copy = "copy_kind" in systems.columns
        for row in systems.itertuples(index=False):
            out.setdefault(str(row.table_name), []).append(
                (str(row.system_id), str(row.copy_kind) if has_copy else ""))
        return out
    out = {}
    for table, where in dict(systems).items():
        if isinstance(where, str):
            where = [where]
        out[str(table)] = [(w, "") if isinstance(w, str) else (str(w[0]), str(w[1])) for w in where]
    return out


def _unpack(tables, systems):
    if hasattr(tables, "tables") and isinstance(getattr(tables, "tables"), dict):
        frames = tables.tables
        if systems is None and "system_tables" in frames:
            systems = frames["system_tables"]
        return dict(frames), systems
    if isinstance(tables, pd.DataFrame):
        return {"table": tables}, systems
    if not isinstance(tables, dict):
        raise TypeError(f"tables must be a dict of name → DataFrame or a generated Case, got {type(tables).__name__}")
    for name, frame in tables.items():
        if not isinstance(frame, pd.DataFrame):
            raise TypeError(f"tables[{name!r}] must be a DataFrame, got {type(frame).__name__}")
    return dict(tables), systems


# -- the inventory ---------------------------------------------------------------------------

def inventory(tables, systems=None, policy=None, sample: int = 2000, seed: int = 0, *,
              lang: str | None = None, text_sample: int | None = None) -> pd.DataFrame:
    """The inventory of `tables` (a dict name → DataFrame, or a generated ``Case``).

    systems: where each table lives — a DataFrame like the case's ``system_tables``
        (``system_id, table_name[, copy_kind]``) or a dict table → system id(s); a Case brings
        its own.  A table in several systems gets one row per system and column.
    policy: a ``Policy``, a path to a policy TOML file, or None for the kit's default.
    sample: non-empty values sampled per column (deterministic for a given `seed`).
    lang: language of the protection and retention questions (default: the kit's language).
    text_sample: sampled free-text values scanned with ``scan_text`` per free-text column
        (default: all of the sample).
    """
    if isinstance(sample, bool) or not isinstance(sample, (int, np.integer)) or sample < 1:
        raise ValueError(f"sample must be a whole number of at least 1, got {sample!r}")
    frames, systems = _unpack(tables, systems)
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    if lang is None:
        from ..i18n import get_lang
        lang = get_lang()
    lang_key = "en" if lang == "en" else "zh"
    where = _system_map(systems)

    out = []
    for table, frame in frames.items():
        table = str(table)
        evidence = [(column, column_evidence(frame.iloc[:, i], str(column), table, sample=int(sample), seed=int(seed)))
                    for i, column in enumerate(frame.columns)]
        minors = _minor_rows(frame, [ev["kind"] for _, ev in evidence])
        rows = []
        for column, ev in evidence:
            kp = pol.get(ev["kind"])
            smp: _Sample = ev.pop("_sample")
            notes = ev.pop("notes")
            embedded, spans_of = "", None
            if ev["kind"] == "free_text" and smp.n:
                embedded, spans_of, found = _scan_free_text(smp.values, text_sample)
                art28_found = sorted(k for k in found if pol.get(k).art28)
                if art28_found:
                    notes.append("Art. 28 facts found in the text: " + ", ".join(art28_found))
            if ev["kind"] not in pol.kinds:
                notes.append(f"the policy has no entry for {ev['kind']}: graded as unknown")
            if minors and kp.tier not in ("none",) and ev["kind"] not in ("unknown",):
                notes.append(f"{minors} row(s) are minors under 14: in those rows this column is "
                             f"Art. 28 sensitive (PIPL Arts. 28, 31)")
            rows.append({
                "table": table, "column": str(column), "kind": ev["kind"],
                "pipl_category": kp.category, "personal": kp.tier != "none", "tier": kp.tier,
                "tier_zh": pol.tier_label(kp.tier, "zh-CN"), "art28": kp.art28, "art28_basis": kp.art28_basis,
                **ev, "rows": len(frame), "embedded": embedded, "notes": "; ".join(notes),
                "protection": kp.protection[lang_key], "retention": kp.retention[lang_key],
                "examples_masked": _examples(smp, ev["kind"], spans_of),
            })
        for system, copy_kind in where.get(table, [("", "")]):
            out.extend({"system": system, "copy_kind": copy_kind, **r} for r in rows)

    result = pd.DataFrame(out, columns=list(INVENTORY_COLUMNS))
    if result.empty:
        return result.astype({"personal": bool, "art28": bool, "confidence": float, "value_share": float,
                              "sampled": int, "rows": int, "non_empty": int})
    return result.astype({"personal": bool, "art28": bool, "confidence": float, "value_share": float,
                          "sampled": "int64", "rows": "int64", "non_empty": "int64"})
