"""The one exception family of kitlib.rights (both are ValueErrors with a one-line message)."""
from __future__ import annotations

__all__ = ["RequestError", "DeadlineError"]


class RequestError(ValueError):
    """A request, or a step on it, that is not possible; one line naming the request and field."""


class DeadlineError(RequestError):
    """A date that cannot be counted (not a date, or outside the calendar's years), or a bad policy file."""
