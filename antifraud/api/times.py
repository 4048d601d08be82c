"""Times that users send (`observed_at`, hit intervals): validated as pydantic types, named by field.

A time that cannot be converted to UTC (`9999-12-31T23:59:59-14:00` is past year 9999 there) used to
raise OverflowError deep in the store, a 500 on every such request. Times here must carry a zone
(RFC 3339), convert to UTC, fall on or after 1990-01-01 (nothing the center tracks is older) and be
no more than a day ahead of the center's clock (clock skew and time zones, not the future).

The clock comes in through pydantic's validation context (`{"now": datetime}`, which
`antifraud.api.schemas.parse` fills in); without one the system clock is read.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated

from pydantic import AfterValidator, ValidationInfo
from pydantic_core import PydanticCustomError

EARLIEST = datetime(1990, 1, 1, tzinfo=UTC)
FUTURE_SLACK = timedelta(days=1)


def _now(info: ValidationInfo) -> datetime:
    context = info.context if isinstance(info.context, dict) else {}
    now = context.get("now")
    return now if isinstance(now, datetime) else datetime.now(UTC)


def check_reported_time(value: datetime, now: datetime) -> datetime:
    """`value` in UTC, if it is a time a report may carry; otherwise PydanticCustomError in words."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise PydanticCustomError("time_zone", "needs a time zone (RFC 3339), e.g. 2026-11-22T10:00:00Z")
    try:
        utc = value.astimezone(UTC)
    except OverflowError:
        raise PydanticCustomError(
            "time_range", "{given} is outside the range of dates once converted to UTC", {"given": value.isoformat()}
        ) from None
    if utc < EARLIEST:
        raise PydanticCustomError(
            "time_range", "{given} is before {earliest}", {"given": value.isoformat(), "earliest": "1990-01-01"}
        )
    latest = now.astimezone(UTC) + FUTURE_SLACK
    if utc > latest:
        raise PydanticCustomError(
            "time_range",
            "{given} is more than a day ahead of the center's clock ({now})",
            {"given": value.isoformat(), "now": now.astimezone(UTC).isoformat(timespec="seconds")},
        )
    return utc


def _validate(value: datetime, info: ValidationInfo) -> datetime:
    return check_reported_time(value, _now(info))


ReportedTime = Annotated[datetime, AfterValidator(_validate)]
