"""Masking, generalisation and suppression of columns (GB/T 35273 and GB/T 37964 practice).

Masking (`mask_column(series, kind)`), one rule per kind, as shown on screens and printouts:

==============  =========================================  ================================================
kind            rule                                       example
==============  =========================================  ================================================
cn_mobile       first 3 and last 4 digits                  13812345678 → 138****5678
cn_resident_id  first 6 (region) and last 4                11010119900307663X → 110101********663X
bank_card       first 6 (issuer) and last 4 (16-19 digits)  6222021234567890123 → 622202*********0123
person_name     surname kept, one * per other character    张三 → 张*, 欧阳娜娜 → 欧阳**, John Smith → J*** S****
email           first character, ***, then @domain         wang.wei@example.com → w***@example.com
passport        first character and last 3                 E12345678 → E*****678
address         down to the district and town, then ****   上海市崇明区绿华镇巢湖街771号 → 上海市崇明区绿华镇****
cn_landline     area code and last 4 digits                021-6543 2100 → 021-****2100
==============  =========================================  ================================================

Column names work as kinds too (mobile, resident_id, name, passport_no …).  A value that does not
have its kind's shape, and every other kind of `kitlib.classify.KINDS`, gets the scan report's
rule (`kitlib.classify.masking.mask`), which never shows a whole identifier.  Missing stays missing.

Generalisation: `age_band`, `birth_year`, `to_district`, `truncate_date`.
Suppression: `suppress(frame, quasi_identifiers, k)` stars the quasi-identifiers of rows whose
combination is shared by fewer than k rows.
"""
from __future__ import annotations

import datetime as _dt
import re

import numpy as np
import pandas as pd

from ..classify.masking import mask
from ..classify.recognizers import KINDS
from ..classify.validators import digits_only, is_cn_landline, mobile_national, normalize
from .errors import WrongColumn

__all__ = ["mask_value", "mask_column", "MASK_KINDS", "age_band", "birth_year", "to_district",
           "truncate_date", "suppress", "COMPOUND_SURNAMES"]

STAR = "*"
MASK_KINDS = ("cn_mobile", "cn_resident_id", "bank_card", "person_name", "email", "passport", "address",
              "cn_landline")
_ALIASES = {"mobile": "cn_mobile", "phone": "cn_mobile", "guardian_mobile": "cn_mobile",
            "resident_id": "cn_resident_id", "id_card": "cn_resident_id", "card": "bank_card",
            "name": "person_name", "guardian_name": "person_name", "e-mail": "email",
            "cn_passport": "passport", "passport_no": "passport", "landline": "cn_landline"}

COMPOUND_SURNAMES = frozenset(
    "欧阳 司马 上官 诸葛 东方 皇甫 尉迟 公孙 慕容 长孙 宇文 司徒 司空 夏侯 轩辕 令狐 端木 独孤 南宫 西门 "
    "申屠 太史 澹台 公冶 宗政 濮阳 淳于 单于 钟离 闻人 赫连 百里 呼延 万俟 东郭 拓跋 第五 左丘 公羊 谷梁".split())

_MOBILE = re.compile(r"1\d{10}")
_RESIDENT_ID = re.compile(r"\d{17}[\dX]|\d{15}")
_CARD = re.compile(r"\d{16,19}")
_PASSPORT = re.compile(r"[A-Z][A-Z0-9]{6,9}")
_EMAIL = re.compile(r"[^@\s]+@[^@\s]+")
_HAN = re.compile(r"[\u3400-\u9fff]")

# Province (省, 自治区, or a municipality), prefecture (市, 州, 盟, 地区), county level (区, 县, 旗,
# county-level 市), then an optional town (镇, 乡, 街道).
_REGION = (r"(?P<province>[^省市区县镇乡路街号]{2,3}省|[^省市区县镇乡路街号]{2,8}?自治区|(?:北京|上海|天津|重庆)市)?"
           r"(?P<city>[^省市区县路街号弄]{1,10}?(?:自治州|地区|盟|市|州(?![市区县旗])))?"
           r"(?P<district>[^省市区县路街号弄]{1,10}?(?:区|县|自治旗|旗|市))?")
_TOWN = r"(?P<town>[^省市区县镇乡路街号弄]{1,8}?(?:镇|乡|街道))?"
_ADDRESS_HEAD = re.compile(r"^" + _REGION + _TOWN)


# --- masking --------------------------------------------------------------------------------------

def _canonical_kind(kind: str) -> str:
    kind = _ALIASES.get(kind, kind)
    if kind not in MASK_KINDS and kind not in KINDS:
        raise ValueError(f"unknown kind {kind!r}; masking rules exist for {', '.join(MASK_KINDS)} "
                         "(other kinds of kitlib.classify.KINDS get the scan report's rule)")
    return kind


def _stars(n: int) -> str:
    return STAR * max(n, 1)


def _mask_name(text: str) -> str:
    if not _HAN.search(text):
        return mask(text, "person_name")            # J*** S****
    head = 2 if len(text) >= 3 and text[:2] in COMPOUND_SURNAMES else 1
    rest = "".join(c if c in "·•" else STAR for c in text[head:])
    return text[:head] + (rest or STAR)


def _mask_landline(text: str) -> str:
    s = digits_only(text).lstrip("+")
    if s.startswith("0086"):
        s = "0" + s[4:]
    elif s.startswith("86") and len(s) >= 11:
        s = "0" + s[2:]
    area = 3 if s.startswith("010") or s.startswith("02") else 4
    return f"{s[:area]}-{_stars(len(s) - area - 4)}{s[-4:]}"


def _address_head(text: str) -> str:
    m = _ADDRESS_HEAD.match(text)
    return m.group(0) if m else ""


def _rule(text: str, kind: str) -> str | None:
    """The kind's own rule on a stripped, non-empty value; None when the value lacks the kind's shape."""
    if kind == "cn_mobile":
        number = mobile_national(text)
        return number[:3] + "****" + number[-4:] if number else None
    if kind in ("cn_resident_id", "bank_card"):
        s = digits_only(text).upper()
        fits = (_RESIDENT_ID if kind == "cn_resident_id" else _CARD).fullmatch(s)
        return s[:6] + STAR * (len(s) - 10) + s[-4:] if fits else None
    if kind == "passport":
        s = text.upper().replace(" ", "")
        return s[:1] + STAR * (len(s) - 4) + s[-3:] if _PASSPORT.fullmatch(s) else None
    if kind == "person_name":
        return _mask_name(text)
    if kind == "email":
        return mask(text, "email") if _EMAIL.fullmatch(text) else None
    if kind == "address":
        head = _address_head(text)
        return (head + ("****" if len(head) < len(text) else "")) if head else None
    if kind == "cn_landline":
        return _mask_landline(text) if is_cn_landline(text) else None
    return None


def mask_value(value, kind: str):
    """The masked form of one value (see the table above); missing values come back unchanged."""
    kind = _canonical_kind(kind)
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return value
    text = normalize(str(value))[0].strip()
    if not text:
        return text
    masked = _rule(text, kind)
    return mask(text, kind) if masked is None else masked


def _one_column(series, what: str = "mask") -> pd.Series:
    if isinstance(series, pd.DataFrame):
        if series.shape[1] != 1:
            raise WrongColumn(f"{what} takes one column, got a frame with columns {list(series.columns)}")
        series = series.iloc[:, 0]
    if not isinstance(series, pd.Series):
        series = pd.Series(series)
    return series


def _by_unique(series: pd.Series, fn) -> pd.Series:
    """fn applied once per distinct value; missing values stay missing."""
    codes, uniques = pd.factorize(series, use_na_sentinel=True)
    done = np.array([fn(v) for v in uniques] + [None], dtype=object)
    return pd.Series(done[codes], index=series.index, name=series.name)


def _strings(series: pd.Series, kind: str) -> pd.Series:
    """The non-missing values as stripped strings (a column of dates or flags is refused)."""
    if pd.api.types.is_datetime64_any_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise WrongColumn(f"column {series.name!r} holds {series.dtype} values, not {kind} values")
    s = series.dropna()
    if pd.api.types.is_float_dtype(s) and (s == s.round()).all():
        s = s.astype("int64")                       # numbers read from a spreadsheet
    return s.astype(str).str.strip()


def _stars_between(s: pd.Series, head: int, tail: int) -> pd.Series:
    """`head` and `tail` characters kept, one star for each character between."""
    stars = pd.Series([STAR * n for n in s.str.len().sub(head + tail)], index=s.index, dtype=object)
    return s.str[:head].astype(object) + stars + s.str[-tail:].astype(object)


# kind: (shape of a clean value, vectorised rule for such values); the rule equals `_rule` on them.
_FAST = {
    "cn_mobile": (_MOBILE, lambda s: s.str[:3] + "****" + s.str[-4:]),
    "cn_resident_id": (_RESIDENT_ID, lambda s: _stars_between(s, 6, 4)),
    "bank_card": (_CARD, lambda s: _stars_between(s, 6, 4)),
    "passport": (_PASSPORT, lambda s: _stars_between(s, 1, 3)),
    "email": (_EMAIL, lambda s: s.str.replace(r"^([^@])[^@]*@", r"\1***@", regex=True)),
}


def mask_column(series: pd.Series, kind: str) -> pd.Series:
    """Every value of a column masked by its kind's rule (see the table above); same index and name.

    Clean values take a vectorised path; the rest (separators, +86, full-width digits …) go through
    `mask_value` once per distinct value.  Raises WrongColumn when the column holds dates or flags,
    or when none of its values has the kind's shape (the wrong column was probably passed).
    """
    kind = _canonical_kind(kind)
    original = _one_column(series)
    series = original.reset_index(drop=True)        # positions: the index may repeat labels
    s = _strings(series, kind)
    out = pd.Series(np.full(len(series), None, dtype=object), name=series.name)
    if s.empty:
        return out.set_axis(original.index)
    if kind in _FAST:
        shape, rule = _FAST[kind]
        fits = s.str.fullmatch(shape.pattern).fillna(False).astype(bool)
        done = rule(s[fits])
    elif kind == "address":
        heads = s.str.extract(_ADDRESS_HEAD.pattern, expand=True).fillna("")
        head = heads["province"] + heads["city"] + heads["district"] + heads["town"]
        fits = head.str.len() > 0
        done = head[fits] + np.where(head[fits].str.len() < s[fits].str.len(), "****", "")
    else:
        fits = pd.Series(False, index=s.index)
        done = s[fits]
    rest = s[~fits]
    own = _by_unique(rest, lambda v: _rule(normalize(v)[0].strip(), kind) if v else v)
    if kind in MASK_KINDS and not fits.any() and own.isna().all():
        raise WrongColumn(f"column {series.name!r} has no value that looks like {kind} "
                          f"({len(s)} values checked): is it the right column?")
    odd = own.isna()
    own[odd] = rest[odd].map(lambda v: mask(v, kind))
    out[done.index] = done.astype(object).to_numpy()
    out[rest.index] = own.to_numpy()
    out = out.set_axis(original.index)
    return out.astype(series.dtype) if pd.api.types.is_string_dtype(series.dtype) else out


# --- generalisation --------------------------------------------------------------------------------

def _dates(series, what: str) -> pd.Series:
    """The column as datetimes; WrongColumn (naming it) when its values are not dates."""
    series = _one_column(series, what)
    if pd.api.types.is_datetime64_any_dtype(series):
        return series
    if pd.api.types.is_numeric_dtype(series) or pd.api.types.is_bool_dtype(series):
        raise WrongColumn(f"column {series.name!r} holds {series.dtype} values, not dates ({what})")
    parsed = pd.to_datetime(series, errors="coerce", format="mixed")
    bad = parsed.isna() & series.notna()
    if bad.any():
        raise WrongColumn(f"column {series.name!r} does not hold dates ({what}): "
                          f"{bad.sum()} values such as {series[bad].iloc[0]!r}")
    return parsed


def _age(dates: pd.Series, on) -> pd.Series:
    on = pd.Timestamp(_dt.date.today() if on is None else on)
    before = (dates.dt.month > on.month) | ((dates.dt.month == on.month) & (dates.dt.day > on.day))
    return (on.year - dates.dt.year - before.astype(int)).astype("Int64")


def age_band(birth_dates: pd.Series, on=None, width: int = 10, *, minor_age: int | None = 14,
             top: int | None = 90) -> pd.Series:
    """The age on `on` (default today) as an ordered band: '<14', '14–19', '20–29' … '80–89', '90+'.

    minor_age: ages below it form one band '<14' (PIPL Art. 28: a child under 14's personal
    information is sensitive); None for plain bands from 0.  top: ages from it on form '90+'
    (few people are that old, so they stand out); None for no top band.  Missing stays missing.
    """
    if not isinstance(width, (int, np.integer)) or width < 1:
        raise ValueError(f"width must be a whole number of years >= 1, got {width!r}")
    if top and minor_age and top <= minor_age:
        raise ValueError(f"top ({top}) must be above minor_age ({minor_age})")
    dates = _dates(birth_dates, "age_band")
    edges, labels = _band_edges(width, minor_age, top)
    bands = pd.cut(_age(dates, on).astype("float"), bins=edges, right=False, labels=labels, ordered=True)
    return pd.Series(bands, index=dates.index, name="age_band")


def _band_edges(width: int, minor_age: int | None, top: int | None) -> tuple[list, list]:
    """Bin edges and labels of age_band: [0, 14, 20, 30, … 90, inf] and '<14', '14–19' … '90+'."""
    start = minor_age or 0
    end = top or 150
    edges = [0] + ([minor_age] if minor_age else []) + list(range((start // width + 1) * width, end, width)) + [end]
    labels = [f"<{minor_age}"] if minor_age else []
    for lo, hi in zip(edges[len(labels):-1], edges[len(labels) + 1:]):
        labels.append(f"{lo}" if hi - lo == 1 else f"{lo}–{hi - 1}")
    if top:
        edges.append(np.inf)
        labels.append(f"{top}+")
    return edges, labels


def birth_year(birth_dates: pd.Series) -> pd.Series:
    """The year of each date (Int64; missing stays missing)."""
    dates = _dates(birth_dates, "birth_year")
    return dates.dt.year.astype("Int64").rename("birth_year")


def to_district(address_or_frame) -> pd.Series:
    """Province, city and district in one text ('上海市崇明区', '江苏省苏州市常熟市'): from a frame's
    province / city / district columns (the city is left out where it repeats the province) or
    parsed from address strings.  An address with no recognisable region gives missing."""
    if isinstance(address_or_frame, pd.DataFrame):
        frame = address_or_frame
        missing = [c for c in ("province", "city", "district") if c not in frame.columns]
        if missing:
            raise WrongColumn(f"to_district needs columns province, city and district; "
                              f"column {missing[0]!r} is not in the frame")
        province = frame["province"].fillna("").astype(str)
        city = frame["city"].fillna("").astype(str)
        city = city.where(city != province, "")
        out = province + city + frame["district"].fillna("").astype(str)
        return out.where(out != "").rename("district")
    s = _one_column(address_or_frame, "to_district")
    if pd.api.types.is_datetime64_any_dtype(s) or pd.api.types.is_numeric_dtype(s) or pd.api.types.is_bool_dtype(s):
        raise WrongColumn(f"column {s.name!r} holds {s.dtype} values, not addresses (to_district)")
    parts = s.astype(object).where(s.notna()).str.strip().str.extract(r"^" + _REGION, expand=True).fillna("")
    out = parts["province"] + parts["city"] + parts["district"]
    out = out.where((parts["district"] != "") | (parts["city"] != ""))
    return pd.Series(out.where(s.notna()).to_numpy(), index=s.index, name="district")


def truncate_date(series: pd.Series, to: str = "month") -> pd.Series:
    """Each date moved to the first day of its month or year (1990-03-07 → 1990-03-01 or 1990-01-01)."""
    unit = {"month": "M", "year": "Y"}.get(to)
    if unit is None:
        raise ValueError(f"to must be 'month' or 'year', got {to!r}")
    dates = _dates(series, "truncate_date")
    if dates.dt.tz is not None:
        raise WrongColumn(f"column {dates.name!r} holds time-zone-aware dates; use .dt.tz_localize(None) first")
    out = dates.to_numpy().astype(f"datetime64[{unit}]").astype(dates.dtype)
    return pd.Series(out, index=dates.index, name=dates.name)


# --- suppression ---------------------------------------------------------------------------------------

def check_columns(frame: pd.DataFrame, columns, what: str) -> list:
    """`columns` as a list, or WrongColumn naming the first one that is not in `frame`."""
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"{what} takes a DataFrame, got {type(frame).__name__}")
    columns = [columns] if isinstance(columns, str) else list(columns)
    if not columns:
        raise ValueError(f"{what}: give at least one quasi-identifier column")
    for c in columns:
        if c not in frame.columns:
            raise WrongColumn(f"column {c!r} is not in the frame ({what}); columns: {', '.join(map(str, frame.columns))}")
    return columns


def class_ids(frame: pd.DataFrame, columns: list) -> pd.Series:
    """For each row, the number of its class (rows equal on `columns`; missing counts as a value)."""
    return frame.groupby(columns, dropna=False, observed=True, sort=False).ngroup()


def suppress(frame: pd.DataFrame, quasi_identifiers, k: int, *, drop: bool = False) -> tuple[pd.DataFrame, int]:
    """(frame, rows suppressed): rows whose quasi-identifier combination is shared by fewer than k rows
    get "*" in every quasi-identifier (or are dropped, drop=True).

    The starred rows form a class of their own; when it would hold fewer than k rows, the next
    smallest classes are starred as well, so that the result is k-anonymous whenever the frame has
    at least k rows.  Missing values count as a value of their own.
    """
    qis = check_columns(frame, quasi_identifiers, "suppress")
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 1:
        raise ValueError(f"k must be a whole number >= 1, got {k!r}")
    ids = class_ids(frame, qis)
    counts = ids.value_counts()
    small = ids.map(counts) < k
    starred = int(small.sum())
    if not drop and 0 < starred < k:
        larger = counts[counts >= k].sort_values(kind="stable")
        take = int((larger.cumsum().to_numpy() < k - starred).sum()) + 1
        small |= ids.isin(larger.index[:take])
    count = int(small.sum())
    if drop:
        return frame.loc[~small].copy(), count
    out = frame.copy()
    for c in qis:
        col = out[c]
        if isinstance(col.dtype, pd.CategoricalDtype):
            if STAR not in col.cat.categories:
                col = col.cat.add_categories([STAR])
        elif not pd.api.types.is_string_dtype(col.dtype):
            col = col.astype(object)
        out[c] = col.mask(small, STAR)
    return out, count
