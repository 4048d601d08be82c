"""What every store must do (fake, SQLite, PostgreSQL): atomic change sets, row versions, the change
feed, counters, publication records, leases, and two handles racing on one row."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import pytest

from antifraud.domain.errors import IdempotencyTaken, WriteConflict
from antifraud.domain.model import Category, DecisionOrigin, IndicatorKey, IndicatorType, ListEntry, ListingState
from antifraud.ports import (
    AllowRecord,
    AuditRecord,
    BulkListing,
    ChangeSet,
    CounterDelta,
    HitBatch,
    IdempotencyRecord,
    IndicatorRecord,
    LinkRecord,
    ListChange,
    PublicationRecord,
    ReportRecord,
    ReviewFilter,
)
from antifraud.services.keys import create_key

T0 = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)
KEY = IndicatorKey(IndicatorType.DOMAIN, "kaspi-bonus.kz")


def record(key=KEY, state=ListingState.LISTED, version=0, **fields):
    return IndicatorRecord(
        key=key,
        display=key.value,
        first_seen=T0,
        state=state,
        score=fields.pop("score", 90),
        category=fields.pop("category", Category.PHISHING),
        categories={"phishing"},
        listed_at=T0 if state is ListingState.LISTED else None,
        expires_at=fields.pop("expires_at", T0 + timedelta(days=90) if state is ListingState.LISTED else None),
        row_version=version,
        reporters=((1, T0),),
        origin=DecisionOrigin.ANALYST if state is ListingState.LISTED else None,
        **fields,
    )


async def test_a_change_set_round_trips(store):
    op = await store.ensure_operator("Kaspi")
    changes = ChangeSet(
        indicators=[record()],
        reports=[
            ReportRecord(
                "r1", KEY, op.id, "https://kaspi-bonus.kz/x", Category.PHISHING, T0, url="https://kaspi-bonus.kz/x"
            )
        ],
        audit=[AuditRecord(T0, "analyst:a", "analyst:block", KEY, "review", "listed", "clone")],
        links=[LinkRecord(KEY, IndicatorKey(IndicatorType.PHONE, "+77015551234"), "advertised_on", T0)],
    )
    await store.apply(changes)
    got = (await store.get_indicators([KEY]))[KEY]
    assert got.row_version == 1
    assert (got.state, got.score, got.category, got.origin) == (
        ListingState.LISTED,
        90,
        Category.PHISHING,
        DecisionOrigin.ANALYST,
    )
    assert got.reporters == ((1, T0),)
    assert got.expires_at == T0 + timedelta(days=90)
    assert [r.report_id for r in await store.reports_for(KEY)] == ["r1"]
    assert [a.reason for a in await store.audit_for(KEY)] == ["clone"]
    assert [link.relation for link in await store.links_of(KEY)] == ["advertised_on"]
    assert await store.listed_values(IndicatorType.DOMAIN, "", 10) == ["kaspi-bonus.kz"]


async def test_a_stale_row_version_is_refused_and_nothing_of_the_change_set_is_written(store, other):
    await store.apply(ChangeSet(indicators=[record()]))
    fresh = (await store.get_indicators([KEY]))[KEY]
    fresh.score = 95
    await other.apply(ChangeSet(indicators=[fresh]))  # another process wrote version 2
    stale = record(version=1, score=10)
    op = await store.ensure_operator("x")
    with pytest.raises(WriteConflict) as caught:
        await store.apply(
            ChangeSet(
                indicators=[stale, record(IndicatorKey(IndicatorType.DOMAIN, "other.kz"))],
                reports=[ReportRecord("r-lost", KEY, op.id, "x", Category.PHISHING, T0)],
            )
        )
    assert KEY in caught.value.keys
    assert (await store.get_indicators([KEY]))[KEY].score == 95
    assert await store.get_indicators([IndicatorKey(IndicatorType.DOMAIN, "other.kz")]) == {}
    assert await store.reports_for(KEY) == []


async def test_a_new_row_written_twice_conflicts(store, other):
    await store.apply(ChangeSet(indicators=[record()]))
    with pytest.raises(WriteConflict):
        await other.apply(ChangeSet(indicators=[record()]))


async def test_two_handles_racing_on_one_row_commit_exactly_one(store, other):
    await store.apply(ChangeSet(indicators=[record()]))
    base = (await store.get_indicators([KEY]))[KEY]
    mine, theirs = base.copy(), base.copy()
    mine.score, theirs.score = 70, 80
    results = await asyncio.gather(
        store.apply(ChangeSet(indicators=[mine])), other.apply(ChangeSet(indicators=[theirs])), return_exceptions=True
    )
    assert sum(isinstance(r, WriteConflict) for r in results) == 1
    winner = 70 if results[0] is None else 80
    assert (await store.get_indicators([KEY]))[KEY].score == winner


async def test_many_concurrent_change_sets_are_all_durable(store):
    op = await store.ensure_operator("bulk")
    keys = [IndicatorKey(IndicatorType.DOMAIN, f"s{i}.kz") for i in range(60)]
    await asyncio.gather(
        *(
            store.apply(
                ChangeSet(
                    indicators=[record(k, ListingState.REVIEW)],
                    reports=[ReportRecord(f"r{i}", k, op.id, k.value, Category.PHISHING, T0)],
                )
            )
            for i, k in enumerate(keys)
        )
    )
    assert len(await store.get_indicators(keys)) == 60


async def test_every_change_set_appears_in_the_change_feed_with_its_writer(store, other):
    start = await store.last_seq()
    await store.apply(ChangeSet(indicators=[record()]))
    await other.apply(ChangeSet(allow=[AllowRecord(IndicatorKey(IndicatorType.DOMAIN, "ok.kz"), "owner", "a", T0)]))
    entries = await other.changes_since(start)
    assert [(e.writer, e.topic) for e in entries] == [("w1", "indicator"), ("w2", "allow")]
    assert entries[0].key == KEY
    assert entries[0].data["state"] == "listed"
    assert entries[0].data["row_version"] == 1
    assert entries[1].data["allowed"] is True
    assert entries[0].seq < entries[1].seq
    assert await store.changes_since(entries[-1].seq) == []
    new = await create_key(store, "Beeline", frozenset({"check"}))
    assert await store.revoke_key(new.record.key_id)
    assert not await store.revoke_key(new.record.key_id)
    (revoked,) = await other.changes_since(entries[-1].seq)
    assert (revoked.topic, revoked.data["key_id"]) == ("key", new.record.key_id)
    assert (await other.find_key(new.record.key_id)).revoked


async def test_counters_add_up_across_handles(store, other):
    await store.apply(ChangeSet(counters=[CounterDelta("reports_total", ("domain", "phishing"), 2)]))
    await other.apply(ChangeSet(counters=[CounterDelta("reports_total", ("domain", "phishing"), 3)]))
    assert ("reports_total", ("domain", "phishing"), 5.0) in await store.counters()


async def test_hits_replace_the_same_interval_and_move_the_counters_by_the_difference(store):
    op = await store.ensure_operator("Kazakhtelecom")
    end = T0 + timedelta(hours=1)

    def batch(per_category):
        return HitBatch(op.id, "domains", T0, end, sum(per_category.values()), per_category, "[]", T0, op.name)

    await store.apply(ChangeSet(hits=[batch({"pyramid": 10})]))
    await store.apply(ChangeSet(hits=[batch({"pyramid": 10})]))
    await store.apply(ChangeSet(hits=[batch({"malware": 4})]))
    counters = {(n, labels): v for n, labels, v in await store.counters()}
    assert counters[("blocked_hits", ("domains", "pyramid"))] == 0
    assert counters[("blocked_hits", ("domains", "malware"))] == 4
    assert counters[("operator_blocked_hits", ("domains", "Kazakhtelecom"))] == 4


async def test_an_idempotency_key_is_stored_once(store, other):
    op = await store.ensure_operator("Kaspi")
    first = IdempotencyRecord(op.id, "k1", "h", 202, "{}", T0)
    await store.apply(ChangeSet(idempotency=[first]))
    with pytest.raises(IdempotencyTaken):
        await other.apply(ChangeSet(idempotency=[first], indicators=[record()]))
    assert await store.get_indicators([KEY]) == {}
    assert (await other.get_idempotency(op.id, "k1")).status == 202


async def test_the_allowlist_and_its_removal(store):
    ok = IndicatorKey(IndicatorType.DOMAIN, "owner.kz")
    await store.apply(ChangeSet(allow=[AllowRecord(ok, "owner verified", "analyst:a", T0)]))
    assert [a.key for a in await store.allowlist()] == [ok]
    await store.apply(ChangeSet(allow_removed=[ok]))
    assert await store.allowlist() == []


async def test_projections_and_the_review_page(store):
    waiting = [
        record(IndicatorKey(IndicatorType.DOMAIN, f"r{i}.kz"), ListingState.REVIEW, score=40 + i) for i in range(5)
    ]
    disputed = record(IndicatorKey(IndicatorType.DOMAIN, "disputed.kz"), disputed=True)
    quiet = record(IndicatorKey(IndicatorType.DOMAIN, "quiet.kz"), ListingState.CANDIDATE)
    await store.apply(ChangeSet(indicators=[*waiting, disputed, quiet]))
    seen = {p[1]: p for chunk in [c async for c in store.projections()] for p in chunk}
    assert set(seen) == {"r0.kz", "r1.kz", "r2.kz", "r3.kz", "r4.kz", "disputed.kz"}
    assert seen["r3.kz"] == ("domain", "r3.kz", "review", "phishing", 43, 0, "")
    assert seen["disputed.kz"] == ("domain", "disputed.kz", "listed", "phishing", 90, 1, "analyst")
    total, page = await store.review_page(ReviewFilter(), 3, 0)
    assert total == 6
    assert [r.key.value for r in page] == ["disputed.kz", "r4.kz", "r3.kz"]
    total, page = await store.review_page(ReviewFilter(), 3, 3)
    assert [r.key.value for r in page] == ["r2.kz", "r1.kz", "r0.kz"]
    total, page = await store.review_page(ReviewFilter(query="r3"), 10, 0)
    assert (total, [r.key.value for r in page]) == (1, ["r3.kz"])


async def test_expiry_and_listings(store):
    due = record(IndicatorKey(IndicatorType.DOMAIN, "due.kz"), expires_at=T0 - timedelta(seconds=1))
    later = record(IndicatorKey(IndicatorType.DOMAIN, "later.kz"))
    await store.apply(ChangeSet(indicators=[due, later], allow=[AllowRecord(later.key, "x", "a", T0)]))
    assert await store.due_for_expiry(T0, 10) == [due.key]
    rows = await store.listings([due.key, later.key, IndicatorKey(IndicatorType.DOMAIN, "none.kz")])
    assert set(rows) == {due.key, later.key}
    assert rows[later.key].allowlisted
    assert rows[due.key].entry.origin is DecisionOrigin.ANALYST
    assert rows[due.key].entry.category is Category.PHISHING


async def test_publications_record_versions_changes_and_the_published_membership(store, other):
    entry = ListEntry("kaspi-bonus.kz", Category.PHISHING, 90, T0, None, None, DecisionOrigin.ANALYST)
    await store.record_publication(
        PublicationRecord(1, T0, {"domains": 1}, "published", feed_seq=7),
        {"domains": [ListChange(entry.value, "add", entry)]},
    )
    with pytest.raises(WriteConflict):  # another publisher got there first
        await other.record_publication(PublicationRecord(1, T0, {}, "published"), {})
    await other.record_publication(
        PublicationRecord(2, T0 + timedelta(minutes=1), {"domains": 0}, "published", feed_seq=9, approved=True),
        {"domains": [ListChange(entry.value, "remove", None)]},
    )
    last = await store.last_publication()
    assert (last.version, last.feed_seq, last.approved, last.counts["domains"]) == (2, 9, True, 0)
    assert [p.version for p in await store.publications_after(0)] == [1, 2]
    changes = await store.publication_changes("domains", 0, 2)
    assert [(v, c.action) for v, c in changes] == [(1, "add"), (2, "remove")]
    assert changes[0][1].entry == entry
    assert await store.publication_actions("domains", 0, 2) == [(entry.value, "add"), (entry.value, "remove")]
    assert await store.publication_actions("domains", 1, 2) == [(entry.value, "remove")]
    assert await store.publication_actions("phones", 0, 2) == []
    assert await store.published("domains", ["kaspi-bonus.kz"]) == {}
    assert await store.publication_raw("domains", 1) == [
        ("add", ("kaspi-bonus.kz", "phishing", "90", "2026-11-22T12:00:00Z", "", "", "analyst"))
    ]
    assert (await store.publication_raw("domains", 2))[0][0] == "remove"
    assert await store.mass_change_baseline(T0 - timedelta(days=1)) == 2  # approved


async def test_the_published_list_streams_sorted(store):
    entries = [ListEntry(f"s{i:03d}.kz", Category.PHISHING, 50, T0) for i in (5, 1, 3)]
    await store.record_publication(
        PublicationRecord(1, T0, {"domains": 3}, "published"),
        {"domains": [ListChange(e.value, "add", e) for e in entries]},
    )
    streamed = [e.value for chunk in [c async for c in store.published_entries("domains")] for e in chunk]
    assert streamed == ["s001.kz", "s003.kz", "s005.kz"]
    raw = [r for chunk in [c async for c in store.published_raw("domains")] for r in chunk]
    assert [r[0] for r in raw] == streamed
    assert raw[0] == ("s001.kz", "phishing", "50", "2026-11-22T12:00:00Z", "", "", "auto")


async def test_a_lease_has_one_holder_until_it_expires_or_is_released(store, other):
    assert await store.acquire_lease("publisher", "node-a", 30)
    assert not await other.acquire_lease("publisher", "node-b", 30)
    assert await store.acquire_lease("publisher", "node-a", 30)  # renewal
    await store.release_lease("publisher", "node-a")
    assert await other.acquire_lease("publisher", "node-b", 0.01)
    await asyncio.sleep(0.05)
    assert await store.acquire_lease("publisher", "node-a", 30)  # the other's lease expired


async def test_health_is_a_write(store):
    ok, detail = await store.healthy()
    assert ok, detail


async def test_a_bulk_listing_lists_new_and_known_indicators_as_one_decision(store, other):
    known = record(IndicatorKey(IndicatorType.DOMAIN, "known.kz"), ListingState.REVIEW, disputed=True)
    allowed = IndicatorKey(IndicatorType.DOMAIN, "allowed.kz")
    await store.apply(ChangeSet(indicators=[known], allow=[AllowRecord(allowed, "owner", "a", T0)]))
    start = await store.last_seq()
    listing = BulkListing(
        IndicatorType.DOMAIN,
        [("known.kz", "known.kz"), ("new-one.kz", "new-one.kz"), ("allowed.kz", "allowed.kz")],
        Category.PYRAMID,
        "analyst:migration",
        "the previous center's list",
        T0,
        T0 + timedelta(days=365),
    )
    done = {item.value: item for item in await other.list_many(listing)}
    assert set(done) == {"known.kz", "new-one.kz"}  # the allowlist wins
    assert (done["known.kz"].before, done["known.kz"].row_version) == (ListingState.REVIEW, 2)
    assert (done["new-one.kz"].before, done["new-one.kz"].row_version) == (None, 1)
    got = await store.get_indicators([known.key, IndicatorKey(IndicatorType.DOMAIN, "new-one.kz")])
    for rec in got.values():
        assert (rec.state, rec.category, rec.origin, rec.disputed) == (
            ListingState.LISTED,
            Category.PYRAMID,
            DecisionOrigin.ANALYST,
            False,
        )
        assert rec.expires_at == T0 + timedelta(days=365)
    assert next(a.actor for a in await store.audit_for(known.key)) == "analyst:migration"
    feed = [e for e in await store.changes_since(start) if e.topic == "indicator"]
    assert {e.key.value for e in feed} == {"known.kz", "new-one.kz"}
    assert all(e.writer == "w2" and e.data["state"] == "listed" for e in feed)
    counters = {(n, labels): v for n, labels, v in await store.counters()}
    assert counters[("decisions_total", ("domain", "block", "analyst"))] == 2
    assert counters[("listing_changes_total", ("domains",))] == 2
