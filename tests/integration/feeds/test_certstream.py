"""The CertStream client against a fake CT websocket stream on loopback."""

from __future__ import annotations

import asyncio
import json

import aiohttp
import pytest
from aiohttp import web
from fakes import FakeClock
from fakes_jobs import FakeJobQueue

from antifraud.domain.model import Category, IndicatorType
from antifraud.feeds import FeedFormat, FeedItem, FeedSource
from antifraud.jobs import JobState, NewJob
from workers.feeds import FEED_ITEM, CertstreamClient, FeedItemHandler
from workers.jobs import JobRunner, RunnerSettings, UtcClock


def update(*names):
    return json.dumps(
        {
            "message_type": "certificate_update",
            "data": {
                "update_type": "PrecertLogEntry",
                "leaf_cert": {"all_domains": list(names), "subject": {"CN": names[0] if names else None}},
                "source": {"name": "Fake CT log", "url": "ct.example/log"},
            },
        }
    )


HEARTBEAT = json.dumps({"message_type": "heartbeat", "timestamp": 1795000000.0})
SESSIONS = [
    [
        HEARTBEAT,
        update("*.kaspi-bonus.kz", "kaspi-bonus.kz", "www.kaspi-bonus.kz"),
        update("shop.example.com", "blog.example.org"),
        "this is not json",
        update("halyk-prize.com", "kaspi-bonus.kz"),
    ],
    [update("kaspi-bonus.kz"), update("egov-kz-pay.top", "*.internal", "kaspi.local")],
]


class CtServer:
    """Each connection plays the next session's messages, then closes: the client must reconnect."""

    def __init__(self):
        self.connections = 0

    async def handle(self, request):
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        session = SESSIONS[min(self.connections, len(SESSIONS) - 1)] if self.connections < len(SESSIONS) else []
        self.connections += 1
        for message in session:
            await ws.send_str(message)
        if not session:
            async for _ in ws:  # idle: nothing more to say until the client leaves
                pass
        await ws.close()
        return ws


@pytest.fixture
async def ct(aiohttp_server):
    server = CtServer()
    app = web.Application()
    app.router.add_get("/", server.handle)
    running = await aiohttp_server(app, host="127.0.0.1", port=0)
    server.url = str(running.make_url("/")).replace("http://", "ws://")
    return server


def suspicious(name):
    return any(token in name for token in ("kaspi", "halyk", "egov"))


def ct_source(url):
    return FeedSource("certstream", FeedFormat.CERTSTREAM, url, 20, Category.PHISHING)


async def test_only_suspicious_names_become_jobs_once_each(ct, suffixes):
    queue = FakeJobQueue(FakeClock())
    async with aiohttp.ClientSession() as session:
        client = CertstreamClient(
            session, ct_source(ct.url), queue, suspicious, suffixes, min_backoff_seconds=0.01, rand=lambda: 0.5
        )
        task = asyncio.create_task(client.run())
        async with asyncio.timeout(5):
            while client.stats.connections < 3:
                await asyncio.sleep(0.01)
        client.stop()
        await task
    values = sorted(job.payload["value"] for job in queue.jobs.values())
    assert values == ["egov-kz-pay.top", "halyk-prize.com", "kaspi-bonus.kz", "www.kaspi-bonus.kz"]
    assert all(job.kind == FEED_ITEM for job in queue.jobs.values())
    job = next(j for j in queue.jobs.values() if j.payload["value"] == "www.kaspi-bonus.kz")
    assert job.group == "kaspi-bonus.kz"
    assert job.payload == {
        "type": "domain",
        "value": "www.kaspi-bonus.kz",
        "category": "phishing",
        "source": "certstream",
        "trust": 20,
    }
    stats = client.stats
    assert stats.heartbeats == 1
    assert stats.malformed == 1
    assert stats.enqueued == 4
    assert stats.names == 10  # every name of every certificate looked at (kaspi.local: no public suffix)


async def test_handle_message_directly(suffixes):
    queue = FakeJobQueue(FakeClock())
    client = CertstreamClient(None, ct_source("wss://ct.example/"), queue, suspicious, suffixes)
    assert await client.handle_message(update("kaspi-bonus.kz", "example.com")) == 1
    assert await client.handle_message(update("kaspi-bonus.kz")) == 0  # seen recently
    assert await client.handle_message(HEARTBEAT) == 0
    assert len(queue.jobs) == 1


async def test_queued_items_reach_intake_through_the_runner(suffixes):
    queue = FakeJobQueue(UtcClock())
    client = CertstreamClient(None, ct_source("wss://ct.example/"), queue, suspicious, suffixes)
    await client.handle_message(update("kaspi-bonus.kz", "halyk-prize.com"))
    submitted = []

    async def submit(items):
        submitted.extend(items)

    runner = JobRunner(
        queue, {FEED_ITEM: FeedItemHandler(submit)}, settings=RunnerSettings(poll_seconds=0.02), worker_id="w1"
    )
    task = asyncio.create_task(runner.run())
    async with asyncio.timeout(5):
        while len(submitted) < 2:
            await asyncio.sleep(0.01)
    runner.stop()
    await task
    assert sorted(i.value for i in submitted) == ["halyk-prize.com", "kaspi-bonus.kz"]
    assert submitted[0] == FeedItem(IndicatorType.DOMAIN, submitted[0].value, Category.PHISHING, "certstream", 20)
    assert all(j.state is JobState.DONE for j in queue.jobs.values())


async def test_a_bad_feed_item_job_is_parked():
    queue = FakeJobQueue(UtcClock())
    job_id = (await queue.enqueue(NewJob(FEED_ITEM, {"type": "fax"}))).job_id

    async def submit(items):
        raise AssertionError("unreachable")

    runner = JobRunner(queue, {FEED_ITEM: FeedItemHandler(submit)}, settings=RunnerSettings(poll_seconds=0.02))
    task = asyncio.create_task(runner.run())
    async with asyncio.timeout(5):
        while queue.jobs[job_id].state is not JobState.PARKED:
            await asyncio.sleep(0.01)
    runner.stop()
    await task
    assert "not a feed item" in queue.jobs[job_id].last_error


def test_only_certstream_sources(suffixes):
    source = FeedSource("x", FeedFormat.URL_LIST, "https://x/", 1, Category.OTHER)
    with pytest.raises(ValueError, match="not a CertStream feed"):
        CertstreamClient(None, source, FakeJobQueue(FakeClock()), suspicious, suffixes)
