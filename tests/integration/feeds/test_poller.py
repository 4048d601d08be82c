"""Feed pollers against a feed server on loopback that honours ETag and If-Modified-Since."""

from __future__ import annotations

import asyncio
import gzip
import hashlib
import re

import aiohttp
import pytest
from aiohttp import web

from antifraud.domain.model import Category
from antifraud.feeds import FeedFormat, FeedSource
from workers.feeds import FeedCursor, FeedFetchError, FeedPoller

LAST_MODIFIED = "Sun, 22 Nov 2026 10:00:00 GMT"


class FeedServer:
    """Serves `self.body`; answers 304 to a matching If-None-Match or an unchanged If-Modified-Since."""

    def __init__(self):
        self.body = b"https://kaspi-bonus.kz/login\nhttps://halyk-prize.com/win\n"
        self.use_etag = True
        self.status = 200
        self.gzip = False
        self.requests = []

    async def handle(self, request):
        self.requests.append(dict(request.headers))
        if self.status != 200:
            return web.Response(status=self.status, text="upstream is down")
        etag = '"' + hashlib.sha256(self.body).hexdigest()[:16] + '"'
        if self.use_etag and request.headers.get("If-None-Match") == etag:
            return web.Response(status=304, headers={"ETag": etag})
        if not self.use_etag and request.headers.get("If-Modified-Since") == LAST_MODIFIED:
            return web.Response(status=304)
        headers = {"ETag": etag} if self.use_etag else {"Last-Modified": LAST_MODIFIED}
        body = self.body
        if self.gzip:
            body = gzip.compress(body)
            headers["Content-Encoding"] = "gzip"
        return web.Response(body=body, headers=headers, content_type="text/plain")


@pytest.fixture
async def feed(aiohttp_server):
    server = FeedServer()
    app = web.Application()
    app.router.add_get("/feed.txt", server.handle)
    running = await aiohttp_server(app, host="127.0.0.1", port=0)
    server.url = str(running.make_url("/feed.txt"))
    return server


@pytest.fixture
async def session():
    async with aiohttp.ClientSession() as s:
        yield s


def source(url, **changes):
    base = {
        "name": "openphish",
        "format": FeedFormat.URL_LIST,
        "url": url,
        "trust": 80,
        "category": Category.PHISHING,
    }
    return FeedSource(**(base | changes))


class Sink:
    def __init__(self):
        self.batches = []
        self.fail = False

    async def __call__(self, items):
        if self.fail:
            raise OSError("intake unavailable")
        self.batches.append(list(items))

    @property
    def values(self):
        return [i.value for batch in self.batches for i in batch]


async def test_etag_304_and_only_new_items_submitted(feed, session, suffixes):
    sink = Sink()
    poller = FeedPoller(session, source(feed.url), suffixes, sink)
    first = await poller.poll_once()
    assert (first.status, first.total, first.submitted) == ("fetched", 2, 2)
    assert sink.values == ["https://kaspi-bonus.kz/login", "https://halyk-prize.com/win"]
    assert all(i.trust == 80 and i.category is Category.PHISHING and i.source == "openphish" for i in sink.batches[0])

    second = await poller.poll_once()
    assert second.status == "not_modified"
    assert feed.requests[-1]["If-None-Match"] == poller.cursor.etag
    assert len(sink.batches) == 1

    feed.body += b"https://kaspi-bonus.kz/login\nhttps://egov-kz.info/\n"  # one repeat, one new
    third = await poller.poll_once()
    assert (third.status, third.total, third.submitted, third.duplicates) == ("fetched", 3, 1, 1)
    assert sink.batches[-1][0].value == "https://egov-kz.info/"


async def test_if_modified_since_when_the_server_has_no_etag(feed, session, suffixes):
    feed.use_etag = False
    sink = Sink()
    poller = FeedPoller(session, source(feed.url), suffixes, sink)
    assert (await poller.poll_once()).status == "fetched"
    assert (await poller.poll_once()).status == "not_modified"
    assert feed.requests[-1]["If-Modified-Since"] == LAST_MODIFIED
    assert "If-None-Match" not in feed.requests[-1]


async def test_a_failed_submission_is_retried_whole_next_time(feed, session, suffixes):
    sink = Sink()
    poller = FeedPoller(session, source(feed.url), suffixes, sink)
    sink.fail = True
    with pytest.raises(OSError, match="intake unavailable"):
        await poller.poll_once()
    assert poller.cursor == FeedCursor()  # nothing advanced: no validators sent next time
    sink.fail = False
    assert (await poller.poll_once()).submitted == 2
    assert "If-None-Match" not in feed.requests[-1]


async def test_http_errors_say_which_feed_and_what(feed, session, suffixes):
    feed.status = 503
    poller = FeedPoller(session, source(feed.url), suffixes, Sink())
    with pytest.raises(FeedFetchError, match=r"feed 'openphish': HTTP 503 Service Unavailable"):
        await poller.poll_once()


async def test_unreachable_feed(session, suffixes):
    poller = FeedPoller(session, source("http://127.0.0.1:9/feed.txt"), suffixes, Sink(), timeout_seconds=2)
    with pytest.raises(FeedFetchError, match=re.escape("cannot fetch http://127.0.0.1:9/feed.txt")):
        await poller.poll_once()


async def test_size_limit_applies_after_decompression(feed, session, suffixes):
    feed.body = b"https://kaspi-bonus.kz/" + b"a" * 200_000 + b"\n"
    feed.gzip = True  # about 300 bytes on the wire
    poller = FeedPoller(session, source(feed.url, max_bytes=64 * 1024), suffixes, Sink())
    with pytest.raises(FeedFetchError, match="exceeds the limit of 65536 bytes"):
        await poller.poll_once()


async def test_batches(feed, session, suffixes):
    feed.body = b"".join(b"kaspi-bonus-%d.kz\n" % i for i in range(25))
    sink = Sink()
    poller = FeedPoller(session, source(feed.url, format=FeedFormat.HOST_LIST), suffixes, sink, batch_size=10)
    assert (await poller.poll_once()).submitted == 25
    assert [len(b) for b in sink.batches] == [10, 10, 5]


async def test_run_polls_until_stopped(feed, session, suffixes):
    sink = Sink()
    poller = FeedPoller(session, source(feed.url, interval_seconds=0.05), suffixes, sink)
    task = asyncio.create_task(poller.run())
    async with asyncio.timeout(5):
        while len(feed.requests) < 3:
            await asyncio.sleep(0.01)
    poller.stop()
    await task
    assert len(sink.batches) == 1  # later polls were 304s
    assert len(feed.requests) >= 3


def test_certstream_sources_are_refused(suffixes):
    stream = source("wss://ct.example/", format=FeedFormat.CERTSTREAM)
    with pytest.raises(ValueError, match="use CertstreamClient"):
        FeedPoller(None, stream, suffixes, Sink())
