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


def _tsig_config(bind_port: int) -> ServerConfig:
    # Rotation in progress: the consumer may sign with the old key or the new one; loopback is not
    # trusted by itself here, so every transfer must be signed.
    keyring = {k.name.to_text(): k for k in (tsig_key("xfr-old", OTHER_SECRET), tsig_key("xfr-new", SECRET))}
    access = Access(
        consumers=(consumer("isp", ("127.0.0.1/32",), ("xfr-old", "xfr-new")),), keyring=keyring, allow_loopback=False
    )
    return ServerConfig(zones=(ZoneSpec(ZONE),), timers=SoaTimers(refresh=DAY, retry=DAY), access=access)


@pytest.mark.parametrize(
    ("key", "outcome"),
    [
        (("xfr-new", SECRET), "transfers"),
        (("xfr-new", "d3Jvbmctc2VjcmV0LXdyb25nLXNlY3JldC13cm9uZyE="), "refused"),
        (("xfr-unknown", SECRET), "refused"),
        (None, "refused"),
    ],
    ids=["right-key", "wrong-secret", "unknown-key", "unsigned"],
)
def test_bind_transfers_only_with_a_right_tsig_key(tmp_path, key, outcome):
    source = FakeZoneSource([entry("kaspi-bonus.kz")])
    bind_port = free_port()
    with (
        ServerThread(ZoneServer(_tsig_config(bind_port), source)) as zone,
        start_bind(tmp_path / "bind", bind_port, zone.port, key=key) as bind,
    ):
        if outcome == "transfers":
            wait_for(blocked(bind.port, "kaspi-bonus.kz"), 15, "BIND to transfer with TSIG and enforce")
            assert zone.server.transfers[ZONE, "AXFR"] == 1
        else:
            gave_up = ("refresh: failure trying primary", "Transfer status: REFUSED")
            wait_for(lambda: any(m in bind.output() for m in gave_up), 15, "BIND to give up the transfer")
            assert "Transfer status: success" not in bind.output()
            assert rcode(bind.port, "kaspi-bonus.kz") == dns.rcode.NOERROR
            assert zone.server.transfers[ZONE, "AXFR"] == 0
