"""Ports: what the use-cases need from the outside world, and the records that cross them.

Adapters implement them (antifraud.storage: SQLite, PostgreSQL); tests use the hand-written fakes in
tests/fakes.py, and one contract suite (tests/contract) runs against every implementation.

The store is the single source of truth. Every write is a ChangeSet committed atomically; an indicator
in it carries the row version it was read at, and the store refuses the whole change set with
WriteConflict when another writer got there first. Every committed change set also appends to the
change feed, which every process follows to converge (read model, caches, revoked keys, counters).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from antifraud.domain.model import Category, DecisionOrigin, IndicatorKey, IndicatorType, ListEntry, ListingState


class Clock(Protocol):
    def now(self) -> datetime: ...


@dataclass(frozen=True, slots=True)
class Operator:
    id: int
    name: str


@dataclass(frozen=True, slots=True)
class ApiKeyRecord:
    key_id: str  # the public part of the key, used to find it
    secret_hash: str  # sha256 of the secret part, hex
    scopes: frozenset[str]
    operator: Operator
    revoked: bool = False


@dataclass(slots=True)
class IndicatorRecord:
    """The durable state of one indicator. `row_version` is the version it was read at (0: not stored yet)."""

    key: IndicatorKey
    display: str
    first_seen: datetime
    state: ListingState = ListingState.CANDIDATE
    score: int = 0
    verdict: str = "none"
    signals_json: str = "[]"
    category: Category | None = None
    categories: set[str] = field(default_factory=set)
    state_changed_at: datetime | None = None
    listed_at: datetime | None = None
    expires_at: datetime | None = None
    first_report_at: datetime | None = None  # the report that led to the current listing (time-to-publish)
    published_version: int | None = None  # first version that published the current listing
    analyst_locked: bool = False  # an analyst unlisted or allowed it: automation may only send it to review
    disputed: bool = False  # a false-positive claim waits for an analyst
    evidence_json: str = "{}"  # our own probes' findings per source: {"dns": {"at", "signals"}, "crawl": ...}
    row_version: int = 0
    reporters: tuple[tuple[int, datetime], ...] = ()  # (operator id, received_at) inside the policy window
    origin: DecisionOrigin | None = None  # who put it on the list

    def copy(self) -> IndicatorRecord:
        """A copy a use-case may change: the cached original stays as committed."""
        return IndicatorRecord(
            self.key,
            self.display,
            self.first_seen,
            self.state,
            self.score,
            self.verdict,
            self.signals_json,
            self.category,
            set(self.categories),
            self.state_changed_at,
            self.listed_at,
            self.expires_at,
            self.first_report_at,
            self.published_version,
            self.analyst_locked,
            self.disputed,
            self.evidence_json,
            self.row_version,
            self.reporters,
            self.origin,
        )


@dataclass(frozen=True, slots=True)
class Projection:
    """What the read model keeps of an indicator: enough to answer a check without the record."""

    key: IndicatorKey
    state: ListingState
    category: Category | None
    score: int
    disputed: bool
    origin: DecisionOrigin | None

    def to_json(self) -> dict[str, object]:
        return {
            "state": self.state.value,
            "category": self.category.value if self.category else None,
            "score": self.score,
            "disputed": self.disputed,
            "origin": self.origin.value if self.origin else None,
        }

    @classmethod
    def of(cls, record: IndicatorRecord) -> Projection:
        return cls(record.key, record.state, record.category, record.score, record.disputed, record.origin)


@dataclass(frozen=True, slots=True)
class ReportRecord:
    report_id: str
    key: IndicatorKey
    operator_id: int
    original: str
    category: Category
    received_at: datetime
    comment: str | None = None
    observed_at: datetime | None = None
    url: str | None = None
    source: str | None = None


@dataclass(frozen=True, slots=True)
class AuditRecord:
    at: datetime
    actor: str
    action: str
    key: IndicatorKey | None
    from_state: str | None
    to_state: str | None
    reason: str
    details_json: str = "{}"


@dataclass(frozen=True, slots=True)
class AllowRecord:
    key: IndicatorKey
    reason: str
    added_by: str
    at: datetime


@dataclass(frozen=True, slots=True)
class IdempotencyRecord:
    operator_id: int
    key: str
    request_hash: str
    status: int
    response_json: str
    at: datetime


@dataclass(frozen=True, slots=True)
class LinkRecord:
    """`source` relates to `target`: a phone number advertised on a site, a redirect to another site."""

    source: IndicatorKey
    target: IndicatorKey
    relation: str
    at: datetime


@dataclass(frozen=True, slots=True)
class HitBatch:
    operator_id: int
    list: str
    interval_start: datetime
    interval_end: datetime
    total: int
    per_category: dict[str, int]
    entries_json: str
    received_at: datetime
    operator_name: str = ""


@dataclass(frozen=True, slots=True)
class DisputeRecord:
    dispute_id: str
    key: IndicatorKey
    operator_id: int
    reason: str
    contact: str | None
    at: datetime


@dataclass(frozen=True, slots=True)
class CounterDelta:
    """An increment of a counter kept in the store (e.g. reports_total{type, category})."""

    name: str
    labels: tuple[str, ...]
    amount: float = 1.0


@dataclass(slots=True)
class ChangeSet:
    """Everything one use-case writes, committed atomically (and batched with others by the writer)."""

    indicators: list[IndicatorRecord] = field(default_factory=list)
    reports: list[ReportRecord] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    allow: list[AllowRecord] = field(default_factory=list)
    allow_removed: list[IndicatorKey] = field(default_factory=list)
    idempotency: list[IdempotencyRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)
    disputes: list[DisputeRecord] = field(default_factory=list)
    disputes_closed: list[IndicatorKey] = field(default_factory=list)
    hits: list[HitBatch] = field(default_factory=list)  # each replaces the same operator + list + interval
    counters: list[CounterDelta] = field(default_factory=list)

    def __bool__(self) -> bool:
        return any(
            (
                self.indicators,
                self.reports,
                self.audit,
                self.allow,
                self.allow_removed,
                self.idempotency,
                self.links,
                self.disputes,
                self.disputes_closed,
                self.hits,
                self.counters,
            )
        )

    def count(self, name: str, *labels: str, amount: float = 1.0) -> None:
        self.counters.append(CounterDelta(name, labels, amount))


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One committed change, as other processes read it from the change feed."""

    seq: int
    writer: str
    topic: str  # indicator | allow | key | counters | publication | hold
    key: IndicatorKey | None
    data: Mapping[str, object]


@dataclass(frozen=True, slots=True)
class ListingRow:
    """What the publisher needs of an indicator to decide its published entry."""

    key: IndicatorKey
    state: ListingState
    entry: ListEntry  # as it would be published if listed
    allowlisted: bool


@dataclass(frozen=True, slots=True)
class ListChange:
    value: str
    action: str  # add | update | remove
    entry: ListEntry | None  # the entry as published (None when removed)

    @property
    def added(self) -> bool:
        return self.action != "remove"


# A published entry as text, the way the renderer writes it: value, category, score, listed_at and
# expires_at in RFC 3339 UTC whole seconds with `Z` ("" when it does not expire), display ("" when it
# is the value), origin. Millions of them cross from the store to the renderer's process: plain
# tuples of str, with nothing to parse on either side.
RawRow = tuple[str, str, str, str, str, str, str]
ProjectionRow = tuple[str, str, str, str, int, int, str]
RawChange = tuple[str, RawRow]  # (add | update | remove, the row; for remove only its value is meaningful)


@dataclass(frozen=True, slots=True)
class PublicationRecord:
    version: int
    created_at: datetime
    counts: Mapping[str, int]  # entries per list after this version
    status: str  # published | held
    reason: str = ""
    feed_seq: int = 0  # the change-feed position this version includes
    approved: bool = False  # released by an analyst: the mass-change guard's new baseline


@dataclass(frozen=True, slots=True)
class BulkListing:
    """One analyst decision that lists many indicators of one type at once (a migrated list)."""

    type: IndicatorType
    entries: Sequence[tuple[str, str]]  # (value, display), values normalized, unique, none protected
    category: Category
    actor: str
    reason: str
    at: datetime
    expires_at: datetime | None


@dataclass(frozen=True, slots=True)
class BulkListed:
    """What a bulk listing did to one indicator."""

    value: str
    before: ListingState | None  # None: the center had not seen it
    row_version: int  # after
    score: int


@dataclass(frozen=True, slots=True)
class ReviewFilter:
    type: IndicatorType | None = None
    category: Category | None = None
    source: str | None = None  # reports from this operator
    brand: str | None = None  # a brand named in the signals
    query: str | None = None  # a value or prefix


class IndicatorStore(Protocol):
    async def apply(self, changes: ChangeSet) -> None:
        """Commit atomically, or raise WriteConflict (nothing written) when an indicator's row version moved."""
        ...

    async def get_indicators(self, keys: Sequence[IndicatorKey]) -> dict[IndicatorKey, IndicatorRecord]: ...

    async def list_many(self, listing: BulkListing) -> list[BulkListed]:
        """List every entry as one analyst decision, in one transaction: new indicators are created
        listed, known ones move to listed (their disputes closed, their analyst lock lifted); each gets
        its audit entry and change-feed entry; the decision counters move. Allowlisted values are left
        alone (not in the result)."""
        ...

    def projections(self) -> AsyncIterator[list[ProjectionRow]]:
        """Every listed, in-review or disputed indicator, in chunks (the read model at start-up), as text:
        (type, value, state, category or "", score, disputed 0/1, origin or ""). Millions at start-up:
        no object per row."""
        ...

    async def allowlist(self) -> list[AllowRecord]: ...

    async def review_page(self, filters: ReviewFilter, limit: int, offset: int) -> tuple[int, list[IndicatorRecord]]:
        """Indicators waiting for an analyst (review or disputed), disputed first, then by score and age."""
        ...

    async def due_for_expiry(self, now: datetime, limit: int) -> list[IndicatorKey]: ...

    async def listed_values(self, kind: IndicatorType, after: str, limit: int) -> list[str]: ...

    async def listings(self, keys: Sequence[IndicatorKey]) -> dict[IndicatorKey, ListingRow]: ...

    async def audit_for(self, key: IndicatorKey, limit: int = 100) -> list[AuditRecord]: ...

    async def links_of(self, key: IndicatorKey) -> list[LinkRecord]: ...

    async def reports_for(self, key: IndicatorKey, limit: int = 50) -> list[ReportRecord]: ...

    async def get_idempotency(self, operator_id: int, key: str) -> IdempotencyRecord | None: ...


class KeyStore(Protocol):
    async def ensure_operator(self, name: str) -> Operator: ...

    async def add_key(self, record: ApiKeyRecord) -> None: ...

    async def find_key(self, key_id: str) -> ApiKeyRecord | None: ...

    async def list_keys(self) -> list[ApiKeyRecord]: ...

    async def revoke_key(self, key_id: str) -> bool: ...


class ChangeFeed(Protocol):
    async def changes_since(self, seq: int, limit: int = 1000) -> list[FeedEntry]: ...

    async def last_seq(self) -> int: ...

    async def counters(self) -> list[tuple[str, tuple[str, ...], float]]: ...


class PublicationStore(Protocol):
    async def last_publication(self) -> PublicationRecord | None: ...

    async def publications_after(self, version: int) -> list[PublicationRecord]: ...

    async def record_publication(self, record: PublicationRecord, changes: Mapping[str, Sequence[ListChange]]) -> None:
        """The version, its changes and the new published membership, atomically; versions only grow."""
        ...

    async def record_hold(self, reason: str, at: datetime) -> None: ...

    async def publication_changes(self, list_name: str, since: int, until: int) -> list[tuple[int, ListChange]]: ...

    async def publication_actions(self, list_name: str, since: int, until: int) -> list[tuple[str, str]]:
        """(value, action) of the versions after `since` up to `until`, in version order: what the
        mass-change guard folds, without decoding the entries."""
        ...

    async def published(self, list_name: str, values: Sequence[str]) -> dict[str, ListEntry]: ...

    async def publication_raw(self, list_name: str, version: int) -> list[RawChange]:
        """One version's changes as the renderer takes them (text, no objects): see RawChange."""
        ...

    def published_raw(self, list_name: str) -> AsyncIterator[list[RawRow]]:
        """The newest published list, sorted by value, in chunks, as the renderer takes it: see RawRow."""
        ...

    def published_entries(self, list_name: str) -> AsyncIterator[list[ListEntry]]:
        """The whole published list at the newest version, in chunks sorted by value."""
        ...

    async def mass_change_baseline(self, since: datetime) -> int:
        """The version the mass-change guard compares with: the newest analyst-approved one, or the
        newest published before `since`, whichever is newer (0: none)."""
        ...


class LeaseStore(Protocol):
    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        """Take or renew the named lease for `seconds`; False while another holder has it."""
        ...

    async def release_lease(self, name: str, holder: str) -> None: ...


class Store(IndicatorStore, KeyStore, ChangeFeed, PublicationStore, LeaseStore, Protocol):
    """Everything durable, in one database."""

    writer_id: str

    async def healthy(self, timeout: float = 2.0) -> tuple[bool, str]:  # noqa: ASYNC109 - the probe write's deadline
        ...

    async def prune(self, before: datetime) -> int:
        """Delete change-feed entries and finished records older than `before` (retention)."""
        ...

    async def close(self) -> None: ...
