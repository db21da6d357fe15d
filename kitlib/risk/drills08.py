"""Module 08's exercise ``risk-rating``: rate risks of the register on the 5×5 matrix.

Each row shows one risk's facts from the register (asset, threat, vulnerability, likelihood and
impact 1–5); the learner picks its level (low / medium / high / critical).  The right answer is
computed by ``kitlib.risk.level(score(likelihood, impact))``, never typed in; every miss explains
the arithmetic, the band it falls in (company policy, not law) and the register's treatment.

The risks are chosen so that every level the register holds appears at least once, then filled up
in register order; a seed shuffles the rows so their order gives nothing away.
"""
from __future__ import annotations

import random

import pandas as pd

from ..i18n import get_lang, normalize
from ..learn.choices import ChoiceExercise
from .register import LEVELS, ROLES, TREATMENTS, Register, RiskRegisterError, level_label, load_register

__all__ = ["ITEM", "RATING_OPTIONS", "pick_risks", "rating_answers", "rating_explanation", "risk_rating_exercise"]

ITEM = "risk-rating"
RATING_OPTIONS = tuple((name, zh, en) for name, _low, zh, en, _colour in LEVELS)


def _band(name: str) -> tuple[int, int]:
    lows = [low for _n, low, *_ in LEVELS] + [26]
    i = [n for n, *_ in LEVELS].index(name)
    return lows[i], lows[i + 1] - 1


def pick_risks(register: Register, count: int = 6) -> list[str]:
    """Ids of ``count`` risks: one of each level the register holds first, then the rest in order."""
    if isinstance(count, bool) or not isinstance(count, int) or count < 1:
        raise RiskRegisterError(f"count must be a whole number ≥ 1, got {count!r}")
    chosen: list[str] = []
    for name, *_ in reversed(LEVELS):
        first = next((r.id for r in register if r.level == name), None)
        if first is not None:
            chosen.append(first)
    for r in register:
        if r.id not in chosen:
            chosen.append(r.id)
    chosen = chosen[:count]
    return [r.id for r in register if r.id in chosen]


def rating_answers(register: Register, ids) -> dict[str, str]:
    """The right level of each risk id, computed from its likelihood and impact."""
    return {rid: _get(register, rid).level for rid in ids}


def rating_explanation(register: Register, risk_id: str, lang: str = "en") -> str:
    """Why ``risk_id`` has its level: likelihood × impact, the band, and the register's treatment."""
    r = _get(register, risk_id)
    low, high = _band(r.level)
    name = level_label(r.level, lang)
    treatment = TREATMENTS[r.treatment][1 if lang == "en" else 0]
    if lang == "en":
        return (f"{r.likelihood} × {r.impact} = {r.score}: {name} ({low}–{high}, company policy). "
                f"Register: {treatment} — {r.action_en}.")
    return (f"{r.likelihood} × {r.impact} = {r.score}:{name}({low}–{high},公司政策)。"
            f"登记册处置方式:{treatment}——{r.action_zh}。")


def _get(register: Register, risk_id: str):
    try:
        return register.get(risk_id)
    except KeyError:
        known = ", ".join(r.id for r in register)
        raise RiskRegisterError(f"risk-rating: no risk with id {risk_id!r} (known: {known})") from None


def risk_rating_exercise(register: Register | None = None, ids=None, seed: int = 0,
                         lang: str | None = None) -> ChoiceExercise:
    """Module 08's exercise: pick the level of each risk (default: six of the case's register)."""
    register = register if register is not None else load_register()
    ids = list(ids) if ids is not None else pick_risks(register)
    if not ids:
        raise RiskRegisterError("risk-rating: no risks chosen")
    if len(set(ids)) != len(ids):
        raise RiskRegisterError(f"risk-rating: risk {next(i for i in ids if ids.count(i) > 1)!r} is listed twice")
    truth = rating_answers(register, ids)
    random.Random(seed).shuffle(ids)
    lang = normalize(lang) if lang else get_lang()
    en = lang == "en"
    rows = []
    for rid in ids:
        r = register.get(rid)
        if en:
            detail = (f"{r.system}/{r.table} · owner: {ROLES[r.owner][1]} · threat: {r.threat_en} · "
                      f"vulnerability: {r.vulnerability_en} · likelihood {r.likelihood}/5 · impact {r.impact}/5")
        else:
            detail = (f"{r.system}/{r.table} · 负责人:{ROLES[r.owner][0]} · 威胁:{r.threat_zh} · "
                      f"脆弱性:{r.vulnerability_zh} · 可能性 {r.likelihood}/5 · 影响 {r.impact}/5")
        rows.append({"key": rid, "title": f"{rid} · {r.text('title', lang)}", "detail": detail})

    def marker(key: str, given: str | None, marking_lang: str) -> tuple[bool, str]:
        right = truth[key]
        if given == right:
            return True, ""
        zh = marking_lang == "zh-CN"
        expected = level_label(right, "zh-CN" if zh else "en")
        why = rating_explanation(register, key, "zh-CN" if zh else "en")
        return False, (f"应为:{expected}。{why}" if zh else f"Expected: {expected}. {why}")

    return ChoiceExercise(ITEM, ("按 5×5 矩阵为每项风险定级(可能性 × 影响)",
                                 "Rate each risk on the 5×5 matrix (likelihood × impact)"),
                          pd.DataFrame(rows, columns=["key", "title", "detail"]), RATING_OPTIONS, marker)
