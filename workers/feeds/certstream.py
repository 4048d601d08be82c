"""A CertStream client: certificate transparency names over a websocket, triaged before queuing.

A CT stream carries every new certificate on the internet, hundreds of names a second, nearly all
of them honest. Each name is scored lexically first by the injected `is_suspicious` (the detector's
cheap name heuristics); only the suspicious become `feed_item` jobs, deduplicated on the way. The
client reconnects with backoff when the stream drops, as CT streams routinely do.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import aiohttp

from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import IndicatorType
from antifraud.domain.normalize import SuffixList, normalize_domain
from antifraud.feeds import FeedFormat, FeedFormatError, FeedItem, FeedSource, certstream_names
from antifraud.jobs import JobQueue
from antifraud.waiting import wait_event
from workers.feeds.jobs import feed_item_job

log = logging.getLogger(__name__)


@dataclass(slots=True)
class CertstreamStats:
    connections: int = 0
    messages: int = 0
    heartbeats: int = 0
    malformed: int = 0
    names: int = 0
    suspicious: int = 0
    enqueued: int = 0


class _Recent:
    """A bounded set of recently seen names: CT logs repeat a name in many certificates and logs."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._names: OrderedDict[str, None] = OrderedDict()

    def add(self, name: str) -> bool:
        """True if the name is new."""
        if name in self._names:
            self._names.move_to_end(name)
            return False
        self._names[name] = None
        if len(self._names) > self.size:
            self._names.popitem(last=False)
        return True


class CertstreamClient:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        source: FeedSource,
        queue: JobQueue,
        is_suspicious: Callable[[str], bool],
        suffixes: SuffixList,
        *,
        recent_names: int = 100_000,
        heartbeat_seconds: float = 30.0,
        min_backoff_seconds: float = 1.0,
        max_backoff_seconds: float = 120.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if source.format is not FeedFormat.CERTSTREAM:
            raise ValueError(f"feed {source.name!r} is {source.format}, not a CertStream feed")
        self.session = session
        self.source = source
        self.queue = queue
        self.is_suspicious = is_suspicious
        self.suffixes = suffixes
        self.heartbeat_seconds = heartbeat_seconds
        self.min_backoff = min_backoff_seconds
        self.max_backoff = max_backoff_seconds
        self.stats = CertstreamStats()
        self._recent = _Recent(recent_names)
        self._rand = rand
        self._stop = asyncio.Event()
        self._ws: aiohttp.ClientWebSocketResponse | None = None
        self._closing: asyncio.Task[bool] | None = None

    async def handle_message(self, message: str | bytes) -> int:
        """Triage one message; returns how many jobs it added."""
        self.stats.messages += 1
        try:
            names = certstream_names(message)
        except FeedFormatError as exc:
            self.stats.malformed += 1
            log.warning("CertStream %s: %s", self.source.name, exc.message)
            return 0
        if not names:
            self.stats.heartbeats += 1
            return 0
        added = 0
        for raw in names:
            self.stats.names += 1
            if not self._recent.add(raw) or not self.is_suspicious(raw):
                continue
            self.stats.suspicious += 1
            try:
                name = normalize_domain(raw, self.suffixes)
            except InvalidIndicator:
                continue  # certificates name internal hosts and junk; only real domains are jobs
            item = FeedItem(IndicatorType.DOMAIN, name.ascii, self.source.category, self.source.name, self.source.trust)
            if (await self.queue.enqueue(feed_item_job(item, group=name.registered))).created:
                added += 1
        self.stats.enqueued += added
        return added

    def stop(self) -> None:
        self._stop.set()
        if self._ws is not None and not self._ws.closed:
            # Closing the socket ends the read loop now instead of at the next message.
            self._closing = asyncio.get_running_loop().create_task(self._ws.close())

    async def _session(self) -> None:
        async with self.session.ws_connect(self.source.url, heartbeat=self.heartbeat_seconds) as ws:
            self._ws = ws
            self.stats.connections += 1
            log.info("CertStream %s: connected to %s", self.source.name, self.source.url)
            async for message in ws:
                if message.type in {aiohttp.WSMsgType.TEXT, aiohttp.WSMsgType.BINARY}:
                    await self.handle_message(message.data)
                elif message.type is aiohttp.WSMsgType.ERROR:
                    raise ConnectionError(f"websocket error: {ws.exception()!r}")
        self._ws = None

    async def run(self) -> None:
        """Read the stream until `stop()`, reconnecting with jittered exponential backoff."""
        failures = 0
        while not self._stop.is_set():
            connected_before = self.stats.connections
            try:
                await self._session()
            except (aiohttp.ClientError, ConnectionError, TimeoutError) as exc:
                log.warning("CertStream %s: %r", self.source.name, exc)
            self._ws = None
            if self._stop.is_set():
                break
            failures = 0 if self.stats.connections > connected_before else failures + 1
            delay = min(self.max_backoff, self.min_backoff * 2 ** min(failures, 16)) * (0.5 + self._rand())
            if not await wait_event(self._stop, delay):
                continue
