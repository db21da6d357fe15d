"""Module 02's second exercise: find the incidents in an access log.

``hunt_exercise(case, seed)`` plants incidents in the case's access log (``audit.plant_incidents``)
and lists the people a reviewer would look at: everyone behind an incident, and the innocent
people whose activity stands out for good reasons (month-end finance exports, the nightly backup
account, the busiest agent).  Each row shows figures computed from the log; the learner names
what happened.  A row is right when the answer is the planted incident's kind or any kind
``audit.find_anomalies`` reports for that person, and "normal" for the innocent.
"""
from __future__ import annotations

import pandas as pd

from ..i18n import get_lang, normalize
from ..learn.choices import ChoiceExercise
from .audit import find_anomalies, outside_hours, plant_incidents

VERDICTS = (
    ("normal", "正常工作", "normal work"),
    ("departed_account", "离职员工账号仍在使用", "a departed employee's account in use"),
    ("volume_export", "异常大批量导出", "an unusually large export"),
    ("beyond_role", "超出岗位权限", "beyond the role"),
    ("burst", "短时间内批量查看(疑似抓取)", "a burst of look-ups (scraping)"),
    ("outside_hours", "非工作时间访问", "access outside working hours"),
)


def activity(log: pd.DataFrame) -> pd.DataFrame:
    """Per person: events, exports and rows exported, events outside working hours, tables, days."""
    off = outside_hours(log).groupby("employee_id").size()
    exports = log[log["action"] == "export"].groupby("employee_id")["rows"].agg(["size", "sum", "max"])
    out = log.groupby("employee_id").agg(events=("log_id", "size"), first=("ts", "min"), last=("ts", "max"),
                                         tables=("table_name", lambda s: ", ".join(sorted(set(s)))))
    out["exports"] = exports["size"].reindex(out.index).fillna(0).astype(int)
    out["rows_exported"] = exports["sum"].reindex(out.index).fillna(0).astype(int)
    out["largest_export"] = exports["max"].reindex(out.index).fillna(0).astype(int)
    out["outside_hours"] = off.reindex(out.index).fillna(0).astype(int)
    out["actions"] = log.groupby("employee_id")["action"].agg(
        lambda s: ", ".join(f"{a}×{n}" for a, n in s.value_counts().sort_index().items()))
    out["peak_10min"] = log.groupby("employee_id")["ts"].agg(_peak)
    return out


def _peak(ts: pd.Series, window: str = "10min") -> int:
    """Most events of one person within any `window`."""
    times = ts.sort_values().to_numpy()
    ends = times.searchsorted(times + pd.Timedelta(window).to_timedelta64(), side="left")
    return int((ends - pd.RangeIndex(len(times)).to_numpy()).max()) if len(times) else 0


def _innocents(stats: pd.DataFrame, guilty: set, n: int = 3) -> list[str]:
    """People who stand out without an incident: most rows exported, most events outside hours,
    most events — the cases a reviewer must learn to clear."""
    free = stats.drop(index=[g for g in guilty if g in stats.index])
    picked: list[str] = []
    for column in ("rows_exported", "outside_hours", "events"):
        for who in free.sort_values(column, ascending=False).index:
            if who not in picked and free.loc[who, column] > 0:
                picked.append(who)
                break
    return picked[:n]


def _detail(who: str, row, people: pd.DataFrame, lang: str) -> str:
    zh = lang == "zh-CN"
    if who in people.index:
        person = people.loc[who]
        left = person["left_on"]
        role = f"{person['department']} {person['role']}"
        status = ((f"离职于 {left:%Y-%m-%d}" if zh else f"left on {left:%Y-%m-%d}") if pd.notna(left)
                  else ("在职" if zh else "employed"))
    else:
        role, status = ("服务账号" if zh else "service account"), ""
    period = f"{row.first:%m-%d}–{row.last:%m-%d}"
    if zh:
        return (f"{role} · {status} · {period}:{row.events} 次访问({row.actions}),10 分钟内最多 {row.peak_10min} 次;"
                f"导出 {row.exports} 次共 {row.rows_exported:,} 行(最大一次 {row.largest_export:,} 行);"
                f"非工作时间 {row.outside_hours} 次;涉及表:{row.tables}")
    return (f"{role} · {status} · {period}: {row.events} events ({row.actions}), at most {row.peak_10min} in 10 minutes; "
            f"{row.exports} exports of {row.rows_exported:,} rows (largest {row.largest_export:,}); "
            f"{row.outside_hours} outside working hours; tables: {row.tables}")


def hunt_exercise(case, seed: int = 0, lang: str | None = None) -> tuple[ChoiceExercise, pd.DataFrame]:
    """(the exercise, the planted log) for ``case``; the same seed plants the same incidents."""
    lang = normalize(lang) if lang else get_lang()
    log, truth = plant_incidents(case, seed=seed)
    employees = case["employees"]
    found = find_anomalies(log, employees)
    stats = activity(log)
    people = employees.set_index("employee_id")
    guilty = dict(zip(truth["employee_id"], truth.itertuples()))
    candidates = sorted(list(guilty) + _innocents(stats, set(guilty)))
    accepted = {who: {guilty[who].kind} | set(found.loc[found["employee_id"] == who, "kind"]) if who in guilty
                else {"normal"} for who in candidates}
    rows = []
    for who in candidates:
        name = people.loc[who, "name"] if who in people.index else who
        rows.append({"key": who, "title": f"{who} · {name}", "detail": _detail(who, stats.loc[who], people, lang)})
    labels = {v[0]: (v[1], v[2]) for v in VERDICTS}

    def marker(key: str, given: str | None, lang: str) -> tuple[bool, str]:
        if given in accepted[key]:
            return True, ""
        if key in guilty:
            incident = guilty[key]
            return False, incident.description_zh if lang == "zh-CN" else incident.description_en
        row = stats.loc[key]
        if lang == "zh-CN":
            return False, (f"正常:{row.events} 次访问都符合岗位和时间规律" +
                           (f";导出({row.exports} 次)是岗位的例行工作" if row.exports else "") +
                           (f";非工作时间的 {row.outside_hours} 次是按计划运行的备份" if row.outside_hours else "") + "。")
        return False, (f"Normal: its {row.events} events fit the role and the hours" +
                       (f"; the {row.exports} exports are the role's routine" if row.exports else "") +
                       (f"; the {row.outside_hours} events outside hours are the scheduled backup" if row.outside_hours
                        else "") + ".")

    exercise = ChoiceExercise("access-hunt", ("逐一判断:这些人的访问记录说明了什么?", "For each person: what does the access log say?"),
                              pd.DataFrame(rows), VERDICTS, marker)
    return exercise, log


def answer_key(exercise: ChoiceExercise, case, seed: int = 0) -> dict:
    """One right answer per row (for trainers and tests): the planted kind, else normal."""
    _, truth = plant_incidents(case, seed=seed)
    kinds = dict(zip(truth["employee_id"], truth["kind"]))
    return {key: kinds.get(key, "normal") for key in exercise.rows["key"]}


__all__ = ["VERDICTS", "activity", "hunt_exercise", "answer_key"]
