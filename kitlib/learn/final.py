"""The final assessment: one paper drawn across every module's question bank.  Passing it, with
every available module complete, earns the course certificate.

Policy (company policy, not law; ``data/final.json``, loaded by :func:`load_policy`):

* ``pass_mark`` 0.8: the paper's score (mean of its questions' scores, with the banks' own
  partial credit) must reach 80 %.  An unanswered question scores 0.
* ``questions_per_module`` 2: each examined module gives that many questions (all, if fewer).
  Examined = available in ``modules.json`` *and* with a bank, so modules 10 and 11 join the
  paper the day they are made available.
* ``cooldown_minutes`` 30 after a failed paper, and at most ``attempts_per_day`` 3 papers per
  Asia/Shanghai calendar day: time to go back to the modules, no rapid guessing.
* No attempt after a pass that covered every examined module; a module added later opens the
  final again (the old pass does not cover it).  There is no lifetime cap: a cap needs a
  trainer's reset workflow, and every attempt stays on record for the trainer anyway.
* The final opens when every examined module is complete.  A paper is fixed until it is
  submitted (reopening shows the same paper, so nobody fishes for an easier one); an attempt
  counts when it is submitted.

Drawing: for learner L and module M the bank's question ids are shuffled once with a seed from
(L, M), and attempt n takes the next ``k`` ids of that cycle.  The same learner and attempt give
the same paper; consecutive attempts share no question while a bank has 2k questions or more;
every question of a bank is used before any repeats.  (Editing a bank changes future papers;
papers already submitted keep their recorded items.)

Records (progress store, module id ``"final"``):

* one row per question: item ``"MM/question-id"``, answer ``{"paper": n, "response": ...}``,
  so the trainer's dashboard shows which final questions trip the room up;
* then one row with item ``"paper"``: its answer is the paper's summary (items, modules, score,
  per-module scores, pass mark, passed), ``correct`` = passed.  Written last, it *is* the record
  of the attempt; the certificate reads only these rows;
* on a pass, a completion of ``"final"`` with the score, then the course certificate.
"""
from __future__ import annotations

import hashlib
import json
import random
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any, Iterable, Mapping
from zoneinfo import ZoneInfo

import pandas as pd

from ..i18n import pick
from .bank import AnswerError, Feedback, Question, bank_path, load_bank
from .modules import available
from .store import ProgressStore

__all__ = ["FINAL", "PAPER_ITEM", "Policy", "load_policy", "FinalError", "Paper", "Mark", "Outcome", "Status",
           "examined_modules", "draw", "mark", "passes", "papers", "passed_record", "FinalAssessment",
           "issue_course_certificate", "title"]

FINAL = "final"            # the module id the final's records carry in the progress store
PAPER_ITEM = "paper"       # the item of the one row per submitted paper
TZ = ZoneInfo("Asia/Shanghai")
_STAMP = "%Y-%m-%dT%H:%M:%S.%fZ"

TEXT = {
    "ready": {"zh-CN": "第 {attempt} 次考核:{questions} 道题,覆盖 {count} 个模块,及格线 {pass_mark}。",
              "en": "Attempt {attempt}: {questions} questions from {count} modules; pass mark {pass_mark}."},
    "missing": {"zh-CN": "结业考核在完成全部模块后开放;尚未完成:模块 {modules}。",
                "en": "The final assessment opens once every module is complete; not yet complete: module(s) {modules}."},
    "passed": {"zh-CN": "已于 {date} 通过结业考核(第 {attempt} 次,成绩 {score})。",
               "en": "Passed the final assessment on {date} (attempt {attempt}, score {score})."},
    "cooldown": {"zh-CN": "未通过后需间隔 {minutes} 分钟;{time}(北京时间)起可再考。",
                 "en": "After a failed attempt, wait {minutes} minutes; the next attempt opens at {time} (Asia/Shanghai)."},
    "daily": {"zh-CN": "每天最多考 {limit} 次,今天已考 {count} 次;{time}(北京时间)起可再考。",
              "en": "At most {limit} attempts a day and {count} taken today; the next attempt opens at {time} (Asia/Shanghai)."},
}


def _text(key: str, lang: str | None = None, **values) -> str:
    return pick(TEXT[key], lang).format(**values)


class FinalError(ValueError):
    """The final cannot be opened, drawn or submitted; one line saying why."""


# -- policy ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class Policy:
    """Company policy for the final (see the module docstring); ``data/final.json`` by default."""
    pass_mark: float = 0.8
    questions_per_module: int = 2
    cooldown_minutes: float = 30
    attempts_per_day: int | None = 3
    minutes: int = 40
    titles: dict = field(default_factory=lambda: {"zh-CN": "结业考核", "en": "Final assessment"})

    def __post_init__(self):
        if not 0 < self.pass_mark <= 1:
            raise FinalError(f"pass_mark must be in (0, 1], got {self.pass_mark!r}")
        if int(self.questions_per_module) < 1:
            raise FinalError(f"questions_per_module must be 1 or more, got {self.questions_per_module!r}")
        if self.cooldown_minutes < 0:
            raise FinalError(f"cooldown_minutes must not be negative, got {self.cooldown_minutes!r}")
        if self.attempts_per_day is not None and int(self.attempts_per_day) < 1:
            raise FinalError(f"attempts_per_day must be 1 or more (or null), got {self.attempts_per_day!r}")

    def table(self) -> pd.DataFrame:
        """The policy as learners read it, both languages."""
        day = "—" if self.attempts_per_day is None else str(self.attempts_per_day)
        rows = [("及格线", "pass mark", f"{self.pass_mark:.0%}"),
                ("每个模块的题数", "questions per module", str(self.questions_per_module)),
                ("未通过后的间隔(分钟)", "wait after a failed attempt (minutes)", f"{self.cooldown_minutes:g}"),
                ("每天最多次数(北京时间)", "attempts per day at most (Asia/Shanghai)", day),
                ("建议用时(分钟)", "suggested time (minutes)", str(self.minutes))]
        return pd.DataFrame(rows, columns=["规则", "rule", "value"])


@lru_cache(maxsize=None)
def load_policy() -> Policy:
    """The policy in ``kitlib/learn/data/final.json``."""
    where = "kitlib/learn/data/final.json"
    try:
        raw = json.loads(resources.files("kitlib.learn").joinpath("data/final.json").read_text("utf-8"))
        return Policy(float(raw["pass_mark"]), int(raw["questions_per_module"]), float(raw["cooldown_minutes"]),
                      None if raw.get("attempts_per_day") is None else int(raw["attempts_per_day"]),
                      int(raw.get("minutes", 40)), dict(raw["title"]))
    except json.JSONDecodeError as exc:
        raise FinalError(f"{where}:{exc.lineno}: not valid JSON ({exc.msg})") from None
    except (KeyError, TypeError, ValueError) as exc:
        if isinstance(exc, FinalError):
            raise FinalError(f"{where}: {exc}") from None
        raise FinalError(f"{where}: missing or bad field {exc}") from None


def title(lang: str | None = None) -> str:
    return pick(load_policy().titles, lang)


def passes(score: float, pass_mark: float) -> bool:
    """Whether a score reaches the pass mark (compared at 4 decimals, as scores are stored)."""
    return round(float(score), 4) >= round(float(pass_mark), 4)


# -- the paper -------------------------------------------------------------------------------

def examined_modules() -> list[str]:
    """Modules the final draws from: available in the course and with a question bank."""
    return [m.id for m in available() if bank_path(m.id).exists()]


@dataclass(frozen=True)
class Paper:
    learner: str
    attempt: int
    modules: tuple[str, ...]
    questions: tuple[Question, ...]
    opened_at: datetime | None = None

    @property
    def items(self) -> list[str]:
        return [item_id(q) for q in self.questions]

    def question(self, item: str) -> Question:
        for q in self.questions:
            if item_id(q) == item:
                return q
        raise FinalError(f"paper {self.attempt} has no question {item!r}")

    def __len__(self) -> int:
        return len(self.questions)


def item_id(q: Question) -> str:
    """How a paper question is recorded: ``"03/retention-years"``."""
    return f"{q.module}/{q.id}"


def _rng(*parts: Any) -> random.Random:
    digest = hashlib.sha256("/".join(["kit-final", *map(str, parts)]).encode("utf-8")).digest()
    return random.Random(int.from_bytes(digest[:8], "big"))


def draw(learner: str, attempt: int, modules: Iterable[str] | None = None,
         per_module: int | None = None) -> Paper:
    """The paper of ``learner``'s attempt ``attempt`` (1, 2, ...): ``per_module`` questions from each
    module's bank, in course order; the same arguments always give the same paper."""
    learner = (learner or "").strip()
    if not learner:
        raise FinalError("a final paper needs a learner name")
    if int(attempt) < 1:
        raise FinalError(f"attempt numbers start at 1, got {attempt!r}")
    mods = list(dict.fromkeys(modules if modules is not None else examined_modules()))
    if not mods:
        raise FinalError("no module with a question bank is available: nothing to examine")
    k = int(per_module or load_policy().questions_per_module)
    picked: list[Question] = []
    for m in mods:
        bank = load_bank(m)
        order = sorted(q.id for q in bank)
        _rng(learner, m).shuffle(order)
        take = min(k, len(order))
        start = ((int(attempt) - 1) * take) % len(order)
        picked += [bank.question(order[(start + i) % len(order)]) for i in range(take)]
    return Paper(learner, int(attempt), tuple(mods), tuple(picked))


# -- marking ---------------------------------------------------------------------------------

@dataclass(frozen=True)
class Mark:
    item: str
    module: str
    question: Question
    response: Any            # normalised when it was an answer, else as given (None: unanswered)
    answered: bool
    correct: bool
    score: float
    feedback: tuple[Feedback, ...]


@dataclass(frozen=True)
class Outcome:
    paper: Paper
    marks: tuple[Mark, ...]
    score: float
    by_module: dict          # module id -> mean score of its questions on the paper
    pass_mark: float
    passed: bool
    certificate_code: str | None = None
    certificate_path: Path | None = None
    certificate_error: str | None = None     # why no course certificate came with a pass

    @property
    def right(self) -> int:
        return sum(m.correct for m in self.marks)

    @property
    def unanswered(self) -> list[str]:
        return [m.item for m in self.marks if not m.answered]

    def table(self, lang: str | None = None) -> pd.DataFrame:
        """Per module: questions, right, score."""
        rows = []
        for module in self.paper.modules:
            mine = [m for m in self.marks if m.module == module]
            rows.append({"module": module, "questions": len(mine), "right": sum(m.correct for m in mine),
                         "score": self.by_module[module]})
        return pd.DataFrame(rows, columns=["module", "questions", "right", "score"])

    def summary(self) -> dict:
        """What the ``paper`` row records (JSON)."""
        return {"paper": self.paper.attempt, "modules": list(self.paper.modules), "items": self.paper.items,
                "score": self.score, "by_module": self.by_module, "right": self.right,
                "total": len(self.marks), "answered": len(self.marks) - len(self.unanswered),
                "pass_mark": self.pass_mark, "passed": self.passed}


def _blank(response: Any) -> bool:
    return response is None or (isinstance(response, (str, list, tuple, set, dict)) and not response)


def mark(paper: Paper, responses: Mapping[str, Any], pass_mark: float | None = None,
         lang: str | None = None) -> Outcome:
    """Score every question with its own ``Question.check``; no store involved.  ``responses``
    maps items (``"03/retention-years"``) to what the learner gave; missing or blank = unanswered,
    and a response that is no answer (AnswerError) scores 0 and says why."""
    pass_mark = load_policy().pass_mark if pass_mark is None else float(pass_mark)
    unknown = sorted(set(responses) - set(paper.items))
    if unknown:
        raise FinalError(f"paper {paper.attempt} has no question {unknown[0]!r}")
    marks = []
    for q in paper.questions:
        item = item_id(q)
        given = responses.get(item)
        if _blank(given):
            marks.append(Mark(item, q.module, q, None, False, False, 0.0, ()))
            continue
        try:
            result = q.check(given, lang)
        except AnswerError as exc:
            marks.append(Mark(item, q.module, q, given, False, False, 0.0, (Feedback("wrong", str(exc)),)))
            continue
        marks.append(Mark(item, q.module, q, result.response, True, result.correct, result.score, result.feedback))
    score = round(sum(m.score for m in marks) / len(marks), 4)
    by_module = {}
    for module in paper.modules:
        mine = [m.score for m in marks if m.module == module]
        by_module[module] = round(sum(mine) / len(mine), 4) if mine else 0.0
    return Outcome(paper, tuple(marks), score, by_module, pass_mark, passes(score, pass_mark))


# -- what the store says ---------------------------------------------------------------------

def _parse_stamp(stamp: str) -> datetime:
    return datetime.strptime(stamp, _STAMP).replace(tzinfo=timezone.utc)


def _aware(at: datetime | None) -> datetime:
    if at is None:
        return datetime.now(timezone.utc)
    return at if at.tzinfo is not None else at.replace(tzinfo=timezone.utc)


def papers(store: ProgressStore, learner: str) -> pd.DataFrame:
    """Every submitted paper of a learner, oldest first: attempt, submitted_at, score, passed,
    right, total, modules, pass_mark."""
    rows = store.attempts(learner, FINAL)
    rows = rows[rows["item"] == PAPER_ITEM]
    out = []
    for row in rows.itertuples():
        summary = row.answer if isinstance(row.answer, dict) else {}
        out.append({"attempt": int(summary.get("paper", row.attempt)), "submitted_at": row.answered_at,
                    "score": float(row.score), "passed": bool(row.correct),
                    "right": summary.get("right"), "total": summary.get("total"),
                    "modules": tuple(summary.get("modules", ())), "pass_mark": summary.get("pass_mark"),
                    "by_module": summary.get("by_module", {})})
    return pd.DataFrame(out, columns=["attempt", "submitted_at", "score", "passed", "right", "total", "modules",
                                      "pass_mark", "by_module"])


def passed_record(store: ProgressStore, learner: str, modules: Iterable[str] | None = None) -> dict | None:
    """The best passed paper that covered every module in ``modules`` (default: every examined
    module), as the course certificate shows it; None if there is none."""
    wanted = set(modules if modules is not None else examined_modules())
    done = papers(store, learner)
    good = []
    for row in done.itertuples():
        if (row.passed and row.pass_mark is not None and passes(row.score, row.pass_mark)
                and wanted <= set(row.modules)):
            good.append(row)
    if not good:
        return None
    best = max(good, key=lambda r: (r.score, -r.attempt))
    return {"attempt": int(best.attempt), "score": round(float(best.score), 4),
            "pass_mark": float(best.pass_mark), "questions": int(best.total), "right": int(best.right),
            "passed_at": best.submitted_at, "modules": dict(best.by_module)}


@dataclass(frozen=True)
class Status:
    learner: str
    modules: tuple[str, ...]          # examined
    missing: tuple[str, ...]          # examined modules the learner has not completed
    attempts: int                     # papers submitted
    passed: dict | None               # the pass that counts (see passed_record)
    open_at: datetime | None          # when the next attempt opens, if it is not open now
    reason: str                       # key of TEXT: ready, missing, passed, cooldown, daily
    values: dict = field(default_factory=dict)

    @property
    def can_start(self) -> bool:
        return self.reason == "ready"

    @property
    def next_attempt(self) -> int:
        return self.attempts + 1

    def why(self, lang: str | None = None) -> str:
        return _text(self.reason, lang, **self.values)


def _local_time(moment: datetime) -> str:
    return moment.astimezone(TZ).strftime("%Y-%m-%d %H:%M")


def _percent(value: float) -> str:
    return f"{value:.0%}"


# -- the learner's final ---------------------------------------------------------------------

class FinalAssessment:
    """A learner's final: ``status()``, ``start()`` for the paper, ``submit(paper, responses)``.

    ``store`` is a ``ProgressStore`` ("default": the kit's store); ``modules`` overrides the
    examined modules (a trainer's shorter course, or tests)."""

    def __init__(self, store: ProgressStore | str = "default", learner: str | None = None,
                 policy: Policy | None = None, modules: Iterable[str] | None = None):
        from . import learner as learner_id

        self.store = ProgressStore() if store == "default" else store
        self.learner = (learner or learner_id.current()).strip()
        self.policy = policy or load_policy()
        self.modules = tuple(modules) if modules is not None else tuple(examined_modules())
        if not self.modules:
            raise FinalError("no module with a question bank is available: nothing to examine")

    def status(self, at: datetime | None = None) -> Status:
        """May the learner start an attempt at ``at`` (default: now)? If not, why and until when."""
        at = _aware(at)
        done = set(self.store.completions(self.learner)["module"])
        missing = tuple(m for m in self.modules if m not in done)
        history = papers(self.store, self.learner)
        count = len(history)
        passed = passed_record(self.store, self.learner, self.modules)
        base = dict(learner=self.learner, modules=self.modules, missing=missing, attempts=count, passed=passed)
        if passed is not None:
            return Status(**base, open_at=None, reason="passed",
                          values={"date": _local_time(_parse_stamp(passed["passed_at"])),
                                  "attempt": passed["attempt"], "score": _percent(passed["score"])})
        if missing:
            return Status(**base, open_at=None, reason="missing", values={"modules": ", ".join(missing)})
        if count:
            last = history.iloc[-1]
            last_at = _parse_stamp(last["submitted_at"])
            reopen = last_at + timedelta(minutes=self.policy.cooldown_minutes)
            if not last["passed"] and at < reopen:
                return Status(**base, open_at=reopen, reason="cooldown",
                              values={"minutes": f"{self.policy.cooldown_minutes:g}", "time": _local_time(reopen)})
            limit = self.policy.attempts_per_day
            today = at.astimezone(TZ).date()
            taken = sum(_parse_stamp(s).astimezone(TZ).date() == today for s in history["submitted_at"])
            if limit is not None and taken >= limit:
                midnight = datetime.combine(today + timedelta(days=1), datetime.min.time(), TZ)
                return Status(**base, open_at=midnight, reason="daily",
                              values={"limit": limit, "count": taken, "time": _local_time(midnight)})
        questions = len(self.paper(count + 1))
        return Status(**base, open_at=None, reason="ready",
                      values={"attempt": count + 1, "questions": questions, "count": len(self.modules),
                              "pass_mark": _percent(self.policy.pass_mark)})

    def paper(self, attempt: int) -> Paper:
        """The paper of an attempt (reproducible; see :func:`draw`)."""
        return draw(self.learner, attempt, self.modules, self.policy.questions_per_module)

    def start(self, at: datetime | None = None) -> Paper:
        """The paper of the next attempt, if it is open; FinalError (English) saying why not."""
        at = _aware(at)
        status = self.status(at)
        if not status.can_start:
            raise FinalError(status.why("en"))
        return replace(self.paper(status.next_attempt), opened_at=at)

    def submit(self, paper: Paper, responses: Mapping[str, Any], *, seconds: float | None = None,
               lang: str | None = None, certificate: bool = True, folder: Path | str | None = None,
               ledger=None) -> Outcome:
        """Mark the paper, record it (question rows, then the paper row; on a pass a completion),
        and on a pass issue the course certificate and write its page (``folder``, default the
        kit's certificates folder).  ``ledger`` gets one "training" entry: the training record."""
        if paper.learner != self.learner:
            raise FinalError(f"this paper belongs to {paper.learner!r}, not {self.learner!r}")
        status = self.status(paper.opened_at)
        if paper.attempt != status.next_attempt:
            raise FinalError(f"paper {paper.attempt} cannot be submitted: {status.attempts} paper(s) are on record, "
                             f"so the open attempt is {status.next_attempt}")
        if not status.can_start:
            raise FinalError(status.why("en"))
        if paper.items != self.paper(paper.attempt).items:
            raise FinalError(f"paper {paper.attempt} is not the paper drawn for this attempt")
        outcome = mark(paper, responses, self.policy.pass_mark, lang)
        elapsed = float(seconds) if seconds is not None else (
            (datetime.now(timezone.utc) - paper.opened_at).total_seconds() if paper.opened_at else 0.0)
        elapsed = max(0.0, elapsed)
        started = paper.opened_at.astimezone(timezone.utc).strftime(_STAMP) if paper.opened_at else None
        for m in outcome.marks:
            self.store.record_attempt(self.learner, FINAL, m.item, {"paper": paper.attempt, "response": m.response},
                                      m.correct, score=m.score, seconds=0.0, started_at=started)
        self.store.record_attempt(self.learner, FINAL, PAPER_ITEM, outcome.summary(), outcome.passed,
                                  score=outcome.score, seconds=elapsed, started_at=started)
        if outcome.passed:
            self.store.record_completion(self.learner, FINAL, score=outcome.score, seconds=elapsed)
            if certificate:
                from .certificate import CertificateError

                try:
                    cert, path = issue_course_certificate(self.store, self.learner, folder)
                except CertificateError as exc:   # e.g. a trainer's shorter course: the pass stays on record
                    outcome = replace(outcome, certificate_error=str(exc))
                else:
                    outcome = replace(outcome, certificate_code=cert.code, certificate_path=path)
        if ledger is not None:
            ledger.append("training", actor=self.learner, subjects=[self.learner],
                          details={"assessment": FINAL, "attempt": paper.attempt, "score": outcome.score,
                                   "passed": outcome.passed, "questions": len(outcome.marks),
                                   "certificate": outcome.certificate_code})
        return outcome

    def history(self) -> pd.DataFrame:
        return papers(self.store, self.learner)


def issue_course_certificate(store: ProgressStore, learner: str, folder: Path | str | None = None):
    """Issue (or find) the course certificate and write its page; returns (Certificate, path)."""
    from . import certificate
    from .paths import data_dir

    cert = certificate.issue(store, learner, "course")
    target = Path(folder) if folder is not None else data_dir() / "certificates"
    path = certificate.default_path(cert, target)
    path.parent.mkdir(parents=True, exist_ok=True)
    certificate.save_html(cert, path)
    return cert, path
