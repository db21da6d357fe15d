"""Module 03's two exercises: keep or delete each record (item "retention-schedule", marked by the
retention plan), and for each place the case company's customer data lives, how to destroy it
(item "destruction-method").

The places come from the case's own ``systems`` and ``system_tables`` (the CRM, the help-desk
SaaS run by a processor, the e-mail archive, the NAS backup, the off-site encrypted tapes, the
foreign shareholder's CRM copy, the paper boxes) plus a spreadsheet someone exported to a laptop
(an ``export`` row of the access log).  The right answer is computed by :func:`recommend_method`
from the data — the system's kind, whether it is encrypted at rest, where it is and who runs it,
and the retention bases of the tables it holds (the catalogue and retention rules) — never typed
in.  Each explanation names the NIST SP 800-88 category and the article.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..learn.choices import ChoiceExercise
from .destroy import CATEGORIES
from .retention import RetentionPlan, _Context, _custodian, _day, _fmt, _relationship_end, plan_retention
from .schedule import LegalHold, RetentionRule, RetentionSchedule, load_schedule

__all__ = ["OPTIONS", "Recommendation", "recommend_method", "exercise_artefacts", "destruction_exercise",
           "table_duties", "RETENTION_OPTIONS", "exercise_situations", "retention_exercise"]

OPTIONS = (
    ("delete_rows", "删除这些客户的行", "Delete the customers' rows"),
    ("crypto_shred", "加密擦除:删除密钥", "Crypto-shred: delete the keys"),
    ("destroy_file", "覆写并删除整个文件", "Destroy the file (overwrite and delete)"),
    ("destroy_media", "在见证人在场时物理销毁介质或纸张", "Physically destroy the media or paper, with a witness"),
    ("processor_delete", "要求受托方或接收方删除并取得确认", "Instruct the processor or recipient to delete, and obtain confirmation"),
    ("keep", "保留(保存义务),限制处理", "Keep (retention duty) and restrict processing"),
)
_LABELS = {o[0]: (o[1], o[2]) for o in OPTIONS}
_ABROAD = ("境外", "abroad")
_PROCESSOR = ("受托", "服务商", "processor", "provider")


@dataclass(frozen=True)
class Recommendation:
    """The method for one place: the best option, the options also accepted, the NIST SP 800-88
    category (None when nothing is destroyed now) and why, in zh-CN and English."""
    best: str
    accepted: tuple
    category: str | None
    zh: str
    en: str


def table_duties(catalogue: pd.DataFrame, rules: pd.DataFrame) -> dict[str, tuple[str, str, str]]:
    """{table: (duty, basis_en, certainty)} for tables with a retention period: duty "law" when a
    basis is V or S, "policy" when only U (company policy, not law)."""
    periods = rules.set_index("code")
    out = {}
    for table, codes in catalogue.groupby("table")["retention_basis"]:
        bases = []
        for code in codes.dropna().unique():
            if code not in periods.index or pd.isna(periods.loc[code, "years"]) or periods.loc[code, "years"] in ("", None):
                continue
            bases.append((str(periods.loc[code, "certainty"]), str(periods.loc[code, "basis"])))
        if bases:
            legal = [b for c, b in bases if c in ("V", "S")]
            out[table] = ("law", "; ".join(legal), "V/S") if legal else ("policy", "; ".join(b for _, b in bases), "U")
    return out


def _has(text: str, words) -> bool:
    low = str(text).lower()
    return any(w.lower() in low for w in words)


def held_by(system: Mapping) -> str:
    """Who holds a system's data, read from its location (a row of ``systems``): "abroad" (a
    recipient outside China), "processor" (an entrusted processor) or "company"."""
    where = f"{system.get('location_zh', '')} {system.get('location_en', '')}"
    if _has(where, _ABROAD):
        return "abroad"
    return "processor" if _has(where, _PROCESSOR) else "company"


def recommend_method(system: Mapping, tables: list[str], duties: dict) -> Recommendation:
    """The destruction method for one system (a row of ``systems``: kind, location_zh/en,
    encrypted_at_rest) holding ``tables``, given ``table_duties``."""
    kind = str(system["kind"])
    encrypted = str(system["encrypted_at_rest"]).strip().lower() in ("true", "1", "yes")
    holder = held_by(system)
    held = [t for t in tables if t != "employees"]
    law = [t for t in held if duties.get(t, ("",))[0] == "law"]
    policy = [t for t in held if duties.get(t, ("",))[0] == "policy"]
    basis = "; ".join(dict.fromkeys(duties[t][1] for t in law + policy))
    names = ", ".join(held)
    clear, purge, destroy = (f"NIST SP 800-88 {CATEGORIES[k]['en']}: {CATEGORIES[k]['definition_en']}"
                             for k in ("clear", "purge", "destroy"))
    clear_zh, purge_zh, destroy_zh = (f"NIST SP 800-88 {CATEGORIES[k]['zh']}:{CATEGORIES[k]['definition_zh']}"
                                      for k in ("clear", "purge", "destroy"))
    keep_zh = "期限届满前只存储并采取必要的安全保护措施,停止其他处理(《个人信息保护法》第47条);现在不销毁,故尚无 NIST 类别"
    keep_en = ("until the period ends, only storage and necessary security measures, no other processing (PIPL "
               "Art. 47); nothing is destroyed now, so no NIST category applies yet")
    if kind == "paper_archive":
        if held and len(law) == len(held):
            return Recommendation("keep", ("keep",), None,
                                  f"纸质{names}有法定保存义务({basis}):保留原件;{keep_zh}。",
                                  f"The paper {names} must be kept by law ({basis}); {keep_en}.")
        if held and len(law) + len(policy) == len(held):
            return Recommendation("keep", ("keep",), None,
                                  f"纸质{names}按公司政策保留({basis});法律参考未规定期限(标为 U),这是公司政策而非法律义务;"
                                  f"{keep_zh}。",
                                  f"The paper {names} is kept under company policy ({basis}); the legal reference "
                                  f"sets no period (marked U), so this is policy, not law; {keep_en}.")
        return Recommendation("destroy_media", ("destroy_media",), "destroy",
                              f"纸质{names}没有保存义务,服务结束即应删除(《个人信息保护法》第47条);纸张只能由销毁服务商"
                              f"在见证人在场时碎纸、打浆或焚烧,并记入台账——{destroy_zh}。",
                              f"The paper {names} has no retention duty and must go when the service ends (PIPL "
                              f"Art. 47); paper can only be shredded, pulped or incinerated by a vendor before a "
                              f"witness, and recorded — {destroy}.")
    if holder == "abroad":
        return Recommendation("processor_delete", ("processor_delete",), None,
                              "副本在境外的股东处:公司不能自己删除。向境外提供须走第38–40条规定的途径;法律参考未规定接收方"
                              "应公司要求删除的义务,所以依双方协议要求其删除并取得书面确认、记入台账(公司政策);确认书应写明方式及其 "
                              "NIST SP 800-88 类别。",
                              "The copy is with the shareholder abroad: the company cannot delete it itself. Transfers "
                              "abroad follow PIPL Arts. 38–40; the legal reference states no duty of the recipient to "
                              "delete on request, so ask under the agreement, obtain written confirmation and record "
                              "it (company policy); the confirmation should state the method and its NIST SP 800-88 "
                              "category.")
    if holder == "processor":
        return Recommendation("processor_delete", ("processor_delete",), None,
                              "该系统由受托处理者运营:委托结束时,受托方应返还或删除个人信息,不得保留(《个人信息保护法》第21条)。"
                              "发出删除指令,取得删除确认并记入台账;确认书应写明受托方的方式及其 NIST SP 800-88 类别。",
                              "A processor runs this system: when the entrustment ends the processor returns or "
                              "deletes the data and keeps nothing (PIPL Art. 21). Instruct it to delete, obtain its "
                              "confirmation and record it.")
    if kind == "backup":
        if encrypted:
            return Recommendation("crypto_shred", ("crypto_shred",), "purge",
                                  f"加密备份无法逐行修改,物理销毁又会毁掉需保留的记录:删除这些客户的数据密钥,使每个副本中的密文"
                                  f"都无法解密——{purge_zh}(前提:没有删除前的密钥库副本)。",
                                  f"An encrypted backup cannot be edited row by row, and destroying it would destroy "
                                  f"records that must be kept: delete the customers' data keys so their ciphertexts "
                                  f"in every copy cannot be decrypted — {purge} (provided no copy of the key store "
                                  f"from before survives).")
        return Recommendation("destroy_file", ("destroy_file", "delete_rows"), "clear",
                              f"未加密的备份无法加密擦除:删除后重新做一份不含这些客户的备份,再覆写并删除旧备份文件——"
                              f"{clear_zh}(固态硬盘或写时复制文件系统可能保留旧块)。",
                              f"An unencrypted backup cannot be crypto-shredded: make a new backup without the "
                              f"customers, then overwrite and delete the old backup file — {clear} (an SSD or a "
                              f"copy-on-write file system may keep old blocks).")
    if kind == "export":
        return Recommendation("destroy_file", ("destroy_file",), "clear",
                              f"笔记本上的导出表格只是副本,保存义务由原系统履行:覆写并删除整个文件,先记录其 SHA-256——{clear_zh}。",
                              f"A spreadsheet exported to a laptop is only a copy; any retention duty is met by the "
                              f"system it came from: overwrite and delete the whole file, recording its SHA-256 first "
                              f"— {clear}.")
    if held and len(law) == len(held):
        return Recommendation("keep", ("keep",), None,
                              f"{names}有法定保存义务({basis}):保留;{keep_zh}。",
                              f"{names} must be kept by law ({basis}); {keep_en}.")
    accepted = ("delete_rows", "crypto_shred") if encrypted else ("delete_rows",)
    kept = [t for t in held if t in law + policy]
    also_zh = f";同一系统中的{', '.join(kept)}依保存义务保留并限制处理" if kept else ""
    also_en = f"; {', '.join(kept)} in the same system stay under their retention duty, restricted" if kept else ""
    return Recommendation("delete_rows", accepted, "clear",
                          f"公司自己运营的系统:删除这些客户的行及派生数据{also_zh}——{clear_zh}"
                          + ("(该系统已加密,加密擦除也可接受)。" if encrypted else "。"),
                          f"A system the company runs itself: delete the customers' rows and derived data{also_en} — "
                          f"{clear}" + (" (it is encrypted, so crypto-shredding is also accepted)." if encrypted else "."))


def exercise_artefacts(case, seed: int = 0) -> pd.DataFrame:
    """The places of the exercise, in an order set by ``seed``: system_id, names, kind, location,
    encrypted_at_rest and the tables held — the CRM, the two backups, the foreign copy, one of the
    processor-run systems, a paper box that must be kept and one that need not (chosen by
    ``seed``), and a spreadsheet exported to a laptop (an export in the access log)."""
    rng = np.random.default_rng(seed)
    systems = case["systems"].copy()
    holdings = case["system_tables"]
    held = holdings.groupby("system_id")["table_name"].agg(list)
    systems["tables"] = systems["system_id"].map(held).apply(lambda v: v if isinstance(v, list) else [])
    present = set(systems["system_id"])
    pick = lambda ids: [ids[int(rng.integers(len(ids)))]] if ids else []   # noqa: E731
    chosen = [s for s in ("S01", "S05", "S06", "S07") if s in present]
    chosen += pick([s for s in ("S03", "S04") if s in present])
    duties = table_duties(case.catalogue, case.retention_rules)
    paper = systems[systems["kind"] == "paper_archive"]
    kept = [r["system_id"] for r in paper.to_dict("records") if recommend_method(r, r["tables"], duties).best == "keep"]
    chosen += pick(kept) + pick([s for s in paper["system_id"] if s not in kept])
    out = systems.set_index("system_id").loc[chosen].reset_index()
    log = case["access_log"]
    exports = log[log["action"] == "export"]
    if len(exports):
        row = exports.iloc[int(rng.integers(len(exports)))]
        who, table, day = row["employee_id"], row["table_name"], str(row["ts"])[:10]
    else:
        who, table, day = "E0001", "customers", ""
    laptop = {"system_id": "X01", "name_zh": f"{who} 笔记本电脑上的导出表格({table}, {day})",
              "name_en": f"Spreadsheet exported to {who}'s laptop ({table}, {day})", "kind": "export",
              "location_zh": "员工笔记本电脑", "location_en": "Employee's laptop", "owner_id": who,
              "encrypted_at_rest": False, "tables": [table]}
    out = pd.concat([out, pd.DataFrame([laptop])], ignore_index=True)
    order = rng.permutation(len(out))
    return out.iloc[order].reset_index(drop=True)


def destruction_exercise(case, seed: int = 0) -> ChoiceExercise:
    """Module 03's exercise "destruction-method": choose how to destroy the data in each place."""
    duties = table_duties(case.catalogue, case.retention_rules)
    places = exercise_artefacts(case, seed)
    rows, truth = [], {}
    for place in places.to_dict("records"):
        key = place["system_id"]
        encrypted = str(place["encrypted_at_rest"]).strip().lower() in ("true", "1", "yes")
        detail = (f"{place['location_zh']} · {place['location_en']} · "
                  f"{'加密存储' if encrypted else '未加密'} / {'encrypted at rest' if encrypted else 'not encrypted'} · "
                  f"{', '.join(place['tables'])}")
        rows.append({"key": key, "title": f"{place['name_zh']} · {place['name_en']}", "detail": detail})
        truth[key] = recommend_method(place, place["tables"], duties)

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        rec = truth[key]
        if given in rec.accepted:
            return True, ""
        zh, en = _LABELS[rec.best]
        return False, (f"应为:{zh}。{rec.zh}" if lang == "zh-CN" else f"Expected: {en}. {rec.en}")

    return ChoiceExercise("destruction-method", ("为每处客户数据选择销毁方式", "Choose how to destroy the customer data in each place"),
                          pd.DataFrame(rows, columns=["key", "title", "detail"]), OPTIONS, marker)


# -- module 03 exercise ---------------------------------------------------------------------------------

RETENTION_OPTIONS = (
    ("keep_30y", "保存30年", "keep 30 years"),
    ("keep_10y", "保存10年", "keep 10 years"),
    ("keep_3y", "保存3年", "keep 3 years"),
    ("keep_while_active", "客户关系存续期间保存", "keep while the customer relationship lasts"),
    ("delete", "删除(没有保存义务)", "delete (no duty to keep it)"),
    ("restrict_then_delete", "限制处理,期满后删除", "restrict processing, delete when the period ends"),
    ("hold", "保留至法律保全解除", "keep until the legal hold is lifted"),
    ("hand_over", "移交档案保管机构或承继方", "hand over to the archive custodian or the successor"),
)

_EXERCISE_HOLD = "H-EX-1"
_LOG_ACTIONS = {"view": ("查看", "a view"), "search": ("查询", "a search"), "update": ("修改", "an update"),
                "export": ("导出", "an export"), "backup": ("备份", "a backup")}
_CONSENT_PURPOSES = {"privacy_notice": ("隐私政策告知确认", "privacy notice acknowledged"),
                     "marketing": ("营销信息", "marketing messages"),
                     "sensitive_financial": ("保存银行卡号(单独同意)", "bank card kept (separate consent)"),
                     "guardian": ("监护人同意", "guardian's consent"),
                     "cross_border": ("向境外股东提供(单独同意)", "provided to the foreign shareholder (separate consent)")}
_HOLD_DAYS_BEFORE = 14


def _keep_option(rule: RetentionRule) -> str:
    p = rule.period
    if p.kind == "fixed" and not p.months and not p.days:
        return f"keep_{p.years}y"
    return "keep_while_active" if p.kind == "none" else f"keep_{rule.id}"


def _record_option(reason: str, rule: RetentionRule) -> str:
    """The exercise option that matches a planned record."""
    if reason == "hold":
        return "hold"
    if reason == "restrict":
        return "restrict_then_delete"
    if reason == "hand_over":
        return "hand_over"
    if reason in ("keep_active", "keep_open"):
        return "keep_while_active"
    if reason.startswith("delete"):
        return "delete"
    return _keep_option(rule)


def exercise_situations(case, seed: int = 0, schedule=None):
    """The exercise's eight situations, drawn from the case with ``seed``: (situations, requests, holds).

    situations: key, table, row_id, customer_id, rule — rule is "" when the question is the
    record's own fate, or a rule id when it is about the fields that rule covers (an order's
    invoice fields).  requests and holds are what the exercise adds to the case: one deletion
    request (received on the plan's day) and one open litigation hold."""
    sched = schedule if isinstance(schedule, RetentionSchedule) else load_schedule(schedule)
    rng = np.random.default_rng(int(seed))
    first = plan_retention(case, sched)
    r, d, today = first.records, first.duties, first.today

    def pick(frame: pd.DataFrame, what: str) -> pd.Series:
        if frame.empty:
            raise ValueError(f"retention exercise: the case has no {what}; generate a larger case")
        return frame.iloc[int(rng.integers(len(frame)))]

    profiles = r[r["table"] == "customers"]
    closed = profiles[profiles["reason"] == "delete_purpose"]
    if len(closed) < 2:
        closed = profiles[profiles["reason"].astype(str).str.startswith("delete")]
    hold_row = pick(closed, "customer whose contracts have all ended")
    closed_row = pick(closed[closed["customer_id"] != hold_row["customer_id"]], "second customer whose contracts ended")
    taken = {hold_row["customer_id"], closed_row["customer_id"]}
    relationship = _relationship_end(case.tables, sched.settings)
    open_customers = relationship.index[relationship.isna()] if relationship is not None else pd.Index([])
    orders = r[(r["table"] == "orders") & ~r["customer_id"].isin(taken)]
    active_orders = orders[orders["customer_id"].isin(open_customers)]
    request_row = pick(active_orders if len(active_orders) else orders, "order")
    taken.add(request_row["customer_id"])
    free = ~r["customer_id"].isin(taken)

    invoices = d[(d["rule"] == "tax_records") & (d["keep_until"] > today) & ~d["customer_id"].isin(taken)]
    invoice_row = pick(invoices, "invoiced order within its tax period")
    vouchers = r[(r["table"] == "orders") & free & (r["also"] == "") & (r["reason"] != "delete_expired")]
    voucher_row = pick(vouchers, "order without an invoice")
    tickets = r[(r["table"] == "tickets") & free]
    active_tickets = tickets[tickets["customer_id"].isin(open_customers)]
    ticket_row = pick(active_tickets if len(active_tickets) else tickets, "ticket")
    consents = r[(r["table"] == "consents") & free]
    dated = consents[consents["reason"].isin(["keep_duty", "hand_over"])]
    consent_row = pick(dated if len(dated) else consents, "consent record")
    logs = r[(r["table"] == "access_log") & r["customer_id"].notna() & free]
    log_row = pick(logs, "access-log entry about a customer")

    chosen = [("invoice", invoice_row, "tax_records"), ("voucher", voucher_row, ""), ("closed-profile", closed_row, ""),
              ("ticket", ticket_row, ""), ("consent", consent_row, ""), ("access-log", log_row, ""),
              ("request-order", request_row, ""), ("hold-profile", hold_row, "")]
    situations = pd.DataFrame([{"key": key, "table": str(row["table"]), "row_id": row["row_id"],
                                "customer_id": row["customer_id"], "rule": rule} for key, row, rule in chosen])
    situations = situations.iloc[rng.permutation(len(situations))].reset_index(drop=True)
    requests = pd.DataFrame({"customer_id": [request_row["customer_id"]], "received_on": [today], "kind": ["deletion"]})
    holds = (LegalHold(_EXERCISE_HOLD, "litigation", today - pd.Timedelta(days=_HOLD_DAYS_BEFORE), None,
                       frozenset({hold_row["customer_id"]}), frozenset(), "客户就退款提起诉讼", "the customer sued over a refund"),)
    return situations, requests, holds


def retention_exercise(case, seed: int = 0, *, lang: str | None = None, schedule=None) -> ChoiceExercise:
    """Module 03's exercise (item "retention-schedule"): keep, delete, restrict, hold or hand over
    each of eight records of the case.  The right answers are the plan's (``plan_retention`` with
    the situations' request and hold); every miss is explained with its article.  ``lang`` is the
    language of the rows' titles (default: the kit's language)."""
    from ..i18n import get_lang, normalize

    row_lang = normalize(lang) if lang else get_lang()
    sched = schedule if isinstance(schedule, RetentionSchedule) else load_schedule(schedule)
    situations, requests, holds = exercise_situations(case, seed, sched)
    plan = plan_retention(case, sched, requests=requests, holds=holds)
    records = plan.records.set_index(["table", "row_id"])
    duties = plan.duties.set_index(["table", "row_id", "rule"])
    options = list(RETENTION_OPTIONS)
    relationship = _relationship_end(case.tables, sched.settings)
    rows, truth = [], {}
    for s in situations.itertuples(index=False):
        if s.rule:
            rule = sched.rule(s.rule)
            option, why = _duty_truth(duties.loc[(s.table, s.row_id, s.rule)], rule, s.table, plan)
        else:
            rec = records.loc[(s.table, s.row_id)]
            rule = sched.rule(str(rec["rule"]))
            option = _record_option(str(rec["reason"]), rule)
            why = {"zh": str(rec["why_zh"]), "en": str(rec["why_en"])}
        if option not in {o[0] for o in options}:
            options.append((option, rule.period.text("zh"), f"keep {rule.period.text('en')}"))
        truth[s.key] = (option, why)
        title, detail = _situation_text(s, case, plan, relationship, row_lang)
        rows.append({"key": s.key, "title": title, "detail": detail})
    labels = {o[0]: (o[1], o[2]) for o in options}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        option, why = truth[key]
        if given == option:
            return True, ""
        label = labels[option][1 if lang == "en" else 0]
        return False, (f"Expected: {label}. {why['en']}" if lang == "en" else f"应为:{label}。{why['zh']}")

    scenario_zh = "迁址" if plan.scenario == "relocation" else "解散注销"
    title = (f"保存还是删除?为每条记录选择处理方式({scenario_zh},{_fmt(plan.today)})",
             f"Keep or delete? Choose what happens to each record ({plan.scenario}, {_fmt(plan.today)})")
    return ChoiceExercise("retention-schedule", title, pd.DataFrame(rows, columns=["key", "title", "detail"]),
                          tuple(options), marker)


def _duty_truth(duty: pd.Series, rule: RetentionRule, table: str, plan: RetentionPlan) -> tuple[str, dict]:
    """The option and explanation for the fields one rule covers in one record."""
    sched = plan.schedule
    ctx = _Context(sched, plan.scenario, _day(plan.today), _day(plan.service_end), _day(plan.deregistration), "")
    ends = duty["keep_until"]
    why = {lang: sched.summary(rule, lang, rule.anchors.get(table)) for lang in ("zh", "en")}
    if duty["status"] == "fixed" and pd.notna(ends) and ends <= plan.today:
        return "delete", {"zh": f"保存期限已于{_fmt(ends)}届满({why['zh']}):删除(《个人信息保护法》第47条)。",
                          "en": f"The period ended on {_fmt(ends)} ({why['en']}): delete (PIPL Art. 47)."}
    if plan.scenario == "dissolution" and (pd.isna(ends) or ends > plan.deregistration):
        return "hand_over", {"zh": f"{why['zh']},保存至{_fmt(ends)}。公司于{_fmt(plan.deregistration)}注销,早于期限届满:移交给"
                                   f"{_custodian(rule, ctx, 'zh')}。",
                             "en": f"{why['en']}, until {_fmt(ends)}. The company is deregistered on {_fmt(plan.deregistration)}, "
                                   f"before that: hand the records over to {_custodian(rule, ctx, 'en')}."}
    return _keep_option(rule), {"zh": f"{why['zh']},保存至{_fmt(ends)}。", "en": f"{why['en']}, until {_fmt(ends)}."}


def _situation_text(s, case, plan: RetentionPlan, relationship: pd.Series | None, lang: str) -> tuple[str, str]:
    """Title and detail of one situation, from the data (record numbers and dates only, no names)."""
    en = lang == "en"
    frame = case[s.table]
    id_column = plan.schedule.settings.id_columns.get(s.table, frame.columns[0])
    row = frame[frame[id_column].astype(str) == s.row_id].iloc[0]
    ended = relationship.get(s.customer_id) if relationship is not None and isinstance(s.customer_id, str) else None
    if ended is not None and pd.notna(ended):
        status_zh, status_en = f"客户的合同已于{_fmt(ended)}全部结束", f"the customer's contracts all ended by {_fmt(ended)}"
    else:
        status_zh, status_en = "客户的合同仍在履行", "the customer's contract is still running"
    if plan.scenario == "dissolution":
        status_zh += f";公司于{_fmt(plan.service_end)}停止服务,{_fmt(plan.deregistration)}注销"
        status_en += f"; the company stops its service on {_fmt(plan.service_end)} and is deregistered on {_fmt(plan.deregistration)}"
    purpose = _CONSENT_PURPOSES.get(str(row.get("purpose")), (str(row.get("purpose")),) * 2)
    action = _LOG_ACTIONS.get(str(row.get("action")), (str(row.get("action")),) * 2)
    texts = {
        "invoice": ((f"订单{s.row_id}的发票字段(发票号码、抬头)", f"下单日期{_fmt(row.get('order_date'))};已开具电子发票"),
                    (f"Order {s.row_id}: its invoice fields (number, title)",
                     f"ordered on {_fmt(row.get('order_date'))}; an electronic invoice was issued")),
        "voucher": ((f"订单{s.row_id}(会计凭证)", f"下单日期{_fmt(row.get('order_date'))};未开发票"),
                    (f"Order {s.row_id} (an accounting voucher)", f"ordered on {_fmt(row.get('order_date'))}; no invoice")),
        "closed-profile": ((f"客户{s.customer_id}的会员资料", status_zh), (f"Customer {s.customer_id}: member profile", status_en)),
        "ticket": ((f"工单{s.row_id}", f"{_fmt(row.get('closed_at'))}办结;{status_zh}"),
                   (f"Ticket {s.row_id}", f"closed on {_fmt(row.get('closed_at'))}; {status_en}")),
        "consent": ((f"同意记录{s.row_id}({purpose[0]})", f"{_fmt(row.get('given_on'))}作出;{status_zh}"),
                    (f"Consent record {s.row_id} ({purpose[1]})", f"given on {_fmt(row.get('given_on'))}; {status_en}")),
        "access-log": ((f"访问日志{s.row_id}", f"{_fmt(row.get('ts'))}对一条客户记录的{action[0]}操作"),
                       (f"Access-log entry {s.row_id}", f"{action[1]} of a customer record on {_fmt(row.get('ts'))}")),
        "request-order": ((f"订单{s.row_id}:客户已要求删除", f"{_fmt(plan.today)}收到删除请求;下单日期{_fmt(row.get('order_date'))}"),
                          (f"Order {s.row_id}: the customer asked for deletion",
                           f"deletion request received {_fmt(plan.today)}; ordered on {_fmt(row.get('order_date'))}")),
    }
    since = _fmt(plan.today - pd.Timedelta(days=_HOLD_DAYS_BEFORE))
    texts["hold-profile"] = ((f"客户{s.customer_id}的资料:诉讼保全中", f"{status_zh};保全{_EXERCISE_HOLD}(诉讼)自{since}起,尚未解除"),
                             (f"Customer {s.customer_id}: profile under a legal hold",
                              f"{status_en}; hold {_EXERCISE_HOLD} (litigation) since {since}, still open"))
    zh_text, en_text = texts[s.key]
    return en_text if en else zh_text
