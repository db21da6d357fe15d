"""A simulated workshop, so a trainer can preview the dashboard before the real one.

``simulate_class(store)`` writes what a room of learners would leave in the progress store:
every question answered through ``Question.check`` (so ``correct`` and ``score`` are exactly what
the quiz would record), some wrong first tries with plausible wrong answers taken from the
question's own options, retries until right (at most four tries), lognormal time per answer, and
most learners completing the module with the score ``Module.complete`` records (mean first-try score).

Learners are synthetic and tagged as such (``王芳 [模拟/sim]``).  The same seed gives the same
learners, answers, scores and seconds; only the timestamps are those of the moment of writing.
Write into a store of its own (``preview_store()`` makes a temporary SQLite one), never into a
workshop's real store: ``simulate_class`` refuses a store that already holds progress.
"""
from __future__ import annotations

import math
import shutil
import tempfile
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import numpy as np

from .bank import AnswerError, Bank, BankError, Question, load_bank
from .modules import module as module_info
from .store import ProgressStore, canonical

SIM_TAG = "[模拟/sim]"
MAX_TRIES = 4

# Fixed synthetic names, Chinese and foreign mixed the way a joint venture's staff is.
NAMES = (
    "王芳", "李娜", "Anna Müller", "张伟", "刘洋", "James Smith", "陈静", "杨帆", "Marie Dubois",
    "赵磊", "黄丽", "Lukas Schmidt", "周杰", "吴敏", "Emily Brown", "徐婷", "孙浩", "Pierre Martin",
    "马超", "朱琳", "Sophie Wagner", "胡斌", "郭雪", "David Wilson", "何欣", "林涛", "Claire Bernard",
    "高远", "罗佳", "Thomas Weber", "郑凯", "梁晓", "Laura Rossi", "谢宁", "宋玉", "Daniel Meyer",
)


@dataclass(frozen=True)
class Rehearsal:
    """What ``simulate_class`` wrote."""
    learners: tuple[str, ...]
    modules: tuple[str, ...]
    attempts: int
    completions: int
    seed: int


def learner_names(count: int) -> list[str]:
    """``count`` distinct synthetic learner names, each tagged ``[模拟/sim]``."""
    names = []
    for n in range(count):
        base = NAMES[n % len(NAMES)]
        round_ = n // len(NAMES)
        names.append(f"{base} {round_ + 1} {SIM_TAG}" if round_ else f"{base} {SIM_TAG}")
    return names


def _bank(module: str) -> Bank | None:
    try:
        return load_bank(module)
    except (BankError, OSError):
        return None


def wrong_candidates(q: Question) -> list[Any]:
    """Plausible wrong answers built from the question's own options, in a fixed order.

    single: every other option; multiple: the answer with one option missing, one extra, or one
    swapped; numeric: the bank's known wrong values, then one either side; ordering: the answer
    with two neighbours (or next-but-one items) swapped; matching: one pair matched wrongly, or two
    rows' matches swapped.  Each is checked: none is accepted as right.
    """
    ids = [o.id for o in q.options]
    out: list[Any] = []
    if q.kind == "single":
        out = [i for i in ids if i != q.answer]
    elif q.kind == "multiple":
        answer = list(q.answer)
        extra = [i for i in ids if i not in answer]
        if len(answer) > 1:
            out += [[a for a in answer if a != drop] for drop in answer]
        out += [sorted(answer + [add]) for add in extra]
        out += [sorted([a for a in answer if a != drop] + [add]) for drop in answer for add in extra]
    elif q.kind == "numeric":
        target = float(q.answer)
        values = [w for w, _ in q.wrong_values] + [target + 1, target - 1]
        out = [v for v in dict.fromkeys(values) if v >= 0]
    elif q.kind == "ordering":
        answer = list(q.answer)
        for gap in (1, 2):
            for i in range(len(answer) - gap):
                order = answer.copy()
                order[i], order[i + gap] = order[i + gap], order[i]
                out.append(order)
    elif q.kind == "matching":
        answer = dict(q.answer)
        for left in ids:
            for choice in q.choices:
                if choice.id != answer[left]:
                    out.append({**answer, left: choice.id})
        for a in range(len(ids)):
            for b in range(a + 1, len(ids)):
                if answer[ids[a]] != answer[ids[b]]:
                    out.append({**answer, ids[a]: answer[ids[b]], ids[b]: answer[ids[a]]})
    seen, wrong = set(), []
    for candidate in out:
        try:
            result = q.check(candidate)
        except AnswerError:
            continue
        key = canonical(result.response)
        if not result.correct and key not in seen:
            seen.add(key)
            wrong.append(result.response)
    return wrong


def _logistic(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x))


@dataclass
class _QuestionModel:
    question: Question
    ease: float                  # logit of the chance an average learner is right at the first try
    wrong: list[Any]
    weights: np.ndarray          # how tempting each wrong answer is: a few dominate


def _models(bank: Bank, rng: np.random.Generator) -> list[_QuestionModel]:
    models = []
    for q in bank:
        difficulty = rng.uniform(0.1, 0.45)     # share of average learners wrong at the first try
        wrong = wrong_candidates(q)
        weights = rng.dirichlet(np.full(len(wrong), 0.6)) if wrong else np.zeros(0)
        models.append(_QuestionModel(q, math.log((1 - difficulty) / difficulty), wrong, weights))
    return models


def _pick_wrong(model: _QuestionModel, given: set[str], rng: np.random.Generator) -> Any | None:
    if not model.wrong:
        return None
    weights = np.array([0.0 if canonical(w) in given else p for w, p in zip(model.wrong, model.weights)])
    if weights.sum() <= 0:           # every plausible wrong answer tried: repeat one
        weights = model.weights
    return model.wrong[int(rng.choice(len(model.wrong), p=weights / weights.sum()))]


def simulate_class(store: ProgressStore, learners: int = 30, seed: int = 0,
                   modules: Iterable[str] = ("00",), complete_share: float = 0.85,
                   *, allow_existing: bool = False) -> Rehearsal:
    """Fill ``store`` with a simulated workshop; same seed, same answers.

    ``complete_share`` of the learners (rounded) complete each module, after answering every
    question; the others answered some of the questions and stopped.  Refuses a store that already
    holds learners unless ``allow_existing``: a rehearsal must not mix with a real room.
    """
    if learners < 1:
        raise ValueError("a class needs at least one learner")
    if not 0.0 <= complete_share <= 1.0:
        raise ValueError(f"complete_share is a share between 0 and 1, got {complete_share}")
    modules = tuple(modules)
    for m in modules:
        module_info(m)               # KeyError naming the known modules
    if store.learners() and not allow_existing:
        raise ValueError(f"{store.safe_url} already holds progress: simulate into an empty store "
                         "(kitlib.learn.rehearsal.preview_store()), not a real one")
    rng = np.random.default_rng(seed)
    names = learner_names(learners)
    ability = rng.normal(0.0, 0.8, size=learners)
    attempts = completions = 0
    for m in modules:
        bank = _bank(m)
        models = _models(bank, rng) if bank is not None else []
        completers = set(rng.permutation(learners)[:round(complete_share * learners)].tolist())
        reading_median = module_info(m).minutes * 60 * 0.5
        for n, name in enumerate(names):
            count = len(models)
            if n not in completers and count > 1:
                count = int(rng.integers(1, count))   # stopped part-way
            answered_seconds, first_score = 0.0, 0.0
            for model in models[:count]:
                q, given = model.question, set()
                for attempt in range(1, MAX_TRIES + 1):
                    p = _logistic(model.ease + ability[n] + 1.4 * (attempt - 1))
                    response = None if rng.random() < p else _pick_wrong(model, given, rng)
                    if response is None:
                        response = q.answer
                    result = q.check(response)
                    median = 20 + 50 * _logistic(-model.ease) if attempt == 1 else 12
                    seconds = round(float(rng.lognormal(math.log(median), 0.5)), 1)
                    store.record_attempt(name, m, q.id, result.response, result.correct,
                                         score=result.score, seconds=seconds)
                    attempts += 1
                    answered_seconds += seconds
                    given.add(canonical(result.response))
                    if attempt == 1:
                        first_score += result.score
                    if result.correct:
                        break
            if n in completers:
                reading = float(rng.lognormal(math.log(reading_median), 0.25))
                score = round(first_score / len(models), 4) if models else None   # as Module.complete
                store.record_completion(name, m, score=score, seconds=round(reading + answered_seconds, 1))
                completions += 1
    return Rehearsal(tuple(names), modules, attempts, completions, seed)


def preview_store(learners: int = 30, seed: int = 0, modules: Iterable[str] = ("00",),
                  complete_share: float = 0.85, folder: str | Path | None = None
                  ) -> tuple[ProgressStore, Rehearsal]:
    """A new SQLite store filled by ``simulate_class``; without ``folder``, in a temporary folder
    that is removed when the store is garbage-collected or the process ends."""
    own = folder is None
    folder = Path(tempfile.mkdtemp(prefix="kit-preview-")) if own else Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    store = ProgressStore(f"sqlite:///{folder / 'preview.sqlite'}")
    if own:
        weakref.finalize(store, _remove, store.engine, folder)
    report = simulate_class(store, learners=learners, seed=seed, modules=modules,
                            complete_share=complete_share)
    return store, report


def _remove(engine, folder: Path) -> None:
    engine.dispose()                 # close the files first (Windows cannot delete open files)
    shutil.rmtree(folder, ignore_errors=True)
