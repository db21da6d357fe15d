"""Requests answered by giving information: access and a copy (PIPL Art. 45), portability (Art. 45,
under the conditions the CAC sets) and an explanation of the processing rules (Art. 48).

Each reads the customer's rows from every table that holds them (customers, accounts, orders,
consents, tickets, and the access log entries about them) and records one "query" ledger entry
with the request id, the row counts and the SHA-256 of the files handed out — no personal data.
Files are written atomically; a copy's folder appears complete or not at all.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from ..atomic import write_text_atomic
from .common import CUSTOMER_TABLES, PURPOSES, customer_rows, require_ready, tables_of
from .requests import Request, RequestError

__all__ = ["AccessCopy", "Explanation", "access_copy", "portability", "explain_processing", "TABLE_TITLES"]

TABLE_TITLES = {
    "customers": ("客户资料", "customer profile"),
    "accounts": ("账户与合同", "accounts and contracts"),
    "orders": ("订单与付款", "orders and payments"),
    "consents": ("同意记录", "consent records"),
    "tickets": ("客服工单", "service tickets"),
    "access_log": ("员工访问您记录的日志", "staff access to your record"),
}
PORTABILITY_FORMAT = "kitlib.rights portability v1"


@lru_cache(maxsize=1)
def _env() -> jinja2.Environment:
    def load(name: str) -> str:
        return resources.files("kitlib").joinpath("templates", "rights", name).read_text(encoding="utf-8")

    return jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def _text(value) -> str:
    if value is None or (not isinstance(value, (list, dict)) and pd.isna(value)):
        return ""
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat(sep=" ")
    return str(value)


def _json_value(value):
    if value is None or (not isinstance(value, (list, dict, str)) and pd.isna(value)):
        return None
    if isinstance(value, pd.Timestamp):
        return value.date().isoformat() if value == value.normalize() else value.isoformat()
    if hasattr(value, "item"):
        return value.item()
    return value


def _company(tables: dict) -> tuple[str, str]:
    company = tables.get("company")
    if company is None or company.empty:
        return "", ""
    row = company.iloc[0]
    return str(row.get("name_zh", "")), str(row.get("name_en", ""))


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _made_on(on) -> str:
    from .deadlines import as_date
    return as_date(on, "on").isoformat() if on is not None else dt.date.today().isoformat()


@dataclass
class AccessCopy:
    """folder: the copy (report.html and one CSV per table); rows: per table; files: name -> SHA-256."""
    request_id: str
    folder: Path
    rows: dict
    files: dict
    entry: object = None


def access_copy(case, request: Request, out_dir, *, on=None, ledger=None, actor: str = "kit") -> AccessCopy:
    """Write the customer's data (every table) as a bilingual HTML report and CSV files into the new
    folder ``out_dir/<request_id>_copy``; one "query" ledger entry."""
    require_ready(request, ("access_copy",))
    tables = tables_of(case)
    rows = customer_rows(tables, request.customer_id)
    made_on = _made_on(on)
    zh, en = _company(tables)
    sections = [{"title_zh": TABLE_TITLES[t][0], "title_en": TABLE_TITLES[t][1], "columns": list(f.columns),
                 "rows": [[_text(v) for v in rec] for rec in f.itertuples(index=False)]} for t, f in rows.items()]
    html = _env().get_template("access_copy.html.j2").render(
        request_id=request.request_id, customer_id=request.customer_id, made_on=made_on, company_zh=zh,
        company_en=en, sections=sections)
    contents = {"report.html": html.encode("utf-8")}
    for table, frame in rows.items():
        contents[f"{table}.csv"] = frame.to_csv(index=False, lineterminator="\n").encode("utf-8-sig")
    folder = _write_folder(Path(out_dir), f"{request.request_id}_copy", contents)
    files = {name: _sha256(data) for name, data in contents.items()}
    counts = {t: int(len(f)) for t, f in rows.items()}
    entry = None
    if ledger is not None:
        entry = ledger.append("query", actor=actor, subjects=[request.customer_id], details={
            "request_id": request.request_id, "operation": "access_copy", "article": "PIPL Art. 45",
            "rows": counts, "files": files})
    return AccessCopy(request.request_id, folder, counts, files, entry)


def _write_folder(out_dir: Path, name: str, contents: dict[str, bytes]) -> Path:
    final, staging = out_dir / name, out_dir / f".{name}.partial"
    if final.exists():
        raise RequestError(f"{final}: already exists; the copy for this request was made before")
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        shutil.rmtree(staging, ignore_errors=True)
        staging.mkdir(mode=0o700)
        for file_name, data in contents.items():
            (staging / file_name).write_bytes(data)
        os.replace(staging, final)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        raise RequestError(f"{name}: cannot write the copy: {exc.strerror or exc}") from None
    return final


def portability(case, request: Request, out_path, *, on=None, ledger=None, actor: str = "kit") -> Path:
    """Write the customer's data as one machine-readable JSON file (UTF-8) for another handler;
    one "query" ledger entry with its SHA-256.  PIPL Art. 45 makes portability available where the
    conditions the CAC sets are met: the file says so."""
    require_ready(request, ("portability",))
    tables = tables_of(case)
    rows = customer_rows(tables, request.customer_id)
    zh, en = _company(tables)
    document = {
        "format": PORTABILITY_FORMAT,
        "handler": {"name_zh": zh, "name_en": en},
        "request_id": request.request_id,
        "customer_id": request.customer_id,
        "made_on": _made_on(on),
        "note": {"zh-CN": "依据《个人信息保护法》第四十五条,在符合国家网信部门规定条件的情况下,向个人指定的处理者转移其个人信息。",
                 "en": "Provided under PIPL Art. 45: transfer to a handler the individual names, where the conditions the CAC sets are met."},
        "tables": {t: {"key": CUSTOMER_TABLES[t], "columns": list(f.columns),
                       "rows": [{c: _json_value(v) for c, v in zip(f.columns, rec)} for rec in f.itertuples(index=False)]}
                   for t, f in rows.items()},
    }
    text = json.dumps(document, ensure_ascii=False, indent=1) + "\n"
    path = Path(out_path)
    write_text_atomic(path, text)
    if ledger is not None:
        ledger.append("query", actor=actor, subjects=[request.customer_id], details={
            "request_id": request.request_id, "operation": "portability", "article": "PIPL Art. 45",
            "rows": {t: int(len(f)) for t, f in rows.items()}, "file": path.name,
            "sha256": _sha256(text.encode("utf-8"))})
    return path


# -- explanation -------------------------------------------------------------------------------------

@dataclass
class Explanation:
    """frame: topic, zh, en — one line per fact, built from the customer's own data."""
    request_id: str
    frame: pd.DataFrame
    entry: object = None

    def text(self, lang: str = "en") -> str:
        column = "zh" if lang == "zh-CN" else "en"
        return "\n".join(f"- {line}" for line in self.frame[column])


def _day(value) -> str:
    return "" if value is None or pd.isna(value) else pd.Timestamp(value).date().isoformat()


def explain_processing(case, request: Request, *, plan=None, ledger=None, actor: str = "kit") -> Explanation:
    """Explain the processing rules as they apply to this customer (Art. 48): who processes, for what
    purposes and on which basis (consents, the contract, legal duties), how long each kind of record
    is kept (the retention plan), who else receives it, and the customer's rights."""
    require_ready(request, ("explanation",))
    from ..lifecycle import plan_retention

    tables = tables_of(case)
    rows = customer_rows(tables, request.customer_id)
    zh_name, en_name = _company(tables)
    company = tables["company"].iloc[0] if "company" in tables else None
    lines = [("handler", f"个人信息处理者:{zh_name}。", f"The handler: {en_name} ({zh_name}).")]
    if not rows.get("accounts", pd.DataFrame()).empty:
        lines.append(("basis", f"为履行您签订的 {len(rows['accounts'])} 份合同(订阅、配送)处理您的姓名、联系方式、地址和订单(《个人信息保护法》第十三条:订立、履行合同所必需)。",
                      f"To perform your {len(rows['accounts'])} contract(s) (subscriptions, deliveries) we process your name, contact details, address and orders (PIPL Art. 13: necessary for a contract)."))
    for rec in rows.get("consents", pd.DataFrame()).itertuples(index=False):
        zh, en, based = PURPOSES.get(rec.purpose, (rec.purpose, rec.purpose, True))
        state_zh = f",已于{_day(rec.withdrawn_on)}撤回" if _day(rec.withdrawn_on) else ""
        state_en = f", withdrawn on {_day(rec.withdrawn_on)}" if _day(rec.withdrawn_on) else ""
        kind_zh = "单独同意" if rec.separate_consent else ("同意" if based else "告知确认")
        kind_en = "separate consent" if rec.separate_consent else ("consent" if based else "acknowledgement")
        lines.append(("consent", f"{zh}:{kind_zh},{_day(rec.given_on)}{state_zh}(第十四、二十九条)。",
                      f"{en}: {kind_en} given on {_day(rec.given_on)}{state_en} (Arts. 14, 29)."))
    plan = plan or plan_retention(case)
    records = plan.for_customer(request.customer_id)
    for rule_id, group in records.groupby("rule", observed=True, sort=True):
        rule = plan.schedule.rule(str(rule_id))
        action = group["action"].astype(str).value_counts().index[0]
        date = _day(group.loc[group["action"].astype(str) == action, "date"].max())
        zh, en = _ACTION_TEXT[action]
        lines.append(("retention", f"{rule.name_zh}({len(group)} 条):" + zh.format(date=date or "未定") + "。",
                      f"{rule.name_en} ({len(group)} record(s)): " + en.format(date=date or "not yet fixed") + "."))
    if company is not None and str(company.get("scenario")) == "dissolution":
        successor = str(company.get("successor") or "")
        lines.append(("recipient", f"公司解散:需要继续保存或继续服务的信息将转移给承继方{successor},承继方继续履行个人信息处理者的义务(第二十二条)。",
                      f"The company is dissolving: information that must be kept or that a continued service needs passes to the successor, {successor}, which continues the handler's duties (PIPL Art. 22)."))
    lines.append(("rights", "您可以查阅、复制、更正、补充、删除您的个人信息,要求解释处理规则;我们拒绝时会说明理由,您可以向人民法院起诉(第四十四至五十条)。",
                  "You may access, copy, correct, complete and delete your personal information and ask us to explain these rules; if we refuse we give reasons, and you may sue (PIPL Arts. 44–50)."))
    frame = pd.DataFrame(lines, columns=["topic", "zh", "en"])
    entry = None
    if ledger is not None:
        entry = ledger.append("query", actor=actor, subjects=[request.customer_id], details={
            "request_id": request.request_id, "operation": "explanation", "article": "PIPL Art. 48",
            "rows": {t: int(len(f)) for t, f in rows.items()}, "topics": sorted(set(frame["topic"]))})
    return Explanation(request.request_id, frame, entry)


_ACTION_TEXT = {
    "keep_until": ("保存至{date}", "kept until {date}"),
    "delete_by": ("最迟于{date}删除", "deleted by {date} at the latest"),
    "restrict_then_delete": ("限制处理(仅存储和必要的安全措施),{date}删除", "restricted to storage and security, deleted on {date}"),
    "hand_over": ("保存期长于公司存续期,于{date}注销时移交保管", "kept longer than the company exists: handed over for custody at deregistration on {date}"),
}
