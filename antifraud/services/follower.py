"""Following the change feed: what other processes and nodes committed reaches this one.

Every process reads the store's change feed by sequence (every `interval` seconds, or at once when the
store wakes it: PostgreSQL LISTEN/NOTIFY) and hands each entry to the part of this process it concerns:
the repository (cache and read model), the key cache (revocations), the counters, the publisher.
Entries this process wrote itself were applied when they committed and are skipped.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Sequence

from antifraud.ports import ChangeFeed, FeedEntry
from antifraud.services.repository import IndicatorRepository
from antifraud.waiting import wait_event

log = logging.getLogger(__name__)
BATCH = 2000  # entries applied between two awaits: a large import elsewhere never stalls checks here

Listener = Callable[[Sequence[FeedEntry]], None]


class ChangeFollower:
    def __init__(self, feed: ChangeFeed, repository: IndicatorRepository, writer_id: str) -> None:
        self.feed = feed
        self.repository = repository
        self.writer_id = writer_id
        self.cursor = 0
        self._listeners: list[Listener] = []
        self._on_listing: list[Callable[[], None]] = []
        self.wakeup = asyncio.Event()

    def on_entries(self, listener: Listener) -> None:
        """Called with every batch of foreign entries (key revocations, counters, publications...)."""
        self._listeners.append(listener)

    def on_listing_change(self, listener: Callable[[], None]) -> None:
        self._on_listing.append(listener)

    async def start_at_end(self) -> None:
        """Start after everything committed so far (the read model was just loaded from the store)."""
        self.cursor = await self.feed.last_seq()

    async def poll(self) -> int:
        """Apply every entry committed since the cursor. Returns how many foreign entries there were."""
        seen = 0
        while True:
            entries = await self.feed.changes_since(self.cursor, BATCH)
            if not entries:
                return seen
            self.cursor = entries[-1].seq
            foreign = [e for e in entries if e.writer != self.writer_id]
            seen += len(foreign)
            if foreign:
                if self.repository.follow(foreign):
                    for listener in self._on_listing:
                        listener()
                for other in self._listeners:
                    other(foreign)
            if len(entries) < BATCH:
                return seen

    async def run(self, interval: float) -> None:
        while True:
            await wait_event(self.wakeup, interval)
            self.wakeup.clear()
            try:
                await self.poll()
            except Exception:  # a busy or restarting database: try again at the next tick
                log.exception("following the change feed failed; retrying in %.2f s", interval)
