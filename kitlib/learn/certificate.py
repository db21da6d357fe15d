"""Certificates of training completion, each with a verification code that is its content hash.

A certificate is a payload (learner, scope, per-module scores and first-try statistics, issue
time, kit version) written as canonical JSON.  Its code is the first 80 bits of SHA-256 over
that JSON in Crockford base32, plus one check character::

    KIT-XXXX-XXXX-XXXX-XXXX-C

Check character (the kit's own scheme): the 16 symbol values v1..v16 are summed in GF(32)
(polynomial x^5 + x^2 + 1) with weights a^1..a^16 (a = x, a primitive element).  The weights
are distinct and non-zero, so every single changed character and every swap of two characters
changes the check.  Unlike Crockford's mod-37 check it uses only the 32 code symbols, so a code
never holds ``*``, ``~``, ``$`` or ``=`` and can be typed into any shell unquoted.

The code proves the record has not changed since issue: change a name or a score in the
database, in the embedded JSON or on the printed page, and ``verify`` says so.  It is a
checksum, not a signature: whoever can write the progress store can issue certificates.

The ``course`` certificate needs every available module complete *and* a passed final
assessment (``kitlib.learn.final``) that covered every examined module; its payload then holds
``final`` (attempt, score, pass mark, questions, right, passed_at, per-module scores) and the
page shows the final score in both languages as its own row (``data-key="final"``), which
``verify`` checks like every other score.  Certificates issued before this rule keep verifying.
"""
from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import datetime, timezone
from html.parser import HTMLParser
from importlib import resources
from pathlib import Path
from zoneinfo import ZoneInfo

import jinja2
import pandas as pd
from markupsafe import Markup

from .. import __version__
from . import modules
from .store import ProgressStore, canonical, now
from ..atomic import write_text_atomic

CROCKFORD = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
PREFIX = "KIT"
SCRIPT_ID = "kit-certificate"
TZ = ZoneInfo("Asia/Shanghai")
_CONFUSABLES = str.maketrans({"O": "0", "I": "1", "L": "1"})
FINAL_KEY = "final"       # the data-key of the final assessment's score on the course page
_VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source",
         "track", "wbr"}


class CertificateError(Exception):
    """A certificate cannot be issued, or a code cannot be read; one line saying why."""


@dataclass(frozen=True)
class Certificate:
    code: str
    learner: str
    scope: str
    issued_at: str
    payload: dict


@dataclass(frozen=True)
class Verification:
    ok: bool
    reason: str
    reason_zh: str
    code: str | None = None
    payload: dict | None = None


# -- the code ------------------------------------------------------------------------------

def _gf_mul(a: int, b: int) -> int:
    """Multiply in GF(32) = GF(2)[x] / (x^5 + x^2 + 1)."""
    out = 0
    while b:
        if b & 1:
            out ^= a
        b >>= 1
        a <<= 1
        if a & 32:
            a ^= 0b100101
    return out


def _check_symbol(body: str) -> str:
    total, weight = 0, 1
    for ch in body:
        weight = _gf_mul(weight, 2)
        total ^= _gf_mul(weight, CROCKFORD.index(ch))
    return CROCKFORD[total]


def code_for(payload: dict) -> str:
    """The verification code of a payload: ``KIT-XXXX-XXXX-XXXX-XXXX-C``."""
    value = int.from_bytes(hashlib.sha256(canonical(payload).encode("utf-8")).digest()[:10], "big")
    body = "".join(CROCKFORD[(value >> shift) & 31] for shift in range(75, -1, -5))
    groups = [body[i:i + 4] for i in range(0, 16, 4)]
    return "-".join([PREFIX, *groups, _check_symbol(body)])


def parse_code(text: str) -> str:
    """Normalise a typed code (any case, spaces or hyphens, O/I/L for 0/1) to its printed form."""
    raw = re.sub(r"[\s\-_]+", "", str(text)).upper()
    if len(raw) == 20 and raw.startswith(PREFIX):
        raw = raw[3:]
    raw = raw.translate(_CONFUSABLES)
    if len(raw) != 17 or any(ch not in CROCKFORD for ch in raw):
        raise CertificateError("not a valid code: expected KIT- and 17 characters "
                               "from 0-9 and A-Z without I, L, O, U")
    body, check = raw[:16], raw[16]
    if _check_symbol(body) != check:
        raise CertificateError("not a valid code: check character mismatch (typo?)")
    return "-".join([PREFIX, *(body[i:i + 4] for i in range(0, 16, 4)), check])


# -- issuing -------------------------------------------------------------------------------

def _scope_modules(scope: str) -> list[modules.ModuleInfo]:
    if scope == "course":
        return modules.available()
    if scope.startswith("module:"):
        try:
            return [modules.module(scope.split(":", 1)[1])]
        except KeyError as exc:
            raise CertificateError(exc.args[0]) from None
    raise CertificateError(f"unknown scope {scope!r}: use 'module:ID' or 'course'")


def _ratio(value) -> float | None:
    return None if value is None or pd.isna(value) else round(float(value), 4)


def _record(store: ProgressStore, learner: str, scope: str) -> dict:
    """The payload without ``issued_at``: what the store says about this learner and scope."""
    wanted = _scope_modules(scope)
    done = store.completions(learner)
    missing = [m.id for m in wanted if not (done["module"] == m.id).any()]
    if missing:
        what = "module " + missing[0] if scope != "course" else "modules " + ", ".join(missing)
        raise CertificateError(f"{learner!r} has not completed {what}; no {scope} certificate")
    rows, summary = [], {}
    for m in wanted:
        mine = done[done["module"] == m.id]
        scores = [s for s in mine["score"] if _ratio(s) is not None]
        rows.append({"id": m.id, "title_zh": m.title("zh-CN"), "title_en": m.title("en"),
                     "score": _ratio(max(scores)) if scores else None,
                     "completed_at": min(mine["completed_at"])})
        tries = store.attempts(learner, m.id)
        first = tries.sort_values("attempt", kind="stable").drop_duplicates("item")
        summary[m.id] = {"answered": int(len(first)),
                         "first_try_right": _ratio(first["correct"].mean()) if len(first) else None}
    known = [r["score"] for r in rows if r["score"] is not None]
    record = {"learner": learner, "scope": scope, "modules": rows,
              "overall_score": _ratio(sum(known) / len(known)) if known else None,
              "attempts": summary, "kit_version": __version__}
    if scope == "course":
        record["final"] = _final(store, learner)
    return record


def _final(store: ProgressStore, learner: str) -> dict:
    """The passed final the course certificate rests on; CertificateError if there is none."""
    from . import final

    passed = final.passed_record(store, learner)
    if passed is None:
        raise CertificateError(f"{learner!r} has not passed the final assessment "
                               f"(covering modules {', '.join(final.examined_modules())}); no course certificate")
    return passed


def issue(store: ProgressStore, learner: str, scope: str) -> Certificate:
    """Issue (or return the unchanged existing) certificate for ``module:ID`` or ``course``."""
    learner = (learner or "").strip()
    if not learner:
        raise CertificateError("a certificate needs a learner name")
    record = _record(store, learner, scope)
    earlier = store.certificates(learner)
    for row in earlier[earlier["scope"] == scope].iloc[::-1].itertuples():
        try:
            old = json.loads(row.payload)
        except ValueError:
            continue
        if code_for(old) == row.code and {k: v for k, v in old.items() if k != "issued_at"} == record:
            return Certificate(row.code, learner, scope, old["issued_at"], old)
    payload = {**record, "issued_at": now()}
    code = code_for(payload)
    store.save_certificate(code, learner, scope, canonical(payload), payload["issued_at"])
    return Certificate(code, learner, scope, payload["issued_at"], payload)


# -- what the page shows ---------------------------------------------------------------------

def _percent(score: float | None) -> str:
    return "—" if score is None else f"{score:.0%}"


def local_date(stamp: str) -> str:
    """The Asia/Shanghai calendar date of a store timestamp (``2025-01-01T17:00:00.0Z``)."""
    utc = datetime.strptime(stamp, "%Y-%m-%dT%H:%M:%S.%fZ").replace(tzinfo=timezone.utc)
    return utc.astimezone(TZ).date().isoformat()


def _shown(payload: dict) -> dict[tuple[str, str], str]:
    """Every value the page marks with ``data-field`` (field, key) and the text it must read."""
    shown = {("learner", ""): payload["learner"],
             ("score", "overall"): _percent(payload["overall_score"]),
             ("date", ""): local_date(payload["issued_at"]),
             ("code", ""): code_for(payload)}
    for m in payload["modules"]:
        shown["score", m["id"]] = _percent(m["score"])
    if payload.get("final"):
        shown["score", FINAL_KEY] = _percent(payload["final"]["score"])
    return {key: " ".join(text.split()) for key, text in shown.items()}


def _embedded_json(payload: dict) -> str:
    """Canonical JSON that is safe inside ``<script>`` (no ``<``, ``>`` or ``&``)."""
    text = canonical(payload)
    return text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(
        lambda name: resources.files("kitlib").joinpath("templates", name).read_text(encoding="utf-8")),
        autoescape=True, keep_trailing_newline=True)


def render_html(cert: Certificate) -> str:
    """The printable certificate (A4 landscape, Chinese then English, no external resources)."""
    p = cert.payload
    if p["scope"] == "course" and p.get("final"):
        scope_zh = f"全部课程(结业考核成绩 {_percent(p['final']['score'])},已通过)"
        scope_en = f"the complete course (final assessment passed with {_percent(p['final']['score'])})"
    elif p["scope"] == "course":
        scope_zh, scope_en = "全部课程", "the complete course"
    else:
        m = p["modules"][0]
        scope_zh, scope_en = f"模块 {m['id']}《{m['title_zh']}》", f"module {m['id']}, “{m['title_en']}”"
    rows = [{**m, "score_text": _percent(m["score"]), "completed": local_date(m["completed_at"]),
             "answered": p["attempts"][m["id"]]["answered"],
             "first_try_text": _percent(p["attempts"][m["id"]]["first_try_right"])}
            for m in p["modules"]]
    if p.get("final"):
        rows.append(_final_row(p["final"]))
    return _env().get_template("certificate.html.j2").render(
        p=p, code=cert.code, scope_zh=scope_zh, scope_en=scope_en, rows=rows,
        overall=_percent(p["overall_score"]), date=local_date(p["issued_at"]),
        embedded=Markup(_embedded_json(p)))


def _final_row(final: dict) -> dict:
    """The final assessment as one more row of the table (its score cell is ``data-key="final"``)."""
    return {"id": FINAL_KEY, "label": Markup('结业 <span class="en" lang="en">Final</span>'), "title_zh": "结业考核(及格线 " + _percent(final["pass_mark"]) + ")",
            "title_en": f"Final assessment (pass mark {_percent(final['pass_mark'])}, attempt {final['attempt']})",
            "completed": local_date(final["passed_at"]), "answered": final["questions"],
            "first_try_text": _percent(final["right"] / final["questions"]) if final["questions"] else "—",
            "score_text": _percent(final["score"])}


def save_html(cert: Certificate, path) -> Path:
    """Write the certificate page to ``path`` atomically (temp file, then rename)."""
    return write_text_atomic(path, render_html(cert))


def default_path(cert: Certificate, folder: Path) -> Path:
    """``folder/<learner>-module-00.html`` or ``folder/<learner>-course.html``."""
    safe = re.sub(r"[^\w.-]+", "_", cert.learner, flags=re.UNICODE).strip("_") or "learner"
    return Path(folder) / f"{safe}-{cert.scope.replace(':', '-')}.html"


# -- verifying -----------------------------------------------------------------------------

class _Page(HTMLParser):
    """Collects the embedded certificate JSON and the text of every ``data-field`` element."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.scripts: list[list[str]] = []
        self.fields: dict[tuple[str, str], list[str]] = {}
        self._open: list[tuple[int, tuple[str, str], list[str]]] = []
        self._depth = 0
        self._in_script = False

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "script" and attrs.get("id") == SCRIPT_ID:
            self._in_script = True
            self.scripts.append([])
        if tag in _VOID:
            return
        self._depth += 1
        if "data-field" in attrs:
            self._open.append((self._depth, (attrs["data-field"] or "", attrs.get("data-key") or ""), []))

    def handle_endtag(self, tag):
        if tag in _VOID:
            return
        if tag == "script":
            self._in_script = False
        while self._open and self._open[-1][0] >= self._depth:
            _, key, parts = self._open.pop()
            self.fields.setdefault(key, []).append(" ".join("".join(parts).split()))
        self._depth -= 1

    def handle_data(self, data):
        if self._in_script:
            self.scripts[-1].append(data)
        for _, _, parts in self._open:
            parts.append(data)


def _fail(reason: str, reason_zh: str, code: str | None = None, payload: dict | None = None):
    return Verification(False, reason, reason_zh, code, payload)


def _check_html(html: str, code: str, payload: dict) -> Verification | None:
    """None if the page matches the certificate, else the failed Verification."""
    page = _Page()
    page.feed(html)
    page.close()
    if len(page.scripts) != 1:
        return _fail("the HTML file does not hold exactly one embedded certificate record",
                     "HTML 文件中没有(或不止一份)嵌入的证书数据", code, payload)
    try:
        embedded = json.loads("".join(page.scripts[0]))
    except ValueError:
        embedded = None
    if not isinstance(embedded, dict) or code_for(embedded) != code:
        return _fail("the certificate data embedded in the HTML file was changed",
                     "HTML 文件中嵌入的证书数据已被修改", code, payload)
    expected = _shown(payload)
    wrong = {key for key in expected.keys() | page.fields.keys()
             if page.fields.get(key) != [expected.get(key)]}
    if any(field == "learner" for field, _ in wrong):
        return _fail("the name shown in the HTML file does not match the certificate",
                     "HTML 文件上显示的姓名与证书不符", code, payload)
    if any(field == "score" for field, _ in wrong):
        return _fail("a score shown in the HTML file does not match the certificate",
                     "HTML 文件上显示的成绩与证书不符", code, payload)
    if wrong:
        return _fail("a value shown in the HTML file does not match the certificate",
                     "HTML 文件上显示的内容与证书不符", code, payload)
    return None


def verify(store: ProgressStore, code: str, html: str | None = None) -> Verification:
    """Check a code (and optionally the HTML page it is printed on) against the store."""
    try:
        code = parse_code(code)
    except CertificateError as exc:
        zh = ("验证码无效:校验字符不符(可能输错了?)" if "check character" in str(exc)
              else "验证码无效:应为 KIT- 加 17 个字符")
        return _fail(str(exc), zh)
    row = store.certificate(code)
    if row is None:
        return _fail("unknown code: no certificate with this code in the progress store",
                     "未知验证码:进度库中没有此验证码的证书", code)
    try:
        payload = json.loads(row["payload"])
    except ValueError:
        payload = None
    if (not isinstance(payload, dict) or code_for(payload) != code
            or payload.get("learner") != row["learner"] or payload.get("scope") != row["scope"]):
        return _fail("the stored certificate record was changed after issue (it no longer matches the code)",
                     "进度库中的证书记录在签发后被修改(与验证码不符)", code,
                     payload if isinstance(payload, dict) else None)
    if html is not None:
        failed = _check_html(html, code, payload)
        if failed:
            return failed
    return Verification(True, "valid certificate", "证书有效", code, payload)
