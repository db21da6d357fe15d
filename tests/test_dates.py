"""kitlib.dates.to_date: one reading of a date for every module's inputs."""
import datetime as dt

import pandas as pd
import pytest

from kitlib.dates import to_date


@pytest.mark.parametrize("value, day", [
    (dt.date(2026, 5, 2), dt.date(2026, 5, 2)),
    (dt.datetime(2026, 5, 2, 23, 59), dt.date(2026, 5, 2)),
    (pd.Timestamp("2026-05-02 08:00"), dt.date(2026, 5, 2)),
    (" 2026-05-02 ", dt.date(2026, 5, 2)),
    ("2026-05-02T10:00:00Z", dt.date(2026, 5, 2)),
])
def test_dates_datetimes_timestamps_and_iso_text_name_their_day(value, day):
    assert to_date(value) == day


@pytest.mark.parametrize("value", [None, "", "next Friday", "2026-13-01", pd.NaT, 20260502, float("nan")])
def test_anything_else_is_no_date(value):
    assert to_date(value) is None
