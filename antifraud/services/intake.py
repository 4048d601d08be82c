"""Intake: reports from operators, imports and feeds become indicators, assessed and moved by the policy.

Every accepted report is committed before the caller hears "accepted", with the indicator it moved,
its audit entries and the counters, as one change set at the row versions it read: a report written
by another process at the same moment makes this one re-read and re-decide, never overwrite.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from antifraud.detection import report_signals
from antifraud.domain.errors import IdempotencyTaken, InvalidIndicator, InvalidInput, WriteConflict
from antifraud.domain.model import Category, IndicatorKey, IndicatorType, ListingState, Signal, Verdict
from antifraud.domain.normalize import NormalizedIndicator
from antifraud.domain.phone_ranges import is_phone_range
from antifraud.domain.policy import dominant_category, on_report
from antifraud.ports import ChangeSet, Clock, IdempotencyRecord, IndicatorRecord, IndicatorStore, Operator, ReportRecord
from antifraud.services.assessment import Assessor, Policy, evidence_signals, signals_json
from antifraud.services.listing import REPORTS, apply_transition, new_record
from antifraud.services.repository import Committed, IndicatorRepository

MAX_REPORTERS_KEPT = 64  # per indicator, inside the window: enough to count distinct operators


@dataclass(frozen=True, slots=True)
class ReportInput:
    type: IndicatorType
    value: str
    category: Category
    comment: str | None = None
    observed_at: datetime | None = None
    source: str | None = None
    extra: tuple[Signal, ...] = ()  # evidence that comes with the report (a feed's trust)


@dataclass(frozen=True, slots=True)
class ReportAccepted:
    report_id: str
    key: IndicatorKey
    state: ListingState


Result = ReportAccepted | InvalidInput
Responder = Callable[[list[Result]], tuple[int, str]]


class IdempotencyKeyReused(InvalidInput):
    code = "idempotency_key_reused"


@dataclass(frozen=True, slots=True)
class Replayed:
    status: int
    body: str


class Intake:
    def __init__(
        self,
        repository: IndicatorRepository,
        store: IndicatorStore,
        assessor: Assessor,
        policy: Policy,
        clock: Clock,
        on_rejected: Callable[[str], None] = lambda _code: None,
    ) -> None:
        self.repository = repository
        self.store = store
        self.assessor = assessor
        self.policy = policy
        self.clock = clock
        self.on_rejected = on_rejected
        self._in_flight: dict[tuple[int, str], asyncio.Event] = {}

    async def submit(self, operator: Operator, items: Sequence[ReportInput | InvalidInput]) -> list[Result]:
        """Accept reports (items that failed validation upstream come through as errors, in place)."""
        results, _ = await self._submit(operator, items, None)
        return results

    async def submit_once(
        self,
        operator: Operator,
        items: Sequence[ReportInput | InvalidInput],
        idempotency_key: str,
        request_hash: str,
        respond: Responder,
    ) -> list[Result] | Replayed:
        """Like submit, but a request sent again with the same Idempotency-Key gets the first answer."""
        slot = (operator.id, idempotency_key)
        while slot in self._in_flight:  # the same key sent twice at once: the second waits for the first
            await self._in_flight[slot].wait()
        event = self._in_flight[slot] = asyncio.Event()  # claimed before the next await
        try:
            for _ in range(3):
                stored = await self.store.get_idempotency(operator.id, idempotency_key)
                if stored is not None:
                    if stored.request_hash != request_hash:
                        raise IdempotencyKeyReused(
                            "this Idempotency-Key was used with a different request body", field="Idempotency-Key"
                        )
                    return Replayed(stored.status, stored.response_json)
                try:
                    results, _ = await self._submit(operator, items, (idempotency_key, request_hash, respond))
                except IdempotencyTaken:
                    continue  # another process stored the same key first: replay its answer
                return results
            raise WriteConflict("the Idempotency-Key is being used by another request", frozenset())
        finally:
            del self._in_flight[slot]
            event.set()

    async def _submit(
        self,
        operator: Operator,
        items: Sequence[ReportInput | InvalidInput],
        idempotency: tuple[str, str, Responder] | None,
    ) -> tuple[list[Result], Committed | None]:
        normalized: list[NormalizedIndicator | InvalidInput] = []
        for item in items:
            if isinstance(item, InvalidInput):
                normalized.append(item)
                continue
            try:
                normalized.append(self.assessor.normalize(item.type, item.value))
            except InvalidIndicator as exc:
                normalized.append(exc)
        for n in normalized:
            if isinstance(n, InvalidInput):
                self.on_rejected(n.code)
        keys = [n.key for n in normalized if not isinstance(n, InvalidInput)]
        now = self.clock.now()

        def step(records: dict[IndicatorKey, IndicatorRecord]) -> tuple[ChangeSet, list[Result]]:
            changes = ChangeSet()
            results = self._decide(operator, items, normalized, records, now, changes)
            if idempotency is not None:
                key, request_hash, respond = idempotency
                status, body = respond(results)
                changes.idempotency.append(IdempotencyRecord(operator.id, key, request_hash, status, body, now))
            return changes, results

        return await self.repository.transact(keys, step)

    def _decide(
        self,
        operator: Operator,
        items: Sequence[ReportInput | InvalidInput],
        normalized: Sequence[NormalizedIndicator | InvalidInput],
        records: dict[IndicatorKey, IndicatorRecord],
        now: datetime,
        changes: ChangeSet,
    ) -> list[Result]:
        window_start = now - self.policy.report_window
        results: list[Result] = []
        touched: dict[IndicatorKey, IndicatorRecord] = {}
        for item, norm in zip(items, normalized, strict=True):
            if isinstance(norm, InvalidInput) or isinstance(item, InvalidInput):
                results.append(norm if isinstance(norm, InvalidInput) else item)  # type: ignore[arg-type]
                continue
            record = touched.get(norm.key) or records.get(norm.key)
            if record is None:
                record = new_record(norm.key, norm.display, now)
                # a number range is listed by a person only: reports and operators never list a block of numbers
                record.analyst_locked = is_phone_range(norm.key.value)
            recent = (*((op, at) for op, at in record.reporters if at >= window_start), (operator.id, now))
            record.reporters = recent[-MAX_REPORTERS_KEPT:]
            distinct = len({op for op, _ in recent})
            extra = [*report_signals(distinct, len(recent)), *evidence_signals(record), *item.extra]
            assessment = self.assessor.assess(norm, extra)
            record.score, record.verdict = assessment.score, assessment.verdict.value
            record.signals_json = signals_json(assessment.signals)
            record.categories.add(item.category.value)
            category = dominant_category((Category(c) for c in record.categories), assessment.category)
            transition = on_report(
                record.state,
                assessment,
                distinct,
                category,
                self.policy.rules,
                now,
                allowlisted=assessment.verdict is Verdict.ALLOW,
                analyst_locked=record.analyst_locked,
            )
            if transition is not None:
                apply_transition(record, transition, f"operator:{operator.name}", now, changes)
            report_id = uuid.uuid4().hex
            changes.reports.append(
                ReportRecord(
                    report_id=report_id,
                    key=norm.key,
                    operator_id=operator.id,
                    original=item.value[:2048],
                    category=item.category,
                    received_at=now,
                    comment=item.comment,
                    observed_at=item.observed_at,
                    url=norm.url,
                    source=item.source,
                )
            )
            changes.count(REPORTS, item.type.value, item.category.value)
            touched[norm.key] = record
            results.append(ReportAccepted(report_id, norm.key, record.state))
        changes.indicators.extend(touched.values())
        return results
