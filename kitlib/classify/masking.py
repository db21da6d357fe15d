"""Masked examples for the inventory and the scan report: never a full identifier.

    >>> mask("13812345678", "cn_mobile")
    '138****5678'
    >>> mask("11010119900307663X", "cn_resident_id")
    '110101********663X'
    >>> mask("张三", "person_name"), mask("wang.wei@example.com", "email")
    ('张*', 'w***@example.com')

Small on purpose: the security module builds full masking (formats, keys, reversibility).
Kinds without a rule of their own fall back to ``mask_generic``, which hides the middle of
anything that looks like a code and keeps short words (男, 金卡, 上海市) as they are.
"""
from __future__ import annotations

import re

__all__ = ["mask", "mask_generic", "mask_text"]

_STAR = "*"
_DIGITS = re.compile(r"\d")
_LONG_CODE = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-\s]{4,}[A-Za-z0-9]")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(\.[\w-]+)+")
_DATE = re.compile(r"\d{4}-\d{1,2}-\d{1,2}([ T]\d{1,2}:\d{2}(:\d{2}(\.\d+)?)?)?")
_SMALL_NUMBER = re.compile(r"-?\d{1,4}(\.\d+)?")
_NOT_PERSONAL_SHORT = {"gender", "nationality", "region", "preference", "consent_record", "minor",
                       "organisation", "system", "transaction", "employee", "access_record", "bank_name", "age"}


def _keep(value: str, head: int, tail: int) -> str:
    """Keep `head` and `tail` characters and star the rest; at least a third is always hidden."""
    n = len(value)
    hidden = n - head - tail
    if hidden < max(1, n // 3):
        head = min(head, n // 4)
        tail = min(tail, n // 4)
        hidden = n - head - tail
    return value[:head] + _STAR * hidden + (value[n - tail:] if tail else "")


def _mask_name(value: str) -> str:
    if re.search(r"[\u3400-\u9fff]", value):
        return value[:1] + _STAR * max(len(value) - 1, 1)
    return " ".join(w[:1] + _STAR * max(len(w) - 1, 1) for w in value.split())


def _mask_email(value: str) -> str:
    local, _, domain = value.partition("@")
    return (local[:1] or _STAR) + "***@" + domain


def _mask_address(value: str) -> str:
    # Keep province / city / district, hide the street and number.
    m = re.match(r"^(.{0,3}?(?:省|自治区|市))?(.{0,4}?(?:市|州|盟))?(.{0,4}?(?:区|县|旗))?", value)
    head = len(m.group(0)) if m else 0
    head = min(head, len(value) // 2)
    if head == 0:
        head = min(4, len(value) // 3)
    return value[:head] + _STAR * 4


def _mask_phone(value: str) -> str:
    digits = re.sub(r"\D", "", value)
    if len(digits) == 11 and digits.startswith("1"):
        return digits[:3] + "****" + digits[-4:]
    if len(digits) >= 7:
        return _keep(digits, 3 if digits.startswith("0") else 0, 4)
    return _STAR * len(value)


def _mask_ip(value: str) -> str:
    parts = value.split(".")
    if len(parts) == 4:
        return ".".join(parts[:2] + ["*", "*"])
    return _keep(value, 4, 0)


def mask_generic(value: str) -> str:
    """Hide the middle of codes (anything with four or more digits), e-mails inside text, and
    the middle of long strings; keep short words."""
    value = str(value)
    if _EMAIL.fullmatch(value):
        return _mask_email(value)
    if _DATE.fullmatch(value):
        return value[:4] + "-**-**"
    if _SMALL_NUMBER.fullmatch(value):
        return value
    digits = len(_DIGITS.findall(value))
    if digits >= 4 or (len(value) >= 6 and digits and re.fullmatch(r"[A-Za-z0-9\-_ ]+", value)):
        return _keep(value, 2, 2)
    return value


def mask_text(text: str, spans=()) -> str:
    """Free text with the given (start, end) spans starred, then any remaining run of digits
    or code (six or more characters) and any e-mail starred as well."""
    text = str(text)
    chars = list(text)
    for start, end in spans:
        for i in range(max(start, 0), min(end, len(chars))):
            if not chars[i].isspace():
                chars[i] = _STAR
    out = "".join(chars)
    out = _EMAIL.sub(lambda m: _mask_email(m.group(0)), out)
    return re.sub(r"[A-Za-z0-9][A-Za-z0-9\- ]{4,}[A-Za-z0-9]",
                  lambda m: m.group(0) if not _DIGITS.search(m.group(0)) else _STAR * len(m.group(0)), out)


def mask(value, kind: str) -> str:
    """A masked form of one value of the given kind, safe to show in a report."""
    if value is None:
        return ""
    text = str(value).strip()
    if not text:
        return ""
    if kind == "cn_resident_id":
        return _keep(text, 6, 4) if len(text) >= 15 else _keep(text, 2, 2)
    if kind in ("cn_mobile", "cn_landline"):
        return _mask_phone(text)
    if kind == "bank_card":
        digits = re.sub(r"\D", "", text)
        return _keep(digits, 4, 4) if len(digits) >= 12 else _STAR * len(text)
    if kind in ("passport", "cn_passport"):
        return _keep(text, 1, 2)
    if kind == "cn_uscc":
        return _keep(text, 2, 2)
    if kind == "cn_plate":
        return _keep(text, 2, 1)
    if kind == "email":
        return _mask_email(text) if "@" in text else _keep(text, 1, 0)
    if kind in ("person_name",):
        return _mask_name(text)
    if kind == "address":
        return _mask_address(text)
    if kind == "ip_address":
        return _mask_ip(text)
    if kind == "birth_date":
        m = re.match(r"^(\d{4})", text)
        return (m.group(1) + "-**-**") if m else _STAR * len(text)
    if kind == "free_text":
        masked = mask_text(text)
        return masked if len(masked) <= 40 else masked[:40] + "…"
    if kind in _NOT_PERSONAL_SHORT and len(text) <= 12:
        return mask_generic(text)
    if kind in _NOT_PERSONAL_SHORT:
        return mask_generic(text[:24]) + ("…" if len(text) > 24 else "")
    return mask_generic(text) if len(text) <= 32 else mask_generic(text[:32]) + "…"
