"""Letters to customers in bulk: deletion done, transfer to the successor, relocation notice.

    log = generate_letters(case, ids, "transfer", "out/letters",
                           details={"successor_contact": {"email": "privacy@successor.example.com"}},
                           ledger=ledger)
    log.by_channel()

Each customer gets a print-ready HTML letter (A4, no external resources) and a plain-text
version for e-mail or SMS, in zh-CN, en or both; files are named from the customer id and the
letter id, never from a name, and a batch lands in its own folder, renamed into place only when
every letter and the log are written (nothing half-done is ever visible or left behind).  A
mailing log (CSV, UTF-8 with BOM) lists every letter with its channel, the masked recipient and
the SHA-256 of both files, and the ledger records the batch (or each letter) as a "notification".

Speed: each (kind, language, audience, postal or not) is rendered by Jinja once, with markers
where per-customer values go; the rendered page is then cut at the markers and filled for every
customer (values HTML-escaped), so 50,000 letters cost one string join each, not one template
render each.  The plain text is derived from the same rendered page, so the wording of a letter
exists once per language (templates in ``kitlib/templates/letters``; the worded codes for bases,
reasons, methods and categories in ``kitlib/reports/data/letters.toml``).

Legal statements come from the kit's legal reference: PIPL Arts. 17, 22, 28, 31, 44–50 and 47,
the retention bases cited per kept item; a basis the reference marks U is worded as company policy.
"""
from __future__ import annotations

import hashlib
import os
import re
import secrets
import shutil
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date as Date
from datetime import datetime
from functools import lru_cache
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from markupsafe import Markup

from ..atomic import write_text_atomic
from ..dates import to_date
from ..protect.errors import WrongColumn
from ..protect.transforms import mask_column, mask_value
from ..tomlfile import read_toml

__all__ = ["LETTER_KINDS", "LANGUAGES", "CHANNELS", "LOG_COLUMNS", "LetterError", "MailingLog",
           "generate_letters", "mailing_plan"]

LETTER_KINDS = ("deletion_done", "transfer", "relocation")
LANGUAGES = ("zh-CN", "en")
CHANNELS = ("email", "sms", "post", "none")
LOG_COLUMNS = ["customer_id", "letter_id", "kind", "language", "audience", "channel", "recipient",
               "file", "sha256", "text_file", "text_sha256"]
LEDGER_MODES = ("letter", "batch")
LANGUAGE_COLUMN = "letter_language"          # optional customers column overriding the default
TZ = ZoneInfo("Asia/Shanghai")

_KIND_CODES = {"deletion_done": "DEL", "transfer": "TRF", "relocation": "REL"}
_DETAIL_KEYS = {"deletion_done": {"contact", "deleted_on", "method", "reason", "deleted", "kept"},
                "transfer": {"contact", "successor_contact", "transfer_on"},
                "relocation": {"contact", "effective_on"}}
_CONTACT_KEYS = ("phone", "email", "address")
_LANG_ALIASES = {"zh-cn": "zh-CN", "zh": "zh-CN", "zh_cn": "zh-CN", "cn": "zh-CN", "en": "en",
                 "en-us": "en", "en-gb": "en", "both": "both"}
_CHINA = {"中国", "中华人民共和国", "China", "CN", "CHN"}
_ORGANISATION = {"corporate", "organisation", "organization"}
_EMAIL = r"[^@\s]+@[^@\s]+\.[^@\s]+"
_SAFE_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,63}")
_CONTROL = r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ue000\ue001]"   # control characters and our markers
_CONTROL_RE2 = r"[\x00-\x1f\x7f-\x{9f}\x{2028}\x{2029}\x{e000}\x{e001}]"   # the same, for Arrow
_OPEN, _CLOSE = "\ue000", "\ue001"
_SLOT = re.compile("\ue000([a-z_]+)\\|([A-Za-z-]+)\ue001")
_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
           "October", "November", "December")


class LetterError(ValueError):
    """Letters cannot be generated as asked; one line naming the field, key or customer id."""


# -- the mailing log ---------------------------------------------------------------------------

@dataclass
class MailingLog:
    """The letters of one batch: ``frame`` (LOG_COLUMNS), the CSV at ``path``, the ledger entries."""
    frame: pd.DataFrame
    path: Path
    batch_id: str
    kind: str
    ledger_seqs: tuple[int, ...] = field(default=())

    @property
    def count(self) -> int:
        return len(self.frame)

    def by_channel(self) -> pd.Series:
        """Letters per channel (email, sms, post; "none" only when some customer has no contact)."""
        counts = self.frame["channel"].value_counts()
        order = [c for c in CHANNELS if c != "none" or counts.get(c, 0)]
        return counts.reindex(order, fill_value=0).astype(int).rename("letters")

    def verify(self) -> pd.DataFrame:
        """Rows whose HTML or text file is missing or no longer has the logged SHA-256 (empty: all good)."""
        problems = []
        folder = self.path.parent
        for row in self.frame.itertuples(index=False):
            for name, digest in ((row.file, row.sha256), (row.text_file, row.text_sha256)):
                try:
                    actual = hashlib.sha256((folder / name).read_bytes()).hexdigest()
                except FileNotFoundError:
                    problems.append((row.customer_id, name, "missing"))
                    continue
                if actual != digest:
                    problems.append((row.customer_id, name, "changed since it was logged"))
        return pd.DataFrame(problems, columns=["customer_id", "file", "problem"])

    @classmethod
    def load(cls, path) -> "MailingLog":
        """Read a mailing log CSV written by ``generate_letters``."""
        path = Path(path)
        try:
            frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        except FileNotFoundError:
            raise LetterError(f"{path.name}: no such mailing log") from None
        missing = [c for c in LOG_COLUMNS if c not in frame.columns]
        if missing:
            raise LetterError(f"{path.name}: not a mailing log (no column {missing[0]!r})")
        kinds = frame["kind"].unique()
        batch = frame["letter_id"].str.split("-").str[1:3].str.join("-").unique()
        return cls(frame, path, batch[0] if len(batch) else "", kinds[0] if len(kinds) else "")


# -- wording, templates -------------------------------------------------------------------------

@lru_cache(maxsize=1)
def _vocab() -> dict:
    path = Path(str(resources.files("kitlib").joinpath("reports", "data", "letters.toml")))
    return read_toml(path, LetterError)


def _date_zh(value) -> str:
    d = _as_date(value, "date")
    return f"{d.year}年{d.month}月{d.day}日"


def _date_en(value) -> str:
    d = _as_date(value, "date")
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


def _capfirst(value):
    text = str(value)
    out = text[:1].upper() + text[1:]
    return Markup(out) if isinstance(value, Markup) else out


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    def load(name: str) -> str:
        return resources.files("kitlib").joinpath("templates", "letters", name).read_text(encoding="utf-8")

    env = jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=True,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             undefined=jinja2.StrictUndefined)
    env.filters.update(date_zh=_date_zh, date_en=_date_en, capfirst=_capfirst)
    return env


class _Slots:
    """Template values filled per customer: ``v.name`` renders as a marker, cut out afterwards."""

    def __init__(self, lang: str):
        self._lang = lang

    def __getattr__(self, name: str) -> Markup:
        if name.startswith("_"):
            raise AttributeError(name)
        return Markup(f"{_OPEN}{name}|{self._lang}{_CLOSE}")


def _compile(text: str) -> tuple[list[str], list[tuple[str, str]]]:
    """(literals, slot keys) of a rendered page: literal, slot, literal, ..., literal."""
    pieces = _SLOT.split(text)
    literals, keys = pieces[0::3], list(zip(pieces[1::3], pieces[2::3]))
    if any(_OPEN in lit or _CLOSE in lit for lit in literals):
        raise LetterError("a template slot is malformed (characters U+E000/U+E001 are reserved)")
    return literals, keys


def _fill(compiled, columns: dict, i: int) -> str:
    literals, keys = compiled
    parts = [literals[0]]
    for key, literal in zip(keys, literals[1:]):
        parts.append(columns[key][i])
        parts.append(literal)
    return "".join(parts)


class _PlainText(HTMLParser):
    """The readable text of a letter page: paragraphs, list items as "- ", table cells joined by " | "."""
    _SKIP = {"head", "style", "script", "title"}
    _BLOCKS = {"p", "div", "h1", "h2", "h3", "ul", "ol", "table", "header", "footer", "article", "section"}

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.lines: list[str] = []
        self._text: list[str] = []
        self._prefix = ""
        self._skip = 0
        self._cells = 0

    def _flush(self) -> None:
        text = " ".join("".join(self._text).split())
        if text:
            self.lines.append(self._prefix + text)
        self._text, self._prefix = [], ""

    def handle_starttag(self, tag, attrs):
        if tag in self._SKIP:
            self._skip += 1
        elif tag == "br":
            self._flush()
        elif tag == "li":
            self._flush()
            self._prefix = "- "
        elif tag == "tr":
            self._flush()
            self._cells = 0
        elif tag in ("td", "th"):
            if self._cells:
                self._text.append(" | ")
            self._cells += 1
        elif tag == "hr":
            self._flush()
            self.lines += ["", "—" * 24, ""]
        elif tag in self._BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self._SKIP:
            self._skip -= 1
        elif tag in ("li", "tr"):
            self._flush()
        elif tag in self._BLOCKS:
            self._flush()
            if tag not in ("div", "header", "article", "section"):
                self.lines.append("")

    def handle_data(self, data):
        if not self._skip:
            self._text.append(data)


def _to_text(page: str) -> str:
    parser = _PlainText()
    parser.feed(page)
    parser.close()
    parser._flush()
    out: list[str] = []
    for line in parser.lines:
        if line or (out and out[-1]):
            out.append(line)
    return "\n".join(out).strip() + "\n"


# -- checking input ------------------------------------------------------------------------------

def _as_date(value, what: str) -> Date:
    day = to_date(value)
    if day is None:
        raise LetterError(f"{what}: {value!r} is not a date (use YYYY-MM-DD)")
    return day


def _clean_text(value) -> str:
    """A single line of text: control characters dropped, spaces collapsed."""
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return ""
    return " ".join(re.sub(_CONTROL, " ", str(value)).split())


def _arrow(values) -> pa.Array:
    arr = pa.array(values, type=pa.string(), from_pandas=True)
    return arr.combine_chunks() if isinstance(arr, pa.ChunkedArray) else arr


def _clean(series: pd.Series) -> pd.Series:
    """Each value as one line of text ("" if missing), like ``_clean_text`` but a column at a time."""
    arr = _arrow(series.astype("string"))
    arr = pc.replace_substring_regex(arr, _CONTROL_RE2, " ")
    arr = pc.utf8_trim_whitespace(pc.replace_substring_regex(arr, r"[\s\pZ]+", " "))
    return pd.Series(arr.fill_null("").to_numpy(zero_copy_only=False), index=series.index, dtype=object)


def _escaped(values: np.ndarray) -> np.ndarray:
    """HTML-escaped text (as ``markupsafe.escape``: & < > ' "), a column at a time."""
    arr = _arrow(values)
    for char, entity in (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ("'", "&#39;"), ('"', "&#34;")):
        arr = pc.replace_substring(arr, char, entity)
    return arr.to_numpy(zero_copy_only=False)


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    if name in frame.columns:
        return _clean(frame[name])
    return pd.Series([""] * len(frame), index=frame.index, dtype=object)


def _flag(frame: pd.DataFrame, name: str) -> np.ndarray:
    if name not in frame.columns:
        return np.zeros(len(frame), dtype=bool)
    s = frame[name]
    if pd.api.types.is_bool_dtype(s):
        return s.fillna(False).to_numpy(dtype=bool)
    return _clean(s).str.lower().isin(["true", "1", "yes", "y", "是"]).to_numpy(dtype=bool)


def _lang_code(value, where: str) -> str:
    code = _LANG_ALIASES.get(str(value).strip().lower()) if value is not None else None
    if code is None:
        raise LetterError(f"{where}: language {value!r} is not one of zh-CN, en, both")
    return code


def _pair(value, where: str, table: str) -> tuple[str, str]:
    """(zh, en) wording for a code of ``letters.toml`` [table] or an explicit {"zh": …, "en": …}."""
    if isinstance(value, Mapping):
        zh, en = _clean_text(value.get("zh")), _clean_text(value.get("en"))
        if not zh or not en:
            raise LetterError(f"{where}: give both 'zh' and 'en' wording")
        return zh, en
    words = _vocab()[table].get(str(value))
    if words is None:
        raise LetterError(f"{where}: unknown {table} {value!r}; use one of "
                          f"{', '.join(_vocab()[table])} or {{'zh': ..., 'en': ...}}")
    return words["zh"], words["en"]


def _contact(value, where: str, default: dict | None = None) -> dict:
    if value is None:
        if default is None:
            raise LetterError(f"{where} is missing: give at least one of {', '.join(_CONTACT_KEYS)}")
        return default
    if not isinstance(value, Mapping):
        raise LetterError(f"{where}: expected a dict with {', '.join(_CONTACT_KEYS)}, got {type(value).__name__}")
    unknown = [k for k in value if k not in _CONTACT_KEYS]
    if unknown:
        raise LetterError(f"{where}: unknown key {unknown[0]!r}; use {', '.join(_CONTACT_KEYS)}")
    out = {k: _clean_text(value.get(k)) for k in _CONTACT_KEYS}
    if not any(out.values()):
        raise LetterError(f"{where}: give at least one of {', '.join(_CONTACT_KEYS)}")
    return out


def _select(case, customer_ids) -> pd.DataFrame:
    """The customers rows in the order asked (duplicates dropped), or LetterError naming an id."""
    customers = case["customers"]
    ids = customers["customer_id"].astype(str)
    index = pd.Index(ids)
    if index.has_duplicates:
        raise LetterError(f"case customers: customer id {index[index.duplicated()][0]!r} appears twice")
    if customer_ids is None:
        wanted = list(ids)
    else:
        if isinstance(customer_ids, str):
            customer_ids = [customer_ids]
        wanted = list(dict.fromkeys(str(c).strip() for c in customer_ids))
    if not wanted:
        raise LetterError("customer_ids is empty: no letters to generate")
    positions = index.get_indexer(wanted)
    unknown = [w for w, p in zip(wanted, positions) if p < 0]
    if unknown:
        more = f" ({len(unknown)} unknown ids)" if len(unknown) > 1 else ""
        raise LetterError(f"customer id {unknown[0]!r} is not in the case{more}")
    unsafe = [w for w in wanted if not _SAFE_ID.fullmatch(w)]
    if unsafe:
        raise LetterError(f"customer id {unsafe[0]!r} cannot name a file (letters, digits, - and _ only)")
    return customers.iloc[positions].reset_index(drop=True)


# -- who, in which language, by which channel ----------------------------------------------------

def _languages(frame: pd.DataFrame, lang) -> np.ndarray:
    nationality = _column(frame, "nationality")
    out = np.where((nationality != "") & ~nationality.isin(_CHINA), "en", "zh-CN").astype(object)
    if LANGUAGE_COLUMN in frame.columns:
        chosen = _column(frame, LANGUAGE_COLUMN)
        for i in np.flatnonzero((chosen != "").to_numpy()):
            out[i] = _lang_code(chosen.iat[i], f"customers.{LANGUAGE_COLUMN} of {frame['customer_id'].iat[i]}")
    if lang is None:
        return out
    if isinstance(lang, str):
        out[:] = _lang_code(lang, "lang")
        return out
    if isinstance(lang, (Mapping, pd.Series)):
        position = {cid: i for i, cid in enumerate(frame["customer_id"].astype(str))}
        for cid, value in lang.items():
            if str(cid) in position:
                out[position[str(cid)]] = _lang_code(value, f"lang for customer {cid}")
        return out
    raise LetterError(f"lang: expected zh-CN, en, both, or a mapping of customer id to language, "
                      f"got {type(lang).__name__}")


def _masked(values: pd.Series, kind: str) -> pd.Series:
    if values.empty:
        return values
    try:
        return mask_column(values, kind)
    except WrongColumn:
        return values.map(lambda v: mask_value(v, kind))


def _channels(frame: pd.DataFrame, minor: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(channel, masked recipient, postal address or "") per customer: e-mail, else SMS, else post."""
    email = _column(frame, "email")
    email = email.where(email.str.fullmatch(_EMAIL) & ~minor, "")   # a child's own e-mail is not the guardian's
    mobile = pd.Series(np.where(minor, _column(frame, "guardian_mobile"), _column(frame, "mobile")),
                       index=frame.index, dtype=object)
    address = _column(frame, "address")
    channel = np.select([email != "", mobile != "", address != ""], ["email", "sms", "post"], "none").astype(object)
    masked = pd.Series(np.full(len(frame), "", dtype=object), index=frame.index)
    for name, values, kind in (("email", email, "email"), ("sms", mobile, "cn_mobile"), ("post", address, "address")):
        chosen = channel == name
        if chosen.any():
            masked[chosen] = _masked(values[chosen], kind).to_numpy()
    # A value opening with = + - @ would be a formula when the log is opened in a spreadsheet.
    masked = masked.where(~masked.str.match(r"[=+\-@]"), "'" + masked)
    return channel, masked.to_numpy(dtype=object), np.where(channel == "post", address, "").astype(object)


def _people(frame: pd.DataFrame, lang) -> pd.DataFrame:
    """Per customer: audience, language, channel, masked recipient, and the parts of the salutation."""
    vocab = _vocab()
    fallback, relations, honorific = vocab["fallback"], vocab["relation"], vocab["honorific"]
    organisation = _column(frame, "customer_type").str.lower().isin(_ORGANISATION).to_numpy()
    minor = _flag(frame, "is_minor") & ~organisation
    channel, recipient, postal_address = _channels(frame, minor)

    name, company = _column(frame, "name"), _column(frame, "company_name")
    guardian, relation = _column(frame, "guardian_name"), _column(frame, "guardian_relation")
    sexes = {spelled: sex for sex, h in honorific.items() for spelled in h["spelled"]}
    own_sex = _column(frame, "gender").map(lambda g: sexes.get(g, sexes.get(g.lower(), "")))
    guardian_sex = relation.map(lambda r: relations.get(r, {}).get("sex", ""))
    sex = np.where(minor, guardian_sex, np.where(organisation, "", own_sex))
    organisation_name = np.where(company != "", company, name)

    def addressee(lang_suffix: str) -> np.ndarray:
        parent = np.where(guardian != "", guardian, fallback[f"guardian_{lang_suffix}"])
        return np.where(organisation, organisation_name, np.where(minor, parent, name))

    return pd.DataFrame({
        "customer_id": frame["customer_id"].astype(str).to_numpy(),
        "audience": np.where(organisation, "organisation", np.where(minor, "minor", "individual")).astype(object),
        "language": _languages(frame, lang),
        "channel": channel,
        "recipient": recipient,
        "addressee_zh": addressee("zh"),
        "addressee_en": addressee("en"),
        "honorific_zh": [honorific[s]["zh"] if s else "" for s in sex],
        "honorific_en": [honorific[s]["en"] + " " if s else "" for s in sex],
        "child": np.where(minor, name, ""),
        "relation_zh": np.where(minor, np.where(relation != "", relation, fallback["relation_zh"]), ""),
        "relation_en": np.where(minor, relation.map(lambda r: relations.get(r, {}).get("en", fallback["relation_en"])),
                                ""),
        "attn": np.where(organisation, name, ""),
        "postal_address": postal_address,
    })


def mailing_plan(case, customer_ids=None, *, lang=None) -> pd.DataFrame:
    """Who would get a letter, in which language, by which channel, to which (masked) recipient.

    Channel: e-mail if the record has one, else SMS to the mobile, else post to the address
    ("none" if it has none of them); a child under 14 (is_minor) is written to through the
    guardian's mobile or by post to the guardian at the child's address (PIPL Art. 31).
    Language: ``lang`` (one code, or a mapping of customer id to code) over the customers column
    ``letter_language`` over the default: en for a foreign nationality, else zh-CN (Chinese
    nationals, and records without one, such as organisations).
    """
    people = _people(_select(case, customer_ids), lang)
    return people[["customer_id", "audience", "language", "channel", "recipient"]]


# -- what each kind says -------------------------------------------------------------------------

def _company(case) -> dict:
    c = case.company
    return {k: _clean_text(c.get(k)) for k in ("name_zh", "name_en", "registered_address",
                                                "new_registered_address", "successor")}


def _step_date(case, step: str):
    timeline = case["timeline"]
    rows = timeline.loc[timeline["step"] == step, "date"]
    return None if rows.empty or pd.isna(rows.iloc[0]) else _as_date(rows.iloc[0], f"timeline {step}")


def _check_details(kind: str, details) -> dict:
    if details is None:
        details = {}
    if not isinstance(details, Mapping):
        raise LetterError(f"details: expected a dict, got {type(details).__name__}")
    unknown = sorted(set(details) - _DETAIL_KEYS[kind])
    if unknown:
        raise LetterError(f"details: unknown key {unknown[0]!r} for {kind} letters; "
                          f"use {', '.join(sorted(_DETAIL_KEYS[kind]))}")
    return dict(details)


def _kept_what(item: Mapping, at: str) -> tuple[str, str]:
    """(zh, en) of what is kept: ``item`` as a basis or category code or {zh, en}; default: the basis's item."""
    vocab = _vocab()
    what = item.get("item", item["basis"])
    if isinstance(what, Mapping):
        return _pair(what, f"{at}['item']", "basis")
    if str(what) in vocab["basis"]:
        return vocab["basis"][str(what)]["item_zh"], vocab["basis"][str(what)]["item_en"]
    if str(what) in vocab["category"]:
        return _pair(what, f"{at}['item']", "category")
    if "item" in item:
        raise LetterError(f"{at}['item']: unknown item {what!r}; use a basis or category code "
                          "or {'zh': ..., 'en': ...}")
    raise LetterError(f"{at}: give 'item' (what is kept) when 'basis' is your own wording")


def _kept_items(items, where: str, deleted_on: Date) -> tuple:
    """Normalised kept items: ((item_zh, item_en, basis_zh, basis_en, until, company_policy), ...)."""
    if isinstance(items, (str, Mapping)) or not hasattr(items, "__iter__"):
        raise LetterError(f"{where}: expected a list of {{'basis': ..., 'until': ...}} items")
    out = []
    for n, item in enumerate(items):
        at = f"{where}[{n}]"
        if not isinstance(item, Mapping):
            raise LetterError(f"{at}: expected a dict with 'basis' and 'until'")
        unknown = sorted(set(item) - {"item", "basis", "until"})
        if unknown:
            raise LetterError(f"{at}: unknown key {unknown[0]!r}; use item, basis, until")
        missing = [k for k in ("basis", "until") if k not in item]
        if missing:
            raise LetterError(f"{at}: {missing[0]} is missing")
        basis_zh, basis_en = _pair(item["basis"], f"{at}['basis']", "basis")
        item_zh, item_en = _kept_what(item, at)
        until = _as_date(item["until"], f"{at}['until']")
        if until <= deleted_on:
            raise LetterError(f"{at}['until']: {until} is not after deleted_on {deleted_on}: "
                              "what is no longer needed is deleted, not kept")
        known = None if isinstance(item["basis"], Mapping) else _vocab()["basis"][str(item["basis"])]
        out.append((item_zh, item_en, basis_zh, basis_en, until, bool(known and known["certainty"] == "U")))
    return tuple(out)


def _deletion_facts(case, frame: pd.DataFrame, details: dict, date: Date) -> dict:
    if "deleted_on" not in details:
        raise LetterError("details['deleted_on'] is missing: the date the information was deleted")
    deleted_on = _as_date(details["deleted_on"], "details['deleted_on']")
    if deleted_on > date:
        raise LetterError(f"details['deleted_on']: {deleted_on} is after the letter date {date}; "
                          "a deletion letter reports a deletion already done")
    if "method" not in details:
        raise LetterError("details['method'] is missing: how it was deleted "
                          f"({', '.join(_vocab()['method'])})")
    methods = details["method"]
    methods = [methods] if isinstance(methods, (str, Mapping)) else list(methods)
    if not methods:
        raise LetterError("details['method'] is empty")
    method_words = [_pair(m, f"details['method'][{n}]", "method") for n, m in enumerate(methods)]
    reason = details.get("reason")
    if reason is None:
        if case.company["scenario"] != "dissolution":
            raise LetterError("details['reason'] is missing: why the information was deleted "
                              f"({', '.join(_vocab()['reason'])})")
        reason = "service_ended"            # PIPL Art. 47: ceasing business at dissolution
    reason_words = _pair(reason, "details['reason']", "reason")

    ids = frame["customer_id"].astype(str).tolist()
    return {"deleted_on": deleted_on, "methods": method_words, "reason": reason_words,
            "kept": _kept_per_customer(details.get("kept", []), ids, deleted_on),
            "deleted": _deleted_per_customer(case, frame, details.get("deleted"), ids)}


def _kept_per_customer(kept, ids: list[str], deleted_on: Date) -> list[tuple]:
    """One kept list for everyone, or a mapping of customer id to its own list (absent: nothing kept)."""
    if isinstance(kept, Mapping):
        return [_kept_items(kept.get(cid, []), f"details['kept'][{cid!r}]", deleted_on) for cid in ids]
    return [_kept_items(kept, "details['kept']", deleted_on)] * len(ids)


def _deleted_per_customer(case, frame: pd.DataFrame, deleted, ids: list[str]) -> list[tuple]:
    """What was deleted: the caller's list (for everyone or per customer id), else what each record held."""
    if deleted is None:
        return _held_categories(case, frame)
    if isinstance(deleted, Mapping):
        out = [tuple(_pair(c, f"details['deleted'][{cid!r}]", "category") for c in deleted.get(cid, []))
               for cid in ids]
        empty = [cid for cid, d in zip(ids, out) if not d]
        if empty:
            raise LetterError(f"details['deleted']: nothing listed for customer id {empty[0]!r}")
        return out
    items = [deleted] if isinstance(deleted, (str, Mapping)) else list(deleted)
    if not items:
        raise LetterError("details['deleted'] is empty: list what was deleted")
    return [tuple(_pair(c, f"details['deleted'][{n}]", "category") for n, c in enumerate(items))] * len(ids)


def _held_categories(case, frame: pd.DataFrame) -> list[tuple]:
    """Per customer, the (zh, en) of every category its record holds: a value in one of the
    category's customers columns, or a row in the category's table (e.g. tickets)."""
    names, columns = [], []
    for spec in _vocab()["category"].values():
        present = [c for c in spec.get("columns", []) if c in frame.columns]
        if present:
            held = np.zeros(len(frame), dtype=bool)
            for c in present:
                held |= (_column(frame, c) != "").to_numpy(dtype=bool)
        elif spec.get("table") in case.tables:
            held = frame["customer_id"].isin(case[spec["table"]]["customer_id"]).to_numpy(dtype=bool)
        else:
            continue
        names.append((spec["zh"], spec["en"]))
        columns.append(held)
    matrix = np.column_stack(columns) if columns else np.zeros((len(frame), 0), dtype=bool)
    combos: dict[bytes, tuple] = {}
    out = []
    for row in matrix:
        key = row.tobytes()
        if key not in combos:
            combos[key] = tuple(name for name, on in zip(names, row) if on)
        out.append(combos[key])
    return out


def _batch_context(kind: str, case, frame: pd.DataFrame, details: dict, date: Date) -> dict:
    """Everything the same for the whole batch, plus per-customer deletion facts."""
    co = _company(case)
    scenario = case.company["scenario"]
    current_address = co["new_registered_address"] or co["registered_address"]
    own = {"phone": "", "email": "", "address": current_address}
    given = _contact(details.get("contact"), "details['contact']", own)
    ctx = {"co": co, "date": date, "contact": {k: given[k] or own[k] for k in _CONTACT_KEYS}}
    if kind == "transfer":
        if not co["successor"]:
            raise LetterError(f"transfer letters need company.successor; this {scenario} case has none "
                              "(only a dissolution passes information to a successor, PIPL Art. 22)")
        ctx["successor_contact"] = _contact(details.get("successor_contact"), "details['successor_contact']")
        ctx["decision_date"] = _as_date(case.company["decision_date"], "company.decision_date")
        ctx["service_end"] = _step_date(case, "service_end")
        ctx["transfer_on"] = (_as_date(details["transfer_on"], "details['transfer_on']")
                              if details.get("transfer_on") is not None else None)
    elif kind == "relocation":
        if not co["new_registered_address"]:
            raise LetterError(f"relocation letters need company.new_registered_address; this {scenario} "
                              "case has none")
        effective = details.get("effective_on")
        effective = case.company["address_cancelled_on"] if effective is None else effective
        ctx["effective_on"] = _as_date(effective, "details['effective_on']")
        ctx["moved"] = ctx["effective_on"] <= date
    else:
        ctx.update(_deletion_facts(case, frame, details, date))
    return ctx


# -- rendering -----------------------------------------------------------------------------------

def _lang_context(ctx: dict, lang: str) -> dict:
    """The batch context with the worded codes in one language."""
    out = dict(ctx)
    pick = 0 if lang == "zh-CN" else 1
    if "methods" in ctx:
        out["methods"] = [m[pick] for m in ctx["methods"]]
        out["reason"] = ctx["reason"][pick]
    for key in ("kept", "deleted"):
        out.pop(key, None)
    return out


def _render_page(kind: str, ctx: dict, langs: tuple[str, ...], audience: str, postal: bool) -> str:
    env = _env()
    sections = []
    for lang in langs:
        body = env.get_template(f"{kind}.{lang}.html.j2").render(
            **_lang_context(ctx, lang), v=_Slots(lang), audience=audience, postal=postal)
        sections.append({"lang": lang, "body": Markup(body)})
    title = Markup(f"{_OPEN}letter_id|{langs[0]}{_CLOSE}")
    return env.get_template("page.html.j2").render(sections=sections, title=title,
                                                   html_lang=langs[0])


def _fragment_columns(ctx: dict, langs_needed: set[str], n: int) -> tuple[dict, dict]:
    """HTML and text columns of the deleted and kept blocks, rendered once per distinct content."""
    html_cols, text_cols = {}, {}
    env = _env()
    for lang in langs_needed:
        pick = 0 if lang == "zh-CN" else 1
        macros = env.get_template(f"common.{lang}.html.j2").module
        for name in ("deleted_block", "kept_block"):
            cache: dict = {}
            html_col, text_col = np.empty(n, dtype=object), np.empty(n, dtype=object)
            values = ctx["deleted"] if name == "deleted_block" else ctx["kept"]
            for i, value in enumerate(values):
                if value not in cache:
                    if name == "deleted_block":
                        html = macros.deleted_block([pair[pick] for pair in value])
                    else:
                        items = [{"item": k[pick], "basis": k[2 + pick], "until": k[4]} for k in value]
                        html = macros.kept_block(items, any(k[5] for k in value))
                    cache[value] = (str(html), _to_text(str(html)))    # ends "\n": a blank line follows
                html_col[i], text_col[i] = cache[value]
            html_cols[(name, lang)], text_cols[(name, lang)] = html_col, text_col
    return html_cols, text_cols


def _slot_columns(people: pd.DataFrame, letter_ids: np.ndarray) -> dict:
    """Raw per-customer values by (slot, language)."""
    cols = {}
    for lang in LANGUAGES:
        suffix = "zh" if lang == "zh-CN" else "en"
        cols.update({("letter_id", lang): letter_ids,
                     ("customer_id", lang): people["customer_id"].to_numpy(dtype=object),
                     ("addressee", lang): people[f"addressee_{suffix}"].to_numpy(dtype=object),
                     ("honorific", lang): people[f"honorific_{suffix}"].to_numpy(dtype=object),
                     ("relation", lang): people[f"relation_{suffix}"].to_numpy(dtype=object),
                     ("child", lang): people["child"].to_numpy(dtype=object),
                     ("attn", lang): people["attn"].to_numpy(dtype=object),
                     ("postal_address", lang): people["postal_address"].to_numpy(dtype=object)})
    return cols


def _write_new(path: str, data: bytes) -> None:
    """Create ``path`` (0600; never overwrite) in the private staging folder and write ``data``."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        try:
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
        finally:
            os.close(fd)
    except OSError as exc:
        exc.filename = path
        raise


def _columns(kind: str, ctx: dict, people: pd.DataFrame, letter_ids: np.ndarray) -> tuple[dict, dict]:
    """Per-customer slot values by (slot, language): HTML-escaped, and as plain text."""
    raw = _slot_columns(people, letter_ids)
    html_cols = {key: _escaped(values) for key, values in raw.items()}
    text_cols = dict(raw)
    if kind == "deletion_done":
        needed = {code for value in set(people["language"]) for code in (LANGUAGES if value == "both" else (value,))}
        fragments_html, fragments_text = _fragment_columns(ctx, needed, len(people))
        html_cols.update(fragments_html)
        text_cols.update(fragments_text)
    return html_cols, text_cols


def _write_letters(kind: str, ctx: dict, people: pd.DataFrame, letter_ids: np.ndarray,
                   folder: Path) -> dict[str, list[str]]:
    """Fill and write every letter into ``folder``; their file names and SHA-256s."""
    html_cols, text_cols = _columns(kind, ctx, people, letter_ids)
    variants: dict[tuple, tuple] = {}
    languages = people["language"].tolist()
    audience = people["audience"].tolist()
    postal = (people["channel"] == "post").tolist()
    ids = people["customer_id"].tolist()
    folder = str(folder)
    out = {"file": [], "sha256": [], "text_file": [], "text_sha256": []}
    for i in range(len(ids)):
        key = (languages[i], audience[i], postal[i])
        if key not in variants:
            page = _render_page(kind, ctx, LANGUAGES if key[0] == "both" else (key[0],), key[1], key[2])
            variants[key] = (_compile(page), _compile(_to_text(page)))
        page_tpl, text_tpl = variants[key]
        stem = f"{ids[i]}_{letter_ids[i]}"
        for name, sha, suffix, data in (
                ("file", "sha256", ".html", _fill(page_tpl, html_cols, i).encode("utf-8")),
                ("text_file", "text_sha256", ".txt", _fill(text_tpl, text_cols, i).encode("utf-8"))):
            path = os.path.join(folder, stem + suffix)
            _write_new(path, data)
            out[name].append(stem + suffix)
            out[sha].append(hashlib.sha256(data).hexdigest())
    return out


# -- the entry point -----------------------------------------------------------------------------

def generate_letters(case, customer_ids, kind: str, out_dir, *, details: dict | None = None, lang=None,
                     ledger=None, actor: str = "kit", date=None, ledger_entries: str = "letter") -> MailingLog:
    """Write one letter per customer (``<customer_id>_<letter_id>.html`` and ``.txt``) and the
    mailing log ``mailing_log_<kind>_<batch>.csv`` into the new folder ``out_dir/<kind>_<batch>``
    (it appears complete or not at all); record them in ``ledger``.

    kind: deletion_done, transfer or relocation.  customer_ids: ids of ``case["customers"]``
    (None: every customer; repeats are dropped).  date: the letter date (default: today in Shanghai).
    lang: zh-CN, en, both, or a mapping of customer id to one of them (see ``mailing_plan``).
    details (all optional unless said):
      every kind: ``contact`` {phone, email, address} of the company (default: its current address);
      deletion_done: ``deleted_on`` (required), ``method`` (required: delete, crypto_shred, clear,
        purge, destroy, or {zh, en}; one or a list), ``reason`` (service_ended, purpose,
        retention_expired, consent_withdrawn, request; default service_ended for a dissolution),
        ``deleted`` (category codes or {zh, en}, a list or a mapping per customer id; default: the
        categories the customer's record holds), ``kept`` (list, or mapping per customer id, of
        {"basis": code of the case catalogue or {zh, en}, "until": date, "item": optional});
      transfer: ``successor_contact`` (required), ``transfer_on``;
      relocation: ``effective_on`` (default: the day the Chongming address is cancelled).
    ledger_entries: "letter" (the default: one notification per letter with its id, channel,
      language and SHA-256, written in one transaction: a customer's own entry proves what they
      were sent) or "batch" (one notification for the operation listing every customer and binding
      the mailing log, hence each letter's SHA-256, by the log's SHA-256).  An entry
      records letters as issued for their channel; delivery is for the mail house's report.
    """
    if kind not in LETTER_KINDS:
        raise LetterError(f"unknown letter kind {kind!r}: use one of {', '.join(LETTER_KINDS)}")
    if ledger_entries not in LEDGER_MODES:
        raise LetterError(f"ledger_entries: {ledger_entries!r} is not one of {', '.join(LEDGER_MODES)}")
    if ledger is not None and (not isinstance(actor, str) or not actor.strip()):
        raise LetterError(f"actor must be non-empty text (who issues the letters), got {actor!r}")
    date = datetime.now(TZ).date() if date is None else _as_date(date, "date")
    details = _check_details(kind, details)
    frame = _select(case, customer_ids)
    people = _people(frame, lang)
    ctx = _batch_context(kind, case, frame, details, date)

    batch = f"{date:%Y%m%d}-{secrets.token_hex(3).upper()}"
    letter_ids = np.array([f"{_KIND_CODES[kind]}-{batch}-{i:06d}" for i in range(1, len(people) + 1)],
                          dtype=object)
    # The batch is written into a private staging folder that is renamed into place when complete:
    # a reader sees every letter and the log, or nothing; one file creation per file, no overwrites.
    out_dir = Path(out_dir)
    name = f"{kind}_{batch}"
    staging, final = out_dir / f".{name}.partial", out_dir / name
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        staging.mkdir(mode=0o700)
        files = _write_letters(kind, ctx, people, letter_ids, staging)
        log = people.assign(letter_id=letter_ids, kind=kind, **files)[LOG_COLUMNS]
        write_text_atomic(staging / f"mailing_log_{name}.csv", log.to_csv(index=False, lineterminator="\n"),
                          encoding="utf-8-sig")
        os.replace(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        where = Path(getattr(exc, "filename", None) or out_dir).name
        raise LetterError(f"{where}: cannot write the letters: {exc.strerror or exc}") from None
    log_path = final / f"mailing_log_{name}.csv"

    result = MailingLog(log, log_path, batch, kind)
    if ledger is not None:
        result.ledger_seqs = _record(ledger, result, actor, ledger_entries)
    return result


def _record(ledger, log: MailingLog, actor: str, mode: str) -> tuple[int, ...]:
    """Notification entries: subjects are customer ids (the ledger stores pseudonyms); details hold
    no contact details, only what identifies the letter and proves its content."""
    frame = log.frame
    if mode == "batch":
        details = {"kind": log.kind, "batch": log.batch_id, "letters": log.count,
                   "by_channel": {k: int(v) for k, v in log.by_channel().items()},
                   "by_language": {k: int(v) for k, v in frame["language"].value_counts().items()},
                   "mailing_log": log.path.name,
                   "mailing_log_sha256": hashlib.sha256(log.path.read_bytes()).hexdigest()}
        return (ledger.append("notification", actor=actor, subjects=frame["customer_id"].tolist(),
                              details=details).seq,)
    entries = ledger.append_many({"type": "notification", "actor": actor, "subjects": [row.customer_id], "details": {
        "kind": row.kind, "letter_id": row.letter_id, "batch": log.batch_id, "channel": row.channel,
        "language": row.language, "sha256": row.sha256, "text_sha256": row.text_sha256}}
        for row in frame.itertuples(index=False))
    return tuple(e.seq for e in entries)
