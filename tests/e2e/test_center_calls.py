"""A telecom meets the whole center: `antifraud serve` (not a fake), a real Kamailio and sipp.

List mode: the gateway agent pulls the center's tables into Kamailio; a number an analyst blocks
through the API is refused within seconds with no Kamailio restart, in every spelling KZ/RU networks
present it, a number range refuses every number it holds, the bank's official number arriving from
abroad is refused as spoofed, and the refusals come back as hits in the center's metrics.
Per-call mode: Kamailio asks the center's check API with the call's trunk."""

from __future__ import annotations

import os
import signal
import subprocess
import time

import pytest
from harness import REPO, Center, antifraud_command, wait_until
from sip import Kamailio, SippUas, require_module, sipp_call

pytestmark = pytest.mark.e2e
OFFICIAL = "+77272585965"  # Kaspi Bank's, in config/brands.toml


def decide(center: Center, key: str, value: str, category: str = "wangiri") -> None:
    body = {"type": "phone", "value": value, "action": "block", "reason": "calls", "category": category}
    r = center.post("/v1/decisions", key, body)
    assert r.status == 200, r.body


class Agent:
    def __init__(self, tmp_path, center: Center, key: str, kamailio: Kamailio) -> None:
        self.args = [
            *antifraud_command(), "gateway-agent", "--center", center.url, "--tables", str(kamailio.tables_dir),
            "--rpc", kamailio.rpc_url, "--interval", "0.3", "--hits-interval", "1",
        ]  # fmt: skip
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("ANTIFRAUD_")}, "ANTIFRAUD_KEY": key}
        self.log = tmp_path / "agent.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def __enter__(self):
        with self.log.open("ab") as log:
            self.proc = subprocess.Popen(self.args, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        return self

    def __exit__(self, kind, *rest):
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(timeout=15)
        if kind is not None:
            print(self.log.read_text(errors="replace")[-5000:])  # noqa: T201 - shown when the test fails


def test_a_number_blocked_through_the_api_is_refused_by_kamailio_within_seconds(tmp_path):
    with Center(tmp_path / "center") as center:
        analyst = center.create_key("AFC analysts", "analyst,metrics")
        gateway = center.create_key("Beeline KZ gateway", "pull")
        decide(center, analyst, "+77011234567")
        decide(center, analyst, "+7701999*")
        with SippUas(tmp_path) as uas, Kamailio(tmp_path, next_hop=uas.port) as kamailio:
            up_since = kamailio.rpc("core.uptime")["up_since"]
            with Agent(tmp_path, center, gateway, kamailio):
                tables = kamailio.tables_dir
                wait_until(lambda: b"+77011234567" in (tables / "phones.kamailio").read_bytes(), 15, "the first sync")
                assert OFFICIAL.encode() in (tables / "phones.official.kamailio").read_bytes()
                assert OFFICIAL.encode() not in (tables / "phones.kamailio").read_bytes()
                for caller in ("+77011234567", "87011234567", "77011234567", "+77019990042"):
                    assert sipp_call(kamailio.domestic_port, caller).refused_with == "wangiri", caller
                assert sipp_call(kamailio.international_port, OFFICIAL).refused_with == "spoofed_call"
                assert sipp_call(kamailio.domestic_port, OFFICIAL, "connected").outcome == "connected"
                assert sipp_call(kamailio.domestic_port, "+77015550000", "connected").outcome == "connected"
                blocked_at = time.monotonic()
                decide(center, analyst, "+77015550000", "bank_impersonation")
                wait_until(
                    lambda: sipp_call(kamailio.domestic_port, "+77015550000", "either").outcome == "refused",
                    15,
                    "the newly blocked number to be refused",
                    interval=0.3,
                )
                assert time.monotonic() - blocked_at < 15

                def counted() -> bool:
                    metrics = center.get("/metrics", analyst).body
                    return 'antifraud_blocked_hits_total{category="wangiri",list="phones"}' in metrics

                wait_until(counted, 15, "the refusals to come back as hits")
            assert kamailio.rpc("core.uptime")["up_since"] == up_since, "Kamailio was not restarted"


def test_per_call_mode_asks_the_center_with_the_trunk(tmp_path):
    require_module("http_client", "kamailio-utils-modules")
    require_module("jansson", "kamailio-extra-modules")
    with Center(tmp_path / "center") as center:
        analyst = center.create_key("AFC analysts", "analyst")
        gateway = center.create_key("Tele2 KZ gateway", "check")
        decide(center, analyst, "+77011234567", "sms_scam")
        defines = {
            "WITH_PERCALL": "",
            "CENTER_CHECK_URL": f'"{center.url}/v1/check"',
            "CENTER_HEADERS": f'"Authorization: Bearer {gateway}"',
            "CENTER_RETRY_AFTER": "2",
        }
        with SippUas(tmp_path) as uas, Kamailio(tmp_path, next_hop=uas.port, defines=defines) as kamailio:
            assert sipp_call(kamailio.domestic_port, "87011234567").refused_with == "sms_scam"
            assert sipp_call(kamailio.international_port, OFFICIAL).refused_with == "spoofed_call"
            assert sipp_call(kamailio.domestic_port, "+77017770000", "connected").outcome == "connected"
            assert kamailio.statistic("antifraud_check_failed") == 0
