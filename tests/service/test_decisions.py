"""Decisions, the allowlist and expiry against the in-memory store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from centers import counter, domain, key

from antifraud.domain.errors import InvalidInput, NotFound, PolicyViolation
from antifraud.domain.model import Action, Category, DecisionOrigin, IndicatorType, ListingState


async def test_analyst_block_unlist_and_allow(center, store):
    record = await center.decisions.decide(
        "analyst:aigerim",
        IndicatorType.DOMAIN,
        "fake-egov-pay.kz",
        Action.BLOCK,
        "clone of eGov payment page",
        Category.BANK_IMPERSONATION,
    )
    assert record.state is ListingState.LISTED
    assert record.category is Category.BANK_IMPERSONATION
    assert record.origin is DecisionOrigin.ANALYST
    assert await counter(center, "decisions_total", "domain", "block", "analyst") == 1
    record = await center.decisions.decide(
        "analyst:aigerim", IndicatorType.DOMAIN, "fake-egov-pay.kz", Action.UNLIST, "site taken down"
    )
    assert record.state is ListingState.DELISTED
    # automation cannot list it again; it only asks an analyst
    for i in range(4):
        op = await store.ensure_operator(f"op{i}")
        await center.intake.submit(op, [domain("fake-egov-pay.kz")])
    assert store.indicators[record.key].state is ListingState.REVIEW
    await center.decisions.allow(
        "analyst:aigerim", IndicatorType.DOMAIN, "fake-egov-pay.kz", "now owned by the ministry"
    )
    assert (await center.checks.check(IndicatorType.DOMAIN, "fake-egov-pay.kz")).verdict == "allow"
    with pytest.raises(PolicyViolation, match="allowlisted"):
        await center.decisions.decide("analyst:b", IndicatorType.DOMAIN, "fake-egov-pay.kz", Action.BLOCK, "again")
    history = [(a.actor, a.to_state, a.reason) for a in store.audit if a.key == record.key]
    assert ("analyst:aigerim", "listed", "clone of eGov payment page") in history
    await center.decisions.allow_remove("analyst:aigerim", IndicatorType.DOMAIN, "fake-egov-pay.kz", "mistake")
    assert not center.read_model.allowed(record.key)
    with pytest.raises(NotFound):
        await center.decisions.allow_remove("analyst:aigerim", IndicatorType.DOMAIN, "fake-egov-pay.kz", "mistake")


async def test_blocking_a_protected_brand_is_refused(center):
    with pytest.raises(PolicyViolation, match="Kaspi Bank"):
        await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "kaspi.kz", Action.BLOCK, "looks odd")


async def test_a_decision_needs_a_reason(center):
    with pytest.raises(InvalidInput, match="reason"):
        await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "x-scam.kz", Action.BLOCK, "  ")


async def test_listings_expire_unless_reconfirmed(center, store, clock):
    for name in ("old-scam.kz", "live-scam.kz"):
        await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, name, Action.BLOCK, "kit", Category.PHISHING)
    clock.advance(days=80)
    op = await store.ensure_operator("Kaspi")
    await center.intake.submit(op, [domain("live-scam.kz")])  # re-confirmed: expiry moves to day 170
    clock.advance(days=11)
    assert await center.decisions.expire_due() == 1
    assert store.indicators[key("old-scam.kz")].state is ListingState.EXPIRED
    assert store.indicators[key("live-scam.kz")].state is ListingState.LISTED
    assert await center.decisions.expire_due() == 0


async def test_a_bulk_decision_lists_every_valid_value_and_names_the_refused(center, store):
    outcome = await center.decisions.decide_many(
        "analyst:migration",
        IndicatorType.DOMAIN,
        ["a-scam.kz", "b-scam.kz", "kaspi.kz", "not a domain!", "a-scam.kz"],
        Action.BLOCK,
        "migrated from the previous center's list",
        Category.PHISHING,
    )
    assert outcome.decided == 2
    assert [v for v, _ in outcome.refused] == ["kaspi.kz", "not a domain!"]
    assert all(store.indicators[key(v)].state is ListingState.LISTED for v in ("a-scam.kz", "b-scam.kz"))
    assert {a.actor for a in store.audit if a.to_state == "listed"} == {"analyst:migration"}


async def test_blocking_a_site_sends_the_numbers_found_on_it_to_review(center, store):
    await center.evidence.record(
        IndicatorType.DOMAIN,
        "loan-scam.kz",
        "crawl",
        [],
        links=[(IndicatorType.PHONE, "+7 701 555 12 34", "advertised_on")],
    )
    phone = key("+77015551234", IndicatorType.PHONE)
    assert store.indicators[phone].state is ListingState.CANDIDATE
    await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "loan-scam.kz", Action.BLOCK, "fake loans")
    assert store.indicators[phone].state is ListingState.REVIEW
    answer = await center.checks.check(IndicatorType.PHONE, "+77015551234")
    assert answer.verdict == "review"
    assert any("loan-scam.kz" in r for r in answer.reasons + tuple(a.reason for a in store.audit if a.key == phone))


async def test_a_decision_closes_the_dispute(center, store, clock):
    await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "shop-kz.kz", Action.BLOCK, "fake shop")
    op = await store.ensure_operator("a bank")
    await center.feedback.dispute(op, IndicatorType.DOMAIN, "shop-kz.kz", "our client's real shop", None)
    assert store.indicators[key("shop-kz.kz")].disputed
    clock.advance(minutes=5)
    await center.decisions.decide("analyst:b", IndicatorType.DOMAIN, "shop-kz.kz", Action.UNLIST, "checked: real shop")
    assert not store.indicators[key("shop-kz.kz")].disputed
    assert store.disputes[0][1] is not None
    assert timedelta(0) <= clock.now() - store.indicators[key("shop-kz.kz")].state_changed_at


async def test_a_large_bulk_decision_is_one_set_based_listing(center, store):
    values = [f"bulk-{i:05d}.kz" for i in range(1200)]
    committed = []
    center.repository.on_commit(committed.append)
    outcome = await center.decisions.decide_many(
        "analyst:migration", IndicatorType.DOMAIN, [*values, "kaspi.kz"], Action.BLOCK, "migration", Category.PYRAMID
    )
    assert outcome.decided == 1200
    assert outcome.refused == [("kaspi.kz", "it is an official domain of Kaspi Bank")]
    assert center.read_model.listed[("domains", "pyramid")] == 1200
    assert len(committed) == 1
    assert committed[0].listing_changed
    assert len(committed[0].new_keys) == 1200
    assert (await center.checks.check(IndicatorType.DOMAIN, "bulk-00042.kz")).listed
