"""The retention planner (module 03): the schedule (``kitlib.lifecycle.schedule``, read by
``load_schedule()`` from ``data/retention.toml`` or a trainer's copy) applied to the data.

``plan_retention(case)`` turns the schedule and the data into a plan, computed a column at a time
(50,000 customers, about 410,000 records, in 1-2 seconds on two cores):

* ``plan.columns``  one row per (table, column): the rule, the action (keep_until, delete_by,
  restrict_then_delete, hand_over), the date, the legal basis and why, in zh and en;
* ``plan.records``  one row per record of the tables the schedule dates (customers, accounts,
  orders, consents, tickets, access_log, employees): its key, its action and date, and why;
* ``plan.duties``   every (record, rule) pair behind the records (an invoiced order has two);
* ``plan.conflicts`` deletion requests against retention duties, legal holds that stop a
  deletion, records covered by several rules — each explained.

How a record's action is decided (first that applies):

1. a legal hold running on the plan's day that outlasts the record's own date → keep_until the
   hold's end (empty while it is open);
2. a deletion request while a retention duty runs → restrict_then_delete at the end of the period
   (PIPL Art. 47: only storage and necessary security measures meanwhile);
3. a duty that outlives the company (dissolution) → hand_over at deregistration;
4. a running duty, a period not yet started, or a relationship that goes on → keep_until;
5. otherwise → delete_by: the end of the grace period after the purpose ended (capped by the
   deregistration at dissolution), the request deadline, or the end of an expired period.

A row several rules cover keeps the one that lasts longest and names the others (``also``).

The plan is pure: it reads, computes and returns; acting on it (destroying, restricting, handing
over) is other code's job, and that code records itself in the ledger.

    >>> from kitlib.synth import generate
    >>> plan = plan_retention(generate(customers=300, seed=3, scenario="relocation"))
    >>> plan.columns.set_index(["table", "column"]).loc[("orders", "invoice_no"), "rule"]
    'tax_records'
    >>> set(plan.records["action"]) <= set(ACTIONS)
    True
"""
from __future__ import annotations

import datetime as dt
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .schedule import (ACTIONS, RELATIONSHIP_END, LegalHold, PlanError, RetentionRule,
                       RetentionSchedule, ScheduleSettings, load_holds, load_schedule)

__all__ = ["RetentionPlan", "plan_retention"]


# -- dates, a column at a time ----------------------------------------------------------------------

NAT = np.datetime64("NaT", "D")


def _day(value) -> np.datetime64:
    if value is None or (not isinstance(value, str) and pd.isna(value)):
        return NAT
    return np.datetime64(pd.Timestamp(value).date(), "D")


def _days(series: pd.Series, where: str) -> np.ndarray:
    """The column as datetime64[D]; PlanError naming the first value that is not a date."""
    if isinstance(series.dtype, pd.DatetimeTZDtype):
        series = series.dt.tz_localize(None)
    if pd.api.types.is_datetime64_any_dtype(series.dtype):
        return series.to_numpy(dtype="datetime64[D]")
    parsed = pd.to_datetime(series, errors="coerce", format="mixed")
    present = series.notna() & (series.astype("string").str.strip() != "").fillna(False)
    bad = np.flatnonzero((parsed.isna() & present).to_numpy())
    if len(bad):
        raise PlanError(f"{where} row {bad[0]}: {series.iloc[bad[0]]!r} is not a date")
    return parsed.to_numpy(dtype="datetime64[D]")


def _add_period(days: np.ndarray, years: int = 0, months: int = 0, extra_days: int = 0) -> np.ndarray:
    """days + a calendar period (the 31st of a shorter month becomes its last day); NaT stays NaT."""
    out = np.full(days.shape, NAT)
    ok = ~np.isnat(days)
    d = days[ok]
    month = d.astype("datetime64[M]")
    offset = (d - month.astype("datetime64[D]")).astype(np.int64)
    target = month + (years * 12 + months)
    length = ((target + 1).astype("datetime64[D]") - target.astype("datetime64[D]")).astype(np.int64)
    out[ok] = target.astype("datetime64[D]") + np.minimum(offset, length - 1) + extra_days
    return out


def _fiscal_year_end(days: np.ndarray, month: int, day: int) -> np.ndarray:
    """The last day of the fiscal year each date falls in (fiscal years end on month-day)."""
    out = np.full(days.shape, NAT)
    ok = ~np.isnat(days)
    year = days[ok].astype("datetime64[Y]")
    this_end = (year.astype("datetime64[M]") + (month - 1)).astype("datetime64[D]") + (day - 1)
    next_end = ((year + 1).astype("datetime64[M]") + (month - 1)).astype("datetime64[D]") + (day - 1)
    out[ok] = np.where(days[ok] <= this_end, this_end, next_end)
    return out


def _working_days_after(days: np.ndarray, n: int) -> np.ndarray:
    """The n-th Chinese working day after each date (chinese_calendar; Monday-Friday outside its years)."""
    import chinese_calendar

    out = np.full(days.shape, NAT)
    for value in np.unique(days[~np.isnat(days)]):
        start = value.astype(dt.date)
        try:
            found = np.datetime64(chinese_calendar.find_workday(n, start), "D")
        except NotImplementedError:
            warnings.warn(f"chinese_calendar has no data for {start.year}: counting Monday-Friday as working days",
                          stacklevel=3)
            found = np.busday_offset(value, n, roll="forward")
        out[days == value] = found
    return out


def _ts(days: np.ndarray) -> np.ndarray:
    return days.astype("datetime64[ns]")


def _maxdate(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(np.isnat(a), b, np.where(np.isnat(b) | (a >= b), a, b))


def _mindate(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    return np.where(np.isnat(a), b, np.where(np.isnat(b) | (a <= b), a, b))


# -- the planner ------------------------------------------------------------------------------------

# Status of a (record, rule) pair, and why a record gets its action.
_PURPOSE, _FIXED, _OPEN, _OPEN_PURPOSE, _PERMANENT = 0, 1, 2, 3, 4
_STATUS_NAMES = {_PURPOSE: "purpose_ended", _FIXED: "fixed", _OPEN: "open", _OPEN_PURPOSE: "open",
                 _PERMANENT: "permanent"}
(_R_HOLD, _R_RESTRICT, _R_HAND, _R_KEEP, _R_KEEP_OPEN, _R_KEEP_PERM, _R_ACTIVE, _R_DEL_PURPOSE, _R_DEL_SERVICE,
 _R_DEL_REQUEST, _R_DEL_EXPIRED) = range(11)
_FILLED_REQUEST, _FILLED_SCENARIO = 1, 2


@dataclass(frozen=True)
class _Context:
    schedule: RetentionSchedule
    scenario: str
    today: np.datetime64
    service_end: np.datetime64
    deregistration: np.datetime64
    successor: str

    @property
    def dissolution(self) -> bool:
        return self.scenario == "dissolution"


def _unpack(case_or_tables):
    if hasattr(case_or_tables, "tables") and isinstance(getattr(case_or_tables, "tables"), dict):
        return dict(case_or_tables.tables), getattr(case_or_tables, "catalogue", None)
    if isinstance(case_or_tables, Mapping):
        for name, frame in case_or_tables.items():
            if not isinstance(frame, pd.DataFrame):
                raise PlanError(f"tables[{name!r}] must be a DataFrame, got {type(frame).__name__}")
        return dict(case_or_tables), None
    raise PlanError(f"plan_retention needs a generated Case or a dict of tables, got {type(case_or_tables).__name__}")


def _context(tables: dict, schedule: RetentionSchedule, today) -> _Context:
    company = tables.get("company")
    if company is None or company.empty:
        raise PlanError("tables: no company table; the planner needs its scenario and dates")
    row = company.iloc[0]
    for column in ("scenario", "data_cutoff", "address_cancelled_on"):
        if column not in company.columns:
            raise PlanError(f"company: no column {column!r}")
    scenario = str(row["scenario"])
    if scenario not in ("relocation", "dissolution"):
        raise PlanError(f"company.scenario: {scenario!r} is not relocation or dissolution")
    cancelled = _days(company["address_cancelled_on"].iloc[:1], "company.address_cancelled_on")[0]
    service_end = dereg = NAT
    if scenario == "dissolution":
        dereg = cancelled
        service_end = cancelled
        timeline = tables.get("timeline")
        if timeline is not None and {"step", "date"} <= set(timeline.columns):
            steps = timeline[timeline["step"] == "service_end"]
            if len(steps):
                service_end = _days(steps["date"].iloc[:1], "timeline.date")[0]
        if np.isnat(dereg):
            raise PlanError("company.address_cancelled_on: a dissolution needs the deregistration date")
    if today is None:
        day = _days(company["data_cutoff"].iloc[:1], "company.data_cutoff")[0]
    else:
        try:
            day = _day(today)
        except (ValueError, TypeError):
            raise PlanError(f"today: {today!r} is not a date") from None
    if np.isnat(day):
        raise PlanError("today: no date (give today= or a company.data_cutoff)")
    successor = str(row.get("successor", "") or "") if "successor" in company.columns else ""
    return _Context(schedule, scenario, day, service_end, dereg, "" if successor == "nan" else successor)


def _column_frame(inventory, catalogue, tables) -> pd.DataFrame:
    source = inventory if inventory is not None else catalogue
    if source is None:
        rows = [(t, str(c)) for t, f in tables.items() for c in f.columns]
        return pd.DataFrame(rows, columns=["table", "column"])
    if not isinstance(source, pd.DataFrame) or not {"table", "column"} <= set(source.columns):
        raise PlanError("inventory: must be a DataFrame with table and column (an inventory or the case catalogue)")
    keep = [c for c in ("table", "column", "retention_basis", "kind", "personal") if c in source.columns]
    return source[keep].drop_duplicates(["table", "column"]).reset_index(drop=True)


def _assign_rules(columns: pd.DataFrame, schedule: RetentionSchedule) -> pd.DataFrame:
    """Each column's rule: covers_columns, then covers_tables, covers_basis, covers_kinds, default."""
    levels = {"column": {}, "table": {}, "basis": {}, "kind": {}}
    for rule in schedule.rules:
        for c in rule.covers_columns:
            levels["column"][tuple(c.split("."))] = rule.id
        for t in rule.covers_tables:
            levels["table"][t] = rule.id
        for b in rule.covers_basis:
            levels["basis"][b] = rule.id
        for k in rule.covers_kinds:
            levels["kind"][k] = rule.id
    out = []
    for rec in columns.to_dict("records"):
        table, column = str(rec["table"]), str(rec["column"])
        found = [("column", levels["column"].get((table, column))), ("table", levels["table"].get(table)),
                 ("basis", levels["basis"].get(rec.get("retention_basis"))), ("kind", levels["kind"].get(rec.get("kind")))]
        found = [(how, rid) for how, rid in found if rid]
        rule, how = (found[0][1], found[0][0]) if found else (schedule.settings.default_rule, "default")
        also = sorted({rid for _, rid in found[1:] if rid != rule})
        out.append({"table": table, "column": column, "rule": rule, "matched_by": how, "also_rules": ";".join(also)})
    return pd.DataFrame(out, columns=["table", "column", "rule", "matched_by", "also_rules"])


def _requests(requests, known: pd.Index | None) -> tuple[pd.Series, list[str]]:
    """customer id → the earliest deletion request's day; notes about what was left out."""
    if requests is None:
        return pd.Series(dtype="datetime64[ns]"), []
    if not isinstance(requests, pd.DataFrame):
        try:
            requests = pd.DataFrame(list(requests))
        except (TypeError, ValueError):
            raise PlanError("requests: must be a DataFrame (customer_id, received_on, kind)") from None
    for column in ("customer_id", "received_on", "kind"):
        if column not in requests.columns:
            raise PlanError(f"requests: no column {column!r} (needs customer_id, received_on, kind)")
    blank = requests["customer_id"].isna() | (requests["customer_id"].astype("string").str.strip() == "")
    if blank.any():
        raise PlanError(f"requests row {int(np.flatnonzero(blank.to_numpy())[0])}: customer_id is empty")
    days = _days(requests["received_on"], "requests.received_on")
    if np.isnat(days).any():
        raise PlanError(f"requests row {int(np.flatnonzero(np.isnat(days))[0])}: received_on is empty")
    deletion = (requests["kind"].astype("string").str.strip().str.lower() == "deletion").fillna(False).to_numpy()
    notes = []
    if (~deletion).any():
        notes.append(f"{int((~deletion).sum())} request(s) of another kind than deletion left to the requests module")
    frame = pd.DataFrame({"customer_id": requests["customer_id"].astype(str).to_numpy()[deletion],
                          "received_on": _ts(days[deletion])})
    first = frame.groupby("customer_id")["received_on"].min()
    if known is not None:
        unknown = sorted(first.index[~first.index.isin(known)])
        if unknown:
            notes.append(f"{len(unknown)} deletion request(s) for customer numbers not in the data: {', '.join(unknown[:5])}")
    return first, notes


def _relationship_end(tables: dict, settings: ScheduleSettings) -> pd.Series | None:
    """customer id → the day the whole relationship ended (NaT: a contract is still open)."""
    frame = tables.get(settings.relationship_table)
    if frame is None or settings.relationship_end_column not in frame.columns or "customer_id" not in frame.columns:
        return None
    where = f"{settings.relationship_table}.{settings.relationship_end_column}"
    closed = pd.Series(_ts(_days(frame[settings.relationship_end_column], where)), index=frame.index)
    customer = frame["customer_id"].astype(str)
    still_open = closed.isna().groupby(customer).any()
    last = closed.groupby(customer).max()
    last[still_open] = pd.NaT
    return last


@dataclass
class _TableResult:
    records: pd.DataFrame
    duties: pd.DataFrame
    stats: dict          # rule id -> per-rule facts for the column plan


def _present_mask(frame: pd.DataFrame, columns: list[str]) -> np.ndarray:
    """Rows where at least one of ``columns`` holds something (blank text counts as empty)."""
    present = np.zeros(len(frame), dtype=bool)
    for column in columns:
        s = frame[column]
        ok = s.notna().to_numpy(dtype=bool)
        if s.dtype == object or pd.api.types.is_string_dtype(s.dtype):
            ok = ok & (s.astype("string").str.strip() != "").fillna(False).to_numpy(dtype=bool)
        present |= ok
        if present.all():
            break
    return present


def _plan_table(table: str, frame: pd.DataFrame, rule_columns: dict[str, list[str]], ctx: _Context,
                relationship: pd.Series | None, requested: pd.Series, holds: tuple[LegalHold, ...]) -> _TableResult | None:
    sched, settings = ctx.schedule, ctx.schedule.settings
    # Records are planned for the tables some rule dates (an anchor); a rule started by the
    # deregistration needs no anchor and joins them.
    if frame.empty or not any(table in sched.rule(rid).anchors for rid in rule_columns):
        return None
    evaluable = [(sched.rule(rid), cols) for rid, cols in rule_columns.items()
                 if sched.rule(rid).trigger == "deregistration_date" or table in sched.rule(rid).anchors]
    n = len(frame)
    id_column = settings.id_columns.get(table, str(frame.columns[0]))
    if id_column not in frame.columns:
        raise PlanError(f"settings.id_columns: table {table} has no column {id_column!r}")
    row_id = _text(frame[id_column])
    cust_column = settings.customer_columns.get(table, "customer_id")
    has_customer = cust_column in frame.columns
    customer = _text(frame[cust_column]) if has_customer else pd.Series(np.full(n, np.nan), dtype="str")
    by_customer = _lookup(customer)
    req_day = by_customer(requested)
    has_request = ~np.isnat(req_day)
    grace = np.timedelta64(settings.grace_days, "D")

    k = len(evaluable)
    rank = np.full((n, k), -1, dtype=np.int64)
    status = np.zeros((n, k), dtype=np.int8)
    start = np.full((n, k), NAT)
    end = np.full((n, k), NAT)
    filled = np.zeros((n, k), dtype=np.int8)
    duties, stats = [], {}
    for j, (rule, cols) in enumerate(evaluable):
        applies = _present_mask(frame, cols)
        if rule.trigger == "deregistration_date":
            s = np.full(n, ctx.deregistration)
            fill = np.zeros(n, dtype=np.int8)
        else:
            anchor = rule.anchors[table]
            if anchor == RELATIONSHIP_END:
                if relationship is None:
                    raise PlanError(f"rule '{rule.id}' anchors {table} on {RELATIONSHIP_END}, but table "
                                    f"{settings.relationship_table} with {settings.relationship_end_column} is missing")
                if not has_customer:
                    raise PlanError(f"rule '{rule.id}' anchors {table} on {RELATIONSHIP_END}, but {table} has no {cust_column}")
                s = by_customer(relationship)
            else:
                if anchor not in frame.columns:
                    raise PlanError(f"rule '{rule.id}' anchors {table} on {anchor!r}, which {table} does not have")
                s = _days(frame[anchor], f"{table}.{anchor}")
            fill = np.zeros(n, dtype=np.int8)
            open_rows = np.isnat(s)
            by_request = open_rows & has_request
            s = np.where(by_request, req_day, s)
            fill[by_request] = _FILLED_REQUEST
            if ctx.dissolution:
                until = ctx.service_end if rule.open_until == "service_end" else ctx.deregistration
                by_scenario = np.isnat(s)
                s = np.where(by_scenario, until, s)
                fill[by_scenario] = _FILLED_SCENARIO
            if rule.trigger == "end_of_fiscal_year":
                s = _fiscal_year_end(s, *settings.fiscal_year_end)
        is_open = np.isnat(s)
        p = rule.period
        if p.kind == "fixed":
            e = _add_period(s, p.years, p.months, p.days)
            st = np.where(is_open, _OPEN, _FIXED).astype(np.int8)
        elif p.kind == "permanent":
            e = np.full(n, NAT)
            st = np.full(n, _PERMANENT, dtype=np.int8)
        else:
            e = np.full(n, NAT)
            st = np.where(is_open, _OPEN_PURPOSE, _PURPOSE).astype(np.int8)
        # Which rule a row keeps: permanent > open (period not started) > open relationship >
        # a running duty (latest end) > the rest by the day they may go (a duty wins a tie).
        keep_day = np.where(st == _FIXED, e, s + grace).astype("datetime64[D]")
        day_num = np.where(np.isnat(keep_day), 0, keep_day.astype(np.int64) + 1_000_000) * 2 + (st == _FIXED)
        class_key = np.select([st == _PERMANENT, st == _OPEN, st == _OPEN_PURPOSE, (st == _FIXED) & (e > ctx.today)],
                              [5, 4, 3, 2], 1)
        rank[:, j] = np.where(applies, class_key * 10_000_000 + day_num, -1)
        status[:, j], start[:, j], end[:, j], filled[:, j] = st, s, e, fill
        rows = np.flatnonzero(applies)
        purpose_del = s[rows] + grace
        stats[rule.id] = {
            "rows": len(rows), "open": int(np.isin(st[rows], (_OPEN, _OPEN_PURPOSE)).sum()),
            "last_end": _last(e[rows]),
            "last_purpose_delete": _last(purpose_del[st[rows] == _PURPOSE]),
            "permanent": bool((st[rows] == _PERMANENT).any()),
        }
        duties.append(pd.DataFrame({
            "table": _categorical(np.zeros(len(rows)), [table]), "row_id": row_id.take(rows).reset_index(drop=True),
            "customer_id": customer.take(rows).reset_index(drop=True), "rule": _categorical(np.zeros(len(rows)), [rule.id]),
            "status": _categorical(st[rows], [_STATUS_NAMES[c] for c in range(5)]),
            "start": _ts(s[rows]), "keep_until": _ts(e[rows])}))

    covered = rank.max(axis=1) >= 0
    win = rank.argmax(axis=1)
    pick = np.arange(n)
    w_status, w_start, w_end = status[pick, win], start[pick, win], end[pick, win]
    w_filled = filled[pick, win]
    applies_bits = (rank >= 0).astype(np.int64) << np.arange(k, dtype=np.int64)
    also_mask = applies_bits.sum(axis=1) & ~(np.int64(1) << win.astype(np.int64))

    # legal holds covering each row: earliest start, latest end (open: no end)
    hold_bits = np.zeros(n, dtype=np.int64)
    hold_from = np.full(n, NAT)
    hold_until = np.full(n, NAT)
    hold_open = np.zeros(n, dtype=bool)
    for h, hold in enumerate(holds):
        if hold.tables and table not in hold.tables:
            continue
        mask = np.ones(n, dtype=bool) if not hold.customers else customer.isin(list(hold.customers)).to_numpy(dtype=bool)
        if not mask.any():
            continue
        hold_bits[mask] |= np.int64(1) << h
        hold_from[mask] = _mindate(hold_from[mask], np.full(mask.sum(), _day(hold.start)))
        if hold.end is None:
            hold_open[mask] = True
        else:
            hold_until[mask] = _maxdate(hold_until[mask], np.full(mask.sum(), _day(hold.end)))
    hold_until[hold_open] = NAT

    today = ctx.today
    fixed_running = (w_status == _FIXED) & (w_end > today)
    duty = fixed_running | (w_status == _PERMANENT) | (w_status == _OPEN)
    active = w_status == _OPEN_PURPOSE
    req_deadline = _working_days_after(req_day, settings.request_working_days) if has_request.any() else np.full(n, NAT)
    purpose_del = w_start + grace
    by_request = has_request & (w_status == _PURPOSE) & ~np.isnat(req_deadline) & (req_deadline < purpose_del)
    purpose_del = np.where(by_request, req_deadline, purpose_del)
    if ctx.dissolution:
        purpose_del = _mindate(purpose_del, np.full(n, ctx.deregistration))
    base_delete = np.where(w_status == _PURPOSE, purpose_del, np.where(w_status == _FIXED, w_end, NAT))
    held_today = (hold_bits != 0) & (hold_from <= today) & (hold_open | (hold_until >= today))
    hold_decides = held_today & ~active & ~np.isin(w_status, (_PERMANENT, _OPEN)) & \
        (~fixed_running | hold_open | (hold_until > w_end))
    restrict = duty & has_request
    outlives = (w_status == _PERMANENT) | (~np.isnat(w_end) & (w_end > ctx.deregistration)) if ctx.dissolution \
        else np.zeros(n, dtype=bool)
    hand = duty & outlives
    conditions = [hold_decides, restrict & ~hold_decides, hand, duty | active]
    action = np.select(conditions, [0, 2, 3, 0], 1)
    reason = np.select(
        conditions + [w_status == _FIXED, by_request, w_filled == _FILLED_SCENARIO],
        [_R_HOLD, _R_RESTRICT, _R_HAND,
         np.select([active, w_status == _PERMANENT, w_status == _OPEN], [_R_ACTIVE, _R_KEEP_PERM, _R_KEEP_OPEN], _R_KEEP),
         _R_DEL_EXPIRED, _R_DEL_REQUEST, _R_DEL_SERVICE], _R_DEL_PURPOSE)
    date = np.select([hold_decides, action == 2, action == 3, action == 0, action == 1],
                     [hold_until, w_end, np.full(n, ctx.deregistration), w_end, base_delete], NAT).astype("datetime64[D]")
    delete_on = np.select([hold_decides, action == 3, action == 1], [
        np.where(hold_open, NAT, _maxdate(hold_until, base_delete)), np.full(n, NAT), base_delete], w_end
    ).astype("datetime64[D]")
    outlived = ~np.isnat(delete_on) & (delete_on > ctx.deregistration) if ctx.dissolution else np.zeros(n, dtype=bool)
    hand_over_on = np.where(ctx.dissolution & ((action == 3) | ((action != 1) & (outlived | (hold_decides & hold_open) | outlives))),
                            ctx.deregistration, NAT)

    rule_ids = [r.id for r, _ in evaluable]
    why_zh, why_en = _why(table, evaluable, win, reason, also_mask, hold_bits, holds, ctx)
    hold_names = _bit_names(hold_bits, [h.id for h in holds])
    also_names = _bit_names(also_mask, rule_ids)
    keep = np.flatnonzero(covered)
    records = pd.DataFrame({
        "table": _categorical(np.zeros(len(keep)), [table]),
        "row_id": row_id.take(keep).reset_index(drop=True), "customer_id": customer.take(keep).reset_index(drop=True),
        "rule": _categorical(win[keep], rule_ids), "also": also_names[keep],
        "action": _categorical(action[keep], list(ACTIONS)),
        "date": _ts(date[keep]), "keep_until": _ts(w_end[keep]), "delete_on": _ts(delete_on[keep]),
        "hand_over_on": _ts(hand_over_on[keep]), "held_by": hold_names[keep], "hold_from": _ts(hold_from[keep]),
        "hold_until": _ts(hold_until[keep]), "restricted": restrict[keep],
        "reason": _categorical(reason[keep], list(_REASON_NAMES)), "why_zh": why_zh[keep], "why_en": why_en[keep],
    })
    return _TableResult(records, _concat(duties), stats)


def _text(series: pd.Series) -> pd.Series:
    """The column as text, kept in its (Arrow) string array when it is one already."""
    series = series.reset_index(drop=True)
    return series if pd.api.types.is_string_dtype(series.dtype) and series.dtype != object else series.astype("str")


def _lookup(keys: pd.Series):
    """A function mapping a Series indexed by customer number onto ``keys`` (datetime64[D], NaT when absent)."""
    codes, uniques = pd.factorize(keys)

    def by_customer(mapping: pd.Series | None) -> np.ndarray:
        out = np.full(len(codes), NAT)
        if mapping is None or not len(mapping) or not len(uniques):
            return out
        values = mapping.reindex(pd.Index(uniques).astype(mapping.index.dtype)).to_numpy(dtype="datetime64[D]")
        found = codes >= 0
        out[found] = values[codes[found]]
        return out
    return by_customer


def _concat(frames: list[pd.DataFrame]) -> pd.DataFrame:
    """pd.concat that keeps categorical columns categorical (their categories united)."""
    if len(frames) == 1:
        return frames[0]
    out = {}
    for column in frames[0].columns:
        parts = [f[column] for f in frames]
        if all(isinstance(p.dtype, pd.CategoricalDtype) for p in parts):
            labels = pd.Index(pd.unique(np.concatenate([np.asarray(p.cat.categories, dtype=object) for p in parts])),
                              dtype=object)
            codes = [np.append(labels.get_indexer(p.cat.categories), -1)[p.cat.codes.to_numpy()] for p in parts]
            out[column] = pd.Series(pd.Categorical.from_codes(np.concatenate(codes), labels))
        else:
            out[column] = pd.concat(parts, ignore_index=True)
    return pd.DataFrame(out)


def _last(days: np.ndarray) -> np.datetime64:
    days = days[~np.isnat(days)]
    return days.max() if len(days) else NAT


def _categorical(codes: np.ndarray, labels: list[str]) -> pd.Categorical:
    """labels[codes] as a categorical, without building one Python string per row."""
    label_codes, uniques = pd.factorize(pd.Index(labels, dtype=object))
    return pd.Categorical.from_codes(label_codes[np.asarray(codes, dtype=np.int64)], uniques)


def _bit_names(bits: np.ndarray, names: list[str]) -> pd.Categorical:
    """Each row's set bits as ``name;name``."""
    codes, inverse = np.unique(bits, return_inverse=True)
    labels = [";".join(name for i, name in enumerate(names) if int(code) >> i & 1) for code in codes]
    return _categorical(inverse.reshape(-1), labels)


def _custodian(rule: RetentionRule, ctx: _Context, lang: str) -> str:
    if rule.hand_over_to == "successor" and ctx.successor:
        return (f"承继方{ctx.successor},由其继续履行个人信息保护义务(《个人信息保护法》第22条;《网络数据安全管理条例》第14条)"
                if lang != "en" else
                f"the successor, {ctx.successor}, which continues the company's duties (PIPL Art. 22; "
                f"Network Data Security Management Regulations Art. 14)")
    return ("国家档案规定指定的保管机构(《档案法》第16条;《会计档案管理办法》:终止单位的档案按国家档案规定处置)"
            if lang != "en" else
            "the custodian national archive rules designate (Archives Law Art. 16; Accounting Archives Measures: "
            "archives of a unit that terminates are disposed of under national archive rules)")


def _reason_text(code: int, rule: RetentionRule, table: str, ctx: _Context, lang: str, holds_text: str) -> str:
    sched = ctx.schedule
    base = sched.summary(rule, lang, rule.anchors.get(table))
    grace = sched.settings.grace_days
    days = sched.settings.request_working_days
    zh = lang != "en"
    if code == _R_HOLD:
        return (f"法律保全{holds_text}:保全解除前不得删除,解除后按保存规则处理({base})。是否保全由公司决定以保存证据;"
                f"法律参考中《个人信息保护法》没有关于保全的条文(可比较GDPR第17条第3款(e)项的法律主张例外,S)。") if zh else \
            (f"Legal hold {holds_text}: nothing it covers is deleted until it is lifted; then the schedule applies ({base}). "
             f"Preserving evidence is the company's decision; the kit's legal reference has no PIPL article on holds (compare the legal-claims "
             f"exception of GDPR Art. 17(3)(e), S).")
    if code == _R_RESTRICT:
        later = ""
        if ctx.dissolution:
            later = (f"公司注销时期限仍未届满的,在限制处理状态下移交给{_custodian(rule, ctx, lang)}。" if zh else
                     f" If the period outlives the company, the record is handed over, still restricted, at deregistration "
                     f"to {_custodian(rule, ctx, lang)}.")
        return (f"客户已要求删除,但保存义务尚未届满({base}):限制处理(《个人信息保护法》第47条:停止除存储和采取必要的安全保护措施"
                f"之外的处理),加密保存,期限届满后删除。{later}") if zh else \
            (f"The customer asked for deletion, but a retention duty still runs ({base}): restrict processing (PIPL Art. 47: "
             f"stop all processing except storage and necessary security measures), keep it encrypted, delete at the end of "
             f"the period.{later}")
    if code == _R_HAND:
        return (f"{base}。公司在保存期限届满前注销,注销时移交给{_custodian(rule, ctx, lang)}。") if zh else \
            (f"{base}. The company is deregistered before the period ends, so at deregistration it hands the records "
             f"over to {_custodian(rule, ctx, lang)}.")
    if code == _R_KEEP:
        return f"{base}。" if zh else f"{base}."
    if code == _R_KEEP_OPEN:
        return (f"{base}。客户关系仍在继续(迁址:法人主体存续,服务继续),期限尚未开始计算。") if zh else \
            (f"{base}. The relationship goes on (relocation: the legal person continues, and so does the service), so "
             f"the period has not started.")
    if code == _R_KEEP_PERM:
        return f"{base}。" if zh else f"{base}."
    if code == _R_ACTIVE:
        return (f"{base}。关系仍在继续(迁址:法人主体存续,客户服务和雇佣继续):在需要期间保存,关系结束后删除。" if zh else
                f"{base}. The relationship goes on (relocation: the legal person continues, and so do the service and "
                f"the employment): keep it while needed and delete it when the relationship ends.")
    if code == _R_DEL_PURPOSE:
        return (f"{base}。没有保存义务,目的已随关系结束而实现:在宽限期({grace}天,公司政策)内删除。" if zh else
                f"{base}. No duty to keep it, and its purpose ended with the relationship: delete it within the grace "
                f"period ({grace} days, company policy).")
    if code == _R_DEL_SERVICE and rule.open_until == "deregistration":
        return (f"{base}。没有保存义务,关系随公司注销而结束:最迟在注销前删除(《个人信息保护法》第47条)。" if zh else
                f"{base}. No duty to keep it, and the relationship ends when the company is deregistered: delete it by "
                f"deregistration at the latest (PIPL Art. 47).")
    if code == _R_DEL_SERVICE:
        return (f"{base}。没有保存义务,公司停止提供服务(《个人信息保护法》第47条:停止提供产品或者服务):在宽限期({grace}天,公司政策)内、"
                f"最迟在注销前删除。") if zh else \
            (f"{base}. No duty to keep it, and the company stops providing the service (PIPL Art. 47: stops providing "
             f"the product or service): delete it within the grace period ({grace} days, company policy) and before "
             f"deregistration.")
    if code == _R_DEL_REQUEST:
        return (f"{base}。客户已要求删除,且没有保存义务:在公司承诺的期限({days}个工作日,公司承诺;法律没有规定天数)内删除"
                f"(《个人信息保护法》第47条)。") if zh else \
            (f"{base}. The customer asked for deletion and nothing requires keeping it: delete it within the company's "
             f"deadline ({days} working days, the company's own commitment; PIPL sets no number of days) (PIPL Art. 47).")
    return (f"保存期限已届满({base}):删除(《个人信息保护法》第47条:保存期限已届满)。") if zh else \
        (f"The retention period has ended ({base}): delete it (PIPL Art. 47: the retention period has expired).")


def _why(table, evaluable, win, reason, also_mask, hold_bits, holds, ctx):
    """why_zh, why_en as categoricals: one text per distinct (rule, reason, overlaps, holds)."""
    k = len(evaluable)
    hold_codes, hold_inverse = np.unique(np.where(reason == _R_HOLD, hold_bits, 0), return_inverse=True)
    key = ((win.astype(np.int64) * 16 + reason) << k | also_mask) * len(hold_codes) + hold_inverse.reshape(-1)
    codes, inverse = np.unique(key, return_inverse=True)
    out = {"zh": [], "en": []}
    for code in codes:
        code = int(code)
        h = code % len(hold_codes)
        rest = code // len(hold_codes)
        also = rest & ((1 << k) - 1)
        rule_index, r = divmod(rest >> k, 16)
        rule = evaluable[rule_index][0]
        bits = int(hold_codes[h])
        for lang in ("zh", "en"):
            held = [hold.text(lang) for i, hold in enumerate(holds) if bits >> i & 1]
            text = _reason_text(r, rule, table, ctx, lang, ", ".join(held) if lang == "en" else "、".join(held))
            others = [evaluable[i][0] for i in range(k) if also >> i & 1]
            if others:
                listed = [f"{o.name(lang)}({o.period.text(lang)})" if lang == "zh" else f"{o.name(lang)} ({o.period.text(lang)})"
                          for o in others]
                text += (f"该记录同时适用:{'、'.join(listed)};按最长的保存义务执行。" if lang == "zh" else
                         f" Also covered by: {', '.join(listed)}; the longest duty applies.")
            out[lang].append(text)
    inverse = inverse.reshape(-1)
    return _categorical(inverse, out["zh"]), _categorical(inverse, out["en"])


_RECORD_COLUMNS = ["table", "row_id", "customer_id", "rule", "also", "action", "date", "keep_until", "delete_on",
                   "hand_over_on", "held_by", "hold_from", "hold_until", "restricted", "reason", "why_zh", "why_en"]
_REASON_NAMES = ("hold", "restrict", "hand_over", "keep_duty", "keep_open", "keep_permanent", "keep_active",
                 "delete_purpose", "delete_service_end", "delete_request", "delete_expired")


# -- the plan -----------------------------------------------------------------------------------------

@dataclass(frozen=True)
class RetentionPlan:
    """What to keep, until when, and why; what to delete, by when; who must restrict or hand over.

    columns    table, column, rule, matched_by, also_rules, action, date, rows, rows_open, period,
               basis_zh, basis_en, certainty, why_zh, why_en, note_zh, note_en
    records    table, row_id, customer_id, rule, also, action, date, keep_until, delete_on,
               hand_over_on, held_by, hold_from, hold_until, restricted, reason, why_zh, why_en
               (``date`` is the action's date; ``delete_on`` when the record is to be deleted, empty
               while unknown or when a custodian deletes it; empty dates mean "not yet fixed")
    duties     every (record, rule) pair: table, row_id, customer_id, rule, status, start, keep_until
    conflicts  kind (request_vs_retention, hold_overrides_deletion, overlapping_rules), table,
               customer_id, rule, other, rows, until, explanation_zh, explanation_en
    """
    columns: pd.DataFrame
    records: pd.DataFrame
    duties: pd.DataFrame
    conflicts: pd.DataFrame
    scenario: str
    today: pd.Timestamp
    service_end: pd.Timestamp
    deregistration: pd.Timestamp
    notes: tuple[tuple[str, str], ...] = ()
    schedule: RetentionSchedule | None = field(default=None, repr=False)

    def summary(self) -> pd.DataFrame:
        """Records per table and action, with totals."""
        counts = pd.crosstab(self.records["table"].astype(str), self.records["action"].astype(str))
        counts = counts.reindex(columns=list(ACTIONS), fill_value=0)
        counts["total"] = counts.sum(axis=1)
        counts.loc["total"] = counts.sum(axis=0)
        counts.index.name, counts.columns.name = "table", "action"
        return counts

    def due_for_deletion(self, on=None) -> pd.DataFrame:
        """Records whose deletion date has passed on ``on`` (default: the plan's day) and that no
        hold covers then: table, row_id, customer_id, rule, delete_on."""
        day = self.today if on is None else pd.Timestamp(_day(on))
        r = self.records
        held = r["hold_from"].notna() & (r["hold_from"] <= day) & (r["hold_until"].isna() | (r["hold_until"] >= day))
        due = r["delete_on"].notna() & (r["delete_on"] <= day) & ~held
        return r.loc[due, ["table", "row_id", "customer_id", "rule", "delete_on"]].reset_index(drop=True)

    def retained_for(self, customer_ids, lang: str = "en") -> dict[str, str]:
        """The tables in which some of ``customer_ids``' records must stay (not ``delete_by``), each
        with the reason: what a destruction must leave alone (``DestructionJob(retained=...)``)."""
        r = self.records
        kept = r[r["customer_id"].isin(set(customer_ids)) & (r["action"] != "delete_by")]
        column = "why_en" if lang == "en" else "why_zh"
        return {str(table): str(group[column].iloc[0]) for table, group in kept.groupby("table", observed=True)}

    def kept_items(self, customer_ids) -> dict[str, list[dict]]:
        """What stays of each customer after their deletion, as the customer letters take it
        (``kitlib.reports.generate_letters(details={"kept": ...})``): per customer id, one item per
        rule with its name, basis (a U rule's basis is worded as company policy) and last day."""
        r = self.records
        kept = r[r["customer_id"].isin(set(customer_ids)) & (r["action"] != "delete_by") & r["keep_until"].notna()]
        out: dict[str, list[dict]] = {}
        for (cid, rule_id), group in kept.groupby(["customer_id", "rule"], observed=True, sort=True):
            rule = self.schedule.rule(rule_id)
            basis = ({"zh": rule.basis_zh, "en": rule.basis_en} if rule.certainty == "U" else
                     {"zh": self.schedule.cite(rule.basis, "zh"), "en": self.schedule.cite(rule.basis, "en")})
            out.setdefault(str(cid), []).append({"item": {"zh": rule.name_zh, "en": rule.name_en}, "basis": basis,
                                                 "until": group["keep_until"].max().date()})
        return out

    def for_customer(self, customer_id: str) -> pd.DataFrame:
        """Every record of one customer, with its action and why."""
        return self.records[self.records["customer_id"] == customer_id].reset_index(drop=True)

    def note_texts(self, lang: str = "en") -> list[str]:
        return [en if lang == "en" else zh for zh, en in self.notes]


def plan_retention(case_or_tables, schedule=None, *, inventory=None, today=None, requests=None,
                   holds=None) -> RetentionPlan:
    """The retention plan of a generated Case (or a dict of tables with a company table).

    schedule: a RetentionSchedule, a path to a schedule TOML, or None for the kit's own.
    inventory: the column list to plan — an inventory frame (``kitlib.classify.inventory``) or the
        case catalogue; default: the Case's catalogue, or every column of the tables.
    today: the day the plan is made (default: the company's data_cutoff).
    requests: a frame customer_id, received_on, kind; kind "deletion" is planned here.
    holds: legal holds (LegalHold objects, dicts, a frame or a TOML file with [[hold]]), added to
        the schedule's own.
    """
    sched = schedule if isinstance(schedule, RetentionSchedule) else load_schedule(schedule)
    tables, catalogue = _unpack(case_or_tables)
    ctx = _context(tables, sched, today)
    assigned = _assign_rules(_column_frame(inventory, catalogue, tables), sched)
    customers = tables.get("customers")
    known = pd.Index(customers["customer_id"]) if customers is not None and "customer_id" in customers else None
    requested, request_notes = _requests(requests, known)
    all_holds = tuple(sched.holds) + load_holds(holds)
    ids = [h.id for h in all_holds]
    if len(set(ids)) != len(ids):
        raise PlanError(f"holds: duplicate hold id {next(i for i in ids if ids.count(i) > 1)!r}")
    if len(all_holds) > 62:
        raise PlanError(f"holds: {len(all_holds)} holds; the planner takes at most 62 at a time")
    relationship = _relationship_end(tables, sched.settings)

    results, notes = {}, [_scenario_note(ctx)] + [(n, n) for n in request_notes]
    for table, group in assigned.groupby("table", sort=False):
        frame = tables.get(table)
        if frame is None:
            continue
        rule_columns: dict[str, list[str]] = {}
        for rec in group.itertuples(index=False):
            if rec.column in frame.columns:
                rule_columns.setdefault(rec.rule, []).append(rec.column)
        result = _plan_table(table, frame, rule_columns, ctx, relationship, requested, all_holds)
        if result is not None:
            results[table] = result
            undated = [rid for rid in rule_columns if rid not in result.stats]
            notes += [(f"{table}:规则 {rid} 没有为该表指定日期列(anchors),这些列只在列级计划中出现。",
                       f"{table}: rule {rid} has no anchor for this table, so its columns are planned per column only.")
                      for rid in undated]

    records = _concat([r.records for r in results.values()]) if results else _empty_records()
    duties = _concat([r.duties for r in results.values()]) if results else \
        pd.DataFrame(columns=["table", "row_id", "customer_id", "rule", "status", "start", "keep_until"])
    stats = {(t, rid): s for t, r in results.items() for rid, s in r.stats.items()}
    columns = _column_plan(assigned, stats, ctx)
    conflicts = _conflicts(records, requested, ctx)
    return RetentionPlan(columns, records, duties, conflicts, ctx.scenario, pd.Timestamp(ctx.today),
                         pd.Timestamp(ctx.service_end), pd.Timestamp(ctx.deregistration), tuple(notes), sched)


def _empty_records() -> pd.DataFrame:
    frame = pd.DataFrame({c: pd.Series(dtype="str") for c in ("row_id", "customer_id")})
    for c in ("table", "rule", "also", "action", "held_by", "reason", "why_zh", "why_en"):
        frame[c] = pd.Series(dtype="category")
    for c in ("date", "keep_until", "delete_on", "hand_over_on", "hold_from", "hold_until"):
        frame[c] = pd.Series(dtype="datetime64[ns]")
    frame["restricted"] = pd.Series(dtype=bool)
    return frame[_RECORD_COLUMNS]


def _fmt(day) -> str:
    return "" if day is None or pd.isna(day) else str(pd.Timestamp(day).date())


def _scenario_note(ctx: _Context) -> tuple[str, str]:
    if ctx.dissolution:
        return (f"解散:{_fmt(ctx.service_end)}停止提供服务(《个人信息保护法》第47条:停止提供产品或者服务),没有保存义务的个人信息都要删除,"
                f"最迟在{_fmt(ctx.deregistration)}注销前完成;保存期限长于公司存续期的记录在注销时移交(《档案法》第16条;承继方见第22条)。",
                f"Dissolution: the service ends on {_fmt(ctx.service_end)} (PIPL Art. 47: the handler stops providing the "
                f"product or service), so everything without a retention duty is deleted, at the latest by deregistration on "
                f"{_fmt(ctx.deregistration)}; records whose period outlives the company are handed over at deregistration "
                f"(Archives Law Art. 16; the successor under PIPL Art. 22).")
    return ("迁址:法人主体存续(不适用《个人信息保护法》第22条的转移),在册客户的服务继续,其信息在关系存续期间保存;"
            "须告知客户新的地址和联系方式(第17条)。",
            "Relocation: the legal person continues (no PIPL Art. 22 transfer); active customers continue and their "
            "information is kept while the relationship lasts; customers must be told the new address and contact (PIPL Art. 17).")


def _column_plan(assigned: pd.DataFrame, stats: dict, ctx: _Context) -> pd.DataFrame:
    sched = ctx.schedule
    today, dereg = ctx.today, ctx.deregistration
    rows = []
    for rec in assigned.itertuples(index=False):
        rule = sched.rule(rec.rule)
        st = stats.get((rec.table, rule.id))
        n_rows, n_open = (st["rows"], st["open"]) if st else (0, 0)
        kind = rule.period.kind
        if kind == "none":
            last = st["last_purpose_delete"] if st else NAT
            if ctx.dissolution and not np.isnat(last):
                last = min(last, dereg)
            action, date, code = ("keep_until", NAT, "active") if n_open else ("delete_by", last, "delete")
        elif kind == "permanent":
            action, date, code = ("hand_over", dereg, "hand_over") if ctx.dissolution else ("keep_until", NAT, "permanent")
        else:
            last = st["last_end"] if st else NAT
            if n_open or (st is None and not ctx.dissolution):
                action, date, code = "keep_until", NAT, "open" if n_open else "undated"
            elif ctx.dissolution and (np.isnat(last) or last > dereg):
                action, date, code = "hand_over", dereg, "hand_over"
            elif not np.isnat(last) and last <= today:
                action, date, code = "delete_by", last, "expired"
            elif ctx.dissolution:
                action, date, code = "restrict_then_delete", last, "restrict"
            else:
                action, date, code = "keep_until", last, "keep"
        texts = {lang: _column_why(code, rule, rec.table, date, ctx, lang) for lang in ("zh", "en")}
        rows.append({
            "table": rec.table, "column": rec.column, "rule": rule.id, "matched_by": rec.matched_by,
            "also_rules": rec.also_rules, "action": action, "date": pd.Timestamp(date) if not np.isnat(date) else pd.NaT,
            "rows": n_rows, "rows_open": n_open, "period": rule.period.text("en"),
            "basis_zh": sched.cite(rule.basis, "zh"), "basis_en": sched.cite(rule.basis, "en"),
            "certainty": rule.certainty, "why_zh": texts["zh"], "why_en": texts["en"],
            "note_zh": rule.note_zh, "note_en": rule.note_en,
        })
    frame = pd.DataFrame(rows, columns=["table", "column", "rule", "matched_by", "also_rules", "action", "date", "rows",
                                        "rows_open", "period", "basis_zh", "basis_en", "certainty", "why_zh", "why_en",
                                        "note_zh", "note_en"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def _column_why(code: str, rule: RetentionRule, table: str, date, ctx: _Context, lang: str) -> str:
    base = ctx.schedule.summary(rule, lang, rule.anchors.get(table))
    day, grace = _fmt(date), ctx.schedule.settings.grace_days
    if lang == "en":
        return base + {
            "active": f". Open relationships: kept while they last; each record is deleted within {grace} days "
                      f"(company policy) after its relationship ends.",
            "delete": f". No duty to keep it: every record is deleted by {day}." if day else ". No duty to keep it.",
            "hand_over": f". The company is deregistered on {_fmt(ctx.deregistration)}, before the period ends: hand the "
                         f"records over to {_custodian(rule, ctx, lang)}.",
            "permanent": ".",
            "open": ". Some relationships are still open: their periods have not started.",
            "undated": ". No rows to date here: the period runs per record.",
            "expired": f". Every record's period has ended (the last on {day}): delete (PIPL Art. 47).",
            "restrict": f". The service has stopped but the period runs until {day}: restrict processing (PIPL Art. 47: "
                        f"only storage and necessary security measures), then delete.",
            "keep": f". Keep until {day} (the last record's period).",
        }[code]
    return base + {
        "active": f"。关系存续期间保存;每条记录在其关系结束后{grace}天内(公司政策)删除。",
        "delete": f"。没有保存义务:所有记录在{day}前删除。" if day else "。没有保存义务。",
        "hand_over": f"。公司于{_fmt(ctx.deregistration)}注销,早于期限届满:移交给{_custodian(rule, ctx, lang)}。",
        "permanent": "。",
        "open": "。部分客户关系尚未结束,其保存期限尚未开始计算。",
        "undated": "。这里没有可计算日期的记录:期限按每条记录计算。",
        "expired": f"。所有记录的保存期限均已届满(最后一条于{day}):删除(第47条)。",
        "restrict": f"。服务已停止,但保存期限到{day}才届满:限制处理(第47条:仅存储和采取必要的安全保护措施),届满后删除。",
        "keep": f"。保存至{day}(最后一条记录的期限)。",
    }[code]


def _conflicts(records: pd.DataFrame, requested: pd.Series, ctx: _Context) -> pd.DataFrame:
    """Requests against duties, holds against deletions, rows under several rules: one row per group."""
    sched = ctx.schedule
    out = []
    restricted = records.loc[records["restricted"], ["customer_id", "table", "rule", "keep_until"]]
    if len(restricted):
        g = restricted.groupby(["customer_id", "table", "rule"], observed=True, sort=True)["keep_until"] \
            .agg(["size", "max"]).reset_index()
        for customer, table, rid, rows, until in g.itertuples(index=False):
            rule = sched.rule(rid)
            received = _fmt(requested.get(customer))
            until_zh, until_en = (_fmt(until), _fmt(until)) if pd.notna(until) else ("规则规定的期限", "the end of the period")
            out.append({"kind": "request_vs_retention", "table": table, "customer_id": customer, "rule": rid, "other": "",
                        "rows": rows, "until": until,
                        "explanation_zh": f"客户于{received}要求删除,但{rows}条{table}记录仍须按“{rule.name_zh}”保存至{until_zh}"
                                          f"({sched.cite(rule.basis, 'zh')}):限制处理(《个人信息保护法》第47条:停止除存储和采取必要的"
                                          f"安全保护措施之外的处理),加密保存,期满后删除。",
                        "explanation_en": f"Deletion requested on {received}, but {rows} {table} record(s) must be kept under "
                                          f"'{rule.name_en}' until {until_en} ({sched.cite(rule.basis, 'en')}): restrict "
                                          f"processing (PIPL Art. 47: stop all processing except storage and necessary security "
                                          f"measures), keep them encrypted, delete at the end of the period."})
    held = records.loc[records["reason"] == "hold", ["held_by", "table", "customer_id", "hold_until"]]
    if len(held):
        held = held.assign(open=held["hold_until"].isna())
        g = held.groupby(["held_by", "table", "customer_id"], observed=True, sort=True, dropna=False) \
            .agg(rows=("open", "size"), open=("open", "any"), until=("hold_until", "max")).reset_index()
        for hold_ids, table, customer, rows, is_open, until in g.itertuples(index=False):
            until = pd.NaT if is_open else until
            until_zh, until_en = (_fmt(until), _fmt(until)) if pd.notna(until) else ("保全解除", "the hold is lifted")
            out.append({"kind": "hold_overrides_deletion", "table": table, "customer_id": customer, "rule": "",
                        "other": hold_ids, "rows": rows, "until": until,
                        "explanation_zh": f"法律保全{hold_ids}:{rows}条{table}记录本应删除,保全期间保留至{until_zh};"
                                          f"保全解除后按保存规则处理。",
                        "explanation_en": f"Legal hold {hold_ids}: {rows} {table} record(s) that would otherwise be deleted "
                                          f"are kept until {until_en}; afterwards the schedule applies again."})
    overlap = records.loc[records["also"] != "", ["table", "rule", "also", "keep_until"]]
    if len(overlap):
        g = overlap.groupby(["table", "rule", "also"], observed=True, sort=True)["keep_until"].agg(["size", "max"]).reset_index()
        for table, rid, also, rows, until in g.itertuples(index=False):
            rule = sched.rule(rid)
            others = [sched.rule(o) for o in str(also).split(";")]
            out.append({"kind": "overlapping_rules", "table": table, "customer_id": "", "rule": rid, "other": also,
                        "rows": rows, "until": until,
                        "explanation_zh": f"{rows}条{table}记录同时适用“{rule.name_zh}”({rule.period.text('zh')})和"
                                          f"{'、'.join('“' + o.name_zh + '”(' + o.period.text('zh') + ')' for o in others)}:"
                                          f"整条记录按最长的义务“{rule.name_zh}”保存;只由其他规则覆盖的字段可在各自期限届满后删除。",
                        "explanation_en": f"{rows} {table} record(s) are covered by '{rule.name_en}' ({rule.period.text('en')}) "
                                          f"and {', '.join(repr(o.name_en) + ' (' + o.period.text('en') + ')' for o in others)}: "
                                          f"the record is kept for the longest duty, '{rule.name_en}'; the fields only the "
                                          f"other rules cover may go when their own periods end."})
    frame = pd.DataFrame(out, columns=["kind", "table", "customer_id", "rule", "other", "rows", "until",
                                       "explanation_zh", "explanation_en"])
    frame["until"] = pd.to_datetime(frame["until"])
    for column in ("table", "rule", "other", "customer_id"):
        frame[column] = frame[column].fillna("").astype(str)
    return frame
