"""Feed pollers: conditional GETs (ETag / If-Modified-Since), size-capped reads, only new items on.

A feed is a snapshot of what the source lists now; each poll submits what was not in the previous
successful poll, so an unchanged line is not re-reported every interval. The cursor (validators and
the last snapshot's keys) advances only after `submit` succeeded: a failed submission is retried
whole on the next poll.
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections.abc import Callable
from dataclasses import dataclass, field

import aiohttp

from antifraud.domain.model import IndicatorType
from antifraud.domain.normalize import SuffixList
from antifraud.feeds import FeedFormat, FeedSource, parse_feed
from antifraud.waiting import wait_event
from workers.feeds.jobs import Submit

log = logging.getLogger(__name__)

USER_AGENT = "antifraud-feeds/0.1 (+national anti-fraud center)"


class FeedFetchError(Exception):
    """A poll failed: the source answered with an error, too much data, or not at all."""

    def __init__(self, source: str, message: str) -> None:
        super().__init__(f"feed {source!r}: {message}")
        self.source = source


@dataclass(slots=True)
class FeedCursor:
    etag: str | None = None
    last_modified: str | None = None
    seen: frozenset[tuple[IndicatorType, str]] = field(default_factory=frozenset)


@dataclass(frozen=True, slots=True)
class PollResult:
    status: str  # "fetched" | "not_modified"
    total: int = 0  # items in the feed now
    submitted: int = 0  # new since the previous poll
    rejected: int = 0
    duplicates: int = 0


class FeedPoller:
    def __init__(
        self,
        session: aiohttp.ClientSession,
        source: FeedSource,
        suffixes: SuffixList,
        submit: Submit,
        *,
        cursor: FeedCursor | None = None,
        batch_size: int = 500,
        timeout_seconds: float = 60.0,
        rand: Callable[[], float] = random.random,
    ) -> None:
        if source.format is FeedFormat.CERTSTREAM:
            raise ValueError(f"feed {source.name!r} is a CertStream feed: use CertstreamClient")
        self.session = session
        self.source = source
        self.suffixes = suffixes
        self.submit = submit
        self.cursor = cursor or FeedCursor()
        self.batch_size = batch_size
        self.timeout = aiohttp.ClientTimeout(total=timeout_seconds)
        self._rand = rand
        self._stop = asyncio.Event()

    def _headers(self) -> dict[str, str]:
        headers = {"User-Agent": USER_AGENT}
        if self.cursor.etag:
            headers["If-None-Match"] = self.cursor.etag
        if self.cursor.last_modified:
            headers["If-Modified-Since"] = self.cursor.last_modified
        return headers

    async def _body(self, response: aiohttp.ClientResponse) -> str:
        limit = self.source.max_bytes
        if response.content_length is not None and response.content_length > limit:
            raise FeedFetchError(self.source.name, f"the feed is {response.content_length} bytes; the limit is {limit}")
        chunks: list[bytes] = []
        size = 0
        # Counted after decompression: a small gzip body may expand past the limit.
        async for chunk in response.content.iter_chunked(64 * 1024):
            size += len(chunk)
            if size > limit:
                raise FeedFetchError(self.source.name, f"the feed exceeds the limit of {limit} bytes")
            chunks.append(chunk)
        return b"".join(chunks).decode(response.get_encoding() if response.charset else "utf-8", errors="replace")

    async def poll_once(self) -> PollResult:
        try:
            async with self.session.get(self.source.url, headers=self._headers(), timeout=self.timeout) as response:
                if response.status == 304:
                    return PollResult("not_modified", total=len(self.cursor.seen))
                if response.status != 200:
                    raise FeedFetchError(self.source.name, f"HTTP {response.status} {response.reason or ''}".strip())
                text = await self._body(response)
                etag = response.headers.get("ETag")
                last_modified = response.headers.get("Last-Modified")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise FeedFetchError(self.source.name, f"cannot fetch {self.source.url}: {exc!r}") from exc
        parsed = parse_feed(text, self.source, self.suffixes)
        fresh = [item for item in parsed.items if item.key not in self.cursor.seen]
        for start in range(0, len(fresh), self.batch_size):
            await self.submit(fresh[start : start + self.batch_size])
        self.cursor = FeedCursor(etag, last_modified, frozenset(item.key for item in parsed.items))
        if parsed.rejected:
            first = parsed.rejected[0]
            log.info(
                "feed %s: %d lines rejected, e.g. line %d: %s",
                self.source.name,
                len(parsed.rejected),
                first.line,
                first.reason,
            )
        return PollResult("fetched", len(parsed.items), len(fresh), len(parsed.rejected), parsed.duplicates)

    def stop(self) -> None:
        self._stop.set()

    async def run(self) -> None:
        """Poll every interval until `stop()`; failures back off (doubling, capped at 8 intervals)."""
        failures = 0
        while not self._stop.is_set():
            try:
                result = await self.poll_once()
            except FeedFetchError as exc:
                failures += 1
                log.warning("%s (failure %d in a row)", exc, failures)
            except Exception:
                failures += 1
                log.exception("feed %s: submitting items failed (failure %d in a row)", self.source.name, failures)
            else:
                failures = 0
                log.info("feed %s: %s, %d new of %d", self.source.name, result.status, result.submitted, result.total)
            delay = self.source.interval_seconds * min(2**failures, 8)
            # Jitter spreads many feeds (and many centers) over the interval instead of on its edge.
            delay *= 0.9 + 0.2 * self._rand()
            if not await wait_event(self._stop, delay):
                continue
