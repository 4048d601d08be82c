"""The background work wired to the center: a new domain is probed through the job queue, its DNS
findings become evidence, and listed sites are re-probed for liveness. SQLite store, the real job
runner and a fake nameserver on loopback."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import pytest
from aiohttp import web
from fakes import FakeClock
from nameserver import FakeZone, Nameserver

from antifraud.adapters.detection_config import load_detector
from antifraud.background import Background
from antifraud.domain.model import Action, Category, IndicatorKey, IndicatorType, ListingState
from antifraud.domain.policy import Rules
from antifraud.feeds import FeedItem
from antifraud.metrics import Metrics
from antifraud.services.center import Center, ReportInput
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
        store = await SqliteStore(settings.db).open()
        clock = FakeClock()
        detector = load_detector(DEFAULT_CONFIG_DIR / "brands.toml", DEFAULT_CONFIG_DIR / "lexicon.toml", suffixes)
        center = Center(
            store,
            detector,
            suffixes,
            Rules(3, {}, 180),
            clock,
            Metrics(),
            report_window=timedelta(hours=72),
            dead_after=timedelta(days=0),
        )
        await center.load()
        background = Background(settings, center, center.metrics, clock)
        await background.start()
        try:
            yield center, background, store
        finally:
            await background.stop()
            await store.close()


async def wait_for(predicate, what, timeout=10.0):
    for _ in range(int(timeout / 0.05)):
        if predicate():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}")


async def test_a_new_domain_is_probed_and_its_dns_becomes_evidence(center_with_background):
    center, _, store = center_with_background
    op = await store.ensure_operator("Halyk")
    await center.submit(op, [center_report("https://login.kaspi-bonus.kz/auth")])
    key = IndicatorKey(IndicatorType.DOMAIN, "kaspi-bonus.kz")
    await wait_for(lambda: '"dns"' in center.get(key).evidence_json, "the DNS probe")
    for _ in range(50):  # the mirror changes first; the audit entry commits right after
        history = [a.action for a in await store.audit_for(key)]
        if "evidence:dns" in history:
            break
        await asyncio.sleep(0.05)
    assert "evidence:dns" in history


async def test_a_listed_domain_that_no_longer_exists_leaves_the_list(center_with_background):
    center, background, _ = center_with_background
    for name in ("gone-scam.kz", "alive-scam.kz"):
        await center.decide("analyst:a", IndicatorType.DOMAIN, name, Action.BLOCK, "scam", Category.PHISHING)
    assert await background.recheck_listed() == 2
    gone = IndicatorKey(IndicatorType.DOMAIN, "gone-scam.kz")
    await wait_for(lambda: center.get(gone).state is ListingState.EXPIRED, "the dead site to be unlisted")
    await asyncio.sleep(0.3)
    assert center.get(IndicatorKey(IndicatorType.DOMAIN, "alive-scam.kz")).state is ListingState.LISTED
    assert center.listed_domains() == ["alive-scam.kz"]


async def test_feed_items_take_the_intake_path_with_their_trust(center_with_background):
    center, background, _ = center_with_background
    await background.submit_items(
        [FeedItem(IndicatorType.DOMAIN, "halyk-bonus.kz", Category.PHISHING, "partner-feed", 90)]
    )
    record = center.get(IndicatorKey(IndicatorType.DOMAIN, "halyk-bonus.kz"))
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
    await center.submit(op, [ReportInput(IndicatorType.URL, url, Category.BANK_IMPERSONATION)])
    key = IndicatorKey(IndicatorType.DOMAIN, "kaspi-shop.kz")
    assert center.get(key).state is ListingState.REVIEW  # a brand token alone: an analyst would have to look
    await wait_for(lambda: '"crawl"' in center.get(key).evidence_json, "the crawl", timeout=20)
    await wait_for(lambda: center.get(key).state is ListingState.LISTED, "the page to confirm it")
    reasons = " | ".join(center.check(IndicatorType.DOMAIN, "kaspi-shop.kz").reasons)
    assert "password" in reasons.lower()
    # the numbers the page advertises are phone indicators linked to the site; the bank's own is not
    linked: set[str] = set()
    for _ in range(100):  # the mirror changes first; the links commit right after
        linked = {link.target.value for link in await center.links_of(IndicatorType.DOMAIN, "kaspi-shop.kz")}
        if linked:
            break
        await asyncio.sleep(0.05)
    assert {"+77471234567", "+77017654321"} <= linked
    assert "+77272585965" not in linked
    assert phishing_site.handler.requests_count >= 1
