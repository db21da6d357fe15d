"""``check_plan(plan, case)``: the team's disposition plan against the kit's rules and its own
reference plan.  Every difference is explained; errors reject the plan, warnings are explained
and accepted.  Each explanation names the rule and the article (the kit's legal reference; U
items are company policy and said so)."""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

import pandas as pd

from ..lifecycle.destroy import CATEGORIES
from .facts import CaseFacts, Holding, case_facts
from .plan import Plan, PlanRow, load_plan
from .reference import expected_method, method_fits, reference_plan, rule_cite, rule_text
from .vocab import METHODS, MEDIA, label

__all__ = ["Finding", "Verdict", "check_plan", "FINDING_COLUMNS"]

FINDING_COLUMNS = ["severity", "code", "system_id", "table", "field", "given", "expected", "article",
                   "explanation_zh", "explanation_en"]
# fields each action uses; anything else filled in is pointed out
_USED = {"migrate": {"recipient", "columns", "condition", "method", "by", "notify"},
         "transfer": {"recipient", "columns", "condition", "method", "by", "notify"},
         "retain": {"until", "basis", "custodian", "condition", "by", "notify"},
         "destroy": {"basis", "method", "by", "notify"}}
_COMPARED = ("until", "basis", "custodian", "recipient", "columns", "condition", "method", "by", "notify")


@dataclass(frozen=True)
class Finding:
    severity: str            # error | warning
    code: str
    system_id: str
    table: str
    field: str
    given: str
    expected: str
    article: str
    explanation_zh: str
    explanation_en: str

    def explanation(self, lang: str = "en") -> str:
        return self.explanation_zh if lang == "zh-CN" else self.explanation_en

    def __str__(self) -> str:
        return f"{self.severity} {self.code} {self.system_id}/{self.table}.{self.field}: {self.explanation_en}"


@dataclass
class Verdict:
    accepted: bool
    findings: list[Finding]
    scenario: str
    rows: int
    reference: Plan = field(repr=False, default=None)

    @property
    def errors(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def warnings(self) -> list[Finding]:
        return [f for f in self.findings if f.severity == "warning"]

    def codes(self, severity: str | None = None) -> set[str]:
        return {f.code for f in self.findings if severity is None or f.severity == severity}

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([f.__dict__ for f in self.findings], columns=FINDING_COLUMNS)

    def summary(self, lang: str = "en") -> str:
        e, w = len(self.errors), len(self.warnings)
        if lang == "zh-CN":
            return (f"方案{'通过' if self.accepted else '未通过'}:{self.rows}行,{e}个错误,{w}个提示。")
        return f"Plan {'accepted' if self.accepted else 'rejected'}: {self.rows} rows, {e} error(s), {w} warning(s)."

    @property
    def score(self) -> float:
        """Share of the reference rows with no error (the exercise's score)."""
        if not self.reference or not self.reference.rows:
            return 0.0
        bad = {(f.system_id, f.table) for f in self.errors}
        return round(sum(r.key not in bad for r in self.reference.rows) / len(self.reference.rows), 4)


def _d(day) -> str:
    return day.isoformat() if day else ""


def _describe(row: PlanRow | None, lang: str) -> str:
    """A plan row in one phrase (what the plan says / what the kit expects)."""
    if row is None:
        return "(无)" if lang == "zh-CN" else "(nothing)"
    zh = lang == "zh-CN"
    if not row.action:
        return "(未决定)" if zh else "(no decision)"
    parts = [label("action", row.action, lang)]
    if row.action == "retain":
        parts.append((f"至{_d(row.until)}" if zh else f"until {_d(row.until)}") if row.until else
                     ("至目的结束" if zh else "while the purpose lasts"))
        if row.basis:
            parts.append(row.basis)
        if row.custodian:
            parts.append(("保管:" if zh else "custodian: ") + label("custodian", row.custodian, lang))
    if row.recipient:
        parts.append("→ " + label("recipient", row.recipient, lang))
    if row.condition:
        parts.append(label("condition", row.condition, lang))
    if row.method:
        parts.append(label("method", row.method, lang))
    if row.by:
        parts.append((f"最迟{_d(row.by)}" if zh else f"by {_d(row.by)}"))
    if row.notify:
        parts.append(("告知:" if zh else "notify: ") + ", ".join(label("notify", n, lang) for n in row.notify))
    return ", ".join(parts) if not zh else ",".join(parts)


class _Checker:
    def __init__(self, plan: Plan, facts: CaseFacts, ref: Plan):
        self.plan, self.facts, self.ref = plan, facts, ref
        self.findings: list[Finding] = []

    def add(self, severity, code, h_or_key, fld, given, expected, article, zh, en):
        system_id, table = h_or_key.key if hasattr(h_or_key, "key") else h_or_key
        self.findings.append(Finding(severity, code, system_id, table, fld, str(given), str(expected), article, zh, en))

    def has(self, key, fld) -> bool:
        return any((f.system_id, f.table) == key and f.field == fld for f in self.findings)

    # -- the rules ----------------------------------------------------------------------------------

    def run(self) -> list[Finding]:
        planned = {r.key: r for r in self.plan.rows}
        for r in self.plan.rows:
            if self.facts.holding(r.key) is None:
                self.add("error", "unknown_row", r.key, "table", f"{r.system_id}/{r.table}", "",
                         "PIPL Art. 4",
                         f"{r.system_id}/{r.table}不在案例公司的系统清单中:检查系统编号和表名。",
                         f"{r.system_id}/{r.table} is not in the case company's systems inventory: check the system "
                         f"id and the table name.")
        for h in self.facts.holdings:
            ref = self.ref.row(*h.key)
            row = planned.get(h.key)
            if row is None:
                self.missing(h, ref)
                continue
            if not row.action:
                self.add("error", "no_decision", h, "action", "", _describe(ref, "en"), "PIPL Art. 47",
                         f"{h.system_id}/{h.table}还没有决定。本工具的方案:{_describe(ref, 'zh-CN')}。"
                         f"{self.ref.why[h.key][0]}",
                         f"{h.system_id}/{h.table} has no decision yet. The kit's plan: {_describe(ref, 'en')}. "
                         f"{self.ref.why[h.key][1]}")
                continue
            getattr(self, row.action)(h, row, ref)
            self.notify_extra(h, row, ref)
            self.unused(h, row)
            self.differences(h, row, ref)
        self.relocation_notice(planned)
        return self.findings

    def missing(self, h: Holding, ref: PlanRow):
        kind = {"backup": "missing_backup", "paper": "missing_paper", "copy": "missing_copy"}.get(h.copy_kind,
                                                                                                 "missing_row")
        what_zh = {"backup": "备份", "paper": "纸质档案", "copy": "副本"}.get(h.copy_kind, "记录")
        what_en = {"backup": "backup", "paper": "paper record", "copy": "copy"}.get(h.copy_kind, "record")
        self.add("error", kind, h, "action", "", _describe(ref, "en"), "PIPL Arts. 4, 47",
                 f"方案漏掉了{h.system_id}{h.name_zh}中的{h.table}({what_zh},{h.records}条)。个人信息包括以电子或者其他方式记录的"
                 f"信息,处理包括存储(《个人信息保护法》第4条),删除义务覆盖每一份{what_zh}(第47条)。本工具的方案:"
                 f"{_describe(ref, 'zh-CN')}。{self.ref.why[h.key][0]}",
                 f"The plan forgets {h.table} in {h.system_id} {h.name_en} (a {what_en}, {h.records} records). "
                 f"Personal information is information recorded electronically or otherwise, and processing includes "
                 f"storage (PIPL Art. 4): the duty to delete covers every {what_en} (Art. 47). The kit's plan: "
                 f"{_describe(ref, 'en')}. {self.ref.why[h.key][1]}")

    def _late(self, h, row, limit, what_zh, what_en):
        if row.by and limit and row.by > limit:
            dereg = self.facts.deregistration
            self.add("error", "too_late", h, "by", _d(row.by), _d(limit), "PIPL Art. 47",
                     f"{h.system_id}/{h.table}{what_zh}的日期{_d(row.by)}晚于期限{_d(limit)}:"
                     + (f"服务结束后目的已实现,应在宽限期内删除(《个人信息保护法》第47条;宽限天数为公司政策),"
                        f"且公司{_d(dereg)}注销后不再存在,一切须在注销前完成。" if self.facts.dissolution else
                        "新地址生效前应完成迁移(公司计划)。"),
                     f"{h.system_id}/{h.table}: {what_en} on {_d(row.by)}, after the limit {_d(limit)}: "
                     + (f"once the service ends the purpose is achieved and the data goes within the grace period "
                        f"(PIPL Art. 47; the number of days is company policy), and after its deregistration on "
                        f"{_d(dereg)} the company no longer exists, so everything is done before it."
                        if self.facts.dissolution else "the move should be complete before the new address takes "
                                                       "effect (the company's plan)."))

    def _need_by(self, h, row):
        if not row.by:
            limit = self.facts.deadline(h) or self.facts.address_cancelled_on
            self.add("error", "no_date", h, "by", "", _d(limit), "PIPL Art. 47",
                     f"{h.system_id}/{h.table}没有完成日期(by):一个没有日期的步骤无法检查,也无法证明已经完成;最迟{_d(limit)}。",
                     f"{h.system_id}/{h.table} has no date (by): a step without a date cannot be checked or shown "
                     f"done; at the latest {_d(limit)}.")

    def _method(self, h, row, required=True):
        if not row.method:
            if required:
                m = expected_method(h, self.facts)
                self.add("error", "no_method", h, "method", "", m, "NIST SP 800-88",
                         f"{h.system_id}/{h.table}没有写销毁方法;{MEDIA[h.medium][0]}适合:{label('method', m, 'zh-CN')}。",
                         f"{h.system_id}/{h.table} names no destruction method; for {MEDIA[h.medium][1]} the kit uses: "
                         f"{label('method', m, 'en')}.")
            return
        if method_fits(row.method, h):
            return
        m = expected_method(h, self.facts)
        fits = [k for k in METHODS if method_fits(k, h)]
        cat = METHODS[row.method]["category"]
        if row.method == "crypto_shred" and h.medium in METHODS["crypto_shred"]["media"]:
            why_zh, why_en = (f"{h.system_id}没有静态加密,没有可删除的密钥,加密擦除无从谈起。",
                              f"{h.system_id} is not encrypted at rest: there is no key to delete, so crypto-shredding "
                              f"cannot work.")
        elif h.medium == "processor":
            why_zh, why_en = ("该系统由受托处理者运营,公司不能自己删除:受托方在委托结束时返还或删除,不得保留(《个人信息保护法》第21条)。",
                              "A processor runs this system and the company cannot delete in it itself: the processor "
                              "returns or deletes the data when the entrustment ends and keeps nothing (PIPL Art. 21).")
        elif h.medium == "abroad":
            why_zh, why_en = ("副本在境外接收方处,公司不能自己删除,只能依协议要求其删除并取得确认(公司政策;第38–40条)。",
                              "The copy is with a recipient abroad; the company cannot delete it itself and can only "
                              "ask under the agreement and obtain confirmation (company policy; PIPL Arts. 38–40).")
        else:
            c_zh = CATEGORIES[cat]["zh"] if cat else "由他人执行"
            c_en = CATEGORIES[cat]["en"] if cat else "done by someone else"
            why_zh = f"“{METHODS[row.method]['zh']}”({c_zh})不适用于{MEDIA[h.medium][0]}。"
            why_en = f"'{METHODS[row.method]['en']}' ({c_en}) does not fit {MEDIA[h.medium][1]}."
        self.add("error", "method_unfit", h, "method", row.method, m,
                 "PIPL Art. 21" if h.medium == "processor" else "NIST SP 800-88",
                 f"{h.system_id}/{h.table}:{why_zh}适合的方法:{'、'.join(label('method', k, 'zh-CN') for k in fits)}。",
                 f"{h.system_id}/{h.table}: {why_en} Methods that fit: {'; '.join(label('method', k, 'en') for k in fits)}.")

    def _retention_short(self, h, row, day, verb_zh, verb_en, code):
        """Error (law) or warning (company policy) when the records themselves go before the period ends."""
        tf = self.facts.tables[h.table]
        if not h.is_record_copy or tf.duty == "none":
            return False
        open_ = tf.required_until is None and tf.open_rows > 0
        if not open_ and not (tf.required_until and (day is None or day < tf.required_until)):
            return False
        if day is None and code == "kept_too_short" and not self.facts.dissolution:
            return False                       # relocation: retained while the period runs, no end given
        severity = "error" if tf.duty == "law" else "warning"
        rule = tf.rule
        also_zh = "".join(f";部分字段另有{rule_text(self.facts, a, 'zh-CN')}" for a in tf.also)
        also_en = "".join(f"; some fields also fall under {rule_text(self.facts, a, 'en')}" for a in tf.also)
        need_zh = f"须保存至{_d(tf.required_until)}" if not open_ else f"{tf.open_rows}条记录的期限尚未开始(合同仍在继续)"
        need_en = f"must be kept until {_d(tf.required_until)}" if not open_ else \
            f"{tf.open_rows} records' period has not even started (their contracts go on)"
        policy_zh = "这是公司政策,不是法律规定,故只作提示;" if severity == "warning" else ""
        policy_en = "This is company policy, not law, so it is a warning: keep" if severity == "warning" else "Keep"
        cite = rule_cite(self.facts, rule, "en")
        self.add(severity, code, h, "by" if row.action == "destroy" else "until", _d(day),
                 _d(tf.required_until) or "open", cite,
                 f"{h.system_id}/{h.table}是原始记录,方案{verb_zh}{_d(day) or '(未给日期)'},但按{rule_text(self.facts, rule, 'zh-CN')}"
                 f"{also_zh},{need_zh}。{policy_zh}应予保留(解散时移交保管机构),期间只存储并采取必要的安全措施(《个人信息保护法》第47条)。",
                 f"{h.system_id}/{h.table} holds the records themselves and the plan {verb_en} {_d(day) or '(no date)'}, "
                 f"but under {rule_text(self.facts, rule, 'en')}{also_en} they {need_en}. {policy_en} them (at "
                 f"dissolution, hand them to their custodian), meanwhile only storage and necessary security measures "
                 f"(PIPL Art. 47).")
        return True

    def destroy(self, h, row, ref):
        self._method(h, row)
        self._need_by(h, row)
        if not self._retention_short(h, row, row.by, "在此日期销毁:", "destroys them by", "destroyed_too_early"):
            self._late(h, row, self.facts.deadline(h), "销毁", "destroyed")
        tf = self.facts.tables[h.table]
        if not self.facts.dissolution and h.is_record_copy and tf.duty == "none" and tf.open_rows:
            self.add("warning", "destroys_open_service", h, "action", "destroy", ref.action, "PIPL Arts. 19, 47",
                     f"迁址后服务继续,{h.system_id}/{h.table}中{tf.open_rows}位客户的关系仍在继续,目的尚未实现;只删除目的已结束的记录"
                     f"(第19、47条),其余应迁移。",
                     f"After relocation the service goes on: {tf.open_rows} relationships in {h.system_id}/{h.table} "
                     f"are still running and their purpose is not achieved; delete only the records whose purpose has "
                     f"ended (PIPL Arts. 19, 47) and migrate the rest.")
        self._notify_deleter(h, row)

    def _notify_deleter(self, h, row):
        if h.medium == "processor" and "processor" not in row.notify:
            self.add("error", "notify_processor", h, "notify", ";".join(row.notify), "processor", "PIPL Art. 21",
                     f"{h.system_id}由受托处理者运营:必须通知它委托结束、返还或删除数据并不得保留(《个人信息保护法》第21条);"
                     f"不通知,数据就会留在受托方。",
                     f"A processor runs {h.system_id}: it must be told that the entrustment ends and that it returns "
                     f"or deletes the data and keeps nothing (PIPL Art. 21); untold, the data stays with it.")
        if h.medium == "abroad" and "shareholder" not in row.notify:
            self.add("error", "notify_recipient", h, "notify", ";".join(row.notify), "shareholder",
                     "PIPL Arts. 38–40",
                     f"{h.system_id}的副本在境外股东处,公司不能自己删除:必须通知接收方删除并取得书面确认(公司政策;向境外提供见"
                     f"《个人信息保护法》第38–40条)。",
                     f"The copy in {h.system_id} is with the shareholder abroad and the company cannot delete it itself: "
                     f"the recipient must be told to delete and confirm in writing (company policy; provision abroad: "
                     f"PIPL Arts. 38–40).")

    def retain(self, h, row, ref):
        tf = self.facts.tables[h.table]
        dissolution = self.facts.dissolution
        if not row.basis:
            self.add("error", "no_basis", h, "basis", "", tf.rule.id, "PIPL Art. 19",
                     f"{h.system_id}/{h.table}要保留,却没有写依据:个人信息只保存实现目的所必要的最短时间,法律另有规定的除外"
                     f"(《个人信息保护法》第19条)。这张表的规则是{rule_text(self.facts, tf.rule, 'zh-CN')}。",
                     f"{h.system_id}/{h.table} is retained with no basis: personal information is kept only as long as "
                     f"the purpose needs unless a law says otherwise (PIPL Art. 19). This table's rule is "
                     f"{rule_text(self.facts, tf.rule, 'en')}.")
        elif row.basis not in {tf.rule.id, *(a.id for a in tf.also)}:
            given = self.facts.schedule.rule(row.basis)
            self.add("error", "wrong_basis", h, "basis", row.basis, tf.rule.id, "PIPL Art. 19",
                     f"{rule_text(self.facts, given, 'zh-CN')}不适用于{h.table};这张表的规则是"
                     f"{rule_text(self.facts, tf.rule, 'zh-CN')}(第19条:只有法律规定的期限才能延长保存)。",
                     f"{rule_text(self.facts, given, 'en')} does not cover {h.table}; this table's rule is "
                     f"{rule_text(self.facts, tf.rule, 'en')} (Art. 19: only a period a law sets extends keeping).")
        if tf.duty == "none" and dissolution:
            self.add("error", "retained_without_basis", h, "action", "retain", ref.action, "PIPL Arts. 19, 47",
                     f"{h.system_id}/{h.table}只按{rule_text(self.facts, tf.rule, 'zh-CN')}保存,没有法定保存期限:公司停止服务后,"
                     f"处理者应主动删除(《个人信息保护法》第47条:停止提供产品或服务),不能继续保留(第19条);最迟"
                     f"{_d(self.facts.deadline(h))}。本工具的方案:{_describe(ref, 'zh-CN')}。",
                     f"{h.system_id}/{h.table} is kept only under {rule_text(self.facts, tf.rule, 'en')}, with no "
                     f"legal retention period: once the company stops its service it must delete on its own initiative "
                     f"(PIPL Art. 47: it stops providing the product or service) and may not keep it (Art. 19); by "
                     f"{_d(self.facts.deadline(h))} at the latest. The kit's plan: {_describe(ref, 'en')}.")
            return
        if tf.duty == "none" and row.until:
            self.add("warning", "until_without_period", h, "until", _d(row.until), "", "PIPL Arts. 19, 47",
                     f"{rule_text(self.facts, tf.rule, 'zh-CN')}没有固定期限:在目的结束时删除(第19、47条),而不是到一个固定日期。",
                     f"{rule_text(self.facts, tf.rule, 'en')} has no fixed period: the data goes when its purpose "
                     f"ends (Arts. 19, 47), not on a fixed date.")
        if not self._retention_short(h, row, row.until, "保留至", "keeps them until", "kept_too_short"):
            if row.until and tf.required_until and row.until > tf.required_until:
                self.add("warning", "kept_too_long", h, "until", _d(row.until), _d(tf.required_until), "PIPL Art. 19",
                         f"{h.system_id}/{h.table}保留至{_d(row.until)},超过{rule_text(self.facts, tf.rule, 'zh-CN')}所需的"
                         f"{_d(tf.required_until)}:期限届满后应删除(《个人信息保护法》第19、47条)。",
                         f"{h.system_id}/{h.table} is kept until {_d(row.until)}, beyond the {_d(tf.required_until)} "
                         f"{rule_text(self.facts, tf.rule, 'en')} needs: when the period ends it goes (PIPL Arts. 19, 47).")
            elif dissolution and not row.until and tf.required_until:
                self.add("error", "no_date", h, "until", "", _d(tf.required_until), rule_cite(self.facts, tf.rule, "en"),
                         f"{h.system_id}/{h.table}保留却没有截止日期:按{rule_text(self.facts, tf.rule, 'zh-CN')}保存至"
                         f"{_d(tf.required_until)},保管机构要知道何时销毁。",
                         f"{h.system_id}/{h.table} is retained with no end date: under "
                         f"{rule_text(self.facts, tf.rule, 'en')} it is kept until {_d(tf.required_until)}, and the "
                         f"custodian must know when to destroy it.")
        if h.medium == "abroad" and row.condition != "separate_consent":
            self.cross_border_consent(h, row)
        if not dissolution:
            return
        dereg = self.facts.deregistration
        expected = ref.custodian or tf.rule.hand_over_to
        if row.custodian in ("", "company"):
            self.add("error", "company_ceases", h, "custodian", row.custodian, expected, "Archives Law Art. 16",
                     f"公司于{_d(dereg)}注销后不复存在,不能自己保管到{_d(row.until) or '期限届满'}:企业解散时按规定移交档案"
                     f"(《档案法》第16条)给{label('custodian', expected, 'zh-CN')}。",
                     f"The company no longer exists after its deregistration on {_d(dereg)} and cannot keep the records "
                     f"itself until {_d(row.until) or 'the period ends'}: a dissolved enterprise hands over its archives "
                     f"as required (Archives Law Art. 16), to {label('custodian', expected, 'en')}.")
        elif row.custodian != expected:
            self.add("warning", "custodian_differs", h, "custodian", row.custodian, expected, "Archives Law Art. 16",
                     f"保存计划把{h.table}移交给{label('custodian', expected, 'zh-CN')}({rule_text(self.facts, tf.rule, 'zh-CN')});"
                     f"方案交给{label('custodian', row.custodian, 'zh-CN')},请确认对方接受并继续履行保存义务"
                     f"(《档案法》第16条;承接方继续履行义务,《个人信息保护法》第22条)。",
                     f"The schedule hands {h.table} to {label('custodian', expected, 'en')} "
                     f"({rule_text(self.facts, tf.rule, 'en')}); the plan gives it to "
                     f"{label('custodian', row.custodian, 'en')}: make sure it accepts and continues the retention duty "
                     f"(Archives Law Art. 16; a successor continues the handler's duties, PIPL Art. 22).")
        if row.custodian in ("archives", "successor") and row.custodian not in row.notify:
            art = "Archives Law Art. 16" if row.custodian == "archives" else "PIPL Art. 22"
            self.add("error", "notify_custodian", h, "notify", ";".join(row.notify), row.custodian, art,
                     f"{h.system_id}/{h.table}要移交给{label('custodian', row.custodian, 'zh-CN')},却没有通知它:"
                     + ("移交档案须与保管机构办理(《档案法》第16条)。" if row.custodian == "archives" else
                        "承接方须知道自己接收并继续履行义务(《个人信息保护法》第22条;《网络数据安全管理条例》第14条)。"),
                     f"{h.system_id}/{h.table} goes to {label('custodian', row.custodian, 'en')}, which the plan does not "
                     f"tell: " + ("archives are handed over with the custodian (Archives Law Art. 16)."
                                  if row.custodian == "archives" else
                                  "the successor must know it receives them and continues the duties (PIPL Art. 22; "
                                  "Network Data Security Management Regulations Art. 14)."))
        if row.custodian not in ("", "company"):
            self._need_by(h, row)
            self._late(h, row, dereg, "移交", "handed over")

    def cross_border_consent(self, h, row):
        n, ok = self.facts.consent_counts("customers", "customer_id", "cross_border") if h.table == "customers" else (0, 0)
        counts_zh = f"({n}位客户中{ok}位有“向境外提供”的单独同意记录)" if n else ""
        counts_en = f" ({ok} of {n} customers have the separate consent to provision abroad on record)" if n else ""
        self.add("error", "cross_border_no_consent", h, "condition", row.condition, "separate_consent", "PIPL Art. 39",
                 f"{h.system_id}/{h.table}在境外:向境外提供须告知并取得个人的单独同意(《个人信息保护法》第39条){counts_zh};"
                 f"条件应为“只限单独同意在案的客户”。",
                 f"{h.system_id}/{h.table} is abroad: provision abroad needs notice and the person's separate consent "
                 f"(PIPL Art. 39){counts_en}; the condition must be 'only customers whose separate consent is on record'.")

    def migrate(self, h, row, ref):
        if self.facts.dissolution:
            self.add("error", "migrate_at_dissolution", h, "action", "migrate", ref.action,
                     "PIPL Art. 22; Archives Law Art. 16",
                     f"解散时没有可以迁往的新址:公司注销后不复存在。数据要么按第22条转移给承接方,要么按保存义务移交保管机构"
                     f"(《档案法》第16条),要么删除(第47条)。本工具的方案:{_describe(ref, 'zh-CN')}。",
                     f"At dissolution there is no new site to migrate to: the company ceases to exist. Data is either "
                     f"transferred to the successor (PIPL Art. 22), handed to a custodian under a retention duty "
                     f"(Archives Law Art. 16) or deleted (Art. 47). The kit's plan: {_describe(ref, 'en')}.")
            return
        if row.recipient != "new_site":
            self.add("error", "migrate_recipient", h, "recipient", row.recipient, "new_site",
                     "Market Entity Registration Regulations",
                     "迁移是同一法人把数据搬到新址的系统:接收方应为“新址的系统”;交给他人是提供或转移,不是迁移。",
                     "Migration is the same legal person moving its data to the systems at the new site: the recipient "
                     "is 'new_site'; giving it to someone else is provision or transfer, not migration.")
        self._need_by(h, row)
        self._late(h, row, self.facts.address_cancelled_on, "迁移", "migrated")
        if row.method and not method_fits(row.method, h):
            self._method(h, row)

    def transfer(self, h, row, ref):
        if not row.recipient:
            self.add("error", "no_recipient", h, "recipient", "", ref.recipient or "successor", "PIPL Art. 22",
                     f"{h.system_id}/{h.table}要转移,却没有写接收方。", f"{h.system_id}/{h.table} is transferred to no one.")
            return
        if row.recipient == "new_site":
            self.add("warning", "transfer_is_migration", h, "action", "transfer", "migrate",
                     "Market Entity Registration Regulations",
                     "搬到新址的系统是同一法人内部的迁移,动作应为“迁移”。",
                     "Moving to the systems at the new site is a migration within the same legal person: the action is "
                     "'migrate'.")
            return
        if row.recipient == "successor":
            self.to_successor(h, row, ref)
        else:
            self.to_shareholder(h, row, ref)

    def _sensitive(self, h, row, purpose, article, abroad: bool):
        """Sensitive columns of the row against the purpose's consent routes and the consents on record."""
        tf = self.facts.tables[h.table]
        table_columns = [str(c) for c in self.facts.case.tables[h.table].columns]
        moving = list(row.columns) or table_columns
        need = purpose.tables.get(h.table)
        allowed = set(purpose.columns(h.table))
        routes = dict(need.consent) if need else {}
        for c in [c for c in moving if c in tf.sensitive]:
            if c not in routes:
                self.add("error", "sensitive_no_route", h, "columns", c, ";".join(sorted(allowed)) or "",
                         "PIPL Arts. 28, 29",
                         f"{h.system_id}/{h.table}.{c}是敏感个人信息(《个人信息保护法》第28条),目的登记表没有为“{purpose.label_zh}”"
                         f"指明任何单独同意,也不是这一目的所需:不得转移(第29条:处理敏感个人信息须取得单独同意)。",
                         f"{h.system_id}/{h.table}.{c} is sensitive personal information (PIPL Art. 28) and the purpose "
                         f"registry names no separate consent for '{purpose.label_en}', nor does the purpose need it: it "
                         f"may not go (Art. 29: sensitive information needs separate consent).")
            elif row.condition != "separate_consent":
                n, ok = self.facts.consent_counts(h.table, c, routes[c])
                severity = "error"
                art = "PIPL Arts. 29, 39" if abroad else "PIPL Art. 29"
                self.add(severity, "sensitive_without_consent", h, "condition", row.condition or "", "separate_consent", art,
                         f"{h.system_id}/{h.table}.{c}是敏感个人信息(第28条),须有单独同意(第29条"
                         + (",向境外提供另见第39条" if abroad else "") + f"):{n}位客户有此项信息,其中只有{ok}位有"
                         f"“{routes[c]}”的单独同意记录,{n - ok}位没有。方案没有限制条件,没有同意或在移交前撤回同意的客户的敏感信息也会被转移;条件应为"
                         f"“只限单独同意在案的客户”。",
                         f"{h.system_id}/{h.table}.{c} is sensitive (PIPL Art. 28) and needs separate consent (Art. 29"
                         + ("; abroad also Art. 39" if abroad else "") + f"): {n} customers hold a value and only {ok} "
                         f"have the separate consent '{routes[c]}' on record today, {n - ok} do not. With no condition the plan "
                         f"moves the values of anyone without it, or who withdraws before the handover; the condition "
                         f"must be 'only customers whose separate consent is on record'.")
        extra = [c for c in moving if c not in allowed and c not in tf.sensitive]
        if extra:
            self.add("warning", "beyond_purpose", h, "columns", ";".join(extra), ";".join(purpose.columns(h.table)),
                     "PIPL Art. 22",
                     f"{', '.join(extra)}超出了目的登记表为“{purpose.label_zh}”列出的列:只提供继续同一服务所需的信息;"
                     f"接收方改变目的或方式须重新取得同意(《个人信息保护法》第22条)。",
                     f"{', '.join(extra)} go beyond the columns the purpose registry lists for '{purpose.label_en}': "
                     f"send only what the same service needs; a recipient changing the purpose or method needs new "
                     f"consent (PIPL Art. 22).")

    def to_successor(self, h, row, ref):
        facts = self.facts
        if not facts.dissolution or not facts.successor:
            self.add("error", "transfer_without_successor", h, "recipient", "successor", ref.recipient or "",
                     "PIPL Arts. 22, 23",
                     "迁址时公司仍是同一法人,没有承接方,不触发第22条;把数据交给另一个处理者是“提供”,须告知并取得单独同意"
                     "(《个人信息保护法》第23条)。",
                     "At relocation the company stays the same legal person and there is no successor, so PIPL Art. 22 "
                     "is not triggered; giving data to another handler is provision, which needs notice and separate "
                     "consent (Art. 23).")
            return
        purpose = facts.purposes["successor"]
        self._sensitive(h, row, purpose, "PIPL Art. 29", abroad=False)
        tf = facts.tables[h.table]
        if h.copy_kind == "primary" and "customers" not in row.notify:
            self.add("error", "notify_customers_transfer", h, "notify", ";".join(row.notify), "customers", "PIPL Art. 22",
                     f"因解散转移个人信息,应当告知个人接收方的名称和联系方式(《个人信息保护法》第22条);方案没有通知客户"
                     f"({h.table}中{h.records}条记录)。",
                     f"A transfer because of dissolution must tell the individuals the recipient's name and contact "
                     f"(PIPL Art. 22); the plan does not notify the customers ({h.records} records in {h.table}).")
        if "successor" not in row.notify:
            self.add("warning", "notify_successor", h, "notify", ";".join(row.notify), "successor",
                     "PIPL Art. 22; Network Data Security Management Regulations Art. 14",
                     "承接方继续履行处理者的义务(《个人信息保护法》第22条;《网络数据安全管理条例》第14条):应正式通知它接收了什么。",
                     "The successor continues the handler's duties (PIPL Art. 22; Network Data Security Management "
                     "Regulations Art. 14): tell it formally what it receives.")
        if tf.duty != "none" and h.is_record_copy and tf.rule.hand_over_to == "archives":
            self.add("warning", "custodian_differs", h, "recipient", "successor", "archives", "Archives Law Art. 16",
                     f"保存计划把{h.table}作为档案移交保管机构({rule_text(facts, tf.rule, 'zh-CN')};《档案法》第16条)。承接方如需"
                     f"这些记录继续服务,给它一份副本,原始记录仍应移交。",
                     f"The schedule hands {h.table} over as archives ({rule_text(facts, tf.rule, 'en')}; Archives Law "
                     f"Art. 16). If the successor needs them to continue the service, give it a copy and still hand the "
                     f"records over.")
        self._need_by(h, row)
        self._late(h, row, facts.deadline(h), "转移", "transferred")
        if not row.method:
            self.add("error", "copy_left_behind", h, "method", "", expected_method(h, facts), "PIPL Art. 47",
                     f"转移之后公司自己的{h.system_id}/{h.table}仍在:公司停止服务并将注销,应在{_d(facts.deadline(h))}前删除"
                     f"(《个人信息保护法》第47条)。写明删除方法。",
                     f"After the transfer the company's own {h.system_id}/{h.table} is still there: the company stops "
                     f"its service and is deregistered, so it deletes it by {_d(facts.deadline(h))} (PIPL Art. 47). Name "
                     f"the method.")
        else:
            self._method(h, row)

    def to_shareholder(self, h, row, ref):
        purpose = self.facts.purposes["group_crm"]
        if row.condition != "separate_consent":
            self.cross_border_consent(h, row)
        self._sensitive(h, row, purpose, "PIPL Art. 39", abroad=True)
        if "customers" not in row.notify:
            self.add("error", "notify_customers_abroad", h, "notify", ";".join(row.notify), "customers", "PIPL Art. 39",
                     "向境外提供须告知个人并取得单独同意(《个人信息保护法》第39条):方案没有通知客户。",
                     "Provision abroad needs notice to the individuals and their separate consent (PIPL Art. 39): the "
                     "plan does not notify the customers.")
        if self.facts.dissolution:
            self.add("warning", "provision_abroad_at_dissolution", h, "action", "transfer", ref.action,
                     "PIPL Arts. 38–40",
                     "解散时的承接方是第22条的接收方;向境外股东新提供数据还须有合法途径(安全评估、认证或标准合同,第38条)、"
                     "告知和单独同意(第39条)。本工具的方案不这样做。",
                     "At dissolution the recipient under Art. 22 is the successor; a new provision to the shareholder "
                     "abroad also needs a lawful route (assessment, certification or the standard contract, Art. 38), "
                     "notice and separate consent (Art. 39). The kit's plan does not do this.")

    def notify_extra(self, h, row, ref):
        if "regulator" in row.notify and "regulator" not in ref.notify:
            self.add("warning", "regulator_not_required", h, "notify", "regulator", ";".join(ref.notify),
                     "Network Data Security Management Regulations Arts. 28, 32",
                     "向监管部门报告处置方案只适用于重要数据的处理者和处理一千万人以上个人信息的处理者(《网络数据安全管理条例》"
                     "第28、32条);案例公司不在此列。可以报告,但不是义务。",
                     "Reporting the disposal plan to the authority applies only to handlers of important data or of "
                     "the personal information of 10 million people or more (Network Data Security Management "
                     "Regulations Arts. 28, 32); the case company is neither. It may report, but need not.")

    def unused(self, h, row):
        used = _USED[row.action]
        for name in ("until", "basis", "custodian", "recipient", "columns", "condition", "method"):
            if name not in used and getattr(row, name):
                self.add("warning", "field_unused", h, name, _cell(row, name), "", "",
                         f"“{label('action', row.action, 'zh-CN')}”不使用{name}字段,其中的内容会被忽略。",
                         f"'{row.action}' does not use the field {name}; what it holds is ignored.")

    def differences(self, h, row, ref):
        why_zh, why_en = self.ref.why[h.key]
        if row.action != ref.action:
            if not self.has(h.key, "action") and not any((f.system_id, f.table) == h.key and f.severity == "error"
                                                        for f in self.findings):
                self.add("warning", "differs", h, "action", row.action, ref.action, "",
                         f"方案:{_describe(row, 'zh-CN')};本工具的方案:{_describe(ref, 'zh-CN')}。{why_zh}",
                         f"The plan: {_describe(row, 'en')}; the kit's plan: {_describe(ref, 'en')}. {why_en}")
            return
        table_columns = {str(c) for c in self.facts.case.tables[h.table].columns}
        for name in _COMPARED:
            if name not in _USED[row.action] or self.has(h.key, name):
                continue
            given, expected = getattr(row, name), getattr(ref, name)
            if name == "columns":
                given, expected = set(given) or table_columns, set(expected) or table_columns
            elif name == "notify":
                given, expected = set(given), set(expected)
            if given == expected:
                continue
            g, e = _cell(row, name), _cell(ref, name)
            self.add("warning", "differs", h, name, g, e, "",
                     f"{h.system_id}/{h.table}的{name}与本工具的方案不同(方案:{g or '空'};本工具:{e or '空'}),可以接受。"
                     f"本工具的理由:{why_zh}",
                     f"{h.system_id}/{h.table}: {name} differs from the kit's plan (plan: {g or 'empty'}; kit: "
                     f"{e or 'empty'}) and is accepted. The kit's reasoning: {why_en}")

    def relocation_notice(self, planned):
        if self.facts.dissolution:
            return
        if any("customers" in r.notify for r in self.plan.rows):
            return
        h = next((h for h in self.facts.holdings if h.table == "customers" and h.copy_kind == "primary"), None)
        if h is None:
            return
        self.add("error", "notify_customers_relocation", h, "notify", ";".join(planned[h.key].notify)
                 if h.key in planned else "", "customers", "PIPL Art. 17",
                 "迁址后公司的地址和联系方式变了:处理者的名称、联系方式等告知事项发生变更的,应当再次告知个人"
                 "(《个人信息保护法》第17条)。方案没有任何一行通知客户。",
                 "After relocation the company's address and contact change: when what people were told changes, they "
                 "must be told again (PIPL Art. 17). No row of the plan notifies the customers.")


def _cell(row: PlanRow, name: str) -> str:
    return row.cells()[name]


def check_plan(plan, case, *, facts: CaseFacts | None = None, ledger=None, actor: str = "kitlib.capstone") -> Verdict:
    """Check ``plan`` (a Plan or a CSV path) for ``case``: a Verdict whose ``findings`` explain
    every difference from the kit's reference plan; accepted when there is no error.  With
    ``ledger``: one "training" entry (the plan's digest and the counts, no personal data)."""
    if not isinstance(plan, Plan):
        plan = load_plan(plan, case)
    facts = facts or case_facts(case)
    ref = reference_plan(case, facts)
    findings = _Checker(plan, facts, ref).run()
    order = {"error": 0, "warning": 1}
    keys = {h.key: n for n, h in enumerate(facts.holdings)}
    findings.sort(key=lambda f: (keys.get((f.system_id, f.table), len(keys)), order[f.severity]))
    verdict = Verdict(not any(f.severity == "error" for f in findings), findings, facts.scenario, len(plan.rows), ref)
    if ledger is not None:
        ledger.append("training", actor=actor, details={
            "operation": "capstone_check", "scenario": facts.scenario, "accepted": verdict.accepted,
            "rows": len(plan.rows), "errors": len(verdict.errors), "warnings": len(verdict.warnings),
            "error_codes": sorted(verdict.codes("error")), "score": verdict.score,
            "plan_sha256": hashlib.sha256(plan.to_csv().encode("utf-8")).hexdigest()})
    return verdict
