"""Hand-written fakes of the ports, for service tests (no database, no clock, no network).

`FakeStore` keeps the store's semantics exactly — row versions refused on conflict, atomic change
sets, the change feed, counters, published membership, leases — so that the store contract suite
(tests/contract) runs against it and SQLite alike. `GatedStore` wraps any store and stops a chosen
call at a gate until the test opens it: that is how the tests interleave two writers.
"""

from __future__ import annotations

import asyncio
import itertools
import json
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from typing import Any

from antifraud.domain.errors import IdempotencyTaken, StoreUnavailable, WriteConflict
from antifraud.domain.model import (
    LIST_OF_TYPE,
    Category,
    DecisionOrigin,
    IndicatorKey,
    IndicatorType,
    ListEntry,
    ListingState,
)
from antifraud.ports import (
    AllowRecord,
    ApiKeyRecord,
    AuditRecord,
    BulkListed,
    BulkListing,
    ChangeSet,
    DisputeRecord,
    FeedEntry,
    HitBatch,
    IdempotencyRecord,
    IndicatorRecord,
    LinkRecord,
    ListChange,
    ListingRow,
    Operator,
    Projection,
    ProjectionRow,
    PublicationRecord,
    RawChange,
    RawRow,
    ReportRecord,
    ReviewFilter,
)


@dataclass
class FakeClock:
    current: datetime = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


def _utc(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


@dataclass
class _Hits:
    batch: HitBatch


@dataclass
class FakeStore:
    """antifraud.ports.Store in memory. `fail_next` makes the next write raise StoreUnavailable."""

    writer_id: str = "fake"
    indicators: dict[IndicatorKey, IndicatorRecord] = field(default_factory=dict)
    reports: list[ReportRecord] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    allow: dict[IndicatorKey, AllowRecord] = field(default_factory=dict)
    idempotency: dict[tuple[int, str], IdempotencyRecord] = field(default_factory=dict)
    operators: dict[str, Operator] = field(default_factory=dict)
    keys: dict[str, ApiKeyRecord] = field(default_factory=dict)
    links: dict[tuple[IndicatorKey, IndicatorKey, str], LinkRecord] = field(default_factory=dict)
    disputes: list[tuple[DisputeRecord, datetime | None]] = field(default_factory=list)
    hits: dict[tuple[int, str, datetime, datetime], HitBatch] = field(default_factory=dict)
    counter_values: dict[tuple[str, tuple[str, ...]], float] = field(default_factory=dict)
    feed: list[FeedEntry] = field(default_factory=list)
    publications: list[PublicationRecord] = field(default_factory=list)
    changes: list[tuple[int, str, ListChange]] = field(default_factory=list)
    published_lists: dict[str, dict[str, ListEntry]] = field(default_factory=lambda: defaultdict(dict))
    leases: dict[str, tuple[str, datetime]] = field(default_factory=dict)
    fail_next: bool = False
    closed: bool = False
    _seq: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def shared(self, writer_id: str) -> FakeStore:
        """Another process's view of the same data: the same state, its own writer id."""
        return replace(self, writer_id=writer_id)

    def _fail(self) -> None:
        if self.closed:
            raise StoreUnavailable("the store is closed")
        if self.fail_next:
            self.fail_next = False
            raise StoreUnavailable("disk full (fake)")

    def _append(self, topic: str, key: IndicatorKey | None, data: Mapping[str, object], writer: str) -> None:
        self.feed.append(FeedEntry(next(self._seq), writer, topic, key, dict(data)))

    # writes --------------------------------------------------------------------------------------
    async def apply(self, changes: ChangeSet) -> None:  # noqa: C901 - one branch per part of a change set, as the SQL adapter
        await asyncio.sleep(0)  # a real store awaits: let other tasks run here
        self._fail()
        conflicts = []
        for r in changes.indicators:
            stored = self.indicators.get(r.key)
            if (stored.row_version if stored else 0) != r.row_version:
                conflicts.append(r.key)
        if conflicts:
            raise WriteConflict(f"changed by another writer: {conflicts[:3]}", frozenset(conflicts))
        for i in changes.idempotency:
            if (i.operator_id, i.key) in self.idempotency:
                raise IdempotencyTaken("the Idempotency-Key was stored by another request", frozenset())
        # nothing can fail past this point: the change set applies whole
        for r in changes.indicators:
            stored_copy = r.copy()
            stored_copy.row_version = r.row_version + 1
            self.indicators[r.key] = stored_copy
            self._append(
                "indicator", r.key, {**Projection.of(r).to_json(), "row_version": r.row_version + 1}, self.writer_id
            )
        self.reports.extend(changes.reports)
        for a in changes.allow:
            self.allow[a.key] = a
            self._append("allow", a.key, {"allowed": True}, self.writer_id)
        for key in changes.allow_removed:
            self.allow.pop(key, None)
            self._append("allow", key, {"allowed": False}, self.writer_id)
        self.audit.extend(changes.audit)
        for i in changes.idempotency:
            self.idempotency[(i.operator_id, i.key)] = i
        for link in changes.links:
            self.links[(link.source, link.target, link.relation)] = link
        self.disputes.extend((d, None) for d in changes.disputes)
        for key in changes.disputes_closed:
            self.disputes = [(d, c or datetime.now(UTC)) if d.key == key else (d, c) for d, c in self.disputes]
        deltas: dict[tuple[str, tuple[str, ...]], float] = defaultdict(float)
        for c in changes.counters:
            deltas[(c.name, c.labels)] += c.amount
        for batch in changes.hits:
            key = (batch.operator_id, batch.list, batch.interval_start, batch.interval_end)
            old = self.hits.get(key)
            self.hits[key] = batch
            before = old.per_category if old else {}
            for category in set(before) | set(batch.per_category):
                deltas[("blocked_hits", (batch.list, category))] += batch.per_category.get(category, 0) - before.get(
                    category, 0
                )
            deltas[("operator_blocked_hits", (batch.list, batch.operator_name))] += sum(
                batch.per_category.values()
            ) - sum(before.values())
        for k, v in deltas.items():
            self.counter_values[k] = self.counter_values.get(k, 0.0) + v
        if deltas:
            self._append("counters", None, {}, self.writer_id)

    async def list_many(self, listing: BulkListing) -> list[BulkListed]:
        self._fail()
        done = []
        newly = 0
        for value, display in listing.entries:
            key = IndicatorKey(listing.type, value)
            if key in self.allow:
                continue
            before = self.indicators.get(key)
            record = before.copy() if before else IndicatorRecord(key, display, listing.at, state_changed_at=listing.at)
            if before is None or before.state is not ListingState.LISTED:
                record.listed_at = record.first_report_at = listing.at
                newly += 1
            record.state, record.state_changed_at, record.category = ListingState.LISTED, listing.at, listing.category
            record.expires_at, record.origin = listing.expires_at, DecisionOrigin.ANALYST
            record.analyst_locked = record.disputed = False
            if before is None:
                record.categories = {listing.category.value}
            record.row_version += 1
            self.indicators[key] = record
            self.audit.append(
                AuditRecord(
                    listing.at,
                    listing.actor,
                    "analyst:block",
                    key,
                    before.state.value if before else "candidate",
                    "listed",
                    listing.reason,
                )
            )
            self.disputes = [(d, c or listing.at) if d.key == key else (d, c) for d, c in self.disputes]
            self._append(
                "indicator", key, {**Projection.of(record).to_json(), "row_version": record.row_version}, self.writer_id
            )
            done.append(BulkListed(value, before.state if before else None, record.row_version, record.score))
        for name, labels, amount in (
            ("decisions_total", (listing.type.value, "block", "analyst"), len(done)),
            ("listing_changes_total", (LIST_OF_TYPE[listing.type].value,), newly),
        ):
            if amount:
                self.counter_values[(name, labels)] = self.counter_values.get((name, labels), 0.0) + amount
        return done

    # indicators ----------------------------------------------------------------------------------
    async def get_indicators(self, keys: Sequence[IndicatorKey]) -> dict[IndicatorKey, IndicatorRecord]:
        await asyncio.sleep(0)
        return {k: self.indicators[k].copy() for k in keys if k in self.indicators}

    async def projections(self) -> AsyncIterator[list[ProjectionRow]]:
        yield [
            (
                r.key.type.value,
                r.key.value,
                r.state.value,
                r.category.value if r.category else "",
                r.score,
                int(r.disputed),
                r.origin.value if r.origin else "",
            )
            for r in self.indicators.values()
            if r.state in {ListingState.LISTED, ListingState.REVIEW} or r.disputed
        ]

    async def allowlist(self) -> list[AllowRecord]:
        return list(self.allow.values())

    async def review_page(self, filters: ReviewFilter, limit: int, offset: int) -> tuple[int, list[IndicatorRecord]]:
        waiting = [r for r in self.indicators.values() if r.state is ListingState.REVIEW or r.disputed]
        if filters.type is not None:
            waiting = [r for r in waiting if r.key.type is filters.type]
        if filters.category is not None:
            waiting = [r for r in waiting if r.category is filters.category]
        if filters.query:
            waiting = [r for r in waiting if r.key.value.startswith(filters.query)]
        if filters.brand:
            waiting = [r for r in waiting if filters.brand in r.signals_json]
        if filters.source:
            ids = {o.id for o in self.operators.values() if o.name == filters.source}
            reported = {r.key for r in self.reports if r.operator_id in ids}
            waiting = [r for r in waiting if r.key in reported]
        waiting.sort(key=lambda r: (not r.disputed, -r.score, r.first_seen))
        return len(waiting), [r.copy() for r in waiting[offset : offset + limit]]

    async def due_for_expiry(self, now: datetime, limit: int) -> list[IndicatorKey]:
        due = [
            r.key
            for r in self.indicators.values()
            if r.state is ListingState.LISTED and r.expires_at is not None and r.expires_at <= now
        ]
        return due[:limit]

    async def listed_values(self, kind: IndicatorType, after: str, limit: int) -> list[str]:
        values = sorted(
            r.key.value
            for r in self.indicators.values()
            if r.key.type is kind and r.state is ListingState.LISTED and r.key.value > after
        )
        return values[:limit]

    async def listings(self, keys: Sequence[IndicatorKey]) -> dict[IndicatorKey, ListingRow]:
        found = {}
        for key in keys:
            r = self.indicators.get(key)
            if r is None:
                continue
            entry = ListEntry(
                r.key.value,
                r.category or Category.OTHER,
                r.score,
                r.listed_at or r.first_seen,
                r.expires_at,
                r.display if r.display != r.key.value else None,
                r.origin or DecisionOrigin.AUTO,
            )
            found[key] = ListingRow(key, r.state, _round_trip(entry), key in self.allow)
        return found

    async def audit_for(self, key: IndicatorKey, limit: int = 100) -> list[AuditRecord]:
        return [a for a in reversed(self.audit) if a.key == key][:limit]

    async def links_of(self, key: IndicatorKey) -> list[LinkRecord]:
        found = [link for link in self.links.values() if key in (link.source, link.target)]
        return sorted(found, key=lambda link: link.at, reverse=True)

    async def reports_for(self, key: IndicatorKey, limit: int = 50) -> list[ReportRecord]:
        return [r for r in reversed(self.reports) if r.key == key][:limit]

    async def get_idempotency(self, operator_id: int, key: str) -> IdempotencyRecord | None:
        return self.idempotency.get((operator_id, key))

    # operators and keys --------------------------------------------------------------------------
    async def ensure_operator(self, name: str) -> Operator:
        if name not in self.operators:
            self.operators[name] = Operator(len(self.operators) + 1, name)
        return self.operators[name]

    async def add_key(self, record: ApiKeyRecord) -> None:
        self.keys[record.key_id] = record

    async def find_key(self, key_id: str) -> ApiKeyRecord | None:
        return self.keys.get(key_id)

    async def list_keys(self) -> list[ApiKeyRecord]:
        return list(self.keys.values())

    async def revoke_key(self, key_id: str) -> bool:
        record = self.keys.get(key_id)
        if record is None or record.revoked:
            return False
        self.keys[key_id] = replace(record, revoked=True)
        self._append("key", None, {"key_id": key_id, "revoked": True}, self.writer_id)
        return True

    # the change feed -----------------------------------------------------------------------------
    async def changes_since(self, seq: int, limit: int = 1000) -> list[FeedEntry]:
        return [e for e in self.feed if e.seq > seq][:limit]

    async def last_seq(self) -> int:
        return self.feed[-1].seq if self.feed else 0

    async def counters(self) -> list[tuple[str, tuple[str, ...], float]]:
        return [(n, labels, v) for (n, labels), v in sorted(self.counter_values.items())]

    # publication ---------------------------------------------------------------------------------
    async def last_publication(self) -> PublicationRecord | None:
        return self.publications[-1] if self.publications else None

    async def publications_after(self, version: int) -> list[PublicationRecord]:
        return [p for p in self.publications if p.version > version]

    async def record_publication(self, record: PublicationRecord, changes: Mapping[str, Sequence[ListChange]]) -> None:
        await asyncio.sleep(0)
        self._fail()
        newest = self.publications[-1].version if self.publications else 0
        if record.version <= newest:
            raise WriteConflict(f"version {record.version} is not newer than {newest}", frozenset())
        self.publications.append(record)
        for kind, items in changes.items():
            for c in items:
                self.changes.append((record.version, kind, c))
                if c.entry is None:
                    self.published_lists[kind].pop(c.value, None)
                else:
                    self.published_lists[kind][c.value] = _round_trip(c.entry)
        self._append("publication", None, {"version": record.version}, self.writer_id)

    async def record_hold(self, reason: str, at: datetime) -> None:  # noqa: ARG002 - the feed entry carries no time
        self._append("hold", None, {"reason": reason}, self.writer_id)

    async def publication_changes(self, list_name: str, since: int, until: int) -> list[tuple[int, ListChange]]:
        return [(v, c) for v, k, c in self.changes if k == list_name and since < v <= until]

    async def publication_actions(self, list_name: str, since: int, until: int) -> list[tuple[str, str]]:
        return [(c.value, c.action) for _, c in await self.publication_changes(list_name, since, until)]

    async def published(self, list_name: str, values: Sequence[str]) -> dict[str, ListEntry]:
        current = self.published_lists[list_name]
        return {v: current[v] for v in values if v in current}

    async def published_entries(self, list_name: str) -> AsyncIterator[list[ListEntry]]:
        current = self.published_lists[list_name]
        yield [current[v] for v in sorted(current)]

    async def publication_raw(self, list_name: str, version: int) -> list[RawChange]:
        return [(c.action, _raw(c.value, c.entry)) for v, k, c in self.changes if k == list_name and v == version]

    async def published_raw(self, list_name: str) -> AsyncIterator[list[RawRow]]:
        current = self.published_lists[list_name]
        yield [_raw(v, current[v]) for v in sorted(current)]

    async def mass_change_baseline(self, since: datetime) -> int:
        approved = [p.version for p in self.publications if p.approved]
        before = [p.version for p in self.publications if p.created_at <= since]
        return max([*approved, *before], default=0)

    # leases, health, retention -------------------------------------------------------------------
    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        now = datetime.now(UTC)
        current = self.leases.get(name)
        if current is not None and current[0] != holder and current[1] > now:
            return False
        self.leases[name] = (holder, now + timedelta(seconds=seconds))
        return True

    async def release_lease(self, name: str, holder: str) -> None:
        if self.leases.get(name, ("", None))[0] == holder:
            del self.leases[name]

    async def healthy(self, timeout: float = 2.0) -> tuple[bool, str]:  # noqa: ARG002 - memory answers at once
        try:
            self._fail()
        except StoreUnavailable as exc:
            return False, exc.message
        return True, "in memory"

    async def prune(self, before: datetime) -> int:  # noqa: ARG002 - the fake keeps everything
        return 0

    async def close(self) -> None:
        self.closed = True


def _round_trip(entry: ListEntry) -> ListEntry:
    """Entries as a store gives them back: times at microsecond precision in UTC."""
    return replace(
        entry,
        listed_at=entry.listed_at.astimezone(UTC),
        expires_at=entry.expires_at.astimezone(UTC) if entry.expires_at else None,
    )


def _rfc3339(value: datetime | None) -> str:
    return "" if value is None else value.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"


def _raw(value: str, entry: ListEntry | None) -> RawRow:
    if entry is None:
        return (value, "", "", "", "", "", "")
    return (
        value,
        entry.category.value,
        str(entry.score),
        _rfc3339(entry.listed_at),
        _rfc3339(entry.expires_at),
        entry.display or "",
        entry.origin.value,
    )


def _entry_json(entry: ListEntry | None) -> str | None:
    if entry is None:
        return None
    return json.dumps(
        {
            "value": entry.value,
            "category": entry.category.value,
            "score": entry.score,
            "listed_at": _utc(entry.listed_at),
            "expires_at": _utc(entry.expires_at),
            "display": entry.display,
            "origin": entry.origin.value,
        }
    )


class Gate:
    """Stops the next call of a store method until `open()`; `reached` is set when a caller arrived."""

    def __init__(self) -> None:
        self.reached = asyncio.Event()
        self._open = asyncio.Event()

    def open(self) -> None:
        self._open.set()

    async def wait(self) -> None:
        self.reached.set()
        await self._open.wait()


class GatedStore:
    """A store whose chosen method waits at a gate before doing its work (one gate per call)."""

    def __init__(self, inner: Any) -> None:
        self._inner = inner
        self._gates: dict[str, list[Gate]] = defaultdict(list)

    def gate(self, method: str) -> Gate:
        gate = Gate()
        self._gates[method].append(gate)
        return gate

    def __getattr__(self, name: str) -> Any:
        target = getattr(self._inner, name)
        if not callable(target) or name not in self._gates:
            return target

        async def gated(*args: Any, **kwargs: Any) -> Any:
            gates = self._gates.get(name)
            if gates:
                await gates.pop(0).wait()
            return await target(*args, **kwargs)

        return gated


def signals_of(record: IndicatorRecord) -> list[str]:
    return [s["name"] for s in json.loads(record.signals_json)]
