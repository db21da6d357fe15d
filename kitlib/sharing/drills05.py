"""Module 05's exercises, marked by the sharing rules, not by typed answers.

* ``sharing_triage(case)``: nine requests for the case company's customer data (the courier, the
  help-desk SaaS, the successor, a partner shop, the foreign shareholder, the archive custodian,
  a data broker).  For each the learner chooses what is required; ``triage`` computes the answer
  from the request's facts, the purpose registry and the inventory.
* ``scope_drill(case, seed=...)``: grants to the case's recipients, one narrowed and one revoked,
  and a usage report from the recipients with misuse planted.  The learner judges eight uses;
  the answer is what ``monitor`` finds.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

from ..i18n import get_lang, normalize
from ..learn.choices import ChoiceExercise
from .authorizations import AuthorizationBook
from .purposes import load_purposes
from .usage import VERDICTS, monitor, recipient_usage_log

__all__ = ["ROUTES", "Request", "triage", "case_requests", "sharing_triage", "ScopeDrill", "scope_drill"]

ROUTES = (
    ("entrusted", "签订委托处理合同(第二十一条)", "an entrusted-processing contract (Art. 21)"),
    ("notify", "告知接收方名称和联系方式即可(第二十二条)", "notice of the recipient's name and contact suffices (Art. 22)"),
    ("consent", "告知并取得(单独)同意(第二十三条;第二十二条新目的)", "notice and (separate) consent (Art. 23; Art. 22 new purpose)"),
    ("cross_border", "合法出境途径、告知和单独同意(第三十八、三十九条)", "a lawful route abroad, notice and separate consent (Arts. 38–39)"),
    ("refuse", "拒绝:不得按请求提供", "refuse: it may not go as asked"),
)


@dataclass(frozen=True)
class Request:
    """One request for data: who asks, in what role, for which registered purpose, and what."""
    key: str
    title_zh: str
    title_en: str
    detail_zh: str
    detail_en: str
    role: str                    # processor (works for us), handler (its own purpose), successor, broker
    purpose: str | None          # the registry purpose it falls under (None: none does)
    asked: dict                  # table -> columns asked for
    abroad: bool = False
    new_purpose: bool = False


def triage(request: Request, purposes=None, inventory: pd.DataFrame | None = None) -> tuple[str, str, str]:
    """(route, why zh, why en) for one request, from its facts, the registry and the inventory."""
    purposes = load_purposes() if purposes is None else purposes
    if inventory is None:
        from ..synth.catalogue import build_catalogue
        inventory = build_catalogue()
    sensitive = set(inventory.loc[inventory["art28"].astype(bool), ["table", "column"]].itertuples(index=False, name=None))
    purpose = purposes.get(request.purpose) if request.purpose else None
    if purpose is None:
        return ("refuse", "没有登记的目的和合法性基础(第十三条):不得提供。",
                "No registered purpose and no legal basis (PIPL Art. 13): it may not go.")
    beyond = [(t, c) for t, cols in request.asked.items() for c in cols if c not in purpose.columns(t)]
    if beyond:
        named = ", ".join(f"{t}.{c}" for t, c in beyond)
        art28 = [f"{t}.{c}" for t, c in beyond if (t, c) in sensitive]
        zh = f"请求超出“{purpose.label_zh}”所需:{named}。" + (f"其中 {', '.join(art28)} 是敏感个人信息(第二十八条)。" if art28 else "")
        en = f"The request goes beyond what “{purpose.label_en}” needs: {named}." + (
            f" {', '.join(art28)} is sensitive (PIPL Art. 28)." if art28 else "")
        return "refuse", zh + "只能提供所需的列。", en + " Only the columns needed may go."
    if request.abroad:
        return ("cross_border", "接收方在境外:需要合法出境途径(第三十八条)、告知和单独同意(第三十九条),事前做影响评估(第五十五条)。",
                "The recipient is abroad: a lawful route (PIPL Art. 38), notice and separate consent (Art. 39), and an "
                "impact assessment beforehand (Art. 55).")
    if request.role == "processor":
        return ("entrusted", "接收方代表本公司处理:委托处理合同约定目的、期限、方式、种类、保护措施,到期返还或删除,不得转委托(第二十一条)。",
                "The recipient processes on the company's behalf: an entrusted-processing contract fixing purpose, term, "
                "method, categories and safeguards, return or deletion at the end, no sub-entrusting (PIPL Art. 21).")
    if request.role == "successor":
        if request.new_purpose:
            return ("consent", "承接方要改变原来的处理目的:需要重新取得个人同意(第二十二条)。",
                    "The successor would change the purpose: new consent is needed (PIPL Art. 22).")
        return ("notify", "因解散转移、目的不变:告知接收方的名称和联系方式,接收方继续履行义务;这是告知义务,不需要同意(第二十二条)。",
                "A transfer on dissolution for the same purpose: tell people the recipient's name and contact; the "
                "recipient continues the duties. A duty to notify, not to obtain consent (PIPL Art. 22).")
    return ("consent", "另一个处理者为自己的目的使用:告知接收方名称、联系方式、目的、方式、种类,并取得单独同意(第二十三条)。",
            "Another handler uses it for its own purpose: tell people the recipient's name, contact, purpose, method and "
            "categories, and obtain separate consent (PIPL Art. 23).")


def _org(value, fallback: str) -> str:
    text = "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value).strip()
    return text or fallback


def case_requests(case) -> list[Request]:
    """The nine requests of the exercise, with the case's own recipients named."""
    company = case["company"].iloc[0]
    successor = _org(company.get("successor"), "承接方 · the successor")
    shareholders = case["shareholders"]
    foreign = shareholders[shareholders["party"] == "foreign"]
    abroad_name = _org(foreign["shareholder"].iloc[0] if len(foreign) else None, "境外股东 · the foreign shareholder")
    systems = case["systems"].set_index("system_id")
    helpdesk = _org(systems.loc["S03", "name_zh"] if "S03" in systems.index else None, "客服工单系统")
    vault = _org(systems.loc["S06", "location_zh"] if "S06" in systems.index else None, "档案寄存公司")
    return [
        Request("courier", "快递公司:最后一批订单的配送", "Courier: delivering the last orders",
                "快递公司要客户姓名、手机号、地址,按本公司的指示把货送到。",
                "The courier asks for names, mobiles and addresses to deliver on the company's instructions.",
                "processor", "delivery", {"customers": ["name", "mobile", "address"]}),
        Request("helpdesk", f"{helpdesk}:客服来电和投诉", "Help-desk SaaS: calls and complaints",
                "服务商代表本公司在其境内云上处理工单,需要联系方式和工单正文(删去敏感内容)。",
                "The provider handles tickets for the company on its mainland cloud: contacts and ticket text (redacted).",
                "processor", "helpdesk", {"customers": ["name", "mobile", "email"], "tickets": ["ticket_id", "text"]}),
        Request("successor", f"{successor}:解散后继续会员服务", "The successor continues the membership service",
                "公司解散,承接方以同样的目的和方式继续会员服务和代扣,要会员资料、合同和代扣用的银行卡。",
                "The company dissolves; the successor continues the same service and direct debit: member details, "
                "contracts and the card on file.",
                "successor", "successor", {"customers": ["name", "mobile", "address", "bank_card"],
                                           "accounts": ["account_id", "contract_no"]}),
        Request("successor-ads", f"{successor}:用会员手机号推广自己的传媒业务", "The successor advertises its media business",
                "承接方还想用会员的手机号推广自己的广告业务。",
                "The successor also wants to use members' mobiles to advertise its own media business.",
                "successor", "successor", {"customers": ["name", "mobile"]}, new_purpose=True),
        Request("partner", "合作商户:用会员名单做自己的促销", "Partner shop: its own promotions",
                "一家合作商户要手机号、会员等级和区县,给会员发自己的促销短信。",
                "A partner shop asks for mobiles, membership levels and districts to text its own offers.",
                "handler", "marketing_partner", {"customers": ["mobile", "membership_level", "district"]}),
        Request("partner-ids", "合作商户:还要身份证号和儿童标记", "Partner shop: ID numbers and the child flag too",
                "同一家商户还要身份证号“核实身份”,以及哪些会员是儿童“做亲子活动”。",
                "The same shop also wants resident ID numbers \"to verify identity\" and which members are children "
                "\"for family events\".",
                "handler", "marketing_partner", {"customers": ["mobile", "resident_id", "is_minor"]}),
        Request("group-crm", f"{abroad_name}:集团客户管理系统", "The foreign shareholder's group CRM",
                "境外股东要把客户姓名、联系方式和订单同步到总部的集团客户管理系统。",
                "The foreign shareholder wants names, contacts and orders synchronised to its head-office group CRM.",
                "handler", "group_crm", {"customers": ["name", "mobile", "email"],
                                          "orders": ["order_id", "amount_cny"]}, abroad=True),
        Request("archive", f"{vault}:寄存会计凭证", "Records vault: keeping the accounting vouchers",
                "清算完成后,会计凭证(订单和发票)交给档案寄存公司保管到期限届满。",
                "After liquidation the accounting vouchers (orders and invoices) go to the records vault until their "
                "period ends.",
                "processor", "archive_custodian", {"orders": ["order_id", "amount_cny", "invoice_no", "invoice_title"]}),
        Request("broker", "数据公司:收购会员名单", "A data broker buys the member list",
                "清算组有人提议把会员名单作为资产卖给一家数据公司,抵偿债务。",
                "Someone in the liquidation group proposes selling the member list to a data broker to pay debts.",
                "broker", None, {"customers": ["name", "mobile", "address"]}),
    ]


def sharing_triage(case, purposes=None, inventory=None) -> ChoiceExercise:
    """Module 05's "sharing-triage": choose what each request requires; marked by ``triage``."""
    requests = case_requests(case)
    truth = {r.key: triage(r, purposes, inventory) for r in requests}
    lang = get_lang()
    rows = [{"key": r.key, "title": r.title_zh if lang == "zh-CN" else r.title_en,
             "detail": (r.detail_zh if lang == "zh-CN" else r.detail_en) + " · "
             + "; ".join(f"{t}: {', '.join(c)}" for t, c in r.asked.items())} for r in requests]
    labels = {o[0]: (o[1], o[2]) for o in ROUTES}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        route, zh, en = truth[key]
        if given == route:
            return True, ""
        name = labels[route][0 if lang == "zh-CN" else 1]
        return False, (f"应为:{name}。{zh}" if lang == "zh-CN" else f"Expected: {name}. {en}")

    return ChoiceExercise("sharing-triage", ("判断每个数据请求需要什么", "Decide what each request for data requires"),
                          pd.DataFrame(rows), ROUTES, marker)


@dataclass(frozen=True)
class ScopeDrill:
    book: AuthorizationBook
    log: pd.DataFrame                   # the recipients' usage report
    findings: pd.DataFrame              # monitor(log, book, all_uses=True)
    exercise: ChoiceExercise


def scope_drill(case, seed: int = 0, rows: int = 8, ledger=None, actor: str = "E0019") -> ScopeDrill:
    """Grants to the case's recipients (one narrowed, one revoked), their usage report with misuse
    planted, and "scope-monitor": judge ``rows`` uses (every misuse and some ordinary ones)."""
    company = case["company"].iloc[0]
    cutoff = pd.Timestamp(case.params.get("data_cutoff") or company.get("data_cutoff")).date()
    start = cutoff - pd.Timedelta(days=60).to_pytimedelta()
    foreign = case["shareholders"][case["shareholders"]["party"] == "foreign"]
    abroad = _org(foreign["shareholder"].iloc[0] if len(foreign) else None, "Foreign shareholder")
    customers = list(case["customers"]["customer_id"].astype(str))
    rng = random.Random(seed)
    book = AuthorizationBook()
    courier = book.grant("示例速递 · Example Express Co.", "delivery", granted_on=start,
                         expires_on=cutoff, subjects=rng.sample(customers, min(40, len(customers))), ledger=ledger, actor=actor)
    desk = book.grant("示例客服云 · Example Help-desk Cloud", "helpdesk", granted_on=start,
                      expires_on=cutoff + pd.Timedelta(days=90).to_pytimedelta(),
                      subjects=rng.sample(customers, min(60, len(customers))), ledger=ledger, actor=actor)
    group = book.grant(abroad, "group_crm", granted_on=start, expires_on=cutoff + pd.Timedelta(days=365).to_pytimedelta(),
                       subjects=rng.sample(customers, min(20, len(customers))), ledger=ledger, actor=actor)
    book.change(desk.id, on=start + pd.Timedelta(days=30).to_pytimedelta(),
                scope={"customers": ["customer_id", "name", "mobile"],
                       "tickets": ["ticket_id", "customer_id", "opened_at", "closed_at", "text"]},
                reason=("停止电子邮件渠道", "the e-mail channel closed"), ledger=ledger, actor=actor)
    book.revoke(group.id, on=start + pd.Timedelta(days=45).to_pytimedelta(),
                reason=("董事会决定停止向境外同步", "the board stopped the synchronisation abroad"), ledger=ledger, actor=actor)
    del courier
    usage = recipient_usage_log(book, seed=seed, uses=40)
    findings = monitor(usage.frame, book, all_uses=True)
    flagged = findings[findings["verdict"] != "ok"]
    ok = findings[findings["verdict"] == "ok"]
    pick = pd.concat([flagged, ok.sample(max(rows - len(flagged), 0), random_state=seed)]).sort_values("time")
    lang = get_lang()
    table_rows = [{"key": r.use_id, "title": f"{r.use_id} · {pd.Timestamp(r.time):%Y-%m-%d} · {r.recipient}",
                   "detail": f"{r.purpose} · {r.table}: {r.columns.replace(';', ', ')} · {r.records} "
                             + ("条记录" if lang == "zh-CN" else "records")} for r in pick.itertuples()]
    truth = {r.use_id: (r.verdict, r.detail_zh, r.detail_en) for r in pick.itertuples()}
    options = tuple((k, zh, en) for k, (zh, en, _) in VERDICTS.items())

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        verdict, zh, en = truth[key]
        if given == verdict:
            return True, ""
        name = VERDICTS[verdict][0 if normalize(lang) == "zh-CN" else 1]
        detail = zh if normalize(lang) == "zh-CN" else en
        return False, (f"应为:{name}。{detail}" if lang == "zh-CN" else f"Expected: {name}. {detail}".rstrip(". ") + ".")

    exercise = ChoiceExercise("scope-monitor", ("判断接收方的每次使用是否在授权范围内",
                                                "Judge whether each use by a recipient is within its authorization"),
                              pd.DataFrame(table_rows), options, marker)
    return ScopeDrill(book, usage.frame, findings, exercise)
