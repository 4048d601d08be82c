"""The indicator repository: the store, a bounded cache of the records being worked on, and the one
path by which committed changes reach this process's memory.

Use-cases read records here (copies: what they change stays theirs until it commits), build a
ChangeSet with the pure policy, and commit it with `transact`, which retries the whole step on a
WriteConflict with the records read again: two writers, in this process or another, never overwrite
each other, and the loser re-runs the policy on the winner's state.

After a commit, and only then, the committed records enter the cache and the read model, and the
listeners (the publisher's trigger, new-indicator probes) hear of it. A failed commit drops the
touched keys from the cache and nothing else.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

from antifraud.domain.errors import IdempotencyTaken, StoreUnavailable, WriteConflict
from antifraud.domain.model import Category, DecisionOrigin, IndicatorKey, ListingState
from antifraud.ports import (
    BulkListed,
    BulkListing,
    ChangeSet,
    FeedEntry,
    IndicatorRecord,
    IndicatorStore,
    Projection,
)
from antifraud.services.read_model import ReadModel

log = logging.getLogger(__name__)
T = TypeVar("T")
CACHE_SIZE = 20_000
MAX_ATTEMPTS = 10


@dataclass(frozen=True, slots=True)
class Committed:
    """What a commit changed, for the listeners."""

    changes: ChangeSet
    new_keys: frozenset[IndicatorKey]
    listing_changed: bool  # an indicator entered or left the listed state, or the allowlist moved


class IndicatorRepository:
    def __init__(self, store: IndicatorStore, read_model: ReadModel, cache_size: int = CACHE_SIZE) -> None:
        self.store = store
        self.read_model = read_model
        self._cache: OrderedDict[IndicatorKey, IndicatorRecord] = OrderedDict()
        self._cache_size = cache_size
        self._listeners: list[Callable[[Committed], None]] = []

    def on_commit(self, listener: Callable[[Committed], None]) -> None:
        self._listeners.append(listener)

    # reads ---------------------------------------------------------------------------------------
    async def get(self, keys: Iterable[IndicatorKey]) -> dict[IndicatorKey, IndicatorRecord]:
        """Copies of the stored records of `keys` (absent keys are not in the result)."""
        wanted = list(dict.fromkeys(keys))
        found: dict[IndicatorKey, IndicatorRecord] = {}
        missing = []
        for key in wanted:
            cached = self._cache.get(key)
            if cached is None:
                missing.append(key)
            else:
                self._cache.move_to_end(key)
                found[key] = cached.copy()
        if missing:
            loaded = await self.store.get_indicators(missing)
            for key, record in loaded.items():
                self._remember(record)
                found[key] = record.copy()
        return found

    async def get_one(self, key: IndicatorKey) -> IndicatorRecord | None:
        return (await self.get([key])).get(key)

    def _remember(self, record: IndicatorRecord) -> None:
        current = self._cache.get(record.key)
        if current is not None and current.row_version > record.row_version:
            return  # a newer version is already here
        self._cache[record.key] = record
        self._cache.move_to_end(record.key)
        while len(self._cache) > self._cache_size:
            self._cache.popitem(last=False)

    def invalidate(self, keys: Iterable[IndicatorKey]) -> None:
        for key in keys:
            self._cache.pop(key, None)

    # writes --------------------------------------------------------------------------------------
    async def commit(self, changes: ChangeSet, *, remember: bool = True) -> Committed:
        """Commit atomically; on success update the cache, the read model and the listeners. `remember`
        False keeps the committed records out of the cache (a bulk listing would only push others out)."""
        touched = [r.key for r in changes.indicators]
        before = {r.key: r.row_version for r in changes.indicators}
        try:
            await self.store.apply(changes)
        except BaseException:
            self.invalidate(touched)
            raise
        listing_changed = bool(changes.allow or changes.allow_removed)
        for record in changes.indicators:
            known = self.read_model.get(record.key)
            was_listed = known is not None and known.listed
            record.row_version += 1
            if remember:
                self._remember(record.copy())
            else:
                self._cache.pop(record.key, None)
            self.read_model.apply(Projection.of(record), record.row_version)
            listing_changed = listing_changed or was_listed or record.state is ListingState.LISTED
        for allow in changes.allow:
            self.read_model.set_allowed(allow.key, allowed=True)
        for key in changes.allow_removed:
            self.read_model.set_allowed(key, allowed=False)
        event = Committed(changes, frozenset(k for k, v in before.items() if v == 0), listing_changed)
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("a commit listener failed")
        return event

    async def transact(
        self,
        keys: Sequence[IndicatorKey],
        step: Callable[[dict[IndicatorKey, IndicatorRecord]], tuple[ChangeSet, T]],
        *,
        attempts: int = MAX_ATTEMPTS,
        remember: bool = True,
    ) -> tuple[T, Committed | None]:
        """Read `keys`, let the pure `step` decide, commit; on a conflict read again and re-run `step`."""
        for attempt in range(attempts):
            records = await self.get(keys)
            changes, result = step(records)
            if not changes:
                return result, None
            try:
                return result, await self.commit(changes, remember=remember)
            except IdempotencyTaken:
                raise
            except WriteConflict as conflict:
                self.invalidate(keys)
                log.debug(
                    "write conflict on %s (attempt %d); reading again", sorted(map(str, conflict.keys))[:3], attempt
                )
                if attempt >= 2:  # many writers on one indicator: let them pass
                    await asyncio.sleep(random.uniform(0, 0.005 * attempt))  # noqa: S311 - jitter, not security
        raise StoreUnavailable(
            f"{len(keys)} indicator(s) changed under this request {attempts} times in a row; retry it"
        )

    async def list_many(self, listing: BulkListing) -> list[BulkListed]:
        """A bulk listing (antifraud.ports.IndicatorStore.list_many); the read model follows its result."""
        try:
            listed = await self.store.list_many(listing)
        finally:
            self.invalidate(IndicatorKey(listing.type, value) for value, _ in listing.entries)
        apply = self.read_model.apply
        for item in listed:
            key = IndicatorKey(listing.type, item.value)
            apply(
                Projection(key, ListingState.LISTED, listing.category, item.score, False, DecisionOrigin.ANALYST),  # noqa: FBT003
                item.row_version,
            )
        event = Committed(
            ChangeSet(),
            frozenset(IndicatorKey(listing.type, i.value) for i in listed if i.before is None),
            listing_changed=bool(listed),
        )
        for listener in self._listeners:
            try:
                listener(event)
            except Exception:
                log.exception("a commit listener failed")
        return listed

    # other processes -------------------------------------------------------------------------------
    def follow(self, entries: Sequence[FeedEntry]) -> bool:
        """Take changes other processes committed; True when a listing may have changed."""
        listing_changed = False
        for entry in entries:
            if entry.key is None:
                continue
            if entry.topic == "indicator":
                self._cache.pop(entry.key, None)
                known = self.read_model.get(entry.key)
                projection = projection_from_feed(entry)
                applied = self.read_model.apply(projection, int(str(entry.data.get("row_version", 0))))
                was_listed = known is not None and known.listed
                listing_changed = listing_changed or (
                    applied and (was_listed or projection.state is ListingState.LISTED)
                )
            elif entry.topic == "allow":
                self.read_model.set_allowed(entry.key, allowed=bool(entry.data.get("allowed")))
                listing_changed = True
        return listing_changed


def projection_from_feed(entry: FeedEntry) -> Projection:
    data = entry.data
    assert entry.key is not None  # noqa: S101 - indicator entries carry their key
    category = data.get("category")
    origin = data.get("origin")
    return Projection(
        entry.key,
        ListingState(str(data["state"])),
        Category(str(category)) if category else None,
        int(str(data.get("score", 0))),
        bool(data.get("disputed")),
        DecisionOrigin(str(origin)) if origin else None,
    )
