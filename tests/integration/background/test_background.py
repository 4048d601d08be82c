"""The background work wired to the center: a new domain is probed through the job queue, its DNS
findings become evidence, and listed sites are re-probed for liveness. SQLite store, the real job
runner and a fake nameserver on loopback."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from pathlib import Path

import pytest
from aiohttp import web
from fakes import FakeClock
from nameserver import FakeZone, Nameserver

from antifraud.adapters.detection_config import load_detector
from antifraud.app import compose_center, job_queue_opener
from antifraud.background import Background
from antifraud.domain.model import Action, Category, IndicatorKey, IndicatorType, ListingState
from antifraud.feeds import FeedItem
from antifraud.metrics import Metrics
from antifraud.services.intake import ReportInput
from antifraud.settings import DEFAULT_CONFIG_DIR, JobSettings, ProbeSettings, Settings
from antifraud.storage.sqlite import SqliteStore

PAGES = Path(__file__).resolve().parents[2] / "unit" / "content" / "pages"


def zone() -> FakeZone:
    z = FakeZone()
    z.add("kaspi-shop.kz", "NS", "ns1.test.").add("kaspi-shop.kz", "A", "127.0.0.1")
    z.add("kaspi-bonus.kz", "NS", "ns1.test.").add("kaspi-bonus.kz", "A", "203.0.113.7")
    z.add("login.kaspi-bonus.kz", "A", "203.0.113.7")
    z.add("alive-scam.kz", "NS", "ns1.test.").add("alive-scam.kz", "A", "198.51.100.9")
    return z


@pytest.fixture
async def center_with_background(tmp_path, suffixes):
    async with Nameserver(zone()) as ns:
        settings = replace(
            Settings(),
            db=str(tmp_path / "bg.sqlite3"),
            nameservers=(ns.address,),
            probes=ProbeSettings(dns=True, recheck_hours=24, dead_after_days=0),
            crawl_allow_networks=("127.0.0.0/8",),  # the phishing page of this test is on loopback
            jobs=JobSettings(concurrency=4, per_domain=2, lease_seconds=5, max_attempts=2),
        )
        store = await SqliteStore.open(settings.db)
        clock = FakeClock()
        detector = load_detector(DEFAULT_CONFIG_DIR / "brands.toml", DEFAULT_CONFIG_DIR / "lexicon.toml", suffixes)
        center = await compose_center(settings, store, detector, suffixes, metrics=Metrics(), clock=clock)
        background = Background(settings, center, center.metrics, clock, job_queue_opener(center))
        await background.start()
        try:
            yield center, background, store
        finally:
            await background.stop()
            await store.close()


async def wait_for(predicate, what, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        if await predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def record_of(center, value):
    return (await center.store.get_indicators([IndicatorKey(IndicatorType.DOMAIN, value)])).get(
        IndicatorKey(IndicatorType.DOMAIN, value)
    )


async def test_a_new_domain_is_probed_and_its_dns_becomes_evidence(center_with_background):
    center, _, store = center_with_background
    op = await store.ensure_operator("Halyk")
    await center.intake.submit(op, [center_report("https://login.kaspi-bonus.kz/auth")])
    key = IndicatorKey(IndicatorType.DOMAIN, "kaspi-bonus.kz")

    async def probed():
        return '"dns"' in (await record_of(center, "kaspi-bonus.kz")).evidence_json

    await wait_for(probed, "the DNS probe")
    # the record and its audit entry commit together
    assert "evidence:dns" in [a.action for a in await store.audit_for(key)]


async def test_a_listed_domain_that_no_longer_exists_leaves_the_list(center_with_background):
    center, background, _ = center_with_background
    for name in ("gone-scam.kz", "alive-scam.kz"):
        await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, name, Action.BLOCK, "scam", Category.PHISHING)
    assert await background.recheck_listed() == 2

    async def gone():
        return (await record_of(center, "gone-scam.kz")).state is ListingState.EXPIRED

    await wait_for(gone, "the dead site to be unlisted")
    await asyncio.sleep(0.3)
    assert (await record_of(center, "alive-scam.kz")).state is ListingState.LISTED
    assert await center.store.listed_values(IndicatorType.DOMAIN, "", 10) == ["alive-scam.kz"]


async def test_feed_items_take_the_intake_path_with_their_trust(center_with_background):
    center, background, _ = center_with_background
    await background.submit_items(
        [FeedItem(IndicatorType.DOMAIN, "halyk-bonus.kz", Category.PHISHING, "partner-feed", 90)]
    )
    record = await record_of(center, "halyk-bonus.kz")
    assert record is not None
    assert "partner-feed feed (trust 90)" in record.signals_json
    assert center.metrics.registry.get_sample_value("antifraud_feed_items_total", {"feed": "partner-feed"}) == 1
    assert record.state is ListingState.LISTED  # brand token + lure word, and a trusted feed
    assert background.is_suspicious("kaspi-login-secure.top")
    assert not background.is_suspicious("weather.kz")


def center_report(value):
    return ReportInput(IndicatorType.URL, value, Category.PHISHING)


@pytest.fixture
async def phishing_site(aiohttp_server):
    async def login(_request):
        return web.Response(text=(PAGES / "kaspi_login_clone.html").read_text(), content_type="text/html")

    app = web.Application()
    app.router.add_get("/login", login)
    return await aiohttp_server(app, host="127.0.0.1")


async def test_a_reported_url_is_crawled_and_its_page_confirms_the_impersonation(center_with_background, phishing_site):
    center, _, store = center_with_background
    op = await store.ensure_operator("Kaspi")
    url = f"http://kaspi-shop.kz:{phishing_site.port}/login"
    await center.intake.submit(op, [ReportInput(IndicatorType.URL, url, Category.BANK_IMPERSONATION)])
    key = IndicatorKey(IndicatorType.DOMAIN, "kaspi-shop.kz")
    assert (await record_of(center, "kaspi-shop.kz")).state is ListingState.REVIEW  # a brand token alone

    async def crawled():
        return '"crawl"' in (await record_of(center, "kaspi-shop.kz")).evidence_json

    async def listed():
        return (await record_of(center, "kaspi-shop.kz")).state is ListingState.LISTED

    await wait_for(crawled, "the crawl", timeout=20)
    await wait_for(listed, "the page to confirm it")
    assert (await center.checks.check(IndicatorType.DOMAIN, "kaspi-shop.kz")).listed
    assert "password" in (await record_of(center, "kaspi-shop.kz")).signals_json.lower()  # the analysts' view
    # the numbers the page advertises are phone indicators linked to the site (in the same commit)
    linked = {link.target.value for link in await store.links_of(key)}
    assert {"+77471234567", "+77017654321"} <= linked
    assert "+77272585965" not in linked
    assert phishing_site.handler.requests_count >= 1
