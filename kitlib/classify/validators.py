"""Pure validators for Chinese personal identifiers, usable on one value or inside the scanner.

Every function takes a string (separators such as spaces and hyphens allowed where people
write them) and answers without looking at any surrounding text.  The inventory calls them
on column values; the recognizers call them on candidate spans.

>>> is_resident_id("11010519491231002x"), luhn_ok("6222 0200 0000 0000 005")
(True, False)
"""
from __future__ import annotations

import datetime as _dt
import ipaddress
import re
from functools import lru_cache
from importlib import resources

__all__ = [
    "normalize", "digits_only", "is_resident_id", "resident_id_birth_date", "is_uscc", "luhn_ok",
    "is_bank_card", "check_resident_id", "check_uscc", "check_plate", "is_cn_mobile", "mobile_national", "is_cn_landline", "is_cn_passport", "is_plate",
    "is_ip", "is_email", "is_date", "parse_date", "parse_birth_date", "region_codes", "division_names",
    "MOBILE_SEGMENTS", "PLATE_PROVINCES",
]

# --- normalisation ---------------------------------------------------------------------------

# Full-width ASCII (U+FF01..U+FF5E) to ASCII, ideographic and no-break spaces to a space, and the
# dashes people paste into numbers to '-'.  Every mapping is one character to one character, so
# offsets into the normalised text are offsets into the original.
_NORMALIZE = {c: c - 0xFEE0 for c in range(0xFF01, 0xFF5F)}
_NORMALIZE.update({0x3000: 0x20, 0x00A0: 0x20, 0x2002: 0x20, 0x2003: 0x20, 0x2009: 0x20,
                   0x2010: 0x2D, 0x2011: 0x2D, 0x2012: 0x2D, 0x2013: 0x2D, 0x2014: 0x2D, 0x2212: 0x2D})
_NEEDS_NORMALIZING = re.compile("[\uff01-\uff5e\u3000\u00a0\u2002\u2003\u2009\u2010-\u2014\u2212]+")


def _translate_run(m: re.Match) -> str:
    return m.group().translate(_NORMALIZE)


def normalize(text: str) -> tuple[str, range]:
    """(normalised text, offset map): full-width digits, letters, punctuation and the ideographic
    space become ASCII.  The map gives, for each position of the normalised text (and its end),
    the position in the original; every mapping is 1:1, so the map is the identity `range`.

    >>> normalize("手机１３８００１３８０００")[0]
    '手机13800138000'
    """
    if _NEEDS_NORMALIZING.search(text):
        text_n = _NEEDS_NORMALIZING.sub(_translate_run, text)
    else:
        text_n = text
    return text_n, range(len(text) + 1)


def _n(value: str) -> str:
    return normalize(value)[0].strip()


_SEPARATORS = re.compile(r"[\s\-.·()/]")
_DROP_SEPARATORS = str.maketrans("", "", " \t-.()/")


def digits_only(value: str) -> str:
    """The value without spaces, hyphens, dots and parentheses (after full-width folding)."""
    if value.isascii():
        return value.translate(_DROP_SEPARATORS).strip()
    return _SEPARATORS.sub("", _n(value))


# --- administrative divisions (python-stdnum's cn/loc table) -----------------------------------

@lru_cache(maxsize=1)
def _divisions() -> tuple[frozenset, frozenset]:
    """(codes below province level, names of every division) from the generator's reading of the table."""
    from ..synth.regions import load_divisions

    table = load_divisions()
    codes = frozenset(f"{code:06d}" for code in table)
    skip = ("市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划")
    names = frozenset(d.name for divisions in table.values() for d in divisions if d.name and d.name not in skip)
    return codes, names


def region_codes() -> frozenset:
    """Every six-digit administrative division code that has ever been in use (as strings)."""
    return _divisions()[0]


def division_names() -> frozenset:
    """Names of provinces, cities, districts and counties, past and present (浙江省, 崇明区 …)."""
    return _divisions()[1]


_PROVINCE_CODES = frozenset("11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 "
                            "54 61 62 63 64 65 71 81 82 83 91".split())

# --- dates ---------------------------------------------------------------------------------------


_THIS_YEAR = _dt.date.today().year
_MONTH_DAYS = (0, 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def is_date(year: int | str, month: int | None = None, day: int | None = None, lo: int = 1900,
            hi: int | None = None) -> bool:
    """A real calendar day with lo <= year <= hi (hi: this year).  Given one string instead
    ('1990-03-07', '1990年3月7日' …), whether it is such a day in one of parse_date's forms."""
    if isinstance(year, str):
        return parse_date(year, lo, _THIS_YEAR + 100 if hi is None else hi) is not None
    if not lo <= year <= (_THIS_YEAR if hi is None else hi) or not 1 <= month <= 12:
        return False
    if not 1 <= day <= _MONTH_DAYS[month]:
        return False
    return month != 2 or day < 29 or (year % 4 == 0 and (year % 100 != 0 or year % 400 == 0))


_DATE_FORMS = [
    re.compile(r"^((?:19|20)\d\d)\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?$"),
    re.compile(r"^((?:19|20)\d\d)(\d\d)(\d\d)$"),
]
_MONTHS = {m: i + 1 for i, m in enumerate(
    ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"])}
_EN_DATE = [
    re.compile(r"^(\d{1,2})(?:st|nd|rd|th)?\s+([A-Za-z]{3,9})\.?,?\s+((?:19|20)\d\d)$"),   # 7 March 1990
    re.compile(r"^([A-Za-z]{3,9})\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d\d)$"),    # March 7, 1990
]


def parse_birth_date(value: str) -> _dt.date | None:
    """The date in '1990-03-07', '1990/3/7', '1990.03.07', '1990年3月7日', '19900307',
    '7 March 1990' or 'March 7, 1990', if it is a real day from 1900 to this year; else None."""
    return parse_date(value)


def parse_date(value: str, lo: int = 1900, hi: int | None = None) -> _dt.date | None:
    """parse_birth_date with other bounds on the year (hi: this year)."""
    s = _n(value)
    for form in _DATE_FORMS:
        m = form.match(s)
        if m:
            y, mo, d = (int(g) for g in m.groups())
            return _dt.date(y, mo, d) if is_date(y, mo, d, lo, hi) else None
    for i, form in enumerate(_EN_DATE):
        m = form.match(s)
        if m:
            a, b, y = m.groups()
            day, month = (a, b) if i == 0 else (b, a)
            mo = _MONTHS.get(month[:3].lower())
            if mo and (len(month) == 3 or month.lower().startswith(month[:3].lower())):
                d, yy = int(day), int(y)
                return _dt.date(yy, mo, d) if is_date(yy, mo, d, lo, hi) else None
    return None


# --- resident identity numbers (GB 11643-1999) ----------------------------------------------------

_RIC_WEIGHTS = [pow(2, 17 - i, 11) for i in range(17)]
_RIC_CHECK = "10X98765432"


def _ric_parts(value: str) -> str | None:
    s = digits_only(value).upper()
    if len(s) == 18 and s[:17].isdigit() and (s[17].isdigit() or s[17] == "X"):
        return s
    if len(s) == 15 and s.isdigit():
        return s
    return None


def resident_id_birth_date(value: str) -> _dt.date | None:
    """The birth date inside a resident ID (18 digits, or 15 with a 19yy year), if it is a real day."""
    s = _ric_parts(value)
    if s is None:
        return None
    y, m, d = (int(s[6:10]), int(s[10:12]), int(s[12:14])) if len(s) == 18 else \
        (1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]))
    return _dt.date(y, m, d) if is_date(y, m, d, lo=1880) else None


def is_resident_id(value: str, strict_region: bool = False) -> bool:
    """An 18-character resident ID with a valid check character (X or x), province and birth date,
    or a legacy 15-digit one (1984-1999) whose region code is a known division and whose date is real.

    strict_region: also require the 18-character number's six-digit region code to be a known one.
    """
    s = _ric_parts(value)
    return s is not None and check_resident_id(s, strict_region)


def check_resident_id(s: str, strict_region: bool = False) -> bool:
    """is_resident_id for a clean value: 15 digits, or 17 digits and a digit or upper-case X."""
    if s[:2] not in _PROVINCE_CODES:
        return False
    if len(s) == 15:
        return s[:6] in region_codes() and is_date(1900 + int(s[6:8]), int(s[8:10]), int(s[10:12]), lo=1880)
    if len(s) != 18 or not is_date(int(s[6:10]), int(s[10:12]), int(s[12:14]), lo=1880):
        return False
    total = 0
    for c, w in zip(s, _RIC_WEIGHTS):
        total += (ord(c) - 48) * w
    if _RIC_CHECK[total % 11] != s[17]:
        return False
    return not strict_region or s[:6] in region_codes()


# --- unified social credit codes (GB 32100-2015) -------------------------------------------------

_USCC_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(_USCC_ALPHABET)}
_USCC_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28]


def is_uscc(value: str) -> bool:
    """An 18-character unified social credit code: registration authority and entity type,
    a six-digit region code, the organisation code and a valid GB 32100 check character."""
    return check_uscc(digits_only(value).upper())


def check_uscc(s: str) -> bool:
    """is_uscc for a clean, upper-case value."""
    if len(s) != 18 or not s[2:8].isdigit() or s[0] not in "123456789ANGY" or any(c not in _USCC_VALUE for c in s):
        return False
    total = sum(_USCC_VALUE[c] * w for c, w in zip(s[:17], _USCC_WEIGHTS))
    return _USCC_ALPHABET[(31 - total % 31) % 31] == s[17]


# --- bank cards -----------------------------------------------------------------------------------


def luhn_ok(value: str) -> bool:
    """The Luhn (mod 10) check of a digit string; separators are ignored."""
    s = value if value.isdigit() and value.isascii() else digits_only(value)
    if not s.isdigit() or len(s) < 2:
        return False
    total = 0
    for i, c in enumerate(reversed(s)):
        d = ord(c) - 48
        if i & 1:
            d = d * 2 - 9 if d > 4 else d * 2
        total += d
    return total % 10 == 0


def is_bank_card(value: str) -> bool:
    """A 16-19 digit payment card number that passes Luhn, issued by a card scheme used in China
    (UnionPay 62/81, Visa 4, Mastercard 2/5, JCB 35)."""
    s = value if value.isdigit() and value.isascii() else digits_only(value)
    return (16 <= len(s) <= 19 and s.isdigit() and s[0] in "24568" and
            (s[0] != "8" or s.startswith("81")) and luhn_ok(s))


# --- telephone numbers ----------------------------------------------------------------------------

# Number segments (号段) of the mobile, data-only and virtual-operator ranges, by their first 3 digits.
MOBILE_SEGMENTS = frozenset(
    [f"13{i}" for i in range(10)] + ["145", "146", "147", "148", "149"]
    + [f"15{i}" for i in "012356789"] + ["162", "165", "166", "167"]
    + [f"17{i}" for i in "012345678"] + [f"18{i}" for i in range(10)]
    + [f"19{i}" for i in "012356789"]
)


def mobile_national(value: str) -> str | None:
    """The 11-digit national number of a mainland mobile (with or without +86 / 0086 / 86)."""
    s = digits_only(value).lstrip("+")
    if s.startswith("0086"):
        s = s[4:]
    elif s.startswith("86") and len(s) == 13:
        s = s[2:]
    return s if len(s) == 11 and s.isdigit() and s[:3] in MOBILE_SEGMENTS else None


def is_cn_mobile(value: str) -> bool:
    """A mainland mobile number on a segment in use: 11 digits, spaces or hyphens inside,
    an optional +86 / 0086 prefix, full-width digits allowed."""
    return mobile_national(value) is not None


def _area_code_ok(area: str) -> bool:
    """Area codes: 010, 02x, and four-digit 03xx-09xx (second digit 3-9)."""
    if area == "010" or (len(area) == 3 and area[:2] == "02"):
        return True
    return len(area) == 4 and area[0] == "0" and area[1] in "3456789"


def is_cn_landline(value: str) -> bool:
    """A mainland fixed-line number with its area code: '021-6543 2100', '(021)65432100',
    '0571-88888888', '+86 21 6543 2100'.  The local number has 7-8 digits and starts with 2-9."""
    s = digits_only(value).lstrip("+")
    if s.startswith("0086"):
        s = "0" + s[4:]
    elif s.startswith("86") and len(s) >= 11:
        s = "0" + s[2:]
    if not s.isdigit() or not s.startswith("0"):
        return False
    for alen in (3, 4):
        area, local = s[:alen], s[alen:]
        if _area_code_ok(area) and local[:1] in "23456789" and local[:1] and \
                (len(local) == 8 or (len(local) == 7 and alen == 4)):
            return True
    return False


# --- passports, plates, addresses on the network --------------------------------------------------

_PASSPORT = re.compile(r"^(?:E[0-9]{8}|E[A-HJ-NP-Z][0-9]{7}|G[0-9]{8}|[DSP]E?[0-9]{7})$")


def is_cn_passport(value: str) -> bool:
    """A PRC passport number: E + 8 digits, E + letter + 7 digits (from 2017), the older G + 8
    digits, or a diplomatic/service/public-affairs D/S/P number."""
    return bool(_PASSPORT.match(_n(value).upper().replace(" ", "")))


PLATE_PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼"
_PLATE = re.compile(
    rf"^[{PLATE_PROVINCES}][A-HJ-NP-Z][\s·•.\-]?"
    r"(?:[DF][A-HJ-NP-Z0-9][0-9]{4}|[0-9]{5}[DF]|[A-HJ-NP-Z0-9]{4}[A-HJ-NP-Z0-9挂学警领港澳使])$"
)


def check_plate(s: str) -> bool:
    """is_plate for a normalised value without surrounding spaces."""
    return _PLATE.match(s) is not None and (len(s) in (7, 8) or (len(s) == 9 and s[2] in " ·•.-"))


def is_plate(value: str) -> bool:
    """A mainland vehicle plate: province character, issuing-office letter, an optional separator
    (· or space), then five characters (letters without I and O, digits) or six for new-energy
    plates (D/F first or last): '沪A·12345', '沪AD12345', '粤B12345D'."""
    s = _n(value)
    return bool(_PLATE.match(s)) and len(re.sub(r"[\s·•.\-]", "", s)) in (6, 7, 8)


def is_ip(value: str) -> bool:
    """A dotted-quad IPv4 address (octets 0-255, no leading zeros) or an IPv6 address."""
    s = _n(value)
    if ":" not in s:
        parts = s.split(".")
        return len(parts) == 4 and all(p.isdigit() and len(p) <= 3 and int(p) <= 255 and
                                       (p == "0" or p[0] != "0") for p in parts)
    try:
        ipaddress.IPv6Address(s)
    except ValueError:
        return False
    return True


_EMAIL = re.compile(r"^[A-Za-z0-9._%+\-]+@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}$")


def is_email(value: str) -> bool:
    s = _n(value)
    return bool(_EMAIL.match(s)) and ".." not in s and not s.split("@")[0].startswith(".")
