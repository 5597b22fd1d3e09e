"""Working days in Indonesia (working_days.py)."""
from __future__ import annotations

import datetime as dt

import pytest

from ckanext.satudata_planning.sop import working_days

D = dt.date
pytestmark = pytest.mark.usefixtures("ckan_config")


def test_weekend_is_not_a_working_day():
    assert working_days.is_working_day(D(2026, 10, 9))  # Friday
    assert not working_days.is_working_day(D(2026, 10, 10))  # Saturday
    assert not working_days.is_working_day(D(2026, 10, 11))  # Sunday


def test_deadline_across_a_weekend():
    # Friday + 1 working day is Monday
    assert working_days.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 12)
    # a two-day step started on Friday is due on Monday
    assert working_days.due_date(D(2026, 10, 9), 2) == D(2026, 10, 12)
    # a task started on Saturday begins on Monday
    assert working_days.due_date(D(2026, 10, 10), 1) == D(2026, 10, 12)


def test_independence_day_is_skipped():
    assert D(2026, 8, 17).weekday() == 0  # a Monday
    assert not working_days.is_working_day(D(2026, 8, 17))
    assert working_days.add_working_days(D(2026, 8, 14), 1) == D(2026, 8, 18)
    assert working_days.due_date(D(2026, 8, 14), 2) == D(2026, 8, 18)
    assert working_days.holiday_name(D(2026, 8, 17))


def test_cuti_bersama_from_the_holidays_package_is_skipped():
    # 24 December 2026 is a joint leave day, 25 December Christmas
    assert not working_days.is_working_day(D(2026, 12, 24))
    assert not working_days.is_working_day(D(2026, 12, 25))
    assert working_days.add_working_days(D(2026, 12, 23), 1) == D(2026, 12, 28)


def test_without_configured_extra_holidays_monday_is_working():
    assert working_days.is_working_day(D(2026, 10, 12))


@pytest.mark.ckan_config(
    "ckanext.satudata_planning.extra_holidays", "2026-10-12 2026-10-13"
)
def test_configured_cuti_bersama_is_skipped():
    assert working_days.extra_holidays() == {D(2026, 10, 12), D(2026, 10, 13)}
    assert not working_days.is_working_day(D(2026, 10, 12))
    assert working_days.add_working_days(D(2026, 10, 9), 1) == D(2026, 10, 14)
    assert working_days.due_date(D(2026, 10, 9), 2) == D(2026, 10, 14)
    assert working_days.working_days_between(D(2026, 10, 9), D(2026, 10, 14)) == 1


def test_bad_extra_holiday_is_a_clear_error():
    with pytest.raises(ValueError, match="2026-13-01"):
        working_days.parse_dates("2026-13-01")


def test_working_days_between_and_overdue():
    fri, tue = D(2026, 8, 14), D(2026, 8, 18)
    assert working_days.working_days_between(fri, tue) == 1  # Sat, Sun, 17th skipped
    assert working_days.working_days_between(tue, fri) == -1
    assert working_days.working_days_between(fri, fri) == 0
    # late only on working days
    assert working_days.overdue_days(fri, D(2026, 8, 17)) == 0
    assert working_days.overdue_days(fri, D(2026, 8, 20)) == 3
    assert working_days.overdue_days(tue, fri) == 0
    assert working_days.overdue_days(None, tue) == 0


def test_zero_and_negative():
    assert working_days.add_working_days(D(2026, 8, 15), 0) == D(2026, 8, 18)
    with pytest.raises(ValueError):
        working_days.add_working_days(D(2026, 8, 15), -1)
    with pytest.raises(ValueError):
        working_days.due_date(D(2026, 8, 15), 0)


def test_today_is_the_date_in_jakarta(freezer):
    freezer.move_to("2026-08-16 18:30:00")  # UTC: already Monday 01:30 in WIB
    assert working_days.today() == D(2026, 8, 17)
    assert working_days.local_date(dt.datetime(2026, 8, 16, 18, 30)) == D(2026, 8, 17)
