"""The exercise clock: minutes since the start of the drill.

``SteppedClock`` moves only when told (``advance``), for a facilitator stepping by hand, for
scripted runs and for tests.  ``RunningClock`` follows a time source (``time.monotonic`` by
default; inject another in tests) at ``factor`` exercise minutes per real minute: 1 is real
time, 4 plays a 60-minute drill in 15.  Both can be jumped ahead with ``advance``; neither goes
back.

    >>> clock = SteppedClock()
    >>> clock.advance(12.5)
    12.5
    >>> clock.advance_to(20), clock.now()
    (20.0, 20.0)
"""
from __future__ import annotations

import time
from abc import ABC, abstractmethod
from typing import Callable

__all__ = ["Clock", "SteppedClock", "RunningClock", "ClockError"]


class ClockError(ValueError):
    """A clock asked to go back or to run at a nonsensical speed."""


def _minutes(value, what: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value != value or value < 0:
        raise ClockError(f"{what} must be a number of minutes, 0 or more, got {value!r}")
    return float(value)


class Clock(ABC):
    """Base: ``now()`` in exercise minutes, ``advance(minutes)``, ``mode`` for the run record."""
    mode = "stepped"

    @abstractmethod
    def now(self) -> float:
        """Minutes since the start of the drill."""

    @abstractmethod
    def advance(self, minutes: float) -> float:
        """Jump ``minutes`` ahead; the new time."""

    def advance_to(self, minute: float) -> float:
        """Move forward to ``minute`` (never back); the new time."""
        return self.advance(max(0.0, _minutes(minute, "minute") - self.now()))

    def start(self) -> None:
        """Called by the run when the drill starts."""


class SteppedClock(Clock):
    """Moves only by ``advance``; ``mode`` is "stepped" or, for scripted runs, "scripted"."""

    def __init__(self, start: float = 0.0, *, mode: str = "stepped"):
        self._now = _minutes(start, "start")
        self.mode = mode

    def now(self) -> float:
        return self._now

    def advance(self, minutes: float) -> float:
        self._now += _minutes(minutes, "advance")
        return self._now


class RunningClock(Clock):
    """Exercise minutes = real minutes since ``start()`` x ``factor`` (+ any ``advance``); can pause."""

    def __init__(self, factor: float = 1.0, *, source: Callable[[], float] = time.monotonic):
        if isinstance(factor, bool) or not isinstance(factor, (int, float)) or not 0 < factor <= 3600:
            raise ClockError(f"factor must be a number above 0 (at most 3600), got {factor!r}")
        self.factor, self.source = float(factor), source
        self.mode = "real" if factor == 1 else "accelerated"
        self._started_at: float | None = None   # source time when running; None when stopped/paused
        self._base = 0.0                        # exercise minutes banked before the current run

    def start(self) -> None:
        if self._started_at is None:
            self._started_at = self.source()

    resume = start

    def pause(self) -> None:
        self._base, self._started_at = self.now(), None

    @property
    def running(self) -> bool:
        return self._started_at is not None

    def now(self) -> float:
        if self._started_at is None:
            return self._base
        return self._base + max(0.0, self.source() - self._started_at) / 60.0 * self.factor

    def advance(self, minutes: float) -> float:
        self._base += _minutes(minutes, "advance")
        return self.now()
