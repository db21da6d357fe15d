"""One recognizer per kind: a pattern that finds candidates, a validator (checksum, date, number
plan, dictionary) and context words that raise or lower the score — the Presidio design.

A recognizer's `analyze(ctx)` returns candidates on `ctx.norm` (the text with full-width
characters folded; same length as the original, so offsets are the original's).  Entity
recognizers run first; the fact recognizer (PIPL Art. 28 facts in free text) then runs with the
resolved entities, so that a fact's span never swallows a name, a number or an address.

Scores: a valid checksum ≈ 0.95-1.0; pattern + validator + context ≈ 0.8-0.95; pattern alone
lower; a candidate that fails its checksum but sits next to strong context words is kept at
0.4 (below the default threshold of 0.5, visible with a lower `min_score`).

Speed: the text is read by a few passes shared through the context, like Presidio's NLP
artifacts — runs of digits (`ctx.numbers`), one pass over all Chinese keywords (`ctx.keywords`:
fact words, name roles, time words …), a lower-cased copy for English words (`ctx.low`) — and
each recognizer runs its precise pattern only where its kind can be; cheap tests (`has_upper`,
'@' in text, 号 in text …) let it skip a text outright.  Every regex starts with literals or
one character class: the engine then searches for it fast (mixing both in one alternation, or
starting with a group or a look-behind, makes it test every position).
"""
from __future__ import annotations

import bisect
import re
from functools import lru_cache
from typing import NamedTuple

from . import lexicon as lx
from . import validators as v

CJK = "\u4e00-\u9fff"

KINDS = ("person_name", "cn_resident_id", "cn_passport", "cn_mobile", "cn_landline", "email", "address",
         "bank_card", "cn_uscc", "ip_address", "cn_plate", "birth_date",
         "health", "religion", "biometric", "location_track", "financial", "minor")
FACT_KINDS = ("health", "religion", "biometric", "location_track", "financial", "minor")


class Candidate(NamedTuple):
    kind: str
    start: int
    end: int
    score: float
    recognizer: str


_NUMBER_RUN = re.compile(r"[0-9][0-9 ()+\-]{8,}[0-9Xx]")


class NumberRun(NamedTuple):
    start: int
    end: int
    digits: int        # how many digits (an X check character counts); for runs with separators, the length
    plain: str | None  # the run itself when it is only digits (and maybe a final X), else None


class ScanContext:
    """What the recognizers see: the original text, its normalised copy, shared pre-passes
    (computed on first use) and, for the fact recognizer, the entities already found."""

    def __init__(self, text: str, norm: str):
        self.text = text
        self.norm = norm
        self.entities: list[Candidate] = []
        self._numbers: list[NumberRun] | None = None
        self._keywords: list[tuple[int, int, str]] | None = None
        low = norm.lower()
        if len(low) != len(norm):  # a few non-ASCII capitals lower-case to two characters
            low = re.sub("[A-Z]+", lambda m: m.group().lower(), norm)
        self.low = low  # the normalised text in lower case, same length (for English words)
        self.has_upper = low != norm  # a cheap test that lets recognizers skip a text
        self._has_letters: bool | None = None

    @property
    def has_letters(self) -> bool:
        """Does the text hold any cased letter (English words, e-mail addresses)?"""
        if self._has_letters is None:
            self._has_letters = self.has_upper or self.low.upper() != self.low
        return self._has_letters

    @property
    def keywords(self) -> list[tuple[int, int, str]]:
        """(start, end, word) of every Chinese keyword some recognizer starts from: fact words,
        words for children, time words, 岁 and 月, name roles (客户 …) and the verbs after names
        (来电 …), birth words — one pass for them all (see `keyword_categories`)."""
        if self._keywords is None:
            regex = keyword_categories()[0]
            self._keywords = [(m.start(), m.end(), m.group()) for m in regex.finditer(self.norm)]
        return self._keywords

    @property
    def numbers(self) -> list[NumberRun]:
        """Every run of 10+ characters of digits and the separators people put in numbers
        (space, hyphen, parentheses, +), widened left over '+' and '('."""
        if self._numbers is None:
            norm = self.norm
            runs = []
            new = tuple.__new__
            for m in _NUMBER_RUN.finditer(norm):
                chunk = m.group()
                s = m.start()
                plain = chunk if chunk.isdigit() or (chunk[-1] in "Xx" and chunk[:-1].isdigit()) else None
                if s and norm[s - 1] in "+(":
                    plain = None
                    while s > 0 and norm[s - 1] in "+(":
                        s -= 1
                runs.append(new(NumberRun, (s, m.end(), len(chunk), plain)))
            self._numbers = runs
        return self._numbers


@lru_cache(maxsize=1)
def keyword_categories() -> tuple[re.Pattern, dict[str, tuple[str, ...]]]:
    """The keyword regex (literal words only, which the engine searches fast) and, for each
    word, its categories: a fact kind, "minor", "time", "part_of_day", "age", "month", "role",
    "name_verb", "birth"."""
    cats: dict[str, list[str]] = {}

    def add(words, cat):
        for w in words:
            cats.setdefault(w, [])
            if cat not in cats[w]:
                cats[w].append(cat)

    for kind, (zh, _) in FACT_WORDS.items():
        add(zh.split("|"), kind)
    add(_MINOR_ZH_WORDS, "minor")
    add(lx.TIME_WORDS, "time")
    add(lx.PARTS_OF_DAY, "part_of_day")
    add(("岁",), "age")
    add(("月",), "month")
    add(lx.NAME_ROLES, "role")
    add(lx.NAME_FOLLOW_STRONG, "name_verb")
    add(lx.BIRTH_WORDS, "birth")
    return re.compile(_words(list(cats))), {w: tuple(c) for w, c in cats.items()}


def _spans(pattern: re.Pattern, ctx: ScanContext, run: NumberRun):
    """(start, end, value) of the pattern's matches inside a number run."""
    norm = ctx.norm
    if run.plain is not None:
        # A run of bare digits: the pattern either matches all of it or nothing.
        m = pattern.match(norm, run.start, min(len(norm), run.end + 1))
        if m and m.end() == run.end:
            return ((run.start, run.end, run.plain),)
        return ()
    return ((m.start(), m.end(), m.group()) for m in pattern.finditer(norm, run.start, min(len(norm), run.end + 1)))


def _words(words: str | list[str]) -> str:
    """A regex alternation of literal words, longest first, grouped by first character (the
    engine then tries one group per position instead of every word)."""
    items = words.split("|") if isinstance(words, str) else list(words)
    groups: dict[str, list[str]] = {}
    for w in sorted(set(items), key=len, reverse=True):
        groups.setdefault(w[0], []).append(w[1:])
    parts = []
    for first, rests in groups.items():
        tails = [re.escape(r) for r in rests]
        if len(tails) == 1:
            parts.append(re.escape(first) + tails[0])
        else:
            parts.append(re.escape(first) + "(?:" + "|".join(tails) + ")")
    return "|".join(parts)


def _ctx_regex(words: str) -> re.Pattern:
    """Context words, searched on the lower-cased text (`ctx.low`): a case-sensitive pattern of
    literal words keeps the engine's fast first-character search, which re.I would turn off."""
    return re.compile(_words(words.lower()))


def _before(norm: str, start: int, width: int) -> int:
    """Start of the context window before `start`: `width` characters, not past a line break."""
    lo = start - width if start > width else 0
    nl = norm.rfind("\n", lo, start)
    return nl + 1 if nl >= 0 else lo


def _after(norm: str, end: int, width: int) -> int:
    nl = norm.find("\n", end, end + width)
    return nl if nl >= 0 else min(len(norm), end + width)


def context_near(low: str, start: int, end: int, regex: re.Pattern, before: int = 16, after: int = 0) -> bool:
    """Does `regex` (context words, see `_ctx_regex`) occur in the lower-cased text `low` within
    `before` characters before the span (or `after` after it)?"""
    if regex.search(low, _before(low, start, before), start):
        return True
    return bool(after) and regex.search(low, end, _after(low, end, after)) is not None


class Recognizer:
    """Base class: `name`, the `kinds` it can emit, and analyze(ctx) -> list[Candidate]."""
    name = "recognizer"
    kinds: tuple[str, ...] = ()
    stage = "entity"

    def analyze(self, ctx: ScanContext) -> list[Candidate]:
        """Every subclass finds its candidates here; the base finds none."""
        return []


# --- shared context words ----------------------------------------------------------------------------

_NUMBER_NEGATIVE = _ctx_regex("订单|单号|流水|编号|发票|运单|快递|工单|批次|序列号|批号|合同号|交易号|交易|票号|"
                              "条码|商品码|券码|验证码|密码|order|invoice|tracking|ref|serial|receipt|transaction|No.")
_AMOUNT_AFTER = ("元", "块", "万", "亿", "角", "RMB", "CNY", "rmb", "yuan", "人民币")
_AMOUNT_BEFORE = ("¥", "$", "RMB", "CNY", "金额", "价格", "售价", "合计", "总计", "共计", "付款", "支付")


def _is_amount(norm: str, start: int, end: int) -> bool:
    """Is the number an amount of money (13800138000元, ¥13800138000, 金额: …)?"""
    while end < len(norm) and norm[end] == " ":
        end += 1
    if norm.startswith(_AMOUNT_AFTER, end):
        return True
    while start > 0 and norm[start - 1] in " :":
        start -= 1
    return norm.endswith(_AMOUNT_BEFORE, max(0, start - 3), start)


def _clean(value: str) -> str:
    return value.replace(" ", "").replace("-", "").replace("(", "").replace(")", "").replace("+", "")


# --- numbers --------------------------------------------------------------------------------------------

class ResidentIdRecognizer(Recognizer):
    name = "cn_resident_id"
    kinds = ("cn_resident_id",)
    pattern = re.compile(r"(?<![0-9])(?:[1-9]\d{5}[ -]?(?:18|19|20)\d{2}[ -]?\d{4}[ -]?\d{3}[0-9Xx]|"
                         r"[1-9]\d{5}[ -]?\d{6}[ -]?\d{3})(?![0-9A-Za-z])")
    context = _ctx_regex("身份证|证件|身份号|公民身份|居民身份|ID|identity|id card|id no")

    def analyze(self, ctx):
        out = []
        norm = ctx.norm
        codes = v.region_codes()
        size = len(norm)
        for run in ctx.numbers:
            if run.digits < 15:
                continue
            if run.plain is not None:
                if run.digits not in (15, 18) or (run.end < size and norm[run.end].isascii() and norm[run.end].isalnum()):
                    continue
                spans = ((run.start, run.end, run.plain),)
            else:
                spans = _spans(self.pattern, ctx, run)
            for s, e, value in spans:
                digits = (value if run.plain is not None else _clean(value)).upper()
                near = context_near(ctx.low, s, e, self.context, 16)
                if v.check_resident_id(digits):
                    if len(digits) == 15:
                        score = 0.9 if near else 0.75
                    else:
                        score = 1.0 if near else (0.98 if digits[:6] in codes else 0.95)
                elif near and v.resident_id_birth_date(digits) is not None:
                    score = 0.4  # right shape and birth date, wrong check character
                else:
                    continue
                if not near and context_near(ctx.low, s, e, _NUMBER_NEGATIVE, 8):
                    score -= 0.3
                out.append(Candidate("cn_resident_id", s, e, score, self.name))
        return out


class BankCardRecognizer(Recognizer):
    name = "bank_card"
    kinds = ("bank_card",)
    pattern = re.compile(r"(?<![0-9])(?:\d{4}[ -]){3,4}\d{1,4}(?![0-9])|(?<![0-9])\d{16,19}(?![0-9])")
    context = _ctx_regex("银行卡|卡号|借记卡|信用卡|储蓄卡|开户行|银联|账号|账户|扣款|bank|card|account|debit|credit|UnionPay")

    def analyze(self, ctx):
        out = []
        norm = ctx.norm
        for run in ctx.numbers:
            if run.digits < 16:
                continue
            if run.plain is not None:
                if run.digits > 19 or not run.plain.isdigit():
                    continue
                spans = ((run.start, run.end, run.plain),)
            else:
                spans = _spans(self.pattern, ctx, run)
            for s, e, value in spans:
                digits = value if run.plain is not None else _clean(value)
                if not 16 <= len(digits) <= 19:
                    continue
                near = context_near(ctx.low, s, e, self.context, 16)
                if v.is_bank_card(digits):
                    score = 0.98 if near else 0.9
                elif near and digits.startswith("62"):
                    score = 0.4  # UnionPay-looking but fails Luhn (some old cards do)
                else:
                    continue
                if not near and context_near(ctx.low, s, e, _NUMBER_NEGATIVE, 10):
                    score -= 0.45
                out.append(Candidate("bank_card", s, e, score, self.name))
        return out


class MobileRecognizer(Recognizer):
    name = "cn_mobile"
    kinds = ("cn_mobile",)
    pattern = re.compile(r"(?<![0-9])(?:(?:\+|00)\s?86[ -]?|\(\+?86\)\s?)?1[3-9]\d[ -]?\d{4}[ -]?\d{4}(?![0-9])")
    context = _ctx_regex("手机|电话|联系|号码|致电|来电|回电|微信|短信|热线|拨打|mobile|phone|tel|call|contact|"
                         "cell|whatsapp|wechat|sms")

    def analyze(self, ctx):
        out = []
        norm = ctx.norm
        segments = v.MOBILE_SEGMENTS
        for run in ctx.numbers:
            if run.digits < 11:
                continue
            if run.plain is not None:
                value = run.plain
                if not ((run.digits == 11 and value[0] == "1") or (run.digits == 15 and value.startswith("00861"))):
                    continue
                spans = ((run.start, run.end, value),)
            else:
                spans = _spans(self.pattern, ctx, run)
            for s, e, value in spans:
                digits = value if run.plain is not None else _clean(value)
                if digits[-11:-8] not in segments or _is_amount(norm, s, e):
                    continue
                near = context_near(ctx.low, s, e, self.context, 12)
                score = 0.95 if (near or len(digits) > 11) else 0.85
                if not near and context_near(ctx.low, s, e, _NUMBER_NEGATIVE, 8):
                    score = 0.35
                out.append(Candidate("cn_mobile", s, e, score, self.name))
        return out


class LandlineRecognizer(Recognizer):
    name = "cn_landline"
    kinds = ("cn_landline",)
    pattern = re.compile(r"(?<![0-9])(?:(?:\+|00)86[ -]?(?:\(0?\d{2,3}\)|0?\d{2,3})[ -]?|\(0\d{2,3}\)\s?|0\d{2,3}[ -]?)"
                         r"[2-9]\d{2,3}[ -]?\d{4}(?![0-9])")
    context = _ctx_regex("电话|座机|固话|联系|传真|办公|总机|分机|tel|phone|fax|office|landline|call")

    def analyze(self, ctx):
        out = []
        norm = ctx.norm
        for run in ctx.numbers:
            if run.digits < 10:
                continue
            if run.plain is not None:
                if run.plain[0] != "0" or run.digits > 14:
                    continue
                spans = ((run.start, run.end, run.plain),)
            else:
                if not _may_hold_landline(norm[run.start:run.end]):
                    continue
                spans = _spans(self.pattern, ctx, run)
            for s, e, value in spans:
                if not v.is_cn_landline(value) or _is_amount(norm, s, e):
                    continue
                near = context_near(ctx.low, s, e, self.context, 12)
                formatted = any(c in value for c in " -()+")
                score = 0.92 if near else (0.8 if formatted else 0.6)
                if not near and context_near(ctx.low, s, e, _NUMBER_NEGATIVE, 8):
                    score -= 0.35
                out.append(Candidate("cn_landline", s, e, score, self.name))
        return out


def _may_hold_landline(chunk: str) -> bool:
    """Does a number run hold an area code (0 and a digit 1-9 at the start of a group) or +86?"""
    if chunk[0] in "+(" or (chunk[0] == "0" and chunk[1] in "123456789"):
        return True
    for sep in (" 0", "-0", "(0"):
        i = chunk.find(sep)
        while i >= 0:
            if i + 2 < len(chunk) and chunk[i + 2] in "123456789":
                return True
            i = chunk.find(sep, i + 1)
    return False


class UsccRecognizer(Recognizer):
    name = "cn_uscc"
    kinds = ("cn_uscc",)
    pattern = re.compile(r"[0-9A-HJ-NP-RTUW-Y]{2}\d{6}[0-9A-HJ-NP-RTUW-Y]{10}(?![0-9A-Za-z])")
    context = _ctx_regex("统一社会信用代码|信用代码|社会信用|税号|纳税人识别号|营业执照|USCC|credit code|tax")

    def analyze(self, ctx):
        out = []
        norm = ctx.norm
        if not ctx.has_upper:  # then only an all-digit code is possible: a bare 18-digit run
            matches = [(r.start, r.end, r.plain) for r in ctx.numbers if r.plain is not None and r.digits == 18
                       and r.plain.isdigit()]
        else:
            matches = [(m.start(), m.end(), m.group()) for m in self.pattern.finditer(norm)]
        for s, e, value in matches:
            if s and (norm[s - 1].isascii() and norm[s - 1].isalnum()):
                continue
            if not v.check_uscc(value):
                continue
            near = context_near(ctx.low, s, e, self.context, 16)
            score = 1.0 if near else (0.9 if value.isdigit() else 0.97)
            out.append(Candidate("cn_uscc", s, e, score, self.name))
        return out


class PassportRecognizer(Recognizer):
    name = "cn_passport"
    kinds = ("cn_passport",)
    # Each alternative starts with a letter, so the engine looks for those letters fast.
    pattern = re.compile(r"(?:E[0-9A-HJ-NP-Z]\d{7}|G\d{8}|DE?\d{7}|SE?\d{7}|PE?\d{7})(?![0-9A-Za-z])")
    context = _ctx_regex("护照|passport|旅行证|出入境|签证|证件")

    def analyze(self, ctx):
        out = []
        if not ctx.has_upper:
            return out
        norm = ctx.norm
        for m in self.pattern.finditer(norm):
            s, e = m.span()
            if s and norm[s - 1].isascii() and norm[s - 1].isalnum():
                continue
            value = m.group()
            near = context_near(ctx.low, s, e, self.context, 16)
            base = 0.6 if value[0] == "E" else 0.45 if value[0] == "G" else 0.35
            out.append(Candidate("cn_passport", s, e, 0.92 if near else base, self.name))
        return out


class EmailRecognizer(Recognizer):
    name = "email"
    kinds = ("email",)
    domain = re.compile(r"@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)*\.[A-Za-z]{2,24}(?![A-Za-z0-9\-])")

    def analyze(self, ctx):
        norm = ctx.norm
        out = []
        at = norm.find("@")
        last = 0
        local = _EMAIL_LOCAL
        while at >= 0:
            s = at
            while s > last and at - s < 64 and norm[s - 1] in local:
                s -= 1
            while s < at and norm[s] in "._%+-":
                s += 1
            m = self.domain.match(norm, at) if s < at else None
            if m and norm[at - 1] != "." and ".." not in norm[s:m.end()]:
                out.append(Candidate("email", s, m.end(), 0.97, self.name))
                last = m.end()
                at = norm.find("@", last)
            else:
                at = norm.find("@", at + 1)
        return out


_EMAIL_LOCAL = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._%+-")


class IpRecognizer(Recognizer):
    name = "ip_address"
    kinds = ("ip_address",)
    v4 = re.compile(r"\.\d{1,3}\.\d{1,3}\.\d{1,3}(?![0-9]|\.\d)")
    v6_anchor = re.compile(r":[0-9A-Fa-f]{0,4}:")
    context = _ctx_regex("IP|地址|登录|访问|服务器|主机|网段|终端|host|server|login|address|client|from")
    negative = re.compile(r"(?:v|V|ver|Ver|version|Version|版本|版本号|固件|firmware|build)\s*[:]?\s*$")

    def analyze(self, ctx):
        out = []
        norm = ctx.norm
        has_dot, has_colon = "." in norm, ":" in norm
        if not has_dot and not has_colon:
            return out
        last_v6 = -1
        for m in (self.v4.finditer(norm) if has_dot else ()):
            e = m.end()
            s = m.start()
            k = 0
            while k < 3 and s > 0 and norm[s - 1].isdigit():
                s -= 1
                k += 1
            if k == 0 or (s > 0 and (norm[s - 1].isdigit() or norm[s - 1] == ".")):
                continue
            if not v.is_ip(norm[s:e]) or self.negative.search(norm, max(0, s - 12), s):
                continue
            out.append(Candidate("ip_address", s, e, 0.95 if context_near(ctx.low, s, e, self.context, 16) else 0.8, self.name))
        # IPv6: from each colon that has hex digits (or another colon) on both sides.
        for m in (self.v6_anchor.finditer(norm) if has_colon else ()):
            s, e = m.start(), m.end()
            if s < last_v6:
                continue
            while s > 0 and norm[s - 1] in _HEX_COLON:
                s -= 1
            while e < len(norm) and norm[e] in _HEX_COLON:
                e += 1
            last_v6 = e
            value = norm[s:e]
            if value.count(":") >= 2 and (s == 0 or not (norm[s - 1].isascii() and norm[s - 1].isalnum())) and \
                    sum(c not in ":" for c in value) >= 3 and v.is_ip(value):
                out.append(Candidate("ip_address", s, e, 0.85, self.name))
        return out


_HEX_COLON = frozenset("0123456789abcdefABCDEF:")


class PlateRecognizer(Recognizer):
    name = "cn_plate"
    kinds = ("cn_plate",)
    pattern = re.compile(rf"[{v.PLATE_PROVINCES}][A-HJ-NP-Z][ ·•.\-]?[A-HJ-NP-Z0-9]{{4,6}}[挂学警领港澳使]?(?![A-Za-z0-9])")
    context = _ctx_regex("车牌|车辆|牌照|车号|号牌|车|plate|vehicle|car|licence|license")

    def analyze(self, ctx):
        out = []
        if not ctx.has_upper:
            return out
        norm = ctx.norm
        for m in self.pattern.finditer(norm):
            if not v.check_plate(m.group()):
                continue
            s, e = m.span()
            out.append(Candidate("cn_plate", s, e, 0.95 if context_near(ctx.low, s, e, self.context, 10) else 0.85, self.name))
        return out


class BirthDateRecognizer(Recognizer):
    """Dates are personal as birth dates: a date is reported only next to birth words
    (出生, 生日, DOB, born …) — before it, or right after it (1990年3月7日出生)."""
    name = "birth_date"
    kinds = ("birth_date",)
    pattern = re.compile(
        r"(?<![0-9])(?:(?:19|20)\d{2}\s*[-/.年]\s*\d{1,2}\s*[-/.月]\s*\d{1,2}(?:\s*[日号])?|(?:19|20)\d{6})(?![0-9])"
        r"|(?<![0-9A-Za-z])(?:\d{1,2}(?:st|nd|rd|th)?\s+[A-Z][a-z]{2,8}\.?,?\s+(?:19|20)\d{2}"
        r"|[A-Z][a-z]{2,8}\.?\s+\d{1,2}(?:st|nd|rd|th)?,?\s+(?:19|20)\d{2})(?![0-9])")
    # Literal words only (the engine then looks for their first characters fast); 生日 and 生于
    # after 先学医发产 are dropped in analyze: 先生于 (Mr X on …), 发生于 (happened on …), 学生日 …
    context = re.compile("出生|生日|生于|诞生|dob|d\\.o\\.b|date of birth|born|birth(?:day| date)")

    def analyze(self, ctx):
        out = []
        norm = ctx.norm
        if not ("生" in norm or (ctx.has_letters and ("bir" in ctx.low or "born" in ctx.low or "dob" in ctx.low
                                                       or "d.o.b" in ctx.low))):
            return out
        seen = set()
        for c in self.context.finditer(ctx.low):
            cs = c.start()
            if cs and norm[cs] == "生" and norm[cs - 1] in "先学医发产":
                continue
            lo = _before(norm, cs, 16)
            hi = _after(norm, c.end(), 24)
            for m in self.pattern.finditer(norm, lo, hi):
                s, e = m.span()
                if s in seen or v.parse_birth_date(m.group()) is None:
                    continue
                seen.add(s)
                out.append(Candidate("birth_date", s, e, 0.9, self.name))
        return out


# --- names --------------------------------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _name_patterns():
    single, compound = lx.chinese_surnames()
    surname = "(?:" + "|".join(compound) + "|[" + "".join(sorted(single)) + "])"
    bad = "".join(sorted(lx.NOT_GIVEN_CHARS))
    given = f"(?:(?![{bad}])[{CJK}])"
    follow = "(?:" + _words(lx.NAME_FOLLOW) + r"|[\s(,。.!?;:、0-9+\"“”'‘’]|$)"
    # After a role word (客户王芳): the name from the end of the role word on.
    after_role = re.compile(rf"(?:[:]\s*|叫|名叫)?(?P<name>{surname}{given}{{1,2}}?)(?={follow})")
    # Before a verb (王芳来电), at the start of a clause or of the text: the name ending at the verb.
    before_verb = re.compile(rf"(?:^|(?<=[\n,。!?;:]))[ ]*(?P<name>{surname}{given}{{1,2}})$")
    return after_role, before_verb


_TITLES = frozenset(("先生", "女士", "小姐", "太太", "老师", "师傅", "阿姨"))


@lru_cache(maxsize=1)
def _follow_words() -> tuple[re.Pattern, frozenset]:
    words = [w for w in lx.NAME_FOLLOW if len(w) >= 2]
    return re.compile(_words(words)), frozenset(w[0] for w in words)


class ChineseNameRecognizer(Recognizer):
    """姓名: a surname (Faker's zh_CN list plus compound surnames) and one or two given-name
    characters, with a role word before (客户, 家长, 联系人 …) or, at the start of a clause, a
    speech or request verb after (来电, 反映, 称 …).  The given name's length is the shortest that
    the right context accepts; names that are ordinary words (明天, 信息 …) are dropped."""
    name = "zh_person_name"
    kinds = ("person_name",)

    def analyze(self, ctx):
        after_role_re, before_verb_re = _name_patterns()
        common = lx.given_name_chars()
        compound = lx.chinese_surnames()[1]
        not_names, after_role = lx.NOT_NAMES, lx.NOT_NAMES_AFTER_ROLE
        follow_word, follow_first = _follow_words()
        categories = keyword_categories()[1]
        norm = ctx.norm
        size = len(norm)
        out = []
        seen = set()
        for ks, ke, word in ctx.keywords:
            cats = categories[word]
            if "role" in cats:
                m = after_role_re.match(norm, ke)
                role = True
            elif "name_verb" in cats and ks:
                m = before_verb_re.search(norm, ks - 6 if ks > 6 else 0, ks)
                role = False
            else:
                continue
            if m is None:
                continue
            name = m.group("name")
            base = 0.85 if role else 0.75
            s = m.start("name")
            if s in seen:
                continue
            e = s + len(name)
            # Ordinary words (信息, 权益 …): the whole candidate after a role word, its first two
            # characters where only the verb after it speaks for a name.
            if (name in after_role) if role else (name[:2] in not_names):
                continue
            # 欧阳信佛 → 欧阳 + 信佛: prefer a split whose remainder is a verb to one ending at punctuation.
            if len(name) >= 3 and not (e < size and "\u4e00" <= norm[e] <= "\u9fff"):
                for k in (1, 2):
                    if len(name) - k >= 2 and norm[e - k] in follow_first and follow_word.match(norm, e - k):
                        e -= k
                        name = name[:-k]
                        break
            given = name[2:] if len(name) > 2 and name[:2] in compound else name[1:]
            if given in _TITLES:  # 王先生, 刘女士: a surname and a title
                given = ""
            misses = bool(given) and (given[0] not in common) + (len(given) > 1 and given[1] not in common)
            if misses and not role:
                continue
            score = base if not misses else (0.75 if len(given) == 2 and misses == 1 else 0.65)
            seen.add(s)
            out.append(Candidate("person_name", s, e, score, self.name))
        return out


class WesternNameRecognizer(Recognizer):
    """Latin-script names: a known first name (Faker's Western locales) followed by a capitalised
    surname, or a title (Mr, Ms, Dr …) followed by capitalised words."""
    name = "en_person_name"
    kinds = ("person_name",)
    run = re.compile(r"[A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?(?:[ ][A-Z][a-z]+(?:[-'][A-Z]?[a-z]+)?)*(?![A-Za-z])")
    title = re.compile(r"(?<![A-Za-z])(?:Mr|Mrs|Ms|Miss|Dr|Prof|Mx|Sir|Madam)\.?[ ]$")
    token = re.compile(r"[A-Z][A-Za-z'-]*")
    context = _ctx_regex("customer|client|name|contact|dear|called|calls|from|guardian|parent|asks|asked|says|said|"
                         "reports|wrote|客户|姓名|联系人|来电|反映|称|表示|要求")

    def analyze(self, ctx):
        out = []
        if not ctx.has_upper:
            return out
        firsts, ambiguous = lx.western_first_names()
        norm = ctx.norm
        for m in self.run.finditer(norm):
            ms = m.start()
            if ms and norm[ms - 1].isascii() and norm[ms - 1].isalpha():
                continue
            titled = self.title.search(norm, max(0, ms - 7), ms) is not None
            if m.end() - ms < 5 and not titled:
                continue
            toks = [(t.start(), t.end(), t.group()) for t in self.token.finditer(m.group())]
            if len(toks) < 2 and not titled:
                continue
            if titled:
                # Mr. Smith / Ms. Jane Doe: the capitalised words after the title.
                k = 1 if len(toks) > 1 and toks[0][2] in firsts else 0
                out.append(Candidate("person_name", ms, ms + toks[k][1], 0.85, self.name))
                continue
            i = 0
            while i < len(toks) - 1:
                word = toks[i][2]
                if word in firsts:
                    k = i + 1
                    if k + 1 < len(toks) and toks[k][2] in firsts and toks[k + 1][2] not in firsts:
                        k += 1
                    s, e = ms + toks[i][0], ms + toks[k][1]
                    if word in ambiguous:
                        score = 0.8 if context_near(ctx.low, s, e, self.context, 16, 12) else 0.45
                    else:
                        score = 0.8
                    out.append(Candidate("person_name", s, e, score, self.name))
                    i = k + 1
                    continue
                i += 1
        return out


# --- addresses ------------------------------------------------------------------------------------------------

_ADMIN_SUFFIX = "省|自治区|特别行政区|市|自治州|地区|盟|区|县|自治县|旗|自治旗|镇|乡|街道|村|社区|开发区|新区|园区"
_STREET_SUFFIX = "路|街|大道|大街|公路|巷|胡同|道|弄|里"


@lru_cache(maxsize=1)
def _division_index() -> tuple[frozenset, dict]:
    names = set(v.division_names())
    for n in list(names):
        for suffix in ("省", "壮族自治区", "回族自治区", "维吾尔自治区", "自治区", "特别行政区"):
            if n.endswith(suffix) and len(n) - len(suffix) >= 2:
                names.add(n[: -len(suffix)])
    names.update(("北京", "上海", "天津", "重庆"))
    by_prefix: dict[str, set[int]] = {}
    for n in names:
        if len(n) >= 2:
            by_prefix.setdefault(n[:2], set()).add(len(n))
    return frozenset(names), {k: tuple(sorted(x, reverse=True)) for k, x in by_prefix.items()}


_STREET_CHARS = tuple(sorted({w[0] for w in _STREET_SUFFIX.split("|")}))


class AddressRecognizer(Recognizer):
    """地址: province/city/district (names from python-stdnum's division table), town, a road
    (路/街/大道 …) and a number (号/弄), then building, unit and room (幢/栋/单元/室).  Without a
    known division the road and number alone make a weaker candidate."""
    name = "address"
    kinds = ("address",)
    anchor = re.compile(rf"(?:{_STREET_SUFFIX})\d+(?:-\d+)?(?:号|弄)")
    tail = re.compile(rf"(?:\d+(?:-\d+)?(?:号|弄|巷))*(?:[{CJK}]{{2,10}}?(?:小区|花园|大厦|公寓|广场|中心|大楼|新村|家园|公馆|苑))?"
                      r"(?:[A-Z]?\d*[A-Z]?(?:号楼|幢|栋|座|单元|楼|层|室|房|号|户))*")
    chain = re.compile(rf"(?:[{CJK}]{{1,8}}?(?:{_ADMIN_SUFFIX}))*[{CJK}A-Za-z0-9]{{1,10}}?(?:{_STREET_SUFFIX})")
    lead_in = set("在住址到至往于是为的和与及:,、")
    context = _ctx_regex("地址|住址|住在|寄到|送到|送至|寄至|收货|配送|位于|address|deliver|ship")

    def analyze(self, ctx):
        norm = ctx.norm
        out = []
        if ("号" not in norm and "弄" not in norm) or not any(c in norm for c in _STREET_CHARS):
            return out
        names, by_prefix = _division_index()
        last_end = -1
        for m in self.anchor.finditer(norm):
            if m.start() < last_end:
                continue
            suffix_end = m.start() + (2 if norm.startswith(("大道", "大街", "公路", "胡同"), m.start()) else 1)
            # Walk left over the run of CJK characters (at most 40).
            left = m.start()
            limit = max(0, m.start() - 40)
            while left > limit and "\u4e00" <= norm[left - 1] <= "\u9fff":
                left -= 1
            start = None
            for p in range(left, m.start()):
                lens = by_prefix.get(norm[p:p + 2])
                if lens and any(norm[p:p + n] in names for n in lens) and self.chain.fullmatch(norm, p, suffix_end):
                    start = p
                    break
            if start is not None:
                score = 0.92
            else:
                p = m.start()
                while p > left and m.start() - p < 6 and norm[p - 1] not in self.lead_in:
                    p -= 1
                if m.start() - p < 1:
                    continue
                start = p
                score = 0.8 if context_near(ctx.low, start, m.end(), self.context, 8) else 0.6
            t = self.tail.match(norm, m.end())
            end = t.end() if t else m.end()
            last_end = end
            out.append(Candidate("address", start, end, score, self.name))
        return out


# --- PIPL Art. 28 facts in free text ------------------------------------------------------------------

# kind -> (Chinese words, English word patterns in lower case)
FACT_WORDS = {
    "health": (
        "过敏|糖尿病|高血压|高血脂|心脏病|冠心病|哮喘|癌症|肺癌|胃癌|肝癌|乳腺癌|肿瘤|白血病|怀孕|孕期|孕妇|备孕|流产|"
        "手术|住院|出院|病史|患有|确诊|诊断为|抑郁症|抑郁|焦虑症|精神病|精神疾病|残疾|残障|乳糖不耐|不耐受|服药|化疗|放疗|透析|"
        "艾滋|乙肝|肝炎|痛风|癫痫|中风|脑梗|哺乳期|失明|失聪|瘫痪|血糖|胰岛素|病历|体检报告|过敏原|慢性病|住过院|孕",
        r"allerg(?:y|ic|ies)|diabet(?:es|ic)|pregnan(?:t|cy)|surgery|hospitali[sz]ed|in hospital|lactose intoleran(?:t|ce)|"
        r"gluten intoleran(?:t|ce)|intolerant|asthma|cancer|tumou?r|hypertension|high blood pressure|heart (?:disease|condition|attack)|"
        r"depression|anxiety disorder|disabilit(?:y|ies)|disabled|wheelchair|hiv|hepatitis|chemotherapy|dialysis|epilep(?:sy|tic)|"
        r"medication|diagnosed|coeliac|celiac|insulin|medical condition"),
    "religion": (
        "穆斯林|伊斯兰|清真|基督徒|基督教|基督|天主教|佛教|信佛|拜佛|念佛|佛教徒|道教|信教|宗教|做礼拜|礼拜堂|斋月|斋戒|封斋|犹太|"
        "印度教|受洗|洗礼|吃斋|信仰|信奉|教徒|清真寺|教堂|寺庙",
        r"muslim|islam(?:ic)?|halal|christian|catholic|protestant|buddhis[tm]|jewish|judaism|kosher|hindu(?:ism)?|sikh|"
        r"church|mosque|synagogue|ramadan|religio(?:n|us)|sabbath"),
    "biometric": (
        "指纹|人脸识别|人脸|刷脸|面部识别|面部特征|面容|虹膜|声纹|掌纹|掌静脉|指静脉|步态|基因检测|基因|DNA|生物识别|生物特征",
        r"fingerprints?|face recognition|facial recognition|face scan|face id|iris scan|voiceprint|voice print|biometrics?|"
        r"palm print|retina scan|dna"),
    "location_track": (
        "行程|行踪|轨迹|定位|GPS|实时位置|位置信息|出行记录|去过|到过|途经|打卡记录|入住记录|开房记录|行车记录",
        r"gps|location history|location data|whereabouts|itinerary|travel history|geolocation|tracked (?:him|her|me|them)"),
    "financial": (
        "存款|贷款|房贷|车贷|网贷|借贷|征信|信用记录|信用分|芝麻分|逾期|欠款|欠债|负债|债务|收入|工资|月薪|年薪|薪水|薪资|"
        "失业|破产|理财|还不上|还款困难|经济困难|低保|资产|余额不足|账户余额",
        r"credit score|credit report|credit history|salary|income|debts?|loans?|mortgage|overdue|bankrupt(?:cy)?|unemployed|"
        r"lost (?:his|her|my|their) job|savings|bank balance|arrears"),
}
# Words before (up to 4 characters) or right after a trigger that make it something else.
_FACT_NEGATIVE = {
    "financial": re.compile(r"(?:公司|企业|营业|销售|门店|平台|财政|税|company|business|sales|operating|tax)[ ]?$"),
    "biometric": re.compile(r"(?:转|非转)$"),
    "location_track": re.compile(r"(?:产品|市场|品牌|精准|功能|卫星)$"),
    "health": re.compile(r"(?:宠物|狗|猫|dog|cat|pet)[ ]?$"),
}
_FACT_NEGATIVE_AFTER = {
    "location_track": re.compile(r"(?:为|成|于|系统|功能|服务)"),   # 定位为 …: positioning; GPS功能: a feature
    "health": re.compile(r"(?:刀|室外|free|-free)"),                # 手术刀; allergy-free
    "biometric": re.compile(r"(?:锁|门锁)"),                        # 指纹锁: a product
}

_CN_NUM = {"一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9, "十": 10}
_EN_NUM = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten eleven twelve "
                                       "thirteen fourteen fifteen sixteen seventeen eighteen".split())}


def _age_value(s: str) -> int | None:
    if s.isdigit():
        return int(s)
    if s.lower() in _EN_NUM:
        return _EN_NUM[s.lower()]
    if s and all(c in _CN_NUM for c in s):
        if s == "十":
            return 10
        if s.startswith("十"):
            return 10 + _CN_NUM[s[1]] if len(s) == 2 else None
        if len(s) == 1:
            return _CN_NUM[s]
        if s[1] == "十":
            return _CN_NUM[s[0]] * 10 + (_CN_NUM[s[2]] if len(s) == 3 else 0)
    return None


_CHILD_ZH = "孩子|儿子|女儿|小孩|孩|宝宝|孙子|孙女|外孙|外孙女|小朋友|娃|闺女|侄子|侄女|弟弟|妹妹|学生|男孩|女孩"
_CN_AGE = r"(?:\d{1,2}|[一二两三四五六七八九十]{1,3})"
# A child's age (孩子今年8岁, 8岁的儿子) is looked for from each 岁, which is cheap to find.
_AGE_AT = re.compile(rf"(?P<age>{_CN_AGE})周?岁(?:半|多)?$")
_CHILD_BEFORE = re.compile(rf"(?:{_CHILD_ZH})[{CJK}]{{0,4}}?(?:今年|现在|才|刚|已经|已|刚满|满)?$")
_CHILD_AFTER = re.compile(rf"(?:半|多)?的?(?:{_CHILD_ZH})")
# Words for children under 14, each checked around: 上小学 / 小学生 / 小学二年级, 未满十四周岁 / 14岁以下.
_MINOR_ZH_WORDS = ("小学", "幼儿园", "托儿所", "早教班")
_PRIMARY_AFTER = re.compile(r"生|[一二三四五六1-6]年级")
_UNDER_14_BEFORE = ("未满", "不满", "未到", "不到")
# English (on the lower-cased text): son is 9 / a 9-year-old / under 14 / primary school.
_MINOR_EN_WORDS = ("son|daughter|child|kid|boy|girl|grandson|granddaughter|toddler|baby|under|primary school|"
                   "elementary school|kindergarten|year old|years old|year-old|years-old")
_MINOR_EN = re.compile(
    r"(?:son|daughter|child|kid|boy|girl|grandson|granddaughter|toddler|baby)(?![a-z])[^.,;:\n]{0,20}?"
    r"(?<![a-z])(?:is|was|turned|turns|aged|age)\s+(?P<age_en>\d{1,2}|[a-z]+)(?![a-z0-9])(?:\s*(?:years?|yrs?)(?:\s+old)?)?"
    r"|(?P<under_en>under (?:the age of )?(?:14|fourteen)(?![0-9])|primary school|elementary school|kindergarten)")
_EN_AGE_BEFORE = re.compile(r"(?<![a-z0-9])(?P<age>\d{1,2}|[a-z]+)[- ]$")
# Whereabouts: a time, then 在/从/去/到 and a place (3月5日下午3点在东滩湿地公园门口 …).  Times
# that are words are searched for directly, dates (3月5日) from each 月.
_PART_OF_DAY = r"(?:早上|上午|中午|下午|晚上|凌晨|傍晚|夜里)"
_TRACK_REST = re.compile(
    rf"(?:[{CJK}\d]{{0,8}}?(?:{_PART_OF_DAY}|全天|整天|\d{{1,2}}[点时](?:半|\d{{1,2}}分)?))?"
    rf"[{CJK}]{{0,2}}?(?:在|从|去|到|前往|离开)(?!线|意|乎|于|此|这|那)[{CJK}]{{2,}}")
_DAY_AFTER = re.compile(r"\d{1,2}[日号]")
_HOUR_AFTER = re.compile(r"\d{1,2}[点时]")
_FACT_KIND_SET = frozenset(("health", "religion", "biometric", "location_track", "financial"))

_CLAUSE_END = re.compile(r"[。!?\r\n,:;]|\.(?=\s|$)")
_LEAD = re.compile(
    r"[ \t)\]】》」\"”']*(?:(?:该|此|这位)?(?:客户|顾客|用户|会员|消费者|家长|患者|本人|业主|Customer|customer|Client|client)的?[ ]*)?"
    r"(?:(?:来电|来信|留言|致电)?(?:称|说|表示|反映|提到|自述|透露|告知|说明|反馈)[ ]*)?"
    r"(?:在(?:门店|店内|店里|店|柜台|营业厅|网点|前台|现场|线上|网上|官网|APP|app|小程序)(?:里|内|中|上)?)?")
_LEAD_FIRST = frozenset(" \t)]】》」\"”'该此这客顾用会消家患本业Cc来留致称说表反提自透告在")
_ACTION = ("更换|换|停止|取消|删除|注销|退款|退货|退|修改|更改|变更|提供|重开|开具|补开|延期|延迟|暂停|恢复|处理|赔偿|补偿|"
           "退订|告知|如何|怎么|怎样|是否|能否|可否|为什么|为何|查询|核实|撤回|撤销|解除|冻结|安排|发送|寄|回电|联系|转|办理|"
           "分期|减免|免除|投诉|删|改|推荐|帮忙|帮|协助|核对|确认")
# A clause that starts a request or a new topic ends a fact.
_REQUEST = re.compile(
    rf"[ ]*(?:(?:并|并且|现|故|因此|所以|特此|于是|遂|另外|此外|同时|另)"
    rf"|(?:要求|申请|请求|恳请|请|希望|麻烦|询问|问|想|需|需要|打算|准备)?(?:贵司|我司|公司|你们|尽快|立即|马上)?(?:{_ACTION}))"
    r"|[ ]*(?i:(?:and\s+)?(?:please|pls|kindly|asks?\s+(?:us\s+)?to|wants?\s+(?:us\s+)?to|would like|requests?|requesting|"
    r"needs? us to|could you|can you|also|in addition))\b")


@lru_cache(maxsize=1)
def _fact_triggers() -> tuple[re.Pattern, dict]:
    """(English regex on lower-case text, kind -> its regex); the Chinese words are keywords."""
    en_all, en_kind = [], {}
    for kind, (_, en) in FACT_WORDS.items():
        en_all.append(en)
        en_kind[kind] = re.compile(f"(?:{en})$")
    en_all.append(_MINOR_EN_WORDS)
    en_kind["minor"] = re.compile(f"(?:{_MINOR_EN_WORDS})$")
    return re.compile(_by_first_char("|".join(en_all))), en_kind


def _by_first_char(pattern: str) -> str:
    """Group the top-level alternatives of a regex (each starting with a literal letter) by that letter."""
    alts, depth, cur = [], 0, ""
    for ch in pattern:
        depth += ch == "("
        depth -= ch == ")"
        if ch == "|" and depth == 0:
            alts.append(cur)
            cur = ""
        else:
            cur += ch
    alts.append(cur)
    groups: dict[str, list[str]] = {}
    for a in alts:
        groups.setdefault(a[0], []).append(a[1:])
    return "|".join(f + "(?:" + "|".join(rest) + ")" for f, rest in groups.items())


class FactRecognizer(Recognizer):
    """Sensitive facts (PIPL Art. 28) in free text: a trigger (a keyword, a child's age under 14,
    or a time + place phrase for a whereabouts) decides the kind; the span is the clause holding
    the trigger, without the subject before it (客户, a name, 称 …), continued over the following
    comma clauses that elaborate on it, up to a request (要求更换 …, please …), another entity or
    the end of the sentence."""
    name = "art28_fact"
    kinds = FACT_KINDS
    stage = "fact"

    def triggers(self, ctx: ScanContext) -> list[tuple[int, int, str, float]]:
        """(start, end, kind, score) of every trigger, sorted."""
        norm = ctx.norm
        en_re, en_kind = _fact_triggers()
        categories = keyword_categories()[1]
        neg_before, neg_after = _FACT_NEGATIVE, _FACT_NEGATIVE_AFTER
        kept = []
        # The shared keyword pass found the Chinese fact words, the words for young children, 岁
        # (ages), 月 (dates) and time words; each is checked where it stands.
        for s, e, w in ctx.keywords:
            for cat in categories[w]:
                if cat in _FACT_KIND_SET:
                    if cat in neg_before and neg_before[cat].search(norm, s - 10 if s > 10 else 0, s):
                        continue
                    if cat in neg_after and neg_after[cat].match(norm, e):
                        continue
                    kept.append((s, e, cat, 0.85))
                elif cat == "minor":  # 小学, 幼儿园 …
                    a, b = s, e
                    if w == "小学":
                        after = _PRIMARY_AFTER.match(norm, e)
                        if after:
                            b = after.end()
                        elif s and norm[s - 1] in "上读":
                            a = s - (2 if norm.startswith("在读", s - 2) else 1)
                        else:
                            continue
                    kept.append((a, b, "minor", 0.85))
                elif cat == "age":
                    hit = self._age(norm, s)
                    if hit:
                        kept.append(hit)
                elif cat in ("time", "part_of_day", "month"):
                    # Whereabouts: a time (上周六, 下午3点) or a date (3月5日), then a place.
                    a, b = s, e
                    if cat == "month":
                        while a > s - 2 and a > 0 and "0" <= norm[a - 1] <= "9":
                            a -= 1
                        day = _DAY_AFTER.match(norm, e) if a < s else None
                        if day is None:
                            continue
                        b = day.end()
                    elif cat == "part_of_day":
                        hour = _HOUR_AFTER.match(norm, e)
                        if hour is None:
                            continue
                        b = hour.end()
                    elif a and norm[a - 1] == "上" and w[0] in "周星":
                        a -= 1
                    rest = _TRACK_REST.match(norm, b)
                    if rest:
                        kept.append((a, rest.end(), "location_track", 0.7))
        # English words.
        if ctx.has_letters:
            low = ctx.low
            for m in en_re.finditer(low):
                s, e = m.span()
                if (s and "a" <= low[s - 1] <= "z") or (e < len(low) and "a" <= low[e] <= "z"):
                    continue
                word = m.group()
                kind = next(k for k, rx in en_kind.items() if rx.match(word))
                if kind == "minor":
                    hit = self._minor_en(low, s, e, word)
                    if hit:
                        kept.append(hit)
                    continue
                if kind in neg_before and neg_before[kind].search(low, s - 10 if s > 10 else 0, s):
                    continue
                if kind in neg_after and neg_after[kind].match(low, e):
                    continue
                kept.append((s, e, kind, 0.85))
        kept.sort()
        return kept

    @staticmethod
    def _age(norm: str, p: int):
        """A child's age under 14 (孩子今年8岁, 8岁的儿子), or 未满十四周岁 / 14岁以下, around the 岁 at p."""
        age = _AGE_AT.search(norm, p - 5 if p > 5 else 0, p + 1)
        if not age:
            return None
        value = _age_value(age.group("age"))
        if value == 14:
            if norm.startswith("以下", p + 1):
                return (age.start(), p + 3, "minor", 0.85)
            if norm.endswith(_UNDER_14_BEFORE, 0, age.start()):
                return (age.start() - 2, age.end(), "minor", 0.85)
            return None
        if value is None or value >= 14:
            return None
        before = _CHILD_BEFORE.search(norm, max(0, age.start() - 12), age.start())
        if before:
            return (before.start(), age.end(), "minor", 0.9)
        after = _CHILD_AFTER.match(norm, age.end())
        return (age.start(), after.end(), "minor", 0.9) if after else None

    @staticmethod
    def _minor_en(low: str, s: int, e: int, word: str):
        if "old" in word:
            age = _EN_AGE_BEFORE.search(low, max(0, s - 12), s)
            value = _age_value(age.group("age")) if age else None
            return (age.start(), e, "minor", 0.9) if value is not None and value < 14 else None
        m = _MINOR_EN.match(low, s)
        if not m:
            return None
        if m.group("under_en"):
            return (s, m.end(), "minor", 0.85)
        value = _age_value(m.group("age_en"))
        return (s, m.end(), "minor", 0.9) if value is not None and value < 14 else None

    def analyze(self, ctx):
        norm = ctx.norm
        trig = self.triggers(ctx)
        if not trig:
            return []
        ents = ctx.entities
        ent_starts = [c.start for c in ents]
        n_ents = len(ents)
        size = len(norm)
        out: list[Candidate] = []
        covered_to = -1
        bisect_right, bisect_left = bisect.bisect_right, bisect.bisect_left
        for i, (ts, te, kind, score) in enumerate(trig):
            if ts < covered_to:
                continue
            # A trigger inside an entity (a name like Christian, a street 清真路) is not a fact.
            k = bisect_right(ent_starts, ts) - 1
            if k >= 0 and ents[k].end > ts:
                continue
            cs = _clause_start(norm, ts)
            ce = _clause_end(norm, te)
            # The strongest trigger of the same clause decides the kind.
            j = i + 1
            while j < len(trig) and trig[j][0] < ce:
                if trig[j][3] > score:
                    kind, score = trig[j][2], trig[j][3]
                j += 1
            # Start after the last entity before the trigger in this clause, then drop the subject.
            if k >= 0 and ents[k].end > cs:
                cs = ents[k].end
            start = cs
            if norm[cs] in _LEAD_FIRST:
                lead = _LEAD.match(norm, cs).end()
                if lead <= ts:
                    start = lead
            # End before the first entity after the trigger, else at the clause end; then continue
            # over comma clauses until a request, an entity or the end of the sentence.
            end = ce
            n = bisect_left(ent_starts, te)
            next_ent = ents[n].start if n < n_ents else size + 1
            if next_ent < ce:
                end = next_ent
            else:
                while end + 1 < size and norm[end] in ",、":
                    nxt = _clause_end(norm, end + 1)
                    if next_ent < nxt or _REQUEST.match(norm, end + 1):
                        break
                    end = nxt
            while end > start and norm[end - 1] in " \t\r,、:;":
                end -= 1
            if end <= start:
                continue
            covered_to = end
            out.append(Candidate(kind, start, end, score, self.name))
        return out


def _clause_start(norm: str, pos: int) -> int:
    """Just after the last clause delimiter before pos (at most 200 characters back)."""
    lo = pos - 200 if pos > 200 else 0
    rf = norm.rfind
    best = max(rf(",", lo, pos), rf("。", lo, pos), rf("\n", lo, pos), rf(":", lo, pos), rf(";", lo, pos),
               rf("!", lo, pos), rf("?", lo, pos), rf("\r", lo, pos))
    k = rf(". ", best + 1 if best >= 0 else lo, pos)
    if k > best:
        best = k + 1
    return best + 1 if best >= 0 else lo


def _clause_end(norm: str, pos: int) -> int:
    m = _CLAUSE_END.search(norm, pos)
    return m.start() if m else len(norm)


def default_recognizers() -> list[Recognizer]:
    """The registry: entity recognizers first (their order does not matter), then the facts."""
    return [ResidentIdRecognizer(), BankCardRecognizer(), MobileRecognizer(), LandlineRecognizer(),
            UsccRecognizer(), PassportRecognizer(), EmailRecognizer(), IpRecognizer(), PlateRecognizer(),
            BirthDateRecognizer(), ChineseNameRecognizer(), WesternNameRecognizer(), AddressRecognizer(),
            FactRecognizer()]
