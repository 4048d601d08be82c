"""What the agent knows and decides, without I/O: the tables it manages, the center's index, what it
holds, how long to wait after a failure, and whether a table's text is one Kamailio may load."""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from blocklists.telecom import (
    EXPIRES_HEADER,
    NUMBERS_HEADER,
    OFFICIAL_HEADER,
    RANGES_HEADER,
    dbtext_fields,
)


class GatewayAgentError(Exception):
    """Base of the agent's errors; each message says what was wrong."""


class CenterUnavailable(GatewayAgentError):  # noqa: N818 - names the condition
    """The center did not answer, or answered with an error status."""


class GatewayUnavailable(GatewayAgentError):  # noqa: N818
    """Kamailio's JSON-RPC did not answer, or refused the command."""


class InvalidTable(GatewayAgentError):  # noqa: N818
    """A table (or the index) that must not be loaded: wrong checksum, wrong header, a bad row."""


@dataclass(frozen=True, slots=True)
class TableSpec:
    """One table the agent keeps: the list it comes from, and how Kamailio reloads it."""

    name: str  # the list's name at the center, also the db_text file name
    reload_method: str  # JSON-RPC method: htable.reload or mtree.reload
    reload_target: str  # the htable or mtree name in the Kamailio configuration
    header: str  # the db_text column line the table must start with
    fields: int  # fields per row


TABLES: Mapping[str, TableSpec] = {
    spec.name: spec
    for spec in (
        TableSpec("phones.kamailio", "htable.reload", "blocklist", NUMBERS_HEADER, 2),
        TableSpec("phones.expires.kamailio", "htable.reload", "blocklist", EXPIRES_HEADER, 5),
        TableSpec("phones.digits.kamailio", "htable.reload", "blocklist", NUMBERS_HEADER, 2),
        TableSpec("phones.ranges.kamailio", "mtree.reload", "ranges", RANGES_HEADER, 3),
        TableSpec("phones.ranges.digits.kamailio", "mtree.reload", "ranges", RANGES_HEADER, 3),
        TableSpec("phones.official.kamailio", "htable.reload", "official", OFFICIAL_HEADER, 2),
    )
}
# What config/kamailio/kamailio.cfg loads.
DEFAULT_TABLES = ("phones.kamailio", "phones.ranges.kamailio", "phones.official.kamailio")


def table_specs(names: str) -> tuple[TableSpec, ...]:
    """`phones.kamailio,phones.ranges.kamailio` -> their specs; GatewayAgentError names an unknown one."""
    chosen = [n.strip() for n in names.split(",") if n.strip()]
    unknown = [n for n in chosen if n not in TABLES]
    if unknown or not chosen:
        raise GatewayAgentError(f"unknown tables {unknown or names!r}; known: {', '.join(sorted(TABLES))}")
    targets = [TABLES[n].reload_target for n in chosen]
    if len(set(targets)) != len(targets):
        raise GatewayAgentError(f"{chosen} load the same Kamailio table twice; choose one of each")
    return tuple(TABLES[n] for n in chosen)


@dataclass(frozen=True, slots=True)
class IndexEntry:
    name: str
    version: int
    sha256: str


_SHA256 = re.compile(r"[0-9a-f]{64}")


def parse_index(document: Any) -> dict[str, IndexEntry]:
    """The center's `GET /v1/blocklists` answer, checked. Raises InvalidTable saying what is wrong."""
    if not isinstance(document, dict) or not isinstance(document.get("lists"), list):
        raise InvalidTable("the index is not an object with a 'lists' array")
    entries: dict[str, IndexEntry] = {}
    for item in document["lists"]:
        if not isinstance(item, dict):
            raise InvalidTable("an index entry is not an object")
        name, version, digest = item.get("name"), item.get("version"), item.get("sha256")
        if not isinstance(name, str) or not isinstance(version, int) or isinstance(version, bool) or version < 0:
            raise InvalidTable(f"index entry {str(name)[:60]!r} has no name or no version")
        if not isinstance(digest, str) or not _SHA256.fullmatch(digest):
            raise InvalidTable(f"index entry {name!r} has no sha256")
        entries[name] = IndexEntry(name, version, digest)
    return entries


@dataclass(frozen=True, slots=True)
class Held:
    """A table the agent wrote: the version and checksum of its bytes."""

    version: int
    sha256: str


@dataclass(slots=True)
class AgentState:
    """What survives a restart of the agent (a JSON file beside the tables)."""

    held: dict[str, Held] = field(default_factory=dict)
    pending_reload: set[str] = field(default_factory=set)  # written, not yet reloaded by Kamailio
    hits: dict[str, Any] = field(default_factory=dict)  # HitsLedger.to_json()

    def to_json(self) -> dict[str, Any]:
        return {
            "held": {n: {"version": h.version, "sha256": h.sha256} for n, h in sorted(self.held.items())},
            "pending_reload": sorted(self.pending_reload),
            "hits": self.hits,
        }

    @classmethod
    def from_json(cls, document: Any) -> AgentState:
        """The state of a previous run; an unreadable one is forgotten (the tables are fetched again)."""
        state = cls()
        if not isinstance(document, dict):
            return state
        for name, held in (document.get("held") or {}).items():
            if isinstance(held, dict) and isinstance(held.get("version"), int) and isinstance(held.get("sha256"), str):
                state.held[str(name)] = Held(held["version"], held["sha256"])
        state.pending_reload = {str(n) for n in document.get("pending_reload") or [] if isinstance(n, str)}
        hits = document.get("hits")
        state.hits = hits if isinstance(hits, dict) else {}
        return state


@dataclass(frozen=True, slots=True)
class Backoff:
    """Exponential backoff with full jitter: after n failures wait up to min(cap, base * 2**(n-1))."""

    base: float = 1.0
    cap: float = 60.0

    def delay(self, failures: int, random: Callable[[], float]) -> float:
        if failures <= 0:
            return 0.0
        ceiling = min(self.cap, self.base * float(2 ** min(failures - 1, 30)))
        return ceiling / 2 + random() * ceiling / 2  # never less than half: a storm of instant retries helps nobody


_NUMBER_KEY = re.compile(r"\+?[0-9]{2,15}")
_CATEGORY = re.compile(r"[a-z_]{1,40}")
_UNIX_TIME = re.compile(r"[0-9]{1,10}")
# Whole tables in one C-speed match (a million rows in a fraction of a second); only a table that
# fails it is read line by line, to say where and what is wrong.
_ROWS = {
    NUMBERS_HEADER: re.compile(r"(?:\+?[0-9]{2,15}:[a-z_]{1,40}\n)*"),
    RANGES_HEADER: re.compile(r"(?:\+?([0-9]{2,15}):[a-z_]{1,40}:\+\1\*\n)*"),
    EXPIRES_HEADER: re.compile(r"(?:\+?[0-9]{2,15}:0:0:[a-z_]{1,40}:[0-9]{1,10}\n)*"),
}


def check_table(spec: TableSpec, body: bytes) -> None:
    """Raise InvalidTable unless `body` is a table Kamailio may load as `spec` says: its header, then
    rows of the right fields, each key a number or prefix, each reason a category. Even a center whose
    checksums match could be wrong; a gateway refusing calls on garbage would be worse."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidTable(f"{spec.name} is not UTF-8: {exc}") from exc
    if not text.startswith(spec.header):
        raise InvalidTable(f"{spec.name} does not start with the header {spec.header.strip()!r}")
    if not text.endswith("\n"):
        raise InvalidTable(f"{spec.name} does not end with a newline: it was cut short")
    fast = _ROWS.get(spec.header)
    if fast is not None and fast.fullmatch(text, len(spec.header)):
        return
    for number, line in enumerate(text[len(spec.header) :].splitlines(), start=2):
        _check_row(spec, number, line)
    if fast is not None:
        raise InvalidTable(f"{spec.name} holds a row that is not in the form of its columns")


def _check_row(spec: TableSpec, number: int, line: str) -> None:
    where = f"{spec.name} line {number}"
    try:
        fields = dbtext_fields(line)
    except ValueError as exc:
        raise InvalidTable(f"{where}: {exc}") from exc
    if len(fields) != spec.fields:
        raise InvalidTable(f"{where} has {len(fields)} fields, not {spec.fields}")
    if not _NUMBER_KEY.fullmatch(fields[0]):
        raise InvalidTable(f"{where}: {fields[0][:40]!r} is not a number or a prefix")
    if spec.header == OFFICIAL_HEADER:
        return
    reason = fields[3] if spec.header == EXPIRES_HEADER else fields[1]
    if not _CATEGORY.fullmatch(reason):
        raise InvalidTable(f"{where}: {reason[:40]!r} is not a category")
    if spec.header == EXPIRES_HEADER and not (fields[1] == fields[2] == "0" and _UNIX_TIME.fullmatch(fields[4])):
        raise InvalidTable(f"{where}: key and value types must be 0 and expires a Unix time")
    if spec.header == RANGES_HEADER and fields[2] != "+" + fields[0].removeprefix("+") + "*":
        raise InvalidTable(f"{where}: the listed range {fields[2][:40]!r} is not the prefix followed by '*'")
