"""Audit of the access log: exports per person, out-of-hours events on the Chinese calendar, beyond-role
use, and find_anomalies — quiet on the clean background, finding every planted incident."""
import datetime as dt

import chinese_calendar
import pandas as pd
import pytest

from kitlib.protect.access import AccessLog, guarded_view, load_roles
from kitlib.protect.audit import (ANOMALY_COLUMNS, beyond_role, exports_by_person, find_anomalies, outside_hours,
                                  plant_incidents)
from kitlib.protect.errors import AccessDenied
from kitlib.synth import generate


@pytest.fixture(scope="module")
def planted(case):
    return plant_incidents(case, seed=11)


def _events(rows, employee="E0002", table="customers", action="view", n=1):
    """A small log in the generator's shape: (ts, employee, table, action, rows) tuples or timestamps."""
    frame = pd.DataFrame([r if isinstance(r, tuple) else (r, employee, table, action, n) for r in rows],
                         columns=["ts", "employee_id", "table_name", "action", "rows"])
    frame.insert(0, "log_id", [f"LG{i:09d}" for i in range(1, len(frame) + 1)])
    frame["ts"] = pd.to_datetime(frame["ts"])
    return frame.assign(system_id="S01", record_id=None, client_ip="10.31.0.3")


# -- quiet on normal work -------------------------------------------------------------------------

def test_clean_background_log_raises_no_alarm(case):
    anomalies = find_anomalies(case.tables["access_log"], case.tables["employees"])
    assert list(anomalies.columns) == ANOMALY_COLUMNS
    assert len(anomalies) == 0, anomalies[["kind", "employee_id", "evidence"]].to_string()


@pytest.mark.parametrize("customers, seed", [(2000, 3), (2000, 7), (20000, 1)])
def test_clean_background_of_other_seeds_raises_no_high_alarm(customers, seed):
    other = generate(customers=customers, seed=seed)
    anomalies = find_anomalies(other.tables["access_log"], other.tables["employees"])
    assert (anomalies["severity"] == "high").sum() == 0 and len(anomalies) == 0, anomalies.to_string()


# -- planted incidents -----------------------------------------------------------------------------

def test_every_planted_incident_is_found_with_the_right_employee_and_kind(case, planted):
    log, truth = planted
    assert set(truth["kind"]) == {"departed_account", "volume_export", "beyond_role", "burst", "outside_hours"}
    anomalies = find_anomalies(log, case.tables["employees"])
    for incident in truth.itertuples():
        hits = anomalies[(anomalies["kind"] == incident.kind) & (anomalies["employee_id"] == incident.employee_id)]
        assert len(hits), f"{incident.incident} {incident.kind} {incident.employee_id} not found"
        found_ids = set().union(*hits["log_ids"])
        assert set(incident.log_ids) <= found_ids, incident.incident
    # nothing but the incidents: every alarm involves planted events (a day's volume lists the whole day)
    planted_ids = set().union(*truth["log_ids"])
    assert all(set(ids) & planted_ids for ids in anomalies["log_ids"])


def test_planted_incidents_rank_high_except_the_holiday_browsing(case, planted):
    log, truth = planted
    anomalies = find_anomalies(log, case.tables["employees"])
    severity = {(a.kind, a.employee_id): a.severity for a in anomalies.itertuples()}
    for incident in truth.itertuples():
        expected = "medium" if incident.kind == "outside_hours" else "high"
        assert severity[(incident.kind, incident.employee_id)] == expected, incident.kind


def test_anomaly_evidence_is_one_line_with_numbers(case, planted):
    anomalies = find_anomalies(planted[0], case.tables["employees"])
    assert anomalies["evidence"].str.contains(r"\d").all()
    assert not anomalies["evidence"].str.contains("\n").any()
    assert (anomalies["first_ts"] <= anomalies["last_ts"]).all()
    assert (anomalies["events"] == anomalies["log_ids"].map(len)).all()


def test_plant_incidents_is_deterministic_and_continues_the_numbering(case, planted):
    log, truth = planted
    again, truth_again = plant_incidents(case, seed=11)
    pd.testing.assert_frame_equal(log, again)
    pd.testing.assert_frame_equal(truth, truth_again)
    other, _ = plant_incidents(case, seed=12)
    assert not log.equals(other)
    original = case.tables["access_log"]
    new_ids = sorted(set().union(*truth["log_ids"]))
    assert new_ids[0] == f"LG{len(original) + 1:09d}" and new_ids[-1] == f"LG{len(log):09d}"
    assert log["log_id"].is_unique and log["ts"].is_monotonic_increasing
    assert log.dtypes.to_dict() == original.dtypes.to_dict()
    kept = log[log["log_id"].isin(original["log_id"])].reset_index(drop=True)
    pd.testing.assert_frame_equal(kept, original)
    assert truth["description_zh"].str.len().gt(0).all() and truth["description_en"].str.len().gt(0).all()


def test_departed_account_incident_happens_after_the_employee_left_at_night_on_a_sunday(case, planted):
    log, truth = planted
    incident = truth.set_index("kind").loc["departed_account"]
    event = log[log["log_id"].isin(incident["log_ids"])].iloc[0]
    left = case.tables["employees"].set_index("employee_id").at[incident["employee_id"], "left_on"]
    assert event["ts"] > left and event["ts"].weekday() == 6 and event["ts"].strftime("%H:%M") == "02:13"
    assert (event["action"], event["table_name"]) == ("export", "customers")


# -- the queries -----------------------------------------------------------------------------------

def _calendar_days():
    days = chinese_calendar.get_dates(dt.date(2024, 1, 1), dt.date(2025, 12, 31))
    makeup = next(d for d in days if d.weekday() == 5 and chinese_calendar.is_workday(d))
    holiday = next(d for d in days if d.weekday() < 5 and chinese_calendar.is_holiday(d))
    ordinary = next(d for d in days if d.weekday() == 2 and chinese_calendar.is_workday(d))
    return makeup, holiday, ordinary


def test_outside_hours_follows_the_chinese_calendar():
    makeup, holiday, ordinary = _calendar_days()
    at = lambda day, hhmmss: pd.Timestamp(f"{day} {hhmmss}")    # noqa: E731
    log = _events([at(makeup, "10:00:00"), at(holiday, "10:00:00"), at(ordinary, "10:00:00"),
                   at(ordinary, "08:29:59"), at(ordinary, "19:00:59"), at(ordinary, "19:01:00")])
    out = outside_hours(log)
    assert out["log_id"].tolist() == ["LG000000002", "LG000000004", "LG000000006"]
    assert out["why"].iloc[0].startswith("non-working day: public holiday")
    assert out["why"].tolist()[1:] == ["working day, before 08:30", "working day, after 19:00"]
    assert out["workday"].tolist() == [False, True, True]


def test_outside_hours_takes_other_office_hours():
    *_, ordinary = _calendar_days()
    log = _events([pd.Timestamp(f"{ordinary} 08:45"), pd.Timestamp(f"{ordinary} 17:45")])
    assert outside_hours(log, start="09:00", end="17:30")["log_id"].tolist() == ["LG000000001", "LG000000002"]


def test_exports_by_person_counts_rows_per_day_and_in_total(case):
    log = case.tables["access_log"]
    table = exports_by_person(log, case.tables["employees"])
    exports = log[log["action"] == "export"]
    assert table["rows"].sum() == exports["rows"].sum() and table["exports"].sum() == len(exports)
    totals = table.groupby("employee_id")["total_rows"].first()
    pd.testing.assert_series_equal(totals.sort_index(), exports.groupby("employee_id")["rows"].sum().sort_index(),
                                   check_names=False)
    assert set(table["role"]) <= {"会计", "市场专员"}          # only finance and marketing export
    assert table["total_rows"].is_monotonic_decreasing


def test_beyond_role_finds_tables_actions_departed_and_unknown_accounts(case):
    staff = case.tables["employees"]
    departed = staff.loc[staff["left_on"].notna()].iloc[0]
    active = staff[staff["left_on"].isna()].set_index("role")["employee_id"]
    marketer, accountant = active["市场专员"].iloc[0], active["会计"].iloc[0]
    after = departed["left_on"] + pd.Timedelta(days=3, hours=10)
    log = _events([("2026-04-14 10:00", marketer, "tickets", "view", 1),
                   ("2026-04-14 10:05", marketer, "consents", "export", 900),
                   ("2026-04-14 10:06", accountant, "orders", "view", 1),
                   (after, departed["employee_id"], "orders", "view", 1),
                   ("2026-04-14 11:00", "E9999", "customers", "view", 1)])
    found = beyond_role(log, staff)
    by_id = found.groupby("log_id")["finding"].apply(set).to_dict()
    assert by_id["LG000000001"] == {"beyond_role"}
    assert "LG000000002" not in by_id and "LG000000003" not in by_id
    assert "departed_account" in by_id["LG000000004"]
    assert by_id["LG000000005"] == {"unknown_account"}
    assert "has no access to table tickets" in found.set_index("log_id").at["LG000000001", "detail"]


def test_backup_service_account_at_night_is_normal_but_not_when_it_exports(case):
    log = case.tables["access_log"]
    backups = log[log["employee_id"] == "svc-backup"]
    assert len(backups) and find_anomalies(backups, case.tables["employees"]).empty
    stolen = _events([("2026-04-14 02:00", "svc-backup", "customers", "export", 5000)])
    kinds = set(find_anomalies(stolen, case.tables["employees"])["kind"])
    assert "beyond_role" in kinds and "outside_hours" not in kinds


def test_audit_reads_the_guarded_access_log_and_ranks_refused_attempts_low(case):
    access_log = AccessLog("sqlite://")
    staff = case.tables["employees"]
    marketer = staff.loc[(staff["role"] == "市场专员") & staff["left_on"].isna(), "employee_id"].iloc[0]
    guarded_view(case.tables["consents"].head(3), table="consents", role="marketing", purpose="marketing",
                 actor=marketer, log=access_log)
    for _ in range(2):
        with pytest.raises(AccessDenied):
            guarded_view(case.tables["tickets"].head(3), table="tickets", role="marketing", purpose="marketing",
                         actor=marketer, log=access_log)
    frame = access_log.to_frame()
    office = frame.assign(ts=pd.Timestamp("2026-04-14 10:00"))     # a Tuesday: whenever the test runs
    found = find_anomalies(office, staff, load_roles())
    row = found[found["kind"] == "beyond_role"].iloc[0]
    assert (row["employee_id"], row["severity"], row["events"], row["rows"]) == (marketer, "low", 2, 0)
    assert "2 of them refused" in row["evidence"]
