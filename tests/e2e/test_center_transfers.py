"""The whole center as an ISP meets it: `antifraud serve` with its zone server (ANTIFRAUD_DNS_LISTEN)
and signed lists. A real BIND secondary and a real Unbound (auth-zone `primary:`) transfer the RPZ,
enforce it, and apply an analyst's new decision through NOTIFY + IXFR (the SOA refresh is an hour: only NOTIFY
can make it in seconds); a
downloaded list verifies against the center's public key."""

from __future__ import annotations

import time

import dns.rcode
import pytest
from harness import Center
from zone_peers import blocked, free_port, rcode, start_bind, start_unbound, unbound_primary, wait_for

pytestmark = pytest.mark.e2e


def decide(center, key, value, action="block"):
    r = center.post(
        "/v1/decisions",
        key,
        {"type": "domain", "value": value, "action": action, "reason": "e2e", "category": "phishing"},
    )
    assert r.status == 200, r.body


def test_a_decision_reaches_bind_and_unbound_through_notify_and_ixfr(tmp_path):
    dns_port, bind_port, unbound_port = free_port(), free_port(), free_port()
    keys = tmp_path / "keys"
    env = {
        "ANTIFRAUD_DNS_LISTEN": f"127.0.0.1:{dns_port}",
        "ANTIFRAUD_DNS_NOTIFY": f"127.0.0.1:{bind_port},127.0.0.1:{unbound_port}",
    }
    created = Center(tmp_path / "center", extra_env=env).cli("signing-key", "create", "--out", str(keys))
    assert created.returncode == 0, created.stderr
    (public,) = keys.glob("*.pub.pem")
    (private,) = (p for p in keys.glob("*.pem") if not p.name.endswith(".pub.pem"))
    env["ANTIFRAUD_SIGNING_KEY"] = str(private)
    with Center(tmp_path / "center", extra_env=env) as center:
        analyst = center.create_key("AFC analysts", "analyst")
        isp = center.create_key("Kazakhtelecom", "pull")
        decide(center, analyst, "kaspi-bonus.kz")
        with (
            start_bind(tmp_path / "bind", bind_port, dns_port) as bind,
            start_unbound(tmp_path / "unbound", unbound_port, unbound_primary(dns_port)) as unbound,
        ):
            wait_for(blocked(bind.port, "login.kaspi-bonus.kz"), 20, "BIND to transfer and enforce the zone")
            wait_for(blocked(unbound.port, "kaspi-bonus.kz"), 20, "Unbound to transfer and enforce the zone")
            assert rcode(bind.port, "egov-pay.kz") == dns.rcode.NOERROR
            started = time.monotonic()
            decide(center, analyst, "egov-pay.kz")
            to_bind = wait_for(blocked(bind.port, "www.egov-pay.kz"), 15, "BIND to apply the new decision")
            to_unbound = wait_for(blocked(unbound.port, "egov-pay.kz"), 15, "Unbound to apply the new decision")
            assert time.monotonic() - started < 15
            assert max(to_bind, to_unbound) < 15
        assert "IXFR" in bind.output() or "transfer of 'rpz.antifraud/IN'" in bind.output()
        # the list a consumer downloads verifies against the center's public key
        body = center.get("/v1/blocklists/domains.rpz", isp)
        signature = center.get("/v1/blocklists/domains.rpz.sig", isp)
        assert body.status == signature.status == 200, signature.body
        (tmp_path / "domains.rpz").write_text(body.body)
        (tmp_path / "domains.rpz.sig").write_text(signature.body)
        ok = center.cli("verify", str(tmp_path / "domains.rpz"), "--public-key", str(public))
        assert ok.returncode == 0, ok.stderr
        (tmp_path / "domains.rpz").write_text(body.body.replace("egov-pay.kz", "egov-pay.kk"))
        bad = center.cli("verify", str(tmp_path / "domains.rpz"), "--public-key", str(public))
        assert bad.returncode == 1
