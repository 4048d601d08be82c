"""Call records: the columns of a CDR file, and reading the fields that need more than a glance.

Contract (DESIGN.md): a header naming at least start, caller, callee, duration_s, answered, trunk
(other columns ignored); `start` RFC 3339 or epoch seconds; `answered` 0/1; `trunk` international or
domestic. Numbers are read the way KZ/RU switches write them (`+7…`, `7…`, `8…`, `00…`) with a fast
path for the forms CDRs carry; a withheld caller (empty, `anonymous`, …) is a valid record whose
caller is None. The analyzer reads the common forms inline (antifraud.calls.analyzer) and calls
these for the rest.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from antifraud.domain.errors import InvalidIndicator, InvalidInput
from antifraud.domain.normalize import normalize_phone

REQUIRED = ("start", "caller", "callee", "duration_s", "answered", "trunk")
WITHHELD = frozenset({"", "anonymous", "unknown", "restricted", "private", "unavailable", "withheld"})
MAX_DURATION_S = 7 * 24 * 3600  # a record of a longer call is broken, not a call
_DIGITS = frozenset("0123456789")


class InvalidRecord(InvalidInput):
    """A row that is not a call record; the message says which field and why."""

    code = "invalid_record"


class RecordParser:
    """The columns of a call record file, found once in its header."""

    def __init__(self, header: Sequence[str]) -> None:
        names = [h.strip().lower() for h in header]
        missing = [c for c in REQUIRED if c not in names]
        if missing:
            raise InvalidRecord(
                f"the header lacks {', '.join(missing)}; a call record file needs the columns {', '.join(REQUIRED)}",
                field="header",
            )
        self.indexes = tuple(names.index(c) for c in REQUIRED)
        self.width = max(self.indexes) + 1


def parse_start(text: str) -> float:
    """Epoch seconds (`1764547200`, `1764547200.25`) or RFC 3339 with a zone (`2026-12-01T00:00:00Z`)."""
    if text.isdigit() and text.isascii():
        return float(text)
    head, dot, tail = text.partition(".")
    if dot and head.isdigit() and tail.isdigit() and head.isascii() and tail.isascii():
        return float(text)
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidRecord(
            f"start is {text[:40]!r}; use RFC 3339 (2026-12-01T10:00:00Z) or Unix seconds", field="start"
        ) from None
    if moment.tzinfo is None:
        raise InvalidRecord(f"start {text[:40]!r} has no time zone; add Z or an offset such as +05:00", field="start")
    return moment.timestamp()


def cdr_number(text: str, field: str) -> str | None:
    """E.164 (or a short code) from what a switch wrote; None for a withheld caller."""
    if text[:1] == "+" and text[1:2] != "7" and 8 <= len(text) <= 16 and _DIGITS.issuperset(text[1:]):
        return text  # already E.164 (+7 numbers are checked for their length below)
    if len(text) == 11 and text[0] in "78" and _DIGITS.issuperset(text):
        return "+7" + text[1:]  # 8… and 7…: the national forms of +7
    if text.lower() in WITHHELD:
        if field == "caller":
            return None
        raise InvalidRecord(f"{field} is {text[:30]!r}, not a number", field=field)
    digits = text[2:] if text.startswith("00") else text[3:] if text.startswith("810") else None
    try:
        return normalize_phone("+" + digits if digits else text).e164
    except InvalidIndicator as exc:
        raise InvalidRecord(f"{field}: {exc.message}", field=field) from None
