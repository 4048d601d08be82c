"""The phone list in the forms SIP gateways load as they are (docs/telecom.md).

Kamailio reads tables through `db_text`: a first line of typed columns, then one row per line with
fields separated by `:` (escaped `\\:` inside a field, `\\\\` for a backslash). Every table here is
rendered from the rows of the phone list (blocklists.rows), one line per row, so the run law of
blocklists.formats holds and a million-entry table is patched, not re-rendered:

- `phones.kamailio` (contract): htable `cols='number,reason'`, exact numbers as `+E164:category`;
- `phones.digits.kamailio`: the same without `+`, for gateways that match SIP user parts as digits;
- `phones.expires.kamailio`: htable's own five columns with the expiry as a Unix time, for tables
  declared with `autoexpire` and `db_expires=1` (a listing then ends on time even if no new list
  arrives);
- `phones.ranges.kamailio` and `phones.ranges.digits.kamailio`: mtree tables of the listed ranges
  (`+7701234*`), longest-prefix match; the third column is the listed value, which the gateway counts
  hits under.

Also here: the `match` column and field that phones.csv and phones.json carry (`exact` or `prefix`),
the text delta of db_text tables (`?since=`) and applying it, and the table of protected brands'
official numbers (`phones.official.kamailio`), which is rendered from the brands, not from the list.

Only rows.py is imported at run time: blocklists.formats registers these pieces.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime

from antifraud.domain.model import Delta
from blocklists.errors import InvalidSnapshot
from blocklists.rows import Row, to_row

RANGE_MARK = "*"
MAX_UNIX_TIME = 2**31 - 1  # db_text reads an int column into a C int

NUMBERS_HEADER = "number(str) reason(str)\n"
EXPIRES_HEADER = "key_name(str) key_type(int) value_type(int) key_value(str) expires(int)\n"
# mtree accepts only `string` columns (DB1_STRING), where htable takes `str`
RANGES_HEADER = "prefix(string) reason(string) listed(string)\n"
OFFICIAL_HEADER = "number(str) brand(str)\n"
OFFICIAL_TABLE = "phones.official.kamailio"  # served beside the lists, the same at every version until brands change

_ESCAPES = str.maketrans({"\\": "\\\\", ":": "\\:", "\n": "\\n", "\r": "\\r", "\t": "\\t", "\0": "\\0"})
_UNESCAPES = {"\\": "\\", ":": ":", "n": "\n", "r": "\r", "t": "\t", "0": "\0"}


def dbtext_escape(text: str) -> str:
    """A db_text string field: `:` and `\\` escaped, and the control characters db_text escapes."""
    return text.translate(_ESCAPES)


def dbtext_fields(line: str) -> list[str]:
    """The unescaped fields of one db_text row (without its newline). Raises ValueError on a bad escape."""
    fields: list[str] = []
    current: list[str] = []
    chars = iter(line)
    for char in chars:
        if char == "\\":
            following = next(chars, "")
            if following not in _UNESCAPES:
                raise ValueError(f"bad escape \\{following} in db_text row {line[:60]!r}")
            current.append(_UNESCAPES[following])
        elif char == ":":
            fields.append("".join(current))
            current = []
        else:
            current.append(char)
    fields.append("".join(current))
    return fields


Run = Callable[[Sequence[Row]], str]


def is_range_value(value: str) -> bool:
    return value.endswith(RANGE_MARK)


def is_range(row: Row) -> bool:
    return row[0].endswith(RANGE_MARK)


def is_number(row: Row) -> bool:
    return not row[0].endswith(RANGE_MARK)


def _constant(text: str) -> Callable[[object], str]:
    def edge(_meta: object) -> str:
        return text

    return edge


numbers_header = _constant(NUMBERS_HEADER)
expires_header = _constant(EXPIRES_HEADER)
ranges_header = _constant(RANGES_HEADER)


# Values and categories are checked by blocklists.rows ([+0-9*] and [a-z_]): none needs escaping.
def numbers_run(rows: Sequence[Row]) -> str:
    """phones.kamailio: `+E164:category` (short codes as their digits)."""
    return "".join([f"{r[0]}:{r[1]}\n" for r in rows])


def digits_run(rows: Sequence[Row]) -> str:
    """phones.digits.kamailio: `E164-without-plus:category`."""
    return "".join([f"{r[0].removeprefix('+')}:{r[1]}\n" for r in rows])


def unix_time(rfc3339: str) -> int:
    """`2026-12-22T10:00:00Z` -> 1797933600; "" (no expiry) -> 0, which htable reads as "never"."""
    if not rfc3339:
        return 0
    return min(int(datetime.fromisoformat(rfc3339).timestamp()), MAX_UNIX_TIME)


def expires_run(rows: Sequence[Row]) -> str:
    """phones.expires.kamailio: key_name:key_type(0 = plain key):value_type(0 = string):category:expiry."""
    return "".join([f"{r[0]}:0:0:{r[1]}:{unix_time(r[4])}\n" for r in rows])


def ranges_run(rows: Sequence[Row]) -> str:
    """phones.ranges.kamailio: `+7701234:wangiri:+7701234*`."""
    return "".join([f"{r[0][:-1]}:{r[1]}:{r[0]}\n" for r in rows])


def ranges_digits_run(rows: Sequence[Row]) -> str:
    """phones.ranges.digits.kamailio: `7701234:wangiri:+7701234*`."""
    return "".join([f"{r[0][1:-1]}:{r[1]}:{r[0]}\n" for r in rows])


# phones.csv and phones.json: the existing columns, then `match` -------------------------------------
PHONES_CSV_HEADER = "e164,category,score,listed_at,expires_at,origin,match\n"
PHONES_DELTA_CSV_HEADER = "action,e164,category,score,listed_at,expires_at,origin,match\n"


def match_of(value: str) -> str:
    """`prefix` for a range (the e164 column then holds the prefix and `*`), `exact` for a number."""
    return "prefix" if value.endswith(RANGE_MARK) else "exact"


phones_csv_header = _constant(PHONES_CSV_HEADER)


def phones_csv_run(rows: Sequence[Row]) -> str:
    return "".join([f"{r[0]},{r[1]},{r[2]},{r[3]},{r[4]},{r[6]},{match_of(r[0])}\n" for r in rows])


def phones_json_run(rows: Sequence[Row]) -> str:
    return ",".join(
        [
            f'{{"e164":"{r[0]}","category":"{r[1]}","score":{r[2]},"listed_at":"{r[3]}",'
            f'"expires_at":{_json_time(r[4])},"origin":"{r[6]}","match":"{match_of(r[0])}"}}'
            for r in rows
        ]
    )


def _json_time(text: str) -> str:
    return f'"{text}"' if text else "null"


def phones_delta_csv(delta: Delta) -> bytes:
    rows = [to_row(delta.kind, e) for e in delta.added]
    lines = "".join(f"add,{line}\n" for line in phones_csv_run(rows).splitlines())
    lines += "".join(f"remove,{v},,,,,,{match_of(v)}\n" for v in delta.removed)
    return (PHONES_DELTA_CSV_HEADER + lines).encode("utf-8")


# deltas of db_text tables -------------------------------------------------------------------------
# `+<row>` upserts the row whose first field (the key) it names; `-<key>` removes one. The key is the
# first field as written in the table; keys sort as the values they come from, so the agent that
# applies a delta and sorts by key writes the very bytes of the full table, and checks them against
# the sha256 of the index.
DELTA_TITLE = "# antifraud db_text delta"


def dbtext_delta(run: Run, *, ranges: bool) -> Callable[[Delta], bytes]:
    """The `?since=` body of the db_text table that `run` renders from the list's ranges (or numbers)."""
    key = range_key if ranges else same_key

    def render(delta: Delta) -> bytes:
        added = [r for r in (to_row(delta.kind, e) for e in delta.added) if is_range(r) is ranges]
        removed = [v for v in delta.removed if is_range_value(v) is ranges]
        lines = [
            DELTA_TITLE,
            f"# from_version: {delta.from_version}",
            f"# to_version: {delta.to_version}",
            f"# added: {len(added)}",
            f"# removed: {len(removed)}",
        ]
        text = "\n".join(lines) + "\n"
        text += "".join(f"+{line}\n" for line in run(added).splitlines())
        text += "".join(f"-{key(v)}\n" for v in removed)
        return text.encode("utf-8")

    return render


def same_key(value: str) -> str:
    return value


def range_key(value: str) -> str:
    return value[:-1]


class DeltaMismatch(InvalidSnapshot):
    """A delta that does not apply to the table held (another version, a malformed line)."""

    code = "delta_mismatch"


def apply_dbtext_delta(table: bytes, delta: bytes, held_version: int) -> tuple[bytes, int]:
    """The table after `delta`, and the version it is at. Raises DeltaMismatch when the delta starts
    from another version than `held_version` or cannot be read; the caller then fetches the full table.

    The table's rows are in key order, so the changes are merged in: each is found by bisection and
    the rows between are copied as they are (a million-row table and a thousand changes: a fraction of
    a second). A table that is not in key order gives bytes whose checksum the caller refuses."""
    try:
        text, body = table.decode("utf-8"), delta.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DeltaMismatch(f"not UTF-8: {exc}") from exc
    changes, from_version, to_version = _read_delta(body)
    if from_version != held_version:
        raise DeltaMismatch(f"the delta starts at version {from_version}, the table held is {held_version}")
    header, _, rows_text = text.partition("\n")
    rows = rows_text.splitlines()
    merged: list[str] = []
    position = 0
    for key in sorted(changes):
        index = bisect.bisect_left(rows, key, lo=position, key=_key_of)
        merged.extend(rows[position:index])
        if index < len(rows) and _key_of(rows[index]) == key:
            index += 1  # replaced or removed
        if changes[key] is not None:
            merged.append(changes[key])  # type: ignore[arg-type]
        position = index
    merged.extend(rows[position:])
    merged.append("")
    return (header + "\n" + "\n".join(merged)).encode("utf-8"), to_version


def _read_delta(body: str) -> tuple[dict[str, str | None], int, int]:
    """{key: new row, or None to remove it}, and the versions the delta joins."""
    lines = body.splitlines()
    if not lines or lines[0] != DELTA_TITLE:
        raise DeltaMismatch("the body is not a db_text delta")
    meta: dict[str, str] = {}
    changes: dict[str, str | None] = {}
    for line in lines[1:]:
        if line.startswith("# "):
            name, _, value = line[2:].partition(": ")
            meta[name] = value
        elif line.startswith("+") and len(line) > 1:
            changes[_key_of(line[1:])] = line[1:]
        elif line.startswith("-") and len(line) > 1:
            changes[line[1:]] = None
        else:
            raise DeltaMismatch(f"unreadable delta line {line[:60]!r}")
    try:
        return changes, int(meta["from_version"]), int(meta["to_version"])
    except (KeyError, ValueError) as exc:
        raise DeltaMismatch("the delta does not say which versions it joins") from exc


def _key_of(line: str) -> str:
    if "\\" not in line:  # keys are numbers: a row needs unescaping only in its text fields
        return line.split(":", 1)[0]
    try:
        return dbtext_fields(line)[0]
    except ValueError as exc:
        raise DeltaMismatch(str(exc)) from exc


# official numbers ---------------------------------------------------------------------------------
def render_official_table(numbers: Iterable[tuple[str, str]]) -> bytes:
    """`phones.official.kamailio` from (number, brand name) pairs: the numbers a gateway must never see
    arrive on the international trunk. A number of two brands names both."""
    brands: dict[str, list[str]] = {}
    for number, brand in numbers:
        if not number or any(c not in "+0123456789" for c in number):
            raise InvalidSnapshot(f"official number {number[:40]!r} of {brand!r} is not E.164 or a short code")
        names = brands.setdefault(number, [])
        if brand not in names:
            names.append(brand)
    rows = "".join(f"{n}:{dbtext_escape(', '.join(sorted(brands[n])))}\n" for n in sorted(brands))
    return (OFFICIAL_HEADER + rows).encode("utf-8")


def sha256_hex(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()


def official_index_entry(body: bytes, version: int, updated_at: str) -> dict[str, object]:
    """The index.json entry of the official table, in the shape of every other list's."""
    return {
        "name": "phones.official.kamailio",
        "version": version,
        "entries": body.count(b"\n") - 1,
        "sha256": sha256_hex(body),
        "bytes": len(body),
        "updated_at": updated_at,
    }
