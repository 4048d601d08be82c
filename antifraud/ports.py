"""Ports: what the use-cases need from the outside world. Adapters implement them (SQLite,
PostgreSQL); tests use the hand-written fakes in tests/fakes.py."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

from antifraud.domain.model import Category, IndicatorKey, ListEntry, ListingState


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
    """The durable state of one indicator, mirrored in memory by the center."""

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


@dataclass(slots=True)
class ChangeSet:
    """Everything one use-case writes, committed atomically (and batched with others by the writer)."""

    indicators: list[IndicatorRecord] = field(default_factory=list)
    reports: list[ReportRecord] = field(default_factory=list)
    audit: list[AuditRecord] = field(default_factory=list)
    allow: list[AllowRecord] = field(default_factory=list)
    idempotency: list[IdempotencyRecord] = field(default_factory=list)
    links: list[LinkRecord] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.indicators or self.reports or self.audit or self.allow or self.idempotency or self.links)


@dataclass(frozen=True, slots=True)
class PublicationRecord:
    version: int
    created_at: datetime
    domains: int
    phones: int
    status: str  # published | held
    reason: str = ""


@dataclass(frozen=True, slots=True)
class ListChange:
    value: str
    added: bool
    entry: ListEntry | None  # the entry as published when added


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


@dataclass(frozen=True, slots=True)
class DisputeRecord:
    dispute_id: str
    key: IndicatorKey
    operator_id: int
    reason: str
    contact: str | None
    at: datetime


class Store(Protocol):
    """The center's durable state. Writes go through `apply` (atomic per change set)."""

    async def apply(self, changes: ChangeSet) -> None: ...

    async def load_indicators(self) -> list[IndicatorRecord]: ...

    async def load_indicators_by_key(self, keys: Sequence[IndicatorKey]) -> list[IndicatorRecord]: ...

    async def recent_reports(self, since: datetime) -> list[ReportRecord]: ...

    async def load_allowlist(self) -> list[AllowRecord]: ...

    async def remove_allow(self, key: IndicatorKey) -> None: ...

    async def audit_since(self, after_id: int, exclude_writer: str) -> tuple[int, list[AuditRecord]]: ...

    async def audit_for(self, key: IndicatorKey, limit: int = 100) -> list[AuditRecord]: ...

    async def links_of(self, key: IndicatorKey) -> list[LinkRecord]: ...

    async def last_audit_id(self) -> int: ...

    async def get_idempotency(self, operator_id: int, key: str) -> IdempotencyRecord | None: ...

    # operators and keys
    async def ensure_operator(self, name: str) -> Operator: ...

    async def add_key(self, record: ApiKeyRecord) -> None: ...

    async def find_key(self, key_id: str) -> ApiKeyRecord | None: ...

    async def list_keys(self) -> list[ApiKeyRecord]: ...

    async def revoke_key(self, key_id: str) -> bool: ...

    # publication
    async def last_publication(self) -> PublicationRecord | None: ...

    async def record_publication(self, record: PublicationRecord, changes: dict[str, list[ListChange]]) -> None: ...

    async def next_version(self) -> int: ...

    async def changes_since(self, list_kind: str, version: int) -> list[tuple[int, ListChange]]: ...

    # feedback
    async def put_hits(self, batch: HitBatch) -> HitBatch | None: ...

    async def hit_totals(self) -> list[tuple[str, str, str, int]]: ...

    async def add_dispute(self, record: DisputeRecord) -> None: ...

    async def close(self) -> None: ...
