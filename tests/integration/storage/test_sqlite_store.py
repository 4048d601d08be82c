"""The SQLite store: migrations, atomic change sets, group commit, keys, publications, hits."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta

import pytest

from antifraud.domain.model import Category, IndicatorKey, IndicatorType, ListEntry, ListingState
from antifraud.ports import (
    AllowRecord,
    ApiKeyRecord,
    AuditRecord,
    ChangeSet,
    HitBatch,
    IdempotencyRecord,
    IndicatorRecord,
    ListChange,
    PublicationRecord,
    ReportRecord,
)
from antifraud.storage.sqlite import SqliteStore

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
KEY = IndicatorKey(IndicatorType.DOMAIN, "kaspi-bonus.kz")


@pytest.fixture
async def store(tmp_path):
    s = await SqliteStore(str(tmp_path / "center.sqlite3"), writer_id="w1").open()
    yield s
    await s.close()


def indicator(key=KEY, state=ListingState.LISTED):
    return IndicatorRecord(
        key=key,
        display=key.value,
        first_seen=NOW,
        state=state,
        score=85,
        verdict="block",
        signals_json='[{"name": "typosquat", "weight": 60, "detail": "1 edit from kaspi"}]',
        category=Category.PHISHING,
        categories={"phishing", "bank_impersonation"},
        state_changed_at=NOW,
        listed_at=NOW,
        expires_at=NOW + timedelta(days=90),
        first_report_at=NOW,
    )


async def test_migrations_are_applied_once_and_recorded(tmp_path):
    path = str(tmp_path / "m.sqlite3")
    for _ in range(2):  # opening twice applies nothing the second time
        s = await SqliteStore(path).open()
        await s.close()
    with sqlite3.connect(path) as conn:
        numbers = [r[0] for r in conn.execute("SELECT number FROM schema_migrations ORDER BY number")]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert numbers[0] == 1
    assert numbers == sorted(set(numbers))
    assert mode == "wal"


async def test_a_change_set_round_trips(store):
    op = await store.ensure_operator("Kaspi Bank")
    report = ReportRecord(
        "r1",
        KEY,
        op.id,
        "https://kaspi-bonus.kz/login",
        Category.PHISHING,
        NOW,
        comment="SMS",
        observed_at=NOW - timedelta(hours=1),
        url="https://kaspi-bonus.kz/login",
    )
    audit = AuditRecord(NOW, "operator:Kaspi Bank", "auto:block", KEY, "candidate", "listed", "scored 85")
    await store.apply(ChangeSet(indicators=[indicator()], reports=[report], audit=[audit]))
    (loaded,) = await store.load_indicators()
    assert loaded == indicator()
    assert await store.recent_reports(NOW - timedelta(minutes=1)) == [report]
    assert await store.recent_reports(NOW + timedelta(minutes=1)) == []
    assert [a.reason for a in await store.audit_for(KEY)] == ["scored 85"]


async def test_a_failing_change_set_writes_nothing_and_others_still_commit(store):
    op = await store.ensure_operator("Halyk")
    good = ChangeSet(reports=[ReportRecord("ok", KEY, op.id, "x", Category.PHISHING, NOW)])
    duplicate = ChangeSet(
        indicators=[indicator(IndicatorKey(IndicatorType.DOMAIN, "other.kz"))],
        reports=[ReportRecord("ok", KEY, op.id, "x", Category.PHISHING, NOW)],  # same primary key
    )
    results = await asyncio.gather(store.apply(good), store.apply(duplicate), return_exceptions=True)
    assert results[0] is None
    assert isinstance(results[1], sqlite3.IntegrityError)
    assert [r.key.value for r in await store.load_indicators()] == []  # the failed set left no indicator behind
    assert len(await store.recent_reports(NOW)) == 1


async def test_many_concurrent_writes_are_all_durable(store, tmp_path):
    op = await store.ensure_operator("Beeline")
    await asyncio.gather(
        *[
            store.apply(ChangeSet(reports=[ReportRecord(f"r{i}", KEY, op.id, "x", Category.PHISHING, NOW)]))
            for i in range(500)
        ]
    )
    with sqlite3.connect(tmp_path / "center.sqlite3") as conn:  # another connection sees them all
        assert conn.execute("SELECT COUNT(*) FROM reports").fetchone()[0] == 500


async def test_keys_are_found_listed_and_revoked(store):
    op = await store.ensure_operator("Kcell")
    assert (await store.ensure_operator("Kcell")).id == op.id
    record = ApiKeyRecord("abc123", "f" * 64, frozenset({"pull", "report"}), op)
    await store.add_key(record)
    assert await store.find_key("abc123") == record
    assert await store.find_key("nope") is None
    assert await store.revoke_key("abc123")
    assert not await store.revoke_key("abc123")
    revoked = await store.find_key("abc123")
    assert revoked is not None
    assert revoked.revoked


async def test_allowlist_idempotency_and_external_audit(store, tmp_path):
    allow = AllowRecord(IndicatorKey(IndicatorType.DOMAIN, "kaspi.kz"), "official", "analyst:a", NOW)
    await store.apply(
        ChangeSet(
            allow=[allow],
            audit=[AuditRecord(NOW, "a", "allow", allow.key, None, None, "x")],
            idempotency=[IdempotencyRecord(1, "k1", "h", 202, "{}", NOW)],
        )
    )
    assert await store.load_allowlist() == [allow]
    stored = await store.get_idempotency(1, "k1")
    assert stored is not None
    assert stored.status == 202
    # another process (another writer id) sees the audit entry; the writer itself skips its own
    other = await SqliteStore(str(tmp_path / "center.sqlite3"), writer_id="w2").open()
    try:
        cursor, records = await other.audit_since(0, exclude_writer="w2")
        assert [r.action for r in records] == ["allow"]
        assert (await store.audit_since(0, exclude_writer="w1"))[1] == []
        assert cursor == await other.last_audit_id()
    finally:
        await other.close()
    await store.remove_allow(allow.key)
    assert await store.load_allowlist() == []


async def test_publications_and_their_changes(store):
    assert await store.last_publication() is None
    assert await store.next_version() == 1
    entry = ListEntry("kaspi-bonus.kz", Category.PHISHING, 85, NOW, NOW + timedelta(days=90), None)
    await store.record_publication(
        PublicationRecord(1, NOW, 1, 0, "published"),
        {"domains": [ListChange("kaspi-bonus.kz", True, entry)], "phones": []},
    )
    await store.record_publication(
        PublicationRecord(2, NOW, 0, 0, "published"),
        {"domains": [ListChange("kaspi-bonus.kz", False, None)], "phones": []},
    )
    last = await store.last_publication()
    assert last is not None
    assert last.version == 2
    assert await store.next_version() == 3
    changes = await store.changes_since("domains", 0)
    assert [(v, c.added) for v, c in changes] == [(1, True), (2, False)]
    assert changes[0][1].entry == entry
    assert await store.changes_since("domains", 1) == [(2, ListChange("kaspi-bonus.kz", False, None))]


async def test_hits_replace_the_same_interval(store):
    op = await store.ensure_operator("Kazakhtelecom")
    start, end = NOW, NOW + timedelta(hours=1)
    first = HitBatch(op.id, "domains", start, end, 100, {"phishing": 100}, "[]", NOW)
    assert await store.put_hits(first) is None
    again = HitBatch(op.id, "domains", start, end, 120, {"phishing": 120}, "[]", NOW)
    replaced = await store.put_hits(again)
    assert replaced is not None
    assert replaced.total == 100
    await store.put_hits(HitBatch(op.id, "domains", end, end + timedelta(hours=1), 5, {"pyramid": 5}, "[]", NOW))
    assert await store.hit_totals() == [
        ("domains", "phishing", "Kazakhtelecom", 120),
        ("domains", "pyramid", "Kazakhtelecom", 5),
    ]
