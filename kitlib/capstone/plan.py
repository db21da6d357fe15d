"""The disposition plan as a file a workshop team edits: one row per (system, table), a CSV in
UTF-8 with a byte-order mark so Excel opens it with its Chinese intact.

=========  ====================================================================================
column     meaning
=========  ====================================================================================
system_id  the system or paper box (``S01`` … ``P04``, the case's ``systems`` table)
table      the table it holds (the case's ``system_tables``)
action     migrate | transfer | retain | destroy (empty: not decided yet)
until      retain: the last day the records are kept, YYYY-MM-DD (empty: while the purpose lasts)
basis      retain: the retention rule (``accounting_vouchers``, ``tax_records``,
           ``processing_records``, ``consent_evidence``, ``purpose_ends``, ``company_archives``,
           ``hr_records``: the kit's retention schedule)
custodian  retain: who keeps them — company | archives | successor
recipient  migrate / transfer: new_site | successor | shareholder
columns    migrate / transfer: the columns that move, separated by ";" (empty: all)
condition  transfer: separate_consent (sensitive columns only for customers whose separate
           consent is on record) or empty
method     destroy (and what stays behind after a transfer): a method of ``vocab.METHODS``
by         the day the action is done by: destroyed, transferred, migrated or handed over
notify     who is told, separated by ";": customers, successor, archives, processor,
           shareholder, regulator
note       free text
=========  ====================================================================================

``load_plan(path, case=None)`` reads it; a mistake raises ``PlanFormatError`` with one line
naming the file, the line and the field (``plan.csv:7: method: 'shred' is not a method …``).
With ``case`` it also checks that each system, table and column exists.  ``save_plan`` writes
atomically.
"""
from __future__ import annotations

import csv
import datetime as dt
import io
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

import pandas as pd

from ..atomic import write_text_atomic
from ..lifecycle.schedule import load_schedule
from .vocab import ACTIONS, CONDITIONS, CUSTODIANS, METHODS, NOTIFY, RECIPIENTS

__all__ = ["PLAN_COLUMNS", "PlanFormatError", "PlanRow", "Plan", "load_plan", "save_plan", "plan_from_frame",
           "starter_plan", "basis_ids"]

PLAN_COLUMNS = ("system_id", "table", "action", "until", "basis", "custodian", "recipient", "columns",
                "condition", "method", "by", "notify", "note")


class PlanFormatError(ValueError):
    """A plan file (or frame) that cannot be read: one line naming file, line and field."""


def basis_ids() -> tuple[str, ...]:
    """The retention rules a ``basis`` may name (the kit's schedule)."""
    return tuple(r.id for r in load_schedule().rules)


@dataclass(frozen=True)
class PlanRow:
    system_id: str
    table: str
    action: str = ""
    until: dt.date | None = None
    basis: str = ""
    custodian: str = ""
    recipient: str = ""
    columns: tuple[str, ...] = ()
    condition: str = ""
    method: str = ""
    by: dt.date | None = None
    notify: tuple[str, ...] = ()
    note: str = ""
    line: int = 0                      # where it came from (0: built in code)

    @property
    def key(self) -> tuple[str, str]:
        return self.system_id, self.table

    def cells(self) -> dict[str, str]:
        """The row as the file writes it."""
        return {"system_id": self.system_id, "table": self.table, "action": self.action,
                "until": self.until.isoformat() if self.until else "", "basis": self.basis,
                "custodian": self.custodian, "recipient": self.recipient, "columns": ";".join(self.columns),
                "condition": self.condition, "method": self.method, "by": self.by.isoformat() if self.by else "",
                "notify": ";".join(self.notify), "note": self.note}


@dataclass
class Plan:
    rows: list[PlanRow]
    source: str = "<plan>"
    why: dict = field(default_factory=dict)      # (system_id, table) -> (zh, en): set by reference_plan

    def row(self, system_id: str, table: str) -> PlanRow | None:
        return next((r for r in self.rows if r.key == (system_id, table)), None)

    def replace(self, system_id: str, table: str, **changes) -> "Plan":
        """A copy with one row changed (``notify=("customers",)``, ``by=date`` …); KeyError if absent."""
        if self.row(system_id, table) is None:
            raise KeyError(f"{self.source}: no row for {system_id}/{table}")
        rows = [replace(r, **changes) if r.key == (system_id, table) else r for r in self.rows]
        return Plan(rows, self.source, dict(self.why))

    def without(self, *keys: tuple[str, str]) -> "Plan":
        """A copy without the rows of ``keys`` ((system_id, table) pairs)."""
        return Plan([r for r in self.rows if r.key not in set(keys)], self.source,
                    {k: v for k, v in self.why.items() if k not in set(keys)})

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame([r.cells() for r in self.rows], columns=list(PLAN_COLUMNS))

    def to_csv(self) -> str:
        out = io.StringIO()
        writer = csv.DictWriter(out, fieldnames=list(PLAN_COLUMNS), lineterminator="\r\n")
        writer.writeheader()
        for r in self.rows:
            writer.writerow(r.cells())
        return out.getvalue()


def save_plan(plan: Plan, path) -> Path:
    """Write ``plan`` as CSV (UTF-8 with BOM, for Excel) atomically; the path."""
    return write_text_atomic(Path(path), plan.to_csv(), encoding="utf-8-sig", newline="")


_DATE = re.compile(r"(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})(?:[ T]00:00(?::00)?)?")


def _date(value: str, fail) -> dt.date | None:
    """YYYY-MM-DD (also YYYY/M/D, as Excel may save it); None when empty."""
    value = value.strip()
    if not value:
        return None
    match = _DATE.fullmatch(value)
    try:
        if match is None:
            raise ValueError
        return dt.date(*map(int, match.groups()))
    except ValueError:
        fail(f"{value!r} is not a date (write YYYY-MM-DD)")


def _one(value: str, allowed, what: str, fail) -> str:
    value = value.strip()
    if value and value not in allowed:
        fail(f"{value!r} is not {what} (use one of: {', '.join(allowed)})")
    return value


def _many(value: str, allowed, what: str, fail) -> tuple[str, ...]:
    items = [v.strip() for v in value.replace(",", ";").replace(";", ";").split(";") if v.strip()]
    for item in items:
        if allowed is not None and item not in allowed:
            fail(f"{item!r} is not {what} (use one of: {', '.join(allowed)})")
    if len(set(items)) != len(items):
        fail(f"{sorted({i for i in items if items.count(i) > 1})[0]!r} is listed twice")
    return tuple(items)


def _holdings(case) -> tuple[set, dict]:
    held = case.tables["system_tables"]
    pairs = set(zip(held["system_id"].astype(str), held["table_name"].astype(str)))
    columns = {t: set(map(str, f.columns)) for t, f in case.tables.items()}
    return pairs, columns


def _parse(records, source: str, case=None) -> Plan:
    """records: (line, {column: text}) in file order."""
    bases = basis_ids()
    pairs, table_columns = _holdings(case) if case is not None else (None, None)
    systems = {p[0] for p in pairs} if pairs else None
    rows, seen = [], {}
    for line, rec in records:
        if not any((v or "").strip() for v in rec.values()):
            continue

        def cell(name):
            value = rec.get(name)
            return "" if value is None or (not isinstance(value, str) and pd.isna(value)) else str(value)

        def fail_in(name):
            def fail(problem):
                raise PlanFormatError(f"{source}:{line}: {name}: {problem}")
            return fail

        system_id, table = cell("system_id").strip(), cell("table").strip()
        if not system_id:
            fail_in("system_id")("is empty")
        if not table:
            fail_in("table")("is empty")
        if systems is not None and system_id not in systems:
            fail_in("system_id")(f"{system_id!r} is not a system of the case ({', '.join(sorted(systems))})")
        if pairs is not None and (system_id, table) not in pairs:
            held = sorted(t for s, t in pairs if s == system_id)
            fail_in("table")(f"{system_id} holds no table {table!r} (it holds {', '.join(held)})")
        if (system_id, table) in seen:
            fail_in("table")(f"{system_id}/{table} is already planned on line {seen[(system_id, table)]}")
        seen[(system_id, table)] = line
        columns = _many(cell("columns"), None, "a column", fail_in("columns"))
        if table_columns is not None and table in table_columns:
            stray = [c for c in columns if c not in table_columns[table]]
            if stray:
                fail_in("columns")(f"{table} has no column {stray[0]!r}")
        rows.append(PlanRow(
            system_id, table,
            action=_one(cell("action"), tuple(ACTIONS), "an action", fail_in("action")),
            until=_date(cell("until"), fail_in("until")),
            basis=_one(cell("basis"), bases, "a retention rule", fail_in("basis")),
            custodian=_one(cell("custodian"), tuple(CUSTODIANS), "a custodian", fail_in("custodian")),
            recipient=_one(cell("recipient"), tuple(RECIPIENTS), "a recipient", fail_in("recipient")),
            columns=columns,
            condition=_one(cell("condition"), tuple(CONDITIONS), "a condition", fail_in("condition")),
            method=_one(cell("method"), tuple(METHODS), "a method", fail_in("method")),
            by=_date(cell("by"), fail_in("by")),
            notify=_many(cell("notify"), tuple(NOTIFY), "someone the plan can notify", fail_in("notify")),
            note=cell("note").strip(), line=line))
    return Plan(rows, source)


def load_plan(path, case=None) -> Plan:
    """Read a plan CSV; with ``case``, systems, tables and columns must exist in it."""
    path = Path(path)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except OSError as exc:
        raise PlanFormatError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError as exc:
        line = path.read_bytes()[:exc.start].count(b"\n") + 1
        raise PlanFormatError(f"{path}:{line}: not UTF-8 text (save the CSV as UTF-8)") from None
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        header = next(reader)
    except StopIteration:
        raise PlanFormatError(f"{path}:1: header: the file is empty (first line: {', '.join(PLAN_COLUMNS)})") from None
    except csv.Error as exc:
        raise PlanFormatError(f"{path}:1: header: {exc}") from None
    header = [h.strip() for h in header]
    missing = [c for c in PLAN_COLUMNS if c not in header]
    if missing:
        raise PlanFormatError(f"{path}:1: header: no column {missing[0]!r} (the columns are {', '.join(PLAN_COLUMNS)})")
    unknown = [h for h in header if h not in PLAN_COLUMNS]
    if unknown:
        raise PlanFormatError(f"{path}:1: header: unknown column {unknown[0]!r} (the columns are {', '.join(PLAN_COLUMNS)})")
    records, start = [], reader.line_num + 1
    try:
        for cells in reader:
            if len(cells) > len(header) and any(c.strip() for c in cells[len(header):]):
                raise PlanFormatError(f"{path}:{start}: {header[-1]}: {len(cells)} cells, the header has "
                                      f"{len(header)} (a comma in a note needs quotes)")
            records.append((start, dict(zip(header, cells + [""] * (len(header) - len(cells))))))
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PlanFormatError(f"{path}:{start}: note: {exc}") from None
    return _parse(records, str(path), case)


def plan_from_frame(frame: pd.DataFrame, source: str = "<frame>", case=None) -> Plan:
    """A plan from a DataFrame with the file's columns (errors name the frame row as line 2, 3 …)."""
    missing = [c for c in PLAN_COLUMNS if c not in frame.columns and c != "note"]
    if missing:
        raise PlanFormatError(f"{source}:1: header: no column {missing[0]!r}")
    records = [(i + 2, {c: ("" if c not in frame.columns else frame[c].iloc[i]) for c in PLAN_COLUMNS})
               for i in range(len(frame))]
    records = [(n, {k: (v.isoformat() if isinstance(v, (dt.date, pd.Timestamp)) and not pd.isna(v) else v)
                    for k, v in rec.items()}) for n, rec in records]
    return _parse(records, source, case)


def starter_plan(case, filled: int = 0, facts=None) -> Plan:
    """A plan for the team to fill: one row per holding of the case, in the inventory's order, with
    no decision; the first ``filled`` rows taken from the kit's reference plan as worked examples."""
    from .reference import reference_plan

    ref = reference_plan(case, facts)
    rows = []
    for n, r in enumerate(ref.rows):
        rows.append(replace(r, line=0) if n < filled else PlanRow(r.system_id, r.table))
    return Plan(rows, "<starter>", {k: v for k, v in list(ref.why.items())[:filled]})
