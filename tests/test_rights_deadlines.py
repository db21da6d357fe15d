"""Answer deadlines on Chinese working days (kitlib.rights.deadlines)."""
import datetime as dt

import chinese_calendar
import pytest

from kitlib.rights import Request, due_date, is_overdue, working_days_between
from kitlib.rights.deadlines import DeadlineError, deadline_note, load_policy


def test_due_date_across_national_day_2025_counts_the_adjusted_saturday():
    # Received Tue 30 Sep 2025 (day 0).  chinese_calendar: 1-8 Oct are holidays; Sat 11 Oct is a
    # working day (调休).  Working days after day 0: 9 Oct (1), 10 (2), Sat 11 (3), 13-17 (4-8),
    # 20-24 (9-13), 27 (14), 28 (15) -> Tue 28 Oct 2025.
    assert [d for d in (dt.date(2025, 10, i) for i in range(1, 9)) if chinese_calendar.is_workday(d)] == []
    assert chinese_calendar.is_workday(dt.date(2025, 10, 11))
    assert due_date("2025-09-30") == dt.date(2025, 10, 28)


def test_due_date_across_spring_festival_2026():
    # Received Fri 13 Feb 2026 (day 0).  chinese_calendar: Sat 14 Feb is a working day (1); 15-23 Feb
    # are holidays; 24-27 Feb (2-5); Sat 28 Feb is a working day (6); 2-6 Mar (7-11); 9-12 Mar (12-15)
    # -> Thu 12 Mar 2026.
    assert chinese_calendar.is_workday(dt.date(2026, 2, 14)) and chinese_calendar.is_workday(dt.date(2026, 2, 28))
    assert not any(chinese_calendar.is_workday(dt.date(2026, 2, d)) for d in range(15, 24))
    assert due_date(dt.date(2026, 2, 13), 15) == dt.date(2026, 3, 12)


def test_the_day_received_is_day_zero_even_on_a_weekend():
    assert due_date("2026-03-02", 1) == dt.date(2026, 3, 3)        # Monday -> Tuesday
    assert due_date("2026-03-07", 1) == dt.date(2026, 3, 9)        # Saturday -> Monday
    assert due_date("2025-09-26", 1) == dt.date(2025, 9, 28)       # Friday -> the adjusted working Sunday


def test_default_is_the_policy_commitment_of_15_working_days():
    assert load_policy().working_days == 15
    assert due_date("2026-03-02") == due_date("2026-03-02", 15) == dt.date(2026, 3, 23)


def test_a_date_outside_the_calendar_is_a_clear_error():
    with pytest.raises(DeadlineError, match="no data for 2027"):
        due_date("2026-12-20", 15)
    with pytest.raises(DeadlineError, match="not a date"):
        due_date("next week")
    with pytest.raises(DeadlineError, match="working_days"):
        due_date("2026-03-02", 0)


def test_overdue_detection():
    due = due_date("2026-02-13")
    assert not is_overdue("2026-02-13", answered_on=due)
    assert is_overdue("2026-02-13", answered_on=due + dt.timedelta(days=1))
    assert not is_overdue("2026-02-13", today=due)
    assert is_overdue("2026-02-13", today="2026-03-13")
    with pytest.raises(DeadlineError, match="answered_on or today"):
        is_overdue("2026-02-13")
    request = Request("RQ-1", "access_copy", "CM1", "2026-02-13")
    assert request.due_on() == due and request.overdue("2026-03-13") and not request.overdue("2026-03-12")


def test_working_days_between_uses_the_same_calendar():
    assert working_days_between("2025-09-30", "2025-10-28") == 15
    assert working_days_between("2026-03-05", "2026-03-01") == 0


def test_the_deadline_is_shown_as_company_policy_not_law():
    assert "PIPL sets no number of days" in deadline_note("en")
    assert "没有规定答复请求的天数" in deadline_note("zh-CN") and "公司自己的承诺" in deadline_note("zh-CN")


def test_a_bad_policy_file_names_the_file_and_key(tmp_path):
    path = tmp_path / "policy.toml"
    source = load_policy.__wrapped__.__globals__["_policy_path"]().read_text(encoding="utf-8")
    path.write_text(source.replace("working_days = 15", "working_days = 0"), encoding="utf-8")
    with pytest.raises(DeadlineError, match="policy.toml: deadline.working_days"):
        load_policy(path)
    path.write_text("version = 1\n", encoding="utf-8")
    with pytest.raises(DeadlineError, match="policy.toml: missing key 'deadline'"):
        load_policy(path)


def test_the_last_countable_receipt_day_still_has_a_due_date_in_the_calendar():
    from kitlib.rights.deadlines import last_countable_day

    last = last_countable_day()
    assert due_date(last).year == max(chinese_calendar.holidays).year
    with pytest.raises(DeadlineError):
        due_date(last + dt.timedelta(days=1))
