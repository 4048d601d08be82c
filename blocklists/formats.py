"""Every published list format, rendered deterministically from a snapshot.

The same snapshot always gives the same bytes: ETags and checksums rely on it. Entries are checked
(values that could break out of a line, a quoted string or a zone file are refused, never escaped:
they mean a bug upstream) and sorted by value, whatever order the snapshot holds them in.
"""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from operator import attrgetter

from antifraud.domain.model import Delta, ListEntry, ListKind, Snapshot
from blocklists.errors import InvalidSnapshot

DEFAULT_RPZ_TTL = 300
RPZ_TTL = DEFAULT_RPZ_TTL  # kept for callers of the first version
MAX_SERIAL = 2**32 - 1  # the SOA serial is an unsigned 32-bit number (RFC 1035 3.3.13)
MAX_NAME_LENGTH = 253

# Lower-case LDH labels (underscore allowed: it occurs in real host names). Nothing else may reach a
# resolver's configuration: no quote, slash, space, `;`, `#`, `*`, `@` or `$`.
# Used with fullmatch only: `$` would also accept a value ending in a newline.
_DOMAIN = re.compile(r"(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)*[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")
# E.164 (`+` and up to 15 digits) or a short code, which the normalizer keeps as bare digits.
_PHONE = re.compile(r"\+[1-9][0-9]{1,14}|[0-9]{2,15}")
# A relative owner name ending in one of these labels would be an RPZ trigger of another kind
# (client IP, response IP, name server) once the consumer appends its origin.
_RPZ_TRIGGER_LABELS = frozenset({"rpz-ip", "rpz-nsip", "rpz-nsdname", "rpz-client-ip"})
# The same rules over many values joined by newlines, for the fast path of _check_entries.
_DOMAINS_BLOCK = re.compile(f"(?:{_DOMAIN.pattern}\n)*")
_PHONES_BLOCK = re.compile(f"(?:(?:{_PHONE.pattern})\n)*")
_RPZ_TRIGGER_SUFFIX = re.compile(r"(?:^|\.)rpz-(?:ip|nsip|nsdname|client-ip)\n", re.MULTILINE)


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


# checked content ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ListContent:
    """One list of a snapshot, checked and sorted by value: what every format of that list renders."""

    kind: ListKind
    version: int
    generated_at: datetime
    entries: tuple[ListEntry, ...]
    times: tuple[tuple[str, str], ...]  # per entry: listed_at and expires_at in RFC 3339 ("" for no expiry)


def _check_value(kind: ListKind, value: str, where: str) -> None:
    if kind is ListKind.DOMAINS:
        if len(value) > MAX_NAME_LENGTH or not _DOMAIN.fullmatch(value):
            raise InvalidSnapshot(
                f"{where} {value[:80]!r} is not a lower-case ASCII domain name (punycode for IDN)", field=where
            )
        if value.rpartition(".")[2] in _RPZ_TRIGGER_LABELS:
            raise InvalidSnapshot(f"{where} {value!r} ends in an RPZ trigger label", field=where)
    elif not _PHONE.fullmatch(value):
        raise InvalidSnapshot(f"{where} {value[:40]!r} is not an E.164 number or a short code", field=where)


def _check_entries(
    kind: ListKind, entries: Iterable[ListEntry], where: str
) -> tuple[tuple[ListEntry, ...], tuple[tuple[str, str], ...]]:
    """Entries sorted by value, and their timestamps formatted once for every format that shows them."""
    ordered = sorted(entries, key=attrgetter("value"))
    values = [e.value for e in ordered]
    # The common case (every value valid, none twice) is decided by a few C-level passes over all the
    # values at once; only a failure walks the entries in Python to name the offending one.
    if not _all_valid(kind, values) or len(set(values)) != len(values):
        _find_offender(kind, values, where)
    try:
        times = tuple((rfc3339(e.listed_at), rfc3339(e.expires_at)) for e in ordered)
    except InvalidSnapshot:
        naive = next(e for e in ordered if e.listed_at.tzinfo is None or (e.expires_at and e.expires_at.tzinfo is None))
        raise InvalidSnapshot(
            f"{where} entry {naive.value!r} has a timestamp without a time zone", field=where
        ) from None
    return tuple(ordered), times


def _all_valid(kind: ListKind, values: list[str]) -> bool:
    if not values:
        return True
    joined = "\n".join(values) + "\n"
    if kind is ListKind.PHONES:
        return _PHONES_BLOCK.fullmatch(joined) is not None
    return (
        max(map(len, values)) <= MAX_NAME_LENGTH
        and _DOMAINS_BLOCK.fullmatch(joined) is not None
        and _RPZ_TRIGGER_SUFFIX.search(joined) is None
    )


def _find_offender(kind: ListKind, values: list[str], where: str) -> None:
    previous = None
    for i, value in enumerate(values):
        if value == previous:
            raise InvalidSnapshot(f"{where} holds {value!r} more than once", field=where)
        previous = value
        _check_value(kind, value, f"{where}[{i}].value")
    raise InvalidSnapshot(f"{where} holds a value the list format cannot carry", field=where)


def _check_version(version: int, what: str) -> None:
    if not 0 <= version <= MAX_SERIAL:
        raise InvalidSnapshot(
            f"{what} {version} is outside 0..{MAX_SERIAL}, the range of an RPZ SOA serial", field="version"
        )


def list_content(snapshot: Snapshot, kind: ListKind) -> ListContent:
    """Check and sort one list of a snapshot. Raises InvalidSnapshot naming the offending entry."""
    _check_version(snapshot.version, "snapshot version")
    rfc3339(snapshot.generated_at)
    entries, times = _check_entries(kind, snapshot.entries(kind), kind.value)
    return ListContent(kind, snapshot.version, snapshot.generated_at, entries, times)


def checked_delta(delta: Delta) -> Delta:
    """The delta with its entries checked and sorted; its added and removed values must not overlap."""
    _check_version(delta.from_version, "delta from_version")
    _check_version(delta.to_version, "delta to_version")
    if delta.from_version > delta.to_version:
        raise InvalidSnapshot(
            f"delta goes backwards: from_version {delta.from_version} > to_version {delta.to_version}",
            field="from_version",
        )
    added, _ = _check_entries(delta.kind, delta.added, "added")
    removed = sorted(delta.removed)
    for i, value in enumerate(removed):
        _check_value(delta.kind, value, f"removed[{i}]")
        if i and removed[i - 1] == value:
            raise InvalidSnapshot(f"removed holds {value!r} more than once", field="removed")
    both = {e.value for e in added}.intersection(removed)
    if both:
        raise InvalidSnapshot(f"delta both adds and removes {sorted(both)[:5]}", field="removed")
    return Delta(delta.kind, delta.from_version, delta.to_version, added, tuple(removed))


# shared pieces -----------------------------------------------------------------------------------
def _header(content: ListContent, comment: str) -> list[str]:
    return [
        f"{comment} antifraud {content.kind.value} list",
        f"{comment} version: {content.version}",
        f"{comment} generated_at: {rfc3339(content.generated_at)}",
        f"{comment} entries: {len(content.entries)}",
    ]


def _lines(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _display(entry: ListEntry) -> str | None:
    """The Unicode form for a comment, or None. Control and line-separator characters are replaced:
    a newline in a comment would end it and turn the rest into data."""
    display = entry.display
    if not display or display == entry.value:
        return None
    if display.isprintable():
        return display
    return "".join(c if c.isprintable() and unicodedata.category(c) not in {"Zl", "Zp"} else "?" for c in display)


def _json(document: object) -> bytes:
    # sort_keys would reorder the documented field order; the dicts below are built in a fixed order.
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


# domains -----------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class RpzOptions:
    """The SOA and TTL of the RPZ. Owner names stay relative: the consumer's zone name is the origin."""

    ttl: int = DEFAULT_RPZ_TTL
    primary: str = "localhost."
    contact: str = "hostmaster.localhost."
    refresh: int = 3600
    retry: int = 600
    expire: int = 604800

    def __post_init__(self) -> None:
        for name in ("ttl", "refresh", "retry", "expire"):
            value = getattr(self, name)
            if not 0 <= value <= 2**31 - 1:
                raise InvalidSnapshot(f"RPZ {name} {value} is outside 0..2147483647 seconds", field=name)
        for name in ("primary", "contact"):
            value = getattr(self, name)
            if not value.endswith(".") or not _DOMAIN.fullmatch(value[:-1]):
                raise InvalidSnapshot(f"RPZ {name} {value!r} must be an absolute domain name ending in '.'", field=name)


def rpz_renderer(options: RpzOptions) -> Callable[[ListContent], bytes]:
    def render(content: ListContent) -> bytes:
        # `d CNAME .` rewrites d itself to NXDOMAIN and `*.d CNAME .` every name below it; the SOA
        # serial is the list version, so secondaries and Unbound's `url:` transfer see it move forward.
        o = options
        lines = _header(content, ";")
        lines += [
            f"$TTL {o.ttl}",
            f"@ IN SOA {o.primary} {o.contact} {content.version} {o.refresh} {o.retry} {o.expire} {o.ttl}",
            f"@ IN NS {o.primary}",
        ]
        for e in content.entries:
            display = _display(e)
            lines.append(f"{e.value} CNAME ." if display is None else f"{e.value} CNAME . ; {display}")
            lines.append(f"*.{e.value} CNAME .")
        return _lines(lines)

    return render


def render_hosts(content: ListContent) -> bytes:
    lines = _header(content, "#")
    for e in content.entries:
        display = _display(e)
        lines.append(f"0.0.0.0 {e.value}" if display is None else f"0.0.0.0 {e.value} # {display}")
    return _lines(lines)


def render_names(content: ListContent) -> bytes:
    """One value per line after a `#` header: domains.txt and phones.txt."""
    return _lines(_header(content, "#") + [e.value for e in content.entries])


def render_unbound(content: ListContent) -> bytes:
    # always_nxdomain answers NXDOMAIN for the zone and everything below it whatever the upstream
    # says; the file is meant for `include:` inside a `server:` clause.
    lines = _header(content, "#")
    for e in content.entries:
        display = _display(e)
        line = f'local-zone: "{e.value}." always_nxdomain'
        lines.append(line if display is None else f"{line} # {display}")
    return _lines(lines)


def render_dnsmasq(content: ListContent) -> bytes:
    # `address=/d/` with no address answers NXDOMAIN for d and every name below it, ahead of any
    # upstream server (docs/formats.md says why not `server=/d/` or `local=/d/`). dnsmasq reads
    # `#` only at the start of a line, so the Unicode forms are left out here.
    return _lines(_header(content, "#") + [f"address=/{e.value}/" for e in content.entries])


def _entry_json(e: ListEntry, key: str, listed_at: str, expires_at: str) -> dict[str, object]:
    item: dict[str, object] = {key: e.value}
    if key == "value":
        item["display"] = e.display or e.value
    item["category"] = e.category.value
    item["score"] = e.score
    item["listed_at"] = listed_at
    item["expires_at"] = expires_at or None
    return item


def _value_key(kind: ListKind) -> str:
    return "e164" if kind is ListKind.PHONES else "value"


def render_json(content: ListContent) -> bytes:
    key = _value_key(content.kind)
    return _json(
        {
            "list": content.kind.value,
            "version": content.version,
            "generated_at": rfc3339(content.generated_at),
            "entries": [_entry_json(e, key, *t) for e, t in zip(content.entries, content.times, strict=True)],
        }
    )


# phones ------------------------------------------------------------------------------------------
PHONES_CSV_HEADER = ("e164", "category", "score", "listed_at", "expires_at")


def _csv_row(e: ListEntry, listed_at: str, expires_at: str) -> str:
    # Every field is checked (E.164, an enum value, an int, a timestamp): none needs CSV quoting,
    # so the rows are joined directly rather than through the csv module.
    return f"{e.value},{e.category.value},{e.score},{listed_at},{expires_at}"


def render_phones_csv(content: ListContent) -> bytes:
    rows = (_csv_row(e, *t) for e, t in zip(content.entries, content.times, strict=True))
    return _lines([",".join(PHONES_CSV_HEADER), *rows])


# deltas ------------------------------------------------------------------------------------------
# `added` holds upserts: new values and values whose category, score or dates changed.
def render_delta_txt(delta: Delta) -> bytes:
    lines = [
        f"# antifraud {delta.kind.value} delta",
        f"# from_version: {delta.from_version}",
        f"# to_version: {delta.to_version}",
        f"# added: {len(delta.added)}",
        f"# removed: {len(delta.removed)}",
    ]
    lines += [f"+{e.value}" for e in delta.added]
    lines += [f"-{v}" for v in delta.removed]
    return _lines(lines)


def render_delta_json(delta: Delta) -> bytes:
    key = _value_key(delta.kind)
    return _json(
        {
            "list": delta.kind.value,
            "from_version": delta.from_version,
            "to_version": delta.to_version,
            "added": [_entry_json(e, key, rfc3339(e.listed_at), rfc3339(e.expires_at)) for e in delta.added],
            "removed": list(delta.removed),
        }
    )


PHONES_CSV_DELTA_HEADER = ("action", *PHONES_CSV_HEADER)


def render_delta_csv(delta: Delta) -> bytes:
    rows = [",".join(PHONES_CSV_DELTA_HEADER)]
    rows += [f"add,{_csv_row(e, rfc3339(e.listed_at), rfc3339(e.expires_at))}" for e in delta.added]
    rows += [f"remove,{v},,,," for v in delta.removed]
    return _lines(rows)


# the registry ------------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class ListFormat:
    """One published list: its name in the API and the directory, what it lists, how it is rendered."""

    name: str
    kind: ListKind
    media_type: str
    body: Callable[[ListContent], bytes]
    delta_body: Callable[[Delta], bytes] | None = None

    @property
    def supports_delta(self) -> bool:
        return self.delta_body is not None

    def render(self, snapshot: Snapshot) -> bytes:
        return self.body(list_content(snapshot, self.kind))

    def render_content(self, content: ListContent) -> bytes:
        """Render an already checked list (render_all checks each list once for all its formats)."""
        if content.kind is not self.kind:
            raise InvalidSnapshot(f"{self.name} renders the {self.kind.value} list, not {content.kind.value}")
        return self.body(content)

    def render_delta(self, delta: Delta) -> bytes | None:
        """The delta in this format, or None where the format cannot express one (serve the full list)."""
        if self.delta_body is None:
            return None
        if delta.kind is not self.kind:
            raise InvalidSnapshot(f"{self.name} renders {self.kind.value} deltas, not {delta.kind.value}")
        return self.delta_body(checked_delta(delta))


TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
RPZ_MEDIA_TYPE = "text/dns"  # RFC 4027: master-file format


def build_formats(rpz: RpzOptions | None = None) -> Mapping[str, ListFormat]:
    """Every published list, keyed by name; `rpz` sets the zone's TTL and SOA fields."""
    formats = (
        ListFormat("domains.rpz", ListKind.DOMAINS, RPZ_MEDIA_TYPE, rpz_renderer(rpz or RpzOptions())),
        ListFormat("domains.hosts", ListKind.DOMAINS, TEXT, render_hosts),
        ListFormat("domains.txt", ListKind.DOMAINS, TEXT, render_names, render_delta_txt),
        ListFormat("domains.json", ListKind.DOMAINS, JSON, render_json, render_delta_json),
        ListFormat("domains.unbound.conf", ListKind.DOMAINS, TEXT, render_unbound),
        ListFormat("domains.dnsmasq.conf", ListKind.DOMAINS, TEXT, render_dnsmasq),
        ListFormat(
            "phones.csv",
            ListKind.PHONES,
            "text/csv; charset=utf-8; header=present",
            render_phones_csv,
            render_delta_csv,
        ),
        ListFormat("phones.json", ListKind.PHONES, JSON, render_json, render_delta_json),
        ListFormat("phones.txt", ListKind.PHONES, TEXT, render_names, render_delta_txt),
    )
    return {f.name: f for f in formats}


FORMATS: Mapping[str, ListFormat] = build_formats()
