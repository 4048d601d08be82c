"""What every console store must do (fake, SQLite; PostgreSQL when its adapter joins): accounts with
unique names, sessions by the hash of their cookie, and the page reads, on the same data the center's
store wrote."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime, timedelta

import pytest
from fakes import FakeStore
from fakes_console import FakeConsoleStore

from antifraud.console.ports import ConsoleSession, ConsoleUser, Role
from antifraud.domain.errors import Conflict
from antifraud.domain.model import Category, DecisionOrigin, IndicatorKey, IndicatorType, ListEntry, ListingState
from antifraud.ports import (
    ChangeSet,
    DisputeRecord,
    HitBatch,
    IndicatorRecord,
    ListChange,
    PublicationRecord,
    ReportRecord,
)
from antifraud.storage.console_sqlite import SqliteConsoleStore
from antifraud.storage.sqlite import SqliteStore

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
SITE = IndicatorKey(IndicatorType.DOMAIN, "kaspi-bonus.kz")


@pytest.fixture(params=["fake", "sqlite"])
async def stores(request, tmp_path):
    if request.param == "fake":
        data = FakeStore(writer_id="w1")
        yield data, FakeConsoleStore(data)
        return
    data = await SqliteStore.open(str(tmp_path / "console.sqlite3"), "w1")
    try:
        yield data, SqliteConsoleStore(data.db)
    finally:
        await data.close()


def user(name="aigerim", role=Role.ANALYST):
    return ConsoleUser(name, role, "$argon2id$fake", must_change=True, created_at=T0)


def session(token_hash, name):
    return ConsoleSession(token_hash, name, "csrf", T0, T0, T0 + timedelta(hours=12))


def indicator(value, state, changed_at, **fields):
    key = IndicatorKey(IndicatorType.DOMAIN, value)
    return IndicatorRecord(key, value, T0 - timedelta(days=9), state=state, state_changed_at=changed_at, **fields)


async def test_user_names_are_unique_even_when_two_add_at_once(stores):
    _, console = stores
    results = await asyncio.gather(
        console.add_user(user()), console.add_user(user(role=Role.ADMIN)), return_exceptions=True
    )
    assert sorted(type(r).__name__ for r in results) == ["Conflict", "NoneType"]
    with pytest.raises(Conflict):
        await console.add_user(user())
    assert [u.name for u in await console.list_users()] == ["aigerim"]
    await console.set_password("aigerim", "$argon2id$new", must_change=False, at=T0)
    stored = await console.get_user("aigerim")
    assert (stored.password_hash, stored.must_change, stored.role) == ("$argon2id$new", False, Role.ANALYST)
    assert await console.get_user("nobody") is None


async def test_sessions_are_found_touched_and_ended(stores):
    _, console = stores
    await console.add_user(user())
    await console.add_user(user("bolat"))
    for i, name in enumerate(["aigerim", "aigerim", "bolat"]):
        await console.add_session(session(f"h{i}", name))
    found = await console.get_session("h0")
    assert found.username == "aigerim"
    assert found.created_at == T0
    await console.touch_session("h0", T0 + timedelta(minutes=5))
    assert (await console.get_session("h0")).last_seen_at == T0 + timedelta(minutes=5)
    await console.touch_session("h0", T0 + timedelta(minutes=1))  # an older touch arriving late changes nothing
    assert (await console.get_session("h0")).last_seen_at == T0 + timedelta(minutes=5)
    assert await console.delete_sessions_of("aigerim", keep="h1") == 1
    assert await console.get_session("h0") is None
    assert await console.get_session("h1") is not None
    await console.delete_session("h1")
    assert await console.get_session("h1") is None
    assert await console.prune_sessions(T0 + timedelta(hours=13)) == 1
    assert await console.get_session("h2") is None


async def test_the_dashboards_counts(stores):
    data, console = stores
    op = await data.ensure_operator("Halyk")
    reports = [
        ReportRecord(f"r{i}", SITE, op.id, SITE.value, Category.PHISHING, T0 - timedelta(hours=i)) for i in range(5)
    ]
    old = T0 - timedelta(days=5)
    records = [
        indicator("wait-old.kz", ListingState.REVIEW, old),
        indicator("wait-new.kz", ListingState.REVIEW, T0),
        indicator("argued.kz", ListingState.LISTED, T0, disputed=True),
        indicator(
            "fast.kz",
            ListingState.LISTED,
            T0,
            first_report_at=T0 - timedelta(minutes=10),
            listed_at=T0 - timedelta(minutes=4),
        ),
    ]
    await data.apply(ChangeSet(indicators=records, reports=reports))
    assert await console.reports_since(T0 - timedelta(hours=2, minutes=30)) == 3
    waiting = await console.waiting(T0 - timedelta(days=2))
    assert (waiting.in_review, waiting.disputed, waiting.overdue) == (2, 1, 1)
    assert waiting.oldest == old
    assert await console.listing_delays(T0 - timedelta(days=1), 10) == [360.0]
    assert await console.operator_names() == {op.id: "Halyk"}


async def test_disputes_history_hits_and_search(stores):
    data, console = stores
    op = await data.ensure_operator("Beeline")
    signals = json.dumps([{"name": "brand", "weight": 40, "detail": "names Kaspi Bank"}])
    site = indicator("kaspi-bonus.kz", ListingState.LISTED, T0, signals_json=signals, score=90)
    await data.apply(
        ChangeSet(
            indicators=[site, indicator("kaspi-gift.kz", ListingState.REVIEW, T0)],
            disputes=[
                DisputeRecord("d1", SITE, op.id, "our client", "noc@beeline.kz", T0),
                DisputeRecord("d2", SITE, op.id, "again", None, T0 + timedelta(minutes=1)),
            ],
            hits=[
                HitBatch(op.id, "domains", T0, T0 + timedelta(hours=1), 7, {"phishing": 7},
                         json.dumps([{"value": "kaspi-bonus.kz", "hits": 5}, {"value": "other.kz", "hits": 2}]), T0,
                         "Beeline"),
            ],
        )
    )  # fmt: skip
    total, items = await console.open_disputes(1, 0)
    assert total == 2
    assert [(d.dispute_id, d.operator, d.contact, d.state) for d in items] == [
        ("d1", "Beeline", "noc@beeline.kz", ListingState.LISTED)
    ]
    await data.apply(ChangeSet(disputes_closed=[SITE]))
    assert (await console.open_disputes(10, 0))[0] == 0
    entry = ListEntry("kaspi-bonus.kz", Category.PHISHING, 90, T0, None, None, DecisionOrigin.AUTO)
    for version, change in enumerate(
        [ListChange(SITE.value, "add", entry), ListChange(SITE.value, "remove", None)], start=1
    ):
        await data.record_publication(
            PublicationRecord(version, T0 + timedelta(minutes=version), {"domains": 1}, "published"),
            {"domains": [change]},
        )
    history = await console.published_history("domains", SITE.value, 10)
    assert [(c.version, c.action) for c in history] == [(1, "add"), (2, "remove")]
    assert history[0].at == T0 + timedelta(minutes=1)
    hits = await console.hits_of("domains", SITE.value, T0 - timedelta(days=1), 10)
    assert [(h.operator, h.hits) for h in hits] == [("Beeline", 5)]
    assert await console.hits_of("domains", SITE.value, T0 + timedelta(days=1), 10) == []
    assert [f.key.value for f in await console.search_prefix("kaspi-", 10)] == ["kaspi-bonus.kz", "kaspi-gift.kz"]
    assert [f.key.value for f in await console.search_prefix("kaspi-", 1)] == ["kaspi-bonus.kz"]
    assert await console.search_prefix("%", 10) == []  # LIKE's wildcards mean nothing in a prefix
    assert [f.key.value for f in await console.search_brand("Kaspi Bank", 10)] == ["kaspi-bonus.kz"]
    assert await console.search_brand("%", 10) == []
