"""Intake against the in-memory store: normalization, the policy, idempotency, atomic change sets."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from centers import counter, domain, key, sample

from antifraud.domain.errors import InvalidIndicator, InvalidInput, StoreUnavailable
from antifraud.domain.model import Category, IndicatorType, ListingState
from antifraud.services.intake import Replayed, ReportAccepted, ReportInput


async def test_a_report_is_normalized_kept_and_queued_for_review(center, store):
    op = await store.ensure_operator("Halyk Bank")
    (result,) = await center.intake.submit(op, [domain("HTTPS://Login.Halyk-Secure-Pay.KZ/auth")])
    assert isinstance(result, ReportAccepted)
    assert result.key == key("halyk-secure-pay.kz")
    assert result.state in {ListingState.REVIEW, ListingState.LISTED}
    assert store.reports[0].original == "HTTPS://Login.Halyk-Secure-Pay.KZ/auth"
    assert store.indicators[result.key].state is result.state
    assert store.indicators[result.key].row_version == 1
    assert await counter(center, "reports_total", "domain", "phishing") == 1


async def test_url_reports_list_the_host_and_keep_the_url(center, store):
    op = await store.ensure_operator("police")
    (result,) = await center.intake.submit(
        op, [ReportInput(IndicatorType.URL, "https://a.b.evil-pay.kz/x?y=1", Category.PHISHING)]
    )
    assert isinstance(result, ReportAccepted)
    assert result.key.value == "evil-pay.kz"
    assert store.reports[0].url == "https://a.b.evil-pay.kz/x?y=1"


async def test_invalid_items_are_rejected_individually(center, store):
    op = await store.ensure_operator("hotline")
    results = await center.intake.submit(
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


async def test_three_distinct_operators_list_it_automatically(center, store, clock):
    committed = []
    center.repository.on_commit(lambda event: committed.append(event.listing_changed))
    ops = [await store.ensure_operator(n) for n in ("Kaspi", "Halyk", "Beeline")]
    for op in ops[:2]:
        await center.intake.submit(op, [domain("qwerty-prize.kz")])
        await center.intake.submit(op, [domain("qwerty-prize.kz")])  # the same operator twice counts once
    assert store.indicators[key("qwerty-prize.kz")].state is ListingState.REVIEW
    assert not any(committed)
    await center.intake.submit(ops[2], [domain("qwerty-prize.kz")])
    record = store.indicators[key("qwerty-prize.kz")]
    assert record.state is ListingState.LISTED
    assert record.expires_at == clock.now() + timedelta(days=90)
    assert committed[-1] is True
    audit = [a for a in store.audit if a.to_state == "listed"]
    assert "3 distinct operators" in audit[0].reason
    assert audit[0].actor == "operator:Beeline"
    assert await counter(center, "decisions_total", "domain", "block", "auto") == 1
    assert center.read_model.get(key("qwerty-prize.kz")).listed


async def test_reports_outside_the_window_do_not_add_up(center, store, clock):
    ops = [await store.ensure_operator(n) for n in ("a", "b", "c")]
    await center.intake.submit(ops[0], [domain("slow-scam.kz")])
    await center.intake.submit(ops[1], [domain("slow-scam.kz")])
    clock.advance(hours=73)
    await center.intake.submit(ops[2], [domain("slow-scam.kz")])
    assert store.indicators[key("slow-scam.kz")].state is ListingState.REVIEW
    assert len(store.indicators[key("slow-scam.kz")].reporters) == 1  # the window is pruned on the row


async def test_a_protected_brand_is_never_listed(center, store):
    ops = [await store.ensure_operator(f"op{i}") for i in range(5)]
    for op in ops:
        await center.intake.submit(op, [domain("kaspi.kz"), domain("https://pay.kaspi.kz/login")])
    assert not center.read_model.get(key("kaspi.kz")) or not center.read_model.get(key("kaspi.kz")).listed
    assert (await center.checks.check(IndicatorType.DOMAIN, "kaspi.kz")).verdict == "allow"


async def test_an_official_number_is_never_listed(center, store):
    ops = [await store.ensure_operator(f"op{i}") for i in range(5)]
    for op in ops:
        await center.intake.submit(op, [ReportInput(IndicatorType.PHONE, "8 727 258 59 65", Category.SPOOFED_CALL)])
    assert store.indicators[key("+77272585965", IndicatorType.PHONE)].state is not ListingState.LISTED


async def test_a_failed_write_keeps_nothing_of_it_and_loses_nothing_else(center, store):
    op = await store.ensure_operator("Kaspi")
    await center.intake.submit(op, [domain("first.kz")])
    store.fail_next = True
    with pytest.raises(StoreUnavailable, match="disk full"):
        await center.intake.submit(op, [domain("second.kz")])
    assert key("second.kz") not in store.indicators  # nothing half-accepted
    assert center.read_model.get(key("second.kz")) is None
    assert key("first.kz") in store.indicators
    (again,) = await center.intake.submit(op, [domain("second.kz")])
    assert isinstance(again, ReportAccepted)


async def test_idempotent_requests_replay_the_first_answer(center, store):
    op = await store.ensure_operator("Kaspi")

    def respond(results):
        return 202, json.dumps({"n": len(results)})

    first = await center.intake.submit_once(op, [domain("idem.kz")], "key-1", "hash", respond)
    assert isinstance(first, list)
    stored = await store.get_idempotency(op.id, "key-1")
    assert (stored.status, stored.response_json, stored.request_hash) == (202, '{"n": 1}', "hash")
    again = await center.intake.submit_once(op, [domain("idem.kz")], "key-1", "hash", respond)
    assert again == Replayed(202, '{"n": 1}')
    assert len(store.reports) == 1
