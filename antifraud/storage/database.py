"""One SQLite database per process: WAL, one writer task with group commit, one reader connection.

Every write is a coroutine function `op(conn)` run by the writer task inside a transaction shared with
whatever else is queued at that moment, each op in a savepoint of its own: many concurrent small writes
cost one commit (group commit), and one op that fails (a row-version conflict, a constraint) rolls back
alone while the others commit.

No transaction outlives its task, and no caller's cancellation reaches a transaction: ops run in the
writer task, never in the caller's, so a cancelled request or a lease renewer stopped at a deadline
cannot leave `BEGIN IMMEDIATE` open (it did before: one hostile URL then locked the whole center). A
caller cancelled while its op is queued or running gets CancelledError; the op still runs to its end,
committed or rolled back as a whole.

`healthy()` is honest: it commits a real write through the same writer, so it fails when writes fail.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from functools import lru_cache
from pathlib import Path
from typing import Any, Self, TypeVar

import aiosqlite

from antifraud.domain.errors import AntifraudError, StoreUnavailable
from antifraud.storage.migrations import bundled_migrations

log = logging.getLogger(__name__)

T = TypeVar("T")
WriteOp = Callable[[aiosqlite.Connection], Awaitable[Any]]
MAX_BATCH = 256
BUSY_TIMEOUT_MS = 10_000
CACHE_KIB = 128 * 1024  # per connection; SQLite allocates it only as pages are used


def ts(value: datetime | None) -> str | None:
    """Times are RFC 3339 UTC text with microseconds, so comparing the text compares the times."""
    return None if value is None else _utc_text(value)


@lru_cache(maxsize=4096)
def _utc_text(value: datetime) -> str:
    # cached: a change set stamps most of its rows with the same few instants
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


class SqliteDatabase:
    """Open with `await SqliteDatabase(path).open()`; close with `await db.close()`."""

    def __init__(self, path: str) -> None:
        self.path = path
        self._write_conn: aiosqlite.Connection | None = None
        self._read_conn: aiosqlite.Connection | None = None
        self._bulk_conn: aiosqlite.Connection | None = None
        self._queue: asyncio.Queue[tuple[WriteOp, asyncio.Future[Any]]] = asyncio.Queue()
        self._writer: asyncio.Task[None] | None = None
        self._read_lock = asyncio.Lock()

    # lifecycle -----------------------------------------------------------------------------------
    async def open(self) -> Self:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        try:
            self._write_conn = await self._connect()
            await self._migrate(self._write_conn)
            self._read_conn = self._write_conn if self.path == ":memory:" else await self._connect()
            self._bulk_conn = self._read_conn if self.path == ":memory:" else await self._connect(rows=False)
        except sqlite3.Error as exc:
            await self.close()
            raise StoreUnavailable(f"cannot open the database {self.path}: {exc}") from exc
        self._writer = asyncio.create_task(self._write_loop(), name="sqlite-writer")
        return self

    async def _connect(self, *, rows: bool = True) -> aiosqlite.Connection:
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        if rows:  # by index (the store) or by name (the job queue); bulk reads get plain tuples
            conn.row_factory = sqlite3.Row
        await conn.execute("PRAGMA journal_mode=WAL")
        await conn.execute("PRAGMA synchronous=NORMAL")  # durable across process crashes; WAL fsyncs on checkpoint
        await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        await conn.execute(f"PRAGMA cache_size=-{CACHE_KIB}")  # index pages of a national list stay in memory
        await conn.execute("PRAGMA temp_store=MEMORY")  # bulk listings stage their values in a temp table
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
        if self._bulk_conn is not None and self._bulk_conn is not self._read_conn:
            await self._bulk_conn.close()
        if self._read_conn is not None and self._read_conn is not self._write_conn:
            await self._read_conn.close()
        self._bulk_conn = None
        if self._write_conn is not None:
            await self._write_conn.close()
        self._read_conn = self._write_conn = None

    # reads ---------------------------------------------------------------------------------------
    @property
    def reader(self) -> aiosqlite.Connection:
        """The read connection (autocommit: each statement sees the last commit, never a write in progress)."""
        if self._read_conn is None:
            raise RuntimeError("the database is not open")
        return self._read_conn

    @property
    def bulk_reader(self) -> aiosqlite.Connection:
        """A read connection that returns plain tuples: millions of rows at start-up, read as cheaply as SQLite can."""
        if self._bulk_conn is None:
            raise RuntimeError("the database is not open")
        return self._bulk_conn

    async def fetchall(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> list[Any]:
        try:
            async with self.reader.execute(sql, params) as cur:
                return list(await cur.fetchall())
        except sqlite3.OperationalError as exc:
            raise StoreUnavailable(f"the database cannot be read: {exc}") from exc

    async def fetchone(self, sql: str, params: tuple[Any, ...] | list[Any] = ()) -> Any:
        rows = await self.fetchall(sql, params)
        return rows[0] if rows else None

    # the writer ----------------------------------------------------------------------------------
    async def write(self, op: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        """Run `op` in a transaction (a savepoint of the writer's batch). Its exception is re-raised
        here; `sqlite3.OperationalError` (locked, disk full) becomes StoreUnavailable."""
        if self._writer is None or self._writer.done():
            raise StoreUnavailable("the database is closed")
        future: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._queue.put_nowait((op, future))
        return await future

    async def _write_loop(self) -> None:
        conn = self._write_conn
        assert conn is not None  # noqa: S101 - set by open() before the task starts
        while True:
            batch = [await self._queue.get()]
            while len(batch) < MAX_BATCH and not self._queue.empty():
                batch.append(self._queue.get_nowait())
            try:
                await self._run_batch(conn, batch)
            except asyncio.CancelledError:
                for _, fut in batch:
                    if not fut.done():
                        fut.set_exception(StoreUnavailable("the store closed before the write committed"))
                raise

    @staticmethod
    async def _run_batch(conn: aiosqlite.Connection, batch: list[tuple[WriteOp, asyncio.Future[Any]]]) -> None:
        outcomes: list[tuple[bool, Any]] = []
        try:
            await conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            locked = StoreUnavailable(f"the database cannot be written: {exc}")
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(locked)
            await asyncio.sleep(0.05)  # locked by another process: do not spin
            return
        try:
            for op, _ in batch:
                await conn.execute("SAVEPOINT op")
                try:
                    result = await op(conn)
                except Exception as exc:  # noqa: BLE001 - handed to the caller, the batch goes on
                    await conn.execute("ROLLBACK TO op")
                    await conn.execute("RELEASE op")
                    outcomes.append((False, _unavailable(exc)))
                else:
                    await conn.execute("RELEASE op")
                    outcomes.append((True, result))
            await conn.execute("COMMIT")
        except BaseException as exc:
            with contextlib.suppress(sqlite3.Error):
                await conn.execute("ROLLBACK")
            failure: Exception = (
                _unavailable(exc) if isinstance(exc, Exception) else StoreUnavailable("the write was interrupted")
            )
            for _, fut in batch:
                if not fut.done():
                    fut.set_exception(failure)
            if not isinstance(exc, Exception):
                raise
            return
        for (_, fut), (ok, value) in zip(batch, outcomes, strict=True):
            if fut.done():  # the caller was cancelled: the write stands, nobody is told
                continue
            if ok:
                fut.set_result(value)
            else:
                fut.set_exception(value)

    # health --------------------------------------------------------------------------------------
    async def healthy(self, writer_id: str, timeout: float = 2.0) -> tuple[bool, str]:  # noqa: ASYNC109 - a deadline for the probe write, not a cancel scope
        """Commit a heartbeat row through the writer within `timeout` seconds."""
        started = time.monotonic()

        async def beat(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO heartbeats (writer, at) VALUES (?, ?) ON CONFLICT (writer) DO UPDATE SET at = excluded.at",
                (writer_id, ts(datetime.now(UTC))),
            )

        try:
            async with asyncio.timeout(timeout):
                await self.write(beat)
        except TimeoutError:
            return False, f"a write did not commit within {timeout:.0f} s"
        except AntifraudError as exc:
            return False, exc.message
        return True, f"a write committed in {(time.monotonic() - started) * 1000:.1f} ms"


def _unavailable(exc: Exception) -> Exception:
    if isinstance(exc, sqlite3.OperationalError):
        return StoreUnavailable(f"the database cannot be written: {exc}")
    return exc
