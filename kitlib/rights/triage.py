"""The first decision on a request, computed from the data (module 06's right answers).

Applied in this order, the first that fits decides:

1. dissolution and the request arrived after deregistration → ``successor``: the company no
   longer exists; the successor that received the information continues the handler's duties
   (PIPL Art. 22) and answers.  (After a relocation the same company answers at its new address.)
2. the requester has no right to this person's data (someone else; a parent of an adult; a
   relative where no death is recorded, the deceased arranged otherwise, or no close relative)
   → ``refuse_not_theirs`` (Arts. 44-50, 49).
3. the identity details do not match the record (a possible impersonation) → ``refuse_identity``
   (Art. 50: refuse with reasons).
4. a verified guardian of a minor under 14 → ``guardian`` (Art. 31); a verified close relative of
   a deceased customer → ``relative`` (Art. 49).
5. a deletion: a legal hold running on the day received → ``legal_hold``; a retention duty on
   some of the records → ``partial_retention`` (Art. 47: keep, restrict, answer in part).
6. otherwise ``proceed``: verify the identity, then act.
"""
from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

from .deadlines import as_date
from .requests import Request, check_identity, deceased_registry

__all__ = ["Triage", "triage", "active_holds", "retention_duties"]

_WHY = {
    "successor": ("公司已于{dereg}注销,请求在{received}才到达。解散时个人信息已转移给承继方{successor},由它继续履行个人信息处理者的义务(第二十二条),应转交承继方答复并告知请求人。",
                  "The company was deregistered on {dereg}; the request arrived on {received}. On dissolution the information passed to the successor, {successor}, which continues the handler's duties (PIPL Art. 22): forward the request to it and tell the requester."),
    "refuse_not_theirs": ("请求人要的不是本人的信息,也没有代为行使权利的依据:{detail}拒绝并说明理由(第五十条)。",
                          "The requester asks for data that is not theirs, with no ground to act for that person: {detail}Refuse, giving the reason (PIPL Art. 50)."),
    "refuse_identity": ("身份核验不通过(与记录不一致的项目:{fields}),可能是冒用身份:拒绝并说明理由,记录这次可疑请求(第五十条)。",
                        "The identity check failed (not matching the record: {fields}), a possible impersonation: refuse with the reason and record the attempt (PIPL Art. 50)."),
    "guardian": ("客户在收到请求时未满十四周岁,请求人与登记的监护人一致:由监护人代为行使权利(第三十一条;第二十八条:不满十四周岁未成年人的信息都是敏感个人信息)。",
                 "The customer was under 14 when the request arrived and the requester matches the registered guardian: the guardian acts for the minor (PIPL Art. 31; Art. 28: all information of a minor under 14 is sensitive)."),
    "relative": ("客户已去世(有死亡证明),请求人是近亲属,提供了身份、死亡和亲属关系证明,为自身合法、正当利益提出请求,死者生前没有另作安排:可以办理(第四十九条)。",
                 "The customer has died (death certificate), the requester is a close relative with identity, death and relationship documents, asks for an interest of their own, and the deceased arranged nothing else: handle it (PIPL Art. 49)."),
    "legal_hold": ("该客户的记录处于法律保全({hold})之中:保全期间不能删除,只存储;答复客户,说明保全结束后删除(第四十七条;保全是公司的做法)。",
                   "The customer's records are under a legal hold ({hold}): nothing is deleted while it runs, only stored; tell the customer they are deleted when it ends (PIPL Art. 47; the hold is company practice)."),
    "partial_retention": ("可以删除的删除;{rules}仍在法定保存期内,必须保存并限制处理(仅存储和必要的安全措施),部分答复并说明依据(第四十七条)。",
                          "Delete what may be deleted; {rules} are still within a legal retention period: keep them, restricted to storage and necessary security, and answer in part with the basis (PIPL Art. 47)."),
    "proceed": ("身份核验通过,没有其他障碍:按请求办理并在承诺期限内答复(第四十四至五十条)。",
                "The identity checks out and nothing else stands in the way: do what is asked and answer within the committed time (PIPL Arts. 44–50)."),
}
_NOT_THEIRS = {
    "not_own_data": ("请求人不是本人,也不是不满十四周岁客户的监护人或已故客户的近亲属。", "the requester is not the customer, nor the guardian of a customer under 14, nor a close relative of a deceased customer. "),
    "not_close_relative": ("请求人不是近亲属,或没有说明自身的合法利益(第四十九条)。", "the requester is not a close relative, or stated no lawful interest of their own (Art. 49). "),
    "deceased_arranged_otherwise": ("死者生前另有安排(第四十九条)。", "the deceased arranged otherwise during their lifetime (Art. 49). "),
}
_FIELDS = {"name": ("姓名", "name"), "mobile": ("手机号", "mobile"), "email": ("邮箱", "e-mail"),
           "id_last4": ("证件号后四位", "last four digits of the ID"), "relation": ("与客户的关系", "relationship"),
           "own_id": ("本人身份证件", "own ID"), "death_certificate": ("死亡证明", "death certificate"),
           "relationship_proof": ("亲属关系证明", "proof of relationship")}


@dataclass(frozen=True)
class Triage:
    """outcome: an OUTCOMES id; reason: the refusal reason code, if any; why: (zh, en)."""
    request_id: str
    outcome: str
    reason: str
    why_zh: str
    why_en: str

    def why(self, lang: str = "en") -> str:
        return self.why_zh if lang == "zh-CN" else self.why_en


def active_holds(holds, customer_id: str, day) -> list:
    """The legal holds covering this customer (or every customer) that run on ``day``."""
    from ..lifecycle import load_holds

    day = pd.Timestamp(as_date(day, "day"))
    return [h for h in load_holds(holds) if (not h.customers or customer_id in h.customers)
            and h.start <= day and (h.end is None or h.end >= day)]


def retention_duties(plan, customer_id: str) -> pd.DataFrame:
    """The customer's records a retention rule with a period keeps (not deleted, not held)."""
    records = plan.for_customer(customer_id)
    periodic = {r.id for r in plan.schedule.rules if r.period.kind != "none"}
    held = records["held_by"].astype(str).replace("nan", "").fillna("") != ""
    keep = (records["action"].astype(str) != "delete_by") & records["rule"].astype(str).isin(periodic) & ~held
    return records.loc[keep].reset_index(drop=True)


def _company(case) -> pd.Series:
    tables = getattr(case, "tables", case)
    return tables["company"].iloc[0]


def triage(request: Request, case, *, plan=None, holds=None, deceased=None) -> Triage:
    """The right first decision on ``request`` (see the module docstring), with the reason."""
    company = _company(case)
    customers = getattr(case, "tables", case)["customers"]
    fill = {"received": request.received_on.isoformat()}

    def done(outcome: str, reason: str = "", **values) -> Triage:
        zh, en = _WHY[outcome]
        return Triage(request.request_id, outcome, reason, zh.format(**fill, **values), en.format(**fill, **values))

    dereg = company.get("address_cancelled_on")
    if str(company.get("scenario")) == "dissolution" and not pd.isna(dereg) and request.received_on > pd.Timestamp(dereg).date():
        return done("successor", "company_deregistered", dereg=pd.Timestamp(dereg).date().isoformat(),
                    successor=str(company.get("successor") or ""))
    check = check_identity(request, customers, deceased=deceased_registry(deceased))
    if check.outcome == "not_entitled":
        zh, en = _NOT_THEIRS[check.reason]
        out = done("refuse_not_theirs", check.reason, detail="")
        return Triage(out.request_id, out.outcome, out.reason, _WHY["refuse_not_theirs"][0].format(detail=zh),
                      _WHY["refuse_not_theirs"][1].format(detail=en))
    if check.outcome == "mismatch":
        return Triage(request.request_id, "refuse_identity", check.reason,
                      _WHY["refuse_identity"][0].format(fields="、".join(_FIELDS[f][0] for f in check.mismatched)),
                      _WHY["refuse_identity"][1].format(fields=", ".join(_FIELDS[f][1] for f in check.mismatched)))
    if request.requester.role in ("guardian", "relative"):
        return done(request.requester.role)
    if request.type == "deletion":
        running = active_holds(holds, request.customer_id, request.received_on)
        if running:
            return done("legal_hold", "legal_hold", hold=", ".join(h.id for h in running))
        if plan is None:
            from ..lifecycle import plan_retention
            asked = pd.DataFrame({"customer_id": [request.customer_id], "received_on": [pd.Timestamp(request.received_on)],
                                  "kind": ["deletion"]})
            plan = plan_retention(case, requests=asked, holds=holds)
        duties = retention_duties(plan, request.customer_id)
        if not duties.empty:
            names = sorted({plan.schedule.rule(str(r)).name_zh for r in duties["rule"]}), \
                sorted({plan.schedule.rule(str(r)).name_en for r in duties["rule"]})
            zh, en = _WHY["partial_retention"]
            return Triage(request.request_id, "partial_retention", "retention_duty", zh.format(rules="、".join(names[0])),
                          en.format(rules="; ".join(names[1])))
    return done("proceed")

