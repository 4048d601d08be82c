"""Hits and disputes against the in-memory store."""

from __future__ import annotations

from datetime import timedelta

import pytest
from centers import counter, key, make_center

from antifraud.domain.errors import NotFound
from antifraud.domain.model import Action, Category, IndicatorType, ListingState, ListKind
from antifraud.ports import ReviewFilter


async def test_hits_are_attributed_by_category_and_never_double_counted(center, store, clock, suffixes):
    await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "hit-me.kz", Action.BLOCK, "x", Category.PYRAMID)
    op = await store.ensure_operator("Kazakhtelecom")
    start = clock.now()
    interval = (start, start + timedelta(hours=1))
    accepted = await center.feedback.record_hits(
        op, ListKind.DOMAINS, interval, 100, [("hit-me.kz", 70), ("www.hit-me.kz", 5)]
    )
    assert accepted.by_category == {"pyramid": 75, "unattributed": 25}
    await center.feedback.record_hits(op, ListKind.DOMAINS, interval, 100, [("hit-me.kz", 70), ("www.hit-me.kz", 5)])
    assert await counter(center, "blocked_hits", "domains", "pyramid") == 75
    assert await counter(center, "operator_blocked_hits", "domains", "Kazakhtelecom") == 100
    # sent again with other numbers: the interval's counts are replaced, not added to
    await center.feedback.record_hits(op, ListKind.DOMAINS, interval, 40, [])
    assert await counter(center, "blocked_hits", "domains", "pyramid") == 0
    assert await counter(center, "blocked_hits", "domains", "unattributed") == 40
    assert await counter(center, "operator_blocked_hits", "domains", "Kazakhtelecom") == 40
    restarted = await make_center(store.shared("restarted"), clock, suffixes)
    assert await counter(restarted, "blocked_hits", "domains", "unattributed") == 40


async def test_disputes_open_a_review_item_without_unlisting(center, store, clock):
    await center.decisions.decide(
        "analyst:a", IndicatorType.DOMAIN, "shop-kz.kz", Action.BLOCK, "fake shop", Category.FAKE_SHOP
    )
    op = await store.ensure_operator("shop owner's bank")
    dispute_id = await center.feedback.dispute(op, IndicatorType.DOMAIN, "shop-kz.kz", "our client's real shop", None)
    assert dispute_id
    page = await center.review.page(ReviewFilter(), 10, 0, clock.now() - timedelta(hours=72))
    assert page.total == 1
    assert page.items[0].record.key == key("shop-kz.kz")
    assert page.items[0].record.state is ListingState.LISTED
    assert await counter(center, "disputes_total", "domain") == 1
    with pytest.raises(NotFound):
        await center.feedback.dispute(op, IndicatorType.DOMAIN, "never-seen.kz", "x", None)
