"""Every published list format, rendered deterministically from a snapshot (same snapshot, same bytes:
ETags and checksums rely on it)."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

from antifraud.domain.model import Delta, ListEntry, ListKind, Snapshot

RPZ_TTL = 300


def rfc3339(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _header(snapshot: Snapshot, kind: ListKind, comment: str) -> list[str]:
    entries = snapshot.entries(kind)
    return [
        f"{comment} antifraud {kind.value} list",
        f"{comment} version: {snapshot.version}",
        f"{comment} generated_at: {rfc3339(snapshot.generated_at)}",
        f"{comment} entries: {len(entries)}",
    ]


def _lines(lines: list[str]) -> bytes:
    return ("\n".join(lines) + "\n").encode("utf-8")


def _display(entry: ListEntry) -> str:
    # Unicode forms go in comments only; the data itself stays ASCII for every consumer.
    return f" ; {entry.display}" if entry.display and entry.display != entry.value else ""


def render_rpz(snapshot: Snapshot) -> bytes:
    """A response-policy zone with relative owner names: the consumer's zone name is the origin.

    `d CNAME .` answers NXDOMAIN for the name and `*.d CNAME .` for every name below it.
    """
    lines = _header(snapshot, ListKind.DOMAINS, ";")
    lines += [
        f"$TTL {RPZ_TTL}",
        f"@ IN SOA localhost. hostmaster.localhost. {snapshot.version} 3600 600 604800 {RPZ_TTL}",
        "@ IN NS localhost.",
    ]
    for e in snapshot.domains:
        lines.append(f"{e.value} CNAME .{_display(e)}")
        lines.append(f"*.{e.value} CNAME .")
    return _lines(lines)


def render_hosts(snapshot: Snapshot) -> bytes:
    return _lines(_header(snapshot, ListKind.DOMAINS, "#") + [f"0.0.0.0 {e.value}" for e in snapshot.domains])


def render_domains_txt(snapshot: Snapshot) -> bytes:
    return _lines(_header(snapshot, ListKind.DOMAINS, "#") + [e.value for e in snapshot.domains])


def render_unbound(snapshot: Snapshot) -> bytes:
    # always_nxdomain answers NXDOMAIN for the zone and everything below it, whatever the upstream says.
    lines = _header(snapshot, ListKind.DOMAINS, "#")
    lines += [f'local-zone: "{e.value}." always_nxdomain' for e in snapshot.domains]
    return _lines(lines)


def render_dnsmasq(snapshot: Snapshot) -> bytes:
    # `address=/d/` (no address) makes dnsmasq answer NXDOMAIN for d and every subdomain of it.
    return _lines(_header(snapshot, ListKind.DOMAINS, "#") + [f"address=/{e.value}/" for e in snapshot.domains])


def _entry_json(e: ListEntry, key: str) -> dict[str, object]:
    item: dict[str, object] = {key: e.value}
    if key == "value":
        item["display"] = e.display or e.value
    item.update(
        category=e.category.value,
        score=e.score,
        listed_at=rfc3339(e.listed_at),
        expires_at=rfc3339(e.expires_at) or None,
    )
    return item


def _render_json(snapshot: Snapshot, kind: ListKind, key: str) -> bytes:
    document = {
        "list": kind.value,
        "version": snapshot.version,
        "generated_at": rfc3339(snapshot.generated_at),
        "entries": [_entry_json(e, key) for e in snapshot.entries(kind)],
    }
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def render_domains_json(snapshot: Snapshot) -> bytes:
    return _render_json(snapshot, ListKind.DOMAINS, "value")


PHONES_CSV_HEADER = ("e164", "category", "score", "listed_at", "expires_at")


def render_phones_csv(snapshot: Snapshot) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(PHONES_CSV_HEADER)
    for e in snapshot.phones:
        writer.writerow((e.value, e.category.value, e.score, rfc3339(e.listed_at), rfc3339(e.expires_at)))
    return out.getvalue().encode("utf-8")


def render_phones_json(snapshot: Snapshot) -> bytes:
    return _render_json(snapshot, ListKind.PHONES, "e164")


def render_phones_txt(snapshot: Snapshot) -> bytes:
    return _lines(_header(snapshot, ListKind.PHONES, "#") + [e.value for e in snapshot.phones])


# deltas ----------------------------------------------------------------------------------------------
def _delta_txt(delta: Delta) -> bytes:
    lines = [
        f"# antifraud {delta.kind.value} delta",
        f"# from_version: {delta.from_version}",
        f"# to_version: {delta.to_version}",
    ]
    lines += [f"+{e.value}" for e in delta.added]
    lines += [f"-{v}" for v in delta.removed]
    return _lines(lines)


def _delta_json(delta: Delta) -> bytes:
    key = "e164" if delta.kind is ListKind.PHONES else "value"
    document = {
        "list": delta.kind.value,
        "from_version": delta.from_version,
        "to_version": delta.to_version,
        "added": [_entry_json(e, key) for e in delta.added],
        "removed": list(delta.removed),
    }
    return (json.dumps(document, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")


def _delta_csv(delta: Delta) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("action", *PHONES_CSV_HEADER))
    for e in delta.added:
        writer.writerow(("add", e.value, e.category.value, e.score, rfc3339(e.listed_at), rfc3339(e.expires_at)))
    for v in delta.removed:
        writer.writerow(("remove", v, "", "", "", ""))
    return out.getvalue().encode("utf-8")


@dataclass(frozen=True, slots=True)
class ListFormat:
    name: str
    kind: ListKind
    media_type: str
    render: Callable[[Snapshot], bytes]
    delta: Callable[[Delta], bytes] | None = None

    @property
    def supports_delta(self) -> bool:
        return self.delta is not None

    def render_delta(self, delta: Delta) -> bytes | None:
        return None if self.delta is None else self.delta(delta)


TEXT = "text/plain; charset=utf-8"
_ALL = (
    ListFormat("domains.rpz", ListKind.DOMAINS, "text/dns; charset=utf-8", render_rpz),
    ListFormat("domains.hosts", ListKind.DOMAINS, TEXT, render_hosts),
    ListFormat("domains.txt", ListKind.DOMAINS, TEXT, render_domains_txt, _delta_txt),
    ListFormat("domains.json", ListKind.DOMAINS, "application/json", render_domains_json, _delta_json),
    ListFormat("domains.unbound.conf", ListKind.DOMAINS, TEXT, render_unbound),
    ListFormat("domains.dnsmasq.conf", ListKind.DOMAINS, TEXT, render_dnsmasq),
    ListFormat("phones.csv", ListKind.PHONES, "text/csv; charset=utf-8", render_phones_csv, _delta_csv),
    ListFormat("phones.json", ListKind.PHONES, "application/json", render_phones_json, _delta_json),
    ListFormat("phones.txt", ListKind.PHONES, TEXT, render_phones_txt, _delta_txt),
)
FORMATS: Mapping[str, ListFormat] = {f.name: f for f in _ALL}
