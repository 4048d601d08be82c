"""Rows: the published form of one list entry, every field already text, checked once.

A row is what every format renders from. Its fields are formatted when the entry enters a list (not
each time a list is rendered), which is what makes re-rendering a million-entry list cheap: the
renderers only join strings. Values are checked here, at the door: anything that could break out of a
line, a quoted string or a zone file is refused (never escaped: it means a bug upstream).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import NamedTuple

from antifraud.domain.model import ListEntry, ListKind
from blocklists.errors import InvalidSnapshot

MAX_SERIAL = 2**32 - 1  # the SOA serial is an unsigned 32-bit number (RFC 1035 3.3.13)
MAX_NAME_LENGTH = 253

# Lower-case LDH labels (underscore allowed: it occurs in real host names). Nothing else may reach a
# resolver's configuration: no quote, slash, space, `;`, `#`, `*`, `@` or `$`.
# Used with fullmatch only: `$` would also accept a value ending in a newline.
_DOMAIN = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# E.164 (`+` and up to 15 digits) or a short code, which the normalizer keeps as bare digits; a
# trailing `*` marks a number range (a prefix an analyst listed as a whole).
_PHONE = re.compile(r"\+[1-9][0-9]{1,14}\*?|[0-9]{2,15}")
# Wallet addresses: base58 (Bitcoin legacy, TRON), bech32 (Bitcoin SegWit, lower case) or 0x hex.
_WALLET = re.compile(r"[1-9A-HJ-NP-Za-km-z]{25,64}|bc1[02-9ac-hj-np-z]{6,87}|0x[0-9a-f]{40}")
_PATTERNS = {ListKind.DOMAINS: _DOMAIN, ListKind.PHONES: _PHONE, ListKind.WALLETS: _WALLET}
# A relative owner name ending in one of these labels would be an RPZ trigger of another kind
# (client IP, response IP, name server) once the consumer appends its origin.
_RPZ_TRIGGER_LABELS = frozenset({"rpz-ip", "rpz-nsip", "rpz-nsdname", "rpz-client-ip"})
_CATEGORY = re.compile(r"[a-z_]{1,40}")


class Row(NamedTuple):
    """One entry of a published list, as text. A NamedTuple: millions are built, and a tuple is built in C."""

    value: str  # ASCII domain (punycode for IDN), E.164 number or range, or wallet address
    category: str
    score: str  # 0-100, as text
    listed_at: str  # RFC 3339 UTC, whole seconds, `Z`
    expires_at: str  # the same, or "" when the listing does not expire
    display: str  # the Unicode form of an IDN for comments, "" when it is the value itself
    origin: str  # who listed it: "auto" or "analyst"


def rfc3339(value: datetime | None) -> str:
    """UTC, whole seconds, `Z`: one spelling per instant, so equal snapshots give equal bytes."""
    if value is None:
        return ""
    if value.tzinfo is None:
        raise InvalidSnapshot(f"timestamp {value.isoformat()} has no time zone; lists carry UTC instants")
    # isoformat is several times faster than strftime, and lists format hundreds of thousands of times.
    if value.tzinfo is not UTC:
        value = value.astimezone(UTC)
    return value.isoformat(timespec="seconds")[:19] + "Z"


def display_form(value: str, display: str | None) -> str:
    """The Unicode form for a comment, or "". Control and line-separator characters are replaced: a
    newline in a comment would end it and turn the rest into data."""
    if not display or display == value:
        return ""
    if display.isprintable():
        return display
    return "".join(c if c.isprintable() and unicodedata.category(c) not in {"Zl", "Zp"} else "?" for c in display)


def check_value(kind: ListKind, value: str, where: str) -> None:
    """Raise InvalidSnapshot unless `value` can be carried safely by every format of `kind`."""
    if kind is ListKind.DOMAINS:
        if len(value) > MAX_NAME_LENGTH or not _DOMAIN.fullmatch(value):
            raise InvalidSnapshot(
                f"{where} {value[:80]!r} is not a lower-case ASCII domain name (punycode for IDN)", field=where
            )
        if value.rpartition(".")[2] in _RPZ_TRIGGER_LABELS:
            raise InvalidSnapshot(f"{where} {value!r} ends in an RPZ trigger label", field=where)
    elif kind is ListKind.PHONES:
        if not _PHONE.fullmatch(value):
            raise InvalidSnapshot(f"{where} {value[:40]!r} is not an E.164 number, range or short code", field=where)
    elif not _PATTERNS[kind].fullmatch(value):
        raise InvalidSnapshot(f"{where} {value[:80]!r} is not a wallet address", field=where)


_BLOCKS = {kind: re.compile(f"(?:(?:{pattern.pattern})\n)*") for kind, pattern in _PATTERNS.items()}
_RPZ_TRIGGER_SUFFIX = re.compile(r"(?:^|\.)rpz-(?:ip|nsip|nsdname|client-ip)\n", re.MULTILINE)


def check_values(kind: ListKind, values: Sequence[str], where: str) -> None:
    """check_value over many values: one regex pass over all of them joined (the common case: every value
    valid); only a failure walks them one by one to name the offender."""
    if not values:
        return
    joined = "\n".join(values) + "\n"
    fine = _BLOCKS[kind].fullmatch(joined) is not None
    if fine and kind is ListKind.DOMAINS:
        fine = max(map(len, values)) <= MAX_NAME_LENGTH and _RPZ_TRIGGER_SUFFIX.search(joined) is None
    if not fine:
        for i, value in enumerate(values):
            check_value(kind, value, f"{where}[{i}].value")


def check_version(version: int, what: str) -> None:
    if not 0 <= version <= MAX_SERIAL:
        raise InvalidSnapshot(
            f"{what} {version} is outside 0..{MAX_SERIAL}, the range of an RPZ SOA serial", field="version"
        )


def to_row(kind: ListKind, entry: ListEntry, where: str = "entry") -> Row:
    """The checked row of an entry. Raises InvalidSnapshot naming `where` and the problem."""
    check_value(kind, entry.value, f"{where}.value")
    category = entry.category.value
    if not _CATEGORY.fullmatch(category):  # pragma: no cover - categories are an enum of safe names
        raise InvalidSnapshot(f"{where} has an unsafe category {category!r}", field=where)
    try:
        listed_at, expires_at = rfc3339(entry.listed_at), rfc3339(entry.expires_at)
    except InvalidSnapshot:
        raise InvalidSnapshot(f"{where} {entry.value!r} has a timestamp without a time zone", field=where) from None
    score = entry.score if 0 <= entry.score <= 100 else max(0, min(100, entry.score))
    return Row(
        entry.value,
        category,
        str(score),
        listed_at,
        expires_at,
        display_form(entry.value, entry.display),
        entry.origin.value,
    )


def to_rows(kind: ListKind, entries: Iterable[ListEntry], where: str) -> list[Row]:
    """Checked rows sorted by value; a value given twice is refused."""
    rows = [to_row(kind, e, f"{where}[{i}]") for i, e in enumerate(entries)]
    rows.sort()
    check_unique(rows, where)
    return rows


def check_unique(rows: Sequence[Row], where: str) -> None:
    """Rows must be sorted; refuse a value that appears twice."""
    for i in range(1, len(rows)):
        if rows[i][0] == rows[i - 1][0]:
            raise InvalidSnapshot(f"{where} holds {rows[i][0]!r} more than once", field=where)
