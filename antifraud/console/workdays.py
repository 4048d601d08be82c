"""Working days: reports must be checked within two working days (the model country's rule), so a
report that arrives on Friday afternoon is due on Tuesday afternoon, not on Sunday.

Working time is Monday to Friday, whole days, in the center's time zone. Pure: no clock, no I/O.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta, tzinfo

DAY = timedelta(days=1)


def _midnight(day: date, zone: tzinfo) -> datetime:
    return datetime.combine(day, time(), tzinfo=zone)


def _working(day: date) -> bool:
    return day.weekday() < 5


def subtract_working_days(moment: datetime, days: int, zone: tzinfo) -> datetime:
    """The instant `days` working days before `moment`: whatever entered review before it is overdue."""
    remaining = DAY * days
    end = moment.astimezone(zone)
    day = end.date()
    while True:
        start = _midnight(day, zone)
        if _working(day):
            available = end - start
            if remaining <= available:
                return end - remaining
            remaining -= available
        day -= DAY
        end = start


def add_working_days(moment: datetime, days: int, zone: tzinfo) -> datetime:
    """The instant `days` working days after `moment`: when an item that entered review then is due."""
    remaining = DAY * days
    start = moment.astimezone(zone)
    day = start.date()
    while True:
        end = _midnight(day + DAY, zone)
        if _working(day):
            available = end - start
            if remaining <= available:
                return start + remaining
            remaining -= available
        day += DAY
        start = end
