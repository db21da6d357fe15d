"""Module 11's case studies: four realistic, fictional cases, each with its data made from the kit,
a timeline, 3–5 questions whose answers are computed from that data, and a debrief with articles.

==================  ===========================================================================
case                data (from the kit)                                  reuses
==================  ===========================================================================
leaked-export       the drill's CRM export, its leaked sample (watermarked  ``drills.evidence``,
                    ids among fakes) and the customers now in the EU        ``synth.check_ids``,
                                                                            ``what_applies``
successor-marketing the customers transferred to the successor and its      ``sharing.consented``,
                    own promotion's send list                               ``minor_ids``, purposes
shareholder-copy    the copy in the foreign shareholder's group CRM         ``sharing``, ``lifecycle
                    (consented rows plus a sync script's extras)            .plan_retention``
backup-tapes        monthly off-site tapes found after deregistration       ``lifecycle.plan_retention``
==================  ===========================================================================

``build_cases(case, seed, workdir)`` builds all four (a dissolution case: the successor and the
deregistration date belong to it); ``study.exercise(lang)`` is a ``ChoiceExercise`` (one row per
question, options A–D) marked against the computed answers.  The narrative (title, background,
debrief) is ``data/cases.toml``; names and events are the generator's, invented.
"""
from __future__ import annotations

import string
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd

from ..i18n import get_lang, normalize
from ..learn.choices import ChoiceExercise
from ..learn.labelling import CATEGORIES
from ..lifecycle.retention import plan_retention
from ..sharing import consented, load_purposes
from ..sharing.minimise import minor_ids
from ..synth import check_ids
from .comparison import load_comparison, what_applies
from .errors import InternationalError
from .reference import Citation
from ._records import Records

__all__ = ["CASE_IDS", "LETTERS", "Question", "CaseStudy", "build_case", "build_cases", "case_exercise",
           "load_narratives", "default_cases_path"]

CASE_IDS = ("leaked-export", "successor-marketing", "shareholder-copy", "backup-tapes")
LETTERS = ("A", "B", "C", "D")
_KEYS = {"id", "title_zh", "title_en", "background_zh", "background_en", "debrief_zh", "debrief_en", "cites"}
_EU = (("德国", "Germany"), ("法国", "France"), ("荷兰", "the Netherlands"), ("意大利", "Italy"), ("西班牙", "Spain"))
_DAY = "%Y-%m-%d"
_MINUTE = "%Y-%m-%d %H:%M"


# -- the narrative file -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Narrative:
    id: str
    title: tuple[str, str]
    background: tuple[str, str]
    debrief: tuple[str, str]
    cites: tuple[Citation, ...]


# the placeholders each case's text may use (the facts its builder computes)
_FACTS = {
    "leaked-export": {"company_zh", "company_en", "export_at", "exported", "discovered_at", "sample_rows", "eu",
                      "real_rows", "grade_zh", "grade_en", "gdpr_by", "sensitive_zh", "sensitive_en"},
    "successor-marketing": {"company_zh", "company_en", "successor", "transferred_on", "transferred", "campaign_on",
                            "sent", "no_consent", "minors"},
    "shareholder-copy": {"shareholder", "country_zh", "country_en", "copy_rows", "sync_on", "deregistered_on",
                         "no_consent", "minors", "delete_by"},
    "backup-tapes": {"company_zh", "company_en", "deregistered_on", "found_on", "tapes", "customers", "orders",
                     "customers_due", "customer_basis", "orders_until"},
}


def default_cases_path() -> Path:
    return Path(str(resources.files("kitlib.international") / "data" / "cases.toml"))


def load_narratives(path=None) -> dict[str, Narrative]:
    """Read and check ``cases.toml`` (or a trainer's copy): every case id known, every text present,
    every {placeholder} one its builder computes, every citation in the kit's legal reference."""
    return _default_narratives() if path is None else _load(Path(path))


@lru_cache(maxsize=1)
def _default_narratives() -> dict[str, Narrative]:
    return _load(default_cases_path())


def _load(path: Path) -> dict[str, Narrative]:
    rec = Records(path, "case", _KEYS)
    out = {}
    for n, _ in enumerate(rec.entries):
        ident = rec.choice(n, "id", CASE_IDS)
        texts = {}
        for key in ("title_zh", "title_en", "background_zh", "background_en", "debrief_zh", "debrief_en"):
            value = rec.text(n, key)
            try:
                names = {f for _, f, _, _ in string.Formatter().parse(value) if f is not None}
            except ValueError as exc:
                rec.fail(n, key, f"bad {{placeholder}}: {exc}")
            unknown = sorted(names - _FACTS[ident])
            if unknown:
                rec.fail(n, key, f"unknown placeholder {{{unknown[0]}}}; this case offers {', '.join(sorted(_FACTS[ident]))}")
            texts[key] = value
        out[ident] = Narrative(ident, (texts["title_zh"], texts["title_en"]),
                               (texts["background_zh"], texts["background_en"]),
                               (texts["debrief_zh"], texts["debrief_en"]), rec.cites(n, "cites", required=True))
    missing = [c for c in CASE_IDS if c not in out]
    if missing:
        raise InternationalError(f"{path.name}: case {missing[0]!r} is missing")
    return out


# -- questions and the case study -------------------------------------------------------------------

@dataclass(frozen=True)
class Question:
    """One multiple-choice question: the text, four choices (zh, en), the index of the right one
    (computed), why, and the provisions behind it."""
    key: str
    text: tuple[str, str]
    choices: tuple[tuple[str, str], ...]
    answer: int
    why: tuple[str, str]
    basis: tuple[str, ...] = ()

    @property
    def letter(self) -> str:
        return LETTERS[self.answer]


@dataclass(frozen=True)
class CaseStudy:
    id: str
    title: tuple[str, str]
    background: tuple[str, str]
    timeline: pd.DataFrame              # date, event_zh, event_en
    data: dict                          # name -> DataFrame
    questions: tuple[Question, ...]
    debrief: tuple[str, str]
    cites: tuple[Citation, ...]
    facts: dict = field(default_factory=dict)

    @property
    def item(self) -> str:
        """The exercise id in the progress store."""
        return f"case-{self.id}"

    def answers(self) -> dict[str, str]:
        """The right letter of every question (computed from the data)."""
        return {q.key: q.letter for q in self.questions}

    def text(self, part: str, lang: str | None = None) -> str:
        """"title", "background" or "debrief" in ``lang``."""
        i = 0 if _lang(lang) == "zh-CN" else 1
        return getattr(self, part)[i]

    def questions_frame(self, lang: str | None = None) -> pd.DataFrame:
        """The questions with their lettered choices in one language (answers not shown)."""
        i = 0 if _lang(lang) == "zh-CN" else 1
        return pd.DataFrame([{"key": q.key, "question": q.text[i],
                              **{letter: c[i] for letter, c in zip(LETTERS, q.choices)}} for q in self.questions])

    def debrief_frame(self, lang: str | None = None) -> pd.DataFrame:
        """Each question's right answer, why, and the provisions."""
        i = 0 if _lang(lang) == "zh-CN" else 1
        return pd.DataFrame([{"key": q.key, "answer": f"{q.letter}. {q.choices[q.answer][i]}", "why": q.why[i],
                              "basis": "; ".join(q.basis)} for q in self.questions])

    def exercise(self, lang: str | None = None) -> ChoiceExercise:
        return case_exercise(self, lang)


def _lang(lang: str | None) -> str:
    return normalize(lang) if lang else get_lang()


def case_exercise(study: CaseStudy, lang: str | None = None) -> ChoiceExercise:
    """The case's questions as a ChoiceExercise: one row per question, options A–D, each miss
    explained with the right choice, why, and the provisions."""
    i = 0 if _lang(lang) == "zh-CN" else 1
    rows = pd.DataFrame([{"key": q.key, "title": f"{n}. {q.text[i]}",
                          "detail": "  ".join(f"{letter}. {c[i]}" for letter, c in zip(LETTERS, q.choices))}
                         for n, q in enumerate(study.questions, 1)])
    by_key = {q.key: q for q in study.questions}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        q = by_key[key]
        if given == q.letter:
            return True, ""
        j = 0 if lang == "zh-CN" else 1
        basis = f" ({'; '.join(q.basis)})" if q.basis else ""
        head = "应为" if j == 0 else "Expected"
        return False, f"{head}: {q.letter}. {q.choices[q.answer][j]} — {q.why[j]}{basis}"

    return ChoiceExercise(study.item, study.title, rows, tuple((x, x, x) for x in LETTERS), marker)


def _question(key: str, text: tuple[str, str], right: tuple[str, str], wrong: list[tuple[str, str]],
              why: tuple[str, str], basis=(), *, rng) -> Question:
    """A question with the right choice placed by ``rng`` among three distinct wrong ones."""
    seen, others = {right[1]}, []
    for w in wrong:
        if w[1] not in seen:
            seen.add(w[1])
            others.append(w)
    if len(others) < 3:
        raise InternationalError(f"question {key}: fewer than three distinct wrong choices ({len(others)})")
    others = others[:3]
    at = int(rng.integers(0, 4))
    choices = others[:at] + [right] + others[at:]
    return Question(key, text, tuple(choices), at, why, tuple(basis))


def _numbers(right: int, candidates) -> list[tuple[str, str]]:
    """Wrong numeric choices: the candidates that differ from the right count, then near misses."""
    out = [int(c) for c in candidates if int(c) != right and int(c) >= 0]
    step = max(1, right // 5)
    out += [right + step, max(0, right - step), right + 2 * step, right * 2 + 1]
    seen, uniq = {right}, []
    for v in out:
        if v not in seen:
            seen.add(v)
            uniq.append(v)
    return [(f"{v:,}", f"{v:,}") for v in uniq]


def _num(v: int) -> tuple[str, str]:
    return f"{v:,}", f"{v:,}"


def _timeline(rows) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=["date", "event_zh", "event_en"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame.sort_values("date", kind="stable").reset_index(drop=True)


def _company(case) -> pd.Series:
    return case["company"].iloc[0]


def _day(value) -> pd.Timestamp:
    return pd.Timestamp(value).normalize()


def _fill(narrative: Narrative, facts: dict) -> tuple[tuple[str, str], tuple[str, str], tuple[str, str]]:
    fmt = {k: (f"{v:,}" if isinstance(v, (int, np.integer)) and not isinstance(v, bool) else v) for k, v in facts.items()}
    return tuple(tuple(s.format_map(fmt) for s in pair)
                 for pair in (narrative.title, narrative.background, narrative.debrief))


def _given(consents: pd.DataFrame, purpose: str, day) -> set:
    """Customers with a consent for ``purpose`` given by ``day`` and not withdrawn by then (separate or
    not: marketing consent is an ordinary one; ``sharing.consented`` counts separate consents only)."""
    rows = consents[consents["purpose"] == purpose]
    given, withdrawn = pd.to_datetime(rows["given_on"]), pd.to_datetime(rows["withdrawn_on"])
    ok = given.notna() & (given <= day) & (withdrawn.isna() | (withdrawn > day))
    return set(rows.loc[ok, "customer_id"].astype(str))


def _record(ledger, actor: str, study_id: str, subjects, counts: dict) -> None:
    if ledger is not None:
        ledger.append("training", actor=actor, subjects=sorted(set(map(str, subjects))), details={
            "operation": "case_study_data", "case": study_id, **counts,
            "note": "synthetic data for a fictional case study, not a real event"})


# -- case 1: the watermarked export -----------------------------------------------------------------

def _leaked_export(case, seed: int, workdir: Path, narrative: Narrative, ledger, actor) -> CaseStudy:
    from ..drills.evidence import make_evidence          # the drills package is heavy; load it on use
    from ..drills.plan import report_clock
    rng = np.random.default_rng([seed, 1])
    ev = make_evidence("crm_export", case, seed, workdir / "leaked-export")
    truth, facts = ev.truth, ev.facts
    sample = pd.read_csv(ev.artefact("leaked_sample"), dtype=str)
    id_col = next(c for c in sample.columns if sample[c].astype(str).str.match(r"^CM\d{8}").mean() > 0.5)
    known = set(case["customers"]["customer_id"].astype(str))
    real = [bool(check_ids([v]).passed) and v in known for v in sample[id_col].astype(str)]
    real_rows = int(sum(real))
    exposed = list(truth.customer_ids)
    eu_n = int(min(len(exposed), rng.integers(1, 4)))
    eu_ids = sorted(rng.choice(exposed, size=eu_n, replace=False).tolist()) if eu_n else []
    where = [_EU[int(k)] for k in rng.integers(0, len(_EU), size=eu_n)]
    eu = pd.DataFrame({"customer_id": eu_ids, "lives_in_zh": [w[0] for w in where], "lives_in_en": [w[1] for w in where],
                       "told_on": [(_day(facts["export_at"]) - pd.Timedelta(days=int(d))).strftime(_DAY)
                                   for d in rng.integers(30, 400, size=eu_n)]})
    found = pd.Timestamp(truth.discovered_at)
    duties = what_applies(found, truth.people, eu_n)
    catalogue = case.catalogue.set_index(["table", "column"])
    columns = [c for c in facts["columns"] if ("customers", c) in catalogue.index]
    sensitive = [c for c in columns if bool(catalogue.loc[("customers", c), "art28"])]
    general = [c for c in columns if c not in sensitive and c != "customer_id"]

    def col_label(c):
        d = catalogue.loc[("customers", c)]
        zh, en = CATEGORIES.get(d["pipl_category"], (d["pipl_category"], d["pipl_category"]))
        return f"{c}({zh})", f"{c} ({en})"

    qs = []
    qs.append(_question("real-rows",
                        (f"样本共 {len(sample)} 行。按水印和客户表核对,有多少行是本公司的真实客户?",
                         f"The sample has {len(sample)} rows. Checked against the watermark and the customer table, how many are the company's real customers?"),
                        _num(real_rows), _numbers(real_rows, [len(sample), len(sample) - real_rows, facts["exported_rows"]]),
                        (f"{real_rows} 个编号通过水印校验且在客户表中;其余 {len(sample) - real_rows} 行是伪造的。",
                         f"{real_rows} ids pass the watermark check and are in the customer table; the other {len(sample) - real_rows} rows are fake."),
                        rng=rng))
    if sensitive:
        right = col_label(sensitive[0])
        why = (f"{right[0]}:数据目录把它标为第二十八条的敏感个人信息;通知中要写明这一类。",
               f"{right[1]}: the data catalogue marks it sensitive under PIPL Art. 28; the notice must name this category.")
    else:
        right = ("以上都不是敏感个人信息", "none of these is sensitive personal information")
        why = ("导出的列中没有第二十八条的敏感个人信息。", "None of the exported columns is Art. 28 sensitive information.")
    wrong = [col_label(c) for c in general[:3]] + [("以上都不是敏感个人信息", "none of these is sensitive personal information")]
    qs.append(_question("sensitive-column", ("导出的哪一列属于第二十八条的敏感个人信息?",
                                             "Which exported column is sensitive personal information under PIPL Art. 28?"),
                        right, wrong, why, ("PIPL Art. 28",), rng=rng))
    applying = duties[duties["applies"] & duties["deadline"].notna()].sort_values("deadline")
    labels = {"cac_report": ("4小时内报告省级网信部门", "report to the provincial CAC within 4 hours"),
              "gdpr_authority": ("72小时内通知欧盟监管机构(GDPR第33条)", "notify the EU supervisory authority within 72 hours (GDPR Art. 33)")}
    table = duties.set_index("id")
    options = {"cac_report": found + pd.Timedelta(hours=4), "gdpr_authority": found + pd.Timedelta(hours=72)}

    def at(key):
        zh, en = labels[key]
        when = options[key].strftime(_MINUTE)
        return f"{zh}:{when}", f"{en}: {when}"

    none = ("没有任何时限:第五十七条只要求“立即”", "no deadline at all: PIPL Art. 57 only says 'at once'")
    if len(applying):
        first = applying.iloc[0]["id"]
        right = at(first)
        why_q = (f"{table.loc[first, 'note_zh']}", f"{table.loc[first, 'note_en']}")
    else:
        first, right = None, none
        why_q = ("没有适用的小时时限。", "No hour deadline applies.")
    wrong = [at(k) for k in options if k != first] + [none, ("30日内提交总结报告", "a summary report within 30 days")]
    qs.append(_question("first-deadline",
                        (f"{found.strftime(_MINUTE)} 发现。若GDPR适用于这 {eu_n} 名欧盟居民,哪个时限最先到期?",
                         f"Discovered at {found.strftime(_MINUTE)}. If the GDPR applies to the {eu_n} EU residents, which deadline comes first?"),
                        right, wrong, why_q, (table.loc[first, "basis"],) if first else ("PIPL Art. 57",),
                        rng=rng))
    remedy = table.loc["pipl_remedy"]
    qs.append(_question("china-notice", ("哪一条要求通知受影响的中国客户?", "Which provision requires telling the affected customers in China?"),
                        (remedy["basis"], remedy["basis"]),
                        [("PIPL Art. 22", "PIPL Art. 22"), ("PIPL Art. 47", "PIPL Art. 47"), ("GDPR Art. 34", "GDPR Art. 34")],
                        (remedy["duty_zh"] + "。" + remedy["note_zh"], remedy["duty_en"] + ". " + remedy["note_en"]),
                        (remedy["basis"],), rng=rng))
    company = _company(case)
    clock = report_clock(truth.people, found)
    values = {"company_zh": company["name_zh"], "company_en": company["name_en"],
              "export_at": pd.Timestamp(facts["export_at"]).strftime(_MINUTE), "exported": len(exposed),
              "discovered_at": found.strftime(_MINUTE), "sample_rows": len(sample), "eu": eu_n, "real_rows": real_rows,
              "grade_zh": clock["grade_zh"], "grade_en": clock["grade_en"],
              "sensitive_zh": "、".join(col_label(c)[0] for c in sensitive) or "无",
              "sensitive_en": ", ".join(col_label(c)[1] for c in sensitive) or "none",
              "gdpr_by": (found + pd.Timedelta(hours=72)).strftime(_MINUTE)}
    title, background, debrief = _fill(narrative, values)
    timeline = _timeline([(facts["export_at"], "离职员工导出客户资料", "Departing employee exports customer records"),
                          (found, "网上兜售样本被发现", "Sample offered for sale is discovered"),
                          (found + pd.Timedelta(hours=4), "若为较大事件:4小时报告截止", "If relatively major: the 4-hour report is due"),
                          (found + pd.Timedelta(hours=72), "若GDPR适用:72小时通知截止", "If the GDPR applies: the 72-hour notice is due")])
    sample = sample.assign(real_customer=real)
    _record(ledger, actor, "leaked-export", exposed, {"sample_rows": len(sample), "real_rows": real_rows, "eu_residents": eu_n})
    return CaseStudy("leaked-export", title, background, timeline,
                     {"leaked_sample": sample, "export_jobs": pd.read_csv(ev.artefact("crm_export_jobs")),
                      "eu_residents": eu, "duties": duties}, tuple(qs), debrief, narrative.cites, values)


# -- case 2: the successor's promotion --------------------------------------------------------------

def _successor_marketing(case, seed: int, workdir: Path, narrative: Narrative, ledger, actor) -> CaseStudy:
    rng = np.random.default_rng([seed, 2])
    company = _company(case)
    purposes = load_purposes()
    purpose = purposes["successor"]
    customers = case["customers"]
    transferred_on = _day(company["data_cutoff"])
    columns = [c for c in purpose.columns("customers") if c in customers.columns]
    transferred = customers[columns].copy()
    share = 0.5 + 0.3 * rng.random()
    picked = np.sort(rng.choice(len(transferred), size=max(4, int(share * len(transferred))), replace=False))
    campaign_on = transferred_on + pd.Timedelta(days=int(rng.integers(20, 60)))
    sends = pd.DataFrame({"send_id": [f"SMS{n:06d}" for n in range(1, len(picked) + 1)],
                          "customer_id": transferred["customer_id"].iloc[picked].astype(str).to_numpy(),
                          "channel": "sms", "campaign": "new-products",
                          "sent_at": [campaign_on + pd.Timedelta(minutes=int(m)) for m in np.sort(rng.integers(540, 1200, size=len(picked)))]})
    with_consent = _given(case["consents"], "marketing", campaign_on)
    children = minor_ids(transferred, customers) or set()
    sent_ids = sends["customer_id"]
    no_consent = int((~sent_ids.isin(with_consent)).sum())
    minors = int(sent_ids.isin(children).sum())
    consent_ok = len(sends) - no_consent
    qs = [
        _question("no-consent", ("有多少条促销短信发给了没有有效营销同意(从未同意或已撤回)的客户?",
                                 "How many promotion messages went to customers without a valid marketing consent (never given or withdrawn)?"),
                  _num(no_consent), _numbers(no_consent, [len(sends), consent_ok, len(transferred)]),
                  (f"用同意记录核对:{consent_ok} 人在发送当天有有效的营销同意,{no_consent} 人没有。",
                   f"Checked against the consent records: {consent_ok} had a valid marketing consent on the day, {no_consent} did not."),
                  ("PIPL Arts. 14, 29",), rng=rng),
        _question("children", ("收到短信的人中,有多少名不满十四周岁的儿童?", "How many of the recipients are children under 14?"),
                  _num(minors), _numbers(minors, [int(customers["is_minor"].fillna(False).astype(bool).sum()), no_consent, 0]),
                  (f"按客户表的 is_minor 标记:{minors} 名儿童收到了短信;儿童的全部信息都是敏感个人信息,需要监护人同意。",
                   f"By the customer table's is_minor flag: {minors} children got the message; all of a child's information is sensitive and needs a guardian's consent."),
                  ("PIPL Art. 28", "PIPL Art. 31"), rng=rng),
    ]
    article = purpose.article
    qs.append(_question("article", ("承接方把接收的数据用于自己的促销,违反了哪一条?",
                                    "Using the data it received for its own promotion, the successor breaks which provision?"),
                        (f"{article}:改变原先的处理目的应当重新取得同意", f"{article}: a new purpose needs new consent"),
                        [("PIPL Art. 21:受托人不得转委托", "PIPL Art. 21: no sub-entrusting"),
                         ("PIPL Arts. 38–40:向境外提供", "PIPL Arts. 38–40: cross-border transfer"),
                         ("PIPL Art. 47:停止服务后删除", "PIPL Art. 47: deletion after the service ends")],
                        (f"这次共享的流程是“{purpose.label_zh}”({article}):接收方继续原来的目的和方式;新的目的要重新取得同意。",
                         f"The flow of this share is '{purpose.label_en}' ({article}): the recipient continues the same purpose and method; a new purpose needs new consent."),
                        (article,), rng=rng))
    right = ("转移协议写明原目的并要求承接方继续履行义务,告知客户承接方的名称和联系方式,并监测其使用",
             "an agreement fixing the original purpose and binding the successor to the duties, a notice with its name and contact, and monitoring of its use")
    qs.append(_question("plan", ("处置方案本应包含什么?", "What should the disposition plan have contained?"), right,
                        [("转移前取得每位客户的单独同意", "each customer's separate consent before the transfer"),
                         ("网信部门的安全评估", "a CAC security assessment"),
                         ("什么都不需要:承接方是新的处理者,自行负责", "nothing: the successor is a new handler and answers for itself")],
                        ("第二十二条是告知义务而非同意:告知接收方的名称和联系方式,接收方继续履行义务(《网络数据安全管理条例》第十四条);模块05的协议清单和使用监测就是为此准备的。",
                         "PIPL Art. 22 is a duty to notify, not to obtain consent: name the recipient and its contact; the recipient continues the duties (NDSMR Art. 14); module 05's agreement checklist and usage monitoring exist for this."),
                        (article, "NDSMR Art. 14"), rng=rng))
    values = {"company_zh": company["name_zh"], "company_en": company["name_en"], "successor": company["successor"],
              "transferred_on": transferred_on.strftime(_DAY), "transferred": len(transferred),
              "campaign_on": campaign_on.strftime(_DAY), "sent": len(sends), "no_consent": no_consent, "minors": minors}
    title, background, debrief = _fill(narrative, values)
    timeline = _timeline([(company["decision_date"], "股东会决议解散", "Shareholders resolve to dissolve"),
                          (transferred_on, "客户资料转给承接方(第二十二条告知)", "Customer data transferred to the successor (Art. 22 notice)"),
                          (campaign_on, "承接方发送自己的促销短信", "The successor sends its own promotion")])
    _record(ledger, actor, "successor-marketing", sent_ids, {"messages": len(sends), "without_consent": no_consent, "children": minors})
    return CaseStudy("successor-marketing", title, background, timeline,
                     {"transferred": transferred, "promotion_sends": sends}, tuple(qs), debrief, narrative.cites, values)


# -- case 3: the copy at the foreign shareholder ----------------------------------------------------

def _shareholder_copy(case, seed: int, workdir: Path, narrative: Narrative, ledger, actor, plan) -> CaseStudy:
    rng = np.random.default_rng([seed, 3])
    company = _company(case)
    holders = case["shareholders"]
    foreign = holders[holders["party"] == "foreign"].iloc[0]
    customers, consents = case["customers"], case["consents"]
    cutoff = _day(company["data_cutoff"])
    cb = consents[(consents["purpose"] == "cross_border")]
    consented_ever = set(cb["customer_id"].astype(str))
    others = customers.loc[~customers["customer_id"].astype(str).isin(consented_ever), "customer_id"].astype(str).to_numpy()
    extra_n = int(min(len(others), max(2, round(len(consented_ever) * (0.15 + 0.2 * rng.random())))))
    extra = rng.choice(others, size=extra_n, replace=False) if extra_n else np.array([], dtype=object)
    minors_all = customers.loc[customers["is_minor"].fillna(False).astype(bool), "customer_id"].astype(str).to_numpy()
    kids = [k for k in minors_all if k not in consented_ever and k not in set(extra)][: int(rng.integers(1, 3))]
    sync_on = cutoff - pd.Timedelta(days=int(rng.integers(200, 500)))
    purpose = load_purposes()["group_crm"]
    cols = [c for c in purpose.columns("customers") if c in customers.columns]
    ids = sorted(consented_ever | set(extra) | set(kids))
    copy = customers.loc[customers["customer_id"].astype(str).isin(ids), cols].copy()
    copy["copied_by"] = np.where(copy["customer_id"].astype(str).isin(consented_ever), "consent-sync", "bulk-sync")
    valid = consented(consents, "cross_border", on=cutoff)
    in_copy = copy["customer_id"].astype(str)
    no_consent = int((~in_copy.isin(valid)).sum())
    children = minor_ids(copy, customers) or set()
    minors = int(in_copy.isin(children).sum())
    rec = plan.records
    rows = rec[(rec["table"] == "customers") & rec["customer_id"].astype(str).isin(set(in_copy))]
    actions = rows["action"].value_counts()
    action = actions.index[0] if len(actions) else "delete_by"
    delete_by = pd.Timestamp(rows["delete_on"].max()) if rows["delete_on"].notna().any() else _day(company["address_cancelled_on"])
    basis = plan.columns.set_index(["table", "column"]).loc[("customers", "customer_id"), "basis_en"]
    qs = [
        _question("no-consent", ("副本中有多少条记录没有有效的出境单独同意?", "How many records in the copy have no valid separate consent for the transfer abroad?"),
                  _num(no_consent), _numbers(no_consent, [len(copy), extra_n, len(copy) - no_consent]),
                  (f"副本 {len(copy)} 条,{len(copy) - no_consent} 条在数据截止日有有效的出境单独同意(未撤回),{no_consent} 条没有。",
                   f"The copy has {len(copy)} records; {len(copy) - no_consent} have a valid separate consent (not withdrawn) on the data cutoff, {no_consent} do not."),
                  ("PIPL Arts. 38–40",), rng=rng),
        _question("children", ("副本中有多少条是不满十四周岁儿童的记录?", "How many records in the copy are children's (under 14)?"),
                  _num(minors), _numbers(minors, [len(minors_all), no_consent, 0]),
                  ("按客户表的 is_minor 标记计数;公司政策是儿童信息不出境(目的登记表 group_crm: minors = exclude)。",
                   "Counted by the customer table's is_minor flag; company policy is that children's data does not leave China (purpose registry group_crm: minors = exclude)."),
                  ("PIPL Art. 28", "PIPL Art. 31"), rng=rng),
    ]
    when = delete_by.strftime(_DAY)
    right = (f"删除并取得股东的书面确认,最迟 {when}", f"deleted, with the shareholder's written confirmation, by {when}") \
        if action == "delete_by" else (f"按保存计划:{action}", f"as the retention plan says: {action}")
    qs.append(_question("at-dissolution", ("公司解散时,这份副本应当怎样处理?", "What must happen to the copy when the company dissolves?"), right,
                        [("保存10年,供税务检查", "kept 10 years for tax inspections"),
                         ("随公司注销自动失效,不必处理", "it lapses with the deregistration: nothing to do"),
                         ("移交承接方继续使用", "handed to the successor to keep using")],
                        (f"保存计划对这些客户记录的处理是 {action}({basis}):停止服务后删除;境外的副本同样要删除。",
                         f"The retention plan's action for these customer records is {action} ({basis}): deleted once the service stops; the copy abroad too."),
                        (basis, "PIPL Art. 47"), rng=rng))
    topic = load_comparison().topic("cross_border")
    right = ("法律参考没有涉及:这是待核实的问题", "the kit's legal reference does not cover it: an open question to check") \
        if not topic.gdpr_covered else ("见对照表", "see the comparison")
    qs.append(_question("gdpr-transfer", (f"股东在{foreign['country_zh']}。GDPR对欧盟以外的传输怎么规定?",
                                          f"The shareholder is in {foreign['country_en']}. What do the GDPR's rules on transfers out of the EU say?"),
                        right, [("与第三十八条完全相同", "exactly what PIPL Art. 38 says"),
                                ("GDPR第17条规定了跨境传输", "GDPR Art. 17 governs transfers"),
                                ("GDPR不允许任何传输", "the GDPR forbids any transfer")],
                        (topic.gdpr_zh, topic.gdpr_en), (), rng=rng))
    values = {"shareholder": foreign["shareholder"], "country_zh": foreign["country_zh"], "country_en": foreign["country_en"],
              "copy_rows": len(copy), "sync_on": sync_on.strftime(_DAY),
              "deregistered_on": _day(company["address_cancelled_on"]).strftime(_DAY),
              "no_consent": no_consent, "minors": minors, "delete_by": when}
    title, background, debrief = _fill(narrative, values)
    timeline = _timeline([(sync_on, "同步脚本把一批客户带入集团CRM", "A sync script copies a batch of customers to the group CRM"),
                          (cutoff, "停止服务;客户数据截止", "Service ends; customer data frozen"),
                          (delete_by, "客户资料删除期限", "Customer data due for deletion"),
                          (company["address_cancelled_on"], "注销登记", "Deregistration")])
    _record(ledger, actor, "shareholder-copy", in_copy, {"copy_rows": len(copy), "without_consent": no_consent, "children": minors})
    return CaseStudy("shareholder-copy", title, background, timeline, {"group_crm_copy": copy.reset_index(drop=True)},
                     tuple(qs), debrief, narrative.cites, values)


# -- case 4: the tapes found after deregistration ---------------------------------------------------

def _backup_tapes(case, seed: int, workdir: Path, narrative: Narrative, ledger, actor, plan) -> CaseStudy:
    rng = np.random.default_rng([seed, 4])
    company = _company(case)
    cutoff = _day(company["data_cutoff"])
    dereg = _day(company["address_cancelled_on"])
    found = dereg + pd.Timedelta(days=int(rng.integers(150, 400)))
    n_tapes = int(rng.integers(6, 13))
    customers, orders = case["customers"], case["orders"]
    since = pd.to_datetime(customers["customer_since"])
    order_day = pd.to_datetime(orders["order_date"])
    months = [(cutoff - pd.DateOffset(months=k)).normalize() for k in range(n_tapes - 1, -1, -1)]
    tapes = pd.DataFrame({"tape_id": [f"T{m.strftime('%Y%m')}" for m in months], "written_on": months,
                          "customers": [int((since <= m).sum()) for m in months],
                          "orders": [int((order_day <= m).sum()) for m in months],
                          "encrypted": True, "key_location": "unknown"})
    last = months[-1]
    on_tape_c = set(customers.loc[since <= last, "customer_id"].astype(str))
    on_tape_o = set(orders.loc[order_day <= last, "order_id"].astype(str))
    rec = plan.records
    c_rows = rec[(rec["table"] == "customers") & rec["row_id"].astype(str).isin(on_tape_c)]
    o_rows = rec[(rec["table"] == "orders") & rec["row_id"].astype(str).isin(on_tape_o)]
    overdue = int((c_rows["action"].eq("delete_by") & (pd.to_datetime(c_rows["delete_on"]) <= found)).sum())
    kept = int((pd.to_datetime(o_rows["keep_until"]) > found).sum())
    orders_until = pd.to_datetime(o_rows["keep_until"]).max()
    customers_due = pd.to_datetime(c_rows["delete_on"]).max()
    cols = plan.columns.set_index(["table", "column"])
    customer_basis = cols.loc[("customers", "customer_id"), "basis_en"]
    order_basis = cols.loc[("orders", "order_id"), "basis_en"]
    qs = [
        _question("overdue", (f"{found.strftime(_DAY)} 发现时,最后一盘磁带上有多少条客户记录早该删除?",
                              f"When found on {found.strftime(_DAY)}, how many customer records on the last tape were already due for deletion?"),
                  _num(overdue), _numbers(overdue, [len(on_tape_c) + len(on_tape_o), len(customers) - overdue, kept]),
                  (f"保存计划:这些客户记录的删除日期不晚于 {customers_due.strftime(_DAY)}({customer_basis})。",
                   f"The retention plan dates their deletion no later than {customers_due.strftime(_DAY)} ({customer_basis})."),
                  (customer_basis,), rng=rng),
        _question("kept", ("最后一盘磁带上有多少条订单记录现在仍须保存?", "How many order records on the last tape must still be kept now?"),
                  _num(kept), _numbers(kept, [len(on_tape_o) - kept, overdue, len(on_tape_c)]),
                  (f"订单是会计凭证,保存期限到 {orders_until.strftime(_DAY)}({order_basis})。",
                   f"Orders are accounting vouchers kept until {orders_until.strftime(_DAY)} ({order_basis})."),
                  (order_basis,), rng=rng),
    ]
    deletion = load_comparison().topic("deletion")
    art47 = next(c.text for c in deletion.pipl_cites if 47 in c.articles)
    qs.append(_question("meanwhile", ("还不能删除的订单,在保存期内可以怎样处理?", "Meanwhile, what may be done with the orders that cannot be deleted yet?"),
                        ("只存储并采取必要的安全措施,停止其他处理", "only storage and necessary security measures; all other processing stops"),
                        [("照常用于分析和营销", "used as before for analysis and marketing"),
                         ("立即删除,保存义务让位于删除义务", "deleted at once: deletion beats retention"),
                         ("交给发现磁带的寄存公司自行处理", "left to the vault company that found them")],
                        (deletion.pipl_zh, deletion.pipl_en), (art47,), rng=rng))
    qs.append(_question("sanitise", ("这些磁带以后不会再使用。按 NIST SP 800-88,选哪一类?",
                                     "The tapes will never be used again. Which NIST SP 800-88 category fits?"),
                        ("销毁(Destroy):介质不能再用", "Destroy: the media cannot be reused"),
                        [("清除(Clear):逻辑覆盖即可", "Clear: logical overwrite suffices"),
                         ("净化(Purge):之后重新使用磁带", "Purge, then reuse the tapes"),
                         ("不用处理:磁带已加密", "nothing: the tapes are encrypted")],
                        ("清除抵御简单恢复;净化使实验室手段也无法恢复;销毁在净化之上,介质不能再用。先移交须保存的订单,再销毁。",
                         "Clear resists simple recovery; Purge makes laboratory recovery infeasible; Destroy is Purge and the media cannot be reused. Hand over the orders that must be kept first, then destroy."),
                        ("NIST SP 800-88 Rev. 2",), rng=rng))
    s06 = case["systems"].set_index("system_id").loc["S06"] if "S06" in set(case["systems"]["system_id"]) else None
    name = (s06["name_zh"], s06["name_en"]) if s06 is not None else ("异地备份磁带", "off-site backup tapes")
    qs.append(_question("plan", ("处置方案里缺了什么?", "What was missing from the disposition plan?"),
                        (f"“{name[0]}”列入系统清单并逐项处置:订单移交档案保管方,客户资料加密删除,结束寄存合同并取得证书",
                         f"'{name[1]}' in the system list with a disposition: orders to the archive custodian, customer data crypto-shredded, the vault contract ended with a certificate"),
                        [("一份新的隐私政策", "a new privacy policy"), ("一次客户满意度调查", "a customer satisfaction survey"),
                         ("更长的备份保留期", "a longer backup retention period")],
                        ("磁带在系统清单里(S06),却没有处置决定;解散时档案要移交(《档案法》第16条),其余要删除。",
                         "The tapes were in the system list (S06) without a decision; at dissolution archives are handed over (Archives Law Art. 16) and the rest deleted."),
                        ("PIPL Art. 47",), rng=rng))
    values = {"company_zh": company["name_zh"], "company_en": company["name_en"], "deregistered_on": dereg.strftime(_DAY),
              "found_on": found.strftime(_DAY), "tapes": n_tapes, "customers": len(on_tape_c), "orders": len(on_tape_o),
              "customers_due": customers_due.strftime(_DAY), "customer_basis": customer_basis,
              "orders_until": orders_until.strftime(_DAY)}
    title, background, debrief = _fill(narrative, values)
    timeline = _timeline([(months[0], "第一盘月度磁带写入", "First monthly tape written"),
                          (last, "最后一盘磁带写入;服务结束", "Last tape written; service ends"),
                          (customers_due, "客户资料删除期限", "Customer data due for deletion"),
                          (dereg, "注销登记", "Deregistration"), (found, "寄存公司发现磁带", "The vault company finds the tapes")])
    _record(ledger, actor, "backup-tapes", on_tape_c, {"tapes": n_tapes, "customers_on_tape": len(on_tape_c),
                                                       "orders_on_tape": len(on_tape_o), "overdue": overdue, "kept": kept})
    return CaseStudy("backup-tapes", title, background, timeline, {"tapes": tapes}, tuple(qs), debrief,
                     narrative.cites, values)


# -- building -----------------------------------------------------------------------------------------

def _check_case(case) -> None:
    try:
        company = _company(case)
        case.catalogue
    except (KeyError, TypeError, AttributeError, IndexError):
        raise InternationalError("case: a kitlib.synth case (generate(...)) is needed") from None
    if company["scenario"] != "dissolution":
        raise InternationalError(f"case: scenario {company['scenario']!r}; the case studies need a dissolution case "
                                 "(generate(..., scenario='dissolution'))")


def build_case(case_id: str, case, seed: int = 0, workdir=None, *, plan=None, narratives=None, ledger=None,
               actor: str = "kit") -> CaseStudy:
    """One case study from a dissolution ``case`` (``kitlib.synth.generate``); ``workdir`` receives the
    files the leaked-export case writes (default: a temporary folder).  With ``ledger``, one
    "training" entry records the data made (subjects: the customers in it; details: counts)."""
    if case_id not in CASE_IDS:
        raise InternationalError(f"case_id: unknown case {case_id!r}; one of {', '.join(CASE_IDS)}")
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0:
        raise InternationalError(f"seed: a non-negative whole number is needed, got {seed!r}")
    _check_case(case)
    narrative = (narratives or load_narratives())[case_id]
    if workdir is None:
        import tempfile
        workdir = tempfile.mkdtemp(prefix="kit-11-")
    workdir = Path(workdir)
    if case_id in ("shareholder-copy", "backup-tapes") and plan is None:
        plan = plan_retention(case)
    builder = {"leaked-export": _leaked_export, "successor-marketing": _successor_marketing}.get(case_id)
    if builder:
        return builder(case, int(seed), workdir, narrative, ledger, actor)
    builder = {"shareholder-copy": _shareholder_copy, "backup-tapes": _backup_tapes}[case_id]
    return builder(case, int(seed), workdir, narrative, ledger, actor, plan)


def build_cases(case, seed: int = 0, workdir=None, *, ledger=None, actor: str = "kit", narratives=None) -> dict[str, CaseStudy]:
    """All four case studies (one retention plan shared between them), by id."""
    _check_case(case)
    plan = plan_retention(case)
    narratives = narratives or load_narratives()
    return {cid: build_case(cid, case, seed, workdir, plan=plan, narratives=narratives, ledger=ledger, actor=actor)
            for cid in CASE_IDS}
