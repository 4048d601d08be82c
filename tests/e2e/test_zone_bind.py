"""BIND 9 as a secondary of our zone server with response-policy: AXFR, enforcement, a new version
through NOTIFY + IXFR (refresh set to a day, so no timer can be what applies it), and TSIG."""

from __future__ import annotations

import dns.rcode
import pytest
from fakes_zone import FakeZoneSource, entry
from zone_peers import ZONE, ServerThread, blocked, free_port, rcode, start_bind, wait_for

from blocklists.zone.config import Access, ServerConfig, SoaTimers, ZoneSpec, consumer, tsig_key
from blocklists.zone.server import ZoneServer

pytestmark = pytest.mark.e2e

DAY = 86400
SECRET = "3Kq0o0mT1uC4cbqXWl2Z1yBDhk0vNgYhYk1CcJ7uQ5M="
OTHER_SECRET = "b2xkLXNlY3JldC1vbGQtc2VjcmV0LW9sZC1zZWNyZXQ="


def test_bind_transfers_enforces_and_follows_notify_with_ixfr(tmp_path):
    source = FakeZoneSource([entry("kaspi-bonus.kz")])
    bind_port = free_port()
    config = ServerConfig(
        zones=(ZoneSpec(ZONE),), timers=SoaTimers(refresh=DAY, retry=DAY), notify=(("127.0.0.1", bind_port),)
    )
    with ServerThread(ZoneServer(config, source)) as zone, start_bind(tmp_path / "bind", bind_port, zone.port) as bind:
        wait_for(blocked(bind.port, "kaspi-bonus.kz"), 15, "BIND to transfer and enforce the zone")
        assert rcode(bind.port, "login.kaspi-bonus.kz") == dns.rcode.NXDOMAIN
        assert rcode(bind.port, "weather.kz") == dns.rcode.NOERROR
        assert rcode(bind.port, "egov-pay.kz") == dns.rcode.NOERROR

        source.publish(added=[entry("egov-pay.kz")], removed=["kaspi-bonus.kz"])
        zone.call(zone.server.new_version())
        wait_for(blocked(bind.port, "www.egov-pay.kz"), 10, "BIND to apply version 2")
        wait_for(lambda: rcode(bind.port, "kaspi-bonus.kz") == dns.rcode.NOERROR, 10, "BIND to drop kaspi-bonus.kz")
        assert zone.call(zone.server.wait_notified()) == [True]
        assert zone.server.transfers[(ZONE, "IXFR")] >= 1
    assert "transfer of 'rpz.antifraud/IN' from 127.0.0.1" in bind.output()
