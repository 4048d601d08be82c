"""The embedded store: antifraud.ports.Store on one SQLite file (see antifraud.storage.database for
the writer, the savepoints and why no transaction can outlive its task)."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import uuid
from collections import defaultdict
from collections.abc import AsyncIterator, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import aiosqlite

from antifraud.domain.errors import IdempotencyTaken, WriteConflict
from antifraud.domain.model import (
    LIST_OF_TYPE,
    Category,
    DecisionOrigin,
    IndicatorKey,
    IndicatorType,
    ListEntry,
    ListingState,
)
from antifraud.ports import (
    AllowRecord,
    ApiKeyRecord,
    AuditRecord,
    BulkListed,
    BulkListing,
    ChangeSet,
    FeedEntry,
    IdempotencyRecord,
    IndicatorRecord,
    LinkRecord,
    ListChange,
    ListingRow,
    Operator,
    Projection,
    ProjectionRow,
    PublicationRecord,
    RawChange,
    RawRow,
    ReportRecord,
    ReviewFilter,
)
from antifraud.storage.database import SqliteDatabase, dt, ts

CHUNK = 400  # keys per IN (...) query
# a stored UTC time (ISO 8601, +00:00) as the lists show it: whole seconds and `Z`; "" for none
_RFC3339 = "COALESCE(substr({column}, 1, 19) || 'Z', '')"
_ENTRY_LISTED = _RFC3339.format(column="json_extract(entry, '$.listed_at')")
_ENTRY_EXPIRES = _RFC3339.format(column="json_extract(entry, '$.expires_at')")
_COLUMNS = (
    "type, value, display, first_seen, state, score, verdict, signals, category, categories, state_changed_at, "
    "listed_at, expires_at, first_report_at, published_version, analyst_locked, disputed, evidence, row_version, "
    "reporters, origin"
)
_INSERT = f"INSERT INTO indicators ({_COLUMNS}) VALUES ({', '.join('?' * 21)}) ON CONFLICT (type, value) DO NOTHING"
_UPDATE = (
    "UPDATE indicators SET display = ?, first_seen = ?, state = ?, score = ?, verdict = ?, signals = ?, category = ?,"
    " categories = ?, state_changed_at = ?, listed_at = ?, expires_at = ?, first_report_at = ?,"
    " published_version = ?, analyst_locked = ?, disputed = ?, evidence = ?, row_version = row_version + 1,"
    " reporters = ?, origin = ? WHERE type = ? AND value = ? AND row_version = ?"
)
_STATES = {s.value: s for s in ListingState}
_CATEGORIES = {c.value: c for c in Category}
_ORIGINS = {o.value: o for o in DecisionOrigin}
_TYPES = {t.value: t for t in IndicatorType}
_LIST = {t.value: LIST_OF_TYPE[t].value for t in IndicatorType}


def _reporters_json(reporters: Sequence[tuple[int, datetime]]) -> str:
    if not reporters:
        return "[]"
    return json.dumps([[op, ts(at)] for op, at in reporters])


def _fields(r: IndicatorRecord) -> tuple[Any, ...]:
    """Every column but the key and the row version, in _UPDATE's order."""
    # enum members are str: SQLite binds them as text, without the cost of `.value` per column per row
    return (
        r.display,
        ts(r.first_seen),
        r.state,
        r.score,
        r.verdict,
        r.signals_json,
        r.category,
        ",".join(sorted(r.categories)) if len(r.categories) != 1 else next(iter(r.categories)),
        ts(r.state_changed_at),
        ts(r.listed_at),
        ts(r.expires_at),
        ts(r.first_report_at),
        r.published_version,
        int(r.analyst_locked),
        int(r.disputed),
        r.evidence_json,
        _reporters_json(r.reporters),
        r.origin,
    )


def _insert_row(r: IndicatorRecord) -> tuple[Any, ...]:
    f = _fields(r)
    return (r.key.type, r.key.value, *f[:16], 1, *f[16:])


def _record(row: Sequence[Any]) -> IndicatorRecord:
    return IndicatorRecord(
        key=IndicatorKey(_TYPES[row[0]], row[1]),
        display=row[2],
        first_seen=datetime.fromisoformat(row[3]),
        state=_STATES[row[4]],
        score=int(row[5]),
        verdict=row[6],
        signals_json=row[7],
        category=_CATEGORIES[row[8]] if row[8] else None,
        categories={c for c in row[9].split(",") if c},
        state_changed_at=dt(row[10]),
        listed_at=dt(row[11]),
        expires_at=dt(row[12]),
        first_report_at=dt(row[13]),
        published_version=row[14],
        analyst_locked=bool(row[15]),
        disputed=bool(row[16]),
        evidence_json=row[17],
        row_version=int(row[18]),
        reporters=tuple((int(op), datetime.fromisoformat(at)) for op, at in json.loads(row[19])),
        origin=_ORIGINS[row[20]] if row[20] else None,
    )


def _feed_data(record: IndicatorRecord) -> str:
    """The projection readers apply, at the row version this write gives the record."""
    return json.dumps({**Projection.of(record).to_json(), "row_version": record.row_version + 1})


def _entry_json(entry: ListEntry) -> str:
    return json.dumps(
        {
            "value": entry.value,
            "category": entry.category.value,
            "score": entry.score,
            "listed_at": ts(entry.listed_at),
            "expires_at": ts(entry.expires_at),
            "display": entry.display,
            "origin": entry.origin.value,
        }
    )


def _entry_from_json(text: str) -> ListEntry:
    d = json.loads(text)
    return ListEntry(
        value=d["value"],
        category=Category(d["category"]),
        score=int(d["score"]),
        listed_at=datetime.fromisoformat(d["listed_at"]),
        expires_at=dt(d["expires_at"]),
        display=d.get("display"),
        origin=DecisionOrigin(d.get("origin", "auto")),
    )


def _chunks(items: Sequence[Any], size: int = CHUNK) -> list[Sequence[Any]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _review_filters(filters: ReviewFilter) -> tuple[str, list[Any]]:
    """The review queue's filters as ` AND ...` conditions on `i` and their parameters."""
    where: list[str] = []
    params: list[Any] = []
    if filters.type is not None:
        where.append("i.type = ?")
        params.append(filters.type.value)
    if filters.category is not None:
        where.append("i.category = ?")
        params.append(filters.category.value)
    if filters.query:
        where.append("i.value >= ? AND i.value < ?")
        params += [filters.query, filters.query + "\U0010ffff"]
    if filters.brand:
        where.append("i.signals LIKE ? ESCAPE '\\'")
        escaped = filters.brand.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        params.append(f"%{escaped}%")
    if filters.source:
        where.append(
            "EXISTS (SELECT 1 FROM reports r JOIN operators o ON o.id = r.operator_id"
            " WHERE r.type = i.type AND r.value = i.value AND o.name = ?)"
        )
        params.append(filters.source)
    return "".join(f" AND {w}" for w in where), params


def _marks(n: int) -> str:
    return ", ".join("?" * n)


class SqliteStore:
    """Implements antifraud.ports.Store on a SqliteDatabase (which the job queue shares)."""

    def __init__(self, db: SqliteDatabase, writer_id: str | None = None) -> None:
        self.db = db
        self.writer_id = writer_id or uuid.uuid4().hex

    @classmethod
    async def open(cls, path: str, writer_id: str | None = None) -> SqliteStore:
        return cls(await SqliteDatabase(path).open(), writer_id)

    async def close(self) -> None:
        await self.db.close()

    async def healthy(self, timeout: float = 2.0) -> tuple[bool, str]:  # noqa: ASYNC109 - the probe write's deadline
        return await self.db.healthy(self.writer_id, timeout)

    # change sets ---------------------------------------------------------------------------------
    async def apply(self, changes: ChangeSet) -> None:
        writer = self.writer_id

        async def op(conn: aiosqlite.Connection) -> None:
            now = ts(datetime.now(UTC))
            await _write_indicators(conn, changes.indicators)
            feed: list[tuple[Any, ...]] = [
                (now, writer, "indicator", r.key.type.value, r.key.value, _feed_data(r)) for r in changes.indicators
            ]
            if changes.reports:
                await conn.executemany(
                    "INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            r.report_id,
                            r.key.type.value,
                            r.key.value,
                            r.operator_id,
                            r.original,
                            r.url,
                            r.category.value,
                            r.comment,
                            ts(r.observed_at),
                            ts(r.received_at),
                            r.source,
                        )
                        for r in changes.reports
                    ],
                )
            if changes.allow:
                await conn.executemany(
                    "INSERT OR REPLACE INTO allowlist VALUES (?, ?, ?, ?, ?)",
                    [(a.key.type.value, a.key.value, a.reason, a.added_by, ts(a.at)) for a in changes.allow],
                )
                feed += [
                    (now, writer, "allow", a.key.type.value, a.key.value, '{"allowed": true}') for a in changes.allow
                ]
            if changes.allow_removed:
                await conn.executemany(
                    "DELETE FROM allowlist WHERE type = ? AND value = ?",
                    [(k.type.value, k.value) for k in changes.allow_removed],
                )
                feed += [
                    (now, writer, "allow", k.type.value, k.value, '{"allowed": false}') for k in changes.allow_removed
                ]
            if changes.audit:
                await conn.executemany(
                    "INSERT INTO audit_log (at, writer, actor, action, type, value, from_state, to_state, reason,"
                    " details) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    [
                        (
                            ts(a.at),
                            writer,
                            a.actor,
                            a.action,
                            a.key.type.value if a.key else None,
                            a.key.value if a.key else None,
                            a.from_state,
                            a.to_state,
                            a.reason,
                            a.details_json,
                        )
                        for a in changes.audit
                    ],
                )
            if changes.links:
                await conn.executemany(
                    "INSERT INTO indicator_links VALUES (?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (from_type, from_value, to_type, to_value, relation)"
                    " DO UPDATE SET last_seen = excluded.last_seen",
                    [
                        (
                            link.source.type.value,
                            link.source.value,
                            link.target.type.value,
                            link.target.value,
                            link.relation,
                            ts(link.at),
                            ts(link.at),
                        )
                        for link in changes.links
                    ],
                )
            if changes.idempotency:
                try:
                    await conn.executemany(
                        "INSERT INTO idempotency VALUES (?, ?, ?, ?, ?, ?)",
                        [
                            (i.operator_id, i.key, i.request_hash, i.status, i.response_json, ts(i.at))
                            for i in changes.idempotency
                        ],
                    )
                except sqlite3.IntegrityError:
                    raise IdempotencyTaken("the Idempotency-Key was stored by another request", frozenset()) from None
            if changes.disputes:
                await conn.executemany(
                    "INSERT INTO disputes (dispute_id, type, value, operator_id, reason, contact, created_at)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [
                        (d.dispute_id, d.key.type.value, d.key.value, d.operator_id, d.reason, d.contact, ts(d.at))
                        for d in changes.disputes
                    ],
                )
            if changes.disputes_closed:
                await conn.executemany(
                    "UPDATE disputes SET closed_at = ? WHERE type = ? AND value = ? AND closed_at IS NULL",
                    [(now, k.type.value, k.value) for k in changes.disputes_closed],
                )
            counters: dict[tuple[str, str], float] = defaultdict(float)
            for c in changes.counters:
                counters[(c.name, json.dumps(list(c.labels)))] += c.amount
            for batch in changes.hits:
                await _replace_hits(conn, batch, counters)
            if counters:
                await conn.executemany(
                    "INSERT INTO counters (name, labels, value) VALUES (?, ?, ?)"
                    " ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
                    [(name, labels, amount) for (name, labels), amount in counters.items() if amount],
                )
                feed.append((now, writer, "counters", None, None, "{}"))
            if feed:
                await conn.executemany(
                    "INSERT INTO changes (at, writer, topic, type, value, data) VALUES (?, ?, ?, ?, ?, ?)", feed
                )

        await self.db.write(op)

    # indicators ----------------------------------------------------------------------------------
    async def get_indicators(self, keys: Sequence[IndicatorKey]) -> dict[IndicatorKey, IndicatorRecord]:
        found: dict[IndicatorKey, IndicatorRecord] = {}
        by_type: dict[IndicatorType, list[str]] = defaultdict(list)
        for key in dict.fromkeys(keys):
            by_type[key.type].append(key.value)
        for kind, values in by_type.items():
            for chunk in _chunks(values):
                rows = await self.db.fetchall(
                    f"SELECT {_COLUMNS} FROM indicators WHERE type = ? AND value IN ({_marks(len(chunk))})",
                    (kind.value, *chunk),
                )
                for row in rows:
                    record = _record(row)
                    found[record.key] = record
        return found

    async def list_many(self, listing: BulkListing) -> list[BulkListed]:
        """Set-based: the values go into a temporary table, and each step is one statement over it."""
        writer = self.writer_id
        kind = listing.type.value
        at = ts(listing.at)
        params = {
            "type": kind,
            "at": at,
            "exp": ts(listing.expires_at),
            "cat": listing.category.value,
            "actor": listing.actor,
            "reason": listing.reason,
            "writer": writer,
            "details": json.dumps({"score": None, "category": listing.category.value}),
        }

        async def op(conn: aiosqlite.Connection) -> list[BulkListed]:
            await conn.execute(
                "CREATE TEMP TABLE IF NOT EXISTS bulk_listing (value TEXT PRIMARY KEY, display TEXT NOT NULL)"
            )
            await conn.execute("DELETE FROM bulk_listing")
            await conn.executemany("INSERT OR IGNORE INTO bulk_listing VALUES (?, ?)", listing.entries)
            await conn.execute(
                "DELETE FROM bulk_listing WHERE value IN (SELECT value FROM allowlist WHERE type = :type)", params
            )
            async with conn.execute(
                "SELECT b.value, i.state FROM bulk_listing b"
                " LEFT JOIN indicators i ON i.type = :type AND i.value = b.value",
                params,
            ) as cur:
                before = {r[0]: r[1] for r in await cur.fetchall()}
            await conn.execute(
                "INSERT INTO audit_log (at, writer, actor, action, type, value, from_state, to_state, reason, details)"
                " SELECT :at, :writer, :actor, 'analyst:block', :type, b.value, COALESCE(i.state, 'candidate'),"
                " 'listed', :reason, :details FROM bulk_listing b"
                " LEFT JOIN indicators i ON i.type = :type AND i.value = b.value",
                params,
            )
            await conn.execute(
                "UPDATE indicators SET state = 'listed', state_changed_at = :at, category = :cat,"
                " listed_at = CASE WHEN state = 'listed' THEN listed_at ELSE :at END,"
                " first_report_at = CASE WHEN state = 'listed' THEN first_report_at ELSE :at END,"
                " expires_at = :exp, origin = 'analyst', analyst_locked = 0, disputed = 0,"
                " row_version = row_version + 1"
                " WHERE type = :type AND value IN (SELECT value FROM bulk_listing)",
                params,
            )
            await conn.execute(
                f"INSERT INTO indicators ({_COLUMNS}) SELECT :type, b.value, b.display, :at, 'listed', 0, 'none',"
                " '[]', :cat, :cat, :at, :at, :exp, :at, NULL, 0, 0, '{}', 1, '[]', 'analyst' FROM bulk_listing b"
                " WHERE NOT EXISTS (SELECT 1 FROM indicators i WHERE i.type = :type AND i.value = b.value)",
                params,
            )
            await conn.execute(
                "UPDATE disputes SET closed_at = :at WHERE type = :type AND closed_at IS NULL"
                " AND value IN (SELECT value FROM bulk_listing)",
                params,
            )
            await conn.execute(
                "INSERT INTO changes (at, writer, topic, type, value, data)"
                " SELECT :at, :writer, 'indicator', :type, i.value, json_object('state', 'listed', 'category', :cat,"
                " 'score', i.score, 'disputed', json('false'), 'origin', 'analyst', 'row_version', i.row_version)"
                " FROM bulk_listing b JOIN indicators i ON i.type = :type AND i.value = b.value",
                params,
            )
            async with conn.execute(
                "SELECT i.value, i.row_version, i.score FROM bulk_listing b"
                " JOIN indicators i ON i.type = :type AND i.value = b.value",
                params,
            ) as cur:
                after = list(await cur.fetchall())
            newly = sum(1 for state in before.values() if state != "listed")
            counters = [
                ("decisions_total", json.dumps([kind, "block", "analyst"]), len(after)),
                ("listing_changes_total", json.dumps([_LIST[kind]]), newly),
            ]
            await conn.executemany(
                "INSERT INTO counters (name, labels, value) VALUES (?, ?, ?)"
                " ON CONFLICT (name, labels) DO UPDATE SET value = value + excluded.value",
                [c for c in counters if c[2]],
            )
            await conn.execute(
                "INSERT INTO changes (at, writer, topic, data) VALUES (?, ?, 'counters', '{}')", (at, writer)
            )
            await conn.execute("DELETE FROM bulk_listing")
            return [
                BulkListed(r[0], _STATES[before[r[0]]] if before.get(r[0]) else None, int(r[1]), int(r[2]))
                for r in after
            ]

        return await self.db.write(op)

    async def projections(self) -> AsyncIterator[list[ProjectionRow]]:
        async with self.db.bulk_reader.execute(
            "SELECT type, value, state, COALESCE(category, ''), score, disputed, COALESCE(origin, '') FROM indicators"
            " WHERE state IN ('listed', 'review') OR disputed = 1"
        ) as cur:
            while rows := await cur.fetchmany(50_000):
                yield rows  # type: ignore[misc]  # plain tuples of the selected columns

    async def allowlist(self) -> list[AllowRecord]:
        rows = await self.db.fetchall("SELECT type, value, reason, added_by, created_at FROM allowlist")
        return [AllowRecord(IndicatorKey(_TYPES[r[0]], r[1]), r[2], r[3], datetime.fromisoformat(r[4])) for r in rows]

    async def review_page(self, filters: ReviewFilter, limit: int, offset: int) -> tuple[int, list[IndicatorRecord]]:
        """Two parts, each read along an index in its own order: the disputed (few) first, then the rest
        of the queue along indicators_review (state, disputed, score DESC, first_seen). A page walks the
        index to its offset and reads `limit` rows, whatever the queue's size; one ORDER BY over
        `state = 'review' OR disputed = 1` sorted every waiting row for every page (0.35 s at 100,000)."""
        extra, params = _review_filters(filters)
        disputed = f"i.disputed = 1{extra}"  # along the partial index indicators_disputed
        disputed_params = params
        waiting = f"i.state = 'review' AND i.disputed = 0{extra}"
        columns = ", ".join("i." + c for c in _COLUMNS.split(", "))
        counts = []
        for clause, args, index in ((disputed, disputed_params, "indicators_disputed"), (waiting, params, None)):
            hint = f" INDEXED BY {index}" if index else ""  # not the (type, value) index across every indicator
            row = await self.db.fetchone(f"SELECT COUNT(*) FROM indicators i{hint} WHERE {clause}", args)
            counts.append(int(row[0]) if row else 0)
        records: list[IndicatorRecord] = []
        # INDEXED BY: with a type or category filter the planner would rather count along
        # indicators_queue_filters and then sort every match; the page's order is the index's
        parts = (
            (disputed, disputed_params, offset, "indicators_disputed"),
            (waiting, params, max(0, offset - counts[0]), "indicators_review"),
        )
        for clause, args, skip, index in parts:
            if len(records) >= limit or (clause is disputed and offset >= counts[0]):
                continue
            rows = await self.db.fetchall(
                f"SELECT {columns} FROM indicators i INDEXED BY {index} WHERE {clause}"
                " ORDER BY i.score DESC, i.first_seen LIMIT ? OFFSET ?",
                [*args, limit - len(records), skip],
            )
            records += [_record(r) for r in rows]
        return sum(counts), records

    async def due_for_expiry(self, now: datetime, limit: int) -> list[IndicatorKey]:
        rows = await self.db.fetchall(
            "SELECT type, value FROM indicators WHERE state = 'listed' AND expires_at <= ? LIMIT ?", (ts(now), limit)
        )
        return [IndicatorKey(_TYPES[r[0]], r[1]) for r in rows]

    async def listed_values(self, kind: IndicatorType, after: str, limit: int) -> list[str]:
        rows = await self.db.fetchall(
            "SELECT value FROM indicators WHERE type = ? AND state = 'listed' AND value > ? ORDER BY value LIMIT ?",
            (kind.value, after, limit),
        )
        return [r[0] for r in rows]

    async def listings(self, keys: Sequence[IndicatorKey]) -> dict[IndicatorKey, ListingRow]:
        found: dict[IndicatorKey, ListingRow] = {}
        by_type: dict[IndicatorType, list[str]] = defaultdict(list)
        for key in dict.fromkeys(keys):
            by_type[key.type].append(key.value)
        for kind, values in by_type.items():
            for chunk in _chunks(values):
                rows = await self.db.fetchall(
                    "SELECT i.value, i.state, i.category, i.score, i.listed_at, i.first_seen, i.expires_at, i.display,"
                    " i.origin, a.value IS NOT NULL FROM indicators i LEFT JOIN allowlist a"
                    " ON a.type = i.type AND a.value = i.value"
                    f" WHERE i.type = ? AND i.value IN ({_marks(len(chunk))})",
                    (kind.value, *chunk),
                )
                for r in rows:
                    key = IndicatorKey(kind, r[0])
                    entry = ListEntry(
                        value=r[0],
                        category=_CATEGORIES[r[2]] if r[2] else Category.OTHER,
                        score=int(r[3]),
                        listed_at=datetime.fromisoformat(r[4] or r[5]),
                        expires_at=dt(r[6]),
                        display=r[7] if r[7] != r[0] else None,
                        origin=_ORIGINS[r[8]] if r[8] else DecisionOrigin.AUTO,
                    )
                    found[key] = ListingRow(key, _STATES[r[1]], entry, bool(r[9]))
        return found

    @staticmethod
    def _audit(r: Sequence[Any]) -> AuditRecord:
        key = IndicatorKey(_TYPES[r[3]], r[4]) if r[3] else None
        return AuditRecord(datetime.fromisoformat(r[0]), r[1], r[2], key, r[5], r[6], r[7], r[8])

    async def audit_for(self, key: IndicatorKey, limit: int = 100) -> list[AuditRecord]:
        rows = await self.db.fetchall(
            "SELECT at, actor, action, type, value, from_state, to_state, reason, details FROM audit_log"
            " WHERE type = ? AND value = ? ORDER BY id DESC LIMIT ?",
            (key.type.value, key.value, limit),
        )
        return [self._audit(r) for r in rows]

    async def links_of(self, key: IndicatorKey) -> list[LinkRecord]:
        """Links from or to an indicator, newest first."""
        rows = await self.db.fetchall(
            "SELECT from_type, from_value, to_type, to_value, relation, last_seen FROM indicator_links"
            " WHERE (from_type = ? AND from_value = ?) OR (to_type = ? AND to_value = ?) ORDER BY last_seen DESC",
            (key.type.value, key.value, key.type.value, key.value),
        )
        return [
            LinkRecord(
                IndicatorKey(_TYPES[r[0]], r[1]),
                IndicatorKey(_TYPES[r[2]], r[3]),
                r[4],
                datetime.fromisoformat(r[5]),
            )
            for r in rows
        ]

    async def reports_for(self, key: IndicatorKey, limit: int = 50) -> list[ReportRecord]:
        rows = await self.db.fetchall(
            "SELECT report_id, operator_id, original, url, category, comment, observed_at, received_at, source"
            " FROM reports WHERE type = ? AND value = ? ORDER BY received_at DESC LIMIT ?",
            (key.type.value, key.value, limit),
        )
        return [
            ReportRecord(
                report_id=r[0],
                key=key,
                operator_id=int(r[1]),
                original=r[2],
                url=r[3],
                category=_CATEGORIES[r[4]],
                comment=r[5],
                observed_at=dt(r[6]),
                received_at=datetime.fromisoformat(r[7]),
                source=r[8],
            )
            for r in rows
        ]

    async def get_idempotency(self, operator_id: int, key: str) -> IdempotencyRecord | None:
        row = await self.db.fetchone(
            "SELECT request_hash, status, response, created_at FROM idempotency WHERE operator_id = ? AND key = ?",
            (operator_id, key),
        )
        if row is None:
            return None
        return IdempotencyRecord(operator_id, key, row[0], int(row[1]), row[2], datetime.fromisoformat(row[3]))

    # operators and keys --------------------------------------------------------------------------
    async def ensure_operator(self, name: str) -> Operator:
        row = await self.db.fetchone("SELECT id FROM operators WHERE name = ?", (name,))
        if row is not None:
            return Operator(int(row[0]), name)

        async def op(conn: aiosqlite.Connection) -> Operator:
            await conn.execute(
                "INSERT INTO operators (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, ts(datetime.now(UTC))),
            )
            async with conn.execute("SELECT id FROM operators WHERE name = ?", (name,)) as cur:
                found = await cur.fetchone()
            assert found is not None  # noqa: S101 - inserted above
            return Operator(int(found[0]), name)

        return await self.db.write(op)

    async def add_key(self, record: ApiKeyRecord) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO api_keys VALUES (?, ?, ?, ?, ?, NULL)",
                (
                    record.key_id,
                    record.secret_hash,
                    ",".join(sorted(record.scopes)),
                    record.operator.id,
                    ts(datetime.now(UTC)),
                ),
            )

        await self.db.write(op)

    async def _keys(self, where: str, params: tuple[Any, ...]) -> list[ApiKeyRecord]:
        rows = await self.db.fetchall(
            "SELECT k.key_id, k.secret_hash, k.scopes, o.id, o.name, k.revoked_at FROM api_keys k"
            f" JOIN operators o ON o.id = k.operator_id {where}",
            params,
        )
        return [
            ApiKeyRecord(
                r[0], r[1], frozenset(s for s in r[2].split(",") if s), Operator(int(r[3]), r[4]), r[5] is not None
            )
            for r in rows
        ]

    async def find_key(self, key_id: str) -> ApiKeyRecord | None:
        found = await self._keys("WHERE k.key_id = ?", (key_id,))
        return found[0] if found else None

    async def list_keys(self) -> list[ApiKeyRecord]:
        return await self._keys("ORDER BY o.name", ())

    async def revoke_key(self, key_id: str) -> bool:
        writer = self.writer_id

        async def op(conn: aiosqlite.Connection) -> bool:
            now = ts(datetime.now(UTC))
            cur = await conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL", (now, key_id)
            )
            if cur.rowcount == 0:
                return False
            await conn.execute(
                "INSERT INTO changes (at, writer, topic, data) VALUES (?, ?, 'key', ?)",
                (now, writer, json.dumps({"key_id": key_id, "revoked": True})),
            )
            return True

        return await self.db.write(op)

    # the change feed -----------------------------------------------------------------------------
    async def changes_since(self, seq: int, limit: int = 1000) -> list[FeedEntry]:
        rows = await self.db.fetchall(
            "SELECT seq, writer, topic, type, value, data FROM changes WHERE seq > ? ORDER BY seq LIMIT ?", (seq, limit)
        )
        return [
            FeedEntry(int(r[0]), r[1], r[2], IndicatorKey(_TYPES[r[3]], r[4]) if r[3] else None, json.loads(r[5]))
            for r in rows
        ]

    async def last_seq(self) -> int:
        row = await self.db.fetchone("SELECT COALESCE(MAX(seq), 0) FROM changes")
        return int(row[0]) if row else 0

    async def counters(self) -> list[tuple[str, tuple[str, ...], float]]:
        rows = await self.db.fetchall("SELECT name, labels, value FROM counters ORDER BY name, labels")
        return [(r[0], tuple(json.loads(r[1])), float(r[2])) for r in rows]

    # publication ---------------------------------------------------------------------------------
    @staticmethod
    def _publication(r: Sequence[Any]) -> PublicationRecord:
        return PublicationRecord(
            int(r[0]),
            datetime.fromisoformat(r[1]),
            {"domains": int(r[2]), "phones": int(r[3]), "wallets": int(r[7])},
            r[4],
            r[5],
            int(r[6]),
            bool(r[8]),
        )

    _PUBLICATION_COLUMNS = "version, created_at, domains, phones, status, reason, feed_seq, wallets, approved"

    async def last_publication(self) -> PublicationRecord | None:
        row = await self.db.fetchone(
            f"SELECT {self._PUBLICATION_COLUMNS} FROM publications WHERE status = 'published'"
            " ORDER BY version DESC LIMIT 1"
        )
        return None if row is None else self._publication(row)

    async def publications_after(self, version: int) -> list[PublicationRecord]:
        rows = await self.db.fetchall(
            f"SELECT {self._PUBLICATION_COLUMNS} FROM publications WHERE status = 'published' AND version > ?"
            " ORDER BY version",
            (version,),
        )
        return [self._publication(r) for r in rows]

    async def record_publication(self, record: PublicationRecord, changes: Mapping[str, Sequence[ListChange]]) -> None:
        writer = self.writer_id
        # the rows are built here, a slice at a time, not inside the transaction: a version of a million
        # changes must not hold the event loop for seconds in one stretch
        change_rows: list[tuple[Any, ...]] = []
        upserts: list[tuple[Any, ...]] = []
        removals: list[tuple[str, str]] = []
        for kind, items in changes.items():
            for start in range(0, len(items), 5000):
                for c in items[start : start + 5000]:
                    entry = c.entry
                    change_rows.append(
                        (record.version, kind, c.value, int(c.added), _entry_json(entry) if entry else None, c.action)
                    )
                    if entry is None:
                        removals.append((kind, c.value))
                    else:
                        upserts.append(
                            (
                                kind,
                                entry.value,
                                entry.category.value,
                                entry.score,
                                ts(entry.listed_at),
                                ts(entry.expires_at),
                                entry.display,
                                entry.origin.value,
                            )
                        )
                await asyncio.sleep(0)

        async def op(conn: aiosqlite.Connection) -> None:
            async with conn.execute("SELECT COALESCE(MAX(version), 0) FROM publications") as cur:
                row = await cur.fetchone()
            newest = int(row[0]) if row else 0
            if record.version <= newest:
                raise WriteConflict(
                    f"version {record.version} is not newer than the published {newest}: another publisher ran",
                    frozenset(),
                )
            counts = record.counts
            await conn.execute(
                f"INSERT INTO publications ({self._PUBLICATION_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    record.version,
                    ts(record.created_at),
                    counts.get("domains", 0),
                    counts.get("phones", 0),
                    record.status,
                    record.reason,
                    record.feed_seq,
                    counts.get("wallets", 0),
                    int(record.approved),
                ),
            )
            if change_rows:
                await conn.executemany(
                    "INSERT INTO publication_changes (version, list, value, added, entry, action)"
                    " VALUES (?, ?, ?, ?, ?, ?)",
                    change_rows,
                )
            if upserts:
                await conn.executemany(
                    "INSERT OR REPLACE INTO published_entries VALUES (?, ?, ?, ?, ?, ?, ?, ?)", upserts
                )
            if removals:
                await conn.executemany("DELETE FROM published_entries WHERE list = ? AND value = ?", removals)
            await conn.execute(
                "INSERT INTO changes (at, writer, topic, data) VALUES (?, ?, 'publication', ?)",
                (ts(datetime.now(UTC)), writer, json.dumps({"version": record.version})),
            )

        await self.db.write(op)

    async def record_hold(self, reason: str, at: datetime) -> None:
        writer = self.writer_id

        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO changes (at, writer, topic, data) VALUES (?, ?, 'hold', ?)",
                (ts(at), writer, json.dumps({"reason": reason})),
            )

        await self.db.write(op)

    async def publication_changes(self, list_name: str, since: int, until: int) -> list[tuple[int, ListChange]]:
        rows = await self.db.fetchall(
            "SELECT version, value, action, entry FROM publication_changes WHERE list = ? AND version > ?"
            " AND version <= ? ORDER BY version",
            (list_name, since, until),
        )
        return [(int(r[0]), ListChange(r[1], r[2], _entry_from_json(r[3]) if r[3] else None)) for r in rows]

    async def publication_actions(self, list_name: str, since: int, until: int) -> list[tuple[str, str]]:
        rows = await self.db.fetchall(
            "SELECT value, action FROM publication_changes WHERE list = ? AND version > ? AND version <= ?"
            " ORDER BY version",
            (list_name, since, until),
        )
        return [(r[0], r[1]) for r in rows]

    async def published(self, list_name: str, values: Sequence[str]) -> dict[str, ListEntry]:
        found: dict[str, ListEntry] = {}
        for chunk in _chunks(list(values)):
            rows = await self.db.fetchall(
                "SELECT value, category, score, listed_at, expires_at, display, origin FROM published_entries"
                f" WHERE list = ? AND value IN ({_marks(len(chunk))})",
                (list_name, *chunk),
            )
            for r in rows:
                found[r[0]] = _published_entry(r)
        return found

    async def publication_raw(self, list_name: str, version: int) -> list[RawChange]:
        rows = await self.db.fetchall(
            "SELECT action, value, COALESCE(json_extract(entry, '$.category'), ''),"
            " COALESCE(CAST(json_extract(entry, '$.score') AS TEXT), ''),"
            f" {_ENTRY_LISTED}, {_ENTRY_EXPIRES},"
            " COALESCE(json_extract(entry, '$.display'), ''), COALESCE(json_extract(entry, '$.origin'), 'auto')"
            " FROM publication_changes WHERE list = ? AND version = ?",
            (list_name, version),
        )
        return [(r[0], (r[1], r[2], r[3], r[4], r[5], r[6], r[7])) for r in rows]

    async def published_raw(self, list_name: str) -> AsyncIterator[list[RawRow]]:
        async with self.db.bulk_reader.execute(
            "SELECT value, category, CAST(score AS TEXT),"
            f" {_RFC3339.format(column='listed_at')}, {_RFC3339.format(column='expires_at')},"
            " COALESCE(display, ''), origin FROM published_entries WHERE list = ? ORDER BY value",
            (list_name,),
        ) as cur:
            while rows := await cur.fetchmany(50_000):
                yield rows  # type: ignore[misc]  # plain tuples of the selected columns

    async def published_entries(self, list_name: str) -> AsyncIterator[list[ListEntry]]:
        async with self.db.reader.execute(
            "SELECT value, category, score, listed_at, expires_at, display, origin FROM published_entries"
            " WHERE list = ? ORDER BY value",
            (list_name,),
        ) as cur:
            while rows := await cur.fetchmany(20_000):
                yield [_published_entry(r) for r in rows]

    async def mass_change_baseline(self, since: datetime) -> int:
        row = await self.db.fetchone(
            "SELECT MAX(v) FROM ("
            " SELECT MAX(version) AS v FROM publications WHERE status = 'published' AND approved = 1"
            " UNION ALL"
            " SELECT MAX(version) AS v FROM publications WHERE status = 'published' AND created_at <= ?)",
            (ts(since),),
        )
        return int(row[0]) if row and row[0] is not None else 0

    # leases and retention ------------------------------------------------------------------------
    async def acquire_lease(self, name: str, holder: str, seconds: float) -> bool:
        async def op(conn: aiosqlite.Connection) -> bool:
            now = datetime.now(UTC)
            cur = await conn.execute(
                "INSERT INTO leases (name, holder, expires_at) VALUES (?, ?, ?) ON CONFLICT (name) DO UPDATE"
                " SET holder = excluded.holder, expires_at = excluded.expires_at"
                " WHERE leases.holder = excluded.holder OR leases.expires_at < ?",
                (name, holder, ts(now + timedelta(seconds=seconds)), ts(now)),
            )
            return cur.rowcount > 0

        return await self.db.write(op)

    async def release_lease(self, name: str, holder: str) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute("DELETE FROM leases WHERE name = ? AND holder = ?", (name, holder))

        await self.db.write(op)

    async def prune(self, before: datetime) -> int:
        async def op(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute(
                "DELETE FROM changes WHERE at < ? AND seq < (SELECT COALESCE(MAX(feed_seq), 0) FROM publications)",
                (ts(before),),
            )
            removed = cur.rowcount
            await conn.execute("DELETE FROM idempotency WHERE created_at < ?", (ts(before),))
            return removed

        return await self.db.write(op)


def _published_entry(r: Sequence[Any]) -> ListEntry:
    return ListEntry(
        value=r[0],
        category=_CATEGORIES[r[1]],
        score=int(r[2]),
        listed_at=datetime.fromisoformat(r[3]),
        expires_at=dt(r[4]),
        display=r[5],
        origin=_ORIGINS[r[6]],
    )


async def _write_indicators(conn: aiosqlite.Connection, records: Sequence[IndicatorRecord]) -> None:
    """Insert the new and update the known, each only at the row version it was read at."""
    new = [r for r in records if r.row_version == 0]
    known = [r for r in records if r.row_version > 0]
    conflicts: list[IndicatorKey] = []
    if new:
        cur = await conn.executemany(_INSERT, [_insert_row(r) for r in new])
        if cur.rowcount != len(new):
            conflicts += await _which(conn, new)
    if known:
        cur = await conn.executemany(
            _UPDATE, [(*_fields(r), r.key.type.value, r.key.value, r.row_version) for r in known]
        )
        if cur.rowcount != len(known):
            conflicts += await _which(conn, known)
    if conflicts:
        shown = ", ".join(str(k) for k in conflicts[:5])
        raise WriteConflict(f"changed by another writer since it was read: {shown}", frozenset(conflicts))


async def _which(conn: aiosqlite.Connection, records: Sequence[IndicatorRecord]) -> list[IndicatorKey]:
    """The records whose row version in the store is not the one they expected after this write."""
    moved = []
    for r in records:
        async with conn.execute(
            "SELECT row_version FROM indicators WHERE type = ? AND value = ?", (r.key.type.value, r.key.value)
        ) as cur:
            row = await cur.fetchone()
        # after this statement a record we wrote has version expected + 1 (new: 1)
        if row is None or int(row[0]) != r.row_version + 1:
            moved.append(r.key)
    return moved or [r.key for r in records]


async def _replace_hits(conn: aiosqlite.Connection, batch: Any, counters: dict[tuple[str, str], float]) -> None:
    """Store a hit batch in place of the same operator + list + interval; the counters move by the difference."""
    key = (batch.operator_id, batch.list, ts(batch.interval_start), ts(batch.interval_end))
    async with conn.execute(
        "SELECT per_category FROM hits WHERE operator_id = ? AND list = ? AND interval_start = ? AND interval_end = ?",
        key,
    ) as cur:
        row = await cur.fetchone()
    old: dict[str, int] = json.loads(row[0]) if row else {}
    await conn.execute(
        "INSERT OR REPLACE INTO hits VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        (*key, batch.total, json.dumps(batch.per_category), batch.entries_json, ts(batch.received_at)),
    )
    for category in set(old) | set(batch.per_category):
        delta = batch.per_category.get(category, 0) - old.get(category, 0)
        counters[("blocked_hits", json.dumps([batch.list, category]))] += delta
    delta_total = sum(batch.per_category.values()) - sum(old.values())
    counters[("operator_blocked_hits", json.dumps([batch.list, batch.operator_name]))] += delta_total
