"""The exercise engine: one run of a validated package on a clock, with a variant drawn by seed.

    >>> run = Run(load_package("exercises/crm-export"), seed=7)          # doctest: +SKIP
    >>> run.run_until(10); run.decide("D1", "isolate", "it"); run.end()  # doctest: +SKIP
    >>> run.record()["score"]                                            # doctest: +SKIP

Injects with ``at`` become due when the clock reaches that minute and are released by the
facilitator (``release``) or all at once (``release_due``); injects with ``after`` and those a
chosen option ``releases`` are triggered: released at once, or ``delay`` minutes later.

Scoring (live ``score()``, final in ``record()``): decision points (the chosen option's), task
points (when the kit's checker marks the answer right) and criteria points (when ``met_by`` is
satisfied by the deadline) add up to ``awarded``; ``max`` is the best option of every decision,
every task and every criterion; ``by_capability`` covers the criteria, the evaluation guide.

Every event goes to the ledger, when one is given, as a ``training`` entry: a drill is an
exercise on synthetic data, not a real incident, so its entries must never be counted among real
incidents, notifications or disputes; the details name the exercise, run, variant and event only
(no free text, no customer identifiers).

Endings and disputes: an inject marked ``ending: true`` ends the run when it is released (an
"ending" event with its id, then "end").  A package of ``kind: dispute`` is a role-play without
clock pressure whose injects are released by decisions; its decisions and its ending are written
to the ledger as ``dispute`` entries (the dispute record; details say ``training: true``) instead
of ``training`` ones.  ``endings(package)`` lists the endings and ``script_to(package, seed,
ending)`` finds the decisions that reach one.
"""
from __future__ import annotations

import json
import uuid
from datetime import datetime, timezone

from .checkers import CheckerError, Solution, get_checker
from .clock import Clock, SteppedClock
from .data import DrillData, sample_data
from .model import Inject, Package
from .package import is_validated

__all__ = ["Run", "DrillError", "play", "expected_script", "RECORD_FORMAT", "endings", "script_to"]

RECORD_FORMAT = "kitlib.drills run v1"
_EPS = 1e-9
_FACILITATOR = "facilitator"


class DrillError(ValueError):
    """An action the run cannot take (unknown id, closed decision, run ended ...), in one line."""


def _utc(moment: datetime) -> str:
    return moment.astimezone(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fmt(minute: float) -> str:
    return str(int(minute)) if float(minute).is_integer() else f"{minute:g}"


class Run:
    """One play of ``package`` (validated by ``load_package``) with the variant ``seed`` draws.

    clock: a ``Clock`` (default a ``SteppedClock``); ledger: a ``kitlib.ledger.Ledger`` or None;
    data: a ``DrillData``, a ``kitlib.synth`` case (customers in scope drawn by ``sample_data``)
    or None (a 300-customer case is generated from the seed when a task first needs it);
    wall: a callable giving the wall-clock ``datetime`` (for started_at / ended_at).
    """

    def __init__(self, package: Package, seed: int, *, clock: Clock | None = None, ledger=None, data=None,
                 wall=None):
        if not is_validated(package):
            raise DrillError("the engine runs only a package that validated: load it with load_package(path)")
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise DrillError(f"seed must be a whole number, 0 or more, got {seed!r}")
        self.seed = seed
        self.variant = package.variant_for_seed(seed)
        self.package = package.with_variant(self.variant)
        self.clock = clock if clock is not None else SteppedClock()
        self.ledger = ledger
        self.run_id = uuid.uuid4().hex[:16]
        self._wall = wall or (lambda: datetime.now(timezone.utc))
        self._data = data
        self._solutions: dict[str, Solution] = {}
        self.events: list[dict] = []
        self.released: dict[str, dict] = {}
        self.scheduled: dict[str, float] = {}          # triggered injects: id -> due minute
        self.decided: dict[str, dict] = {}
        self.answered: dict[str, dict] = {}
        self.acknowledged: dict[tuple[str, str], dict] = {}
        self.ended = False
        self.started_at = _utc(self._wall())
        self.ended_at: str | None = None
        self.clock.start()
        self._event("start", _FACILITATOR)

    # -- the clock and injects -------------------------------------------------------------------
    def now(self) -> float:
        return self.clock.now()

    def _due_at(self, inject: Inject) -> float | None:
        return inject.at if inject.at is not None else self.scheduled.get(inject.id)

    def due_injects(self) -> list[Inject]:
        """Injects due by now and not yet released, earliest first."""
        now = self.now()
        due = [(t, n, i) for n, i in enumerate(self.package.injects)
               if i.id not in self.released and (t := self._due_at(i)) is not None and t <= now + _EPS]
        return [i for _, _, i in sorted(due, key=lambda x: x[:2])]

    def upcoming_injects(self) -> list[tuple[float, Inject]]:
        """(minute, inject) of injects scheduled later than now, earliest first."""
        now = self.now()
        later = [(t, n, i) for n, i in enumerate(self.package.injects)
                 if i.id not in self.released and (t := self._due_at(i)) is not None and t > now + _EPS]
        return [(t, i) for t, _, i in sorted(later, key=lambda x: x[:2])]

    def release(self, inject_id: str) -> dict:
        """Release an inject now (a timed one may be released early); its followers are triggered."""
        self._open()
        inject = self._inject(inject_id)
        if inject_id in self.released:
            raise DrillError(f"inject {inject_id!r} was already released at minute {_fmt(self.released[inject_id]['t'])}")
        if inject.at is None and inject_id not in self.scheduled:
            raise DrillError(f"inject {inject_id!r} waits for its trigger ({inject.after or 'a decision option'})")
        event = self._event("inject", _FACILITATOR, id=inject.id, title=inject.title.to_dict(),
                            recipients=list(inject.recipients), medium=inject.medium)
        self.released[inject_id] = event
        if inject.ending:
            self._event("ending", _FACILITATOR, id=inject.id, title=inject.title.to_dict(),
                        debrief=inject.debrief.to_dict() if inject.debrief else None)
            self.end()
            return dict(event)
        self._trigger({inject_id}, ())
        return dict(event)

    def release_due(self) -> list[dict]:
        """Release every inject due by now (and whatever they trigger); the inject events."""
        out = []
        while not self.ended and (due := self.due_injects()):
            for i in due:
                if self.ended:
                    break
                if i.id not in self.released:
                    out.append(self.release(i.id))
        return out

    def run_until(self, minute: float, on_release=None) -> list[dict]:
        """Advance the clock to ``minute``, releasing each due inject at its own minute."""
        if minute > self.package.duration_minutes + _EPS:
            raise DrillError(f"minute {_fmt(minute)} is after the end of the exercise "
                             f"({_fmt(self.package.duration_minutes)} minutes)")
        out = []
        while True:
            for event in self.release_due():
                out.append(event)
                if on_release:
                    on_release(event)
            upcoming = self.upcoming_injects()
            if self.ended or not upcoming or upcoming[0][0] > minute + _EPS:
                break
            self.clock.advance_to(upcoming[0][0])
        if minute > self.now() and not self.ended:
            self.clock.advance_to(minute)
        return out

    def _trigger(self, refs: set[str], releases: tuple[str, ...]) -> list[str]:
        """Schedule (or release at once, when their delay is 0) the injects ``refs``/``releases`` trigger."""
        now = self.now()
        triggered = [i for i in self.package.injects
                     if (i.after in refs or i.id in releases) and i.id not in self.released and i.id not in self.scheduled]
        for inject in triggered:
            self.scheduled[inject.id] = now + inject.delay
        for inject in triggered:
            if self.ended:
                break
            if inject.delay == 0 and inject.id not in self.released:
                self.release(inject.id)
        return [i.id for i in triggered]

    def acknowledge(self, inject_id: str, role: str) -> dict:
        """Record that ``role`` acknowledged a released inject (criteria may require it)."""
        self._open()
        self._inject(inject_id)
        self._role(role)
        if inject_id not in self.released:
            raise DrillError(f"inject {inject_id!r} has not been released")
        if (inject_id, role) in self.acknowledged:
            raise DrillError(f"inject {inject_id!r} was already acknowledged by {role!r}")
        event = self._event("acknowledge", role, id=inject_id, role=role)
        self.acknowledged[(inject_id, role)] = event
        return dict(event)

    # -- decisions, tasks, notes -----------------------------------------------------------------
    def decide(self, decision_id: str, option: str, role: str | None = None) -> dict:
        """Record ``role``'s choice now; applies its points and releases its follow-ups."""
        self._open()
        try:
            decision = self.package.decision(decision_id)
        except KeyError:
            raise DrillError(f"unknown decision {decision_id!r}") from None
        chosen = decision.option(option)
        if chosen is None:
            raise DrillError(f"decision {decision_id!r} has no option {option!r} "
                             f"(one of: {', '.join(o.id for o in decision.options)})")
        if decision_id in self.decided:
            raise DrillError(f"decision {decision_id!r} was already taken at minute {_fmt(self.decided[decision_id]['t'])}")
        self._window(f"decision {decision_id!r}", decision.open_at, decision.close_at)
        role = self._role(role or decision.role)
        refs = {decision_id, f"{decision_id}.{option}"}
        follow = [i.id for i in self.package.injects
                  if (i.after in refs or i.id in chosen.releases) and i.id not in self.released]
        event = self._event("decision", role, id=decision_id, option=option, role=role,
                            title=decision.title.to_dict(), option_title=chosen.text.to_dict(),
                            expected=chosen.expected, points=chosen.points, releases=follow)
        self.decided[decision_id] = event
        self._trigger(refs, chosen.releases)
        return dict(event)

    @property
    def data(self) -> DrillData:
        """The run's data (made on first use when the run was given a case or nothing)."""
        if not isinstance(self._data, DrillData):
            case = self._data
            if case is None:
                from ..synth import generate
                case = generate(customers=300, seed=self.seed)
            self._data = sample_data(case, self.seed, self.package.evidence)
        return self._data

    def solution(self, task_id: str) -> Solution:
        """The kit's answer to a task, computed by its checker from the run's data."""
        if task_id not in self._solutions:
            task = self._task(task_id)
            try:
                self._solutions[task_id] = get_checker(task.check).solve(self.data, task.params)
            except (CheckerError, ValueError) as exc:
                raise DrillError(f"task {task_id!r}: {exc}") from None
        return self._solutions[task_id]

    def answer_task(self, task_id: str, answer, role: str | None = None) -> dict:
        """Mark ``answer`` with the task's checker now; points when it is right."""
        self._open()
        task = self._task(task_id)
        if task_id in self.answered:
            raise DrillError(f"task {task_id!r} was already answered at minute {_fmt(self.answered[task_id]['t'])}")
        self._window(f"task {task_id!r}", task.open_at, task.close_at)
        if role is not None:
            self._role(role)
        solution = self.solution(task_id)
        try:
            correct = get_checker(task.check).mark(solution, answer)
        except CheckerError as exc:
            raise DrillError(f"task {task_id!r}: {exc}") from None
        try:
            json.dumps(answer)
        except (TypeError, ValueError):
            answer = sorted(answer) if isinstance(answer, (set, frozenset)) else str(answer)
        fields = dict(id=task_id, title=task.title.to_dict(), answer=answer, correct=bool(correct),
                      points=task.points if correct else 0, detail=solution.explanation.to_dict())
        if role is not None:
            fields["role"] = role
        event = self._event("task", role or _FACILITATOR, **fields)
        self.answered[task_id] = event
        return dict(event)

    def note(self, text: str, role: str = _FACILITATOR) -> dict:
        """A facilitator's or participant's note, timed."""
        self._open()
        if not isinstance(text, str) or not text.strip():
            raise DrillError("a note needs some text")
        self._role(role)
        return dict(self._event("note", role, role=role, text=text.strip()))

    def end(self) -> dict:
        """End the run at the clock's current minute; no action is accepted afterwards."""
        self._open()
        event = self._event("end", _FACILITATOR)
        self.ended, self.ended_at = True, _utc(self._wall())
        return dict(event)

    # -- scoring and the record ------------------------------------------------------------------
    def criteria(self) -> list[dict]:
        """The evaluation guide marked against the events so far."""
        first: dict[str, dict] = {}
        for e in self.events:
            if e["kind"] == "decision":
                refs = (e["id"], f"{e['id']}.{e['option']}")
            elif e["kind"] == "task" and e["correct"]:
                refs = (e["id"],)
            elif e["kind"] == "acknowledge":
                refs = (e["id"],)
            else:
                continue
            for ref in refs:
                first.setdefault(ref, e)
        out = []
        for c in self.package.criteria:
            hits = [first[r] for r in c.met_by if r in first]
            if c.require == "all" and len(hits) < len(c.met_by):
                hits = []
            if c.require == "any" and hits:
                hits = [min(hits, key=lambda e: e["seq"])]
            met_at = max(e["t"] for e in hits) if hits else None
            met = met_at is not None and (c.deadline_minutes is None or met_at <= c.deadline_minutes + _EPS)
            out.append({"id": c.id, "capability": c.capability, "title": c.title.to_dict(), "points": c.points,
                        "awarded": c.points if met else 0, "met": met, "deadline_minutes": c.deadline_minutes,
                        "met_at": met_at, "evidence": sorted({e["seq"] for e in hits})})
        return out

    def score(self, criteria: list[dict] | None = None) -> dict:
        """Live score: awarded, max, by_capability (criteria) and parts (decisions, tasks, criteria)."""
        criteria = self.criteria() if criteria is None else criteria
        decisions = {"awarded": sum(e["points"] for e in self.decided.values()),
                     "max": sum(max(0, *(o.points for o in d.options)) for d in self.package.decisions)}
        tasks = {"awarded": sum(e["points"] for e in self.answered.values()),
                 "max": sum(t.points for t in self.package.tasks)}
        marked = {"awarded": sum(c["awarded"] for c in criteria), "max": sum(c["points"] for c in criteria)}
        by_capability = {cap.id: {"awarded": 0, "max": 0} for cap in self.package.capabilities}
        for c in criteria:
            by_capability[c["capability"]]["awarded"] += c["awarded"]
            by_capability[c["capability"]]["max"] += c["points"]
        parts = {"decisions": decisions, "tasks": tasks, "criteria": marked}
        return {"awarded": sum(p["awarded"] for p in parts.values()), "max": sum(p["max"] for p in parts.values()),
                "by_capability": by_capability, "parts": parts}

    def record(self) -> dict:
        """The run record (format "kitlib.drills run v1"), plain JSON-serialisable data."""
        p = self.package
        criteria = self.criteria()
        record = {
            "format": RECORD_FORMAT,
            "run_id": self.run_id,
            "package": {"id": p.id, "title": p.title.to_dict(), "duration_minutes": p.duration_minutes,
                        "audience": p.audience.to_dict(), "objectives": [o.to_dict() for o in p.objectives],
                        "capabilities": [{"id": c.id, "title": c.title.to_dict()} for c in p.capabilities]},
            "variant": {"id": self.variant.id, "title": self.variant.title.to_dict()},
            "seed": self.seed, "mode": self.clock.mode,
            "started_at": self.started_at, "ended_at": self.ended_at,
            "roles": [{"id": r.id, "title": r.title.to_dict()} for r in p.roles],
            "events": [dict(e) for e in self.events],
            "criteria": criteria,
            "score": self.score(criteria),
        }
        return json.loads(json.dumps(record, ensure_ascii=False))

    # -- internals -------------------------------------------------------------------------------
    def _event(self, kind: str, actor: str, **fields) -> dict:
        event = {"seq": len(self.events) + 1, "t": round(float(self.now()), 6), "kind": kind, **fields}
        self.events.append(event)
        if self.ledger is not None and self.package.kind == "dispute":
            if kind in ("decision", "ending"):
                details = {"exercise": self.package.id, "run": self.run_id, "variant": self.variant.id,
                           "event": kind, "seq": event["seq"], "t": event["t"], "training": True}
                details.update({k: fields[k] for k in ("id", "option", "role", "points") if k in fields})
                self.ledger.append("dispute", actor=actor, subjects=[], details=details)
        elif self.ledger is not None:
            details = {"exercise": self.package.id, "run": self.run_id, "variant": self.variant.id,
                       "event": kind, "seq": event["seq"], "t": event["t"]}
            details.update({k: fields[k] for k in ("id", "option", "role", "correct", "points") if k in fields})
            self.ledger.append("training", actor=actor, subjects=[], details=details)
        return event

    def _open(self) -> None:
        if self.ended:
            raise DrillError("the run has ended")

    def _window(self, what: str, open_at: float, close_at: float | None) -> None:
        now = self.now()
        if now + _EPS < open_at:
            raise DrillError(f"{what} opens at minute {_fmt(open_at)} (now {_fmt(round(now, 2))})")
        if close_at is not None and now > close_at + _EPS:
            raise DrillError(f"{what} closed at minute {_fmt(close_at)} (now {_fmt(round(now, 2))})")

    def _role(self, role: str) -> str:
        if role != _FACILITATOR and role not in {r.id for r in self.package.roles}:
            raise DrillError(f"unknown role {role!r}")
        return role

    def _inject(self, inject_id: str) -> Inject:
        try:
            return self.package.inject(inject_id)
        except KeyError:
            raise DrillError(f"unknown inject {inject_id!r}") from None

    def _task(self, task_id: str):
        try:
            return self.package.task(task_id)
        except KeyError:
            raise DrillError(f"unknown task {task_id!r}") from None


# -- scripted mode -----------------------------------------------------------------------------

_ACTIONS = {"decide": (3, 4), "answer": (3, 4), "note": (2, 3), "ack": (3, 3), "release": (2, 2)}


def expected_script(run: Run) -> list[tuple[float, tuple]]:
    """The package's own expected path for ``run``'s variant: each decision's (first) expected
    option when it opens, and each task's right answer (from its checker) when it opens."""
    steps = []
    for d in run.package.decisions:
        best = next((o for o in d.options if o.expected), None)
        if best is not None:
            steps.append((d.open_at, ("decide", d.id, best.id, d.role)))
    for t in run.package.tasks:
        steps.append((t.open_at, ("answer", t.id, run.solution(t.id).answer)))
    return steps


def play(package: Package, seed: int, script=None, *, ledger=None, data=None, wall=None) -> Run:
    """Run a whole exercise without widgets and end it; the finished Run (``.record()``).

    script: a list of (minute, action) steps, action one of ("decide", decision, option[, role]),
    ("answer", task, answer[, role]), ("note", text[, role]), ("ack", inject, role),
    ("release", inject); by default the expected path, acknowledging each inject the evaluation
    guide asks to be acknowledged as soon as it arrives (by its first recipient).
    """
    run = Run(package, seed, clock=SteppedClock(mode="scripted"), ledger=ledger, data=data, wall=wall)
    steps = expected_script(run) if script is None else [_step(n, step) for n, step in enumerate(script, 1)]
    wanted = set() if script is not None else \
        {r for c in run.package.criteria for r in c.met_by} & {i.id for i in run.package.injects}

    def acknowledge_wanted(_event=None):
        for inject_id, event in list(run.released.items()):
            if inject_id in wanted and not any(k[0] == inject_id for k in run.acknowledged):
                run.acknowledge(inject_id, event["recipients"][0])

    for minute, action in sorted(steps, key=lambda s: s[0]):
        run.run_until(minute, acknowledge_wanted)
        if run.ended:                   # an ending was released: the steps after it are not played
            break
        name, *args = action
        {"decide": run.decide, "answer": run.answer_task, "note": run.note, "ack": run.acknowledge,
         "release": run.release}[name](*args)
        if run.ended:
            break
        acknowledge_wanted()            # injects the action released at once
    if not run.ended:
        run.run_until(run.package.duration_minutes, acknowledge_wanted)
    if not run.ended:
        run.end()
    return run


def endings(package: Package) -> list[str]:
    """The ids of ``package``'s ending injects, in package order."""
    return [i.id for i in package.injects if i.ending]


def script_to(package: Package, seed: int, ending_id: str) -> list[tuple[float, tuple]]:
    """A script of decisions (each at its ``open_at``, in that order) whose play reaches the
    ending ``ending_id``: a depth-first search over the decisions' options; DrillError if none does."""
    if ending_id not in endings(package):
        raise DrillError(f"{ending_id!r} is not an ending of {package.id!r} (endings: {', '.join(endings(package))})")
    decisions = sorted(Run(package, seed).package.decisions, key=lambda d: d.open_at)

    def reached(script) -> str | None:
        run = play(package, seed, script)
        return next((e["id"] for e in run.events if e["kind"] == "ending"), None)

    def search(i: int, script: list) -> list | None:
        if i == len(decisions):
            return None
        d = decisions[i]
        for option in d.options:
            attempt = script + [(d.open_at, ("decide", d.id, option.id, d.role))]
            got = reached(attempt)
            if got == ending_id:
                return attempt
            if got is None and (found := search(i + 1, attempt)) is not None:
                return found
        # the decision may also be left untaken
        return search(i + 1, script)

    found = search(0, []) if reached([]) != ending_id else []
    if found is None:
        raise DrillError(f"no choice of decisions in {package.id!r} reaches the ending {ending_id!r}")
    return found


def _step(n: int, step) -> tuple[float, tuple]:
    try:
        minute, action = step
    except (TypeError, ValueError):
        raise DrillError(f"script step {n}: must be (minute, action), got {step!r}") from None
    if isinstance(minute, bool) or not isinstance(minute, (int, float)) or minute < 0:
        raise DrillError(f"script step {n}: minute must be a number, 0 or more, got {minute!r}")
    if not isinstance(action, (tuple, list)) or not action or action[0] not in _ACTIONS:
        raise DrillError(f"script step {n}: action must start with one of {', '.join(_ACTIONS)}, got {action!r}")
    low, high = _ACTIONS[action[0]]
    if not low <= len(action) <= high:
        raise DrillError(f"script step {n}: {action[0]} takes {low - 1} to {high - 1} values, got {len(action) - 1}")
    return float(minute), tuple(action)
