"""Question banks: one JSON file per module in ``kitlib/learn/banks/``, both languages.

Five kinds of question, each answer checked at once with an explanation:

=========  ==========================  =====================================================
kind       the learner gives           right when
=========  ==========================  =====================================================
single     one option id               it is the answer
multiple   a set of option ids         it is exactly the answer set (partial score otherwise)
numeric    a number                    within ``tolerance`` of the answer
ordering   every item id, in order     the order is the answer's (score: share in place)
matching   ``{left id: choice id}``    every pair is right (score: share of pairs right)
=========  ==========================  =====================================================

Every option, item or left-hand entry carries its own explanation; a numeric question carries
explanations for its common wrong values.  Answers are *sealed* in the file (``sealed:v1:...``,
XOR with a keystream from the module and question id, base64): a learner opening the notebook or
the bank does not read them by accident.  That protects against spoilers, not against attackers.
Authors write plain answers and run ``kit bank seal FILE``.
"""
from __future__ import annotations

import base64
import hashlib
import json
import math
import unicodedata
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

from ..i18n import LANGS, pick, t
from ..atomic import write_text_atomic

KINDS = ("single", "multiple", "numeric", "ordering", "matching")
SEAL_PREFIX = "sealed:v1:"


class BankError(ValueError):
    """A bank file that cannot be used; the message names the file, question and field."""


class AnswerError(ValueError):
    """A response that is not an answer to the question (unknown option, not a number ...)."""


# -- sealing ---------------------------------------------------------------------------------

def _keystream(module: str, qid: str, length: int) -> bytes:
    out, counter = bytearray(), 0
    while len(out) < length:
        out += hashlib.sha256(f"kit-bank/{module}/{qid}/{counter}".encode()).digest()
        counter += 1
    return bytes(out[:length])


def seal(module: str, qid: str, answer: Any) -> str:
    """The answer as text that does not read as the answer."""
    plain = json.dumps(answer, ensure_ascii=False, sort_keys=True).encode()
    mixed = bytes(a ^ b for a, b in zip(plain, _keystream(module, qid, len(plain))))
    return SEAL_PREFIX + base64.urlsafe_b64encode(mixed).decode()


def unseal(module: str, qid: str, sealed: str) -> Any:
    if not isinstance(sealed, str) or not sealed.startswith(SEAL_PREFIX):
        raise BankError(f"answer of {qid} is not sealed (run `kit bank seal`)")
    mixed = base64.urlsafe_b64decode(sealed[len(SEAL_PREFIX):].encode())
    plain = bytes(a ^ b for a, b in zip(mixed, _keystream(module, qid, len(mixed))))
    try:
        return json.loads(plain)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise BankError(f"answer of {qid} does not unseal: was the question id changed after sealing?") from None


# -- results ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Feedback:
    tone: str          # "right", "wrong" or "info"
    text: str


@dataclass(frozen=True)
class Result:
    correct: bool
    score: float                       # 0..1
    feedback: tuple[Feedback, ...]
    response: Any                      # the normalised response, as stored


@dataclass(frozen=True)
class Choice:
    id: str
    text: dict
    explain: dict = field(default_factory=dict)

    def label(self, lang: str | None = None) -> str:
        return pick(self.text, lang)


# -- questions -------------------------------------------------------------------------------

@dataclass
class Question:
    module: str
    id: str
    kind: str
    prompt: dict
    options: list[Choice]              # single/multiple: options; ordering: items; matching: left side
    choices: list[Choice]              # matching: the right-hand choices; else empty
    answer: Any
    explain: dict                      # shown once the question is answered right
    reference: str = ""
    unit: dict = field(default_factory=dict)
    tolerance: float = 0.0
    wrong_values: list[tuple[float, dict]] = field(default_factory=list)

    def text(self, lang: str | None = None) -> str:
        return pick(self.prompt, lang)

    def option(self, option_id: str) -> Choice:
        for choice in self.options:
            if choice.id == option_id:
                return choice
        raise AnswerError(f"{self.id}: no option {option_id!r}")

    # normalising: what the learner gave -> the value stored and compared

    def normalize(self, response: Any, lang: str | None = None) -> Any:
        ids = [o.id for o in self.options]
        if self.kind == "single":
            if response not in ids:
                raise AnswerError(t("quiz.pick_one", lang))
            return response
        if self.kind == "multiple":
            picked = sorted(set(response or ()))
            unknown = [p for p in picked if p not in ids]
            if unknown or not picked:
                raise AnswerError(t("quiz.pick_some", lang))
            return picked
        if self.kind == "numeric":
            return parse_number(response, lang)
        if self.kind == "ordering":
            order = list(response or ())
            if sorted(order) != sorted(ids):
                raise AnswerError(t("quiz.order_all", lang))
            return order
        if self.kind == "matching":
            pairs = dict(response or {})
            choice_ids = {c.id for c in self.choices}
            missing = [i for i in ids if pairs.get(i) not in choice_ids]
            if missing:
                raise AnswerError(t("quiz.match_all", lang, count=len(missing)))
            return {i: pairs[i] for i in ids}
        raise BankError(f"{self.id}: unknown kind {self.kind!r}")

    def check(self, response: Any, lang: str | None = None) -> Result:
        """Check a response; AnswerError if it is no answer at all (nothing is counted then)."""
        value = self.normalize(response, lang)
        check = getattr(self, f"_check_{self.kind}")
        correct, score, feedback = check(value, lang)
        if correct and self.explain:
            feedback.append(Feedback("info", pick(self.explain, lang)))
        return Result(bool(correct), round(float(score), 4), tuple(feedback), value)

    def _check_single(self, value, lang):
        right = value == self.answer
        chosen = self.option(value)
        return right, float(right), [Feedback("right" if right else "wrong", pick(chosen.explain, lang))]

    def _check_multiple(self, value, lang):
        answer = set(self.answer)
        feedback = [Feedback("right" if o in answer else "wrong", f"{self.option(o).label(lang)}: "
                             f"{pick(self.option(o).explain, lang)}") for o in value]
        hits = len(answer & set(value))
        wrong = len(set(value) - answer)
        missed = len(answer) - hits
        if missed:
            feedback.append(Feedback("info", t("quiz.missed", lang, count=missed)))
        right = not wrong and not missed
        return right, max(0.0, (hits - wrong) / len(answer)), feedback

    def _check_numeric(self, value, lang):
        target = float(self.answer)
        right = abs(value - target) <= self.tolerance + 1e-9
        if right:
            return True, 1.0, [Feedback("right", t("quiz.numeric_right", lang))]
        for wrong_value, explain in self.wrong_values:
            if abs(value - wrong_value) <= self.tolerance + 1e-9:
                return False, 0.0, [Feedback("wrong", pick(explain, lang))]
        hint = "quiz.too_high" if value > target else "quiz.too_low"
        return False, 0.0, [Feedback("wrong", t(hint, lang))]

    def _check_ordering(self, value, lang):
        in_place = sum(a == b for a, b in zip(value, self.answer))
        right = in_place == len(self.answer)
        feedback = [Feedback("right" if right else "wrong",
                             t("quiz.in_place", lang, right=in_place, total=len(self.answer)))]
        if right:
            feedback += [Feedback("info", f"{n}. {self.option(i).label(lang)}: {pick(self.option(i).explain, lang)}")
                         for n, i in enumerate(self.answer, 1)]
        else:  # explain the first item out of place: the reasoning, not the whole order
            first = next(i for i, (a, b) in enumerate(zip(value, self.answer)) if a != b)
            item = self.option(self.answer[first])
            feedback.append(Feedback("info", t("quiz.order_hint", lang, position=first + 1)
                                     + " " + pick(item.explain, lang)))
        return right, in_place / len(self.answer), feedback

    def _check_matching(self, value, lang):
        wrong = [i for i in value if value[i] != self.answer[i]]
        feedback = [Feedback("wrong", f"{self.option(i).label(lang)}: {pick(self.option(i).explain, lang)}")
                    for i in wrong]
        right = not wrong
        if right:
            feedback = [Feedback("right", f"{o.label(lang)} → {self._choice(self.answer[o.id]).label(lang)}: "
                                          f"{pick(o.explain, lang)}") for o in self.options]
        else:
            feedback.insert(0, Feedback("wrong", t("quiz.pairs_right", lang, right=len(value) - len(wrong),
                                                   total=len(value))))
        return right, (len(value) - len(wrong)) / len(value), feedback

    def _choice(self, choice_id: str) -> Choice:
        return next(c for c in self.choices if c.id == choice_id)

    def label(self, response: Any, lang: str | None = None) -> str:
        """A response as a person reads it (for the trainer's "most common wrong answers")."""
        try:
            value = self.normalize(response, lang)
        except AnswerError:
            return json.dumps(response, ensure_ascii=False)
        if self.kind == "single":
            return self.option(value).label(lang)
        if self.kind == "multiple":
            return " + ".join(self.option(v).label(lang) for v in value)
        if self.kind == "numeric":
            unit = pick(self.unit, lang) if self.unit else ""
            return f"{value:g} {unit}".strip()
        if self.kind == "ordering":
            return " → ".join(self.option(v).label(lang) for v in value)
        return "; ".join(f"{self.option(k).label(lang)} → {self._choice(v).label(lang)}" for k, v in value.items())

    def solution(self, lang: str | None = None) -> str:
        """The answer in words, shown when a learner asks for it after several tries."""
        return self.label(self.answer, lang)


def parse_number(response: Any, lang: str | None = None) -> float:
    """A number from a widget or text: full-width digits, thousands commas and 15天-style units."""
    if isinstance(response, (int, float)) and not isinstance(response, bool):
        value = float(response)
    else:
        text = unicodedata.normalize("NFKC", str(response or "")).replace(",", "").strip()
        digits = "".join(ch for ch in text if ch.isdigit() or ch in ".-")
        try:
            value = float(digits)
        except ValueError:
            raise AnswerError(t("quiz.not_number", lang, value=str(response))) from None
    if not math.isfinite(value):
        raise AnswerError(t("quiz.not_number", lang, value=str(response)))
    return value


# -- banks -----------------------------------------------------------------------------------

@dataclass
class Bank:
    module: str
    questions: list[Question]
    source: str

    def question(self, qid: str) -> Question:
        for q in self.questions:
            if q.id == qid:
                return q
        raise KeyError(f"{self.source}: no question {qid!r}")

    def __iter__(self):
        return iter(self.questions)

    def __len__(self):
        return len(self.questions)


def _texts(where: str, value: Any, required: bool = True) -> dict:
    if value is None and not required:
        return {}
    if not isinstance(value, dict) or any(not isinstance(value.get(lang), str) or not value[lang].strip()
                                          for lang in LANGS):
        raise BankError(f"{where}: needs a text in every language ({', '.join(LANGS)})")
    return dict(value)


def _choices(where: str, raw: Any, explained: bool) -> list[Choice]:
    if not isinstance(raw, list) or len(raw) < 2:
        raise BankError(f"{where}: needs a list of at least two entries")
    out, seen = [], set()
    for n, entry in enumerate(raw):
        spot = f"{where}[{n}]"
        if not isinstance(entry, dict) or not isinstance(entry.get("id"), str):
            raise BankError(f"{spot}: needs an id")
        if entry["id"] in seen:
            raise BankError(f"{spot}: duplicate id {entry['id']!r}")
        seen.add(entry["id"])
        out.append(Choice(entry["id"], _texts(f"{spot}.text", entry.get("text")),
                          _texts(f"{spot}.explain", entry.get("explain"), required=explained)))
    return out


def parse_bank(data: dict, source: str, sealed: bool = True) -> Bank:
    """Check a bank's structure and build it; BankError names the file, question and field."""
    if not isinstance(data, dict) or not isinstance(data.get("module"), str):
        raise BankError(f"{source}: needs a top-level \"module\"")
    module = data["module"]
    raw_questions = data.get("questions")
    if not isinstance(raw_questions, list) or not raw_questions:
        raise BankError(f"{source}: needs a non-empty \"questions\" list")
    questions, seen = [], set()
    for n, raw in enumerate(raw_questions):
        qid = raw.get("id") if isinstance(raw, dict) else None
        where = f"{source}: question {qid or n + 1}"
        if not isinstance(qid, str) or not qid:
            raise BankError(f"{where}: needs an id")
        if qid in seen:
            raise BankError(f"{where}: duplicate id")
        seen.add(qid)
        kind = raw.get("kind")
        if kind not in KINDS:
            raise BankError(f"{where}.kind: {kind!r} is not one of {', '.join(KINDS)}")
        answer = unseal(module, qid, raw.get("answer")) if sealed else raw.get("answer")
        options = [] if kind == "numeric" else _choices(
            f"{where}.{'items' if kind == 'ordering' else 'options'}",
            raw.get("items" if kind == "ordering" else "options"), explained=True)
        choices = _choices(f"{where}.choices", raw.get("choices"), explained=False) if kind == "matching" else []
        q = Question(module, qid, kind, _texts(f"{where}.prompt", raw.get("prompt")), options, choices, answer,
                     _texts(f"{where}.explain", raw.get("explain"), required=kind == "numeric"),
                     str(raw.get("reference", "")))
        if kind == "numeric":
            q.unit = _texts(f"{where}.unit", raw.get("unit"), required=False)
            q.tolerance = float(raw.get("tolerance", 0))
            q.wrong_values = [(float(w["value"]), _texts(f"{where}.wrong_values", w.get("explain")))
                              for w in raw.get("wrong_values", [])]
        _check_answer(where, q)
        questions.append(q)
    return Bank(module, questions, source)


def _check_answer(where: str, q: Question) -> None:
    ids = [o.id for o in q.options]
    a = q.answer
    ok = {
        "single": lambda: a in ids,
        "multiple": lambda: isinstance(a, list) and a and set(a) <= set(ids) and len(set(a)) == len(a),
        "numeric": lambda: isinstance(a, (int, float)) and not isinstance(a, bool),
        "ordering": lambda: isinstance(a, list) and sorted(a) == sorted(ids),
        "matching": lambda: isinstance(a, dict) and sorted(a) == sorted(ids)
        and set(a.values()) <= {c.id for c in q.choices},
    }[q.kind]()
    if not ok:
        raise BankError(f"{where}.answer: does not fit a {q.kind} question with ids {ids}")
    if q.kind == "multiple":
        q.answer = sorted(a)


def bank_path(module: str) -> Path:
    return Path(str(resources.files("kitlib.learn").joinpath(f"banks/{module}.json")))


@lru_cache(maxsize=None)
def load_bank(module: str) -> Bank:
    """The question bank of a module (``"00"`` ...)."""
    path = bank_path(module)
    if not path.exists():
        raise BankError(f"{path}: no question bank for module {module!r}")
    return read_bank(path)


def _read_json(path: Path) -> Any:
    try:
        return json.loads(path.read_text("utf-8"))
    except json.JSONDecodeError as exc:
        raise BankError(f"{path}:{exc.lineno}: not valid JSON ({exc.msg})") from None


def read_bank(path: Path | str) -> Bank:
    path = Path(path)
    return parse_bank(_read_json(path), str(path))


def seal_file(path: Path | str) -> int:
    """Seal every plain answer in a bank file in place (atomically); returns how many were sealed."""
    path = Path(path)
    data = _read_json(path)
    if not isinstance(data, dict) or not isinstance(data.get("questions"), list):
        raise BankError(f"{path}: needs \"module\" and \"questions\"")
    count = 0
    for raw in data["questions"]:
        answer = raw.get("answer")
        if not (isinstance(answer, str) and answer.startswith(SEAL_PREFIX)):
            raw["answer"] = seal(data.get("module", ""), raw.get("id", ""), answer)
            count += 1
    parse_bank(data, str(path))   # never write a bank that does not load
    write_text_atomic(path, json.dumps(data, ensure_ascii=False, indent=1) + "\n")
    return count
