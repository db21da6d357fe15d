"""A finding: one span of personal information in a text."""
from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Finding:
    """kind: one of `kitlib.classify.KINDS`; start/end: offsets into the original text
    (`text == original[start:end]`); score: 0..1 confidence; recognizer: which recognizer found it."""
    kind: str
    start: int
    end: int
    text: str
    score: float
    recognizer: str = ""
