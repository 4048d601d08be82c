"""The current app (create_app) on a real SQLite store, behind aiohttp's test server on 127.0.0.1.

`api_client` carries an admin key in `api_client.key`; `api_client.auth` is the header set to send.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta

import pytest
from fakes import FakeClock
from prometheus_client import CollectorRegistry

from antifraud.api.app import Services, create_app
from antifraud.api.auth import KeyCache
from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.domain.policy import Rules
from antifraud.metrics import Metrics
from antifraud.services.center import Center
from antifraud.services.keys import create_key
from antifraud.settings import ApiSettings, PublicationSettings, Settings
from antifraud.storage.sqlite import SqliteStore
from workers.publisher import Publisher

KASPI = Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("+77272585965",))


@pytest.fixture
async def api_client(aiohttp_client, tmp_path, suffixes):
    settings = replace(
        Settings(),
        db=str(tmp_path / "api.sqlite3"),
        blocklist_dir=tmp_path / "lists",
        api=ApiSettings(rate_per_second=1000, rate_burst=10_000, max_body_bytes=2 * 1024 * 1024),
        publication=PublicationSettings(debounce_seconds=0.05, max_delay_seconds=0.1),
    )
    store = await SqliteStore(settings.db).open()
    metrics = Metrics(CollectorRegistry())
    clock = FakeClock()
    center = Center(
        store, Detector([KASPI]), suffixes, Rules(3, {}, 180), clock, metrics,
        report_window=timedelta(hours=72), writer_id="api-client",
    )  # fmt: skip
    await center.load()
    publisher = Publisher(center, store, settings.publication, settings.blocklist_dir, metrics, clock)
    await publisher.start()
    key = (await create_key(store, "prober", frozenset({"admin"}))).key
    task = asyncio.create_task(publisher.run())
    client = await aiohttp_client(create_app(Services(settings, store, center, publisher, metrics, KeyCache(store))))
    client.key = key
    client.auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    yield client
    task.cancel()
    await asyncio.gather(task, return_exceptions=True)
    await store.close()
