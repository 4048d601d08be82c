"""The gateway agent's loop: keep Kamailio's tables at the center's newest verified version, and tell
the center what Kamailio refused.

One sync:
1. read the center's index (version and sha256 of every list);
2. for each table whose checksum differs from the one held: ask for a delta from the held version
   (with If-None-Match), apply it, and check the result against the index; if there is no delta, or it
   does not check, fetch the whole list and check that; a list whose bytes do not match is never
   written;
3. write each new table atomically and ask Kamailio to reload it; a reload that fails (Kamailio down)
   is retried on the next sync, and Kamailio reads the file anyway when it starts.

The center being down, slow or wrong costs nothing but freshness: the tables keep the last verified
version, and the loop retries with exponential backoff. The loop never ends on an error.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import random
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from blocklists.telecom import DeltaMismatch, apply_dbtext_delta, sha256_hex
from workers.gateway import tables
from workers.gateway.hits import HitsLedger
from workers.gateway.model import (
    AgentState,
    Backoff,
    CenterUnavailable,
    GatewayAgentError,
    GatewayUnavailable,
    Held,
    IndexEntry,
    InvalidTable,
    TableSpec,
    check_table,
)
from workers.gateway.ports import Center, Gateway

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class AgentSettings:
    tables_dir: Path
    specs: Sequence[TableSpec]
    interval: float = 10.0  # seconds between syncs when all is well
    hits_interval: float = 60.0  # seconds between hit reports
    backoff: Backoff = Backoff(base=1.0, cap=60.0)  # noqa: RUF009 - a frozen value, shared safely

    def __post_init__(self) -> None:
        if self.interval <= 0 or self.hits_interval <= 0:
            raise GatewayAgentError("the sync and hits intervals must be positive numbers of seconds")


@dataclass(frozen=True, slots=True)
class SyncReport:
    updated: tuple[str, ...]  # tables written in this sync
    reloaded: tuple[str, ...]  # tables Kamailio reloaded in this sync
    refused: tuple[str, ...]  # tables whose download did not check (kept at the last good version)
    version: int | None  # the center's version


class GatewayAgent:
    def __init__(
        self,
        settings: AgentSettings,
        center: Center,
        gateway: Gateway,
        *,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.settings = settings
        self.center = center
        self.gateway = gateway
        self.clock = clock
        self.rand = rand
        directory = settings.tables_dir
        directory.mkdir(parents=True, exist_ok=True)
        self.state = AgentState.from_json(tables.load_state(directory))
        self.ledger = HitsLedger.from_json(self.state.hits)
        self.refusals = 0  # downloads refused since start (wrong checksum, bad table)
        for spec in settings.specs:
            if tables.ensure_table(directory, spec):
                self.state.held.pop(spec.name, None)
                log.info("created an empty %s so that Kamailio can start before the first pull", spec.name)
            held = self.state.held.get(spec.name)
            body = tables.read_table(directory, spec)
            if held is not None and (body is None or sha256_hex(body) != held.sha256):
                log.warning("%s on disk is not the version this agent wrote; it will be fetched again", spec.name)
                del self.state.held[spec.name]

    # one sync ------------------------------------------------------------------------------------
    async def sync_once(self) -> SyncReport:
        """Bring every table to the index's version. Raises CenterUnavailable when the index cannot be read."""
        try:
            index = await self.center.index()
        except InvalidTable as exc:
            raise CenterUnavailable(f"the index cannot be used: {exc}") from exc
        updated, refused = [], []
        version = None
        for spec in self.settings.specs:
            entry = index.get(spec.name)
            if entry is None:
                log.warning("the center does not publish %s; Kamailio keeps the table it has", spec.name)
                continue
            version = entry.version
            held = self.state.held.get(spec.name)
            if held is not None and held.sha256 == entry.sha256:
                if held.version != entry.version:
                    self.state.held[spec.name] = Held(entry.version, entry.sha256)  # same bytes, newer version
                continue
            try:
                body = await self._download(spec, entry, held)
            except InvalidTable as exc:
                self.refusals += 1
                refused.append(spec.name)
                log.error(  # noqa: TRY400 - the reason is the message; a traceback would only hide it
                    "refused %s version %d: %s; Kamailio keeps the last good table", spec.name, entry.version, exc
                )
                continue
            if body is None:
                continue
            await asyncio.to_thread(tables.write_table, self.settings.tables_dir, spec, body)
            self.state.held[spec.name] = Held(entry.version, entry.sha256)
            self.state.pending_reload.add(spec.name)
            updated.append(spec.name)
            log.info("wrote %s version %d", spec.name, entry.version)
        reloaded = await self._reload_pending()
        self._save()
        return SyncReport(tuple(updated), tuple(reloaded), tuple(refused), version)

    async def _download(self, spec: TableSpec, entry: IndexEntry, held: Held | None) -> bytes | None:
        """The table at `entry`'s version, checked against its sha256; None when the center moved on
        meanwhile (the next sync takes the newer version). Raises InvalidTable when nothing checks."""
        if held is not None:
            fetched = await self.center.fetch(spec.name, since=held.version, held=held.version)
            if fetched.version != entry.version or fetched.kind == "unchanged":
                return None
            if fetched.kind == "full":
                return self._checked(spec, entry, fetched.body)
            current = tables.read_table(self.settings.tables_dir, spec)
            if current is not None:
                try:
                    body, _ = apply_dbtext_delta(current, fetched.body, held.version)
                except DeltaMismatch as exc:
                    log.warning("the delta of %s does not apply (%s); fetching it whole", spec.name, exc)
                else:
                    if sha256_hex(body) == entry.sha256:
                        return self._checked(spec, entry, body)
                    log.warning("%s patched by its delta does not match the index; fetching it whole", spec.name)
        fetched = await self.center.fetch(spec.name, since=None, held=None)
        if fetched.version != entry.version:
            return None
        return self._checked(spec, entry, fetched.body)

    @staticmethod
    def _checked(spec: TableSpec, entry: IndexEntry, body: bytes) -> bytes:
        digest = sha256_hex(body)
        if digest != entry.sha256:
            raise InvalidTable(f"its sha256 is {digest}, the index says {entry.sha256}")
        check_table(spec, body)
        return body

    async def _reload_pending(self) -> list[str]:
        reloaded = []
        for spec in self.settings.specs:
            if spec.name not in self.state.pending_reload:
                continue
            try:
                await self.gateway.reload(spec)
            except GatewayUnavailable as exc:
                log.warning("Kamailio did not reload %s (%s); retrying at the next sync", spec.name, exc)
                continue
            self.state.pending_reload.discard(spec.name)
            reloaded.append(spec.name)
        return reloaded

    # hits ----------------------------------------------------------------------------------------
    async def report_hits_once(self) -> int:
        """Read Kamailio's counters, queue what is new, send the queue. Returns how many batches the
        center accepted; CenterUnavailable / GatewayUnavailable leave the queue for the next time."""
        clock = await self.gateway.clock()
        counters = await self.gateway.hit_counters()
        self.ledger.observe(counters, clock.started, clock.uptime, self.clock())
        self._save()
        sent = 0
        while self.ledger.pending:
            batch = self.ledger.pending[0]
            await self.center.post_hits(batch)
            self.ledger.accepted(batch)
            sent += 1
            self._save()
        return sent

    def _save(self) -> None:
        self.state.hits = self.ledger.to_json()
        tables.save_state(self.settings.tables_dir, self.state.to_json())

    # the loop ------------------------------------------------------------------------------------
    async def run(self, stop: asyncio.Event) -> None:
        """Sync and report until `stop` is set; errors are logged and retried with backoff, never raised."""
        sync_failures = hits_failures = 0
        next_sync = next_hits = 0.0
        loop = asyncio.get_running_loop()
        while not stop.is_set():
            now = loop.time()
            if now >= next_sync:
                sync_failures = await self._attempt(self.sync_once, sync_failures, "sync")
                next_sync = loop.time() + self._wait(sync_failures, self.settings.interval)
            if now >= next_hits:
                hits_failures = await self._attempt(self.report_hits_once, hits_failures, "hit report")
                next_hits = loop.time() + self._wait(hits_failures, self.settings.hits_interval)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=max(0.0, min(next_sync, next_hits) - loop.time()))

    def _wait(self, failures: int, interval: float) -> float:
        return self.settings.backoff.delay(failures, self.rand) if failures else interval

    async def _attempt(self, step: Callable[[], Awaitable[object]], failures: int, what: str) -> int:
        try:
            await step()
        except (CenterUnavailable, GatewayUnavailable, InvalidTable) as exc:
            log.warning("%s failed (%s); retrying after a backoff", what, exc)
            return failures + 1
        except Exception:  # a bug must not stop a gateway's protection: log it and go on
            log.exception("%s failed unexpectedly; retrying after a backoff", what)
            return failures + 1
        return 0
