"""The one error of module 11's library: bad data or input, one line naming file, line and field."""
from __future__ import annotations

__all__ = ["InternationalError"]


class InternationalError(ValueError):
    """Bad comparison, trend or case data, or bad input to a calculation; the message is one line."""
