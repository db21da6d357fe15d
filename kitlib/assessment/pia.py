"""The personal-information impact assessment (PIPL Arts. 55–56) for the deregistration's processing.

Each ``Processing`` item names a purpose, a method, a recipient and its relation to the company
(transfer to a successor, Art. 22; entrusted processing, Art. 21; providing, Art. 23; internal),
the catalogue columns it touches, its Art. 13 legal basis and the measures in place.  From the case
data the assessment computes, per item: why an assessment is required (the Art. 55 triggers), the
lawfulness, legitimacy and necessity, the impact on rights and the risk, whether the measures fit
the risk, a conclusion, and the keep-until date (Art. 56: at least three years).

>>> from kitlib.synth import generate
>>> case = generate(customers=300, seed=3)
>>> report = impact_assessment(case, deregistration_processing(case), assessor="E0019", date="2026-04-01")
>>> report.keep_until.isoformat()
'2029-04-01'
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from ..atomic import write_text_atomic
from ..dates import to_date

__all__ = ["AssessmentError", "Processing", "ItemAssessment", "Assessment", "RELATIONS", "LEGAL_BASES",
           "MEASURES", "TRIGGERS", "KEEP_YEARS", "deregistration_processing", "impact_assessment",
           "keep_until"]

KEEP_YEARS = 3          # PIPL Art. 56: keep the report and the processing records at least three years
TEMPLATE = "assessment/pia.html.j2"
MANY_PEOPLE = 1000      # kit threshold (company policy, not law) above which the impact is raised a level

# relation → (zh, en, article)
RELATIONS = {
    "transfer": ("因解散向承继方转移", "transfer to a successor on dissolution", "PIPL Art. 22"),
    "entrusted": ("委托处理", "entrusted processing", "PIPL Art. 21"),
    "provide": ("向其他处理者提供", "providing to another handler", "PIPL Art. 23"),
    "internal": ("公司内部处理", "processing inside the company", ""),
}
# PIPL Art. 13 grounds
LEGAL_BASES = {
    "consent": ("取得个人同意", "the individual's consent"),
    "contract": ("订立、履行个人作为一方当事人的合同所必需", "necessary for a contract with the individual"),
    "legal_duty": ("履行法定职责或者法定义务所必需", "necessary for a legal duty"),
    "emergency": ("应对突发公共卫生事件或保护生命财产安全所必需", "public-health emergency or protecting life and property"),
    "news": ("为公共利益实施新闻报道、舆论监督", "news reporting in the public interest"),
    "public": ("处理已合法公开的个人信息", "information already lawfully public"),
    "other_law": ("法律、行政法规规定的其他情形", "another case laid down by law"),
}
MEASURES = {
    "encryption": ("加密", "encryption", "PIPL Art. 51"),
    "minimisation": ("最小必要(只含目的所需的字段)", "minimisation (only the fields the purpose needs)", "PIPL Arts. 28, 56"),
    "access_control": ("访问权限控制与操作记录", "access control and an access record", "PIPL Art. 51"),
    "agreement": ("书面协议(目的、期限、方式、种类、保护措施、责任)", "a written agreement (purpose, term, method, categories, safeguards, duties)", "PIPL Art. 21; NDSMR Art. 12"),
    "deletion_on_end": ("合同结束时返还或删除,不留存", "return or delete when the contract ends, keeping nothing", "PIPL Art. 21"),
    "notice": ("告知个人接收方名称和联系方式", "tell individuals the recipient's name and contact", "PIPL Arts. 22, 23"),
    "separate_consent": ("单独同意", "separate consent", "PIPL Arts. 23, 29, 39"),
    "guardian_consent": ("不满十四周岁未成年人的父母或监护人同意", "consent of the parent or guardian of children under 14", "PIPL Art. 31"),
    "cross_border_route": ("出境合法途径(安全评估、认证或标准合同)", "a lawful cross-border route (assessment, certification or standard contract)", "PIPL Art. 38"),
}
# Art. 55 triggers: key → (zh, en)
TRIGGERS = {
    "sensitive": ("处理敏感个人信息", "processing sensitive personal information"),
    "automated": ("利用个人信息进行自动化决策", "automated decision-making"),
    "entrusting": ("委托处理个人信息", "entrusting the processing"),
    "providing": ("向其他个人信息处理者提供个人信息", "providing to another handler"),
    "publishing": ("公开个人信息", "publishing"),
    "cross_border": ("向境外提供个人信息", "providing abroad"),
}
LEVELS = {1: ("低", "low"), 2: ("中", "medium"), 3: ("高", "high"), 4: ("很高", "very high")}
_TIER_IMPACT = {"none": 0, "general": 1, "sensitive": 2, "core": 3}


class AssessmentError(ValueError):
    """A problem with an impact assessment's input, in one line naming the item and field."""


@dataclass(frozen=True)
class Processing:
    """One processing activity to assess. ``columns`` are ``"table.column"`` names of the case catalogue."""
    key: str
    purpose: tuple[str, str]            # (zh, en)
    method: tuple[str, str]             # (zh, en)
    recipient: str
    relation: str                       # a RELATIONS key
    columns: tuple[str, ...]
    legal_basis: str                    # a LEGAL_BASES key (PIPL Art. 13)
    measures: frozenset[str] = frozenset()
    abroad: bool = False
    automated: bool = False
    publishes: bool = False
    retains: bool = False               # the purpose is keeping data a law requires kept

    def check(self) -> None:
        where = f"processing {self.key!r}"
        if not str(self.key).strip():
            raise AssessmentError("processing: field 'key' is empty")
        for name in ("purpose", "method"):
            pair = getattr(self, name)
            if len(pair) != 2 or not all(str(p).strip() for p in pair):
                raise AssessmentError(f"{where}: field {name!r} needs a zh-CN and an English text")
        if self.relation not in RELATIONS:
            raise AssessmentError(f"{where}: relation {self.relation!r} is not one of {', '.join(RELATIONS)}")
        if self.legal_basis not in LEGAL_BASES:
            raise AssessmentError(f"{where}: legal_basis {self.legal_basis!r} is not a PIPL Art. 13 ground "
                                  f"({', '.join(LEGAL_BASES)})")
        unknown = sorted(set(self.measures) - set(MEASURES))
        if unknown:
            raise AssessmentError(f"{where}: measure {unknown[0]!r} is not one of {', '.join(MEASURES)}")
        if self.relation != "internal" and not str(self.recipient).strip():
            raise AssessmentError(f"{where}: field 'recipient' is empty")
        if not self.columns:
            raise AssessmentError(f"{where}: field 'columns' lists no data")


@dataclass
class ItemAssessment:
    """What the assessment found for one processing item (every text as a (zh, en) pair)."""
    processing: Processing
    categories: pd.DataFrame            # table, column, pipl_category, tier, art28, retention
    people: int
    minors: int
    triggers: list[str]
    lawfulness: list[tuple[str, str]]
    legitimacy: list[tuple[str, str]]
    necessity: list[tuple[str, str]]
    likelihood: int
    impact: int
    risk: int
    risks: list[tuple[str, str]]
    required: list[str]
    missing: list[str]
    problems: list[tuple[str, str]] = field(default_factory=list)

    @property
    def sensitive(self) -> bool:
        return bool(self.categories["art28"].any())

    @property
    def measures_fit(self) -> bool:
        return not self.missing

    @property
    def acceptable(self) -> bool:
        return self.measures_fit and not self.problems

    @property
    def risk_level(self) -> int:
        return 1 if self.risk <= 2 else 2 if self.risk <= 6 else 3 if self.risk <= 9 else 4

    @property
    def conclusion(self) -> tuple[str, str]:
        if self.acceptable:
            return ("可以进行:措施与风险相适应。", "May proceed: the measures fit the risk.")
        todo_zh = [MEASURES[m][0] for m in self.missing] + [p[0] for p in self.problems]
        todo_en = [MEASURES[m][1] for m in self.missing] + [p[1] for p in self.problems]
        return ("暂不得进行,须先补足:" + ";".join(todo_zh) + "。",
                "Must not proceed until: " + "; ".join(todo_en) + ".")


def keep_until(day) -> dt.date:
    """``day`` plus KEEP_YEARS years (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + KEEP_YEARS)
    except ValueError:
        return day.replace(year=day.year + KEEP_YEARS, day=28)


def _columns_of(case, item: Processing) -> pd.DataFrame:
    catalogue = case.catalogue.assign(name=case.catalogue["table"] + "." + case.catalogue["column"])
    wanted = list(dict.fromkeys(item.columns))
    unknown = [c for c in wanted if c not in set(catalogue["name"])]
    if unknown:
        raise AssessmentError(f"processing {item.key!r}: column {unknown[0]!r} is not in the case catalogue "
                              "(write table.column)")
    rows = catalogue.set_index("name").loc[wanted].reset_index()
    if not rows["personal"].any():
        raise AssessmentError(f"processing {item.key!r}: field 'columns' holds no personal information")
    return rows[["table", "column", "pipl_category", "tier", "art28", "retention_basis", "retention_years",
                 "retention_certainty"]]


def _people(case, cats: pd.DataFrame) -> tuple[set, int]:
    ids: set = set()
    for table in cats["table"].unique():
        frame = case.tables.get(table)
        if frame is not None and "customer_id" in frame.columns:
            ids.update(frame["customer_id"].dropna())
    customers = case["customers"]
    minors = 0
    if "minor" in set(cats["pipl_category"]) and "is_minor" in customers.columns:
        minors = int(customers.loc[customers["customer_id"].isin(ids), "is_minor"].fillna(False).astype(bool).sum())
    return ids, minors


def _triggers(item: Processing, cats: pd.DataFrame) -> list[str]:
    found = {"sensitive": bool(cats["art28"].any()), "automated": item.automated,
             "entrusting": item.relation == "entrusted", "providing": item.relation in ("transfer", "provide"),
             "publishing": item.publishes, "cross_border": item.abroad}
    return [key for key in TRIGGERS if found[key]]


def _required(item: Processing, cats: pd.DataFrame, people: int, minors: int) -> list[str]:
    """The rule: which measures this item's data and recipient call for."""
    need = ["minimisation"]
    sensitive = bool(cats["art28"].any())
    if sensitive or item.relation != "internal":
        need.append("encryption")
    if sensitive and item.legal_basis == "consent":
        need.append("separate_consent")                 # Art. 29; another Art. 13 ground needs no consent
    if minors and item.legal_basis == "consent":
        need.append("guardian_consent")                 # Art. 31, where consent is the basis
    if item.relation == "entrusted":
        need += ["agreement", "deletion_on_end"]
    if item.relation == "transfer":
        need += ["notice", "agreement"]
    if item.relation == "provide":
        need += ["notice", "separate_consent"]
    if item.abroad:
        need += ["cross_border_route", "separate_consent"]
    if people >= MANY_PEOPLE or (cats["tier"] == "core").any():
        need.append("access_control")
    return list(dict.fromkeys(need))


def _assess(case, item: Processing) -> ItemAssessment:
    item.check()
    cats = _columns_of(case, item)
    ids, minors = _people(case, cats)
    people = len(ids)
    triggers = _triggers(item, cats)
    rel_zh, rel_en, rel_art = RELATIONS[item.relation]
    basis_zh, basis_en = LEGAL_BASES[item.legal_basis]
    problems: list[tuple[str, str]] = []

    lawfulness = [(f"合法性基础:{basis_zh}(《个人信息保护法》第13条)。", f"Legal basis: {basis_en} (PIPL Art. 13).")]
    if rel_art:
        lawfulness.append((f"处理关系:{rel_zh}({rel_art.replace('PIPL Art. ', '《个人信息保护法》第')}条)。",
                           f"Relation: {rel_en} ({rel_art})."))
    if item.relation == "transfer":
        lawfulness.append(("第22条:告知接收方名称和联系方式即可,无须重新取得同意;接收方继续履行处理者的义务,"
                           "变更目的或方式须重新取得同意。",
                           "Art. 22: tell people the recipient's name and contact — a duty to notify, not to obtain "
                           "consent; the recipient continues the handler's duties; a new purpose or method needs new consent."))
    if item.relation == "entrusted":
        lawfulness.append(("第21条:合同约定目的、期限、方式、种类、保护措施和双方责任;受托人不得超出约定处理,"
                           "不得未经同意转委托。",
                           "Art. 21: the contract fixes purpose, term, method, categories, safeguards and duties; "
                           "no sub-entrusting without consent."))
    if item.abroad:
        lawfulness.append(("向境外提供:须通过第38条所列途径之一,并依第39条告知并取得单独同意。",
                           "Abroad: one of the Art. 38 routes, and notice and separate consent under Art. 39."))

    legitimacy = [(f"目的:{item.purpose[0]}", f"Purpose: {item.purpose[1]}"),
                  (f"方式:{item.method[0]}", f"Method: {item.method[1]}")]
    if item.relation == "transfer" and item.legal_basis == "consent":
        legitimacy.append(("注意:第22条转移不以同意为前提;如承继方改变目的,须重新取得同意。",
                           "Note: an Art. 22 transfer does not rest on consent; a new purpose at the successor needs new consent."))

    necessity = []
    if "minimisation" in item.measures:
        necessity.append((f"只处理目的所需的{len(cats)}个字段。", f"Only the {len(cats)} fields the purpose needs."))
    else:
        necessity.append(("未说明已按最小必要原则筛选字段。", "No minimisation of the fields is stated."))
    if item.retains:
        unkept = cats[cats["retention_years"].isna()]
        if len(unkept):
            names = ", ".join(unkept["table"] + "." + unkept["column"])
            problems.append((f"以下字段没有法定保存期限,不应保存:{names}", f"no retention period requires keeping: {names}"))
            necessity.append((f"没有保存依据的字段:{names}。", f"Fields with no retention basis: {names}."))
        else:
            necessity.append(("每个字段都有保存期限依据(见下表)。", "Every field has a retention basis (see the table)."))
        policy = cats[cats["retention_certainty"] == "U"]
        if len(policy):
            necessity.append(("部分期限是公司政策,不是法律规定:" + ", ".join(policy["table"] + "." + policy["column"]),
                              "Some periods are company policy, not law: " + ", ".join(policy["table"] + "." + policy["column"])))

    top_tier = max(_TIER_IMPACT[t] for t in cats["tier"])
    impact = min(4, top_tier + (1 if people >= MANY_PEOPLE or minors else 0))
    likelihood = min(4, 1 + (item.relation != "internal") + item.abroad + ("encryption" not in item.measures))
    risks = []
    art28 = cats[cats["art28"]]
    if len(art28):
        kinds = ", ".join(sorted(art28["pipl_category"].unique()))
        risks.append((f"敏感个人信息({kinds})泄露或滥用,易损害人格尊严、人身或财产安全(第28条)。",
                      f"Leak or misuse of sensitive information ({kinds}) easily harms dignity, person or property (Art. 28)."))
    if minors:
        risks.append((f"涉及{minors}名不满十四周岁的未成年人(第28、31条)。", f"{minors} children under 14 are involved (Arts. 28, 31)."))
    if item.relation != "internal":
        risks.append((f"信息离开公司,由{item.recipient}处理:超范围使用、再提供或未删除的风险。",
                      f"Information leaves the company for {item.recipient}: risk of use beyond the purpose, onward "
                      "provision or failure to delete."))
    if item.abroad:
        risks.append(("信息出境:境外接收方的保护水平和可执行性。", "Information goes abroad: the recipient's protection and enforceability."))
    risks.append((f"影响人数:{people}。", f"People affected: {people}."))

    required = _required(item, cats, people, minors)
    missing = [m for m in required if m not in item.measures]
    return ItemAssessment(processing=item, categories=cats, people=people, minors=minors, triggers=triggers,
                          lawfulness=lawfulness, legitimacy=legitimacy, necessity=necessity, likelihood=likelihood,
                          impact=impact, risk=likelihood * impact, risks=risks, required=required, missing=missing,
                          problems=problems)


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(
        lambda name: resources.files("kitlib").joinpath("templates", name).read_text(encoding="utf-8")),
        autoescape=True, keep_trailing_newline=True, undefined=jinja2.StrictUndefined)


def _show(lang: str) -> tuple[bool, bool]:
    shows = {"both": (True, True), "zh-CN": (True, False), "zh": (True, False), "en": (False, True)}
    if lang not in shows:
        raise AssessmentError(f"lang must be 'both', 'zh-CN' or 'en', got {lang!r}")
    return shows[lang]


@dataclass
class Assessment:
    """The impact assessment report: items, the assessor, the date and the keep-until date."""
    company: tuple[str, str]
    assessor: str
    date: dt.date
    items: list[ItemAssessment]
    entry: object = None                 # the ledger entry, when recorded

    @property
    def keep_until(self) -> dt.date:
        return keep_until(self.date)

    @property
    def acceptable(self) -> bool:
        return all(i.acceptable for i in self.items)

    def summary(self) -> pd.DataFrame:
        return pd.DataFrame([{
            "item": i.processing.key, "relation": i.processing.relation, "people": i.people,
            "triggers": ", ".join(i.triggers), "likelihood": LEVELS[i.likelihood][1], "impact": LEVELS[max(i.impact, 1)][1],
            "risk": LEVELS[i.risk_level][1], "missing": ", ".join(i.missing), "conclusion": i.conclusion[1],
        } for i in self.items])

    def html(self, lang: str = "both") -> str:
        show_zh, show_en = _show(lang)
        return _env().get_template(TEMPLATE).render(
            a=self, show_zh=show_zh, show_en=show_en, levels=LEVELS, triggers=TRIGGERS, measures=MEASURES,
            relations=RELATIONS, keep_years=KEEP_YEARS)

    def sha256(self, lang: str = "both") -> str:
        return hashlib.sha256(self.html(lang).encode("utf-8")).hexdigest()

    def write(self, path, lang: str = "both") -> Path:
        """Write the report to ``path`` atomically."""
        return write_text_atomic(path, self.html(lang))


def impact_assessment(case, processing, *, assessor: str, date, ledger=None, actor: str | None = None) -> Assessment:
    """Assess each ``Processing`` item against the case data (PIPL Arts. 55–56).

    With ``ledger=``, one "change" entry records the report: its SHA-256 (of the bilingual HTML),
    the keep-until date and the items, with no customer identifiers.
    """
    if not str(assessor).strip():
        raise AssessmentError("field 'assessor' is empty")
    day = to_date(date)
    if day is None:
        raise AssessmentError(f"field 'date' {date!r} is not a date (YYYY-MM-DD)")
    items = list(processing)
    if not items:
        raise AssessmentError("field 'processing' lists no items")
    keys = [p.key for p in items]
    if len(set(keys)) != len(keys):
        raise AssessmentError(f"processing key {next(k for k in keys if keys.count(k) > 1)!r} appears twice")
    company = case.company
    report = Assessment(company=(str(company["name_zh"]), str(company["name_en"])), assessor=str(assessor),
                        date=day, items=[_assess(case, p) for p in items])
    if ledger is not None:
        report.entry = ledger.append("change", actor=actor or str(assessor), subjects=[], details={
            "kind": "impact_assessment", "basis": "PIPL Arts. 55-56", "report_sha256": report.sha256(),
            "date": day.isoformat(), "keep_until": report.keep_until.isoformat(),
            "items": [{"key": i.processing.key, "relation": i.processing.relation, "triggers": i.triggers,
                       "people": i.people, "risk": LEVELS[i.risk_level][1], "measures_fit": i.measures_fit,
                       "acceptable": i.acceptable} for i in report.items],
        })
    return report


def deregistration_processing(case) -> list[Processing]:
    """The deregistration's three processing items, as the kit recommends them."""
    successor = str(case.company.get("successor") or "").strip() or "承继方 / the successor"
    customers = ["customer_id", "name", "gender", "birth_date", "mobile", "email", "province", "city", "district",
                 "address", "bank_name", "bank_card", "membership_level", "marketing_consent", "is_minor",
                 "guardian_name", "guardian_relation", "guardian_mobile"]
    consents = ["consent_id", "customer_id", "purpose", "scope", "given_on", "separate_consent", "withdrawn_on"]
    vault = ([f"accounts.{c}" for c in ("account_id", "customer_id", "product", "contract_no", "opened_on", "closed_on")]
             + [f"orders.{c}" for c in ("order_id", "customer_id", "order_date", "amount_cny", "payment_ref",
                                        "invoice_no", "invoice_title")]
             + [f"consents.{c}" for c in consents])
    destroy = [f"customers.{c}" for c in customers + ["resident_id", "passport_no", "nationality"]] + \
              ["tickets.ticket_id", "tickets.customer_id", "tickets.text"]
    return [
        Processing("successor_transfer", ("向承继方移交在履行合同所需的客户信息,以继续服务",
                                          "hand the customer information needed for running contracts to the successor, so service continues"),
                   ("加密文件经核验清单移交,移交后本公司删除", "an encrypted file handed over against a verified manifest; the company deletes its copy after"),
                   successor, "transfer", tuple(f"customers.{c}" for c in customers), "contract",
                   frozenset({"encryption", "minimisation", "notice", "agreement", "access_control", "guardian_consent"})),
        Processing("retention_vault", ("保存法律要求保存的会计、税务凭证及同意记录",
                                       "keep the accounting and tax records, and the consent evidence, that must be kept"),
                   ("加密归档交由档案保管机构保管,期满销毁", "encrypted archive held by an archive custodian, destroyed when the period ends"),
                   "受托档案保管机构 / entrusted archive custodian", "entrusted", tuple(vault), "legal_duty",
                   frozenset({"encryption", "minimisation", "agreement", "deletion_on_end", "access_control"}),
                   retains=True),
        Processing("destruction_vendor", ("销毁不再需要的客户信息及其纸质件、介质(第47条)",
                                          "destroy customer information no longer needed, with its paper and media (Art. 47)"),
                   ("封存运送,现场粉碎和介质清除,出具销毁证明", "sealed transport, on-site shredding and media purge, with a certificate"),
                   "受托销毁服务商 / entrusted destruction vendor", "entrusted", tuple(destroy), "legal_duty",
                   frozenset({"encryption", "minimisation", "agreement", "deletion_on_end", "access_control"})),
    ]
