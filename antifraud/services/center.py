"""The center's use-cases: intake, decisions, checks, allowlist, expiry, disputes, hits.

State lives in the store; a mirror of every indicator lives in memory so that checks and the
policy never wait for the database. Every change is written (atomically, with its audit entries)
before the caller hears it was accepted; a failed write reloads the mirror from the store.
"""

from __future__ import annotations

import json
import logging
import uuid
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import lru_cache

from antifraud.detection import Detector, report_signals
from antifraud.domain.errors import InvalidIndicator, InvalidInput, NotFound, PolicyViolation
from antifraud.domain.model import (
    Action,
    Assessment,
    Category,
    DecisionOrigin,
    IndicatorKey,
    IndicatorType,
    ListEntry,
    ListingState,
    ListKind,
    Signal,
    Verdict,
)
from antifraud.domain.normalize import (
    DomainName,
    NormalizedIndicator,
    SuffixList,
    normalize_domain,
    normalize_indicator,
)
from antifraud.domain.policy import (
    Rules,
    Transition,
    dominant_category,
    on_evidence,
    on_expiry,
    on_liveness,
    on_report,
)
from antifraud.metrics import Metrics
from antifraud.ports import (
    AllowRecord,
    AuditRecord,
    ChangeSet,
    Clock,
    DisputeRecord,
    HitBatch,
    IdempotencyRecord,
    IndicatorRecord,
    LinkRecord,
    Operator,
    ReportRecord,
    Store,
)

log = logging.getLogger(__name__)


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


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    type: str
    value: str
    listed: bool
    verdict: str
    score: int
    categories: list[str]
    reasons: list[str]
    list_version: int
    display: str | None = None

    def to_json(self) -> dict[str, object]:
        return {
            "type": self.type,
            "value": self.value,
            "listed": self.listed,
            "verdict": self.verdict,
            "score": self.score,
            "categories": self.categories,
            "reasons": self.reasons,
            "list_version": self.list_version,
        }


@dataclass(frozen=True, slots=True)
class ReviewItem:
    record: IndicatorRecord
    reports: int
    operators: int


@dataclass(slots=True)
class _Recent:
    """Reports of one indicator inside the policy window: (operator id, received_at)."""

    items: list[tuple[int, datetime]] = field(default_factory=list)

    def add(self, operator_id: int, at: datetime, window_start: datetime) -> None:
        self.items.append((operator_id, at))
        if self.items[0][1] < window_start:
            self.items = [i for i in self.items if i[1] >= window_start]

    def operators(self, window_start: datetime) -> int:
        return len({op for op, at in self.items if at >= window_start})

    def count(self, window_start: datetime) -> int:
        return sum(1 for _, at in self.items if at >= window_start)


ANSWER_CACHE_SIZE = 200_000
IdempotencyResponder = Callable[[list["ReportAccepted | InvalidInput"]], tuple[int, str]]


class Center:
    def __init__(
        self,
        store: Store,
        detector: Detector,
        suffixes: SuffixList,
        rules: Rules,
        clock: Clock,
        metrics: Metrics,
        *,
        report_window: timedelta,
        writer_id: str = "center",
        dead_after: timedelta = timedelta(days=14),
    ) -> None:
        self.store = store
        self.detector = detector
        self.suffixes = suffixes
        self.rules = rules
        self.clock = clock
        self.metrics = metrics
        self.report_window = report_window
        self.dead_after = dead_after
        self.writer_id = writer_id
        self.published_version = 0
        self._indicators: dict[IndicatorKey, IndicatorRecord] = {}
        self._recent: dict[IndicatorKey, _Recent] = defaultdict(_Recent)
        self._allow: dict[IndicatorKey, AllowRecord] = {}
        self._listeners: list[Callable[[], None]] = []
        self._new_listeners: list[Callable[[IndicatorKey, DomainName | None, str | None], None]] = []
        self._audit_cursor = 0
        # Check answers, valid while nothing changed: gateways ask about the same callers again and again.
        self._epoch = 0
        self._answers: dict[tuple[IndicatorType, str], tuple[int, CheckAnswer]] = {}

    # lifecycle -----------------------------------------------------------------------------------
    async def load(self) -> None:
        """Build the in-memory mirror from the store."""
        self._indicators = {r.key: r for r in await self.store.load_indicators()}
        self._allow = {a.key: a for a in await self.store.load_allowlist()}
        self._recent = defaultdict(_Recent)
        since = self.clock.now() - self.report_window
        for report in await self.store.recent_reports(since):
            self._recent[report.key].items.append((report.operator_id, report.received_at))
        self._audit_cursor = await self.store.last_audit_id()
        last = await self.store.last_publication()
        self.published_version = last.version if last else 0
        self._changed()
        self.refresh_gauges()

    def on_listing_change(self, listener: Callable[[], None]) -> None:
        """Called after every committed change that may alter a published list."""
        self._listeners.append(listener)

    def on_new_indicator(self, listener: Callable[[IndicatorKey, DomainName | None, str | None], None]) -> None:
        """Called once for each indicator the center sees for the first time (to schedule probes)."""
        self._new_listeners.append(listener)

    def _notify(self) -> None:
        for listener in self._listeners:
            listener()

    async def sync_external(self) -> int:
        """Pick up changes other processes (the CLI) wrote to the store. Returns how many."""
        cursor, records = await self.store.audit_since(self._audit_cursor, exclude_writer=self.writer_id)
        self._audit_cursor = cursor
        if not records:
            return 0
        keys = list({r.key for r in records if r.key is not None})
        for record in await self.store.load_indicators_by_key(keys):
            self._indicators[record.key] = record
        if any(r.action in {"allow", "allow_remove"} for r in records):
            self._allow = {a.key: a for a in await self.store.load_allowlist()}
        self._changed()
        self.refresh_gauges()
        self._notify()
        return len(records)

    def _changed(self) -> None:
        self._epoch += 1

    async def _commit(self, changes: ChangeSet) -> None:
        self._changed()  # the mirror was just mutated (synchronously, before this call)
        try:
            await self.store.apply(changes)
        except Exception:
            log.exception("a write failed; reloading state from the store")
            await self.load()
            raise

    # normalization -------------------------------------------------------------------------------
    def normalize(self, kind: IndicatorType, value: str) -> NormalizedIndicator:
        return normalize_indicator(kind, value, self.suffixes)

    def _assess(self, norm: NormalizedIndicator, extra: Sequence[Signal] = ()) -> Assessment:
        allow = self._allow.get(norm.key)
        if allow is not None:
            return Assessment(0, Verdict.ALLOW, (Signal("allowlisted", 0, f"allowlisted: {allow.reason}"),))
        if norm.phone is not None:
            return self.detector.assess_phone(norm.phone, extra)
        name = norm.name if norm.name is not None else normalize_domain(norm.key.value, self.suffixes)
        return self.detector.assess_domain(name, extra)

    # state changes -------------------------------------------------------------------------------
    def _record(
        self, key: IndicatorKey, display: str, now: datetime, name: DomainName | None = None, url: str | None = None
    ) -> IndicatorRecord:
        record = self._indicators.get(key)
        if record is None:
            record = IndicatorRecord(key=key, display=display, first_seen=now, state_changed_at=now)
            self._indicators[key] = record
            for listener in self._new_listeners:
                listener(key, name, url)
        return record

    @staticmethod
    def _evidence_signals(record: IndicatorRecord) -> list[Signal]:
        found: list[Signal] = []
        for finding in json.loads(record.evidence_json).values():
            found.extend(Signal(s["name"], int(s["weight"]), s["detail"]) for s in finding.get("signals", []))
        return found

    def _apply_transition(
        self,
        record: IndicatorRecord,
        transition: Transition,
        actor: str,
        now: datetime,
        changes: ChangeSet,
        *,
        first_report_at: datetime | None = None,
    ) -> None:
        before = record.state
        record.state = transition.to_state
        record.state_changed_at = now
        if transition.category is not None:
            record.category = transition.category
        if transition.to_state is ListingState.LISTED:
            if before is not ListingState.LISTED:
                record.listed_at = now
                record.published_version = None
                record.first_report_at = first_report_at or now
            record.expires_at = transition.expires_at
        elif before is ListingState.LISTED:
            record.expires_at = None
        # every analyst decision counts (confirming a listing is a decision too); automation counts changes
        if before is not transition.to_state or transition.origin is DecisionOrigin.ANALYST:
            self.metrics.decisions.labels(
                record.key.type.value, transition.verdict.value, transition.origin.value
            ).inc()
        if before is not transition.to_state and ListingState.LISTED in (before, transition.to_state):
            self.metrics.listing_changes.labels(record.key.list_kind.value).inc()
        changes.audit.append(
            AuditRecord(
                at=now,
                actor=actor,
                action=f"{transition.origin.value}:{transition.verdict.value}",
                key=record.key,
                from_state=before.value,
                to_state=transition.to_state.value,
                reason=transition.reason,
                details_json=json.dumps({"score": record.score, "category": record.category}),
            )
        )

    # intake --------------------------------------------------------------------------------------
    async def submit(
        self,
        operator: Operator,
        items: Sequence[ReportInput | InvalidInput],
        *,
        idempotency: tuple[str, str] | None = None,
        respond: IdempotencyResponder | None = None,
    ) -> list[ReportAccepted | InvalidInput]:
        """Accept reports (items that failed validation upstream are passed through as errors)."""
        now = self.clock.now()
        window_start = now - self.report_window
        changes = ChangeSet()
        results: list[ReportAccepted | InvalidInput] = []
        touched: dict[IndicatorKey, IndicatorRecord] = {}
        listing_changed = False
        for item in items:
            if isinstance(item, InvalidInput):
                results.append(item)
                self.metrics.report_rejections.labels(item.code).inc()
                continue
            try:
                norm = self.normalize(item.type, item.value)
            except InvalidIndicator as exc:
                results.append(exc)
                self.metrics.report_rejections.labels(exc.code).inc()
                continue
            record = self._record(norm.key, norm.display, now, norm.name, norm.url)
            recent = self._recent[norm.key]
            recent.add(operator.id, now, window_start)
            distinct = recent.operators(window_start)
            extra = [
                *report_signals(distinct, recent.count(window_start)),
                *self._evidence_signals(record),
                *item.extra,
            ]
            assessment = self._assess(norm, extra)
            record.score, record.verdict = assessment.score, assessment.verdict.value
            record.signals_json = _signals_json(assessment.signals)
            record.categories.add(item.category.value)
            category = dominant_category((Category(c) for c in record.categories), assessment.category)
            allowlisted = assessment.verdict is Verdict.ALLOW
            transition = on_report(
                record.state,
                assessment,
                distinct,
                category,
                self.rules,
                now,
                allowlisted=allowlisted,
                analyst_locked=record.analyst_locked,
            )
            if transition is not None:
                before = record.state
                self._apply_transition(record, transition, f"operator:{operator.name}", now, changes)
                listing_changed |= before is not transition.to_state and ListingState.LISTED in (
                    before,
                    transition.to_state,
                )
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
            touched[norm.key] = record
            results.append(ReportAccepted(report_id, norm.key, record.state))
            self.metrics.reports.labels(item.type.value, item.category.value).inc()
        changes.indicators.extend(touched.values())
        if idempotency is not None and respond is not None:
            status, body = respond(results)
            changes.idempotency.append(
                IdempotencyRecord(operator.id, idempotency[0], idempotency[1], status, body, now)
            )
        if changes:
            await self._commit(changes)
        if listing_changed:
            self._notify()
        return results

    # evidence from the center's own probes ------------------------------------------------------
    async def record_evidence(
        self,
        kind: IndicatorType,
        value: str,
        source: str,
        signals: Sequence[Signal],
        *,
        links: Sequence[tuple[IndicatorType, str, str]] = (),
    ) -> IndicatorRecord:
        """Findings of a probe (`source`: dns, crawl, ...) about an indicator. They replace that source's
        earlier findings, join the assessment, and can list the indicator (see policy.on_evidence).
        `links` are (type, value, relation) of indicators found alongside, such as phone numbers on a page."""
        now = self.clock.now()
        norm = self.normalize(kind, value)
        record = self._record(norm.key, norm.display, now, norm.name)
        evidence = json.loads(record.evidence_json)
        evidence[source] = {
            "at": now.isoformat(),
            "signals": [{"name": s.name, "weight": s.weight, "detail": s.detail} for s in signals],
        }
        record.evidence_json = json.dumps(evidence, ensure_ascii=False, sort_keys=True)
        window_start = now - self.report_window
        recent = self._recent.get(norm.key)
        extra = report_signals(recent.operators(window_start), recent.count(window_start)) if recent else []
        assessment = self._assess(norm, [*extra, *self._evidence_signals(record)])
        record.score, record.verdict = assessment.score, assessment.verdict.value
        record.signals_json = _signals_json(assessment.signals)
        category = dominant_category((Category(c) for c in record.categories), assessment.category)
        changes = ChangeSet(
            audit=[
                AuditRecord(
                    now,
                    f"probe:{source}",
                    f"evidence:{source}",
                    norm.key,
                    record.state.value,
                    record.state.value,
                    "; ".join(s.detail for s in signals[:5]) or "nothing found",
                )
            ]
        )
        before = record.state
        transition = on_evidence(
            record.state, assessment, category, self.rules, now, analyst_locked=record.analyst_locked
        )
        if transition is not None:
            self._apply_transition(record, transition, f"probe:{source}", now, changes, first_report_at=now)
        changes.indicators.append(record)
        for link_type, link_value, relation in links:
            try:
                linked = self.normalize(link_type, link_value)
            except InvalidIndicator:
                continue
            target = self._record(linked.key, linked.display, now, linked.name)
            changes.indicators.append(target)
            changes.links.append(LinkRecord(norm.key, linked.key, relation, now))
        await self._commit(changes)
        if ListingState.LISTED in (before, record.state) and before is not record.state:
            self._notify()
        return record

    async def record_liveness(self, kind: IndicatorType, value: str, *, alive: bool, detail: str) -> IndicatorRecord:
        """A re-probe of a listed site: dead long enough, it leaves the list; back online, it returns."""
        now = self.clock.now()
        norm = self.normalize(kind, value)
        record = self._record(norm.key, norm.display, now, norm.name)
        evidence = json.loads(record.evidence_json)
        liveness = evidence.get("liveness", {})
        if alive:
            liveness.pop("dead_since", None)
            liveness["last_alive"] = now.isoformat()
        else:
            liveness.setdefault("dead_since", now.isoformat())
        liveness["detail"] = detail
        evidence["liveness"] = liveness
        record.evidence_json = json.dumps(evidence, ensure_ascii=False, sort_keys=True)
        dead_since = datetime.fromisoformat(liveness["dead_since"]) if "dead_since" in liveness else None
        transition = on_liveness(
            record.state,
            alive,
            dead_since,
            bool(liveness.get("expired_as_dead")),
            self.dead_after,
            record.category or Category.OTHER,
            self.rules,
            now,
        )
        changes = ChangeSet(indicators=[record])
        before = record.state
        if transition is not None:
            liveness["expired_as_dead"] = transition.to_state is ListingState.EXPIRED
            record.evidence_json = json.dumps(evidence, ensure_ascii=False, sort_keys=True)
            self._apply_transition(record, transition, "probe:liveness", now, changes, first_report_at=now)
        await self._commit(changes)
        if before is not record.state:
            self._notify()
        return record

    def listed_domains(self) -> list[str]:
        """The registrable domains currently listed (for the scheduled liveness re-probes)."""
        return sorted(
            r.key.value
            for r in self._indicators.values()
            if r.state is ListingState.LISTED and r.key.type is IndicatorType.DOMAIN
        )

    async def links_of(self, kind: IndicatorType, value: str) -> list[LinkRecord]:
        return await self.store.links_of(self.normalize(kind, value).key)

    # decisions -----------------------------------------------------------------------------------
    async def decide(
        self,
        actor: str,
        kind: IndicatorType,
        value: str,
        action: Action,
        reason: str,
        category: Category | None = None,
    ) -> IndicatorRecord:
        """An analyst's decision. Blocking an allowlisted indicator is refused."""
        if not reason.strip():
            raise InvalidInput("a decision needs a reason", field="reason")
        now = self.clock.now()
        norm = self.normalize(kind, value)
        record = self._record(norm.key, norm.display, now)
        assessment = self._assess(norm)
        changes = ChangeSet()
        if action is Action.BLOCK:
            if assessment.verdict is Verdict.ALLOW:
                why = assessment.signals[0].detail if assessment.signals else "allowlisted"
                raise PolicyViolation(f"{norm.key.value} cannot be blocked: {why}", field="value")
            chosen = (
                category
                or record.category
                or dominant_category((Category(c) for c in record.categories), assessment.category)
            )
            record.score = max(record.score, assessment.score)
            record.analyst_locked = False
            record.disputed = False
            transition = Transition(
                ListingState.LISTED,
                DecisionOrigin.ANALYST,
                Verdict.BLOCK,
                reason,
                self.rules.expires_at(chosen, now),
                chosen,
            )
        else:
            record.analyst_locked = True
            record.disputed = False
            verdict = Verdict.ALLOW if action is Action.ALLOW else Verdict.NONE
            transition = Transition(ListingState.DELISTED, DecisionOrigin.ANALYST, verdict, reason)
            if action is Action.ALLOW:
                allow = AllowRecord(norm.key, reason, actor, now)
                self._allow[norm.key] = allow
                changes.allow.append(allow)
        before = record.state
        self._apply_transition(record, transition, actor, now, changes)
        if action is Action.ALLOW:
            changes.audit.append(AuditRecord(now, actor, "allow", norm.key, None, None, reason))
        changes.indicators.append(record)
        await self._commit(changes)
        if ListingState.LISTED in (before, record.state):
            self._notify()
        return record

    async def allow(self, actor: str, kind: IndicatorType, value: str, reason: str) -> IndicatorRecord:
        return await self.decide(actor, kind, value, Action.ALLOW, reason)

    async def allow_remove(self, actor: str, kind: IndicatorType, value: str, reason: str) -> None:
        norm = self.normalize(kind, value)
        if norm.key not in self._allow:
            raise NotFound(f"{norm.key.value} is not on the allowlist", field="value")
        del self._allow[norm.key]
        self._changed()
        await self.store.remove_allow(norm.key)
        await self._commit(
            ChangeSet(audit=[AuditRecord(self.clock.now(), actor, "allow_remove", norm.key, None, None, reason)])
        )

    async def dispute(
        self, operator: Operator, kind: IndicatorType, value: str, reason: str, contact: str | None
    ) -> str:
        if not reason.strip():
            raise InvalidInput("say why the listing is wrong", field="reason")
        norm = self.normalize(kind, value)
        record = self._indicators.get(norm.key)
        if record is None:
            raise NotFound(f"{norm.key.value} is not known to the center", field="value")
        now = self.clock.now()
        dispute_id = uuid.uuid4().hex
        record.disputed = True
        self._changed()
        await self.store.add_dispute(DisputeRecord(dispute_id, norm.key, operator.id, reason, contact, now))
        await self._commit(
            ChangeSet(
                indicators=[record],
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
        )
        self.metrics.disputes.labels(norm.key.type.value).inc()
        return dispute_id

    async def expire_due(self) -> int:
        now = self.clock.now()
        changes = ChangeSet()
        for record in list(self._indicators.values()):
            transition = on_expiry(record.state, record.expires_at, now)
            if transition is not None:
                self._apply_transition(record, transition, "policy", now, changes)
                changes.indicators.append(record)
        if changes:
            await self._commit(changes)
            self._notify()
        return len(changes.indicators)

    # checks --------------------------------------------------------------------------------------
    def check(self, kind: IndicatorType, value: str) -> CheckAnswer:
        cached = self._answers.get((kind, value))
        if cached is not None and cached[0] == self._epoch:
            return cached[1]
        answer = self._check(kind, value)
        if len(self._answers) >= ANSWER_CACHE_SIZE:
            self._answers.clear()
        self._answers[(kind, value)] = (self._epoch, answer)
        return answer

    def _check(self, kind: IndicatorType, value: str) -> CheckAnswer:
        norm = self.normalize(kind, value)
        record = self._indicators.get(norm.key)
        if record is not None and record.state is ListingState.LISTED:
            return CheckAnswer(
                type=norm.key.type.value,
                value=norm.key.value,
                listed=True,
                verdict=Verdict.BLOCK.value,
                score=record.score,
                categories=[record.category.value] if record.category else sorted(record.categories),
                reasons=list(_reasons(record.signals_json)) or ["listed"],
                list_version=self.published_version,
                display=record.display,
            )
        assessment = self._assess(norm)
        categories = sorted(record.categories) if record else []
        verdict = assessment.verdict
        if record is not None and record.state is ListingState.REVIEW and verdict is Verdict.NONE:
            verdict = Verdict.REVIEW
        return CheckAnswer(
            type=norm.key.type.value,
            value=norm.key.value,
            listed=False,
            verdict=verdict.value,
            score=assessment.score,
            categories=categories or ([assessment.category.value] if assessment.category else []),
            reasons=list(assessment.reasons),
            list_version=self.published_version,
            display=norm.display,
        )

    def get(self, key: IndicatorKey) -> IndicatorRecord | None:
        return self._indicators.get(key)

    def review_queue(self, limit: int = 100, offset: int = 0) -> tuple[int, list[ReviewItem]]:
        window_start = self.clock.now() - self.report_window
        waiting = [r for r in self._indicators.values() if r.state is ListingState.REVIEW or r.disputed]
        waiting.sort(key=lambda r: (not r.disputed, -r.score, r.first_seen))
        page = waiting[offset : offset + limit]
        items = [
            ReviewItem(r, self._recent[r.key].count(window_start), self._recent[r.key].operators(window_start))
            if r.key in self._recent
            else ReviewItem(r, 0, 0)
            for r in page
        ]
        return len(waiting), items

    # publication support -------------------------------------------------------------------------
    def listed_entries(self, kind: ListKind) -> tuple[ListEntry, ...]:
        entries = [
            ListEntry(
                value=r.key.value,
                category=r.category or Category.OTHER,
                score=r.score,
                listed_at=r.listed_at or r.first_seen,
                expires_at=r.expires_at,
                display=r.display if r.display != r.key.value else None,
            )
            for r in self._indicators.values()
            if r.state is ListingState.LISTED and r.key.list_kind is kind and not self._is_allowed_now(r.key)
        ]
        entries.sort(key=lambda e: e.value)
        return tuple(entries)

    def _is_allowed_now(self, key: IndicatorKey) -> bool:
        # The allowlist wins even over a listing made before the allowlist entry existed.
        if key in self._allow:
            return True
        if key.type is IndicatorType.PHONE:
            return self.detector.protected_phone(key.value) is not None
        return self.detector.protected_domain(normalize_domain(key.value, self.suffixes)) is not None

    async def mark_published(self, version: int, values: dict[ListKind, Iterable[str]]) -> None:
        """Record the first version that carries each new listing; observe time-to-publish."""
        now = self.clock.now()
        self.published_version = version
        self._changed()
        changes = ChangeSet()
        for kind, published in values.items():
            list_type = IndicatorType.PHONE if kind is ListKind.PHONES else IndicatorType.DOMAIN
            for value in published:
                record = self._indicators.get(IndicatorKey(list_type, value))
                if record is None or record.published_version is not None:
                    continue
                record.published_version = version
                if record.first_report_at is not None:
                    self.metrics.time_to_publish.observe(max(0.0, (now - record.first_report_at).total_seconds()))
                changes.indicators.append(record)
        if changes:
            await self._commit(changes)
        self.refresh_gauges()

    # feedback ------------------------------------------------------------------------------------
    def categorize_hits(self, kind: ListKind, entries: Sequence[tuple[str, int]], total: int) -> dict[str, int]:
        """Split an operator's blocked hits by the category of each entry; the rest is 'unattributed'."""
        per_category: Counter[str] = Counter()
        list_type = IndicatorType.PHONE if kind is ListKind.PHONES else IndicatorType.DOMAIN
        for value, hits in entries:
            key = self._hit_key(list_type, value)
            record = self._indicators.get(key) if key else None
            category = record.category.value if record and record.category else "unknown"
            per_category[category] += hits
        attributed = sum(per_category.values())
        if total > attributed:
            per_category["unattributed"] += total - attributed
        return dict(per_category)

    def _hit_key(self, list_type: IndicatorType, value: str) -> IndicatorKey | None:
        try:
            return self.normalize(list_type, value).key
        except InvalidIndicator:
            return None

    async def record_hits(self, batch: HitBatch, operator_name: str) -> bool:
        """Store an operator's hit counts; the same interval sent again replaces, never doubles."""
        previous = await self.store.put_hits(batch)
        old = previous.per_category if previous else {}
        for category in set(old) | set(batch.per_category):
            delta = batch.per_category.get(category, 0) - old.get(category, 0)
            if delta > 0:  # counters only go up; a smaller resend leaves the earlier count in place
                self.metrics.blocked_hits.labels(batch.list, category).inc(delta)
                self.metrics.operator_blocked_hits.labels(batch.list, operator_name).inc(delta)
        return previous is not None

    async def restore_hit_counters(self) -> None:
        """Counters survive restarts: start from the totals kept in the store."""
        for list_name, category, operator, hits in await self.store.hit_totals():
            self.metrics.blocked_hits.labels(list_name, category).inc(hits)
            self.metrics.operator_blocked_hits.labels(list_name, operator).inc(hits)

    # gauges --------------------------------------------------------------------------------------
    def refresh_gauges(self) -> None:
        """Recount listed entries and the review queue (O(indicators): called by a timer, not per request)."""
        self.metrics.listed_entries.clear()
        counts: Counter[tuple[str, str]] = Counter()
        for r in self._indicators.values():
            if r.state is ListingState.LISTED:
                counts[(r.key.list_kind.value, (r.category or Category.OTHER).value)] += 1
        for (list_name, category), n in counts.items():
            self.metrics.listed_entries.labels(list_name, category).set(n)
        self._refresh_review_gauge()

    def _refresh_review_gauge(self) -> None:
        waiting: Counter[str] = Counter(
            r.key.type.value for r in self._indicators.values() if r.state is ListingState.REVIEW or r.disputed
        )
        for kind in (IndicatorType.DOMAIN, IndicatorType.PHONE):
            self.metrics.review_queue.labels(kind.value).set(waiting.get(kind.value, 0))


@lru_cache(maxsize=65536)
def _reasons(signals_json: str) -> tuple[str, ...]:
    return tuple(str(s["detail"]) for s in json.loads(signals_json))


def _signals_json(signals: Iterable[Signal]) -> str:
    return json.dumps([{"name": s.name, "weight": s.weight, "detail": s.detail} for s in signals], ensure_ascii=False)
