"""End to end: `antifraud serve` as a subprocess, keys from the CLI, a lookalike of a protected bank
reported and decided, then a real Unbound whose RPZ comes from our pull API blocks it."""

from __future__ import annotations

import shutil
import subprocess
import time

import dns.message
import dns.query
import dns.rcode
import pytest
from harness import Center, free_port
from peers import KZ_ZONE, require_binary, unbound_config

pytestmark = pytest.mark.e2e


def query(port: int, name: str) -> int:
    message = dns.message.make_query(name, "A")
    return int(dns.query.udp(message, "127.0.0.1", port=port, timeout=2).rcode())


def wait_for(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return
        time.sleep(0.2)
    raise AssertionError(f"timed out waiting for {what}")


def test_a_reported_and_decided_lookalike_is_blocked_by_a_real_unbound(tmp_path):
    unbound = require_binary("unbound", "unbound")
    with Center(tmp_path / "center") as center:
        reporter = center.create_key("Halyk Bank", "report,check")
        analyst = center.create_key("AFC analysts", "analyst")
        isp = center.create_key("Kazakhtelecom DNS", "pull")

        r = center.post(
            "/v1/reports",
            reporter,
            {"type": "url", "value": "https://login.kaspi-bonus.kz/auth", "category": "bank_impersonation"},
        )
        assert r.status == 202, r.body
        assert r.json()["indicator"] == {"type": "domain", "value": "kaspi-bonus.kz"}
        # the protected brand itself, reported many times by many operators, never appears anywhere
        for i in range(5):
            key = center.create_key(f"operator {i}", "report")
            assert (
                center.post("/v1/reports", key, {"type": "domain", "value": "kaspi.kz", "category": "phishing"}).status
                == 202
            )
        r = center.post(
            "/v1/decisions",
            analyst,
            {
                "type": "domain",
                "value": "kaspi-bonus.kz",
                "action": "block",
                "reason": "clone of the Kaspi login page",
                "category": "bank_impersonation",
            },
        )
        assert r.status == 200, r.body
        wait_for(
            lambda: "kaspi-bonus.kz" in center.get("/v1/blocklists/domains.txt", isp).body,
            10,
            "the listing to be published",
        )
        for name in ("domains.rpz", "domains.txt", "domains.hosts", "domains.unbound.conf", "domains.dnsmasq.conf"):
            body = center.get(f"/v1/blocklists/{name}", isp).body
            assert "kaspi-bonus" in body
            assert "kaspi.kz" not in body.replace("kaspi-bonus.kz", "")
        # the files in the blocklist directory agree with the API
        assert "kaspi-bonus.kz" in (center.blocklist_dir / "domains.txt").read_text()

        workdir = tmp_path / "unbound"
        workdir.mkdir()
        (workdir / "kz.zone").write_text(KZ_ZONE)
        port = free_port()
        conf = workdir / "unbound.conf"
        rpz_url = f"{center.url}/v1/pull/{isp}/domains.rpz"
        conf.write_text(unbound_config(workdir, port, rpz=f'url: {rpz_url}\nzonefile: "{workdir}/rpz.cache"'))
        checkconf = shutil.which("unbound-checkconf") or "/usr/sbin/unbound-checkconf"
        subprocess.run([checkconf, str(conf)], check=True, capture_output=True)
        proc = subprocess.Popen([unbound, "-c", str(conf)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        try:

            def blocked() -> bool:
                try:
                    return query(port, "kaspi-bonus.kz") == dns.rcode.NXDOMAIN
                except (OSError, dns.exception.Timeout):
                    return False

            wait_for(blocked, 20, "Unbound to load the RPZ from the pull API")
            assert query(port, "login.kaspi-bonus.kz") == dns.rcode.NXDOMAIN
            assert query(port, "weather.kz") == dns.rcode.NOERROR
            assert query(port, "kaspi.kz") == dns.rcode.NOERROR
        finally:
            proc.terminate()
            output, _ = proc.communicate(timeout=10)
        assert "rpz: applied" in output
        # the key Unbound carried in its URL never reaches the center's log
        assert isp not in center.logs()
        assert isp.split("_")[2] not in center.logs()
