"""Hand-written fakes of the ports, for service tests (no database, no clock, no network)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from antifraud.domain.model import IndicatorKey
from antifraud.ports import (
    AllowRecord,
    ApiKeyRecord,
    AuditRecord,
    ChangeSet,
    DisputeRecord,
    HitBatch,
    IdempotencyRecord,
    IndicatorRecord,
    LinkRecord,
    ListChange,
    Operator,
    PublicationRecord,
    ReportRecord,
)


@dataclass
class FakeClock:
    current: datetime = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self.current

    def advance(self, **delta: float) -> None:
        self.current += timedelta(**delta)


class FakeStore:
    """Implements antifraud.ports.Store in memory; `fail_next` makes the next write raise."""

    def __init__(self) -> None:
        self.indicators: dict[IndicatorKey, IndicatorRecord] = {}
        self.reports: list[ReportRecord] = []
        self.audit: list[tuple[int, str, AuditRecord]] = []
        self.allowlist: dict[IndicatorKey, AllowRecord] = {}
        self.idempotency: dict[tuple[int, str], IdempotencyRecord] = {}
        self.operators: dict[str, Operator] = {}
        self.keys: dict[str, ApiKeyRecord] = {}
        self.publications: list[PublicationRecord] = []
        self.changes: list[tuple[int, str, ListChange]] = []
        self.hits: dict[tuple[int, str, datetime, datetime], HitBatch] = {}
        self.disputes: list[DisputeRecord] = []
        self.links: dict[tuple[IndicatorKey, IndicatorKey, str], LinkRecord] = {}
        self.fail_next = False
        self.writer = "fake"

    def _maybe_fail(self) -> None:
        if self.fail_next:
            self.fail_next = False
            raise OSError("disk full (fake)")

    async def apply(self, changes: ChangeSet) -> None:
        self._maybe_fail()
        for r in changes.indicators:
            # store a copy: the center keeps mutating its own objects
            self.indicators[r.key] = replace(r, categories=set(r.categories))
        self.reports.extend(changes.reports)
        for a in changes.allow:
            self.allowlist[a.key] = a
        for a in changes.audit:
            self.audit.append((len(self.audit) + 1, self.writer, a))
        for i in changes.idempotency:
            self.idempotency[(i.operator_id, i.key)] = i
        for link in changes.links:
            self.links[(link.source, link.target, link.relation)] = link

    async def load_indicators(self) -> list[IndicatorRecord]:
        return [replace(r, categories=set(r.categories)) for r in self.indicators.values()]

    async def load_indicators_by_key(self, keys: Sequence[IndicatorKey]) -> list[IndicatorRecord]:
        return [
            replace(self.indicators[k], categories=set(self.indicators[k].categories))
            for k in keys
            if k in self.indicators
        ]

    async def recent_reports(self, since: datetime) -> list[ReportRecord]:
        return [r for r in self.reports if r.received_at >= since]

    async def load_allowlist(self) -> list[AllowRecord]:
        return list(self.allowlist.values())

    async def remove_allow(self, key: IndicatorKey) -> None:
        self.allowlist.pop(key, None)

    async def audit_since(self, after_id: int, exclude_writer: str) -> tuple[int, list[AuditRecord]]:
        rows = [row for row in self.audit if row[0] > after_id]
        last = rows[-1][0] if rows else after_id
        return last, [a for _, w, a in rows if w != exclude_writer]

    async def audit_for(self, key: IndicatorKey, limit: int = 100) -> list[AuditRecord]:
        return [a for _, _, a in reversed(self.audit) if a.key == key][:limit]

    async def links_of(self, key: IndicatorKey) -> list[LinkRecord]:
        found = [link for link in self.links.values() if key in (link.source, link.target)]
        return sorted(found, key=lambda link: link.at, reverse=True)

    async def last_audit_id(self) -> int:
        return len(self.audit)

    async def get_idempotency(self, operator_id: int, key: str) -> IdempotencyRecord | None:
        return self.idempotency.get((operator_id, key))

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
        return True

    async def last_publication(self) -> PublicationRecord | None:
        published = [p for p in self.publications if p.status == "published"]
        return published[-1] if published else None

    async def record_publication(self, record: PublicationRecord, changes: dict[str, list[ListChange]]) -> None:
        self._maybe_fail()
        self.publications.append(record)
        for kind, items in changes.items():
            self.changes.extend((record.version, kind, c) for c in items)

    async def next_version(self) -> int:
        return max((p.version for p in self.publications), default=0) + 1

    async def changes_since(self, list_kind: str, version: int) -> list[tuple[int, ListChange]]:
        return [(v, c) for v, k, c in self.changes if k == list_kind and v > version]

    async def put_hits(self, batch: HitBatch) -> HitBatch | None:
        key = (batch.operator_id, batch.list, batch.interval_start, batch.interval_end)
        previous = self.hits.get(key)
        self.hits[key] = batch
        return previous

    async def hit_totals(self) -> list[tuple[str, str, str, int]]:
        names = {o.id: o.name for o in self.operators.values()}
        totals: dict[tuple[str, str, str], int] = {}
        for b in self.hits.values():
            for category, n in b.per_category.items():
                k = (b.list, category, names.get(b.operator_id, str(b.operator_id)))
                totals[k] = totals.get(k, 0) + n
        return [(*k, n) for k, n in sorted(totals.items())]

    async def add_dispute(self, record: DisputeRecord) -> None:
        self.disputes.append(record)

    async def close(self) -> None:
        return None


def signals_of(record: IndicatorRecord) -> list[str]:
    return [s["name"] for s in json.loads(record.signals_json)]
