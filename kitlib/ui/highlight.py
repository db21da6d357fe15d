"""Show scanner findings inside the text they were found in, coloured by kind, with a legend."""
from __future__ import annotations

import html

from ..learn.module import Card

SENSITIVE = {"health", "religion", "biometric", "location_track", "financial", "minor"}
CORE = {"cn_resident_id", "cn_passport", "passport", "bank_card"}


def _colour(kind: str) -> str:
    if kind in CORE:
        return "#f4b6b6"
    if kind in SENSITIVE:
        return "#f7d58b"
    return "#bcd7f5"


def highlight(text: str, findings) -> Card:
    """HTML with every finding marked (kind as a superscript); plain text lists the findings."""
    parts, at = [], 0
    for f in sorted(findings, key=lambda f: f.start):
        if f.start < at:          # overlapping findings: the scanner should not return them; skip
            continue
        parts.append(html.escape(text[at:f.start]))
        parts.append(f"<mark style='background:{_colour(f.kind)};padding:0 2px' title='{f.kind} {f.score:.2f}'>"
                     f"{html.escape(text[f.start:f.end])}<sup style='font-size:0.7em'>{html.escape(f.kind)}</sup></mark>")
        at = f.end
    parts.append(html.escape(text[at:]))
    legend = ("<div style='font-size:0.8em;margin-top:4px'>"
              f"<mark style='background:{_colour('bank_card')}'>核心 core</mark> "
              f"<mark style='background:{_colour('health')}'>敏感 sensitive (Art. 28)</mark> "
              f"<mark style='background:{_colour('cn_mobile')}'>一般 general</mark></div>")
    body = f"<div style='line-height:1.9'>{''.join(parts)}</div>{legend}"
    plain = "\n".join(f"{f.kind:>15} {f.start:>4}-{f.end:<4} {f.score:.2f} {f.text}" for f in findings)
    return Card(body, plain or "(no findings)")
