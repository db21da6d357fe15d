"""Answer letters for requests, in zh-CN and English (print-ready A4 HTML, no external resources).

Four kinds, chosen from the request's outcome: answered in full; answered in part (what was done,
what is kept with its reason, legal basis and date, and the Art. 47 restriction); refused (the
reasons, PIPL Art. 50, and the right to sue); forwarded to the successor after deregistration
(Art. 22).  Every letter states when the request arrived and the committed answer date, saying
that the deadline is the company's own commitment because PIPL sets none.

The page layout is the house style of the customer letters (``templates/letters/page.html.j2``);
the wording is in ``templates/rights/answer.<lang>.html.j2``.
"""
from __future__ import annotations

import datetime as dt
import hashlib
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
from markupsafe import Markup

from ..atomic import write_text_atomic
from .changes import Correction, Deletion, Withdrawal
from .common import PURPOSES
from .copies import TABLE_TITLES, AccessCopy, Explanation
from .deadlines import as_date, load_policy
from .requests import Request, RequestError
from .vocab import REASONS, RELATIONS, REQUEST_TYPES

__all__ = ["answer_letter", "write_answer", "letter_kind"]

_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September", "October",
           "November", "December")
_COLUMNS = {"name": ("姓名", "name"), "mobile": ("手机号", "mobile number"), "email": ("电子邮箱", "e-mail address"),
            "address": ("地址", "address")}
_KEPT_REASON = {"retention_duty": ("法定保存期限未届满", "a legal retention period has not ended"),
                "legal_hold": ("处于法律保全之中", "under a legal hold")}


def _date_zh(value) -> str:
    d = as_date(value)
    return f"{d.year}年{d.month}月{d.day}日"


def _date_en(value) -> str:
    d = as_date(value)
    return f"{d.day} {_MONTHS[d.month - 1]} {d.year}"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    def load(name: str) -> str:
        folder, _, file = name.partition("/")
        return resources.files("kitlib").joinpath("templates", folder, file).read_text(encoding="utf-8")

    env = jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=True, trim_blocks=True,
                             lstrip_blocks=True, undefined=jinja2.StrictUndefined)
    env.filters.update(date_zh=_date_zh, date_en=_date_en, capfirst=lambda s: str(s)[:1].upper() + str(s)[1:])
    return env


def letter_kind(request: Request) -> str:
    """full, partial, refused or forwarded; RequestError while the request is still open."""
    if request.result not in ("full", "partial", "refused"):
        raise RequestError(f"request {request.request_id}: it is {request.state}; answer or refuse it before "
                           "writing the letter")
    if request.result == "refused" and "company_deregistered" in request.reasons:
        return "forwarded"
    return request.result


def _done(result, request: Request) -> tuple[list[str], list[str]]:
    """What was done, one sentence per line, in zh and en."""
    if isinstance(result, Correction):
        cols = [c for c in result.changes["column"]]
        return ([f"我们已更正您的{'、'.join(_COLUMNS[c][0] for c in cols)}。"],
                [f"We corrected your {', '.join(_COLUMNS[c][1] for c in cols)}."])
    if isinstance(result, Deletion):
        counts = result.deleted.groupby("table").size()
        zh = "、".join(f"{TABLE_TITLES.get(t, (t, t))[0]} {n} 条" for t, n in counts.items())
        en = ", ".join(f"{TABLE_TITLES.get(t, (t, t))[1]}: {n}" for t, n in counts.items())
        if counts.empty:
            return ["目前没有可以立即删除的记录。"], ["No record could be deleted yet."]
        return [f"我们已删除您的以下记录:{zh}。"], [f"We deleted these records of yours: {en}."]
    if isinstance(result, Withdrawal):
        zh_p, en_p, _ = PURPOSES[result.purpose]
        return ([f"我们已记录您于{_date_zh(result.withdrawn_on)}撤回对“{zh_p}”的同意。", result.stops[0]],
                [f"We recorded that you withdrew your consent to “{en_p}” on {_date_en(result.withdrawn_on)}.", result.stops[1]])
    if isinstance(result, AccessCopy):
        total = sum(result.rows.values())
        return ([f"随函附上您的个人信息副本:一份报告和 {len(result.files) - 1} 个 CSV 文件,共 {total} 条记录。"],
                [f"Enclosed is a copy of your personal information: a report and {len(result.files) - 1} CSV files, {total} records in all."])
    if isinstance(result, Explanation):
        return list(result.frame["zh"]), list(result.frame["en"])
    if isinstance(result, (str, Path)):
        name = Path(result).name
        return ([f"我们已将您的个人信息制成机器可读的文件({name}),供您转给您指定的处理者;这项转移以符合国家网信部门规定的条件为前提(第四十五条)。"],
                [f"We put your personal information into a machine-readable file ({name}) for the handler you name; "
                 "such a transfer is available where the conditions the CAC sets are met (Art. 45)."])
    if result is None:
        kind = REQUEST_TYPES[request.type]
        return [f"我们已按您的请求办理({kind.zh})。"], [f"We did what you asked ({kind.en})."]
    raise RequestError(f"request {request.request_id}: cannot word a result of type {type(result).__name__}")


def _context(case, request: Request, result, date, contact, working_days) -> dict:
    kind = letter_kind(request)
    company = getattr(case, "tables", case)["company"].iloc[0]
    date = as_date(date if date is not None else request.answered_on or dt.date.today(), "date")
    due = request.due_on(working_days)
    policy = load_policy()
    days = policy.working_days if working_days is None else working_days
    rtype = REQUEST_TYPES[request.type]
    who = request.requester
    addressee = who.name or str(request.customer_id)
    done_zh, done_en = _done(result, request) if kind in ("full", "partial") else ([], [])
    kept = []
    if kind == "partial" and isinstance(result, Deletion):
        for item in result.items:
            zh, en = _KEPT_REASON[item["reason"]]
            kept.append({**item, "reason_zh": zh, "reason_en": en})
    reasons = [{"zh": REASONS[r][0], "en": REASONS[r][1], "article": REASONS[r][2]} for r in request.reasons
               if kind == "refused" or r not in ("retention_duty", "legal_hold")]
    if kind == "partial" and not kept:
        reasons = [{"zh": REASONS[r][0], "en": REASONS[r][1], "article": REASONS[r][2]} for r in request.reasons]
        done_zh += [f"{x['zh']}({x['article']})。" for x in reasons]
        done_en += [f"{x['en'][:1].upper() + x['en'][1:]} ({x['article']})." for x in reasons]
    dereg = company.get("address_cancelled_on")
    return {
        "sender_zh": str(company.get("name_zh", "")), "sender_en": str(company.get("name_en", "")),
        "address": str(company.get("new_registered_address") or company.get("registered_address") or ""),
        "request_id": request.request_id, "date": date,
        # a requester whose identity or right did not check out learns nothing, not even the number
        "customer_id": request.customer_id if request.identity is None or request.identity.outcome == "match" else "",
        "result": kind, "addressee": addressee, "role": who.role, "relation": who.relation,
        "relation_en": RELATIONS.get(who.relation, "parent or guardian"),
        "type_zh": rtype.zh, "type_en": rtype.en, "article": rtype.article,
        "received_on": request.received_on, "due_on": due, "working_days": days, "overdue": date > due,
        "deadline_note_zh": policy.note_zh, "deadline_note_en": policy.note_en,
        "done_zh": done_zh, "done_en": done_en, "kept": kept, "reasons": reasons,
        "reason_codes": list(request.reasons), "successor": str(company.get("successor") or ""),
        "deregistered_on": dereg if dereg is not None else date, "contact": contact or "",
    }


def answer_letter(case, request: Request, result=None, *, lang: str = "both", date=None, contact: str | None = None,
                  working_days: int | None = None) -> str:
    """The answer letter as one HTML page: ``lang`` zh-CN, en or both (Chinese first).

    result: what the action returned (Correction, Deletion, Withdrawal, AccessCopy, Explanation, or
    the portability file's path); None words the answer generally.  date: the letter's date
    (default: the day the request was answered).  contact: the company's contact line."""
    langs = {"both": ("zh-CN", "en"), "zh-CN": ("zh-CN",), "zh": ("zh-CN",), "en": ("en",)}.get(lang)
    if langs is None:
        raise RequestError(f"lang: {lang!r} is not one of zh-CN, en, both")
    ctx = _context(case, request, result, date, contact, working_days)
    env = _env()
    sections = [{"lang": lg, "body": Markup(env.get_template(f"rights/answer.{lg}.html.j2").render(**ctx))}
                for lg in langs]
    return env.get_template("letters/page.html.j2").render(sections=sections, html_lang=langs[0],
                                                           title=f"{request.request_id}")


def write_answer(path, case, request: Request, result=None, *, lang: str = "both", date=None,
                 contact: str | None = None, ledger=None, actor: str = "kit") -> Path:
    """Write the answer letter atomically to ``path``; with a ledger, one "notification" entry
    with the request id, the letter's kind and its SHA-256."""
    html = answer_letter(case, request, result, lang=lang, date=date, contact=contact)
    path = write_text_atomic(Path(path), html)
    if ledger is not None:
        ledger.append("notification", actor=actor, subjects=[request.customer_id], details={
            "kind": "request_answer", "request_id": request.request_id, "result": letter_kind(request),
            "language": lang, "file": Path(path).name, "sha256": hashlib.sha256(html.encode("utf-8")).hexdigest()})
    return Path(path)
