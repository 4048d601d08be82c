"""Checks answer from the read model: listed, in review, unknown, protected — and follow every change."""

from __future__ import annotations

from centers import KASPI, SETTINGS, domain, key, make_center

from antifraud.adapters.detection_config import load_detector
from antifraud.domain.model import Action, Category, IndicatorType, ListingState
from antifraud.settings import DEFAULT_CONFIG_DIR


async def test_check_answers_for_the_domain_its_subdomains_and_urls(center):
    await center.decisions.decide(
        "analyst:a", IndicatorType.DOMAIN, "kaspi-bonus.kz", Action.BLOCK, "lookalike", Category.BANK_IMPERSONATION
    )
    center.read_model.published_version = 7
    for value, kind in (
        ("kaspi-bonus.kz", IndicatorType.DOMAIN),
        ("a.b.kaspi-bonus.kz", IndicatorType.DOMAIN),
        ("https://kaspi-bonus.kz/login", IndicatorType.URL),
    ):
        answer = (await center.checks.check(kind, value)).to_json(center.checks.list_version)
        assert answer["listed"] is True
        assert answer["verdict"] == "block"
        assert answer["categories"] == ["bank_impersonation"]
        assert answer["list_version"] == 7
    assert (await center.checks.check(IndicatorType.DOMAIN, "weather.kz")).listed is False


async def test_the_cached_body_is_the_json_answer(center):
    answer = await center.checks.check(IndicatorType.DOMAIN, "weather.kz")
    import json  # noqa: PLC0415

    assert json.loads(answer.body(12)) == answer.to_json(12)


async def test_cached_check_answers_follow_every_change(center):
    assert (await center.checks.check(IndicatorType.DOMAIN, "cache-me.kz")).listed is False
    await center.decisions.decide(
        "analyst:a", IndicatorType.DOMAIN, "cache-me.kz", Action.BLOCK, "x", Category.PHISHING
    )
    assert (await center.checks.check(IndicatorType.DOMAIN, "cache-me.kz")).listed is True
    await center.decisions.allow("analyst:a", IndicatorType.DOMAIN, "cache-me.kz", "owner verified")
    assert (await center.checks.check(IndicatorType.DOMAIN, "cache-me.kz")).verdict == "allow"
    await center.decisions.allow_remove("analyst:a", IndicatorType.DOMAIN, "cache-me.kz", "mistake")
    assert (await center.checks.check(IndicatorType.DOMAIN, "cache-me.kz")).verdict != "allow"


async def test_a_listing_that_predates_a_brand_entry_is_not_listed_in_checks(store, clock, suffixes):
    """/v1/check said listed: true for an official domain every published list had dropped."""
    from antifraud.detection import Detector  # noqa: PLC0415

    plain = await make_center(store, clock, suffixes, Detector([]))
    await plain.decisions.decide("analyst:a", IndicatorType.DOMAIN, "kaspi.kz", Action.BLOCK, "before the brand entry")
    assert store.indicators[key("kaspi.kz")].state is ListingState.LISTED
    protected = await make_center(store, clock, suffixes, Detector([KASPI]))
    answer = await protected.checks.check(IndicatorType.DOMAIN, "kaspi.kz")
    assert answer.listed is False
    assert answer.verdict == "allow"


async def test_check_and_the_stored_record_agree(center, store):
    """The server used to answer checks from a mirror that disagreed with /v1/indicators (55 vs 60)."""
    for name in ("a", "b"):
        op = await store.ensure_operator(name)
        await center.intake.submit(op, [domain("kaspi-loan.kz")])
    answer = await center.checks.check(IndicatorType.DOMAIN, "kaspi-loan.kz")
    assert answer.score == store.indicators[key("kaspi-loan.kz")].score
    assert answer.verdict == "review"


async def test_the_full_name_is_evidence_but_the_registered_domain_is_listed(store, clock, suffixes):
    detector = load_detector(DEFAULT_CONFIG_DIR / "brands.toml", DEFAULT_CONFIG_DIR / "lexicon.toml", suffixes)
    center = await make_center(store, clock, suffixes, detector)
    assert SETTINGS.policy.auto_list_distinct_operators == 3
    op = await store.ensure_operator("Kaspi")
    (result,) = await center.intake.submit(op, [domain("kaspi.kz.verify-login.com")])
    assert result.key.value == "verify-login.com"
    assert result.state is ListingState.LISTED  # subdomain abuse of an official domain + lure words
    assert (await center.checks.check(IndicatorType.DOMAIN, "verify-login.com")).listed
    assert "official domain kaspi.kz" in store.indicators[key("verify-login.com")].signals_json
