"""The SQLite database layer: migrations, group commit with savepoints, and no transaction that can
outlive its task — the bug that let one hostile URL lock the whole center."""

from __future__ import annotations

import asyncio
import sqlite3

import pytest

from antifraud.domain.errors import StoreUnavailable
from antifraud.storage.database import SqliteDatabase
from antifraud.storage.sqlite import SqliteStore


async def test_migrations_are_applied_once_and_recorded(tmp_path):
    path = str(tmp_path / "m.sqlite3")
    for _ in range(2):  # opening twice applies nothing the second time
        s = await SqliteStore.open(path)
        await s.close()
    with sqlite3.connect(path) as conn:
        numbers = [r[0] for r in conn.execute("SELECT number FROM schema_migrations ORDER BY number")]
        mode = conn.execute("PRAGMA journal_mode").fetchone()[0]
    assert numbers == sorted(set(numbers))
    assert numbers[:4] == [1, 2, 3, 4]
    assert mode == "wal"


@pytest.fixture
async def db(tmp_path):
    database = await SqliteDatabase(str(tmp_path / "d.sqlite3")).open()
    yield database
    await database.close()


async def test_one_failing_op_rolls_back_alone_and_the_batch_commits(db):
    async def good(conn, n):
        await conn.execute("INSERT INTO heartbeats VALUES (?, 'x')", (f"w{n}",))

    async def bad(conn):
        await conn.execute("INSERT INTO heartbeats VALUES ('half', 'x')")
        raise ValueError("the op changed its mind")

    results = await asyncio.gather(
        db.write(lambda c: good(c, 1)), db.write(bad), db.write(lambda c: good(c, 2)), return_exceptions=True
    )
    assert isinstance(results[1], ValueError)
    rows = {r[0] for r in await db.fetchall("SELECT writer FROM heartbeats")}
    assert rows == {"w1", "w2"}  # 'half' was rolled back with its savepoint


async def test_a_cancelled_caller_never_leaves_a_transaction_open(db):
    """A crawl that ends at its deadline used to cancel the lease renewer inside BEGIN IMMEDIATE; the
    transaction never rolled back and every later write failed with 'database is locked'."""
    started = asyncio.Event()
    release = asyncio.Event()

    async def slow(conn):
        await conn.execute("INSERT INTO heartbeats VALUES ('slow', 'x')")
        started.set()
        await release.wait()

    caller = asyncio.create_task(db.write(slow))
    await started.wait()
    caller.cancel()  # the caller gives up while its op is inside the transaction
    with pytest.raises(asyncio.CancelledError):
        await caller
    release.set()

    async def after(conn):
        await conn.execute("INSERT INTO heartbeats VALUES ('after', 'x')")

    await asyncio.wait_for(db.write(after), 5)  # the writer is free: the op ran to its end
    assert {r[0] for r in await db.fetchall("SELECT writer FROM heartbeats")} == {"slow", "after"}
    ok, detail = await db.healthy("probe")
    assert ok, detail


async def test_many_cancelled_callers_leave_the_database_writable(db):
    async def op(conn, n):
        await conn.execute("INSERT INTO heartbeats VALUES (?, 'x')", (f"c{n}",))

    tasks = [asyncio.create_task(db.write(lambda c, n=n: op(c, n))) for n in range(50)]
    await asyncio.sleep(0)
    for task in tasks[::2]:
        task.cancel()
    await asyncio.gather(*tasks, return_exceptions=True)
    ok, detail = await db.healthy("probe")
    assert ok, detail


async def test_a_database_locked_by_another_process_makes_health_honest(tmp_path):
    path = str(tmp_path / "locked.sqlite3")
    database = await SqliteDatabase(path).open()
    holder = sqlite3.connect(path, timeout=0.1, isolation_level=None)
    try:
        holder.execute("BEGIN IMMEDIATE")  # another process holds the write lock, forever
        holder.execute("INSERT INTO heartbeats VALUES ('other', 'x')")
        ok, detail = await database.healthy("probe", timeout=1.0)
        assert not ok
        assert "within 1 s" in detail or "locked" in detail
        holder.execute("ROLLBACK")
        ok, _ = await database.healthy("probe", timeout=15.0)
        assert ok
    finally:
        holder.close()
        await database.close()


async def test_a_closed_database_refuses_writes_clearly(tmp_path):
    database = await SqliteDatabase(str(tmp_path / "c.sqlite3")).open()
    await database.close()

    async def op(conn):
        return None

    with pytest.raises(StoreUnavailable, match="closed"):
        await database.write(op)
