"""The awareness-campaign planner (seed section 10): a weekly schedule on Chinese working days.

``plan_campaign(employees, start)`` puts two activities in each campaign week, on the week's
first working day (``chinese_calendar``: public holidays and adjusted working days; a week with no
working day is skipped and listed as such): one for a department in turn (training first, until
every department has had it, then phishing-recognition exercises), one for everybody (or for
customers) rotating through the seed's six points.  Each row names the languages its audience
needs (an employee's ``language`` column, else 外籍 staff read English) and the owner from the
RACI.  The cadence is company policy.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import chinese_calendar
import pandas as pd

from ..atomic import write_text_atomic
from ..dates import to_date
from ..tomlfile import read_toml
from .programme import ComplianceError
from .raci import Raci, load_raci
from .render import render

__all__ = ["Campaign", "plan_campaign", "load_activities", "CAMPAIGN_COLUMNS", "DEPARTMENTS_EN"]

CAMPAIGN_COLUMNS = ["week", "date", "kind", "kind_zh", "kind_en", "activity", "name_zh", "name_en", "audience",
                    "audience_zh", "audience_en", "people", "languages", "minutes", "owner_zh", "owner_en"]
DEPARTMENTS_EN = {"客户服务部": "Customer service", "销售部": "Sales", "财务部": "Finance", "物流部": "Logistics",
                  "市场部": "Marketing", "信息技术部": "IT", "法务合规部": "Legal and compliance",
                  "总经理办公室": "General manager's office", "人力资源部": "HR"}
_ROTATION = ("publicity", "case_sharing", "interaction", "rewards", "attention")


def load_activities(path=None) -> tuple[dict, list[dict]]:
    """({kind id: kind}, [activity]) from ``data/campaign.toml`` or a trainer's copy."""
    path = Path(path) if path is not None else Path(str(resources.files("kitlib").joinpath(
        "compliance", "data", "campaign.toml")))
    data = read_toml(path, ComplianceError)
    kinds = {k["id"]: k for k in data.get("kind", [])}
    acts = list(data.get("activity", []))
    for i, a in enumerate(acts):
        for key in ("id", "kind", "name_zh", "name_en", "audience", "minutes", "owner"):
            if key not in a:
                raise ComplianceError(f"{path.name}: activity[{i}].{key}: missing")
        if a["kind"] not in kinds:
            raise ComplianceError(f"{path.name}: activity[{a['id']}].kind: unknown kind {a['kind']!r}")
        if a["audience"] not in ("all", "department", "customers"):
            raise ComplianceError(f"{path.name}: activity[{a['id']}].audience: {a['audience']!r} is not all, "
                                  "department or customers")
    missing = [k for k in kinds if not any(a["kind"] == k for a in acts)]
    if missing:
        raise ComplianceError(f"{path.name}: kind {missing[0]!r} has no activity")
    return kinds, acts


def _languages(employees: pd.DataFrame) -> pd.Series:
    if "language" in employees.columns:
        return employees["language"].fillna("zh-CN").astype(str)
    if "nationality" in employees.columns:
        return employees["nationality"].map(lambda n: "en" if str(n) == "外籍" else "zh-CN")
    return pd.Series("zh-CN", index=employees.index)


def _first_workday(monday: dt.date, not_before: dt.date | None = None) -> dt.date | None:
    """The week's first working day on or after ``not_before`` (default: the Monday), or None."""
    for k in range(7):
        day = monday + dt.timedelta(days=k)
        if not_before is not None and day < not_before:
            continue
        try:
            if chinese_calendar.is_workday(day):
                return day
        except NotImplementedError:
            raise ComplianceError(f"{day}: chinese_calendar has no data for {day.year}") from None
    return None


@dataclass(frozen=True)
class Campaign:
    frame: pd.DataFrame
    skipped: tuple[dt.date, ...]        # Mondays of weeks without a working day
    departments: tuple[str, ...]

    def covered(self) -> dict[str, bool]:
        """Whether each department has a training activity in the schedule."""
        trained = set(self.frame.loc[self.frame["kind"] == "training", "audience"])
        return {d: d in trained for d in self.departments}

    def rows(self) -> list[dict]:
        """The schedule as plain rows for printing (people "—" for customers)."""
        out = []
        for r in self.frame.to_dict("records"):
            r["people"] = "—" if pd.isna(r["people"]) else str(int(r["people"]))
            out.append(r)
        return out

    def kinds(self) -> set[str]:
        return set(self.frame["kind"])

    def markdown(self, lang: str = "both") -> str:
        return render("campaign.md.j2", lang=lang, c=self)

    def html(self, lang: str = "both") -> str:
        return render("campaign.html.j2", lang=lang, c=self)

    def write(self, path, lang: str = "both") -> Path:
        path = Path(path)
        return write_text_atomic(path, self.markdown(lang) if path.suffix == ".md" else self.html(lang))


def plan_campaign(employees: pd.DataFrame, start, *, weeks: int | None = None, activities=None,
                  raci=None) -> Campaign:
    """A weekly campaign from the week of ``start`` for the employees in service (``left_on`` empty).

    weeks: campaign weeks (default: enough for every department's training and all six points)."""
    day = to_date(start)
    if day is None:
        raise ComplianceError(f"start: {start!r} is not a date (YYYY-MM-DD)")
    for col in ("employee_id", "department"):
        if col not in employees.columns:
            raise ComplianceError(f"employees: no column {col!r}")
    staff = employees[employees["left_on"].isna()] if "left_on" in employees.columns else employees
    if staff.empty:
        raise ComplianceError("employees: nobody in service")
    staff = staff.assign(_lang=_languages(staff))
    departments = tuple(sorted(staff["department"].astype(str).unique()))
    kinds, acts = load_activities(activities)
    roles: Raci = raci if isinstance(raci, Raci) else load_raci(raci)
    n_weeks = weeks if weeks is not None else max(len(departments), len(_ROTATION) + 1)
    if isinstance(n_weeks, bool) or not isinstance(n_weeks, int) or n_weeks < 1:
        raise ComplianceError(f"weeks: {weeks!r} is not a whole number of at least 1")
    by_kind = {k: [a for a in acts if a["kind"] == k] for k in kinds}
    dept_acts = [a for a in acts if a["audience"] == "department"]
    training = [a for a in dept_acts if a["kind"] == "training"]
    later = [a for a in dept_acts if a["kind"] != "training"] or training
    wide = [a for k in _ROTATION for a in by_kind.get(k, []) if a["audience"] != "department"]
    if not training or not wide:
        raise ComplianceError("activities: need a department training activity and at least one for everybody")

    def langs(frame) -> str:
        return ", ".join(sorted(set(frame["_lang"]), key=lambda x: (x != "zh-CN", x)))

    def row(week, date, act, audience):
        kind = kinds[act["kind"]]
        owner = roles.role(act["owner"])
        if audience == "customers":
            aud, people, lang = ("客户", "customers"), None, "zh-CN, en"
        elif audience == "all":
            aud, people, lang = ("全体员工", "all staff"), len(staff), langs(staff)
        else:
            group = staff[staff["department"] == audience]
            aud, people, lang = (audience, DEPARTMENTS_EN.get(audience, audience)), len(group), langs(group)
        return {"week": week, "date": date, "kind": act["kind"], "kind_zh": kind["name_zh"], "kind_en": kind["name_en"],
                "activity": act["id"], "name_zh": act["name_zh"], "name_en": act["name_en"],
                "audience": audience if audience not in ("all", "customers") else audience,
                "audience_zh": aud[0], "audience_en": aud[1], "people": people, "languages": lang,
                "minutes": int(act["minutes"]), "owner_zh": owner.name_zh, "owner_en": owner.name_en}

    rows, skipped = [], []
    monday = day - dt.timedelta(days=day.weekday())
    week = 0
    while week < n_weeks:
        date = _first_workday(monday, not_before=day)  # the start may fall mid-week: begin on it or the next workday
        if date is None:
            skipped.append(monday)
            monday += dt.timedelta(days=7)
            continue
        week += 1
        n = week - 1
        if n < len(departments):
            rows.append(row(week, date, training[n % len(training)], departments[n]))
        else:
            k = n - len(departments)
            rows.append(row(week, date, later[k % len(later)], departments[k % len(departments)]))
        act = wide[n % len(wide)]
        rows.append(row(week, date, act, act["audience"]))
        monday += dt.timedelta(days=7)
    frame = pd.DataFrame(rows, columns=CAMPAIGN_COLUMNS)
    frame["people"] = frame["people"].astype("Int64")
    return Campaign(frame, tuple(skipped), departments)
