"""`antifraud gateway-agent` beside a real Kamailio: it pulls the center's tables (a fake center on
loopback), has Kamailio reload them without a restart, keeps the last good list while the center is
away or serves a list that does not check, and reports the calls Kamailio refused (`POST /v1/hits`)."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from datetime import UTC, datetime
from typing import Self

import pytest
from fake_center import KEY, FakeCenter, ThreadedServer
from harness import REPO, antifraud_command, wait_until
from sip import Kamailio, SippUas, sipp_call

from antifraud.domain.model import Category, ListEntry, Snapshot

pytestmark = pytest.mark.e2e

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
OFFICIAL = [("+77272585965", "Kaspi Bank")]


def snapshot(*entries: tuple[str, Category]) -> Snapshot:
    return Snapshot(0, T0, phones=tuple(ListEntry(v, c, 90, T0) for v, c in entries))


class Agent:
    """The agent as operators run it: the installed command, the key in the environment."""

    def __init__(self, tmp_path, center_url: str, kamailio: Kamailio) -> None:
        self.args = [
            *antifraud_command(),
            "gateway-agent",
            "--center",
            center_url,
            "--tables",
            str(kamailio.tables_dir),
            "--rpc",
            kamailio.rpc_url,
            "--interval",
            "0.3",
            "--hits-interval",
            "1",
        ]
        self.env = {**{k: v for k, v in os.environ.items() if not k.startswith("ANTIFRAUD_")}, "ANTIFRAUD_KEY": KEY}
        self.log_path = tmp_path / "agent.log"
        self.proc: subprocess.Popen[bytes] | None = None

    def once(self) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.args, "--once"], env=self.env, cwd=REPO, capture_output=True, text=True, timeout=60, check=False
        )

    def __enter__(self) -> Self:
        log = self.log_path.open("ab")
        self.proc = subprocess.Popen(self.args, env=self.env, cwd=REPO, stdout=log, stderr=subprocess.STDOUT)
        log.close()
        return self

    def __exit__(self, kind, *rest) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGTERM)
        self.returncode = self.proc.wait(timeout=15)
        if kind is not None:
            print(self.log_path.read_text(errors="replace")[-5000:])  # noqa: T201 - shown when a test fails

    def logs(self) -> str:
        return self.log_path.read_text(errors="replace")


@pytest.fixture
def center():
    fake = FakeCenter()
    fake.publish(snapshot(("+77011234567", Category.WANGIRI), ("+7701999*", Category.WANGIRI)), OFFICIAL)
    return fake


@pytest.fixture
def server(center):
    with ThreadedServer(center.app) as running:
        yield running


@pytest.fixture
def kamailio(tmp_path):
    with SippUas(tmp_path) as uas, Kamailio(tmp_path, next_hop=uas.port) as proxy:
        yield proxy


def test_one_sync_loads_the_centers_tables_into_a_running_kamailio(tmp_path, center, server, kamailio):
    assert sipp_call(kamailio.domestic_port, "+77011234567", "connected").outcome == "connected"
    result = Agent(tmp_path, server.url, kamailio).once()
    assert result.returncode == 0, result.stderr
    for name in ("phones.kamailio", "phones.ranges.kamailio", "phones.official.kamailio"):
        assert (kamailio.tables_dir / name).read_bytes() == center.body(name)
    assert sipp_call(kamailio.domestic_port, "87011234567").refused_with == "wangiri"
    assert sipp_call(kamailio.domestic_port, "+77019990000").refused_with == "wangiri"
    assert sipp_call(kamailio.international_port, "+77272585965").refused_with == "spoofed_call"
    pulls = [s for s in center.seen if s.path.startswith("/v1/blocklists")]
    assert all(s.headers["Authorization"] == f"Bearer {KEY}" for s in pulls)


def test_a_number_blocked_at_the_center_is_refused_within_seconds_and_the_refusals_come_back(
    tmp_path, center, server, kamailio
):
    up_since = kamailio.rpc("core.uptime")["up_since"]
    with Agent(tmp_path, server.url, kamailio) as agent:
        wait_until(lambda: b"+77011234567" in (kamailio.tables_dir / "phones.kamailio").read_bytes(), 10, "first sync")
        time.sleep(1.5)  # the agent's first hits reading is its baseline
        assert sipp_call(kamailio.domestic_port, "+77015550000", "connected").outcome == "connected"
        center.publish(
            snapshot(
                ("+77011234567", Category.WANGIRI),
                ("+77015550000", Category.BANK_IMPERSONATION),
                ("+7701999*", Category.WANGIRI),
            ),
            OFFICIAL,
        )
        published = time.monotonic()
        wait_until(
            lambda: sipp_call(kamailio.domestic_port, "+77015550000", "either").outcome == "refused",
            10,
            "the new number to be refused",
            interval=0.3,
        )
        assert time.monotonic() - published < 10
        # it came as a delta from the version held
        assert any(s.query.get("since") == "1" for s in center.requests_to("/v1/blocklists/phones.kamailio"))
        for caller in ("+77015550000", "87011234567", "+77019990001"):
            assert sipp_call(kamailio.domestic_port, caller).outcome == "refused"
        wait_until(lambda: center.hit_counts().get("+77011234567") == 1, 10, "the hits to be reported")
        wait_until(lambda: center.hit_counts().get("+77015550000", 0) >= 2, 10, "the hits to be reported")
        assert center.hit_counts()["+7701999*"] == 1
        batch = center.hits[-1]
        assert batch["list"] == "phones"
        assert batch["total"] == sum(e["hits"] for e in batch["entries"])
    assert agent.returncode == 0
    assert kamailio.rpc("core.uptime")["up_since"] == up_since, "no restart"


def test_with_the_center_away_the_last_good_list_stays_and_the_agent_waits(tmp_path, center, server, kamailio):
    with Agent(tmp_path, server.url, kamailio) as agent:
        wait_until(lambda: b"+77011234567" in (kamailio.tables_dir / "phones.kamailio").read_bytes(), 10, "first sync")
        server.stop()
        time.sleep(2)
        assert agent.proc.poll() is None, "the agent survives"
        assert sipp_call(kamailio.domestic_port, "+77011234567").refused_with == "wangiri"
        center.publish(snapshot(("+77016660000", Category.PHISHING)), OFFICIAL)
        server.start()
        wait_until(
            lambda: b"+77016660000" in (kamailio.tables_dir / "phones.kamailio").read_bytes(), 90, "the center's return"
        )
        wait_until(
            lambda: sipp_call(kamailio.domestic_port, "+77016660000", "either").outcome == "refused", 10, "the reload"
        )
        assert "did not answer" in agent.logs()


def test_a_list_that_does_not_match_its_checksum_is_never_loaded(tmp_path, center, server, kamailio):
    agent = Agent(tmp_path, server.url, kamailio)
    assert agent.once().returncode == 0
    center.publish(snapshot(("+77017770000", Category.PHISHING)), OFFICIAL)
    center.corrupt.add("phones.kamailio")  # its delta and its full body: neither checks
    result = agent.once()
    assert result.returncode == 1
    assert "sha256" in result.stderr
    assert b"+77017770000" not in (kamailio.tables_dir / "phones.kamailio").read_bytes()
    assert sipp_call(kamailio.domestic_port, "+77011234567").refused_with == "wangiri"
