"""Unbound (RPZ `primary:` and `url:`) and PowerDNS Recursor (`rpzPrimary`) as secondaries of our zone
server: each transfers the zone, enforces it, and applies a new version."""

from __future__ import annotations

import asyncio
import threading
from typing import Self

import dns.rcode
import pytest
from aiohttp import web
from fakes_zone import FakeZoneSource, entry
from zone_peers import (
    ZONE,
    ServerThread,
    blocked,
    free_port,
    rcode,
    start_pdns,
    start_unbound,
    unbound_primary,
    wait_for,
)

from antifraud.domain.model import Snapshot
from blocklists.formats import RpzOptions, build_formats
from blocklists.zone.config import ServerConfig, SoaTimers, ZoneSpec
from blocklists.zone.server import ZoneServer

pytestmark = pytest.mark.e2e

DAY = 86400


def unblocked(port: int, name: str):
    return lambda: rcode(port, name) == dns.rcode.NOERROR


def test_unbound_primary_transfers_enforces_and_follows_notify_with_ixfr(tmp_path):
    source = FakeZoneSource([entry("kaspi-bonus.kz")])
    unbound_port = free_port()
    config = ServerConfig(
        zones=(ZoneSpec(ZONE),), timers=SoaTimers(refresh=DAY, retry=DAY), notify=(("127.0.0.1", unbound_port),)
    )
    with ServerThread(ZoneServer(config, source)) as zone:
        rpz = f'{unbound_primary(zone.port)}\nzonefile: "{tmp_path}/unbound/rpz.zone"'
        with start_unbound(tmp_path / "unbound", unbound_port, rpz) as unbound:
            wait_for(blocked(unbound.port, "kaspi-bonus.kz"), 15, "Unbound to transfer and enforce the zone")
            assert rcode(unbound.port, "login.kaspi-bonus.kz") == dns.rcode.NXDOMAIN
            assert rcode(unbound.port, "weather.kz") == dns.rcode.NOERROR
            assert rcode(unbound.port, "egov-pay.kz") == dns.rcode.NOERROR

            source.publish(added=[entry("egov-pay.kz")], removed=["kaspi-bonus.kz"])
            zone.call(zone.server.new_version())
            wait_for(blocked(unbound.port, "www.egov-pay.kz"), 10, "Unbound to apply version 2")
            wait_for(unblocked(unbound.port, "kaspi-bonus.kz"), 10, "Unbound to drop kaspi-bonus.kz")
            assert zone.call(zone.server.wait_notified()) == [True]
            assert zone.server.transfers[ZONE, "IXFR"] >= 1
            assert zone.server.transfers[ZONE, "IXFR-AXFR"] == 0


def test_pdns_recursor_transfers_enforces_and_applies_a_new_version_by_ixfr(tmp_path):
    """PowerDNS Recursor 4.8 does not act on a NOTIFY for an RPZ (that came in 5.1), so here the new
    version arrives on its own refresh (`refresh=1`), still as an IXFR of what changed. Its packet
    cache keeps answers given before the change for their TTL, so the names checked after the change
    are ones not asked before it."""
    source = FakeZoneSource([entry("kaspi-bonus.kz")])
    pdns_port = free_port()
    config = ServerConfig(
        zones=(ZoneSpec(ZONE),), timers=SoaTimers(refresh=DAY, retry=DAY), notify=(("127.0.0.1", pdns_port),)
    )
    with ServerThread(ZoneServer(config, source)) as zone:
        with start_pdns(tmp_path / "pdns", pdns_port, zone.port, refresh=1) as pdns:
            wait_for(blocked(pdns.port, "kaspi-bonus.kz"), 15, "PowerDNS Recursor to transfer and enforce the zone")
            assert rcode(pdns.port, "weather.kz") == dns.rcode.NOERROR
            assert rcode(pdns.port, "egov-pay.kz") == dns.rcode.NOERROR

            source.publish(added=[entry("egov-pay.kz")], removed=["kaspi-bonus.kz"])
            zone.call(zone.server.new_version())
            wait_for(lambda: zone.server.transfers[ZONE, "IXFR"] >= 1, 10, "PowerDNS Recursor to ask for an IXFR")
            wait_for(blocked(pdns.port, "www.egov-pay.kz"), 5, "PowerDNS Recursor to apply version 2")
            wait_for(unblocked(pdns.port, "login.kaspi-bonus.kz"), 5, "PowerDNS Recursor to drop kaspi-bonus.kz")
            assert zone.server.transfers[ZONE, "IXFR-AXFR"] == 0
        assert "RPZ mutations" in pdns.output()


class RpzOverHttp:
    """The RPZ text (as blocklists.formats renders domains.rpz) on a loopback aiohttp server."""

    def __init__(self, source: FakeZoneSource) -> None:
        self.source = source
        self.fetches = 0
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.runner: web.AppRunner | None = None
        self.port = 0

    async def _rpz(self, _request: web.Request) -> web.Response:
        self.fetches += 1
        snapshot = Snapshot(self.source.serial(), entry("x.kz").listed_at, tuple(self.source.entries()))
        body = build_formats(RpzOptions(refresh=DAY, retry=DAY))["domains.rpz"].render(snapshot)
        return web.Response(body=body, content_type="text/dns")

    async def _start(self) -> None:
        app = web.Application()
        app.router.add_get("/domains.rpz", self._rpz)
        self.runner = web.AppRunner(app, access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        self.port = self.runner.addresses[0][1]

    def __enter__(self) -> Self:
        self.thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self.loop).result(10)
        return self

    def __exit__(self, *exc: object) -> None:
        if self.runner is not None:
            asyncio.run_coroutine_threadsafe(self.runner.cleanup(), self.loop).result(10)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(10)
        self.loop.close()


def test_unbound_url_mode_refetches_when_notified(tmp_path):
    source = FakeZoneSource([entry("kaspi-bonus.kz")])
    unbound_port = free_port()
    config = ServerConfig(
        zones=(ZoneSpec(ZONE),), timers=SoaTimers(refresh=DAY, retry=DAY), notify=(("127.0.0.1", unbound_port),)
    )
    with RpzOverHttp(source) as http, ServerThread(ZoneServer(config, source)) as zone:
        url = f"url: http://127.0.0.1:{http.port}/domains.rpz"
        rpz = f'{url}\nallow-notify: 127.0.0.1\nzonefile: "{tmp_path}/unbound/rpz.zone"'
        with start_unbound(tmp_path / "unbound", unbound_port, rpz) as unbound:
            wait_for(blocked(unbound.port, "kaspi-bonus.kz"), 15, "Unbound to fetch and enforce the zone")
            assert rcode(unbound.port, "egov-pay.kz") == dns.rcode.NOERROR
            fetches = http.fetches

            source.publish(added=[entry("egov-pay.kz")], removed=["kaspi-bonus.kz"])
            zone.call(zone.server.new_version())
            wait_for(blocked(unbound.port, "www.egov-pay.kz"), 10, "Unbound to refetch on NOTIFY")
            wait_for(unblocked(unbound.port, "kaspi-bonus.kz"), 10, "Unbound to drop kaspi-bonus.kz")
            assert http.fetches > fetches
            assert zone.call(zone.server.wait_notified()) == [True]
