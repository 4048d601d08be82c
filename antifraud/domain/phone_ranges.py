"""Number ranges: what analysts list when fraud comes from a block of numbers rather than one number.

A wangiri campaign rotates through a block of numbers (`+88234 5xxxx`), premium-rate fraud uses a
whole premium range: listing one number at a time is always one call behind. A range is written as
an E.164 prefix followed by `*` (`+7701234*`), the form every published list carries (blocklists.rows
accepts it). It covers every longer number that starts with the prefix, not the prefix itself.

A range must name at least MIN_RANGE_DIGITS digits after the country code, so that nobody lists a
whole operator or a whole country by a slip of the keyboard (`+7*`, `+7701*` would be millions of
numbers). Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Container

import phonenumbers

from antifraud.domain.errors import InvalidIndicator

RANGE_MARK = "*"
MIN_RANGE_DIGITS = 4  # after the country code: +7 7012* is 100,000 numbers; +7 701* would be ten million
MAX_E164_DIGITS = 15
MAX_INPUT_LENGTH = 64
_SEPARATORS = re.compile(r"[\s().\-/]")
_RANGE_TEXT = re.compile(r"\+?[0-9]+\*")
# Kazakhstan and Russia share +7 with ten-digit national numbers; the trunk prefix 8 stands for +7.
_PLUS7_NATIONAL_DIGITS = 10


def normalize_phone_range(text: str, min_digits: int = MIN_RANGE_DIGITS) -> str:
    """`+7 701 234*`, `7701234*`, `8 701 234*` -> `+7701234*`. Raises InvalidIndicator saying what is wrong.

    Without `+`, a prefix starting with 7 or 8 is read the way KZ/RU networks present numbers (+7);
    any other prefix needs its `+` (a bare `44…` could be a national number of anywhere).
    """
    raw = text.strip()
    if not raw:
        raise InvalidIndicator("the number range is empty", field="value")
    if len(raw) > MAX_INPUT_LENGTH:
        raise InvalidIndicator(f"the number range is longer than {MAX_INPUT_LENGTH} characters", field="value")
    compact = _SEPARATORS.sub("", raw)
    if not compact.endswith(RANGE_MARK):
        raise InvalidIndicator(
            f"{raw!r} is not a number range: a range is a prefix followed by '*', e.g. +7701234*", field="value"
        )
    if not _RANGE_TEXT.fullmatch(compact):
        raise InvalidIndicator(
            f"{raw!r} is not a number range: use digits, an optional leading '+' and one '*' at the end",
            field="value",
        )
    digits = compact[:-1].removeprefix("+")
    if not compact.startswith("+"):
        if digits[:1] not in {"7", "8"}:
            raise InvalidIndicator(
                f"{raw!r} has no '+': write the range in international form, e.g. +44 20 7946*", field="value"
            )
        digits = "7" + digits[1:]
    country_code = _country_code(digits, raw)
    national = digits[len(country_code) :]
    if len(national) < min_digits:
        raise InvalidIndicator(
            f"{raw!r} names {len(national)} digit(s) after the country code +{country_code}; a range needs at "
            f"least {min_digits}, so that a slip cannot list a whole operator or country",
            field="value",
        )
    longest = _PLUS7_NATIONAL_DIGITS - 1 if country_code == "7" else MAX_E164_DIGITS - 1 - len(country_code)
    if len(national) > longest:
        raise InvalidIndicator(
            f"{raw!r} is as long as a whole number; report the number itself, without '*'", field="value"
        )
    return f"+{digits}{RANGE_MARK}"


def _country_code(digits: str, raw: str) -> str:
    if digits.startswith("0"):
        raise InvalidIndicator(f"{raw!r}: a country code never starts with 0", field="value")
    for length in (1, 2, 3):  # country codes are prefix-free (ITU-T E.164), so the first hit is the one
        candidate = digits[:length]
        if len(candidate) == length and int(candidate) in phonenumbers.COUNTRY_CODE_TO_REGION_CODE:
            return candidate
    raise InvalidIndicator(f"{raw!r} does not start with a known country code", field="value")


def is_phone_range(value: str) -> bool:
    """Whether a normalized phone value is a range (ends with `*`)."""
    return value.endswith(RANGE_MARK)


def range_prefix(range_value: str) -> str:
    """`+7701234*` -> `+7701234`."""
    if not is_phone_range(range_value):
        raise InvalidIndicator(f"{range_value!r} is not a normalized number range", field="value")
    return range_value[:-1]


def range_matches(range_value: str, e164: str) -> bool:
    """Whether the number `e164` lies in the normalized range `range_value` (a longer number with its prefix)."""
    prefix = range_prefix(range_value)
    return len(e164) > len(prefix) and e164.startswith(prefix)


def matching_range(e164: str, ranges: Container[str]) -> str | None:
    """The longest listed range that holds `e164`, or None. `ranges` holds normalized range values (a set:
    one membership test per prefix length, at most 15, whatever the number of ranges)."""
    if not e164.startswith("+"):
        return None  # a short code is never inside a range
    for end in range(len(e164) - 1, 1, -1):
        candidate = e164[:end] + RANGE_MARK
        if candidate in ranges:
            return candidate
    return None
