"""The current app (create_app) on a real SQLite store, behind aiohttp's test server on 127.0.0.1.

`api_client` carries an admin key in `api_client.key`; `api_client.auth` is the header set to send.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace

import pytest
from fakes import FakeClock
from prometheus_client import CollectorRegistry

from antifraud.api.app import create_app
from antifraud.app import api_services, compose_center, wire_publication
from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.metrics import Metrics
from antifraud.services.keys import create_key
from antifraud.settings import ApiSettings, PublicationSettings, Settings
from antifraud.storage.sqlite import SqliteStore
from blocklists.renderer_process import LocalRenderer

KASPI = Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("+77272585965",))


@pytest.fixture
async def api_client(aiohttp_client, tmp_path, suffixes):
    settings = replace(
        Settings(),
        db=str(tmp_path / "api.sqlite3"),
        blocklist_dir=tmp_path / "lists",
        api=ApiSettings(rate_per_second=1000, rate_burst=10_000, max_body_bytes=2 * 1024 * 1024),
        publication=PublicationSettings(debounce_seconds=0.05, max_delay_seconds=0.1, fsync=False),
    )
    store = await SqliteStore.open(settings.db, "api-client")
    center = await compose_center(
        settings, store, Detector([KASPI]), suffixes, metrics=Metrics(CollectorRegistry()), clock=FakeClock()
    )
    publishing = wire_publication(center, LocalRenderer(settings.blocklist_dir, fsync=False))
    await publishing.materializer.start()
    await publishing.planner.plan()
    await publishing.materializer.catch_up()
    key = (await create_key(store, "prober", frozenset({"admin"}))).key
    tasks = [asyncio.create_task(publishing.planner.run()), asyncio.create_task(publishing.materializer.run())]
    client = await aiohttp_client(create_app(api_services(center, publishing)))
    client.key = key
    client.auth = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    yield client
    for task in tasks:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    await store.close()
