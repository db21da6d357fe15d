"""Answer deadlines on Chinese working days (chinese_calendar: public holidays and adjusted
working days, 调休).

PIPL sets no number of days for answering a request (legal reference, item U): the deadline is
the company's own commitment, 15 working days by default, read from ``data/policy.toml``.

Counting: the day a request arrives is day 0 and never counts; the due date is the N-th working
day after it.  A request received on Tuesday 30 September 2025 (the eve of National Day) with 15
working days is due on Tuesday 28 October 2025: 1-8 October are holidays and Saturday 11
October is a working day.

    >>> due_date("2025-09-30")
    datetime.date(2025, 10, 28)
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import chinese_calendar
import pandas as pd

from ..dates import to_date
from ..tomlfile import read_toml
from .errors import DeadlineError

__all__ = ["DeadlineError", "DeadlinePolicy", "load_policy", "due_date", "working_days_between", "is_overdue",
           "deadline_note", "as_date", "last_countable_day"]


@dataclass(frozen=True)
class DeadlinePolicy:
    working_days: int
    note_zh: str
    note_en: str
    counting_zh: str
    counting_en: str
    identity: dict
    identity_by_channel: dict
    close_relatives: tuple[str, ...]
    relatives_note_zh: str
    relatives_note_en: str


def _policy_path() -> Path:
    return Path(str(resources.files("kitlib").joinpath("rights", "data", "policy.toml")))


@lru_cache(maxsize=4)
def load_policy(path=None) -> DeadlinePolicy:
    """The request policy (``kitlib/rights/data/policy.toml`` or a trainer's copy)."""
    path = Path(path) if path is not None else _policy_path()
    data = read_toml(path, DeadlineError)
    try:
        deadline, identity, relatives = data["deadline"], dict(data["identity"]), data["relatives"]
        by_channel = identity.pop("by_channel")
        days = deadline["working_days"]
        texts = [deadline[k] for k in ("note_zh", "note_en", "counting_zh", "counting_en")]
        close, rel_texts = tuple(relatives["close"]), (relatives["note_zh"], relatives["note_en"])
    except KeyError as exc:
        raise DeadlineError(f"{path.name}: missing key {exc.args[0]!r}") from None
    if isinstance(days, bool) or not isinstance(days, int) or not 1 <= days <= 60:
        raise DeadlineError(f"{path.name}: deadline.working_days must be a whole number from 1 to 60, got {days!r}")
    unknown = sorted(set(by_channel.values()) - set(identity))
    if unknown:
        raise DeadlineError(f"{path.name}: identity.by_channel names an unknown method {unknown[0]!r}")
    return DeadlinePolicy(days, *texts, identity, dict(by_channel), close, *rel_texts)


def as_date(value, what: str = "date") -> dt.date:
    """A date from a date, datetime, Timestamp or ISO text; DeadlineError naming ``what`` otherwise."""
    day = to_date(value)
    if day is None:
        raise DeadlineError(f"{what} is empty" if value is None or value != value else
                            f"{what}: {value!r} is not a date (use YYYY-MM-DD)")
    return day


def _is_workday(day: dt.date) -> bool:
    try:
        return chinese_calendar.is_workday(day)
    except NotImplementedError:
        raise DeadlineError(f"{day}: the Chinese holiday calendar (chinese_calendar) has no data for {day.year}; "
                            "update the package before counting working days in that year") from None


def _days(working_days) -> int:
    days = load_policy().working_days if working_days is None else working_days
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise DeadlineError(f"working_days must be a whole number of at least 1, got {days!r}")
    return days


def due_date(received_on, working_days: int | None = None) -> dt.date:
    """The N-th Chinese working day after ``received_on`` (which is day 0 and does not count);
    N defaults to the policy's commitment (15)."""
    day, left = as_date(received_on, "received_on"), _days(working_days)
    while left:
        day += dt.timedelta(days=1)
        if _is_workday(day):
            left -= 1
    return day


@lru_cache(maxsize=8)
def last_countable_day(working_days: int | None = None) -> dt.date:
    """The latest receipt day whose due date the calendar can still count (its data ends with a year)."""
    day = dt.date(max(chinese_calendar.holidays).year, 12, 31)
    while True:
        try:
            due_date(day, working_days)
            return day
        except DeadlineError:
            day -= dt.timedelta(days=1)


def working_days_between(start, end) -> int:
    """Working days after ``start`` up to and including ``end`` (0 when end <= start)."""
    start, end = as_date(start, "start"), as_date(end, "end")
    count, day = 0, start
    while day < end:
        day += dt.timedelta(days=1)
        count += _is_workday(day)
    return count


def is_overdue(received_on, *, answered_on=None, today=None, working_days: int | None = None) -> bool:
    """True when the answer came after the due date, or none came and ``today`` is past it."""
    due = due_date(received_on, working_days)
    if answered_on is not None and not (not isinstance(answered_on, str) and pd.isna(answered_on)):
        return as_date(answered_on, "answered_on") > due
    if today is None:
        raise DeadlineError("is_overdue: give answered_on or today")
    return as_date(today, "today") > due


def deadline_note(lang: str = "en") -> str:
    """What the kit says wherever it shows a deadline: it is the company's commitment, not law."""
    p = load_policy()
    return p.note_zh if lang == "zh-CN" else p.note_en
