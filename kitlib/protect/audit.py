"""Audit queries over an access log (PIPL Arts. 51, 54, 56): who exported what, what happened out of
hours, what went beyond a role, and a ranked list of anomalies to look into.

Every function takes a log frame with the generator's columns (``case.tables["access_log"]``) or
``AccessLog.to_frame()`` (the same columns and five more); events refused by ``guarded_view``
(outcome ``denied``) count as attempts: they touched no rows.

How ``find_anomalies`` decides (documented so a trainer can explain every alarm):

==================  ===========================================================================
kind                raised when
==================  ===========================================================================
departed_account    the account of an employee is used after the day in ``employees.left_on``
unknown_account     an account that is neither an employee nor a service account of the roles file
beyond_role         a table, or an action on a table, that the person's role does not allow
over_export_limit   an export above the role's ``export_limit`` for that table
outside_hours       a person's events on a Chinese non-working day (``chinese_calendar``: weekends
                    and public holidays; make-up working days count as working days) or outside
                    office hours on a working day; roles with ``office_hours_only = false``
                    (the nightly backup) are exempt
volume_export       an export of more than ``factor`` (5) times the normal export of both the
                    person and their department, and at least ``min_rows`` (100) rows.  Normal is
                    the median export size (robust: one huge export does not move it); a person
                    with fewer than 3 exports has no normal of their own, a department with
                    fewer than 3 has a normal of one row (its work is record by record)
volume_day          a day's rows in record-by-record work (view, search, update) above
                    ``day_factor`` (3) times the median day of both the person and their
                    department, and at least ``min_rows`` rows
burst               ``burst_events`` (30) or more record look-ups within ``burst_window`` (10
                    minutes), and more than ``factor`` times the department's usual busiest
                    10 minutes (the median over its people's working days)
==================  ===========================================================================

Severity: high for departed or unknown accounts, a table outside the role, an export or backup
beyond the role, an export over the limit, a volume export, a burst of 100 or more look-ups, a
day of 10 times the normal, and an export or a read of ``min_rows`` rows out of hours; medium for
other actions beyond the role, other bursts and volume days, and out-of-hours work on a
non-working day or of 5 events or more; low for a few events just outside office hours on a
working day, and for any finding whose events were all refused by ``guarded_view``.
"""
from __future__ import annotations

import datetime as dt
import warnings

import chinese_calendar
import numpy as np
import pandas as pd

from .access import TABLE_SYSTEMS, Roles, load_roles

__all__ = ["exports_by_person", "outside_hours", "beyond_role", "find_anomalies", "plant_incidents",
           "ANOMALY_COLUMNS"]

ANOMALY_COLUMNS = ["kind", "employee_id", "name", "role", "first_ts", "last_ts", "events", "rows", "evidence",
                   "severity", "log_ids"]
RECORD_ACTIONS = ("view", "search", "update")
_SEVERITY = {"high": 0, "medium": 1, "low": 2}


# -- shared helpers ---------------------------------------------------------------------------

def _roles(roles) -> Roles:
    return roles if isinstance(roles, Roles) else load_roles(roles)


def _prepare(log: pd.DataFrame) -> pd.DataFrame:
    """A copy with typed ts and rows, and a boolean ``denied`` column."""
    out = log.copy()
    out["ts"] = pd.to_datetime(out["ts"])
    out["rows"] = pd.to_numeric(out["rows"], errors="coerce").fillna(0).astype("int64")
    out["denied"] = (out["outcome"] == "denied").to_numpy() if "outcome" in out.columns else False
    return out


def _accounts(employees: pd.DataFrame, roles: Roles) -> pd.DataFrame:
    """Every account the roles know: employees (role matched by its Chinese name) and service accounts."""
    columns = ["employee_id", "name", "department", "role_id", "left_on"]
    staff = pd.DataFrame({"employee_id": employees["employee_id"], "name": employees["name"],
                          "department": employees["department"],
                          "role_id": employees["role"].map(roles.by_role_zh()),
                          "left_on": pd.to_datetime(employees["left_on"])})
    service = pd.DataFrame([(a, roles.roles[r].label_zh, roles.roles[r].department_zh, r, pd.NaT)
                            for a, r in roles.service_accounts.items()], columns=columns)
    both = pd.concat([staff[columns], service.astype({"left_on": "datetime64[s]"})], ignore_index=True)
    return both.drop_duplicates("employee_id").set_index("employee_id")


def _people(log: pd.DataFrame, employees: pd.DataFrame, roles: Roles) -> pd.DataFrame:
    """Per event: name, department, role id, left_on and whether the account is known."""
    accounts = _accounts(employees, roles)
    out = accounts.reindex(log["employee_id"]).set_axis(log.index)
    for col in ("name", "department", "role_id"):
        out[col] = out[col].astype(object).fillna("")
    out["known"] = log["employee_id"].isin(accounts.index)
    return out


def _calendar(dates: pd.Series) -> pd.DataFrame:
    """Per distinct date: working day or not (Chinese calendar) and what the day is."""
    days = pd.Series(pd.unique(dates.dropna()))
    info = [_day_info(d) for d in days]
    return pd.DataFrame(info, columns=["workday", "day_kind"], index=pd.Index(days, name="date"))


def _day_info(day: dt.date) -> tuple[bool, str]:
    try:
        workday = chinese_calendar.is_workday(day)
        _, holiday = chinese_calendar.get_holiday_detail(day)
    except NotImplementedError:   # a year the calendar does not cover: Monday to Friday
        warnings.warn(f"chinese_calendar has no data for {day.year}: counting Monday-Friday as working days",
                      stacklevel=3)
        workday, holiday = day.weekday() < 5, None
    if workday:
        return True, "make-up working day" if day.weekday() >= 5 else "working day"
    return False, f"public holiday ({holiday})" if holiday else day.strftime("%A")


def _minutes(text: str) -> int:
    hours, minutes = text.split(":")
    return int(hours) * 60 + int(minutes)


# -- queries ------------------------------------------------------------------------------------

def exports_by_person(log: pd.DataFrame, employees: pd.DataFrame) -> pd.DataFrame:
    """Who exported how many rows: one row per person and day, with the person's totals."""
    events = _prepare(log)
    events = events[(events["action"] == "export") & ~events["denied"]]
    events = events.assign(day=events["ts"].dt.date)
    per_day = (events.groupby(["employee_id", "day"], as_index=False)
               .agg(exports=("log_id", "size"), rows=("rows", "sum")))
    totals = per_day.groupby("employee_id")[["exports", "rows"]].transform("sum")
    per_day["total_exports"], per_day["total_rows"] = totals["exports"], totals["rows"]
    staff = employees.set_index("employee_id")[["name", "department", "role"]].astype(object)
    per_day = per_day.join(staff, on="employee_id").fillna({"name": "", "department": "", "role": ""})
    columns = ["employee_id", "name", "department", "role", "day", "exports", "rows", "total_exports", "total_rows"]
    return (per_day[columns].sort_values(["total_rows", "employee_id", "day"], ascending=[False, True, True])
            .reset_index(drop=True))


def outside_hours(log: pd.DataFrame, start: str = "08:30", end: str = "19:00") -> pd.DataFrame:
    """Events on Chinese non-working days, or before `start` / after `end` on working days (the
    minute of `end` itself is still office time), with ``workday`` and a ``why`` column."""
    events = _prepare(log)
    days = _calendar(events["ts"].dt.date)
    date = events["ts"].dt.date
    workday = date.map(days["workday"]).astype(bool)
    minute = events["ts"].dt.hour * 60 + events["ts"].dt.minute
    early, late = minute < _minutes(start), minute > _minutes(end)
    why = np.select([~workday, early, late],
                    ["non-working day: " + date.map(days["day_kind"]).astype(str),
                     f"working day, before {start}", f"working day, after {end}"], "")
    out = events.assign(workday=workday, why=why)
    return out[~workday | early | late].drop(columns="denied")


def beyond_role(log: pd.DataFrame, employees: pd.DataFrame, roles=None) -> pd.DataFrame:
    """Events a person's role does not allow, exports over the role's limit, and accounts of
    departed employees or of nobody still in use; one row per event and finding."""
    roles = _roles(roles)
    events = _prepare(log)
    events = events.join(_people(events, employees, roles))
    allowed = {f"{r.id}|{t}|{a}" for r in roles.roles.values() for t, p in r.tables.items() for a in p.actions}
    limits = {f"{r.id}|{t}": p.export_limit for r in roles.roles.values() for t, p in r.tables.items()}
    has_table = {f"{r.id}|{t}" for r in roles.roles.values() for t in r.tables}
    pair = events["role_id"] + "|" + events["table_name"]
    ok = (pair + "|" + events["action"]).isin(allowed)
    limit = pair.map(limits)
    day = events["ts"].dt.normalize()
    findings = {
        "unknown_account": (~events["known"], "account is neither an employee nor a service account"),
        "departed_account": (events["left_on"].notna() & (day > events["left_on"]),
                             "employee left on " + events["left_on"].dt.strftime("%Y-%m-%d").fillna("")),
        "beyond_role": (events["known"] & ~ok, np.select(
            [events["role_id"] == "", pair.isin(has_table)],
            ["the person's role is not in the roles file",
             "role " + events["role_id"] + " may not " + events["action"] + " table " + events["table_name"]],
            "role " + events["role_id"] + " has no access to table " + events["table_name"])),
        "over_export_limit": (ok & (events["action"] == "export") & (events["rows"] > limit),
                              "role " + events["role_id"] + " may export at most "
                              + limit.fillna(0).astype("int64").map("{:,}".format) + " rows of " + events["table_name"]),
    }
    parts = [events[mask].assign(finding=finding, detail=pd.Series(detail, index=events.index)[mask])
             for finding, (mask, detail) in findings.items()]
    out = pd.concat(parts).drop(columns=["denied", "known", "left_on"])
    return out.rename(columns={"role_id": "role_of_person"}).sort_values(["ts", "log_id"], kind="stable")


# -- anomalies ----------------------------------------------------------------------------------

def _anomaly(kind, group: pd.DataFrame, evidence: str, severity: str) -> dict:
    first = group.iloc[0]
    if group["denied"].all():
        severity = "low"
    return {"kind": kind, "employee_id": first["employee_id"], "name": first["name"], "role": first["role_id"],
            "first_ts": group["ts"].min(), "last_ts": group["ts"].max(), "events": len(group),
            "rows": int(group["rows"].sum()), "evidence": evidence, "severity": severity,
            "log_ids": group["log_id"].astype(str).tolist()}


def _span(group: pd.DataFrame) -> str:
    a, b = group["ts"].min(), group["ts"].max()
    if a.date() == b.date():
        return f"{a:%Y-%m-%d %H:%M}" + ("" if a.floor("min") == b.floor("min") else f"–{b:%H:%M}")
    return f"{a:%Y-%m-%d %H:%M} – {b:%Y-%m-%d %H:%M}"


def _who(group: pd.DataFrame) -> str:
    first = group.iloc[0]
    return f"{first['employee_id']} {first['name']} ({first['role_id'] or 'no role'})".replace("  ", " ")


def _denied_note(group: pd.DataFrame) -> str:
    n = int(group["denied"].sum())
    return f"; {n} of them refused" if n else ""


def _role_findings(log, employees, roles) -> list[dict]:
    found = beyond_role(log, employees, roles)
    if found.empty:
        return []
    found = found.rename(columns={"role_of_person": "role_id"})
    found["denied"] = (found["outcome"] == "denied") if "outcome" in found else False
    tables = {f"{r.id}|{t}" for r in roles.roles.values() for t in r.tables}
    found["table_known"] = (found["role_id"] + "|" + found["table_name"]).isin(tables)
    out = []
    for finding in ("departed_account", "unknown_account"):
        for _, g in found[found["finding"] == finding].groupby("employee_id", sort=False):
            tables = ", ".join(f"{a} {t} ×{n}" for (a, t), n in g.groupby(["action", "table_name"]).size().items())
            out.append(_anomaly(finding, g, f"{_who(g)}: {g['detail'].iloc[0]}, yet {len(g)} events "
                                f"({tables}; {g['rows'].sum():,} rows) {_span(g)}{_denied_note(g)}", "high"))
    for finding in ("beyond_role", "over_export_limit"):
        sel = found[found["finding"] == finding]
        for _, g in sel.groupby(["employee_id", "table_name", "action"], sort=False):
            high = finding == "over_export_limit" or not g["table_known"].iloc[0] or \
                g["action"].iloc[0] in ("export", "backup")
            largest = f", largest {g['rows'].max():,}" if finding == "over_export_limit" else ""
            out.append(_anomaly(finding, g, f"{_who(g)}: {g['detail'].iloc[0]}, yet {len(g)} "
                                f"{g['action'].iloc[0]} events ({g['rows'].sum():,} rows{largest}) "
                                f"{_span(g)}{_denied_note(g)}", "high" if high else "medium"))
    return out


def _hours_findings(events, roles, start, end, min_rows) -> list[dict]:
    exempt = [r.id for r in roles.roles.values() if not r.office_hours_only]
    late = outside_hours(events.drop(columns=["denied"]), start, end)
    late = events.loc[late.index].assign(why=late["why"])
    late = late[~late["role_id"].isin(exempt)]
    out = []
    for _, g in late.groupby(["employee_id", late["ts"].dt.date], sort=False):
        bulk = (g["action"] == "export").any() or g["rows"].max() >= min_rows
        severity = "high" if bulk else "medium" if (len(g) >= 5 or not g["why"].str.startswith("working").all()) else "low"
        actions = ", ".join(f"{a} {t} ×{n}" for (a, t), n in g.groupby(["action", "table_name"]).size().items())
        out.append(_anomaly("outside_hours", g, f"{_who(g)}: {len(g)} events ({actions}; {g['rows'].sum():,} rows) "
                            f"{_span(g)}, {g['why'].iloc[0]} (office hours {start}–{end})"
                            f"{_denied_note(g)}", severity))
    return out


def _median_by(frame: pd.DataFrame, key: str, value: str, least: int) -> pd.Series:
    """Median of `value` per `key`, only where there are at least `least` values."""
    grouped = frame.groupby(key)[value]
    med = grouped.median()
    return med[grouped.size() >= least]


def _export_findings(events, factor, min_rows) -> list[dict]:
    exports = events[(events["action"] == "export") & ~events["denied"]]
    if exports.empty:
        return []
    person = exports["employee_id"].map(_median_by(exports, "employee_id", "rows", 3))
    dept = exports["department"].map(_median_by(exports, "department", "rows", 3)).fillna(1.0)
    normal = np.fmax(person.fillna(0.0), dept)
    flagged = exports[(exports["rows"] > factor * normal) & (exports["rows"] >= min_rows)]
    out = []
    for i, row in flagged.iterrows():
        g = flagged.loc[[i]]
        mine = "no export history" if pd.isna(person[i]) else f"own median {person[i]:,.0f}"
        out.append(_anomaly("volume_export", g, f"{_who(g)}: exported {row['rows']:,} rows of {row['table_name']} "
                            f"{_span(g)}; normal {normal[i]:,.0f} ({mine}, {row['department'] or 'unknown'} "
                            f"median {dept[i]:,.0f}), {row['rows'] / normal[i]:,.1f}× (alarm above {factor:g}×)", "high"))
    return out


def _day_findings(events, day_factor, min_rows) -> list[dict]:
    work = events[events["action"].isin(RECORD_ACTIONS) & ~events["denied"]]
    if work.empty:
        return []
    days = (work.groupby(["employee_id", work["ts"].dt.date.rename("day")])
            .agg(rows=("rows", "sum"), department=("department", "first")).reset_index())
    person = days["employee_id"].map(days.groupby("employee_id")["rows"].median())
    dept = days["department"].map(days.groupby("department")["rows"].median())
    normal = np.fmax(person, dept)
    flagged = days[(days["rows"] > day_factor * normal) & (days["rows"] >= min_rows)]
    out = []
    for i, row in flagged.iterrows():
        g = work[(work["employee_id"] == row["employee_id"]) & (work["ts"].dt.date == row["day"])]
        ratio = row["rows"] / normal[i]
        out.append(_anomaly("volume_day", g, f"{_who(g)}: {row['rows']:,} rows in {len(g)} look-ups on {row['day']}; "
                            f"normal day {normal[i]:,.0f} (own median {person[i]:,.0f}, department median "
                            f"{dept[i]:,.0f}), {ratio:,.1f}× (alarm above {day_factor:g}×)",
                            "high" if ratio >= 10 else "medium"))
    return out


def _window_counts(work: pd.DataFrame, window: pd.Timedelta) -> tuple[np.ndarray, np.ndarray]:
    """For each event (sorted by person, time): events of that person in the window ending at it,
    and the position where that window starts."""
    code = pd.factorize(work["employee_id"])[0].astype(np.int64)
    secs = work["ts"].to_numpy("datetime64[s]").astype(np.int64)
    key = code * 10**11 + (secs - secs.min())          # people far apart on one time axis
    width = int(window.total_seconds())
    left = np.searchsorted(key, key - width + 1, side="left")
    return np.arange(len(key)) - left + 1, left


def _burst_findings(events, burst_events, window, factor) -> list[dict]:
    work = events[events["action"].isin(RECORD_ACTIONS) & ~events["denied"]]
    work = work.sort_values(["employee_id", "ts"], kind="stable")
    if work.empty:
        return []
    window = pd.Timedelta(window)
    count, left = _window_counts(work, window)
    peaks = (work.assign(count=count).groupby(["employee_id", work["ts"].dt.date])
             .agg(peak=("count", "max"), department=("department", "first")))
    usual = peaks.groupby("department")["peak"].median()
    threshold = np.fmax(burst_events, factor * work["department"].map(usual).fillna(1).to_numpy() + 1)
    ends = np.flatnonzero(count >= threshold)
    if len(ends) == 0:
        return []
    mark = np.zeros(len(work) + 1, dtype=np.int64)   # every event inside a window that crossed the threshold
    np.add.at(mark, left[ends], 1)
    np.add.at(mark, ends + 1, -1)
    inside = np.cumsum(mark)[:-1] > 0
    hits = work[inside]
    gap = hits["ts"].diff() > window
    episode = (gap | (hits["employee_id"] != hits["employee_id"].shift())).cumsum()
    out = []
    for _, g in hits.groupby(episode, sort=False):
        minutes = (g["ts"].max() - g["ts"].min()).total_seconds() / 60
        records = g["record_id"].nunique()
        dept_usual = usual.get(g["department"].iloc[0], 1)
        out.append(_anomaly("burst", g, f"{_who(g)}: {len(g)} look-ups of {records} distinct records "
                            f"({', '.join(g['table_name'].unique())}) in {minutes:.1f} minutes, {_span(g)}; "
                            f"department's usual busiest {window.total_seconds() / 60:g} minutes: "
                            f"{dept_usual:g} events", "high" if len(g) >= 100 else "medium"))
    return out


def find_anomalies(log: pd.DataFrame, employees: pd.DataFrame, roles=None, *, start: str = "08:30",
                   end: str = "19:00", factor: float = 5.0, day_factor: float = 3.0, min_rows: int = 100,
                   burst_events: int = 30, burst_window: str = "10min") -> pd.DataFrame:
    """Every anomaly worth a look, most severe first (see the module's table for the rules)."""
    roles = _roles(roles)
    events = _prepare(log)
    events = events.join(_people(events, employees, roles))
    found = (_role_findings(log, employees, roles)
             + _hours_findings(events, roles, start, end, min_rows)
             + _export_findings(events, factor, min_rows)
             + _day_findings(events, day_factor, min_rows)
             + _burst_findings(events, burst_events, burst_window, factor))
    frame = pd.DataFrame(found, columns=ANOMALY_COLUMNS)
    if frame.empty:
        return frame.astype({"events": "int64", "rows": "int64", "first_ts": "datetime64[s]",
                             "last_ts": "datetime64[s]"})
    order = frame["severity"].map(_SEVERITY)
    return frame.assign(_o=order).sort_values(["_o", "first_ts", "kind"], kind="stable").drop(columns="_o") \
        .reset_index(drop=True)


# -- planted incidents for exercises and drills -------------------------------------------------

def plant_incidents(case, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A copy of the case's access log with realistic incidents inserted, and the truth about them.

    Incidents (each skipped when the case has nobody to play it, e.g. no employee has left):
    a departed employee's account exporting the customers table at 02:13 on a Sunday; a
    customer-service agent (if all have left: a dispatcher or a sales rep) exporting 4,000+
    customer rows at 21:40; a marketing specialist reading tickets; a sales representative
    viewing hundreds of customers in a few minutes; a system administrator browsing customer
    records on a public holiday (a weekend if the log has none).  New log ids continue the
    log's numbering; the log stays in time order.  Same case and seed, same result.

    truth: one row per incident: incident (INC01 ...), kind (the find_anomalies kind that must
    catch it), employee_id, log_ids, description_zh, description_en.
    """
    rng = np.random.default_rng(seed)
    log = case.tables["access_log"]
    ctx = _Context(case, rng)
    planted = [p for p in (_departed_export(ctx), _night_export(ctx), _tickets_read(ctx), _burst_views(ctx),
                           _holiday_browse(ctx)) if p is not None]
    next_id = int(log["log_id"].str[2:].astype("int64").max()) + 1
    prefix, width = log["log_id"].iloc[0][:2], len(log["log_id"].iloc[0]) - 2
    frames, truth = [], []
    for number, (kind, frame, zh, en) in enumerate(planted, start=1):
        ids = [f"{prefix}{i:0{width}d}" for i in range(next_id, next_id + len(frame))]
        next_id += len(frame)
        frames.append(frame.assign(log_id=ids))
        truth.append({"incident": f"INC{number:02d}", "kind": kind, "employee_id": frame["employee_id"].iloc[0],
                      "log_ids": ids, "description_zh": zh, "description_en": en})
    out = pd.concat([log] + [f[log.columns] for f in frames], ignore_index=True)
    out = out.sort_values("ts", kind="stable").reset_index(drop=True)
    for col in log.columns:
        out[col] = out[col].astype(log[col].dtype)
    columns = ["incident", "kind", "employee_id", "log_ids", "description_zh", "description_en"]
    return out, pd.DataFrame(truth, columns=columns)


class _Context:
    """What the incident builders share: the case, the random stream, the log's days."""

    def __init__(self, case, rng):
        self.case, self.rng = case, rng
        self.log = case.tables["access_log"]
        self.staff = case.tables["employees"]
        days = pd.to_datetime(self.log["ts"]).dt.normalize()
        self.workdays = sorted(days[self.log["employee_id"] != "svc-backup"].unique())
        span = pd.date_range(days.min(), days.max(), freq="D")
        info = {d: _day_info(d.date()) for d in span}
        self.offdays = [d for d in span if not info[d][0]]
        self.holidays = [d for d in self.offdays if info[d][1].startswith("public holiday") and d.weekday() < 5]
        self.customers = case.tables["customers"]["customer_id"].to_numpy(dtype=object)

    def pick(self, items):
        return items[int(self.rng.integers(0, len(items)))]

    def active(self, role_zh: str) -> list[str]:
        s = self.staff
        return sorted(s.loc[(s["role"] == role_zh) & s["left_on"].isna(), "employee_id"])

    def ip_of(self, employee_id: str) -> str:
        ips = self.log.loc[self.log["employee_id"] == employee_id, "client_ip"]
        return ips.mode().iloc[0] if len(ips) else f"10.31.0.{int(self.rng.integers(100, 250))}"

    def at(self, day, hh: int, mm: int, spread_s: int = 60) -> pd.Timestamp:
        return pd.Timestamp(day) + pd.Timedelta(hours=hh, minutes=mm, seconds=int(self.rng.integers(0, spread_s)))

    def events(self, employee_id, ts, action, table, rows, record_ids=None, ip=None) -> pd.DataFrame:
        n = len(ts)
        return pd.DataFrame({"ts": pd.to_datetime(ts), "employee_id": employee_id,
                             "system_id": TABLE_SYSTEMS[table], "action": action, "table_name": table,
                             "record_id": record_ids if record_ids is not None else [None] * n,
                             "rows": np.broadcast_to(np.asarray(rows, dtype=np.int64), (n,)),
                             "client_ip": ip or self.ip_of(employee_id)})

    def name(self, employee_id: str) -> str:
        return self.staff.set_index("employee_id").at[employee_id, "name"]


def _departed_export(ctx: _Context):
    sundays = [d for d in ctx.offdays if d.weekday() == 6]
    gone = ctx.staff[ctx.staff["left_on"].notna()]
    pairs = [(e, d) for e, left in zip(gone["employee_id"], gone["left_on"]) for d in sundays if d > left]
    if not pairs:
        return None
    who, day = ctx.pick(pairs)
    left = ctx.staff.set_index("employee_id").at[who, "left_on"]
    ts = ctx.at(day, 2, 13)
    n = len(ctx.customers)
    ip = f"10.8.0.{int(ctx.rng.integers(20, 240))}"
    frame = ctx.events(who, [ts], "export", "customers", n, ip=ip)
    return ("departed_account", frame,
            f"已于{left:%Y-%m-%d}离职的{ctx.name(who)}({who})的账号在{ts:%Y-%m-%d}(星期日){ts:%H:%M}从VPN地址{ip}导出了客户表全部{n:,}行。",
            f"The account of {ctx.name(who)} ({who}), who left on {left:%Y-%m-%d}, exported all {n:,} rows of the "
            f"customers table at {ts:%H:%M} on Sunday {ts:%Y-%m-%d} from VPN address {ip}.")


_NO_EXPORT_ROLES = (("客服专员", "customer-service agent"), ("配送调度", "delivery dispatcher"),
                    ("销售代表", "sales representative"))


def _night_export(ctx: _Context):
    # A customer-service agent; when every agent has left, a dispatcher or a sales rep (no export either).
    staffed = [(zh, en, ctx.active(zh)) for zh, en in _NO_EXPORT_ROLES if ctx.active(zh)]
    if not staffed:
        return None
    role_zh, role_en, people = staffed[0]
    who, day = ctx.pick(people), ctx.pick(ctx.workdays)
    ts = ctx.at(day, 21, 40)
    n = min(int(ctx.rng.integers(4000, 4600)), len(ctx.customers))
    frame = ctx.events(who, [ts], "export", "customers", n)
    return ("volume_export", frame,
            f"{role_zh}{ctx.name(who)}({who})在{ts:%Y-%m-%d} {ts:%H:%M}导出了{n:,}行客户数据:该岗位无导出权限,且在下班时间。",
            f"{role_en[0].upper() + role_en[1:]} {ctx.name(who)} ({who}) exported {n:,} customer rows at {ts:%H:%M} "
            f"on {ts:%Y-%m-%d}: the role may not export, and it was after office hours.")


def _tickets_read(ctx: _Context):
    people = ctx.active("市场专员")
    if not people:
        return None
    who, day = ctx.pick(people), ctx.pick(ctx.workdays)
    n = int(ctx.rng.integers(8, 16))
    start = ctx.at(day, 14, int(ctx.rng.integers(0, 30)))
    ts = start + pd.to_timedelta(np.cumsum(ctx.rng.integers(60, 600, n)), unit="s")
    tickets = ctx.case.tables["tickets"]["customer_id"].to_numpy(dtype=object)
    records = tickets[ctx.rng.integers(0, len(tickets), n)]
    frame = ctx.events(who, ts, "view", "tickets", 1, records)
    return ("beyond_role", frame,
            f"市场专员{ctx.name(who)}({who})在{day:%Y-%m-%d}下午查看了{n}张客服工单(工单正文可能含敏感个人信息),超出岗位权限。",
            f"Marketing specialist {ctx.name(who)} ({who}) read {n} customer-service tickets (whose text may hold "
            f"sensitive information) on the afternoon of {day:%Y-%m-%d}: beyond the role.")


def _burst_views(ctx: _Context):
    reps = ctx.active("销售代表")
    if not reps:
        return None
    who, day = ctx.pick(reps), ctx.pick(ctx.workdays)
    n = min(int(ctx.rng.integers(200, 400)), len(ctx.customers))
    start = ctx.at(day, 10, int(ctx.rng.integers(0, 50)))
    ts = start + pd.to_timedelta(np.cumsum(ctx.rng.uniform(0.5, 1.5, n)), unit="s").floor("s")
    records = ctx.customers[ctx.rng.permutation(len(ctx.customers))[:n]]
    frame = ctx.events(who, ts, "view", "customers", 1, records)
    minutes = (ts.max() - ts.min()).total_seconds() / 60
    return ("burst", frame,
            f"销售代表{ctx.name(who)}({who})在{day:%Y-%m-%d} {start:%H:%M}起约{minutes:.0f}分钟内逐条查看了{len(frame)}位客户的资料,疑似批量抓取。",
            f"Sales representative {ctx.name(who)} ({who}) viewed {len(frame)} customers one by one in about "
            f"{minutes:.0f} minutes from {start:%H:%M} on {day:%Y-%m-%d}: looks like scraping.")


def _holiday_browse(ctx: _Context):
    admins = ctx.active("系统管理员")
    days = ctx.holidays or ctx.offdays
    if not admins or not days:
        return None
    who, day = ctx.pick(admins), ctx.pick(days)
    n = int(ctx.rng.integers(20, 31))
    start = ctx.at(day, 10, int(ctx.rng.integers(0, 30)))
    ts = start + pd.to_timedelta(np.cumsum(ctx.rng.integers(60, 200, n)), unit="s")
    records = ctx.customers[ctx.rng.integers(0, len(ctx.customers), n)]
    frame = ctx.events(who, ts, "view", "customers", 1, records)
    kind_zh = "法定节假日" if ctx.holidays else "休息日"
    return ("outside_hours", frame,
            f"系统管理员{ctx.name(who)}({who})在{day:%Y-%m-%d}({kind_zh})上午查看了{n}位客户的资料,没有对应的运维工单。",
            f"System administrator {ctx.name(who)} ({who}) viewed {n} customers' records on the morning of "
            f"{day:%Y-%m-%d} ({'a public holiday' if ctx.holidays else 'a rest day'}) with no maintenance ticket.")
