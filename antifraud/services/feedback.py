"""Feedback from operators: what their resolvers and gateways blocked (hits), and false-positive claims
(disputes). Hits are stored per operator, list and interval; the same interval sent again replaces the
earlier counts in the store and in the counters (both in one transaction), so nothing is counted twice
and the totals survive restarts and add up across processes."""

from __future__ import annotations

import json
import uuid
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from antifraud.domain.errors import InvalidIndicator, InvalidInput, NotFound
from antifraud.domain.model import TYPE_OF_LIST, IndicatorKey, IndicatorType, ListKind
from antifraud.ports import AuditRecord, ChangeSet, Clock, DisputeRecord, HitBatch, IndicatorRecord, Operator
from antifraud.services.assessment import Assessor
from antifraud.services.repository import IndicatorRepository

DISPUTES = "disputes_total"


@dataclass(frozen=True, slots=True)
class HitsAccepted:
    total: int
    by_category: dict[str, int]


class Feedback:
    def __init__(self, repository: IndicatorRepository, assessor: Assessor, clock: Clock) -> None:
        self.repository = repository
        self.assessor = assessor
        self.clock = clock

    def categorize(self, kind: ListKind, entries: Sequence[tuple[str, int]], total: int) -> dict[str, int]:
        """Split an operator's blocked hits by the category of each entry; the rest is 'unattributed'."""
        per_category: Counter[str] = Counter()
        list_type = TYPE_OF_LIST[kind]
        for value, hits in entries:
            key = self._key(list_type, value)
            known = self.assessor.read_model.get(key) if key else None
            if known is None and key is not None and key.type is IndicatorType.PHONE:
                in_range = self.assessor.read_model.listed_range(key.value)  # a number refused by its range
                known = in_range[1] if in_range else None
            category = known.category.value if known is not None and known.category else "unknown"
            per_category[category] += hits
        attributed = sum(per_category.values())
        if total > attributed:
            per_category["unattributed"] += total - attributed
        return dict(per_category)

    def _key(self, list_type: IndicatorType, value: str) -> IndicatorKey | None:
        try:
            return self.assessor.normalize(list_type, value).key
        except InvalidIndicator:
            return None

    async def record_hits(
        self,
        operator: Operator,
        kind: ListKind,
        interval: tuple[datetime, datetime],
        total: int,
        entries: Sequence[tuple[str, int]],
    ) -> HitsAccepted:
        per_category = self.categorize(kind, entries, total)
        batch = HitBatch(
            operator.id,
            kind.value,
            interval[0],
            interval[1],
            total,
            per_category,
            json.dumps([{"value": v, "hits": n} for v, n in entries]),
            self.clock.now(),
            operator.name,
        )
        await self.repository.commit(ChangeSet(hits=[batch]))
        return HitsAccepted(total, per_category)

    async def dispute(
        self, operator: Operator, kind: IndicatorType, value: str, reason: str, contact: str | None
    ) -> str:
        """A false-positive claim: the indicator goes to the analysts' queue, flagged, with the claim."""
        if not reason.strip():
            raise InvalidInput("say why the listing is wrong", field="reason")
        norm = self.assessor.normalize(kind, value)
        dispute_id = uuid.uuid4().hex
        now = self.clock.now()

        def step(records: dict[IndicatorKey, IndicatorRecord]) -> tuple[ChangeSet, str]:
            record = records.get(norm.key)
            if record is None:
                raise NotFound(f"{norm.key.value} is not known to the center", field="value")
            record.disputed = True
            changes = ChangeSet(
                indicators=[record],
                disputes=[DisputeRecord(dispute_id, norm.key, operator.id, reason, contact, now)],
                audit=[
                    AuditRecord(
                        now,
                        f"operator:{operator.name}",
                        "dispute",
                        norm.key,
                        record.state.value,
                        record.state.value,
                        reason,
                    )
                ],
            )
            changes.count(DISPUTES, norm.key.type.value)
            return changes, dispute_id

        result, _ = await self.repository.transact([norm.key], step)
        return result
