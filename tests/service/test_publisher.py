"""The publisher: versions, atomic files, deltas, debouncing and the mass-change guard."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta

import pytest
from fakes import FakeClock, FakeStore

from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.domain.model import Action, Category, IndicatorType, ListKind
from antifraud.domain.policy import Rules
from antifraud.metrics import Metrics
from antifraud.services.center import Center
from antifraud.settings import PublicationSettings
from workers.publisher import Publisher

KASPI = Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ())


@pytest.fixture
async def parts(tmp_path, suffixes):
    store, clock = FakeStore(), FakeClock()
    center = new_center(store, clock, suffixes)
    await center.load()
    settings = PublicationSettings(
        debounce_seconds=0.05, max_delay_seconds=0.2, max_change_share=0.25, guard_min_entries=8
    )
    publisher = Publisher(center, store, settings, tmp_path / "lists", center.metrics, clock)
    await publisher.start()
    return center, publisher, store, tmp_path / "lists"


def new_center(store, clock, suffixes):
    return Center(
        store, Detector([KASPI]), suffixes, Rules(3, {}, 180), clock, Metrics(), report_window=timedelta(hours=72)
    )


async def restart(publisher, store, lists, suffixes):
    """A new process on the same store and blocklist directory: center loaded, publisher started."""
    again = new_center(store, publisher.clock, suffixes)
    await again.load()
    restarted = Publisher(again, store, publisher.settings, lists, again.metrics, again.clock)
    await restarted.start()
    return restarted


async def block(center, *names):
    for name in names:
        await center.decide("analyst:a", IndicatorType.DOMAIN, name, Action.BLOCK, "scam", Category.PHISHING)


async def test_first_start_publishes_an_empty_version_and_files(parts):
    _, publisher, store, lists = parts
    assert publisher.state.version == 1
    index = json.loads((lists / "index.json").read_text())
    assert index["version"] == 1
    assert "SOA" in (lists / "domains.rpz").read_text()
    assert (await store.last_publication()).version == 1


async def test_a_change_is_published_within_a_second_debounced(parts):
    center, publisher, _, lists = parts
    task = asyncio.create_task(publisher.run())
    try:
        await block(center, "one-scam.kz", "two-scam.kz", "three-scam.kz")  # three changes, one version
        for _ in range(50):
            if publisher.state.version > 1:
                break
            await asyncio.sleep(0.02)
        assert publisher.state.version == 2
        await asyncio.sleep(0.3)
        assert publisher.state.version == 2  # nothing more to publish
        assert (lists / "domains.txt").read_text().count("-scam.kz") == 3
    finally:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)


async def test_versions_are_monotonic_and_deltas_net_out(parts):
    center, publisher, _, _ = parts
    await block(center, "a-scam.kz", "b-scam.kz")
    v2 = (await publisher.publish()).version
    await center.decide("analyst:a", IndicatorType.DOMAIN, "a-scam.kz", Action.UNLIST, "taken down")
    await block(center, "c-scam.kz")
    v3 = (await publisher.publish()).version
    assert v3 > v2
    delta = await publisher.delta(ListKind.DOMAINS, v2)
    assert [e.value for e in delta.added] == ["c-scam.kz"]
    assert delta.removed == ("a-scam.kz",)
    from_start = await publisher.delta(ListKind.DOMAINS, 1)
    assert [e.value for e in from_start.added] == ["b-scam.kz", "c-scam.kz"]
    # a value added and removed since v1 is listed as removed: deleting what one never had is a no-op
    assert from_start.removed == ("a-scam.kz",)
    held_at_v1: set[str] = set()
    assert (held_at_v1 | {e.value for e in from_start.added}) - set(from_start.removed) == {"b-scam.kz", "c-scam.kz"}
    assert (await publisher.publish()).status == "unchanged"


async def test_a_mass_change_is_held_until_an_analyst_releases_it(parts):
    center, publisher, store, lists = parts
    await block(center, *[f"s{i}-scam.kz" for i in range(10)])
    base = (await publisher.publish(force=True)).version
    # one bad import would remove half of the list at once
    for i in range(5):
        await center.decide("analyst:a", IndicatorType.DOMAIN, f"s{i}-scam.kz", Action.UNLIST, "bulk")
    outcome = await publisher.publish()
    assert outcome.status == "held"
    assert "remove 5" in outcome.reason
    assert publisher.state.version == base  # consumers keep the last good version
    assert (lists / "domains.txt").read_text().count("-scam.kz") == 10
    assert center.metrics.registry.get_sample_value("antifraud_publication_held", {"list": "domains"}) == 1
    released = await publisher.publish(force=True, actor="analyst:aigerim")
    assert released.status == "published"
    assert (lists / "domains.txt").read_text().count("-scam.kz") == 5
    assert center.metrics.registry.get_sample_value("antifraud_publication_held", {"list": "domains"}) == 0
    assert any(a.action == "publication_released" for _, _, a in store.audit)


async def test_a_restart_serves_the_same_version_when_nothing_changed(parts, tmp_path, suffixes):
    center, publisher, store, lists = parts
    await block(center, "kept-scam.kz")
    version = (await publisher.publish()).version
    restarted = await restart(publisher, store, lists, suffixes)
    assert restarted.state.version == version
    assert restarted.state.lists["domains.txt"].body == publisher.state.lists["domains.txt"].body


async def test_a_restart_after_changes_publishes_against_what_consumers_hold(parts, suffixes):
    center, publisher, store, lists = parts
    names = [f"r{i}-scam.kz" for i in range(10)]
    await block(center, *names)
    before = (await publisher.publish(force=True)).version
    await center.decide("analyst:a", IndicatorType.DOMAIN, "r0-scam.kz", Action.UNLIST, "taken down")
    # the server restarts before publishing the change
    restarted = await restart(publisher, store, lists, suffixes)
    assert restarted.held is None  # one of ten removed: not a mass change
    assert restarted.state.version == before + 1
    delta = await restarted.delta(ListKind.DOMAINS, before)
    assert delta.removed == ("r0-scam.kz",)
    assert delta.added == ()  # nothing else changed
    assert "r0-scam.kz" not in (lists / "domains.txt").read_text()


async def test_a_changed_category_is_published_as_an_update(parts):
    center, publisher, _, lists = parts
    await center.decide("analyst:a", IndicatorType.PHONE, "+7 701 555 00 11", Action.BLOCK, "calls", Category.WANGIRI)
    first = (await publisher.publish()).version
    await center.decide(
        "analyst:a",
        IndicatorType.PHONE,
        "+7 701 555 00 11",
        Action.BLOCK,
        "it spoofs a bank",
        Category.BANK_IMPERSONATION,
    )
    outcome = await publisher.publish()
    assert outcome.status == "published"
    assert "bank_impersonation" in (lists / "phones.csv").read_text()
    delta = await publisher.delta(ListKind.PHONES, first)
    assert [e.category for e in delta.added] == [Category.BANK_IMPERSONATION]
