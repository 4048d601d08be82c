"""The center's use-cases against fakes: intake, policy, decisions, allowlist, expiry, checks, hits."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from fakes import FakeClock, FakeStore

from antifraud.adapters.detection_config import load_detector
from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.domain.errors import InvalidIndicator, InvalidInput, NotFound, PolicyViolation
from antifraud.domain.model import Action, Category, IndicatorKey, IndicatorType, ListingState, ListKind, Signal
from antifraud.domain.policy import Rules
from antifraud.metrics import Metrics
from antifraud.ports import HitBatch
from antifraud.services.center import Center, ReportAccepted, ReportInput
from antifraud.settings import DEFAULT_CONFIG_DIR

KASPI = Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("+77272585965",))
RULES = Rules(3, {Category.PHISHING: 90}, 180)


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def store():
    return FakeStore()


def make_center(store, clock, suffixes, writer="center-a"):
    store.writer = writer
    return Center(
        store, Detector([KASPI]), suffixes, RULES, clock, Metrics(), report_window=timedelta(hours=72), writer_id=writer
    )


@pytest.fixture
async def center(store, clock, suffixes):
    c = make_center(store, clock, suffixes)
    await c.load()
    return c


def domain(value, category=Category.PHISHING):
    return ReportInput(IndicatorType.DOMAIN, value, category)


def sample(center, name, **labels):
    return center.metrics.registry.get_sample_value(name, labels) or 0.0


async def test_a_report_is_normalized_kept_and_queued_for_review(center, store):
    op = await store.ensure_operator("Halyk Bank")
    (result,) = await center.submit(op, [domain("HTTPS://Login.Halyk-Secure-Pay.KZ/auth")])
    assert isinstance(result, ReportAccepted)
    assert result.key == IndicatorKey(IndicatorType.DOMAIN, "halyk-secure-pay.kz")
    assert result.state in {ListingState.REVIEW, ListingState.LISTED}
    assert store.reports[0].original == "HTTPS://Login.Halyk-Secure-Pay.KZ/auth"
    assert store.indicators[result.key].state is result.state
    assert sample(center, "antifraud_reports_total", type="domain", category="phishing") == 1


async def test_url_reports_list_the_host_and_keep_the_url(center, store):
    op = await store.ensure_operator("police")
    (result,) = await center.submit(
        op, [ReportInput(IndicatorType.URL, "https://a.b.evil-pay.kz/x?y=1", Category.PHISHING)]
    )
    assert isinstance(result, ReportAccepted)
    assert result.key.value == "evil-pay.kz"
    assert store.reports[0].url == "https://a.b.evil-pay.kz/x?y=1"


async def test_invalid_items_are_rejected_individually(center, store):
    op = await store.ensure_operator("hotline")
    results = await center.submit(
        op,
        [
            domain("1.2.3.4"),
            domain("ok-site.kz"),
            InvalidInput("reports[2].category: bad", field="reports[2].category"),
        ],
    )
    assert isinstance(results[0], InvalidIndicator)
    assert isinstance(results[1], ReportAccepted)
    assert isinstance(results[2], InvalidInput)
    assert len(store.reports) == 1
    assert sample(center, "antifraud_report_rejections_total", reason="invalid_indicator") == 1


async def test_three_distinct_operators_list_it_automatically(center, store):
    changes = []
    center.on_listing_change(lambda: changes.append(1))
    ops = [await store.ensure_operator(n) for n in ("Kaspi", "Halyk", "Beeline")]
    for op in ops[:2]:
        await center.submit(op, [domain("qwerty-prize.kz")])
        await center.submit(op, [domain("qwerty-prize.kz")])  # the same operator twice counts once
    key = IndicatorKey(IndicatorType.DOMAIN, "qwerty-prize.kz")
    assert center.get(key).state is ListingState.REVIEW
    assert not changes
    await center.submit(ops[2], [domain("qwerty-prize.kz")])
    record = center.get(key)
    assert record.state is ListingState.LISTED
    assert record.expires_at == center.clock.now() + timedelta(days=90)
    assert changes
    assert [e.value for e in center.listed_entries(ListKind.DOMAINS)] == ["qwerty-prize.kz"]
    audit = [a for _, _, a in store.audit if a.to_state == "listed"]
    assert "3 distinct operators" in audit[0].reason
    assert audit[0].actor == "operator:Beeline"
    assert sample(center, "antifraud_decisions_total", type="domain", verdict="block", origin="auto") == 1


async def test_reports_outside_the_window_do_not_add_up(center, store, clock):
    ops = [await store.ensure_operator(n) for n in ("a", "b", "c")]
    await center.submit(ops[0], [domain("slow-scam.kz")])
    await center.submit(ops[1], [domain("slow-scam.kz")])
    clock.advance(hours=73)
    await center.submit(ops[2], [domain("slow-scam.kz")])
    assert center.get(IndicatorKey(IndicatorType.DOMAIN, "slow-scam.kz")).state is ListingState.REVIEW


async def test_a_protected_brand_is_never_listed(center, store):
    ops = [await store.ensure_operator(f"op{i}") for i in range(5)]
    for op in ops:
        await center.submit(op, [domain("kaspi.kz"), domain("https://pay.kaspi.kz/login")])
    assert center.listed_entries(ListKind.DOMAINS) == ()
    assert center.check(IndicatorType.DOMAIN, "kaspi.kz").verdict == "allow"
    with pytest.raises(PolicyViolation, match="Kaspi Bank"):
        await center.decide("analyst:a", IndicatorType.DOMAIN, "kaspi.kz", Action.BLOCK, "looks odd")


async def test_an_official_number_is_never_listed(center, store):
    ops = [await store.ensure_operator(f"op{i}") for i in range(5)]
    for op in ops:
        await center.submit(op, [ReportInput(IndicatorType.PHONE, "8 727 258 59 65", Category.SPOOFED_CALL)])
    assert center.listed_entries(ListKind.PHONES) == ()


async def test_analyst_block_unlist_and_allow(center, store):
    record = await center.decide(
        "analyst:aigerim",
        IndicatorType.DOMAIN,
        "fake-egov-pay.kz",
        Action.BLOCK,
        "clone of eGov payment page",
        Category.BANK_IMPERSONATION,
    )
    assert record.state is ListingState.LISTED
    assert record.category is Category.BANK_IMPERSONATION
    assert sample(center, "antifraud_decisions_total", type="domain", verdict="block", origin="analyst") == 1
    record = await center.decide(
        "analyst:aigerim", IndicatorType.DOMAIN, "fake-egov-pay.kz", Action.UNLIST, "site taken down, domain suspended"
    )
    assert record.state is ListingState.DELISTED
    # automation cannot list it again; it only asks an analyst
    ops = [await store.ensure_operator(f"op{i}") for i in range(4)]
    for op in ops:
        await center.submit(op, [domain("fake-egov-pay.kz")])
    assert center.get(record.key).state is ListingState.REVIEW
    await center.allow("analyst:aigerim", IndicatorType.DOMAIN, "fake-egov-pay.kz", "now owned by the ministry")
    assert center.check(IndicatorType.DOMAIN, "fake-egov-pay.kz").verdict == "allow"
    with pytest.raises(PolicyViolation):
        await center.decide("analyst:b", IndicatorType.DOMAIN, "fake-egov-pay.kz", Action.BLOCK, "again")
    history = [(a.actor, a.to_state, a.reason) for _, _, a in store.audit if a.key == record.key]
    assert ("analyst:aigerim", "listed", "clone of eGov payment page") in history
    await center.allow_remove("analyst:aigerim", IndicatorType.DOMAIN, "fake-egov-pay.kz", "mistake")
    with pytest.raises(NotFound):
        await center.allow_remove("analyst:aigerim", IndicatorType.DOMAIN, "fake-egov-pay.kz", "mistake")


async def test_a_decision_needs_a_reason(center):
    with pytest.raises(InvalidInput, match="reason"):
        await center.decide("analyst:a", IndicatorType.DOMAIN, "x-scam.kz", Action.BLOCK, "  ")


async def test_listings_expire_unless_reconfirmed(center, store, clock):
    await center.decide(
        "analyst:a", IndicatorType.DOMAIN, "old-scam.kz", Action.BLOCK, "phishing kit", Category.PHISHING
    )
    await center.decide(
        "analyst:a", IndicatorType.DOMAIN, "live-scam.kz", Action.BLOCK, "phishing kit", Category.PHISHING
    )
    clock.advance(days=80)
    op = await store.ensure_operator("Kaspi")
    await center.submit(op, [domain("live-scam.kz")])  # re-confirmed: expiry moves to day 170
    clock.advance(days=11)
    assert await center.expire_due() == 1
    assert center.get(IndicatorKey(IndicatorType.DOMAIN, "old-scam.kz")).state is ListingState.EXPIRED
    assert [e.value for e in center.listed_entries(ListKind.DOMAINS)] == ["live-scam.kz"]


async def test_check_answers_from_memory_for_the_domain_and_its_subdomains(center):
    await center.decide(
        "analyst:a", IndicatorType.DOMAIN, "kaspi-bonus.kz", Action.BLOCK, "lookalike", Category.BANK_IMPERSONATION
    )
    center.published_version = 7
    for value, kind in (
        ("kaspi-bonus.kz", IndicatorType.DOMAIN),
        ("a.b.kaspi-bonus.kz", IndicatorType.DOMAIN),
        ("https://kaspi-bonus.kz/login", IndicatorType.URL),
    ):
        answer = center.check(kind, value).to_json()
        assert answer["listed"] is True
        assert answer["verdict"] == "block"
        assert answer["categories"] == ["bank_impersonation"]
        assert answer["list_version"] == 7
    assert center.check(IndicatorType.DOMAIN, "weather.kz").to_json()["listed"] is False


async def test_a_failed_write_reloads_state_and_loses_nothing_accepted(center, store):
    op = await store.ensure_operator("Kaspi")
    await center.submit(op, [domain("first.kz")])
    store.fail_next = True
    with pytest.raises(OSError, match="disk full"):
        await center.submit(op, [domain("second.kz")])
    assert center.get(IndicatorKey(IndicatorType.DOMAIN, "second.kz")) is None  # nothing half-accepted
    assert center.get(IndicatorKey(IndicatorType.DOMAIN, "first.kz")) is not None


async def test_idempotent_response_is_written_with_the_reports(center, store):
    op = await store.ensure_operator("Kaspi")
    await center.submit(
        op,
        [domain("idem.kz")],
        idempotency=("key-1", "hash"),
        respond=lambda results: (202, json.dumps({"n": len(results)})),
    )
    stored = await store.get_idempotency(op.id, "key-1")
    assert stored is not None
    assert (stored.status, stored.response_json, stored.request_hash) == (202, '{"n": 1}', "hash")


async def test_changes_made_by_another_process_are_picked_up(store, clock, suffixes):
    server = make_center(store, clock, suffixes, writer="server")
    await server.load()
    notified = []
    server.on_listing_change(lambda: notified.append(1))
    cli = make_center(store, clock, suffixes, writer="cli")
    await cli.load()
    await cli.decide("analyst:a", IndicatorType.DOMAIN, "cli-blocked.kz", Action.BLOCK, "from the CLI")
    store.writer = "server"
    assert await server.sync_external() >= 1
    assert server.check(IndicatorType.DOMAIN, "cli-blocked.kz").listed
    assert notified


async def test_time_to_publish_is_observed_once_per_listing(center, clock):
    await center.decide("analyst:a", IndicatorType.DOMAIN, "ttp.kz", Action.BLOCK, "x", Category.PHISHING)
    clock.advance(seconds=2)
    await center.mark_published(1, {ListKind.DOMAINS: ["ttp.kz"]})
    await center.mark_published(2, {ListKind.DOMAINS: ["ttp.kz"]})
    assert sample(center, "antifraud_time_to_publish_seconds_count") == 1
    assert sample(center, "antifraud_time_to_publish_seconds_sum") == pytest.approx(2.0)
    assert center.get(IndicatorKey(IndicatorType.DOMAIN, "ttp.kz")).published_version == 1


async def test_hits_are_attributed_by_category_and_never_double_counted(center, store, clock):
    await center.decide("analyst:a", IndicatorType.DOMAIN, "hit-me.kz", Action.BLOCK, "x", Category.PYRAMID)
    op = await store.ensure_operator("Kazakhtelecom")
    start = clock.now()
    per_category = center.categorize_hits(ListKind.DOMAINS, [("hit-me.kz", 70), ("www.hit-me.kz", 5)], 100)
    assert per_category == {"pyramid": 75, "unattributed": 25}
    batch = HitBatch(op.id, "domains", start, start + timedelta(hours=1), 100, per_category, "[]", start)
    assert not await center.record_hits(batch, op.name)
    assert await center.record_hits(batch, op.name)  # the same interval again replaces
    assert sample(center, "antifraud_blocked_hits_total", list="domains", category="pyramid") == 75
    assert sample(center, "antifraud_operator_blocked_hits_total", list="domains", operator="Kazakhtelecom") == 100
    fresh = make_center(store, clock, suffixes=center.suffixes, writer="restarted")
    await fresh.restore_hit_counters()
    assert sample(fresh, "antifraud_blocked_hits_total", list="domains", category="pyramid") == 75


async def test_disputes_open_a_review_item_without_unlisting(center, store):
    await center.decide("analyst:a", IndicatorType.DOMAIN, "shop-kz.kz", Action.BLOCK, "fake shop", Category.FAKE_SHOP)
    op = await store.ensure_operator("shop owner's bank")
    dispute_id = await center.dispute(op, IndicatorType.DOMAIN, "shop-kz.kz", "this is our client's real shop", None)
    assert dispute_id
    total, items = center.review_queue()
    assert total == 1
    assert items[0].record.key.value == "shop-kz.kz"
    assert items[0].record.state is ListingState.LISTED
    with pytest.raises(NotFound):
        await center.dispute(op, IndicatorType.DOMAIN, "never-seen.kz", "x", None)


async def test_the_full_name_is_evidence_but_the_registered_domain_is_listed(store, clock, suffixes):
    detector = load_detector(DEFAULT_CONFIG_DIR / "brands.toml", DEFAULT_CONFIG_DIR / "lexicon.toml", suffixes)
    center = Center(store, detector, suffixes, RULES, clock, Metrics(), report_window=timedelta(hours=72))
    await center.load()
    op = await store.ensure_operator("Kaspi")
    (result,) = await center.submit(op, [domain("kaspi.kz.verify-login.com")])
    assert result.key.value == "verify-login.com"
    assert result.state is ListingState.LISTED  # subdomain abuse of an official domain + lure words
    assert "official domain kaspi.kz" in center.check(IndicatorType.DOMAIN, "verify-login.com").reasons[0]


async def test_cached_check_answers_follow_every_change(center, store):
    assert center.check(IndicatorType.DOMAIN, "cache-me.kz").listed is False
    await center.decide("analyst:a", IndicatorType.DOMAIN, "cache-me.kz", Action.BLOCK, "x", Category.PHISHING)
    assert center.check(IndicatorType.DOMAIN, "cache-me.kz").listed is True
    await center.mark_published(9, {})
    assert center.check(IndicatorType.DOMAIN, "cache-me.kz").list_version == 9
    await center.allow("analyst:a", IndicatorType.DOMAIN, "cache-me.kz", "owner verified")
    assert center.check(IndicatorType.DOMAIN, "cache-me.kz").verdict == "allow"
    await center.allow_remove("analyst:a", IndicatorType.DOMAIN, "cache-me.kz", "mistake")
    assert center.check(IndicatorType.DOMAIN, "cache-me.kz").verdict != "allow"


async def test_page_evidence_confirms_a_lookalike_and_lists_it(center, store):
    op = await store.ensure_operator("Kaspi")
    await center.submit(op, [domain("kaspi-shop.kz")])
    key = IndicatorKey(IndicatorType.DOMAIN, "kaspi-shop.kz")
    assert center.get(key).state is ListingState.REVIEW
    notified = []
    center.on_listing_change(lambda: notified.append(1))
    page = [
        Signal("brand_on_foreign_page", 40, "page names Kaspi Bank but is not on kaspi.kz"),
        Signal("password_form", 30, "a login form asks for a password"),
    ]
    record = await center.record_evidence(
        IndicatorType.DOMAIN,
        "https://kaspi-shop.kz/login",
        "crawl",
        page,
        links=[(IndicatorType.PHONE, "+7 701 555 12 34", "advertised_on")],
    )
    assert record.state is ListingState.LISTED
    assert notified
    audit = [a for _, _, a in store.audit if a.key == key and a.to_state == "listed"]
    assert "own evidence" in audit[-1].reason
    assert audit[-1].actor == "probe:crawl"
    phone_key = IndicatorKey(IndicatorType.PHONE, "+77015551234")
    assert center.get(phone_key) is not None
    links = await center.links_of(IndicatorType.PHONE, "+77015551234")
    assert [(link.source.value, link.relation) for link in links] == [("kaspi-shop.kz", "advertised_on")]
    assert "password" in " ".join(center.check(IndicatorType.DOMAIN, "kaspi-shop.kz").reasons)


async def test_new_evidence_replaces_the_same_source(center):
    await center.record_evidence(IndicatorType.DOMAIN, "probe-me.kz", "dns", [Signal("fast_flux", 30, "12 A records")])
    record = await center.record_evidence(IndicatorType.DOMAIN, "probe-me.kz", "dns", [])
    assert json.loads(record.evidence_json)["dns"]["signals"] == []
    assert record.score < 30


async def test_evidence_never_relists_what_an_analyst_unlisted(center):
    await center.decide("analyst:a", IndicatorType.DOMAIN, "kaspi-pay.kz", Action.UNLIST, "owner verified")
    strong = [Signal("brand_on_foreign_page", 90, "clone of the Kaspi login page")]
    record = await center.record_evidence(IndicatorType.DOMAIN, "kaspi-pay.kz", "crawl", strong)
    assert record.state is ListingState.DELISTED


async def test_new_indicators_are_announced_once(center, store):
    seen = []
    center.on_new_indicator(lambda key, name, url: seen.append((key.value, name.ascii if name else None, url)))
    op = await store.ensure_operator("Kaspi")
    await center.submit(
        op, [ReportInput(IndicatorType.URL, "https://a.new-one.kz/x", Category.PHISHING), domain("new-one.kz")]
    )
    assert seen == [("new-one.kz", "a.new-one.kz", "https://a.new-one.kz/x")]


async def test_a_dead_site_leaves_the_list_and_comes_back_when_alive(center, store, clock):
    await center.decide("analyst:a", IndicatorType.DOMAIN, "dying-scam.kz", Action.BLOCK, "x", Category.PHISHING)
    key = IndicatorKey(IndicatorType.DOMAIN, "dying-scam.kz")
    await center.record_liveness(IndicatorType.DOMAIN, "dying-scam.kz", alive=False, detail="NXDOMAIN")
    clock.advance(days=10)
    record = await center.record_liveness(IndicatorType.DOMAIN, "dying-scam.kz", alive=False, detail="NXDOMAIN")
    assert record.state is ListingState.LISTED  # dead 10 days: not yet
    clock.advance(days=5)
    record = await center.record_liveness(IndicatorType.DOMAIN, "dying-scam.kz", alive=False, detail="NXDOMAIN")
    assert record.state is ListingState.EXPIRED
    assert center.listed_domains() == []
    clock.advance(days=3)
    record = await center.record_liveness(IndicatorType.DOMAIN, "dying-scam.kz", alive=True, detail="HTTP 200")
    assert record.state is ListingState.LISTED
    reasons = [a.reason for _, _, a in store.audit if a.key == key and a.actor == "probe:liveness"]
    assert any("dead for 15 days" in r for r in reasons)
    assert any("back online" in r for r in reasons)


async def test_a_site_expired_by_age_does_not_come_back_by_itself(center, clock):
    await center.decide("analyst:a", IndicatorType.DOMAIN, "old.kz", Action.BLOCK, "x", Category.PHISHING)
    clock.advance(days=91)
    await center.expire_due()
    record = await center.record_liveness(IndicatorType.DOMAIN, "old.kz", alive=True, detail="HTTP 200")
    assert record.state is ListingState.EXPIRED
