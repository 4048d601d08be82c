"""Two working days: weekends do not count, whichever way the clock is read."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from hypothesis import given
from hypothesis import strategies as st

from antifraud.console.workdays import add_working_days, subtract_working_days

ALMATY = ZoneInfo("Asia/Almaty")


def at(text):
    return datetime.fromisoformat(text).replace(tzinfo=ALMATY)


def test_a_friday_afternoon_report_is_due_on_tuesday_afternoon():
    assert add_working_days(at("2026-11-20T15:00"), 2, ALMATY) == at("2026-11-24T15:00")  # Fri -> Tue


def test_a_weekend_report_is_due_at_the_end_of_tuesday():
    assert add_working_days(at("2026-11-21T10:00"), 2, ALMATY) == at("2026-11-25T00:00")


def test_midweek_is_two_calendar_days():
    assert add_working_days(at("2026-11-17T09:30"), 2, ALMATY) == at("2026-11-19T09:30")


def test_overdue_cutoff_on_monday_morning_reaches_back_to_thursday():
    assert subtract_working_days(at("2026-11-23T09:00"), 2, ALMATY) == at("2026-11-19T09:00")


def test_on_a_saturday_the_cutoff_is_counted_from_the_end_of_friday():
    assert subtract_working_days(at("2026-11-21T13:00"), 2, ALMATY) == at("2026-11-19T00:00")


# hypothesis takes naive bounds and puts the zone on
moments = st.datetimes(min_value=datetime(2020, 1, 1), max_value=datetime(2030, 1, 1), timezones=st.just(UTC))  # noqa: DTZ001


@given(moments, st.integers(min_value=0, max_value=10))
def test_due_and_cutoff_are_inverse_on_working_time(moment, days):
    due = add_working_days(moment, days, ALMATY)
    assert due >= moment
    assert due - moment >= timedelta(days=days)
    back = subtract_working_days(due, days, ALMATY)
    # back is the start of the same working time: equal, unless the moment was in a weekend
    assert back >= moment
    if moment.astimezone(ALMATY).weekday() < 5:
        assert back == moment
