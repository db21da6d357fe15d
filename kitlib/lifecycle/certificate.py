"""The destruction certificate: a print-ready page that says what was destroyed, how, by whom,
before which witness, how it was verified — and which ledger entries prove it.

``destruction_certificate(report, ledger=..., who=..., witness=..., date=..., company=...)``
renders A4 HTML (no external assets, every value escaped by Jinja2) in Chinese and English.
Everything it states comes from the ledger entries, not from the caller's objects: the
certificate shows what the ledger records.  Its number, ``DC-<year>-<seq>``, is the seq of the
entry that binds the job (the job entry, or the single step's entry), and every step's entry
appears with its hash, so ``check_certificate(html_or_path, ledger)`` can confirm that each hash
is in the ledger, is a destruction entry with that seq, that the printed totals match the
entries, and that the chain verifies.

The form follows the certificate fields of NIST SP 800-88 Rev. 1 Appendix G (who sanitised:
name, title, organisation, location, phone; the media; method type and method, tool and
version, verification method, post-sanitisation classification; destination; signature;
validation), because the kit's legal reference lists those and marks the Rev. 2 (September 2025)
fields as not verified.

A certificate is refused (CertificateError) when an entry is not in the ledger or not a
destruction entry, when the ledger does not verify, or when the verification found residue or
left files unread: destroy the remaining copies and verify again first.
"""
from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2

from .. import __version__
from ..atomic import write_text_atomic
from .destroy import CATEGORIES, METHODS, PAPER_METHODS, DestructionReport
from .residue import VERIFICATION_METHOD, ResidueReport

__all__ = ["CertificateError", "CertificateCheck", "destruction_certificate", "write_certificate",
           "check_certificate", "certificate_number", "TABLE_LABELS"]

TZ = ZoneInfo("Asia/Shanghai")
TEMPLATE = "destruction_certificate.html.j2"
TABLE_LABELS = {
    "customers": ("客户主数据(身份、联系方式、证件号码、银行卡)", "customer master data (identity, contact, ID documents, bank cards)"),
    "accounts": ("账户与合同", "accounts and contracts"),
    "orders": ("订单与发票", "orders and invoices"),
    "consents": ("同意记录", "consent records"),
    "tickets": ("客服工单(自由文本)", "support tickets (free text)"),
    "ticket_spans": ("工单中的个人信息片段(派生数据)", "personal information spans found in tickets (derived)"),
    "access_log": ("访问日志", "access log"),
    "keys": ("客户数据密钥(加密擦除)", "customers' data keys (crypto-shredding)"),
    "paper": ("纸质档案", "paper records"),
}
KIND_LABELS = {
    "dataset": ("数据集文件夹", "dataset folder"), "export": ("导出文件", "export file"), "file": ("文件", "file"),
    "backup": ("加密备份归档", "encrypted backup archive"), "keystore": ("密钥库", "key store"),
    "paper": ("纸质档案箱", "paper box"),
}
DESTINATIONS = {
    "dataset": ("继续使用(相关行已删除)", "remains in service (the rows deleted)"),
    "export": ("文件保留(相关行已删除)", "file kept (the rows deleted)"),
    "file": ("文件已覆写并删除", "file overwritten and deleted"),
    "backup": ("新备份替换旧备份;旧文件已覆写并删除", "a new backup replaced the old one; the old file overwritten and deleted"),
    "keystore": ("密钥库继续使用(相关密钥已删除)", "key store remains in service (the keys deleted)"),
}


class CertificateError(ValueError):
    """A certificate that cannot be issued; one line saying why."""


@dataclass(frozen=True)
class CertificateCheck:
    """The result of :func:`check_certificate`: ``ok``, the problems found (one line each), the
    certificate's number and the ledger seqs it cites."""
    ok: bool
    problems: list = field(default_factory=list)
    number: str | None = None
    seqs: list = field(default_factory=list)

    def __bool__(self) -> bool:
        return self.ok

    def __str__(self) -> str:
        return f"certificate {self.number} OK" if self.ok else f"certificate {self.number} NOT OK: " + "; ".join(self.problems)


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(
        lambda name: resources.files("kitlib").joinpath("templates", name).read_text(encoding="utf-8")),
        autoescape=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _local(time_text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(time_text.replace("Z", "+00:00")).astimezone(TZ)


def certificate_number(entry) -> str:
    """``DC-<year>-<seq>``: the year (Shanghai time) and seq of the entry that binds the job."""
    return f"DC-{_local(entry.time).year}-{entry.seq:04d}"


# -- gathering the entries -------------------------------------------------------------------------

def _entries(report_or_entries) -> list:
    if isinstance(report_or_entries, DestructionReport):
        return report_or_entries.entries()
    if hasattr(report_or_entries, "hash") and hasattr(report_or_entries, "details"):
        return [report_or_entries]
    try:
        return list(report_or_entries)
    except TypeError:
        raise CertificateError(f"give a DestructionReport or ledger entries, not {type(report_or_entries).__name__}") from None


def _gather(report_or_entries, ledger, verification):
    """(main entry, step entries, verification entry or None), each checked against the ledger."""
    if ledger is None:
        raise CertificateError("a certificate needs the ledger its entries are in")
    given = _entries(report_or_entries)
    if not given:
        raise CertificateError("no ledger entries: run the destruction with ledger= first")
    stored = {e.hash: e for e in ledger.entries()}
    by_seq = {e.seq: e for e in stored.values()}
    for entry in given:
        if entry is None or not hasattr(entry, "hash"):
            raise CertificateError("a step was not recorded in a ledger (run it with ledger=)")
        if entry.hash not in stored:
            raise CertificateError(f"entry {entry.seq}: hash {entry.hash[:12]}… is not in this ledger")
        if entry.type != "destruction":
            raise CertificateError(f"entry {entry.seq} is a {entry.type!r} entry, not a destruction")
    job = [e for e in given if e.details.get("operation") == "destruction_job"]
    checks = [e for e in given if e.details.get("operation") == "residue_verification"]
    steps = [e for e in given if e.details.get("operation") in METHODS]
    if job and not steps:
        steps = [by_seq[s["entry_seq"]] for s in job[-1].details.get("steps", []) if s.get("entry_seq") in by_seq]
    if not steps:
        raise CertificateError("none of the entries is a destruction step of kitlib.lifecycle.destroy")
    main = job[-1] if job else steps[-1]
    check = None
    if isinstance(verification, ResidueReport):
        if not verification.ok:
            raise CertificateError(f"the verification did not pass ({verification.result('en')}): destroy the "
                                   f"remaining copies and verify again before certifying")
        check = verification.entry if verification.entry is not None else verification
    elif verification is not None:
        check = verification
    elif checks:
        check = checks[-1]
    if check is not None and hasattr(check, "hash"):
        if check.hash not in stored:
            raise CertificateError(f"verification entry {check.seq}: hash {check.hash[:12]}… is not in this ledger")
        if check.details.get("operation") != "residue_verification":
            raise CertificateError(f"entry {check.seq} is not a residue verification")
        if check.details.get("result") != "no residue":
            raise CertificateError(f"verification entry {check.seq} found residue ({check.details.get('result')}): "
                                   f"destroy the remaining copies and verify again before certifying")
    return main, steps, check


# -- the values on the page ----------------------------------------------------------------------

def _person(who) -> dict:
    keys = ("name", "title", "organisation", "location", "phone")
    if isinstance(who, Mapping):
        values = {k: str(who.get(k) or "").strip() for k in keys}
    elif isinstance(who, (tuple, list)) and 3 <= len(who) <= 5:
        values = {k: str(v or "").strip() for k, v in zip(keys, list(who) + [""] * 2)}
    else:
        raise CertificateError("who must be (name, title, organisation[, location[, phone]]) or a mapping of those")
    for key in keys[:3]:
        if not values[key]:
            raise CertificateError(f"who: {key} is empty (NIST SP 800-88 Rev. 1 App. G asks for name, title, organisation)")
    return values


def _witness(witness) -> str:
    if isinstance(witness, (tuple, list)):
        witness = ", ".join(str(w).strip() for w in witness if str(w).strip())
    if not isinstance(witness, str) or not witness.strip():
        raise CertificateError("witness: give the name (and title) of the person who witnessed the destruction")
    return witness.strip()


def _company(company) -> tuple[str, str]:
    if isinstance(company, str) and company.strip():
        return company.strip(), company.strip()
    if isinstance(company, (tuple, list)) and len(company) == 2:
        return str(company[0]), str(company[1])
    try:
        return str(company["name_zh"]), str(company["name_en"])
    except (KeyError, TypeError, IndexError):
        raise CertificateError("company must be a name, (name_zh, name_en) or the case's company row") from None


def _day(value) -> str:
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    try:
        return dt.date.fromisoformat(str(value).strip()).isoformat()
    except ValueError:
        raise CertificateError(f"date {value!r} is not a date (YYYY-MM-DD)") from None


def _show(lang: str) -> tuple[bool, bool]:
    if lang == "both":
        return True, True
    from ..i18n import normalize

    try:
        one = normalize(lang)
    except ValueError:
        raise CertificateError(f"lang must be 'both', 'zh-CN' or 'en', got {lang!r}") from None
    return one == "zh-CN", one == "en"


def _step(entry) -> dict:
    d = entry.details
    kind, method = d.get("artefact_kind", ""), d["operation"]
    cat = CATEGORIES[d["category"]]
    dest = DESTINATIONS.get(kind, ("", ""))
    paper = None
    if kind == "paper":
        zh_method, en_method = PAPER_METHODS.get(d.get("paper_method"), (d.get("paper_method", ""),) * 2)
        paper = {"zh": f"{d.get('description', '')};{d.get('count')} 件;{zh_method};服务商 {d.get('vendor')};"
                       f"见证人 {d.get('witness')};{d.get('date')}",
                 "en": f"{d.get('description', '')}; {d.get('count')} item(s); {en_method}; vendor {d.get('vendor')}; "
                       f"witness {d.get('witness')}; {d.get('date')}"}
        dest = (f"由 {d.get('vendor')} 销毁", f"destroyed by {d.get('vendor')}")
    zh_kind, en_kind = KIND_LABELS.get(kind, (kind, kind))
    return {"seq": entry.seq, "hash": entry.hash, "artefact": d.get("artefact", ""), "type_zh": zh_kind,
            "type_en": en_kind, "method_zh": METHODS[method]["zh"], "method_en": METHODS[method]["en"],
            "category_zh": cat["zh"], "category_en": cat["en"], "rows": d.get("rows_destroyed", 0),
            "destination_zh": dest[0], "destination_en": dest[1], "sha256": d.get("sha256_before"), "paper": paper,
            "kind": kind, "method": method, "category": d["category"]}


def _context(main, steps, check, *, who, witness, date, company, chain) -> dict:
    views = [_step(e) for e in steps]
    details = [e.details for e in steps]
    tables, retained = [], {}
    labels = []
    for d in details:
        for t in d.get("tables", []):
            if t in tables:
                continue
            tables.append(t)
            zh, en = TABLE_LABELS.get(t, (t, t))
            if d.get("artefact_kind") == "export":
                zh, en = f"导出文件中的客户行({d.get('artefact')})", f"customer rows in an export ({d.get('artefact')})"
            labels.append({"name": t, "zh": zh, "en": en})
        for r in d.get("retained", []):
            rows = sum(f.get("rows_retained") or 0 for f in d.get("files", []) if f.get("table") == r["table"])
            entry = retained.setdefault(r["table"], {"table": r["table"], "rows": 0, "reason": r["reason"]})
            entry["rows"] = max(entry["rows"], rows)
    used = [k for k in ("clear", "purge", "destroy") if any(v["category"] == k for v in views)]
    whys, seen = [], set()
    for v in views:
        if v["method"] not in seen:
            seen.add(v["method"])
            whys.append({"category_zh": v["category_zh"], "category_en": v["category_en"],
                         "why_zh": METHODS[v["method"]]["why_zh"], "why_en": METHODS[v["method"]]["why_en"]})
    customers = main.details.get("customers") or max((d.get("customers", 0) for d in details), default=0)
    backups = [v["artefact"] for v in views if v["kind"] == "backup"]
    if check is None:
        verify = ("未核验", "not verified", "bad", "本次销毁未做残留核查", "no residue scan was run for this destruction")
        post = ("未核验", "not verified")
    else:
        d = check.details() if isinstance(check, ResidueReport) else check.details
        verify = ("未发现残留", "no residue found", "ok",
                  f"{VERIFICATION_METHOD[0]};读取 {d.get('files')} 个文件、{d.get('cells'):,} 个单元格或行;"
                  f"依法保留的命中 {d.get('retained_hits')} 处",
                  f"{VERIFICATION_METHOD[1]}; {d.get('files')} file(s), {d.get('cells'):,} cells or lines read; "
                  f"{d.get('retained_hits')} hit(s) in tables retained by law")
        post = ("经核验,所列对象中已无上述客户的个人信息(依法保留的表除外)",
                "verified: no personal information of these customers remains in the artefacts listed (tables "
                "retained by law excepted)")
    time = _local(main.time)
    return {
        "number": certificate_number(main), "company_zh": company[0], "company_en": company[1],
        "customers": customers, "rows": sum(d.get("rows_destroyed", 0) for d in details),
        "files": sum(d.get("files_destroyed", 0) for d in details),
        "paper": sum(d.get("count", 0) for d in details if d.get("artefact_kind") == "paper"),
        "date": date, "reason": main.details.get("reason") or next((d.get("reason") for d in details if d.get("reason")), "")
        or "", "tables": labels, "retained": list(retained.values()), "steps": views,
        "categories": [CATEGORIES[k] for k in used], "whys": whys, "version": __version__,
        "post_zh": post[0], "post_en": post[1],
        "backups_zh": ("备份已一并处理:" + "、".join(backups)) if backups else "本次销毁未列出备份;请确认该数据的全部备份已处理",
        "backups_en": ("backups included: " + ", ".join(backups)) if backups
        else "no backup is listed in this destruction; confirm every backup of the data was dealt with",
        "verify_method_zh": verify[3], "verify_method_en": verify[4], "verify_result_zh": verify[0],
        "verify_result_en": verify[1], "verify_class": verify[2],
        "verify_entry": check if hasattr(check, "hash") else None,
        "who": who, "witness": witness, "actor": main.actor,
        "main": {"seq": main.seq, "hash": main.hash, "time": time.strftime("%Y-%m-%d %H:%M (UTC+8)")},
        "chain_ok": chain.ok, "chain_zh": "台账链完整" if chain.ok else f"台账链不完整:{chain.problem}",
        "chain_en": "the ledger chain verifies" if chain.ok else f"the ledger chain does not verify: {chain.problem}",
    }


def destruction_certificate(report_or_entries, *, ledger, who, witness, date, company, lang: str = "both",
                            verification=None) -> str:
    """The certificate as HTML (A4, print-ready, zh-CN then English, or one language).

    report_or_entries: a DestructionReport, or its ledger entries; who: (name, title,
    organisation[, location[, phone]]); witness: name or (name, title); date: the destruction's
    date; company: name, (zh, en) or ``case.company``; verification: the ResidueReport (or its
    ledger entry) of the scan after the destruction.
    """
    show_zh, show_en = _show(lang)
    person, observer = _person(who), _witness(witness)
    if observer.split(",")[0].strip() == person["name"]:
        raise CertificateError("the witness must be someone other than the person who sanitised")
    main, steps, check = _gather(report_or_entries, ledger, verification)
    chain = ledger.verify()
    if not chain.ok:
        raise CertificateError(f"the ledger does not verify ({chain.problem}); no certificate can cite it")
    context = _context(main, steps, check, who=person, witness=observer, date=_day(date), company=_company(company),
                       chain=chain)
    return _env().get_template(TEMPLATE).render(c=context, show_zh=show_zh, show_en=show_en)


def write_certificate(path, report_or_entries, **kwargs) -> Path:
    """Render the certificate and write it to ``path`` atomically."""
    return write_text_atomic(path, destruction_certificate(report_or_entries, **kwargs))


# -- checking ------------------------------------------------------------------------------------

_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}


class _Reader(HTMLParser):
    """Collects the text of elements with data-field and the ledger hashes with their text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.stack, self.open, self.fields, self.hashes, self.kit = [], [], {}, [], False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if attrs.get("data-kit") == "destruction-certificate":
            self.kit = True
        if tag in _VOID:
            return
        self.stack.append(tag)
        if "data-field" in attrs or "data-ledger-hash" in attrs:
            self.open.append((len(self.stack), attrs, []))

    def handle_endtag(self, tag):
        if tag in _VOID or not self.stack:
            return
        while self.stack:
            popped = self.stack.pop()
            while self.open and self.open[-1][0] > len(self.stack):
                depth, attrs, text = self.open.pop()
                value = " ".join("".join(text).split())
                if "data-ledger-hash" in attrs:
                    self.hashes.append((attrs.get("data-ledger-seq"), attrs["data-ledger-hash"], value,
                                        attrs.get("data-main") == "1"))
                else:
                    self.fields[attrs["data-field"]] = value
            if popped == tag:
                break

    def handle_data(self, data):
        for _depth, _attrs, text in self.open:
            text.append(data)


def check_certificate(html_or_path, ledger) -> CertificateCheck:
    """Check a certificate against the ledger: every printed hash is in it, is a destruction
    entry with the printed seq, the number matches the binding entry, the totals match the
    entries, and the chain verifies.  Never raises on a bad certificate (ok False, problems)."""
    text = html_or_path
    if isinstance(html_or_path, Path) or (isinstance(html_or_path, str) and "<" not in html_or_path):
        path = Path(html_or_path)
        if not path.is_file():
            raise CertificateError(f"{path}: no such certificate file")
        text = path.read_text(encoding="utf-8")
    reader = _Reader()
    reader.feed(text)
    reader.close()
    number = reader.fields.get("number")
    problems = []
    if not reader.kit or not number:
        return CertificateCheck(False, ["not a destruction certificate of this kit (no number)"], number)
    if not reader.hashes:
        return CertificateCheck(False, ["the certificate cites no ledger entry"], number)
    stored = {e.hash: e for e in ledger.entries()}
    found, main = [], None
    for seq, digest, printed, is_main in reader.hashes:
        if printed != digest:
            problems.append(f"the printed hash {printed[:12]}… differs from the one embedded ({digest[:12]}…)")
        entry = stored.get(digest)
        if entry is None:
            problems.append(f"hash {digest[:12]}… (entry {seq}) is not in the ledger")
            continue
        if str(entry.seq) != str(seq):
            problems.append(f"hash {digest[:12]}… is entry {entry.seq} in the ledger, not {seq}")
        if entry.type != "destruction":
            problems.append(f"entry {entry.seq} is a {entry.type!r} entry, not a destruction")
        found.append(entry)
        if is_main:
            main = entry
    if main is not None:
        if certificate_number(main) != number:
            problems.append(f"number {number} does not match the binding entry ({certificate_number(main)})")
        steps = {e.seq: e for e in found if e.details.get("operation") in METHODS}
        totals = {"rows": sum(e.details.get("rows_destroyed", 0) for e in steps.values()),
                  "files": sum(e.details.get("files_destroyed", 0) for e in steps.values())}
        for name, value in totals.items():
            if reader.fields.get(name) != str(value):
                problems.append(f"the certificate says {name} {reader.fields.get(name)}, the ledger entries {value}")
    elif not problems:
        problems.append("the certificate marks no binding entry")
    chain = ledger.verify()
    if not chain.ok:
        problems.append(f"the ledger does not verify: {chain.problem}")
    return CertificateCheck(not problems, problems, number, [e.seq for e in found])
