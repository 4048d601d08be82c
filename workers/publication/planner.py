"""The publication planner: turns committed listing changes into the next version of every list.

Exactly one planner plans at a time (the leader: it holds the `publisher` lease in the store; on
PostgreSQL, several nodes compete and another takes over within seconds when the leader dies). It
reads the change feed from the position the last version consumed, looks up only the indicators that
changed, compares what should be published with what is (the store's published membership), and
records the next version with its changes — a delta, whatever the size of the lists. The files are
written by every node's materializer from that record (workers.publication.materializer).

A version that would change too much of a list, alone or together with the versions since the last
analyst-approved state (or since `guard_window` ago), is held for an analyst.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from antifraud.domain.model import TYPE_OF_LIST, DecisionOrigin, IndicatorKey, ListEntry, ListingState, ListKind
from antifraud.metrics import Metrics
from antifraud.ports import Clock, ListChange, ListingRow, PublicationRecord, Store
from antifraud.services.assessment import Assessor
from antifraud.settings import PublicationSettings
from antifraud.waiting import wait_event
from blocklists.guard import ChangeHistory, assess_mass_change

log = logging.getLogger(__name__)
LEASE = "publisher"
LEASE_SECONDS = 15.0
FEED_PAGE = 20_000
KEY_CHUNK = 5_000
ANALYST_SCORE = 100  # an analyst's confirmation is as certain as the center gets: consumers filtering by score keep it


@dataclass(frozen=True, slots=True)
class Hold:
    reason: str
    since: datetime


@dataclass(slots=True)
class _History:
    """What every list went through since the guard's baseline, up to version `through`."""

    baseline: int
    through: int
    lists: dict[str, ChangeHistory]


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # published | unchanged | held | not_leader
    version: int
    reason: str = ""


def published_entry(row: ListingRow) -> ListEntry:
    entry = row.entry
    if entry.origin is DecisionOrigin.ANALYST and entry.score < ANALYST_SCORE:
        return replace(entry, score=ANALYST_SCORE)
    return entry


class Planner:
    def __init__(
        self,
        store: Store,
        assessor: Assessor,
        settings: PublicationSettings,
        metrics: Metrics,
        clock: Clock,
        holder: str,
    ) -> None:
        self.store = store
        self.assessor = assessor
        self.settings = settings
        self.metrics = metrics
        self.clock = clock
        self.holder = holder
        self.held: Hold | None = None
        self.leader = False
        self._lock = asyncio.Lock()
        self._history: _History | None = None
        self._wakeup = asyncio.Event()
        self._listeners: list[Callable[[int], None]] = []

    def on_published(self, listener: Callable[[int], None]) -> None:
        self._listeners.append(listener)

    def trigger(self) -> None:
        self._wakeup.set()

    # leadership ----------------------------------------------------------------------------------
    async def lead(self) -> bool:
        """Take or renew the publisher lease; True while this planner holds it."""
        was = self.leader
        self.leader = await self.store.acquire_lease(LEASE, self.holder, LEASE_SECONDS)
        if self.leader and not was:
            log.info("this node is now the publisher (%s)", self.holder)
            self._wakeup.set()  # catch up with what the previous leader left
        elif was and not self.leader:
            log.warning("this node lost the publisher lease")
        return self.leader

    async def step_down(self) -> None:
        if self.leader:
            await self.store.release_lease(LEASE, self.holder)
            self.leader = False

    # the loop ------------------------------------------------------------------------------------
    async def run(self) -> None:
        loop = asyncio.get_running_loop()
        renew_every = LEASE_SECONDS / 3
        next_renewal = 0.0
        while True:
            if loop.time() >= next_renewal:
                try:
                    await self.lead()
                except Exception:
                    log.exception("renewing the publisher lease failed")
                    self.leader = False
                next_renewal = loop.time() + renew_every
            if not await wait_event(self._wakeup, max(0.05, next_renewal - loop.time())):
                continue
            first = loop.time()
            # Debounce: wait for a quiet moment, but never longer than max_delay after the first change.
            while True:
                self._wakeup.clear()
                remaining = first + self.settings.max_delay_seconds - loop.time()
                if remaining <= 0:
                    break
                if not await wait_event(self._wakeup, min(self.settings.debounce_seconds, remaining)):
                    break
            self._wakeup.clear()
            if not self.leader:
                continue
            try:
                await self.plan()
            except Exception:
                log.exception("publication failed; will retry on the next change or in 5 s")
                await asyncio.sleep(5)
                self._wakeup.set()

    # one version ---------------------------------------------------------------------------------
    async def plan(self, *, force: bool = False, actor: str = "publisher") -> Outcome:
        async with self._lock:
            if not self.leader and not await self.lead():
                return Outcome("not_leader", 0, "another node holds the publisher lease")
            last = await self.store.last_publication()
            now = self.clock.now()
            if last is None:
                keys, cursor = await self._everything()
            else:
                keys, cursor = await self._touched_since(last.feed_seq)
            changes = await self._changes(keys)
            if last is not None and not force and not any(changes.values()):
                return Outcome("unchanged", last.version)
            counts = dict(last.counts) if last else {}
            for kind in ListKind:
                items = changes.get(kind.value, [])
                counts[kind.value] = counts.get(kind.value, 0) + sum(
                    1 if c.action == "add" else -1 if c.action == "remove" else 0 for c in items
                )
            if not force:
                reason = await self._guard(last, changes, now)
                if reason is not None:
                    return await self._hold(reason, now, last.version if last else 0)
            version = (last.version if last else 0) + 1
            released = self.held is not None and force
            record = PublicationRecord(
                version,
                now,
                counts,
                "published",
                f"released by {actor}: {self.held.reason}" if released and self.held else "",
                cursor,
                approved=force,  # published by a person's explicit order: the guard's new baseline
            )
            await self.store.record_publication(record, changes)
            self._remember(version, changes)
            self.held = None
            for kind in ListKind:
                self.metrics.publication_held.labels(kind.value).set(0)
            self._observe_time_to_publish(changes, now)
            log.info(
                "planned version %d: %s",
                version,
                ", ".join(f"{k} {len(v)} changes" for k, v in sorted(changes.items()) if v) or "no changes",
            )
            for listener in self._listeners:
                listener(version)
            return Outcome("published", version)

    async def preview(self) -> dict[str, list[ListChange]]:
        """What the next version would change, without recording it (the diff of a held publication)."""
        async with self._lock:
            last = await self.store.last_publication()
            keys, _ = await (self._everything() if last is None else self._touched_since(last.feed_seq))
            return await self._changes(keys)

    async def _touched_since(self, seq: int) -> tuple[list[IndicatorKey], int]:
        keys: dict[IndicatorKey, None] = {}
        cursor = seq
        while True:
            entries = await self.store.changes_since(cursor, FEED_PAGE)
            if not entries:
                break
            cursor = entries[-1].seq
            for entry in entries:
                if entry.key is not None and entry.topic in {"indicator", "allow"}:
                    keys[entry.key] = None
            if len(entries) < FEED_PAGE:
                break
        return list(keys), cursor

    async def _everything(self) -> tuple[list[IndicatorKey], int]:
        """Every listed indicator and every published value: the first version, or a full reconciliation."""
        cursor = await self.store.last_seq()
        keys: dict[IndicatorKey, None] = {}
        for kind in ListKind:
            after = ""
            while True:
                values = await self.store.listed_values(TYPE_OF_LIST[kind], after, KEY_CHUNK)
                if not values:
                    break
                keys.update((IndicatorKey(TYPE_OF_LIST[kind], v), None) for v in values)
                after = values[-1]
            async for chunk in self.store.published_entries(kind.value):
                keys.update((IndicatorKey(TYPE_OF_LIST[kind], e.value), None) for e in chunk)
        return list(keys), cursor

    async def _changes(self, keys: Sequence[IndicatorKey]) -> dict[str, list[ListChange]]:
        changes: dict[str, list[ListChange]] = {kind.value: [] for kind in ListKind}
        for start in range(0, len(keys), KEY_CHUNK):
            chunk = keys[start : start + KEY_CHUNK]
            listings = await self.store.listings(chunk)
            by_list: dict[ListKind, list[IndicatorKey]] = {}
            for key in chunk:
                by_list.setdefault(key.list_kind, []).append(key)
            for kind, kind_keys in by_list.items():
                published = await self.store.published(kind.value, [k.value for k in kind_keys])
                for key in kind_keys:
                    wanted = self._wanted(listings.get(key))
                    current = published.get(key.value)
                    if wanted is not None and current is None:
                        changes[kind.value].append(ListChange(key.value, "add", wanted))
                    elif wanted is not None and current != wanted:
                        changes[kind.value].append(ListChange(key.value, "update", wanted))
                    elif wanted is None and current is not None:
                        changes[kind.value].append(ListChange(key.value, "remove", None))
        for items in changes.values():
            items.sort(key=lambda c: c.value)
        return changes

    def _wanted(self, row: ListingRow | None) -> ListEntry | None:
        """The entry an indicator should be published with, or None. The allowlist and the protected
        brands always win, even over a listing made before they existed."""
        if row is None or row.state is not ListingState.LISTED or row.allowlisted:
            return None
        if self.assessor.protected_brand(row.key) is not None:
            return None
        return published_entry(row)

    # the guard -----------------------------------------------------------------------------------
    async def _guard(
        self, last: PublicationRecord | None, changes: Mapping[str, Sequence[ListChange]], now: datetime
    ) -> str | None:
        s = self.settings
        counts = last.counts if last else {}
        for kind, items in changes.items():
            added = sum(1 for c in items if c.action == "add")
            removed = sum(1 for c in items if c.action == "remove")
            verdict = assess_mass_change(
                counts.get(kind, 0),
                added,
                removed,
                max_share=s.max_change_share,
                min_entries=s.guard_min_entries,
                list_name=kind,
            )
            if verdict.held:
                return verdict.reason
        if last is None:
            return None
        baseline = await self.store.mass_change_baseline(now - timedelta(seconds=s.guard_window_seconds))
        if baseline >= last.version:
            return None
        history = await self._history_since(baseline, last.version)
        for kind, items in changes.items():
            folded = history.lists[kind]
            added, removed = folded.with_next((c.value, c.action) for c in items)
            verdict = assess_mass_change(
                counts.get(kind, 0) - folded.growth,
                added,
                removed,
                max_share=s.max_change_share,
                min_entries=s.guard_min_entries,
                list_name=kind,
                since=f"since version {baseline}" if baseline else "since the first version",
            )
            if verdict.held:
                return verdict.reason
        return None

    async def _history_since(self, baseline: int, through: int) -> _History:
        """The changes since the baseline, kept between versions: each version folds in only its own
        changes, and the store is read again only when the baseline moves."""
        history = self._history
        if history is None or history.baseline != baseline or history.through > through:
            history = self._history = _History(baseline, baseline, {kind.value: ChangeHistory() for kind in ListKind})
        if history.through < through:
            for kind, folded in history.lists.items():
                folded.fold(await self.store.publication_actions(kind, history.through, through))
            history.through = through
        return history

    def _remember(self, version: int, changes: Mapping[str, Sequence[ListChange]]) -> None:
        history = self._history
        if history is not None and history.through == version - 1:
            for kind, items in changes.items():
                history.lists[kind].fold((c.value, c.action) for c in items)
            history.through = version

    async def _hold(self, reason: str, now: datetime, version: int) -> Outcome:
        if self.held is None or self.held.reason != reason:
            for kind in ListKind:
                if kind.value in reason.split(" ", 2)[1:2]:
                    self.metrics.publications_held.labels(kind.value).inc()
            await self.store.record_hold(reason, now)
            log.warning("publication held for an analyst: %s", reason)
        self.held = Hold(reason, now if self.held is None else self.held.since)
        for kind in ListKind:
            self.metrics.publication_held.labels(kind.value).set(1 if kind.value in reason.split(" ", 2)[1:2] else 0)
        return Outcome("held", version, reason)

    def _observe_time_to_publish(self, changes: Mapping[str, Sequence[ListChange]], now: datetime) -> None:
        for items in changes.values():
            for change in items:
                if change.action == "add" and change.entry is not None:
                    self.metrics.time_to_publish.observe(max(0.0, (now - change.entry.listed_at).total_seconds()))
