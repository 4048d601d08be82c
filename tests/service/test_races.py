"""Two actors at once: every interleaving that lost or leaked a write before the store became the single
source of truth, replayed with gated fakes (a writer stopped at its commit while another goes ahead)."""

from __future__ import annotations

import asyncio

import pytest
from centers import counter, domain, key, make_center
from fakes import GatedStore

from antifraud.domain.errors import StoreUnavailable
from antifraud.domain.model import Action, Category, IndicatorType, ListingState
from antifraud.services.intake import ReportAccepted, ReportInput
from antifraud.services.keys import create_key


async def two_processes(store, clock, suffixes):
    server_store = GatedStore(store)
    cli_store = GatedStore(store.shared("cli"))
    server = await make_center(server_store, clock, suffixes)
    cli = await make_center(cli_store, clock, suffixes)
    return server, server_store, cli, cli_store


async def test_an_import_racing_an_unlist_never_relists_it(store, clock, suffixes):
    """`antifraud import` relisted a domain an analyst had just unlisted on the server."""
    server, _, cli, cli_store = await two_processes(store, clock, suffixes)
    await server.decisions.decide("analyst:a", IndicatorType.DOMAIN, "contested.kz", Action.BLOCK, "phishing kit")
    importer = await store.ensure_operator("old-list")
    await cli.follower.poll()
    gate = cli_store.gate("apply")
    imported = asyncio.create_task(cli.intake.submit(importer, [domain("contested.kz")]))
    await gate.reached.wait()  # the import read the listed record and decided: stays listed (re-confirmed)
    await server.decisions.decide("analyst:a", IndicatorType.DOMAIN, "contested.kz", Action.UNLIST, "owner verified")
    gate.open()
    (result,) = await imported
    assert isinstance(result, ReportAccepted)
    record = store.indicators[key("contested.kz")]
    assert record.state is ListingState.REVIEW  # re-decided on the analyst's state: a person looks again
    assert record.analyst_locked
    assert record.row_version == 3
    assert len(store.reports) == 1  # the import's report was kept


async def test_a_block_whose_write_fails_is_never_visible(center, store):
    """A block whose write failed answered listed: true and was handed to the publisher."""
    triggered = []
    center.repository.on_commit(triggered.append)
    store.fail_next = True
    with pytest.raises(StoreUnavailable):
        await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "ghost.kz", Action.BLOCK, "x")
    assert (await center.checks.check(IndicatorType.DOMAIN, "ghost.kz")).listed is False
    assert center.read_model.get(key("ghost.kz")) is None
    assert triggered == []


async def test_a_failed_write_does_not_drop_writes_accepted_meanwhile(store, clock, suffixes):
    """After a failed write the whole mirror was reloaded, dropping reports accepted meanwhile."""
    gated = GatedStore(store)
    center = await make_center(gated, clock, suffixes)
    op = await store.ensure_operator("Kaspi")
    await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "kept.kz", Action.BLOCK, "x")
    gate = gated.gate("apply")
    failing = asyncio.create_task(center.intake.submit(op, [domain("will-fail.kz")]))
    await gate.reached.wait()
    store.fail_next = True
    gate.open()
    with pytest.raises(StoreUnavailable):
        await failing
    (ok,) = await center.intake.submit(op, [domain("after.kz")])
    assert isinstance(ok, ReportAccepted)
    assert center.read_model.get(key("kept.kz")).listed
    assert key("after.kz") in store.indicators


async def test_reports_from_two_processes_add_up_to_the_distinct_operator_rule(store, clock, suffixes):
    """The server missed the CLI's reports: the three-operator rule failed and the category was lost."""
    server, _, cli, _ = await two_processes(store, clock, suffixes)
    for name in ("Kaspi", "Halyk"):
        op = await store.ensure_operator(name)
        await server.intake.submit(op, [domain("shared-scam.kz")])
    hotline = await store.ensure_operator("hotline-import")
    await cli.intake.submit(hotline, [ReportInput(IndicatorType.DOMAIN, "shared-scam.kz", Category.INVESTMENT_SCAM)])
    record = store.indicators[key("shared-scam.kz")]
    assert record.state is ListingState.LISTED
    assert "investment_scam" in record.categories
    await server.follower.poll()
    answer = await server.checks.check(IndicatorType.DOMAIN, "shared-scam.kz")
    assert answer.listed
    assert answer.score == record.score
    assert await counter(server, "reports_total", "domain", "investment_scam") == 1
    assert await counter(server, "reports_total", "domain", "phishing") == 2


async def test_concurrent_reports_in_one_process_are_all_counted(center, store):
    ops = [await store.ensure_operator(f"bank {i}") for i in range(8)]
    results = await asyncio.gather(*(center.intake.submit(op, [domain("hot.kz")]) for op in ops))
    assert all(isinstance(r[0], ReportAccepted) for r in results)
    record = store.indicators[key("hot.kz")]
    assert len(record.reporters) == 8
    assert record.row_version == 8
    assert record.state is ListingState.LISTED


async def test_the_other_process_sees_a_decision_within_one_poll(store, clock, suffixes):
    server, _, cli, _ = await two_processes(store, clock, suffixes)
    listings = []
    server.follower.on_listing_change(lambda: listings.append(1))
    assert (await server.checks.check(IndicatorType.DOMAIN, "cli-blocked.kz")).listed is False
    await cli.decisions.decide("analyst:b", IndicatorType.DOMAIN, "cli-blocked.kz", Action.BLOCK, "from the CLI")
    assert await server.follower.poll() >= 1
    assert (await server.checks.check(IndicatorType.DOMAIN, "cli-blocked.kz")).listed
    assert listings


async def test_a_key_revoked_elsewhere_stops_working_at_the_next_poll(store, clock, suffixes):
    """Revoked keys kept working for 30 s."""
    server, _, _, _ = await two_processes(store, clock, suffixes)
    new = await create_key(store, "Beeline", frozenset({"check"}))
    assert await server.keys.authenticate(new.key) is not None
    await store.shared("cli").revoke_key(new.record.key_id)
    await server.follower.poll()
    assert await server.keys.authenticate(new.key) is None


async def test_two_writers_of_one_row_in_the_same_batch(store, clock, suffixes):
    """Many changes to one indicator at once: each re-reads and re-decides; none is lost."""
    server, server_store, cli, cli_store = await two_processes(store, clock, suffixes)
    gates = [server_store.gate("apply"), cli_store.gate("apply")]
    a = await store.ensure_operator("a")
    b = await store.ensure_operator("b")
    first = asyncio.create_task(server.intake.submit(a, [domain("both.kz")]))
    second = asyncio.create_task(cli.intake.submit(b, [domain("both.kz")]))
    await asyncio.gather(gates[0].reached.wait(), gates[1].reached.wait())  # both read version 0
    gates[0].open()
    gates[1].open()
    await asyncio.gather(first, second)
    record = store.indicators[key("both.kz")]
    assert sorted(op for op, _ in record.reporters) == sorted([a.id, b.id])
    assert record.row_version == 2
