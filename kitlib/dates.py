"""One reading of "a date" for the kit's inputs: a date, a datetime, a pandas Timestamp or ISO text."""
from __future__ import annotations

import datetime as dt


def to_date(value) -> dt.date | None:
    """The calendar day ``value`` names, or None when it names none (NaT, blank, not a date)."""
    if value is None or value != value:                 # NaN and pandas NaT are not equal to themselves
        return None
    if isinstance(value, dt.datetime):                  # before date: a datetime is a date too
        return value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value.strip()[:10])
        except ValueError:
            return None
    if hasattr(value, "date") and callable(value.date):  # pandas Timestamp (NaT raises or gives NaT)
        try:
            day = value.date()
        except (TypeError, ValueError):
            return None
        return day if isinstance(day, dt.date) else None
    return None


__all__ = ["to_date"]
