"""The emergency plan (应急预案) for customer-information incidents, filled in for the case company.

``emergency_plan(case)`` reads the company, its systems, the catalogue's tiers and its employees and
returns an :class:`EmergencyPlan`: ``.sections`` (a list of dicts, each with ``id``, ``title``,
``intro``, ``columns``, ``rows`` and ``notes``), ``.frame(section_id)``, ``.html(lang)`` (print-ready
A4) and ``.write(path)`` (atomic).  Legal facts come from the kit's legal reference with their
articles and marks (V read in the law, S secondary source); what the reference does not fix (the
drill cycle, who holds which role) is company policy and says so.

``report_clock(people, discovered_at)`` works the grading and the reporting deadline for one incident;
``grading_exercise(case, seed)`` is module 09's exercise, marked by the same grading
(``kitlib.drills.evidence.grade_incident`` / ``reporting_duty``).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
import numpy as np
import pandas as pd

from ..atomic import write_text_atomic
from ..learn.choices import ChoiceExercise
from .evidence import GRADES, REPORT_HOURS, grade_incident, reporting_duty

__all__ = ["PlanError", "EmergencyPlan", "OPERATORS", "emergency_plan", "report_clock", "grading_exercise",
           "GRADING_OPTIONS"]

# operator kinds: "other" (an ordinary network operator such as the case company) and the evidence names
OPERATORS = {"other": "ordinary", "ordinary": "ordinary", "cii": "cii", "state_body": "state_body"}
_TIER_ORDER = {"core": 3, "sensitive": 2, "general": 1, "none": 0}
_TIER_LABEL = {"core": ("核心", "core"), "sensitive": ("敏感", "sensitive"), "general": ("一般", "general"),
               "none": ("非个人信息", "not personal")}
_GRADE_LABEL = {code: (zh, en) for code, zh, en, _ in GRADES}
_TS = "%Y-%m-%d %H:%M"
_OPERATOR_LABEL = {"ordinary": {"zh-CN": "一般网络运营者", "en": "ordinary network operator"},
                   "cii": {"zh-CN": "关键信息基础设施运营者", "en": "critical-infrastructure operator"},
                   "state_body": {"zh-CN": "中央和国家机关", "en": "central or state body"}}


class PlanError(ValueError):
    """Bad input to the emergency plan; the message is one line naming the field."""


def _p(zh: str, en: str) -> dict:
    return {"zh-CN": zh, "en": en}


def _operator(operator: str) -> str:
    if operator not in OPERATORS:
        raise PlanError(f"operator: unknown operator kind {operator!r}; one of {', '.join(OPERATORS)}")
    return OPERATORS[operator]


# -- the plan -------------------------------------------------------------------------------------

@dataclass(frozen=True)
class EmergencyPlan:
    """The filled-in plan: ``sections`` (list of dicts) and the company it belongs to."""
    company: dict
    operator: str
    as_of: str
    sections: list = field(default_factory=list)

    @property
    def operator_label(self) -> dict:
        """The operator kind in both languages."""
        return _OPERATOR_LABEL[self.operator]

    def section(self, section_id: str) -> dict:
        for s in self.sections:
            if s["id"] == section_id:
                return s
        raise PlanError(f"section: no section {section_id!r}; one of {', '.join(s['id'] for s in self.sections)}")

    def frame(self, section_id: str, lang: str = "en") -> pd.DataFrame:
        """One section's rows as a table in one language (pairs resolved)."""
        if lang not in ("zh-CN", "en"):
            raise PlanError(f"lang: 'zh-CN' or 'en', got {lang!r}")
        s = self.section(section_id)
        cols = [key for key, _, _ in s["columns"]]
        return pd.DataFrame([{k: (r[k][lang] if isinstance(r.get(k), dict) else r.get(k)) for k in cols}
                             for r in s["rows"]], columns=cols)

    def html(self, lang: str = "both") -> str:
        """Print-ready A4 HTML (self-contained, every text escaped); lang "both", "zh-CN" or "en"."""
        if lang not in ("both", "zh-CN", "en"):
            raise PlanError(f"lang: 'both', 'zh-CN' or 'en', got {lang!r}")
        return _env().get_template("emergency_plan.html.j2").render(plan=self, lang=lang, company=self.company)

    def write(self, path, lang: str = "both") -> Path:
        """Write the HTML to ``path`` atomically; returns the path."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        return write_text_atomic(path, self.html(lang))


def _env() -> jinja2.Environment:
    def load(name):
        return resources.files("kitlib").joinpath("templates", "drills", name).read_text(encoding="utf-8")
    return jinja2.Environment(loader=jinja2.FunctionLoader(load), autoescape=True, trim_blocks=True,
                              lstrip_blocks=True, undefined=jinja2.StrictUndefined)


def emergency_plan(case, *, operator: str = "other") -> EmergencyPlan:
    """The emergency plan for customer-information incidents, filled in from ``case``'s own data."""
    kind = _operator(operator)
    for name in ("systems", "system_tables", "employees", "customers"):
        try:
            case[name]
        except (KeyError, TypeError):
            raise PlanError(f"case: table {name!r} missing; give a kitlib.synth case") from None
    company = case.company
    company = (company.iloc[0] if isinstance(company, pd.DataFrame) else company).to_dict()
    as_of = pd.Timestamp(company["data_cutoff"]).strftime("%Y-%m-%d")
    roles = _roles(case)
    sections = [_scope(case), _roles_section(roles), _grading(case, kind), _reporting(kind, roles),
                _notify(roles), _evidence(), _drills(), _review(company)]
    info = {"name_zh": company["name_zh"], "name_en": company["name_en"], "uscc": company["uscc"],
            "address": company["registered_address"], "scenario": company["scenario"]}
    return EmergencyPlan(info, kind, as_of, sections)


def _scope(case) -> dict:
    cat = case.catalogue
    tier = cat.assign(rank=cat["tier"].map(_TIER_ORDER)).groupby("table")["rank"].max()
    names = {v: k for k, v in _TIER_ORDER.items()}
    rows = []
    st = case["system_tables"]
    for s in case["systems"].itertuples():
        tables = st[st["system_id"] == s.system_id]
        if tables.empty:
            continue
        top = names[int(max(tier.get(t, 0) for t in tables["table_name"]))]
        rows.append({"system": s.system_id, "name": _p(s.name_zh, s.name_en),
                     "location": _p(s.location_zh, s.location_en),
                     "tables": ", ".join(f"{t.table_name} ({t.records})" for t in tables.itertuples()),
                     "tier": _p(*_TIER_LABEL[top]),
                     "encrypted": _p("是", "yes") if bool(s.encrypted_at_rest) else _p("否", "no")})
    return {"id": "scope", "title": _p("适用范围:系统与数据", "Scope: systems and data"),
            "intro": _p("本预案适用于下列系统和纸质档案中的客户信息发生泄露、篡改、丢失或滥用的事件。“最高级别”取自数据目录中该系统所存各表的最高分级。",
                        "This plan covers leaks, tampering, loss or misuse of customer information in the systems and paper "
                        "archives below. 'Highest tier' is the highest tier in the data catalogue among the tables each holds."),
            "columns": [("system", "编号", "ID"), ("name", "系统", "System"), ("location", "位置", "Location"),
                        ("tables", "表(记录数)", "Tables (records)"), ("tier", "最高级别", "Highest tier"),
                        ("encrypted", "静态加密", "Encrypted at rest")],
            "rows": rows,
            "notes": [{"text": _p("分级依据数据目录(一般/敏感/核心);第二十八条的敏感个人信息包括不满十四周岁未成年人的全部信息(PIPL Art. 28)。",
                                  "Tiers from the data catalogue (general/sensitive/core); Art. 28 sensitive information "
                                  "includes all information of minors under 14 (PIPL Art. 28)."), "mark": "V"}]}


# role id, zh, en, duties zh, duties en — who holds it is found in the employee table
_ROLE_DUTIES = {
    "lead": ("应急总指挥", "Incident lead", "启动预案、决定报告和对外口径、调配资源;签发向网信部门的报告。",
             "Starts the plan, decides reporting and what is said outside, assigns resources; signs the report to the CAC."),
    "deputy": ("副总指挥", "Deputy lead", "总指挥不在时代行其职责。", "Acts for the incident lead when the lead is away."),
    "privacy": ("个人信息保护负责人", "Privacy officer", "定级、起草报告与个人通知、维护证据台账;对外联系人。",
                "Grades the incident, drafts the report and the notice to individuals, keeps the evidence ledger; the contact named outside."),
    "it": ("信息技术负责人", "IT lead", "控制事件(停用账号、隔离系统)、保全日志和磁盘并计算哈希、确定范围。",
           "Contains the incident (disable accounts, isolate systems), preserves logs and disks with hashes, establishes the scope."),
    "backup": ("备份与恢复", "Backup and restore", "核对备份是否受影响、从干净备份恢复。",
               "Checks whether backups are affected and restores from a clean copy."),
    "service": ("客户服务", "Customer service", "接听客户来电并记录、按统一口径答复、把线索报给个人信息保护负责人。",
                "Takes and logs customer calls, answers with the agreed wording, passes leads to the privacy officer."),
    "comms": ("对外沟通", "Communications", "在事实核实前只发布经总指挥批准的口径;应对媒体询问。",
              "Says only what the lead approved before the facts are confirmed; handles media questions."),
}
_REPORTS_TO = {"lead": None, "deputy": "lead", "privacy": "lead", "it": "privacy", "backup": "it",
               "service": "privacy", "comms": "lead"}


def _roles(case) -> dict:
    """role id → employee row (a dict) or None, from departments, job titles and system ownership."""
    emp = case["employees"]
    active = emp[emp["left_on"].isna()]

    def first(mask, skip=()):
        hit = active[mask & ~active["employee_id"].isin(list(skip))]
        return hit.iloc[0].to_dict() if len(hit) else None

    def owner(kind, dept):
        ids = case["systems"].loc[case["systems"]["kind"] == kind, "owner_id"].tolist()
        hit = active[active["employee_id"].isin(ids) & (active["department"] == dept)]
        return hit.iloc[0].to_dict() if len(hit) else first(active["department"] == dept)

    roles = {"lead": first(active["role"] == "总经理")}
    roles["deputy"] = first(active["role"] == "总经理", [roles["lead"]["employee_id"]] if roles["lead"] else [])
    roles["privacy"] = first(active["role"] == "个人信息保护负责人") or first(active["department"] == "法务合规部")
    roles["it"] = owner("crm", "信息技术部")
    roles["backup"] = first((active["department"] == "信息技术部") & active["employee_id"].isin(
        case["systems"].loc[case["systems"]["kind"] == "backup", "owner_id"]),
        [roles["it"]["employee_id"]] if roles["it"] else [])
    roles["service"] = first(active["department"] == "客户服务部")
    roles["comms"] = first(active["department"] == "市场部")
    return roles


def _roles_section(roles: dict) -> dict:
    rows = []
    for rid, (zh, en, dzh, den) in _ROLE_DUTIES.items():
        person = roles.get(rid)
        up = _REPORTS_TO[rid]
        rows.append({"role": _p(zh, en),
                     "person": person["name"] if person else _p("待指定", "to be named"),
                     "employee": person["employee_id"] if person else "",
                     "department": person["department"] if person else "",
                     "contact": f"{person['work_email']} · {person['work_mobile']}" if person else "",
                     "reports_to": _p(_ROLE_DUTIES[up][0], _ROLE_DUTIES[up][1]) if up else _p("—", "—"),
                     "duties": _p(dzh, den)})
    return {"id": "roles", "title": _p("职责与联络树", "Roles and the contact tree"),
            "intro": _p("发现事件的员工立即报告信息技术负责人或客户服务,二者报告个人信息保护负责人,后者报告应急总指挥(总经理)。人选按部门和职务从员工名单中确定。",
                        "Whoever discovers an incident tells IT or customer service at once; they tell the privacy officer, "
                        "who tells the incident lead (the general manager). People are chosen from the staff list by "
                        "department and job title."),
            "columns": [("role", "角色", "Role"), ("person", "人员", "Person"), ("employee", "工号", "Employee"),
                        ("department", "部门", "Department"), ("contact", "联系方式", "Contact"),
                        ("reports_to", "向谁报告", "Reports to"), ("duties", "职责", "Duties")],
            "rows": rows,
            "notes": [{"text": _p("第五十一条要求制定并组织实施个人信息安全事件应急预案(PIPL Art. 51);谁担任哪个角色是公司的安排。",
                                  "PIPL Art. 51 requires an incident response plan; who holds which role is the company's own "
                                  "arrangement."), "mark": "V"},
                      {"text": _p("个人信息保护负责人:处理人数达到网信部门规定数量的才必须指定(第五十二条;门槛100万人)。本公司自愿指定。",
                                  "A privacy officer is required only above the CAC's volume threshold (PIPL Art. 52; S: "
                                  "1 million people); the company names one of its own accord."), "mark": "V / S"}]}


def report_clock(people: int, discovered_at, operator: str = "other") -> dict:
    """The grade, the duty and the deadline of a leak of ``people`` people found at ``discovered_at``."""
    kind = _operator(operator)
    try:
        found = pd.Timestamp(discovered_at)
    except (ValueError, TypeError):
        raise PlanError(f"discovered_at: a date and time is needed, got {discovered_at!r}") from None
    grade = grade_incident(people)
    duty = reporting_duty(grade, kind)
    by = (found + pd.Timedelta(hours=duty.hours)).strftime(_TS) if duty.hours else None
    zh, en = _GRADE_LABEL[grade]
    return {"people": int(people), "grade": grade, "grade_zh": zh, "grade_en": en, "must_report": duty.must_report,
            "hours": duty.hours, "to": duty.to, "discovered_at": found.strftime(_TS), "report_by": by,
            "why": duty.why}


def _grading(case, kind: str) -> dict:
    rows = []
    for code, zh, en, least in GRADES:
        duty = reporting_duty(code, kind)
        rows.append({"grade": _p(zh, en),
                     "people": _p(f"{least:,} 人及以上" if least else "低于 1,000,000 人",
                                  f"{least:,} people or more" if least else "below 1,000,000 people"),
                     "report": _p(f"{duty.hours} 小时内报告{duty.to['zh-CN']}", f"within {duty.hours} hours to {duty.to['en']}")
                     if duty.must_report else _p("无小时时限;依第五十七条通知监管部门和个人", "no hour deadline; notify the regulator and individuals under PIPL Art. 57"),
                     "mark": "S"})
    n = len(case["customers"])
    worst = grade_incident(n)
    wz, we = _GRADE_LABEL[worst]
    return {"id": "grading", "title": _p("事件分级", "Grading an incident"),
            "intro": _p(f"个人信息泄露按涉及人数定级(《国家网络安全事件报告管理办法》,2025年11月1日施行)。本公司共有 {n:,} 名客户:即使全部泄露也为“{wz}”级;"
                        "但监护人、家庭成员等也计入人数,演练中可用放大系数模拟更大的客户群。",
                        f"A personal-information leak is graded by the number of people (the CAC incident-reporting "
                        f"measures, in force 2025-11-01). The company has {n:,} customers: even if all leaked the grade "
                        f"would be '{we}'; guardians and family members count too, and drills scale the base up."),
            "columns": [("grade", "级别", "Grade"), ("people", "涉及人数", "People"), ("report", "报告义务", "Reporting duty"),
                        ("mark", "来源", "Source")],
            "rows": rows, "worst_case": {"people": n, "grade": worst},
            "notes": [{"text": _p("分级标准和时限出自网信部门2025年报告办法的二手摘要(S),以原文为准。",
                                  "Grades and deadlines come from secondary summaries of the CAC's 2025 measures (S); the "
                                  "official text prevails."), "mark": "S"}]}


def _reporting(kind: str, roles: dict) -> dict:
    hours = REPORT_HOURS[kind]
    duty = reporting_duty("relatively_major", kind)
    privacy = roles.get("privacy")
    who = privacy["name"] if privacy else "—"
    rows = [
        {"step": _p("谁报告", "Who reports"), "what": _p(f"个人信息保护负责人({who})起草,应急总指挥签发。",
                                                      f"The privacy officer ({who}) drafts; the incident lead signs."), "basis": "policy", "mark": "U"},
        {"step": _p("向谁、多久", "To whom, how fast"),
         "what": _p(f"较大及以上:{hours} 小时内报告{duty.to['zh-CN']}(本公司为一般网络运营者:合资企业,非关键信息基础设施运营者,非国家机关)。",
                    f"Relatively major or above: to {duty.to['en']} within {hours} hours (the company is an ordinary network "
                    f"operator: a joint venture, not a critical-infrastructure operator nor a state body)."),
         "basis": "CAC 2025", "mark": "S"},
        {"step": _p("一般级", "General grade"),
         "what": _p("无小时时限,但须立即采取补救措施并通知履行个人信息保护职责的部门和个人。",
                    "No hour deadline, but remedy at once and notify the regulator and the individuals."),
         "basis": "PIPL Art. 57", "mark": "V"},
        {"step": _p("首报内容", "First report"),
         "what": _p("受影响的单位和系统;发现时间、事件类型和级别;影响;已采取的措施。",
                    "The unit and system affected; time of discovery, type and grade; impact; measures taken."),
         "basis": "CAC 2025", "mark": "S"},
        {"step": _p("续报内容", "Follow-up"),
         "what": _p("原因、可能的进一步影响、拟采取的措施、需要的支持。情况不明的可先报告,后续补报。",
                    "Cause, likely further impact, planned measures, support requested. Unclear facts may be reported "
                    "first and completed later."), "basis": "CAC 2025", "mark": "S"},
        {"step": _p("总结报告", "Summary report"), "what": _p("处置结束后 30 日内提交总结报告。", "A summary report within 30 days after handling."),
         "basis": "CAC 2025", "mark": "S"},
        {"step": _p("及时报告", "Prompt report"),
         "what": _p("发生数据安全事件时,及时告知用户并向有关主管部门报告。", "On a data security incident, tell users and report to the authority promptly."),
         "basis": "DSL Art. 29", "mark": "V"},
        {"step": _p("启动预案", "Start the plan"),
         "what": _p("发生网络数据安全事件时立即启动预案,按规定报告。", "On a network data incident start the plan at once and report as the rules require."),
         "basis": "NDSMR Art. 10", "mark": "V"},
    ]
    return {"id": "reporting", "title": _p("报告:向谁、多久、报什么", "Reporting: to whom, how fast, what"),
            "intro": _p("时钟从发现事件之时起算。", "The clock runs from the time the incident is discovered."),
            "columns": [("step", "事项", "Item"), ("what", "内容", "What"), ("basis", "依据", "Basis"), ("mark", "来源", "Source")],
            "rows": rows,
            "notes": [{"text": _p("《个人信息保护法》本身没有规定小时时限(第五十七条)。标“U”的是公司安排。",
                                  "PIPL itself sets no hour deadline (PIPL Art. 57). Rows marked U are company arrangements."), "mark": "V"}]}


def _notify(roles: dict) -> dict:
    privacy = roles.get("privacy")
    contact = f"{privacy['name']} · {privacy['work_email']} · {privacy['work_mobile']}" if privacy else "—"
    rows = [
        {"item": _p("信息种类", "Categories"), "what": _p("泄露、篡改或丢失的个人信息种类。", "The categories of personal information leaked, tampered with or lost."), "basis": "PIPL Art. 57"},
        {"item": _p("原因与可能的危害", "Cause and possible harm"), "what": _p("事件的原因和可能造成的危害。", "The cause and the harm it may cause."), "basis": "PIPL Art. 57"},
        {"item": _p("补救措施", "Remedies"), "what": _p("公司已采取的补救措施。", "The remedies the company has taken."), "basis": "PIPL Art. 57"},
        {"item": _p("个人可采取的措施", "What people can do"), "what": _p("个人可以采取的减轻危害的措施(如警惕冒充公司的电话)。", "What people can do to reduce the harm (e.g. beware of calls pretending to be the company)."), "basis": "PIPL Art. 57"},
        {"item": _p("联系方式", "Contact"), "what": _p(f"联系人:{contact}", f"Contact: {contact}"), "basis": "PIPL Art. 57"},
        {"item": _p("渠道", "Channels"), "what": _p("电话、短信、即时通信工具、电子邮件或公告。", "Phone, SMS, instant messaging, e-mail or a public notice."), "basis": "NDSMR Art. 11"},
        {"item": _p("可不通知的情形", "When notice may be skipped"),
         "what": _p("采取的措施能够有效避免危害的,可以不通知个人;但监管部门认为可能造成危害的,有权要求通知。",
                    "Where the measures effectively avoid harm, individuals need not be told, unless the regulator, finding "
                    "harm possible, requires it."), "basis": "PIPL Art. 57"},
    ]
    return {"id": "notify", "title": _p("通知个人", "Notifying individuals"),
            "intro": _p("通知由个人信息保护负责人起草,客户服务按同一口径答复来电。", "The privacy officer drafts the notice; customer service answers calls with the same wording."),
            "columns": [("item", "事项", "Item"), ("what", "内容", "What"), ("basis", "依据", "Basis")],
            "rows": rows,
            "notes": [{"text": _p("法律参考未规定涉及不满十四周岁未成年人时如何通知;本公司的安排是同时通知其监护人(公司政策)。",
                                  "The legal reference is silent on how to notify when minors under 14 are involved; the "
                                  "company's policy is to tell their guardians as well."), "mark": "U"}]}


def _evidence() -> dict:
    rows = [
        {"item": _p("台账", "The ledger"), "what": _p("每一步(控制、范围、定级、报告、通知)都以 incident 类型写入台账;台账以哈希链防篡改。",
                                                   "Every step (containment, scope, grade, report, notice) is written to the ledger as an incident entry; "
                                                   "the ledger is hash-chained against tampering."), "basis": "policy"},
        {"item": _p("原始证据", "Originals"), "what": _p("日志和磁盘先计算 SHA-256 再复制;原件封存,建立保管链记录。",
                                                      "Hash logs and disks (SHA-256) before copying; seal the originals and keep a chain-of-custody record."), "basis": "policy"},
        {"item": _p("保存期限", "How long"), "what": _p("处理情况记录至少保存三年。", "Processing records are kept at least three years."),
         "basis": "PIPL Arts. 55–56; NDSMR Art. 12"},
    ]
    return {"id": "evidence", "title": _p("证据保全", "Keeping evidence"),
            "intro": _p("证据要能交给公安机关和监管部门,也要能在将来的纠纷中证明公司做了什么(第六十九条推定过错)。",
                        "Evidence must be fit for the police and the regulator, and prove later what the company did (PIPL Art. 69: fault is presumed)."),
            "columns": [("item", "事项", "Item"), ("what", "内容", "What"), ("basis", "依据", "Basis")], "rows": rows,
            "notes": [{"text": _p("哈希和保管链的做法是通行实践,不是法律条文的要求。", "Hashing and the chain of custody are common practice, not a statutory requirement."), "mark": "U"}]}


def _drills() -> dict:
    rows = [
        {"item": _p("桌面演练", "Tabletop drill"), "what": _p("每六个月一次,由应急小组全体参加(模块 09 的演练包)。", "Every six months, the whole incident team (module 09's packages)."), "basis": "policy"},
        {"item": _p("变更后演练", "After a change"), "what": _p("每次重大变更(迁址、系统迁移、人员变动)后一个月内加演一次。", "Within a month of each major change (address, system migration, staff change)."), "basis": "policy"},
        {"item": _p("个人练习", "Solo practice"), "what": _p("新任角色人员上任前完成单人演练(约 20 分钟)。", "Anyone new in a role completes the solo drill (about 20 minutes) before taking it up."), "basis": "policy"},
        {"item": _p("培训", "Training"), "what": _p("定期对员工进行安全教育和培训,包括本预案。", "Regular staff training, including this plan."), "basis": "PIPL Art. 51"},
    ]
    return {"id": "drills", "title": _p("演练与培训周期", "Drill and training cycle"),
            "intro": _p("演练发现的不足写入改进计划,并据此更新本预案。", "What a drill finds goes into the improvement plan and updates this plan."),
            "columns": [("item", "事项", "Item"), ("what", "内容", "What"), ("basis", "依据", "Basis")], "rows": rows,
            "notes": [{"text": _p("法律参考没有规定演练频率:每六个月一次和变更后加演是公司政策。",
                                  "The legal reference sets no drill frequency: every six months and after each change is company policy."), "mark": "U"}]}


def _review(company: dict) -> dict:
    def day(v):
        return "" if pd.isna(v) or v == "" else pd.Timestamp(v).strftime("%Y-%m-%d")
    relocating = company.get("scenario") != "dissolution"
    rows = [
        {"trigger": _p("注销注册地址", "Cancelling the registered address"),
         "when": day(company.get("address_cancelled_on")),
         "what": _p("更新公司地址、联系方式、系统所在地;" + ("告知客户新的联系方式(第十七条)。" if relocating else "确认承接方的联系人(第二十二条)。"),
                    "Update the address, contacts and where the systems are; " + ("tell customers the new contact (PIPL Art. 17)." if relocating
                                                                                    else "confirm the successor's contacts (PIPL Art. 22)."))},
        {"trigger": _p("解散或迁移决定", "The decision to dissolve or relocate"), "when": day(company.get("decision_date")),
         "what": _p("按新的时间表重新分配角色,加演一次。", "Reassign roles for the new timetable and run an extra drill.")},
        {"trigger": _p("人员变动", "Staff changes"), "when": "",
         "what": _p("任一角色的人员离职或调岗时,当周更新联络树。", "When anyone in a role leaves or moves, update the contact tree that week.")},
        {"trigger": _p("系统变更", "System changes"), "when": "",
         "what": _p("新增、迁移或停用系统时更新适用范围。", "Update the scope when a system is added, migrated or retired.")},
        {"trigger": _p("事件或演练之后", "After an incident or a drill"), "when": "",
         "what": _p("总结报告和演练总结报告中的改进项落实到预案。", "Carry the improvements from the summary or after-action report into the plan.")},
        {"trigger": _p("法规变化", "A change in the law"), "when": "2025-11-01",
         "what": _p("如网信部门2025年报告办法施行,核对分级和时限(S)。", "E.g. the CAC's 2025 reporting measures took effect: check grades and deadlines (S).")},
    ]
    return {"id": "review", "title": _p("评审与更新", "Review and update"),
            "intro": _p("出现下列情况之一时,个人信息保护负责人在两周内修订本预案并报总指挥批准。",
                        "On any of these, the privacy officer revises the plan within two weeks for the lead's approval."),
            "columns": [("trigger", "触发事项", "Trigger"), ("when", "日期", "Date"), ("what", "要做的", "What to do")], "rows": rows,
            "notes": [{"text": _p("评审触发事项和两周期限是公司政策;法律参考未作规定。",
                                  "The triggers and the two-week revision are company policy; the legal reference sets none."), "mark": "U"}]}


# -- the exercise ---------------------------------------------------------------------------------

GRADING_OPTIONS = tuple((code, f"{zh}:" + ("无小时时限,依第五十七条通知" if code == "general" else "4小时内报省级网信部门"),
                         f"{en}: " + ("no hour deadline, notify under Art. 57" if code == "general" else "report to the provincial CAC within 4 hours"))
                        for code, zh, en, _ in reversed(GRADES))


def _incidents(case, seed: int) -> list[tuple[str, str, str, int]]:
    """(key, zh, en, people) for six incidents, from the case's systems and a seeded scale."""
    rng = np.random.default_rng(seed)
    st = case["system_tables"]
    systems = case["systems"].set_index("system_id")
    n = len(case["customers"])
    group = st[(st["system_id"] == "S07") & (st["table_name"] == "customers")]["records"]
    group_n = int(group.iloc[0]) if len(group) else max(1, n // 10)
    factor = int(rng.integers(1000, 4000))
    near = 1_000_000 - int(rng.integers(1, 5000))
    big = int(rng.integers(10, 90)) * 1_000_000 + int(rng.integers(0, 999_999))
    crm = systems.loc["S01"] if "S01" in systems.index else None
    crm_zh, crm_en = (crm["name_zh"], crm["name_en"]) if crm is not None else ("客户管理系统", "CRM")
    return [
        ("crm-all", f"{crm_zh}的客户表全部被导出", f"The whole customers table of the {crm_en} exported", n),
        ("group-copy", "境外股东集团CRM中的客户副本被访问", "The customer copy in the shareholder's group CRM accessed", group_n),
        ("scaled", f"演练:会员库按 {factor:,} 倍放大后全部泄露", f"Drill: the member base scaled up {factor:,} times, all leaked", n * factor),
        ("near", f"{near:,} 人的会员名单在网上出售", f"A member list of {near:,} people offered for sale", near),
        ("million", "1,000,000 人的订单和地址被泄露", "Orders and addresses of 1,000,000 people leaked", 1_000_000),
        ("big", f"{big:,} 人的数据被勒索软件窃取", f"Data of {big:,} people stolen by ransomware", big),
    ]


def grading_exercise(case, seed: int = 0, operator: str = "other") -> ChoiceExercise:
    """Module 09's exercise: grade six incidents and pick the duty; marked by the kit's grading."""
    kind = _operator(operator)
    incidents = _incidents(case, seed)
    truth = {key: grade_incident(people) for key, _, _, people in incidents}
    rows = pd.DataFrame([{"key": key, "title": f"{zh} · {en}", "detail": f"{people:,} 人 · people"}
                         for key, zh, en, people in incidents])
    labels = {o[0]: (o[1], o[2]) for o in GRADING_OPTIONS}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        right = truth[key]
        if given == right:
            return True, ""
        why = reporting_duty(right, kind).why
        name = labels[right][0 if lang == "zh-CN" else 1]
        return False, (f"应为:{name}。{why['zh-CN']}" if lang == "zh-CN" else f"Expected: {name}. {why['en']}")

    return ChoiceExercise("incident-grading", ("为每起事件定级并选择报告义务", "Grade each incident and pick the reporting duty"),
                          rows, GRADING_OPTIONS, marker)
