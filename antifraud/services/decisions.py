"""Decisions: analysts block, allow or unlist; the allowlist; expiry. Each is one change set.

An analyst's block of a site also sends the numbers and wallets found on it to review (they are
linked), in the same change set; a dispute on the indicator is closed by the decision.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from antifraud.domain.errors import InvalidIndicator, InvalidInput, NotFound, PolicyViolation
from antifraud.domain.model import (
    Action,
    Category,
    DecisionOrigin,
    IndicatorKey,
    IndicatorType,
    ListingState,
    Verdict,
)
from antifraud.domain.policy import Transition, dominant_category, on_expiry
from antifraud.ports import AllowRecord, AuditRecord, BulkListing, ChangeSet, Clock, IndicatorRecord, IndicatorStore
from antifraud.services.assessment import Assessor, Policy
from antifraud.services.listing import apply_transition, new_record
from antifraud.services.repository import IndicatorRepository

EXPIRY_BATCH = 500
BULK = 1000  # a decision over at least this many values is one set-based store operation
LINKED_TYPES = frozenset({IndicatorType.PHONE, IndicatorType.WALLET})


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    decided: int
    refused: list[tuple[str, str]]  # (value, why)


class Decisions:
    def __init__(
        self,
        repository: IndicatorRepository,
        store: IndicatorStore,
        assessor: Assessor,
        policy: Policy,
        clock: Clock,
    ) -> None:
        self.repository = repository
        self.store = store
        self.assessor = assessor
        self.policy = policy
        self.clock = clock

    async def decide(
        self,
        actor: str,
        kind: IndicatorType,
        value: str,
        action: Action,
        reason: str,
        category: Category | None = None,
    ) -> IndicatorRecord:
        """An analyst's decision. Blocking an allowlisted or protected indicator is refused."""
        if not reason.strip():
            raise InvalidInput("a decision needs a reason", field="reason")
        norm = self.assessor.normalize(kind, value)
        if action is Action.BLOCK:
            why = self.assessor.protected(norm.key)
            if why is not None:
                raise PolicyViolation(f"{norm.key.value} cannot be blocked: it is {why}", field="value")
        linked = await self._linked(norm.key) if action is Action.BLOCK else []
        now = self.clock.now()

        def step(records: dict[IndicatorKey, IndicatorRecord]) -> tuple[ChangeSet, IndicatorRecord]:
            changes = ChangeSet()
            record = records.get(norm.key) or new_record(norm.key, norm.display, now)
            self._decide_one(record, action, reason, category, actor, now, changes)
            if action is Action.BLOCK:
                for key in linked:
                    target = records.get(key)
                    if target is not None and target.state in {ListingState.CANDIDATE, ListingState.EXPIRED}:
                        transition = Transition(
                            ListingState.REVIEW,
                            DecisionOrigin.AUTO,
                            Verdict.REVIEW,
                            f"found on {norm.key.value}, which an analyst blocked",
                            None,
                            record.category,
                        )
                        apply_transition(target, transition, "policy:links", now, changes)
                        changes.indicators.append(target)
            return changes, record

        result, _ = await self.repository.transact([norm.key, *linked], step)
        return result

    async def _linked(self, key: IndicatorKey) -> list[IndicatorKey]:
        links = await self.store.links_of(key)
        return [link.target for link in links if link.source == key and link.target.type in LINKED_TYPES]

    def _decide_one(
        self,
        record: IndicatorRecord,
        action: Action,
        reason: str,
        category: Category | None,
        actor: str,
        now: datetime,
        changes: ChangeSet,
    ) -> None:
        if record.disputed:
            changes.disputes_closed.append(record.key)
        record.disputed = False
        if action is Action.BLOCK:
            chosen = category or record.category or dominant_category((Category(c) for c in record.categories), None)
            record.analyst_locked = False
            transition = Transition(
                ListingState.LISTED,
                DecisionOrigin.ANALYST,
                Verdict.BLOCK,
                reason,
                self.policy.rules.expires_at(chosen, now),
                chosen,
            )
        else:
            record.analyst_locked = True
            verdict = Verdict.ALLOW if action is Action.ALLOW else Verdict.NONE
            transition = Transition(ListingState.DELISTED, DecisionOrigin.ANALYST, verdict, reason)
            if action is Action.ALLOW:
                changes.allow.append(AllowRecord(record.key, reason, actor, now))
                changes.audit.append(AuditRecord(now, actor, "allow", record.key, None, None, reason))
        apply_transition(record, transition, actor, now, changes)
        changes.indicators.append(record)

    async def decide_many(
        self,
        actor: str,
        kind: IndicatorType,
        values: Sequence[str],
        action: Action,
        reason: str,
        category: Category | None = None,
    ) -> BulkOutcome:
        """One audited decision over many values (a migrated list): each value in the same change set.
        Values that do not normalize, or that are protected, are refused and named; the rest commit."""
        if not reason.strip():
            raise InvalidInput("a decision needs a reason", field="reason")
        refused: list[tuple[str, str]] = []
        chosen: dict[IndicatorKey, str] = {}
        for value in values:
            try:
                norm = self.assessor.normalize(kind, value)
            except InvalidIndicator as exc:
                refused.append((value, exc.message))
                continue
            registered = norm.name.registered_name() if norm.name is not None else None
            why = self.assessor.protected(norm.key, registered) if action is Action.BLOCK else None
            if why is not None:
                refused.append((value, f"it is {why}"))
                continue
            chosen.setdefault(norm.key, norm.display)
        now = self.clock.now()
        if action is Action.BLOCK and len(chosen) >= BULK:
            chosen_category = category or Category.OTHER
            listed = await self.repository.list_many(
                BulkListing(
                    kind,
                    [(k.value, display) for k, display in chosen.items()],
                    chosen_category,
                    actor,
                    reason,
                    now,
                    self.policy.rules.expires_at(chosen_category, now),
                )
            )
            done = {item.value for item in listed}  # a value allowlisted meanwhile is left out: the allowlist wins
            refused += [(k.value, "it is allowlisted") for k in chosen if k.value not in done]
            return BulkOutcome(len(listed), refused)

        def step(records: dict[IndicatorKey, IndicatorRecord]) -> tuple[ChangeSet, int]:
            changes = ChangeSet()
            for key, display in chosen.items():
                record = records.get(key) or new_record(key, display, now)
                self._decide_one(record, action, reason, category, actor, now, changes)
            return changes, len(chosen)

        decided, _ = await self.repository.transact(list(chosen), step)
        return BulkOutcome(decided, refused)

    async def allow(self, actor: str, kind: IndicatorType, value: str, reason: str) -> IndicatorRecord:
        return await self.decide(actor, kind, value, Action.ALLOW, reason)

    async def allow_remove(self, actor: str, kind: IndicatorType, value: str, reason: str) -> None:
        if not reason.strip():
            raise InvalidInput("say why the allowlist entry goes", field="reason")
        norm = self.assessor.normalize(kind, value)
        allowed = {a.key for a in await self.store.allowlist()}
        if norm.key not in allowed:
            raise NotFound(f"{norm.key.value} is not on the allowlist", field="value")
        changes = ChangeSet(
            allow_removed=[norm.key],
            audit=[AuditRecord(self.clock.now(), actor, "allow_remove", norm.key, None, None, reason)],
        )
        await self.repository.commit(changes)

    async def expire_due(self) -> int:
        """Listings past their expiry leave the list (in batches; returns how many)."""
        expired = 0
        while True:
            now = self.clock.now()
            keys = await self.store.due_for_expiry(now, EXPIRY_BATCH)
            if not keys:
                return expired

            def step(records: dict[IndicatorKey, IndicatorRecord], now: datetime = now) -> tuple[ChangeSet, int]:
                changes = ChangeSet()
                for record in records.values():
                    transition = on_expiry(record.state, record.expires_at, now)
                    if transition is not None:
                        apply_transition(record, transition, "policy", now, changes)
                        changes.indicators.append(record)
                return changes, len(changes.indicators)

            count, _ = await self.repository.transact(keys, step)
            expired += count
            if count == 0:
                return expired
