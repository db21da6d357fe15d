"""Tabletop drills: packages as data (``exercises/<name>/exercise.yaml``), validation, the exercise
clock and the engine that plays a package and writes the run record.

    >>> from kitlib.drills import load_package, play            # doctest: +SKIP
    >>> play(load_package("exercises/crm-export"), seed=7).record()["score"]   # doctest: +SKIP
"""
from __future__ import annotations

from .checkers import Checker, CheckerError, Solution, get_checker, known_checkers, register_checker
from .clock import Clock, ClockError, RunningClock, SteppedClock
from .data import DrillData, drill_data, sample_data
from .engine import RECORD_FORMAT, DrillError, Run, endings, expected_script, play, script_to
from .model import Package, Text
from .package import PackageError, Problem, load_package, validate

__all__ = ["Package", "Text", "Problem", "PackageError", "load_package", "validate",
           "Clock", "ClockError", "SteppedClock", "RunningClock",
           "Run", "DrillError", "play", "expected_script", "endings", "script_to", "RECORD_FORMAT",
           "DrillData", "drill_data", "sample_data", "Checker", "CheckerError", "Solution", "register_checker",
           "known_checkers", "get_checker"]
