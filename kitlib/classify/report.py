"""Scan exports and write the bilingual HTML scan report (``kit scan``).

``scan_exports(paths)`` reads every supported file (folders are expanded), builds one inventory
over all of them and collects one-line problems for the files it could not read; a bad file
never stops the scan.  ``write_report(path, result)`` writes the HTML page atomically.

The page shows masked examples only (``masking.mask``): no full identifier from the input is
ever written to it.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import jinja2
import pandas as pd

from .files import ExportError, find_exports, iter_tables
from .inventory import INVENTORY_COLUMNS, inventory
from .policy import TIER_ORDER, Policy, load_policy
from ..atomic import write_text_atomic

__all__ = ["ScanResult", "scan_exports", "render_report", "write_report", "tier_counts"]


@dataclass
class ScanResult:
    inventory: pd.DataFrame                              # the inventory of every table read
    files: list = field(default_factory=list)            # one info dict per table read (files.read_export)
    problems: list = field(default_factory=list)         # one line per file or path refused
    policy: Policy | None = None
    missing: list = field(default_factory=list)          # the problems that are paths with nothing to read

    @property
    def refused(self) -> int:
        return len(self.problems)


def tier_counts(inv: pd.DataFrame) -> dict[str, int]:
    """Columns per tier, in TIER_ORDER (every tier present, 0 when none)."""
    counts = inv["tier"].value_counts() if len(inv) else pd.Series(dtype=int)
    return {tier: int(counts.get(tier, 0)) for tier in TIER_ORDER}


def scan_exports(paths, *, sample: int = 2000, seed: int = 0, policy=None, lang: str | None = None,
                 on_table=None, on_problem=None) -> ScanResult:
    """Read and inventory every export under `paths`; problems are collected, not raised.

    on_table(info, rows_of_inventory) and on_problem(message) are called as the scan goes, so
    that a command line can print as it works.
    """
    pol = policy if isinstance(policy, Policy) else load_policy(policy)
    files, problems = find_exports(paths)
    missing = list(problems)
    for message in problems:
        if on_problem:
            on_problem(message)
    parts, infos = [], []
    for path in files:
        try:
            for table, frame, info in iter_tables(path):
                part = inventory({table: frame}, systems={table: str(path)}, policy=pol, sample=sample,
                                 seed=seed, lang=lang)
                info["table"] = table
                parts.append(part)
                infos.append(info)
                if on_table:
                    on_table(info, part)
        except ExportError as exc:
            message = str(exc).splitlines()[0]
            problems.append(message)
            if on_problem:
                on_problem(message)
    inv = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(columns=list(INVENTORY_COLUMNS))
    return ScanResult(inv, infos, problems, pol, missing)


def _env() -> jinja2.Environment:
    return jinja2.Environment(loader=jinja2.FunctionLoader(
        lambda name: resources.files("kitlib").joinpath("templates", name).read_text(encoding="utf-8")),
        autoescape=True, keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True)


def _percent(value) -> str:
    return "—" if value is None or pd.isna(value) else f"{value:.0%}"


def render_report(result: ScanResult, *, generated_at: dt.datetime | None = None) -> str:
    """The HTML page for a scan (self-contained, no external resources)."""
    pol = result.policy or load_policy()
    inv = result.inventory
    generated_at = generated_at or dt.datetime.now().astimezone()
    sections = []
    for info in result.files:
        rows = inv[(inv["system"] == info["path"]) & (inv["table"] == info["table"])] if len(inv) else inv
        sections.append({
            "info": info, "counts": tier_counts(rows),
            "rows": [{**r, "confidence_text": f"{r['confidence']:.2f}", "share_text": _percent(r["value_share"]),
                      "examples": [e for e in str(r["examples_masked"]).split(" | ") if e]}
                     for r in rows.to_dict("records")],
        })
    kinds_seen = list(dict.fromkeys(inv["kind"])) if len(inv) else []
    questions = [{"kind": k, "policy": pol.get(k)} for k in kinds_seen]
    tiers = [{"key": t, "zh": pol.tiers[t]["zh"], "en": pol.tiers[t]["en"],
              "about_zh": pol.tiers[t]["about_zh"], "about_en": pol.tiers[t]["about_en"]} for t in TIER_ORDER]
    return _env().get_template("scan_report.html.j2").render(
        sections=sections, problems=result.problems, totals=tier_counts(inv), tiers=tiers,
        art28=int(inv["art28"].sum()) if len(inv) else 0, columns=len(inv), questions=questions,
        files_read=len({i["path"] for i in result.files}), refused=len(result.problems),
        generated=generated_at.strftime("%Y-%m-%d %H:%M %Z").strip(), policy_source=pol.source)


def write_report(path, result: ScanResult, **kwargs) -> Path:
    """Write the report to `path` atomically (temporary file in the same folder, then rename)."""
    return write_text_atomic(path, render_report(result, **kwargs))
