"""Evidence from probes and liveness re-probes against the in-memory store."""

from __future__ import annotations

import json

from centers import domain, key

from antifraud.domain.model import Action, Category, IndicatorType, ListingState, Signal


async def test_page_evidence_confirms_a_lookalike_and_lists_it(center, store):
    op = await store.ensure_operator("Kaspi")
    await center.intake.submit(op, [domain("kaspi-shop.kz")])
    assert store.indicators[key("kaspi-shop.kz")].state is ListingState.REVIEW
    page = [
        Signal("brand_on_foreign_page", 40, "page names Kaspi Bank but is not on kaspi.kz"),
        Signal("password_form", 30, "a login form asks for a password"),
    ]
    record = await center.evidence.record(
        IndicatorType.DOMAIN,
        "https://kaspi-shop.kz/login",
        "crawl",
        page,
        links=[(IndicatorType.PHONE, "+7 701 555 12 34", "advertised_on")],
    )
    assert record.state is ListingState.LISTED
    audit = [a for a in store.audit if a.key == key("kaspi-shop.kz") and a.to_state == "listed"]
    assert "own evidence" in audit[-1].reason
    assert audit[-1].actor == "probe:crawl"
    phone = key("+77015551234", IndicatorType.PHONE)
    # the number on a site that is now listed goes to review, in the same change set
    assert store.indicators[phone].state is ListingState.REVIEW
    links = await store.links_of(phone)
    assert [(link.source.value, link.relation) for link in links] == [("kaspi-shop.kz", "advertised_on")]
    answer = await center.checks.check(IndicatorType.DOMAIN, "kaspi-shop.kz")
    assert answer.reasons == ("listed as phishing by the center's policy",)
    assert "password" in store.indicators[key("kaspi-shop.kz")].signals_json  # what the analysts read


async def test_a_site_advertising_a_listed_number_is_lifted(center, store):
    await center.decisions.decide("analyst:a", IndicatorType.PHONE, "+7 701 555 00 11", Action.BLOCK, "wangiri")
    record = await center.evidence.record(
        IndicatorType.DOMAIN,
        "call-us-now.kz",
        "crawl",
        [],
        links=[(IndicatorType.PHONE, "+77015550011", "advertised_on")],
    )
    assert "advertises_listed" in record.signals_json


async def test_new_evidence_replaces_the_same_source(center):
    await center.evidence.record(IndicatorType.DOMAIN, "probe-me.kz", "dns", [Signal("fast_flux", 30, "12 A records")])
    record = await center.evidence.record(IndicatorType.DOMAIN, "probe-me.kz", "dns", [])
    assert json.loads(record.evidence_json)["dns"]["signals"] == []
    assert record.score < 30


async def test_evidence_never_relists_what_an_analyst_unlisted(center):
    await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "kaspi-pay.kz", Action.UNLIST, "owner verified")
    strong = [Signal("brand_on_foreign_page", 90, "clone of the Kaspi login page")]
    record = await center.evidence.record(IndicatorType.DOMAIN, "kaspi-pay.kz", "crawl", strong)
    assert record.state is ListingState.DELISTED


async def test_new_indicators_are_announced_once_with_their_reports(center, store):
    seen = []
    center.repository.on_commit(lambda event: seen.append(sorted(k.value for k in event.new_keys)))
    op = await store.ensure_operator("Kaspi")
    from antifraud.services.intake import ReportInput  # noqa: PLC0415

    await center.intake.submit(
        op, [ReportInput(IndicatorType.URL, "https://a.new-one.kz/x", Category.PHISHING), domain("new-one.kz")]
    )
    await center.intake.submit(op, [domain("new-one.kz")])
    assert seen == [["new-one.kz"], []]


async def test_a_dead_site_leaves_the_list_and_comes_back_when_alive(center, store, clock):
    await center.decisions.decide(
        "analyst:a", IndicatorType.DOMAIN, "dying-scam.kz", Action.BLOCK, "x", Category.PHISHING
    )
    await center.evidence.liveness(IndicatorType.DOMAIN, "dying-scam.kz", alive=False, detail="NXDOMAIN")
    clock.advance(days=10)
    record = await center.evidence.liveness(IndicatorType.DOMAIN, "dying-scam.kz", alive=False, detail="NXDOMAIN")
    assert record.state is ListingState.LISTED  # dead 10 days: not yet
    clock.advance(days=5)
    record = await center.evidence.liveness(IndicatorType.DOMAIN, "dying-scam.kz", alive=False, detail="NXDOMAIN")
    assert record.state is ListingState.EXPIRED
    assert await store.listed_values(IndicatorType.DOMAIN, "", 10) == []
    clock.advance(days=3)
    record = await center.evidence.liveness(IndicatorType.DOMAIN, "dying-scam.kz", alive=True, detail="HTTP 200")
    assert record.state is ListingState.LISTED
    reasons = [a.reason for a in store.audit if a.key == key("dying-scam.kz") and a.actor == "probe:liveness"]
    assert any("dead for 15 days" in r for r in reasons)
    assert any("back online" in r for r in reasons)


async def test_a_site_expired_by_age_does_not_come_back_by_itself(center, clock):
    await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "old.kz", Action.BLOCK, "x", Category.PHISHING)
    clock.advance(days=91)
    await center.decisions.expire_due()
    record = await center.evidence.liveness(IndicatorType.DOMAIN, "old.kz", alive=True, detail="HTTP 200")
    assert record.state is ListingState.EXPIRED
