"""Training records: the progress store's completions joined to the case's employees, as the
evidence for PIPL Art. 51 ("regular staff training").

Which modules each department completes, how often (every 12 months) and the grace for new staff
are company policy (``data/programme.toml``): PIPL Art. 51 sets no interval.

``training_records(employees, store, today=...)`` returns :class:`TrainingRecords`:
``by_employee`` (one row per employee in service), ``by_department`` (coverage), ``overdue``.
A learner is matched to an employee by ``learners`` ({learner: employee_id}) or, by default, when
the learner name is the employee id.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pandas as pd

from ..dates import to_date
from .programme import ComplianceError, Programme, load_programme

__all__ = ["TrainingRecords", "training_records", "STATUS"]

STATUS = {"current": ("在有效期内", "current"), "due": ("新员工,宽限期内", "new staff, within the grace period"),
          "overdue": ("逾期", "overdue")}
_EMPLOYEE_COLUMNS = ("employee_id", "department", "hired_on", "left_on")


@dataclass(frozen=True)
class TrainingRecords:
    """by_employee: employee_id, name, department, required, done, missing, last_completed, due_on,
    status; by_department: department, staff, current, due, overdue, coverage; unmatched: learners
    in the store who are no employee in service."""
    by_employee: pd.DataFrame
    by_department: pd.DataFrame
    unmatched: tuple[str, ...]
    today: dt.date
    cycle_months: int

    @property
    def overdue(self) -> pd.DataFrame:
        return self.by_employee[self.by_employee["status"] == "overdue"].reset_index(drop=True)

    @property
    def coverage(self) -> float | None:
        """Share of employees in service whose training is current (None with no staff)."""
        n = len(self.by_employee)
        return None if n == 0 else round(float((self.by_employee["status"] == "current").mean()), 4)

    def summary(self, lang: str = "en") -> str:
        cov = self.coverage
        share = "—" if cov is None else f"{cov:.0%}"
        if lang == "zh-CN":
            return (f"截至{self.today},在职员工{len(self.by_employee)}人,培训有效{share},"
                    f"逾期{len(self.overdue)}人(培训周期{self.cycle_months}个月,公司政策)。")
        return (f"On {self.today}, {len(self.by_employee)} employees in service, training current for {share}, "
                f"{len(self.overdue)} overdue (a {self.cycle_months}-month cycle, company policy).")


def _completions(store) -> pd.DataFrame:
    if store is None:
        return pd.DataFrame(columns=["learner", "module", "completed_at"])
    frame = store.completions() if hasattr(store, "completions") else store
    if not isinstance(frame, pd.DataFrame):
        raise ComplianceError(f"store: give a ProgressStore or a completions DataFrame, got {type(store).__name__}")
    missing = [c for c in ("learner", "module", "completed_at") if c not in frame.columns]
    if missing:
        raise ComplianceError(f"store: the completions have no column {missing[0]!r}")
    return frame


def _months_back(day: dt.date, months: int) -> dt.date:
    y, m = divmod(day.year * 12 + day.month - 1 - months, 12)
    m += 1
    last = [31, 29 if (y % 4 == 0 and (y % 100 or y % 400 == 0)) else 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]
    return dt.date(y, m, min(day.day, last))


def _utc_day(text) -> dt.date | None:
    """The Shanghai calendar day of a stored UTC timestamp."""
    try:
        stamp = pd.Timestamp(text)
    except (ValueError, TypeError):
        return None
    if stamp.tzinfo is None:
        stamp = stamp.tz_localize("UTC")
    return stamp.tz_convert("Asia/Shanghai").date()


def training_records(employees: pd.DataFrame, store=None, *, today, learners: dict | None = None,
                     programme=None) -> TrainingRecords:
    """Training status of every employee in service on ``today``.

    store: a ``kitlib.learn.store.ProgressStore`` (or its ``completions()`` frame);
    learners: {learner name: employee_id} where learner names are not employee ids.
    A completion counts when it is no older than the cycle on ``today``; one stamped after
    ``today`` counts too (the kit's audit day is often a simulated day before the real clock)."""
    prog: Programme = load_programme(programme)
    day = to_date(today)
    if day is None:
        raise ComplianceError(f"today: {today!r} is not a date (YYYY-MM-DD)")
    if not isinstance(employees, pd.DataFrame):
        raise ComplianceError("employees: give the case's employees table (a DataFrame)")
    missing = [c for c in _EMPLOYEE_COLUMNS if c not in employees.columns]
    if missing:
        raise ComplianceError(f"employees: no column {missing[0]!r}")
    done = _completions(store)
    mapping = {str(k): str(v) for k, v in (learners or {}).items()}
    ids = set(employees["employee_id"].astype(str))
    unknown = sorted(set(mapping.values()) - ids)
    if unknown:
        raise ComplianceError(f"learners: employee id {unknown[0]!r} is not in the employees table")

    since = _months_back(day, prog.training_cycle_months)
    latest: dict[tuple[str, str], dt.date] = {}
    unmatched = set()
    for row in done.itertuples(index=False):
        learner = str(row.learner)
        emp = mapping.get(learner, learner)
        if emp not in ids:
            unmatched.add(learner)
            continue
        when = _utc_day(row.completed_at)
        if when is None:
            continue
        key = (emp, str(row.module))
        if key not in latest or when > latest[key]:
            latest[key] = when

    rows = []
    for emp in employees.itertuples(index=False):
        hired, left = to_date(emp.hired_on), to_date(emp.left_on)
        if (hired is not None and hired > day) or (left is not None and left <= day):
            continue
        required = prog.required_modules(emp.department)
        current = [m for m in required if (d := latest.get((emp.employee_id, m))) is not None and d >= since]
        gaps = [m for m in required if m not in current]
        dates = [latest[(emp.employee_id, m)] for m in required if (emp.employee_id, m) in latest]
        grace_end = hired + dt.timedelta(days=prog.training_grace_days) if hired is not None else None
        status = "current" if not gaps else ("due" if grace_end is not None and day <= grace_end else "overdue")
        rows.append({"employee_id": emp.employee_id, "name": getattr(emp, "name", ""), "department": emp.department,
                     "required": ",".join(required), "done": ",".join(current), "missing": ",".join(gaps),
                     "last_completed": max(dates) if dates else None,
                     "due_on": grace_end if status == "due" else None, "status": status})
    by_employee = pd.DataFrame(rows, columns=["employee_id", "name", "department", "required", "done", "missing",
                                              "last_completed", "due_on", "status"])
    counts = pd.crosstab(by_employee["department"], by_employee["status"]).reindex(columns=list(STATUS), fill_value=0) \
        if len(by_employee) else pd.DataFrame(columns=list(STATUS))
    by_department = counts.reset_index().rename(columns={"index": "department"})
    if len(by_department):
        by_department.insert(1, "staff", counts.sum(axis=1).to_numpy())
        by_department["coverage"] = (by_department["current"] / by_department["staff"]).round(4)
    else:
        by_department = pd.DataFrame(columns=["department", "staff", *STATUS, "coverage"])
    by_department.columns.name = None
    return TrainingRecords(by_employee, by_department, tuple(sorted(unmatched)), day, prog.training_cycle_months)
