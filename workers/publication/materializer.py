"""The materializer: every node writes the versions the planner recorded, and serves them.

At start it serves the newest complete version already on its disk at once (no render before the
port opens), then catches up in the background: each version recorded in the store since is applied
to the renderer as a delta (workers' files are patched, not rebuilt). When it is too far behind, or
has nothing on disk, it loads the whole published list from the store once.

Rendering happens in the renderer process (blocklists.renderer_process): a national list never holds
this process's event loop.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from datetime import UTC

from antifraud.domain.model import Delta, ListKind
from antifraud.metrics import Metrics
from antifraud.ports import PublicationRecord, PublicationStore
from antifraud.waiting import wait_event
from blocklists.renderer import Manifest, RawChange, RawRow
from blocklists.renderer_process import AsyncRenderer, RendererDied
from blocklists.rows import rfc3339

log = logging.getLogger(__name__)
MAX_INCREMENTAL = 200  # versions behind beyond which one full load is cheaper than replaying each


class Materializer:
    def __init__(self, store: PublicationStore, renderer: AsyncRenderer, metrics: Metrics) -> None:
        self.store = store
        self.renderer = renderer
        self.metrics = metrics
        self.served: Manifest | None = None
        self._lock = asyncio.Lock()
        self._wakeup = asyncio.Event()
        self._listeners: list[Callable[[Manifest], None]] = []

    def on_version(self, listener: Callable[[Manifest], None]) -> None:
        """Called after each new version is written and served (zone NOTIFY, the check answers' version)."""
        self._listeners.append(listener)

    def trigger(self, _version: int | None = None) -> None:
        self._wakeup.set()

    @property
    def version(self) -> int:
        return self.served.version if self.served else 0

    async def start(self) -> None:
        """Serve what is on disk now; `catch_up` brings it to the store's newest version."""
        manifest = await self.renderer.restore()
        if manifest is not None:
            self._serve(manifest)
            log.info("serving version %d from disk", manifest.version)

    async def run(self) -> None:
        while True:
            try:
                await self.catch_up()
            except RendererDied:
                log.exception("the renderer process died; restarting it from the last version on disk")
                self.served = None
                await self.start()
                continue
            except Exception:
                log.exception("writing a new version failed; retrying in 2 s")
                await asyncio.sleep(2)
                continue
            await wait_event(self._wakeup, 5.0)  # the trigger, or a safety net
            self._wakeup.clear()

    async def catch_up(self) -> int:
        """Write every version recorded since the one served; returns the version served after."""
        async with self._lock:
            last = await self.store.last_publication()
            if last is None or last.version <= self.version:
                return self.version
            pending = await self.store.publications_after(self.version) if self.served else []
            contiguous = bool(pending) and pending[0].version == self.version + 1
            if self.served is None or not contiguous or len(pending) > MAX_INCREMENTAL:
                await self._full(last)
                return self.version
            # Versions recorded while the previous one was being written are written together, as the
            # newest: at a national size a version costs seconds to write, and a burst of decisions must
            # not queue one write per version. Their deltas stay in the store for ?since= and IXFR.
            merged: dict[ListKind, dict[str, RawChange]] = {kind: {} for kind in ListKind}
            for record in pending:
                for kind in ListKind:
                    for change in await self.store.publication_raw(kind.value, record.version):
                        merged[kind][change[1][0]] = change
            newest = pending[-1]
            raw = {kind: list(changes.values()) for kind, changes in merged.items()}
            started = time.perf_counter()
            self._serve(await self.renderer.publish_raw(newest.version, rfc3339(newest.created_at), raw))
            log.info(
                "version %d written in %.2f s (%d changes)",
                newest.version,
                time.perf_counter() - started,
                sum(len(v) for v in raw.values()),
            )
            return self.version

    async def _full(self, last: PublicationRecord) -> None:
        """Load the whole published list; retried if a version lands while it is read."""
        while True:
            raw: dict[ListKind, list[RawRow]] = {}
            for kind in ListKind:
                rows: list[RawRow] = []
                async for chunk in self.store.published_raw(kind.value):
                    rows.extend(chunk)
                raw[kind] = rows
            again = await self.store.last_publication()
            if again is not None and again.version != last.version:
                last = again
                continue
            break
        log.info("writing version %d in full (%s)", last.version, ", ".join(f"{k}: {len(v)}" for k, v in raw.items()))
        manifest = await self.renderer.load_raw(last.version, rfc3339(last.created_at.astimezone(UTC)), raw)
        self._serve(manifest)

    def _serve(self, manifest: Manifest) -> None:
        self.served = manifest
        for kind in ListKind:
            self.metrics.blocklist_version.labels(kind.value).set(manifest.version)
        for listener in self._listeners:
            try:
                listener(manifest)
            except Exception:
                log.exception("a listener of new versions failed")

    async def delta(self, kind: ListKind, since: int, until: int) -> Delta | None:
        """What changed in a list from version `since` to `until`, or None when the history no longer
        reaches back that far (the consumer takes the full list, as IXFR falls back to AXFR)."""
        if since >= until:
            return Delta(kind, since, until)
        records = await self.store.publications_after(since)
        if not records or records[0].version != since + 1:
            return None
        last = {}
        for _, change in await self.store.publication_changes(kind.value, since, until):
            last[change.value] = change
        added = tuple(sorted((c.entry for c in last.values() if c.entry is not None), key=lambda e: e.value))
        removed = tuple(sorted(v for v, c in last.items() if c.entry is None))
        return Delta(kind, since, until, added, removed)
