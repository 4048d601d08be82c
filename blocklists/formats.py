"""Every published list format, rendered deterministically from rows.

A format is a header, a renderer of a *run* of consecutive rows, a separator and a footer:

    body = header + separator.join(run(chunk) for chunk in consecutive chunks) + footer

and `run` must give the same text for a list whether it is cut into chunks or not (each row's text
depends on that row alone). That law is what lets a publication re-render only the part of a
million-entry list that changed and copy the rest from the previous file (blocklists.buckets and
blocklists.writer): incremental and full renders are byte-identical by construction, and a test checks
it for every format.

The same rows always give the same bytes: ETags and checksums rely on it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from itertools import starmap
from operator import itemgetter

from antifraud.domain.model import Delta, ListKind, Snapshot
from blocklists import telecom
from blocklists.errors import InvalidSnapshot
from blocklists.rows import _DOMAIN, Row, check_unique, check_value, check_version, rfc3339, to_row, to_rows

DEFAULT_RPZ_TTL = 300
MAX_SERIAL = 2**32 - 1


@dataclass(frozen=True, slots=True)
class ListMeta:
    """What a header or footer may show: the list, its version and how many entries this format carries."""

    kind: ListKind
    version: int
    generated_at: str  # RFC 3339
    entries: int


Run = Callable[[Sequence[Row]], str]
Edge = Callable[[ListMeta], str]
Selects = Callable[[Row], bool]


def _nothing(_meta: ListMeta) -> str:
    return ""


@dataclass(frozen=True, slots=True)
class ListFormat:
    """One published list: its name in the API and the directory, what it lists, how it is rendered."""

    name: str
    kind: ListKind
    media_type: str
    header: Edge
    run: Run
    separator: str = ""
    footer: Edge = _nothing
    delta_body: Callable[[Delta], bytes] | None = None
    selects: Selects | None = None  # a format that carries only some rows (ranges only, numbers only)

    @property
    def supports_delta(self) -> bool:
        return self.delta_body is not None

    def render_rows(self, rows: Sequence[Row], version: int, generated_at: datetime) -> bytes:
        """The whole body from checked rows sorted by value."""
        check_version(version, "snapshot version")
        chosen = rows if self.selects is None else [r for r in rows if self.selects(r)]
        meta = ListMeta(self.kind, version, rfc3339(generated_at), len(chosen))
        return (self.header(meta) + self.run(chosen) + self.footer(meta)).encode("utf-8")

    def render(self, snapshot: Snapshot) -> bytes:
        """The whole body of a snapshot's list (checked and sorted here)."""
        rfc3339(snapshot.generated_at)
        rows = to_rows(self.kind, snapshot.entries(self.kind), self.kind.value)
        return self.render_rows(rows, snapshot.version, snapshot.generated_at)

    def render_delta(self, delta: Delta) -> bytes | None:
        """The delta in this format, or None where the format cannot express one (serve the full list)."""
        if self.delta_body is None:
            return None
        if delta.kind is not self.kind:
            raise InvalidSnapshot(f"{self.name} renders {self.kind.value} deltas, not {delta.kind.value}")
        return self.delta_body(checked_delta(delta))


def checked_delta(delta: Delta) -> Delta:
    """The delta with its entries checked and sorted; its added and removed values must not overlap."""
    check_version(delta.from_version, "delta from_version")
    check_version(delta.to_version, "delta to_version")
    if delta.from_version > delta.to_version:
        raise InvalidSnapshot(
            f"delta goes backwards: from_version {delta.from_version} > to_version {delta.to_version}",
            field="from_version",
        )
    added = tuple(sorted(delta.added, key=lambda e: e.value))
    check_unique([to_row(delta.kind, e, f"added[{i}]") for i, e in enumerate(added)], "added")
    removed = sorted(delta.removed)
    for i, value in enumerate(removed):
        check_value(delta.kind, value, f"removed[{i}]")
        if i and removed[i - 1] == value:
            raise InvalidSnapshot(f"removed holds {value!r} more than once", field="removed")
    both = {e.value for e in added}.intersection(removed)
    if both:
        raise InvalidSnapshot(f"delta both adds and removes {sorted(both)[:5]}", field="removed")
    return Delta(delta.kind, delta.from_version, delta.to_version, added, tuple(removed))


# shared pieces -----------------------------------------------------------------------------------
def comment_header(comment: str) -> Edge:
    def header(meta: ListMeta) -> str:
        return (
            f"{comment} antifraud {meta.kind.value} list\n"
            f"{comment} version: {meta.version}\n"
            f"{comment} generated_at: {meta.generated_at}\n"
            f"{comment} entries: {meta.entries}\n"
        )

    return header


def _json_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)


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


def rpz_header(options: RpzOptions) -> Edge:
    comments = comment_header(";")

    def header(meta: ListMeta) -> str:
        # the SOA serial is the list version, so secondaries and Unbound's `url:` transfer see it move forward
        o = options
        return (
            comments(meta) + f"$TTL {o.ttl}\n"
            f"@ IN SOA {o.primary} {o.contact} {meta.version} {o.refresh} {o.retry} {o.expire} {o.ttl}\n"
            f"@ IN NS {o.primary}\n"
        )

    return header


# The common run has no display form (no IDN): it is rendered by C-level joins over the values, which
# is most of a million-entry list; a run with one takes the per-row path. Same bytes either way.
_VALUE = itemgetter(0)
_DISPLAY = itemgetter(5)
_EXPIRES = itemgetter(4)


def _plain(rows: Sequence[Row]) -> bool:
    return not any(map(_DISPLAY, rows))


def _each_value(template: str) -> Run:
    fill = template.format

    def run(rows: Sequence[Row]) -> str:
        return "".join(map(fill, map(_VALUE, rows)))

    return run


_rpz_plain = _each_value("{0} CNAME .\n*.{0} CNAME .\n")
_hosts_plain = _each_value("0.0.0.0 {0}\n")
_unbound_plain = _each_value('local-zone: "{0}." always_nxdomain\n')


def rpz_run(rows: Sequence[Row]) -> str:
    # `d CNAME .` rewrites d itself to NXDOMAIN and `*.d CNAME .` every name below it.
    if _plain(rows):
        return _rpz_plain(rows)
    return "".join(
        [
            f"{r[0]} CNAME .\n*.{r[0]} CNAME .\n" if not r[5] else f"{r[0]} CNAME . ; {r[5]}\n*.{r[0]} CNAME .\n"
            for r in rows
        ]
    )


def hosts_run(rows: Sequence[Row]) -> str:
    if _plain(rows):
        return _hosts_plain(rows)
    return "".join([f"0.0.0.0 {r[0]}\n" if not r[5] else f"0.0.0.0 {r[0]} # {r[5]}\n" for r in rows])


def names_run(rows: Sequence[Row]) -> str:
    """One value per line: domains.txt, phones.txt, wallets.txt."""
    return "\n".join(map(_VALUE, rows)) + "\n" if rows else ""


def unbound_run(rows: Sequence[Row]) -> str:
    # always_nxdomain answers NXDOMAIN for the zone and everything below it whatever the upstream
    # says; the file is meant for `include:` inside a `server:` clause.
    if _plain(rows):
        return _unbound_plain(rows)
    return "".join(
        [
            f'local-zone: "{r[0]}." always_nxdomain\n'
            if not r[5]
            else f'local-zone: "{r[0]}." always_nxdomain # {r[5]}\n'
            for r in rows
        ]
    )


def dnsmasq_run(rows: Sequence[Row]) -> str:
    # `address=/d/` with no address answers NXDOMAIN for d and every name below it, ahead of any
    # upstream server (docs/formats.md says why not `server=/d/` or `local=/d/`). dnsmasq reads
    # `#` only at the start of a line, so the Unicode forms are left out here.
    return _dnsmasq_plain(rows)


_dnsmasq_plain = _each_value("address=/{0}/\n")


def json_header(meta: ListMeta) -> str:
    return f'{{"list":"{meta.kind.value}","version":{meta.version},"generated_at":"{meta.generated_at}","entries":['


def json_footer(_meta: ListMeta) -> str:
    return "]}\n"


def _expires(text: str) -> str:
    return f'"{text}"' if text else "null"


_DOMAIN_JSON = (
    '{{"value":"{0}","display":"{0}","category":"{1}","score":{2},"listed_at":"{3}","expires_at":%s,"origin":"{6}"}}'
)
_DOMAIN_JSON_EXPIRING = _DOMAIN_JSON % '"{4}"'
_DOMAIN_JSON_LASTING = _DOMAIN_JSON % "null"


def domains_json_run(rows: Sequence[Row]) -> str:
    # Every field but the display form is checked text (LDH name, enum, digits, timestamps): none needs
    # escaping, so the objects are formatted directly rather than through json.dumps per entry.
    if _plain(rows):
        if all(map(_EXPIRES, rows)):
            return ",".join(starmap(_DOMAIN_JSON_EXPIRING.format, rows))
        if not any(map(_EXPIRES, rows)):
            return ",".join(starmap(_DOMAIN_JSON_LASTING.format, rows))
    q = '"'
    return ",".join(
        [
            f'{{"value":"{r[0]}","display":{_json_string(r[5]) if r[5] else q + r[0] + q},'
            f'"category":"{r[1]}","score":{r[2]},"listed_at":"{r[3]}","expires_at":{_expires(r[4])},'
            f'"origin":"{r[6]}"}}'
            for r in rows
        ]
    )


def keyed_json_run(key: str) -> Run:
    """Objects keyed by `key` (e164, address) without a display form: phones.json, wallets.json."""
    fields = '"category":"{1}","score":{2},"listed_at":"{3}","expires_at":%s,"origin":"{6}"'
    template = '{{"' + key + '":"{0}",' + fields + "}}"
    expiring, lasting = (template % '"{4}"').format, (template % "null").format

    def run(rows: Sequence[Row]) -> str:
        if all(map(_EXPIRES, rows)):
            return ",".join(starmap(expiring, rows))
        if not any(map(_EXPIRES, rows)):
            return ",".join(starmap(lasting, rows))
        return ",".join(
            [
                f'{{"{key}":"{r[0]}","category":"{r[1]}","score":{r[2]},"listed_at":"{r[3]}",'
                f'"expires_at":{_expires(r[4])},"origin":"{r[6]}"}}'
                for r in rows
            ]
        )

    return run


# csv (phones, wallets) ---------------------------------------------------------------------------
CSV_FIELDS = ("category", "score", "listed_at", "expires_at", "origin")


def csv_header(key: str) -> Edge:
    line = ",".join((key, *CSV_FIELDS)) + "\n"

    def header(_meta: ListMeta) -> str:
        return line

    return header


_CSV_ROW = "{0},{1},{2},{3},{4},{6}\n".format


def csv_run(rows: Sequence[Row]) -> str:
    # Every field is checked (E.164 or an address, an enum value, digits, timestamps): none needs CSV
    # quoting, so the rows are joined directly rather than through the csv module.
    return "".join(starmap(_CSV_ROW, rows))


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
    return ("\n".join(lines) + "\n").encode("utf-8")


def _delta_rows(delta: Delta) -> list[Row]:
    return [to_row(delta.kind, e) for e in delta.added]


def delta_json(run: Run) -> Callable[[Delta], bytes]:
    def render(delta: Delta) -> bytes:
        removed = ",".join(f'"{v}"' for v in delta.removed)
        return (
            f'{{"list":"{delta.kind.value}","from_version":{delta.from_version},"to_version":{delta.to_version},'
            f'"added":[{run(_delta_rows(delta))}],"removed":[{removed}]}}\n'
        ).encode()

    return render


def delta_csv(key: str) -> Callable[[Delta], bytes]:
    header = ",".join(("action", key, *CSV_FIELDS)) + "\n"
    empty = "," * len(CSV_FIELDS)

    def render(delta: Delta) -> bytes:
        rows = "".join(f"add,{line}\n" for line in csv_run(_delta_rows(delta)).splitlines())
        rows += "".join(f"remove,{v}{empty}\n" for v in delta.removed)
        return (header + rows).encode("utf-8")

    return render


# the registry ------------------------------------------------------------------------------------
TEXT = "text/plain; charset=utf-8"
JSON = "application/json"
CSV = "text/csv; charset=utf-8; header=present"
RPZ_MEDIA_TYPE = "text/dns"  # RFC 4027: master-file format


def build_formats(rpz: RpzOptions | None = None, extra: Iterable[ListFormat] = ()) -> Mapping[str, ListFormat]:
    """Every published list, keyed by name; `rpz` sets the zone's TTL and SOA fields."""
    hash_header = comment_header("#")
    formats = (
        ListFormat("domains.rpz", ListKind.DOMAINS, RPZ_MEDIA_TYPE, rpz_header(rpz or RpzOptions()), rpz_run),
        ListFormat("domains.hosts", ListKind.DOMAINS, TEXT, hash_header, hosts_run),
        ListFormat("domains.txt", ListKind.DOMAINS, TEXT, hash_header, names_run, delta_body=render_delta_txt),
        ListFormat(
            "domains.json",
            ListKind.DOMAINS,
            JSON,
            json_header,
            domains_json_run,
            ",",
            json_footer,
            delta_json(domains_json_run),
        ),
        ListFormat("domains.unbound.conf", ListKind.DOMAINS, TEXT, hash_header, unbound_run),
        ListFormat("domains.dnsmasq.conf", ListKind.DOMAINS, TEXT, hash_header, dnsmasq_run),
        ListFormat(
            "phones.csv",
            ListKind.PHONES,
            CSV,
            telecom.phones_csv_header,
            telecom.phones_csv_run,
            delta_body=telecom.phones_delta_csv,
        ),
        ListFormat(
            "phones.json",
            ListKind.PHONES,
            JSON,
            json_header,
            telecom.phones_json_run,
            ",",
            json_footer,
            delta_json(telecom.phones_json_run),
        ),
        *telecom_formats(),
        ListFormat("phones.txt", ListKind.PHONES, TEXT, hash_header, names_run, delta_body=render_delta_txt),
        ListFormat(
            "wallets.csv", ListKind.WALLETS, CSV, csv_header("address"), csv_run, delta_body=delta_csv("address")
        ),
        ListFormat(
            "wallets.json",
            ListKind.WALLETS,
            JSON,
            json_header,
            keyed_json_run("address"),
            ",",
            json_footer,
            delta_json(keyed_json_run("address")),
        ),
        *extra,
    )
    return {f.name: f for f in formats}


def telecom_formats() -> tuple[ListFormat, ...]:
    """The tables SIP gateways load as they are (blocklists.telecom, docs/telecom.md)."""
    t = telecom
    return (
        ListFormat(
            "phones.kamailio",
            ListKind.PHONES,
            TEXT,
            t.numbers_header,
            t.numbers_run,
            delta_body=t.dbtext_delta(t.numbers_run, ranges=False),
            selects=t.is_number,
        ),
        ListFormat(
            "phones.digits.kamailio", ListKind.PHONES, TEXT, t.numbers_header, t.digits_run, selects=t.is_number
        ),
        ListFormat(
            "phones.expires.kamailio",
            ListKind.PHONES,
            TEXT,
            t.expires_header,
            t.expires_run,
            delta_body=t.dbtext_delta(t.expires_run, ranges=False),
            selects=t.is_number,
        ),
        ListFormat(
            "phones.ranges.kamailio",
            ListKind.PHONES,
            TEXT,
            t.ranges_header,
            t.ranges_run,
            delta_body=t.dbtext_delta(t.ranges_run, ranges=True),
            selects=t.is_range,
        ),
        ListFormat(
            "phones.ranges.digits.kamailio",
            ListKind.PHONES,
            TEXT,
            t.ranges_header,
            t.ranges_digits_run,
            selects=t.is_range,
        ),
    )


FORMATS: Mapping[str, ListFormat] = build_formats()


def render_snapshot(snapshot: Snapshot, formats: Mapping[str, ListFormat] = FORMATS) -> dict[str, bytes]:
    """Every format of a snapshot, keyed by name; each list is checked and sorted once for all its formats."""
    rfc3339(snapshot.generated_at)
    check_version(snapshot.version, "snapshot version")
    rows = {kind: to_rows(kind, snapshot.entries(kind), kind.value) for kind in ListKind}
    return {
        name: fmt.render_rows(rows[fmt.kind], snapshot.version, snapshot.generated_at)
        for name, fmt in sorted(formats.items())
    }
