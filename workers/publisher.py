"""The publisher loop: a listing change schedules a publication, debounced; each publication is a
new version of every list, written atomically to the blocklist directory and kept in memory for the
pull API. A publication that would change too much of a list at once is held for an analyst."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from antifraud.domain.model import Delta, ListEntry, ListKind, Snapshot
from antifraud.metrics import Metrics
from antifraud.ports import AuditRecord, ChangeSet, Clock, ListChange, PublicationRecord, Store
from antifraud.services.center import Center
from antifraud.settings import PublicationSettings
from blocklists.formats import ListFormat, RpzOptions, build_formats
from blocklists.guard import check_mass_change
from blocklists.publication import RenderedList, remove_stale_temporaries, render_all, write_publication

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Published:
    version: int
    generated_at: datetime
    lists: Mapping[str, RenderedList]
    entries: Mapping[ListKind, Mapping[str, ListEntry]]  # value -> entry as published


@dataclass(frozen=True, slots=True)
class Hold:
    reason: str
    since: datetime


@dataclass(frozen=True, slots=True)
class Outcome:
    status: str  # published | unchanged | held
    version: int
    reason: str = ""


class Publisher:
    def __init__(
        self,
        center: Center,
        store: Store,
        settings: PublicationSettings,
        directory: Path,
        metrics: Metrics,
        clock: Clock,
    ) -> None:
        self.center = center
        self.store = store
        self.settings = settings
        self.directory = directory
        self.metrics = metrics
        self.clock = clock
        self.state: Published | None = None
        self.held: Hold | None = None
        self._wakeup = asyncio.Event()
        self._lock = asyncio.Lock()
        self.formats: Mapping[str, ListFormat] = build_formats(RpzOptions(ttl=settings.rpz_ttl))
        center.on_listing_change(self.trigger)

    def trigger(self) -> None:
        self._wakeup.set()

    # start-up ------------------------------------------------------------------------------------
    async def load_last(self) -> Snapshot | None:
        """Rebuild the last published version (its entries, from the recorded changes) without writing.

        Every later publication is compared with it: what the consumers hold, not an empty list."""
        last = await self.store.last_publication()
        if last is None:
            return None
        entries = {kind: await self._published_entries(kind, last.version) for kind in ListKind}
        snapshot = Snapshot(
            last.version,
            last.created_at,
            tuple(sorted(entries[ListKind.DOMAINS].values(), key=lambda e: e.value)),
            tuple(sorted(entries[ListKind.PHONES].values(), key=lambda e: e.value)),
        )
        rendered = await asyncio.to_thread(render_all, snapshot, self.formats)
        self.state = Published(last.version, last.created_at, rendered, entries)
        self.center.published_version = last.version
        self._export(snapshot)
        return snapshot

    async def start(self) -> None:
        """Serve the last published version (its files rewritten, in case they were lost), then publish
        what changed since, if anything; the first start ever publishes version 1."""
        if self.directory.exists():
            await asyncio.to_thread(remove_stale_temporaries, self.directory)  # a crashed writer's leftovers
        snapshot = await self.load_last()
        if snapshot is None or self.state is None:
            await self.publish(force=True)
            return
        await asyncio.to_thread(write_publication, self.directory, snapshot, self.state.lists)
        await self.publish()

    async def _published_entries(self, kind: ListKind, version: int) -> dict[str, ListEntry]:
        present: dict[str, ListEntry] = {}
        for v, change in await self.store.changes_since(kind.value, 0):
            if v > version:
                break
            if change.added and change.entry is not None:
                present[change.value] = change.entry
            else:
                present.pop(change.value, None)
        return present

    # the loop ------------------------------------------------------------------------------------
    async def run(self) -> None:
        while True:
            await self._wakeup.wait()
            first = asyncio.get_running_loop().time()
            # Debounce: wait for a quiet moment, but never longer than max_delay after the first change.
            while True:
                self._wakeup.clear()
                deadline = first + self.settings.max_delay_seconds
                remaining = deadline - asyncio.get_running_loop().time()
                if remaining <= 0:
                    break
                try:
                    await asyncio.wait_for(self._wakeup.wait(), timeout=min(self.settings.debounce_seconds, remaining))
                except TimeoutError:
                    break
            self._wakeup.clear()
            try:
                await self.publish()
            except Exception:
                log.exception("publication failed; will retry on the next change or in 5 s")
                await asyncio.sleep(5)
                self._wakeup.set()

    # one publication -----------------------------------------------------------------------------
    async def publish(self, *, force: bool = False, actor: str = "publisher") -> Outcome:
        async with self._lock:
            now = self.clock.now()
            entries = {kind: self.center.listed_entries(kind) for kind in ListKind}
            values = {kind: frozenset(e.value for e in entries[kind]) for kind in ListKind}
            published: Mapping[ListKind, Mapping[str, ListEntry]] = (
                self.state.entries if self.state else {kind: {} for kind in ListKind}
            )
            previous = {kind: frozenset(published[kind]) for kind in ListKind}
            # an entry whose category, score or expiry changed is published again, as an update
            changed = {kind: [e for e in entries[kind] if published[kind].get(e.value) != e] for kind in ListKind}
            removed = {kind: sorted(previous[kind] - values[kind]) for kind in ListKind}
            if self.state is not None and not force and not any(changed.values()) and not any(removed.values()):
                return Outcome("unchanged", self.state.version)
            if not force:
                for kind in ListKind:
                    verdict = check_mass_change(
                        previous[kind],
                        values[kind],
                        max_share=self.settings.max_change_share,
                        min_entries=self.settings.guard_min_entries,
                        list_name=kind.value,
                    )
                    if verdict is not None:
                        return await self._hold(kind, verdict, now)
            version = await self.store.next_version()
            snapshot = Snapshot(version, now, entries[ListKind.DOMAINS], entries[ListKind.PHONES])
            rendered = await asyncio.to_thread(render_all, snapshot, self.formats)
            changes = {
                kind.value: [
                    *(ListChange(e.value, added=True, entry=e) for e in changed[kind]),
                    *(ListChange(v, added=False, entry=None) for v in removed[kind]),
                ]
                for kind in ListKind
            }
            record = PublicationRecord(
                version,
                now,
                len(entries[ListKind.DOMAINS]),
                len(entries[ListKind.PHONES]),
                "published",
                "forced by an analyst" if force and self.held else "",
            )
            # the version is committed before any file carries it: a crash in between leaves files of
            # the previous version, rewritten at the next start, never two different lists under one serial
            await self.store.record_publication(record, changes)
            await asyncio.to_thread(write_publication, self.directory, snapshot, rendered)
            if self.held is not None:
                await self.store.apply(
                    ChangeSet(
                        audit=[
                            AuditRecord(
                                now,
                                actor,
                                "publication_released",
                                None,
                                None,
                                None,
                                f"version {version} released: {self.held.reason}",
                            )
                        ]
                    )
                )
            self.held = None
            for kind in ListKind:
                self.metrics.publication_held.labels(kind.value).set(0)
            self.state = Published(
                version, now, rendered, {kind: {e.value: e for e in entries[kind]} for kind in ListKind}
            )
            await self.center.mark_published(
                version, {kind: [e.value for e in changed[kind] if e.value not in previous[kind]] for kind in ListKind}
            )
            self._export(snapshot)
            log.info(
                "published version %d: %d domains, %d phones",
                version,
                len(snapshot.domains),
                len(snapshot.phones),
            )
            return Outcome("published", version)

    async def _hold(self, kind: ListKind, reason: str, now: datetime) -> Outcome:
        if self.held is None or self.held.reason != reason:
            self.metrics.publications_held.labels(kind.value).inc()
            await self.store.apply(
                ChangeSet(audit=[AuditRecord(now, "publisher", "publication_held", None, None, None, reason)])
            )
            log.warning("publication held for an analyst: %s", reason)
        self.held = Hold(reason, now if self.held is None else self.held.since)
        self.metrics.publication_held.labels(kind.value).set(1)
        return Outcome("held", self.state.version if self.state else 0, reason)

    def _export(self, snapshot: Snapshot) -> None:
        stamp = snapshot.generated_at.timestamp()
        for kind in ListKind:
            self.metrics.blocklist_version.labels(kind.value).set(snapshot.version)
            self.metrics.blocklist_published.labels(kind.value).set(stamp)

    # deltas --------------------------------------------------------------------------------------
    async def delta(self, kind: ListKind, since: int, until: int | None = None) -> Delta:
        """What changed in a list from version `since` to `until` (default: the version being served)."""
        if self.state is None:
            return Delta(kind, since, 0)
        until = self.state.version if until is None else until
        last: dict[str, ListChange] = {}
        for version, change in await self.store.changes_since(kind.value, since):
            if version > until:
                break
            last[change.value] = change
        # added: new or updated entries; removed: every value whose last change removed it (removing a
        # value the consumer never had is a no-op, and cheaper than replaying history to find out)
        added = tuple(sorted((c.entry for c in last.values() if c.added and c.entry), key=lambda e: e.value))
        removed = tuple(sorted(v for v, c in last.items() if not c.added))
        return Delta(kind, since, until, added, removed)
