"""Module 06's exercise "request-triage": about eight requests from the queue, each with the facts
a desk officer sees (who asks and how, what the identity check compares, ages, deaths, holds,
retention duties, the deregistration date); the learner chooses the first decision.  The right
answer is ``kitlib.rights.triage`` computed from the data, and every miss is explained with the
article.
"""
from __future__ import annotations

import random
from dataclasses import dataclass

import pandas as pd

from ..i18n import get_lang, normalize
from ..learn.choices import ChoiceExercise
from ..protect.transforms import mask_value
from .queue import RequestQueue, request_queue
from .requests import Request, age_on, check_identity
from .triage import active_holds, retention_duties
from .vocab import OUTCOMES, label, relation

__all__ = ["TriageDrill", "triage_exercise", "request_facts"]

_MASK = {"name": "person_name", "mobile": "cn_mobile", "email": "email"}
_FIELD = {"name": ("姓名", "name"), "mobile": ("手机号", "mobile"), "email": ("邮箱", "e-mail"),
          "id_last4": ("证件号后四位", "ID last 4")}
_EVIDENCE = {"own_id": ("本人身份证件", "own ID"), "death_certificate": ("死亡证明", "death certificate"),
             "relationship_proof": ("亲属关系证明", "proof of relationship"),
             "guardianship_proof": ("监护关系证明", "proof of guardianship")}


@dataclass(frozen=True)
class TriageDrill:
    exercise: ChoiceExercise
    queue: RequestQueue
    requests: tuple[Request, ...]


def _masked(field: str, value) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)) or not str(value).strip():
        return "—"
    if field == "id_last4":
        return "****" + str(value)[-4:]
    return str(mask_value(str(value), _MASK[field]))


def request_facts(request: Request, case, queue: RequestQueue, lang: str = "en") -> str:
    """What the desk officer sees about a request, as one paragraph (masked values only)."""
    zh = lang == "zh-CN"
    customers = case["customers"]
    row = customers.loc[customers["customer_id"] == request.customer_id].iloc[0]
    company = case["company"].iloc[0]
    who = request.requester
    t = label("types", request.type, lang)
    right = request.details.get("right")
    if right:
        t += f"({label('types', right, lang)})" if zh else f" ({label('types', right, lang)})"
    parts = [(f"{request.received_on} 经{label('channels', request.channel, lang)}收到;{t}。" if zh else
              f"Received {request.received_on} by {label('channels', request.channel, lang)}: {t}.")]
    check = check_identity(request, customers, deceased=queue.deceased)
    if who.role == "self":
        pairs = [(f, getattr(who, f), row.get(f) if f != "id_last4" else
                  str(row["resident_id"] if not pd.isna(row["resident_id"]) else row["passport_no"])[-4:])
                 for f in check.compared]
        shown = ";".join if zh else "; ".join
        parts.append((f"请求人自称客户本人,核验方式:{label('methods', check.method, lang)}。" if zh else
                      f"The requester says they are the customer; check: {label('methods', check.method, lang)}. ") +
                     shown([(f"{_FIELD[f][0]} 提供 {_masked(f, a)} / 记录 {_masked(f, b)}" if zh else
                             f"{_FIELD[f][1]} given {_masked(f, a)} / on record {_masked(f, b)}") for f, a, b in pairs]) +
                     ("。" if zh else "."))
    elif who.role == "guardian":
        age = age_on(row.get("birth_date"), request.received_on)
        registered = (f"{relation(str(row['guardian_relation']), lang)} {_masked('name', row['guardian_name'])} {_masked('mobile', row['guardian_mobile'])}"
                      if not pd.isna(row.get("guardian_name")) else ("无登记监护人" if zh else "no guardian on record"))
        parts.append((f"请求人自称客户的{who.relation}({_masked('name', who.name)},{_masked('mobile', who.mobile)});"
                      f"客户收到请求时 {age} 岁;登记的监护人:{registered}。") if zh else
                     (f"The requester says they are the customer's {relation(who.relation, lang)} ({_masked('name', who.name)}, "
                      f"{_masked('mobile', who.mobile)}); the customer was {age} on that day; guardian on record: {registered}."))
    elif who.role == "relative":
        death = queue.deceased.get(request.customer_id)
        docs = ("、" if zh else ", ").join(_EVIDENCE[e][0 if zh else 1] for e in who.evidence)
        if death is None:
            dead = "公司没有该客户去世的记录" if zh else "the company has no record of the customer's death"
        elif death.arranged_otherwise:
            dead = (f"客户于{death.died_on}去世;客户生前书面声明不允许近亲属查阅其信息" if zh else
                    f"the customer died on {death.died_on}; during their life they declared in writing that relatives may not see their data")
        else:
            dead = f"客户于{death.died_on}去世;生前没有另作安排" if zh else f"the customer died on {death.died_on}; no other arrangement on record"
        parts.append((f"请求人是客户的{who.relation},提供:{docs};理由:{who.interest.split(' · ')[0]};{dead}。" if zh else
                      f"The requester is the customer's {relation(who.relation, lang)}, showing {docs}; interest: "
                      f"{who.interest.split(' · ')[-1]}; {dead}."))
    else:
        parts.append((f"请求人{_masked('name', who.name)}({who.relation or '他人'})要求查阅客户 {_masked('name', row['name'])} 的信息;"
                      f"请求人不是该客户本人。" if zh else
                      f"The requester {_masked('name', who.name)} ({relation(who.relation, lang) or 'someone else'}) asks for the data of "
                      f"customer {_masked('name', row['name'])}; the requester is not that customer."))
    if request.type == "deletion":
        holds = active_holds(queue.holds, request.customer_id, request.received_on)
        if holds:
            parts.append(("保全:" if zh else "Legal hold: ") + ", ".join(h.text("zh" if zh else "en") for h in holds))
        duties = retention_duties(queue.plan, request.customer_id)
        if not duties.empty:
            names = sorted({queue.plan.schedule.rule(str(r)).name_zh if zh else queue.plan.schedule.rule(str(r)).name_en
                            for r in duties["rule"]})
            parts.append(("保存计划:" if zh else "Retention plan: ") + ("、" if zh else "; ").join(names) +
                         ("仍在保存期内。" if zh else " still within their retention period."))
    dereg = pd.Timestamp(company["address_cancelled_on"]).date()
    if str(company["scenario"]) == "dissolution":
        parts.append(f"公司解散,注销日:{dereg}。" if zh else f"The company dissolves; deregistered on {dereg}.")
    else:
        parts.append(f"公司迁址,崇明地址于{dereg}注销,公司存续。" if zh else
                     f"The company relocates; the Chongming address was cancelled on {dereg}; the company continues.")
    return " ".join(parts)


def _pick(queue: RequestQueue, n: int, seed: int) -> list[Request]:
    """One request per right outcome first (planted hard cases preferred), then others."""
    rng = random.Random(f"request-triage {seed}")
    order = list(queue.requests)
    rng.shuffle(order)
    order.sort(key=lambda r: queue.planted[r.request_id] == "")          # hard cases first, stable
    chosen, seen = [], set()
    for r in order:
        outcome = queue.truth[r.request_id].outcome
        if outcome not in seen:
            chosen.append(r)
            seen.add(outcome)
    for r in order:
        if len(chosen) >= n:
            break
        if r not in chosen:
            chosen.append(r)
    return sorted(chosen[:n], key=lambda r: (r.received_on, r.request_id))


def triage_exercise(case, queue: RequestQueue | None = None, *, n: int = 8, seed: int = 0,
                    lang: str | None = None) -> TriageDrill:
    """The "request-triage" exercise: ``n`` requests of ``queue`` (default: a 40-request queue
    made from ``case`` and ``seed``), marked by the computed triage."""
    lang = normalize(lang) if lang else get_lang()
    queue = queue if queue is not None else request_queue(case, 40, seed)
    chosen = _pick(queue, n, seed)
    rows = [{"key": r.request_id, "title": f"{r.request_id} · {label('types', r.type, lang)}",
             "detail": request_facts(r, case, queue, lang)} for r in chosen]
    truth = {r.request_id: queue.truth[r.request_id] for r in chosen}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        right = truth[key]
        if given == right.outcome:
            return True, ""
        name = label("outcomes", right.outcome, lang)
        return False, (f"应为:{name}。{right.why_zh}" if lang == "zh-CN" else f"Expected: {name}. {right.why_en}")

    exercise = ChoiceExercise("request-triage", ("请求分流:每个请求第一步该怎么办?",
                                                 "Request triage: what is the first decision on each request?"),
                              pd.DataFrame(rows), OUTCOMES, marker)
    return TriageDrill(exercise, queue, tuple(chosen))
