"""The gateway agent against fakes of the center and of Kamailio: verified tables, deltas, refusals,
a center or a Kamailio that goes away, hits reported once, and two agents on one directory."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from fake_center import FakeCenter
from fakes_gateway import FakeGateway, InMemoryCenter

from antifraud.domain.model import Category, ListEntry, Snapshot
from blocklists.telecom import sha256_hex
from workers.gateway import tables
from workers.gateway.agent import AgentSettings, GatewayAgent
from workers.gateway.model import DEFAULT_TABLES, Backoff, CenterUnavailable, GatewayAgentError, table_specs

T0 = datetime(2026, 12, 4, 10, 0, tzinfo=UTC)
OFFICIAL = [("+77272585965", "Kaspi Bank")]


def snapshot(*numbers: str, category: Category = Category.WANGIRI) -> Snapshot:
    return Snapshot(0, T0, phones=tuple(ListEntry(n, category, 90, T0) for n in numbers))


@pytest.fixture
def state():
    center = FakeCenter()
    center.publish(snapshot("+77011234567", "+7701999*"), OFFICIAL)
    return center


@pytest.fixture
def center(state):
    return InMemoryCenter(state)


@pytest.fixture
def gateway():
    return FakeGateway()


def new_agent(tmp_path, center, gateway, **options):
    settings = AgentSettings(tmp_path / "tables", table_specs(",".join(DEFAULT_TABLES)), **options)
    return GatewayAgent(settings, center, gateway, clock=lambda: T0, rand=lambda: 0.0)


async def test_the_first_sync_writes_every_table_as_published_and_reloads_it(tmp_path, state, center, gateway):
    agent = new_agent(tmp_path, center, gateway)
    report = await agent.sync_once()
    assert report.updated == DEFAULT_TABLES
    assert gateway.reloads == list(DEFAULT_TABLES)
    for name in DEFAULT_TABLES:
        assert (tmp_path / "tables" / name).read_bytes() == state.body(name)
    assert b"+77011234567:wangiri" in (tmp_path / "tables" / "phones.kamailio").read_bytes()
    # nothing new: only the index is read
    center.fetches.clear()
    report = await agent.sync_once()
    assert (report.updated, center.fetches, gateway.reloads[3:]) == ((), [], [])


async def test_a_new_version_comes_as_a_delta_and_gives_the_bytes_of_the_full_table(tmp_path, state, center, gateway):
    agent = new_agent(tmp_path, center, gateway)
    await agent.sync_once()
    state.publish(snapshot("+77011234567", "+77015550000", "+7702888*"), OFFICIAL)
    center.fetches.clear()
    report = await agent.sync_once()
    assert report.updated == ("phones.kamailio", "phones.ranges.kamailio")  # official: same bytes
    assert ("phones.kamailio", 1, 1) in center.fetches, "asked for a delta from the version held"
    assert not any(since is None for name, since, _ in center.fetches if name != "phones.official.kamailio")
    for name in DEFAULT_TABLES:
        assert (tmp_path / "tables" / name).read_bytes() == state.body(name)
    assert agent.state.held["phones.official.kamailio"].version == 2


async def test_a_delta_that_does_not_check_is_replaced_by_the_full_list(tmp_path, state, center, gateway):
    agent = new_agent(tmp_path, center, gateway)
    await agent.sync_once()
    state.publish(snapshot("+77015550000"), OFFICIAL)
    center.bad_delta.add("phones.kamailio")
    center.fetches.clear()
    await agent.sync_once()
    assert ("phones.kamailio", None, None) in center.fetches
    assert (tmp_path / "tables" / "phones.kamailio").read_bytes() == state.body("phones.kamailio")


async def test_a_list_whose_checksum_does_not_match_is_never_written(tmp_path, state, center, gateway):
    agent = new_agent(tmp_path, center, gateway)
    await agent.sync_once()
    before = (tmp_path / "tables" / "phones.kamailio").read_bytes()
    state.publish(snapshot("+77015550000"), OFFICIAL)
    center.bad_delta.add("phones.kamailio")
    center.wrong_full.add("phones.kamailio")
    report = await agent.sync_once()
    assert report.refused == ("phones.kamailio",)
    assert (tmp_path / "tables" / "phones.kamailio").read_bytes() == before
    assert agent.refusals == 1
    assert "phones.kamailio" not in gateway.reloads[3:]
    # the center mends: the next sync takes the good version
    center.wrong_full.clear()
    center.bad_delta.clear()
    await agent.sync_once()
    assert (tmp_path / "tables" / "phones.kamailio").read_bytes() == state.body("phones.kamailio")


async def test_a_center_whose_checksums_match_garbage_is_still_refused(tmp_path, state, center, gateway):
    """A compromised or buggy center: the table checks against its own index but is not a table."""
    agent = new_agent(tmp_path, center, gateway)
    await agent.sync_once()
    hostile = b"number(str) reason(str)\n+77011234567:wangiri\nevil\\q:x\n"
    document = state.index()
    for item in document["lists"]:
        if item["name"] == "phones.kamailio":
            item["sha256"], item["version"] = sha256_hex(hostile), 2
    center.index_document = document
    state.version = 2
    state.snapshots[2] = state.snapshots[1]
    original = state.body

    def body(name, version=None):
        return hostile if name == "phones.kamailio" else original(name, 1)

    state.body = body
    report = await agent.sync_once()
    assert report.refused == ("phones.kamailio",)
    assert (tmp_path / "tables" / "phones.kamailio").read_bytes() == original("phones.kamailio", 1)


async def test_with_the_center_down_the_tables_stay_and_the_sync_says_so(tmp_path, state, center, gateway):
    agent = new_agent(tmp_path, center, gateway)
    await agent.sync_once()
    center.down = True
    with pytest.raises(CenterUnavailable):
        await agent.sync_once()
    assert (tmp_path / "tables" / "phones.kamailio").read_bytes() == state.body("phones.kamailio")


async def test_a_reload_that_failed_is_retried_until_kamailio_takes_it(tmp_path, state, center, gateway):
    gateway.down = True
    agent = new_agent(tmp_path, center, gateway)
    report = await agent.sync_once()
    assert report.updated == DEFAULT_TABLES
    assert report.reloaded == ()
    gateway.down = False
    report = await agent.sync_once()
    assert report.reloaded == DEFAULT_TABLES
    assert report.updated == ()


async def test_a_restarted_agent_trusts_only_tables_it_can_verify(tmp_path, state, center, gateway):
    await new_agent(tmp_path, center, gateway).sync_once()
    (tmp_path / "tables" / "phones.ranges.kamailio").write_bytes(b"prefix(string) reason(string) listed(string)\n")
    agent = new_agent(tmp_path, center, gateway)
    assert "phones.ranges.kamailio" not in agent.state.held
    assert agent.state.held["phones.kamailio"].version == 1
    report = await agent.sync_once()
    assert report.updated == ("phones.ranges.kamailio",)


async def test_a_missing_list_leaves_its_table_alone(tmp_path, state, center, gateway):
    document = state.index()
    document["lists"] = [i for i in document["lists"] if i["name"] != "phones.official.kamailio"]
    center.index_document = document
    report = await new_agent(tmp_path, center, gateway).sync_once()
    assert report.updated == ("phones.kamailio", "phones.ranges.kamailio")
    assert (tmp_path / "tables" / "phones.official.kamailio").read_bytes() == b"number(str) brand(str)\n"


async def test_refused_calls_are_reported_once_each_even_when_the_center_was_away(tmp_path, center, gateway, state):
    now = [T0]
    settings = AgentSettings(tmp_path / "tables", table_specs(",".join(DEFAULT_TABLES)))
    agent = GatewayAgent(settings, center, gateway, clock=lambda: now[0])
    assert await agent.report_hits_once() == 0  # the baseline
    gateway.counters = {"+77011234567": 2, "+7701999*": 1}
    now[0] += timedelta(minutes=1)
    center.hits_down = True
    with pytest.raises(CenterUnavailable):
        await agent.report_hits_once()
    gateway.counters = {"+77011234567": 5, "+7701999*": 1}
    now[0] += timedelta(minutes=1)
    with pytest.raises(CenterUnavailable):
        await agent.report_hits_once()
    # the agent restarts while the center is still away: the queue is on disk
    agent = GatewayAgent(settings, center, gateway, clock=lambda: now[0])
    center.hits_down = False
    now[0] += timedelta(minutes=1)
    assert await agent.report_hits_once() == 2
    assert state.hit_counts() == {"+77011234567": 5, "+7701999*": 1}
    assert [b["interval_start"] for b in state.hits] == ["2026-12-04T10:00:00Z", "2026-12-04T10:01:00Z"]
    saved = json.loads((tmp_path / "tables" / tables.STATE_FILE).read_text())
    assert saved["hits"]["pending"] == []


async def test_the_loop_outlives_every_kind_of_failure(tmp_path, state, center, gateway):
    agent = new_agent(tmp_path, center, gateway, interval=0.01, hits_interval=0.01, backoff=Backoff(0.01, 0.02))
    center.down = True
    calls = 0
    real_sync = agent.sync_once

    async def flaky():
        nonlocal calls
        calls += 1
        if calls == 3:
            raise RuntimeError("a bug")
        return await real_sync()

    agent.sync_once = flaky
    stop = asyncio.Event()
    task = asyncio.create_task(agent.run(stop))
    await asyncio.sleep(0.2)
    center.down = False
    for _ in range(100):
        await asyncio.sleep(0.02)
        if (tmp_path / "tables" / "phones.kamailio").read_bytes() == state.body("phones.kamailio"):
            break
    stop.set()
    await asyncio.wait_for(task, 2)
    assert calls > 3
    assert (tmp_path / "tables" / "phones.kamailio").read_bytes() == state.body("phones.kamailio")


def test_two_agents_cannot_keep_the_same_tables(tmp_path):
    first = tables.lock_directory(tmp_path)
    try:
        with pytest.raises(GatewayAgentError, match="another gateway agent is already running"):
            tables.lock_directory(tmp_path)
    finally:
        first.close()
    tables.lock_directory(tmp_path).close()  # free again once the first one is gone


def test_a_table_written_twice_in_one_second_moves_its_mtime_forward(tmp_path):
    spec = table_specs("phones.kamailio")[0]
    tables.write_table(tmp_path, spec, b"number(str) reason(str)\n")
    first = (tmp_path / spec.name).stat().st_mtime
    tables.write_table(tmp_path, spec, b"number(str) reason(str)\n+77011234567:wangiri\n")
    assert int((tmp_path / spec.name).stat().st_mtime) > int(first)
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".phones")], "no temporary file left"
