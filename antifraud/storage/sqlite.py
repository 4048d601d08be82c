"""The embedded store: SQLite through aiosqlite, WAL mode, one writer task with batched commits.

Every write is a coroutine function run by the writer inside a transaction shared with whatever
else is queued at that moment, so many concurrent small requests cost one commit (group commit).
Reads use a second connection, so they never see a transaction in progress.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from antifraud.domain.model import Category, IndicatorKey, IndicatorType, ListEntry, ListingState
from antifraud.ports import (
    AllowRecord,
    ApiKeyRecord,
    AuditRecord,
    ChangeSet,
    DisputeRecord,
    HitBatch,
    IdempotencyRecord,
    IndicatorRecord,
    LinkRecord,
    ListChange,
    Operator,
    PublicationRecord,
    ReportRecord,
)
from antifraud.storage.migrations import bundled_migrations

log = logging.getLogger(__name__)

WriteOp = Callable[[aiosqlite.Connection], Awaitable[Any]]
MAX_BATCH = 256


def ts(value: datetime | None) -> str | None:
    return None if value is None else value.astimezone(UTC).isoformat(timespec="microseconds")


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _dt(value: str) -> datetime:
    return datetime.fromisoformat(value)


def entry_to_json(entry: ListEntry) -> str:
    return json.dumps(
        {
            "value": entry.value,
            "category": entry.category.value,
            "score": entry.score,
            "listed_at": ts(entry.listed_at),
            "expires_at": ts(entry.expires_at),
            "display": entry.display,
        }
    )


def entry_from_json(text: str) -> ListEntry:
    d = json.loads(text)
    return ListEntry(
        value=d["value"],
        category=Category(d["category"]),
        score=int(d["score"]),
        listed_at=_dt(d["listed_at"]),
        expires_at=dt(d["expires_at"]),
        display=d.get("display"),
    )


_INDICATOR_UPSERT = """
INSERT INTO indicators (type, value, display, first_seen, state, score, verdict, signals, category, categories,
                        state_changed_at, listed_at, expires_at, first_report_at, published_version, analyst_locked,
                        disputed, evidence)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
ON CONFLICT (type, value) DO UPDATE SET
    display = excluded.display, state = excluded.state, score = excluded.score, verdict = excluded.verdict,
    signals = excluded.signals, category = excluded.category, categories = excluded.categories,
    state_changed_at = excluded.state_changed_at, listed_at = excluded.listed_at, expires_at = excluded.expires_at,
    first_report_at = excluded.first_report_at, published_version = excluded.published_version,
    analyst_locked = excluded.analyst_locked, disputed = excluded.disputed, evidence = excluded.evidence
"""
_AUDIT_INSERT = (
    "INSERT INTO audit_log (at, writer, actor, action, type, value, from_state, to_state, reason, details)"
    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
)
_INDICATOR_COLUMNS = (
    "type, value, display, first_seen, state, score, verdict, signals, category, categories, state_changed_at, "
    "listed_at, expires_at, first_report_at, published_version, analyst_locked, disputed, evidence"
)


def _indicator_row(r: IndicatorRecord) -> tuple[Any, ...]:
    return (
        r.key.type.value,
        r.key.value,
        r.display,
        ts(r.first_seen),
        r.state.value,
        r.score,
        r.verdict,
        r.signals_json,
        r.category.value if r.category else None,
        ",".join(sorted(r.categories)),
        ts(r.state_changed_at),
        ts(r.listed_at),
        ts(r.expires_at),
        ts(r.first_report_at),
        r.published_version,
        int(r.analyst_locked),
        int(r.disputed),
        r.evidence_json,
    )


def _indicator_from_row(row: Sequence[Any]) -> IndicatorRecord:
    return IndicatorRecord(
        key=IndicatorKey(IndicatorType(row[0]), row[1]),
        display=row[2],
        first_seen=_dt(row[3]),
        state=ListingState(row[4]),
        score=int(row[5]),
        verdict=row[6],
        signals_json=row[7],
        category=Category(row[8]) if row[8] else None,
        categories={c for c in row[9].split(",") if c},
        state_changed_at=dt(row[10]),
        listed_at=dt(row[11]),
        expires_at=dt(row[12]),
        first_report_at=dt(row[13]),
        published_version=row[14],
        analyst_locked=bool(row[15]),
        disputed=bool(row[16]),
        evidence_json=row[17],
    )


class SqliteStore:
    """Implements antifraud.ports.Store on one SQLite file."""

    def __init__(self, path: str, writer_id: str | None = None) -> None:
        self.path = path
        self.writer_id = writer_id or uuid.uuid4().hex
        self._write_conn: aiosqlite.Connection | None = None
        self._read_conn: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[tuple[WriteOp, asyncio.Future[Any]]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None

    # lifecycle -----------------------------------------------------------------------------------
    async def open(self) -> SqliteStore:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        self._write_conn = await self._connect()
        await self._migrate(self._write_conn)
        self._read_conn = self._write_conn if self.path == ":memory:" else await self._connect()
        self._writer = asyncio.create_task(self._write_loop(), name="sqlite-writer")
        return self

    async def _connect(self) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes; WAL fsyncs on checkpoint
        await conn.execute("PRAGMA busy_timeout=10000")
        await conn.execute("PRAGMA foreign_keys=ON")
        return conn

    async def _migrate(self, conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations (number INTEGER PRIMARY KEY, name TEXT, at TEXT)"
        )
        await conn.execute("BEGIN IMMEDIATE")
        try:
            async with conn.execute("SELECT number FROM schema_migrations") as cur:
                done = {int(r[0]) for r in await cur.fetchall()}
            for migration in bundled_migrations():
                if migration.number in done:
                    continue
                log.info("applying migration %s", migration.name)
                for statement in migration.sql.split(";\n"):
                    if statement.strip():
                        await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_migrations VALUES (?, ?, ?)",
                    (migration.number, migration.name, ts(datetime.now(UTC))),
                )
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise

    async def close(self) -> None:
        if self._writer is not None:
            self._writer.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._writer
            self._writer = None
        if self._read_conn is not None and self._read_conn is not self._write_conn:
            await self._read_conn.close()
        if self._write_conn is not None:
            await self._write_conn.close()
        self._read_conn = self._write_conn = None

    @property
    def _r(self) -> aiosqlite.Connection:
        if self._read_conn is None:
            raise RuntimeError("the store is not open")
        return self._read_conn

    # the writer ----------------------------------------------------------------------------------
    async def _write(self, op: WriteOp) -> Any:
        if self._writer is None:
            raise RuntimeError("the store is not open")
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        await self._queue.put((op, future))
        return await future

    async def _write_loop(self) -> None:
        conn = self._write_conn
        assert conn is not None  # noqa: S101 - set by open() before the task starts
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                results = await self._run_batch(conn, batch)
            except asyncio.CancelledError:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(RuntimeError("the store closed before the write committed"))
                raise
            except Exception:  # noqa: BLE001 - isolate the failing write: run each alone
                for op, fut in batch:
                    try:
                        (result,) = await self._run_batch(conn, [(op, fut)])
                    except Exception as exc:  # noqa: BLE001 - handed to the caller
                        if not fut.done():
                            fut.set_exception(exc)
                    else:
                        if not fut.done():
                            fut.set_result(result)
                continue
            for (_, fut), result in zip(batch, results, strict=True):
                if not fut.done():
                    fut.set_result(result)

    @staticmethod
    async def _run_batch(conn: aiosqlite.Connection, batch: list[tuple[WriteOp, asyncio.Future[Any]]]) -> list[Any]:
        await conn.execute("BEGIN IMMEDIATE")
        try:
            results = [await op(conn) for op, _ in batch]
            await conn.execute("COMMIT")
        except BaseException:
            await conn.execute("ROLLBACK")
            raise
        return results

    # change sets ---------------------------------------------------------------------------------
    async def apply(self, changes: ChangeSet) -> None:
        writer = self.writer_id

        async def op(conn: aiosqlite.Connection) -> None:
            if changes.indicators:
                await conn.executemany(_INDICATOR_UPSERT, [_indicator_row(r) for r in changes.indicators])
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
            if changes.audit:
                await conn.executemany(
                    _AUDIT_INSERT,
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
                await conn.executemany(
                    "INSERT OR REPLACE INTO idempotency VALUES (?, ?, ?, ?, ?, ?)",
                    [
                        (i.operator_id, i.key, i.request_hash, i.status, i.response_json, ts(i.at))
                        for i in changes.idempotency
                    ],
                )

        await self._write(op)

    # indicators and reports ----------------------------------------------------------------------
    async def load_indicators(self) -> list[IndicatorRecord]:
        async with self._r.execute(f"SELECT {_INDICATOR_COLUMNS} FROM indicators") as cur:
            return [_indicator_from_row(row) for row in await cur.fetchall()]

    async def load_indicators_by_key(self, keys: Sequence[IndicatorKey]) -> list[IndicatorRecord]:
        found: list[IndicatorRecord] = []
        for key in keys:
            async with self._r.execute(
                f"SELECT {_INDICATOR_COLUMNS} FROM indicators WHERE type = ? AND value = ?",
                (key.type.value, key.value),
            ) as cur:
                row = await cur.fetchone()
            if row is not None:
                found.append(_indicator_from_row(row))
        return found

    async def recent_reports(self, since: datetime) -> list[ReportRecord]:
        async with self._r.execute(
            "SELECT report_id, type, value, operator_id, original, url, category, comment, observed_at, received_at,"
            " source FROM reports WHERE received_at >= ? ORDER BY received_at",
            (ts(since),),
        ) as cur:
            rows = await cur.fetchall()
        return [
            ReportRecord(
                report_id=r[0],
                key=IndicatorKey(IndicatorType(r[1]), r[2]),
                operator_id=int(r[3]),
                original=r[4],
                url=r[5],
                category=Category(r[6]),
                comment=r[7],
                observed_at=dt(r[8]),
                received_at=_dt(r[9]),
                source=r[10],
            )
            for r in rows
        ]

    async def load_allowlist(self) -> list[AllowRecord]:
        async with self._r.execute("SELECT type, value, reason, added_by, created_at FROM allowlist") as cur:
            rows = await cur.fetchall()
        return [AllowRecord(IndicatorKey(IndicatorType(r[0]), r[1]), r[2], r[3], _dt(r[4])) for r in rows]

    async def remove_allow(self, key: IndicatorKey) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute("DELETE FROM allowlist WHERE type = ? AND value = ?", (key.type.value, key.value))

        await self._write(op)

    @staticmethod
    def _audit_from_row(r: Sequence[Any]) -> AuditRecord:
        key = IndicatorKey(IndicatorType(r[4]), r[5]) if r[4] else None
        return AuditRecord(
            at=_dt(r[1]),
            actor=r[2],
            action=r[3],
            key=key,
            from_state=r[6],
            to_state=r[7],
            reason=r[8],
            details_json=r[9],
        )

    async def audit_since(self, after_id: int, exclude_writer: str) -> tuple[int, list[AuditRecord]]:
        async with self._r.execute(
            "SELECT id, at, actor, action, type, value, from_state, to_state, reason, details, writer FROM audit_log"
            " WHERE id > ? ORDER BY id LIMIT 10000",
            (after_id,),
        ) as cur:
            rows = list(await cur.fetchall())
        last = int(rows[-1][0]) if rows else after_id
        return last, [self._audit_from_row(r) for r in rows if r[10] != exclude_writer]

    async def audit_for(self, key: IndicatorKey, limit: int = 100) -> list[AuditRecord]:
        async with self._r.execute(
            "SELECT id, at, actor, action, type, value, from_state, to_state, reason, details FROM audit_log"
            " WHERE type = ? AND value = ? ORDER BY id DESC LIMIT ?",
            (key.type.value, key.value, limit),
        ) as cur:
            return [self._audit_from_row(r) for r in await cur.fetchall()]

    async def links_of(self, key: IndicatorKey) -> list[LinkRecord]:
        """Links from or to an indicator, newest first."""
        async with self._r.execute(
            "SELECT from_type, from_value, to_type, to_value, relation, last_seen FROM indicator_links"
            " WHERE (from_type = ? AND from_value = ?) OR (to_type = ? AND to_value = ?) ORDER BY last_seen DESC",
            (key.type.value, key.value, key.type.value, key.value),
        ) as cur:
            rows = await cur.fetchall()
        return [
            LinkRecord(
                IndicatorKey(IndicatorType(r[0]), r[1]), IndicatorKey(IndicatorType(r[2]), r[3]), r[4], _dt(r[5])
            )
            for r in rows
        ]

    async def last_audit_id(self) -> int:
        async with self._r.execute("SELECT COALESCE(MAX(id), 0) FROM audit_log") as cur:
            row = await cur.fetchone()
        return int(row[0]) if row else 0

    async def get_idempotency(self, operator_id: int, key: str) -> IdempotencyRecord | None:
        async with self._r.execute(
            "SELECT request_hash, status, response, created_at FROM idempotency WHERE operator_id = ? AND key = ?",
            (operator_id, key),
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return IdempotencyRecord(operator_id, key, row[0], int(row[1]), row[2], _dt(row[3]))

    # operators and keys --------------------------------------------------------------------------
    async def ensure_operator(self, name: str) -> Operator:
        async def op(conn: aiosqlite.Connection) -> Operator:
            await conn.execute(
                "INSERT INTO operators (name, created_at) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
                (name, ts(datetime.now(UTC))),
            )
            async with conn.execute("SELECT id FROM operators WHERE name = ?", (name,)) as cur:
                row = await cur.fetchone()
            assert row is not None  # noqa: S101 - inserted above
            return Operator(int(row[0]), name)

        result: Operator = await self._write(op)
        return result

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

        await self._write(op)

    async def _keys(self, where: str, params: tuple[Any, ...]) -> list[ApiKeyRecord]:
        async with self._r.execute(
            "SELECT k.key_id, k.secret_hash, k.scopes, o.id, o.name, k.revoked_at FROM api_keys k"
            f" JOIN operators o ON o.id = k.operator_id {where}",
            params,
        ) as cur:
            rows = await cur.fetchall()
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
        async def op(conn: aiosqlite.Connection) -> bool:
            cur = await conn.execute(
                "UPDATE api_keys SET revoked_at = ? WHERE key_id = ? AND revoked_at IS NULL",
                (ts(datetime.now(UTC)), key_id),
            )
            return cur.rowcount > 0

        result: bool = await self._write(op)
        return result

    # publication ---------------------------------------------------------------------------------
    async def last_publication(self) -> PublicationRecord | None:
        async with self._r.execute(
            "SELECT version, created_at, domains, phones, status, reason FROM publications"
            " WHERE status = 'published' ORDER BY version DESC LIMIT 1"
        ) as cur:
            row = await cur.fetchone()
        if row is None:
            return None
        return PublicationRecord(int(row[0]), _dt(row[1]), int(row[2]), int(row[3]), row[4], row[5])

    async def next_version(self) -> int:
        async with self._r.execute("SELECT COALESCE(MAX(version), 0) FROM publications") as cur:
            row = await cur.fetchone()
        return (int(row[0]) if row else 0) + 1

    async def record_publication(self, record: PublicationRecord, changes: dict[str, list[ListChange]]) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO publications VALUES (?, ?, ?, ?, ?, ?)",
                (record.version, ts(record.created_at), record.domains, record.phones, record.status, record.reason),
            )
            rows = [
                (record.version, kind, c.value, int(c.added), entry_to_json(c.entry) if c.entry else None)
                for kind, items in changes.items()
                for c in items
            ]
            if rows:
                await conn.executemany("INSERT INTO publication_changes VALUES (?, ?, ?, ?, ?)", rows)

        await self._write(op)

    async def changes_since(self, list_kind: str, version: int) -> list[tuple[int, ListChange]]:
        async with self._r.execute(
            "SELECT version, value, added, entry FROM publication_changes WHERE list = ? AND version > ?"
            " ORDER BY version",
            (list_kind, version),
        ) as cur:
            rows = await cur.fetchall()
        return [(int(r[0]), ListChange(r[1], bool(r[2]), entry_from_json(r[3]) if r[3] else None)) for r in rows]

    # feedback ------------------------------------------------------------------------------------
    async def put_hits(self, batch: HitBatch) -> HitBatch | None:
        """Store a hit batch, replacing the same operator + list + interval; return what it replaced."""

        async def op(conn: aiosqlite.Connection) -> HitBatch | None:
            key = (batch.operator_id, batch.list, ts(batch.interval_start), ts(batch.interval_end))
            async with conn.execute(
                "SELECT total, per_category, entries, received_at FROM hits"
                " WHERE operator_id = ? AND list = ? AND interval_start = ? AND interval_end = ?",
                key,
            ) as cur:
                row = await cur.fetchone()
            await conn.execute(
                "INSERT OR REPLACE INTO hits VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (*key, batch.total, json.dumps(batch.per_category), batch.entries_json, ts(batch.received_at)),
            )
            if row is None:
                return None
            return HitBatch(
                batch.operator_id,
                batch.list,
                batch.interval_start,
                batch.interval_end,
                int(row[0]),
                json.loads(row[1]),
                row[2],
                _dt(row[3]),
            )

        result: HitBatch | None = await self._write(op)
        return result

    async def hit_totals(self) -> list[tuple[str, str, str, int]]:
        """(list, category, operator name, hits) summed over every stored interval."""
        async with self._r.execute(
            "SELECT h.list, h.per_category, o.name FROM hits h JOIN operators o ON o.id = h.operator_id"
        ) as cur:
            rows = await cur.fetchall()
        totals: dict[tuple[str, str, str], int] = {}
        for list_name, per_category, operator in rows:
            for category, n in json.loads(per_category).items():
                k = (list_name, category, operator)
                totals[k] = totals.get(k, 0) + int(n)
        return [(*k, n) for k, n in sorted(totals.items())]

    async def add_dispute(self, record: DisputeRecord) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO disputes VALUES (?, ?, ?, ?, ?, ?, ?)",
                (
                    record.dispute_id,
                    record.key.type.value,
                    record.key.value,
                    record.operator_id,
                    record.reason,
                    record.contact,
                    ts(record.at),
                ),
            )

        await self._write(op)
