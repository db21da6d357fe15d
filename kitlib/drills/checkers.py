"""Named checkers for hands-on tasks: the kit computes a task's answer from the run's data.

A package names a checker (``check: minors_involved``); the yaml never holds the answer.  A
checker ``solve``s the task over a ``DrillData`` (the synthetic case, the customers in scope of
the incident, and the variant's facts) and returns a ``Solution``: the right answer and an
explanation in both languages.  Other modules add checkers with ``register_checker``; modules
named in ``PLUGINS`` are imported the first time the registry is read so that theirs are known.

Built in: ``exposed_count``, ``minors_involved`` and ``report_deadline`` (over the customers in
scope), and ``scope.<name>`` for every evidence checker of ``kitlib.drills.evidence.CHECKERS``
(``scope.exposed_customers``, ``scope.incident_grade`` ...): these need a run whose variant makes
evidence (``evidence: {kind: ...}``); the answer comes from the evidence's truth and the given
answer is marked by the evidence checker itself (lists in any order, labels in either language).
"""
from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable

from .data import DrillData
from .evidence import CHECKERS as _EVIDENCE_CHECKERS, GRADES, REPORT_HOURS as _EVIDENCE_HOURS, EvidenceError, \
    grade_incident
from .model import Text

__all__ = ["Checker", "Solution", "CheckerError", "register_checker", "known_checkers", "get_checker",
           "incident_grade", "REPORT_HOURS", "PLUGINS", "EvidenceSolution", "EvidenceChecker", "SCOPE_PREFIX"]

PLUGINS = ()        # modules that register more checkers when imported
_REGISTRY: dict[str, "Checker"] = {}
_plugins_loaded = False


class CheckerError(ValueError):
    """An answer a checker cannot read, or data it needs but was not given."""


@dataclass(frozen=True)
class Solution:
    answer: Any                 # JSON-serialisable, compared with the normalised given answer
    explanation: Text


def _same(value):
    return value


@dataclass(frozen=True)
class Checker:
    name: str
    title: Text
    solve: Callable[[DrillData, dict], Solution]
    normalise: Callable[[Any], Any] = _same     # the participant's answer in the solution's form

    def mark(self, solution: Solution, given) -> bool:
        return self.normalise(given) == solution.answer


def register_checker(checker: Checker, *, replace: bool = False) -> Checker:
    """Add ``checker`` to the registry (a second one of the same name needs ``replace=True``)."""
    if checker.name in _REGISTRY and not replace and _REGISTRY[checker.name] is not checker:
        raise ValueError(f"a checker named {checker.name!r} is already registered")
    _REGISTRY[checker.name] = checker
    return checker


def known_checkers() -> dict[str, Checker]:
    global _plugins_loaded
    if not _plugins_loaded:
        _plugins_loaded = True
        for module in PLUGINS:
            try:
                importlib.import_module(module)
            except ModuleNotFoundError as exc:
                if exc.name != module:
                    raise
    return dict(_REGISTRY)


def get_checker(name: str) -> Checker:
    try:
        return known_checkers()[name]
    except KeyError:
        raise CheckerError(f"unknown checker {name!r}") from None


# -- built-in checkers -------------------------------------------------------------------------

def _count(given) -> int:
    if isinstance(given, bool) or not isinstance(given, (int, float, str)):
        raise CheckerError(f"the answer must be a whole number, got {given!r}")
    try:
        value = float(given)
    except ValueError:
        raise CheckerError(f"the answer must be a whole number, got {given!r}") from None
    if not value.is_integer() or value < 0:
        raise CheckerError(f"the answer must be a whole number, got {given!r}")
    return int(value)


def _yes_no(given) -> bool:
    if isinstance(given, bool):
        return given
    text = str(given).strip().lower()
    if text in ("yes", "y", "true", "是", "有"):
        return True
    if text in ("no", "n", "false", "否", "没有", "无"):
        return False
    raise CheckerError(f"the answer must be yes or no, got {given!r}")


def _solve_exposed_count(data: DrillData, params: dict) -> Solution:
    n = len(data.exposed_customers)
    return Solution(n, Text(f"涉及的客户共 {n} 名(按本次演练生成的证据计算)。",
                            f"{n} customers are in scope (computed from this run's evidence)."))


def _solve_minors(data: DrillData, params: dict) -> Solution:
    minors = data.minors_in_scope()
    n, total = len(minors), len(data.exposed_customers)
    if n:
        return Solution(True, Text(
            f"是:涉及的 {total} 名客户中有 {n} 名不满十四周岁。不满十四周岁未成年人的全部个人信息都是敏感个人信息"
            f"(PIPL 第28条),处理需取得其父母或其他监护人同意(PIPL 第31条)。",
            f"Yes: {n} of the {total} customers in scope are under 14. All personal information of minors under "
            f"14 is sensitive personal information (PIPL Art. 28); processing it needs a parent's or guardian's "
            f"consent (PIPL Art. 31)."))
    return Solution(False, Text(f"否:涉及的 {total} 名客户中没有不满十四周岁的未成年人。",
                                f"No: none of the {total} customers in scope is under 14."))


# Grades and hours come from the one place that holds them (legal.md, CAC 2025 measures, S):
# ``kitlib.drills.evidence``.  Operator kinds here: "other" (an ordinary network operator, like
# the case company), "critical_infrastructure", "state_body".
_OPERATORS = {"other": "ordinary", "critical_infrastructure": "cii", "state_body": "state_body"}
REPORT_HOURS = {kind: _EVIDENCE_HOURS[code] for kind, code in _OPERATORS.items()}


def incident_grade(people: int) -> tuple[str, str, str]:
    """(grade id, zh, en) of a personal-information leak by the number of people: below 1 million
    it is "general" (一般), the lowest grade the measures list, judged by the count alone."""
    code = grade_incident(int(people))
    zh, en = next((zh, en) for c, zh, en, _ in GRADES if c == code)
    return code, zh, en


def _hours(given):
    if given is None or (isinstance(given, str) and given.strip().lower() in ("", "none", "no", "不需要", "无")):
        return None
    return _count(given) or None


def _solve_report_deadline(data: DrillData, params: dict) -> Solution:
    people = data.affected_people()
    operator = params.get("operator", data.facts.get("operator", "other"))
    if operator not in REPORT_HOURS:
        raise CheckerError(f"report_deadline: unknown operator kind {operator!r} (one of: {', '.join(REPORT_HOURS)})")
    grade, zh, en = incident_grade(people)
    basis_zh = "《国家网络安全事件报告管理办法》(国家网信办,2025年11月1日施行;本套件的法律参考标为二手来源)"
    basis_en = ("the CAC's cybersecurity incident reporting measures (in force 2025-11-01; marked as a secondary "
                "source in the kit's legal reference)")
    who = {"critical_infrastructure": ("关键信息基础设施运营者", "a critical-information-infrastructure operator"),
           "state_body": ("中央和国家机关", "a central or state body"),
           "other": ("其他网络运营者(如本案的中外合资企业)", "another network operator (such as the case's joint venture)")}[operator]
    if grade == "general":
        return Solution(None, Text(
            f"无小时时限:约 {people:,} 人受影响,按人数低于“较大”(100万人);{basis_zh}只要求较大及以上事件限时报告。"
            f"本套件只按人数定级,其他定级因素请另行判断。PIPL 第57条仍要求立即补救并通知监管部门和个人(未规定小时数)。",
            f"No hour deadline: about {people:,} people are affected, below 'relatively major' (1 million) by count; "
            f"{basis_en} set a deadline only for incidents graded relatively major or above. The kit grades by the "
            f"number of people only; other grading factors need their own judgement. PIPL Art. 57 still requires "
            f"remedying at once and notifying the regulator and the individuals (no hour deadline)."))
    hours = REPORT_HOURS[operator]
    return Solution(hours, Text(
        f"{hours} 小时:约 {people:,} 人受影响,定级为“{zh}”;作为{who[0]},须最迟在 {hours} 小时内向省级网信部门报告"
        f"({basis_zh})。情况不明的可先报后补,处置后30日内提交总结报告。",
        f"{hours} hours: about {people:,} people are affected, graded '{en}'; as {who[1]} the company must "
        f"report to the provincial CAC within {hours} hours at the latest ({basis_en}). Unclear facts may be "
        f"reported first and completed later; a summary report follows within 30 days after handling."))


register_checker(Checker("exposed_count", Text("涉及客户人数", "Customers in scope"), _solve_exposed_count, _count))
register_checker(Checker("minors_involved", Text("是否涉及未成年人", "Minors involved"), _solve_minors, _yes_no))
register_checker(Checker("report_deadline", Text("报告时限(小时)", "Reporting deadline (hours)"),
                         _solve_report_deadline, _hours))


# -- evidence checkers (``scope.<name>``) ------------------------------------------------------------

SCOPE_PREFIX = "scope."

# The right answer of each evidence checker, read from the truth (kitlib.drills.evidence.ScopeTruth).
_TRUTH_ANSWERS = {
    "exposed_customers": lambda t: sorted(t.customer_ids),
    "affected_customers": lambda t: sorted(t.affected_customer_ids),
    "exposed_categories": lambda t: sorted(t.categories),
    "sensitive_involved": lambda t: t.sensitive,
    "minors_involved": lambda t: t.minors,
    "people_count": lambda t: t.people,
    "incident_grade": lambda t: t.grade,
    "report_deadline": lambda t: t.report_hours,
    "notify_individuals": lambda t: t.notify_individuals,
    "affected_archives": lambda t: sorted(t.archives),
    "overdue_documents": lambda t: sorted(t.overdue_documents),
}
_TITLES = {
    "exposed_customers": ("泄露的客户", "Exposed customers"),
    "affected_customers": ("受影响的客户", "Affected customers"),
    "exposed_categories": ("泄露的信息类别", "Categories exposed"),
    "sensitive_involved": ("是否涉及敏感个人信息", "Sensitive information involved"),
    "minors_involved": ("是否涉及不满十四周岁的未成年人", "Minors under 14 involved"),
    "people_count": ("涉及人数", "People affected"),
    "incident_grade": ("事件级别", "Incident grade"),
    "report_deadline": ("报告时限", "Reporting deadline"),
    "notify_individuals": ("是否通知个人", "Notify individuals"),
    "affected_archives": ("受影响的归档", "Archives hit"),
    "overdue_documents": ("本应已销毁的文件", "Documents due for destruction"),
}


@dataclass(frozen=True)
class EvidenceSolution(Solution):
    """A solution read from the run's evidence; ``truth`` marks given answers."""
    truth: Any = None


@dataclass(frozen=True)
class EvidenceChecker(Checker):
    """A checker that marks with an evidence checker (``kitlib.drills.evidence.CHECKERS``)."""
    check: Callable = None

    def mark(self, solution: Solution, given) -> bool:
        if not isinstance(solution, EvidenceSolution):
            raise CheckerError(f"{self.name}: the solution was not made from evidence")
        return self.result(solution, given).correct

    def result(self, solution: EvidenceSolution, given):
        """The evidence checker's full result (correct, share, explanation, details)."""
        try:
            return self.check(given, solution.truth)
        except EvidenceError as exc:
            raise CheckerError(str(exc)) from None


def _evidence_solver(name: str):
    def solve(data: DrillData, params: dict) -> Solution:
        evidence = data.evidence
        if evidence is None:
            raise CheckerError(f"{SCOPE_PREFIX}{name} needs the run's evidence: give the variant "
                               f"'evidence: {{kind: ...}}' (one of crm_export, backup_ransomware, paper_found)")
        truth = evidence.truth
        answer = _TRUTH_ANSWERS[name](truth)
        return EvidenceSolution(answer, _explain(name, answer, truth), truth)
    return solve


_SETS = {"exposed_customers", "affected_customers", "affected_archives", "overdue_documents"}
# what the evidence checkers say about the given answer ("Right." ...), dropped from the key's text
_VERDICTS = (("\u6b63\u786e\u3002", ""), ("\u4e0d\u6b63\u786e\u3002", ""), ("\uff1a\u6b63\u786e\uff0c", "\uff1a"),
             (":\u6b63\u786e,", ":"), ("Right. ", ""), ("Wrong. ", ""), (": right, the", ": the"), (": right; ", ": "))


def _explain(name: str, answer, truth) -> Text:
    """The answer key's explanation: the truth and why, not a verdict on a given answer."""
    zh, en = _TITLES[name]
    if name in _SETS:
        shown = ", ".join(answer[:5]) + (" …" if len(answer) > 5 else "")
        none_zh = "\u65e0"
        return Text(f"{zh}\uff1a\u5171 {len(answer)} \u9879\uff08{shown or none_zh}\uff09\u3002",
                    f"{en}: {len(answer)} ({shown or 'none'}).")
    if name == "exposed_categories":
        from ..learn.labelling import CATEGORIES
        labels = [CATEGORIES.get(code, (code, code)) for code in answer]
        return Text(f"{zh}\uff1a" + "\u3001".join(z for z, _ in labels) + "\u3002",
                    f"{en}: " + ", ".join(e for _, e in labels) + ".")
    said = _EVIDENCE_CHECKERS[name](answer, truth).explanation
    texts = []
    for text in (said["zh-CN"], said["en"]):
        for verdict, plain in _VERDICTS:
            text = text.replace(verdict, plain)
        texts.append(text)
    return Text(*texts)


for _name, _check in _EVIDENCE_CHECKERS.items():
    if _name not in _TRUTH_ANSWERS:      # an evidence checker this module cannot yet solve
        continue
    _zh, _en = _TITLES.get(_name, (_name, _name))
    register_checker(EvidenceChecker(SCOPE_PREFIX + _name, Text(_zh, _en), _evidence_solver(_name), check=_check))
