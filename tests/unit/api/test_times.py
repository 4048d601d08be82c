"""Reported times (issue 8 §3): `observed_at` and hit intervals are refused in words, never overflow."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from antifraud.api.schemas import HitsIn, ReportIn, parse
from antifraud.domain.errors import InvalidInput

NOW = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
REPORT = {"type": "domain", "value": "kaspi-bonus.kz", "category": "phishing"}
HITS = {"list": "domains", "interval_start": "2026-11-22T10:00:00Z", "interval_end": "2026-11-22T11:00:00Z", "total": 1}

BAD_TIMES = [
    ("9999-12-31T23:59:59-14:00", "outside the range of dates once converted to UTC"),  # the probe
    ("0001-01-01T00:00:00+14:00", "outside the range of dates"),
    ("1989-12-31T23:59:59Z", "before 1990-01-01"),
    ("1990-01-01T04:59:59+05:00", "before 1990-01-01"),  # 1989 in UTC
    ("1970-01-01T00:00:00Z", "before 1990-01-01"),
    ("2026-11-23T12:00:01Z", "more than a day ahead of the center's clock \\(2026-11-22T12:00:00\\+00:00\\)"),
    ("2026-11-24T00:00:00+05:00", "more than a day ahead"),
    ("9999-12-31T23:59:59Z", "more than a day ahead"),
    ("2026-11-22T10:00:00", "needs a time zone"),
    (0, "before 1990-01-01"),  # epoch seconds: 1970
    (4 * 10**12, "more than a day ahead"),  # pydantic reads large numbers as milliseconds: 2096
]


@pytest.mark.parametrize(("given", "message"), BAD_TIMES)
def test_observed_at_is_refused_naming_the_field(given, message):
    with pytest.raises(InvalidInput, match=message) as info:
        parse(ReportIn, {**REPORT, "observed_at": given}, now=NOW)
    assert info.value.field == "observed_at"
    assert info.value.message.startswith("observed_at: ")


@pytest.mark.parametrize("field", ["interval_start", "interval_end"])
@pytest.mark.parametrize(("given", "message"), BAD_TIMES)
def test_hit_intervals_are_refused_naming_the_field(field, given, message):
    with pytest.raises(InvalidInput, match=message) as info:
        parse(HitsIn, {**HITS, field: given}, now=NOW)
    assert info.value.field == field


def test_the_field_path_is_kept_inside_a_batch():
    with pytest.raises(InvalidInput) as info:
        parse(ReportIn, {**REPORT, "observed_at": "9999-12-31T23:59:59-14:00"}, "reports[3]", now=NOW)
    assert info.value.field == "reports[3].observed_at"


@pytest.mark.parametrize(
    ("given", "utc"),
    [
        ("2026-11-22T10:00:00+05:00", datetime(2026, 11, 22, 5, 0, tzinfo=UTC)),
        ("1990-01-01T00:00:00Z", datetime(1990, 1, 1, tzinfo=UTC)),
        ("2026-11-23T12:00:00Z", NOW + timedelta(days=1)),  # a day ahead: clock skew and zones
        ("2026-11-23T17:00:00+05:00", NOW + timedelta(days=1)),
    ],
)
def test_good_times_come_back_in_utc(given, utc):
    report = parse(ReportIn, {**REPORT, "observed_at": given}, now=NOW)
    assert report.observed_at == utc
    assert report.observed_at.utcoffset() == timedelta(0)


def test_no_observed_at_is_fine_and_the_clock_defaults_to_the_system_one():
    assert parse(ReportIn, REPORT).observed_at is None
    yesterday = (datetime.now(UTC) - timedelta(days=1)).isoformat()
    assert parse(ReportIn, {**REPORT, "observed_at": yesterday}).observed_at is not None
    next_week = (datetime.now(UTC) + timedelta(days=7)).isoformat()
    with pytest.raises(InvalidInput, match="more than a day ahead"):
        parse(ReportIn, {**REPORT, "observed_at": next_week})
