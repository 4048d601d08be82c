"""The job queue on SQLite (aiosqlite): its own connection, WAL, busy timeout, atomic claims.

Several worker processes may share one database file. A claim is one `UPDATE ... WHERE id IN
(SELECT ... LIMIT ?) RETURNING *` inside `BEGIN IMMEDIATE`, so SQLite's single writer makes it
atomic across processes; a job whose lease expired is claimable again, which is how a job survives
a killed worker. Every state change after a claim is conditioned on the lease owner, so a worker
that lost its lease cannot complete or fail a job that another worker has taken over.

The schema comes from migration 0002_jobs.sql, applied by the store's migration runner.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import aiosqlite

from antifraud.domain.errors import ConfigError
from antifraud.jobs.model import ClaimRequest, Enqueued, Job, JobCount, JobState, LeaseLost, NewJob, UnknownJob
from antifraud.jobs.policy import Park, Retry, RetryPolicy, decide_failure, lost_lease_reason
from antifraud.ports import Clock

BUSY_TIMEOUT_MS = 10_000
_ACTIVE = ("pending", "running")


def _ts(value: datetime) -> str:
    return value.astimezone(UTC).isoformat(timespec="microseconds")


def _dt(value: str | None) -> datetime | None:
    return None if value is None else datetime.fromisoformat(value)


def _job(row: sqlite3.Row) -> Job:
    run_at = _dt(row["run_at"])
    created_at = _dt(row["created_at"])
    if run_at is None or created_at is None:  # NOT NULL columns; keeps mypy honest
        raise ValueError(f"job {row['id']} has no run_at or created_at")
    return Job(
        id=int(row["id"]),
        kind=row["kind"],
        payload=json.loads(row["payload"]),
        state=JobState(row["state"]),
        attempts=int(row["attempts"]),
        max_attempts=int(row["max_attempts"]),
        run_at=run_at,
        created_at=created_at,
        dedup_key=row["dedup_key"],
        group=row["group_key"],
        lease_owner=row["lease_owner"],
        lease_expires_at=_dt(row["lease_expires_at"]),
        last_error=row["last_error"],
    )


def _marks(values: Sequence[Any]) -> str:
    return ", ".join("?" * len(values))


class SqliteJobQueue:
    """`antifraud.jobs.JobQueue` on a SQLite file. Open with `await SqliteJobQueue(...).open()`."""

    def __init__(
        self,
        path: str,
        clock: Clock,
        policy: RetryPolicy | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self.path = path
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self._rand = rand
        self._conn: aiosqlite.Connection | None = None
        # aiosqlite runs one statement at a time, but two coroutines could interleave their
        # transactions on the shared connection; the lock keeps each transaction whole.
        self._lock = asyncio.Lock()

    async def open(self) -> Self:
        if self.path != ":memory:":
            Path(self.path).parent.mkdir(parents=True, exist_ok=True)
        conn = await aiosqlite.connect(self.path, isolation_level=None)
        conn.row_factory = sqlite3.Row
        try:
            await conn.execute("PRAGMA journal_mode=WAL")
            await conn.execute("PRAGMA synchronous=NORMAL")
            await conn.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
            async with conn.execute("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'") as cur:
                found = await cur.fetchone()
        except BaseException:
            await conn.close()
            raise
        if found is None:
            await conn.close()
            raise ConfigError(
                f"{self.path} has no jobs table: apply the migrations first "
                "(opening the center's store does, or apply 0002_jobs.sql)"
            )
        self._conn = conn
        return self

    async def close(self) -> None:
        if self._conn is not None:
            await self._conn.close()
            self._conn = None

    @property
    def conn(self) -> aiosqlite.Connection:
        if self._conn is None:
            raise RuntimeError("the job queue is not open: call `await queue.open()` first")
        return self._conn

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        async with self._lock:
            conn = self.conn
            # IMMEDIATE takes the write lock up front: a read-then-write transaction started as
            # DEFERRED could fail with SQLITE_BUSY at its first write, past the busy timeout.
            await conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
            except BaseException:
                await conn.execute("ROLLBACK")
                raise
            await conn.execute("COMMIT")

    # enqueue ---------------------------------------------------------------------------------------
    async def enqueue(self, job: NewJob) -> Enqueued:
        now = self.clock.now()
        run_at = job.run_at or now
        max_attempts = job.max_attempts or self.policy.max_attempts
        async with self._transaction() as conn:
            cur = await conn.execute(
                "INSERT OR IGNORE INTO jobs (kind, payload, dedup_key, group_key, state, attempts, max_attempts,"
                " run_at, created_at, updated_at) VALUES (?, ?, ?, ?, 'pending', 0, ?, ?, ?, ?)",
                (
                    job.kind,
                    json.dumps(dict(job.payload), separators=(",", ":"), sort_keys=True),
                    job.dedup_key,
                    job.group,
                    max_attempts,
                    _ts(run_at),
                    _ts(now),
                    _ts(now),
                ),
            )
            if cur.rowcount == 1 and cur.lastrowid is not None:
                return Enqueued(cur.lastrowid, created=True)
            async with conn.execute(
                f"SELECT id FROM jobs WHERE kind = ? AND dedup_key = ? AND state IN {_ACTIVE}",
                (job.kind, job.dedup_key),
            ) as found:
                row = await found.fetchone()
        if row is None:  # INSERT OR IGNORE ignored a row for a reason other than the dedup index
            raise RuntimeError(f"job of kind {job.kind!r} was neither inserted nor found as a duplicate")
        return Enqueued(int(row["id"]), created=False)

    # claim -----------------------------------------------------------------------------------------
    async def claim(self, request: ClaimRequest) -> list[Job]:
        if request.limit == 0 or not request.kinds:
            return []
        now = self.clock.now()
        kinds = sorted(request.kinds)
        busy = sorted(request.busy_groups)
        busy_clause = f" AND (group_key IS NULL OR group_key NOT IN ({_marks(busy)}))" if busy else ""
        async with self._transaction() as conn:
            await self._park_lost(conn, kinds, now)
            async with conn.execute(
                "UPDATE jobs SET state = 'running', attempts = attempts + 1, lease_owner = ?,"
                " lease_expires_at = ?, updated_at = ?"
                " WHERE id IN ("
                "   SELECT id FROM jobs"
                f"  WHERE kind IN ({_marks(kinds)})"
                "     AND ((state = 'pending' AND run_at <= ?) OR (state = 'running' AND lease_expires_at <= ?))"
                f"    {busy_clause}"
                "   ORDER BY run_at, id LIMIT ?"
                " ) RETURNING *",
                (
                    request.worker_id,
                    _ts(now + timedelta(seconds=request.lease_seconds)),
                    _ts(now),
                    *kinds,
                    _ts(now),
                    _ts(now),
                    *busy,
                    request.limit,
                ),
            ) as cur:
                rows = await cur.fetchall()
        jobs = [_job(r) for r in rows]
        jobs.sort(key=lambda j: (j.run_at, j.id))
        return jobs

    async def _park_lost(self, conn: aiosqlite.Connection, kinds: list[str], now: datetime) -> None:
        """Park expired-lease jobs that have no attempt left: their handler keeps killing workers."""
        async with conn.execute(
            f"SELECT id, attempts, last_error FROM jobs WHERE kind IN ({_marks(kinds)})"
            " AND state = 'running' AND lease_expires_at <= ? AND attempts >= max_attempts",
            (*kinds, _ts(now)),
        ) as cur:
            lost = await cur.fetchall()
        for row in lost:
            await conn.execute(
                "UPDATE jobs SET state = 'parked', last_error = ?, lease_owner = NULL, lease_expires_at = NULL,"
                " updated_at = ? WHERE id = ?",
                (lost_lease_reason(int(row["attempts"]), row["last_error"]), _ts(now), row["id"]),
            )

    # after a claim ---------------------------------------------------------------------------------
    async def _leased(self, conn: aiosqlite.Connection, job_id: int, worker_id: str) -> sqlite3.Row:
        async with conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise UnknownJob(job_id)
        if row["state"] != "running" or row["lease_owner"] != worker_id:
            raise LeaseLost(job_id, worker_id)
        return row

    async def complete(self, job_id: int, worker_id: str) -> None:
        now = self.clock.now()
        async with self._transaction() as conn:
            await self._leased(conn, job_id, worker_id)
            await conn.execute(
                "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?"
                " WHERE id = ?",
                (_ts(now), job_id),
            )

    async def fail(self, job_id: int, worker_id: str, reason: str, *, permanent: bool = False) -> Retry | Park:
        now = self.clock.now()
        async with self._transaction() as conn:
            row = await self._leased(conn, job_id, worker_id)
            outcome = decide_failure(
                self.policy,
                attempts=int(row["attempts"]),
                max_attempts=int(row["max_attempts"]),
                reason=reason,
                now=now,
                rand=self._rand(),
                permanent=permanent,
            )
            if isinstance(outcome, Retry):
                await conn.execute(
                    "UPDATE jobs SET state = 'pending', run_at = ?, last_error = ?, lease_owner = NULL,"
                    " lease_expires_at = NULL, updated_at = ? WHERE id = ?",
                    (_ts(outcome.at), outcome.reason, _ts(now), job_id),
                )
            else:
                await conn.execute(
                    "UPDATE jobs SET state = 'parked', last_error = ?, lease_owner = NULL,"
                    " lease_expires_at = NULL, updated_at = ? WHERE id = ?",
                    (outcome.reason, _ts(now), job_id),
                )
        return outcome

    async def release(self, job_id: int, worker_id: str, *, delay_seconds: float = 0.0) -> None:
        now = self.clock.now()
        async with self._transaction() as conn:
            await self._leased(conn, job_id, worker_id)
            await conn.execute(
                "UPDATE jobs SET state = 'pending', attempts = MAX(attempts - 1, 0), run_at = ?, lease_owner = NULL,"
                " lease_expires_at = NULL, updated_at = ? WHERE id = ?",
                (_ts(now + timedelta(seconds=max(delay_seconds, 0.0))), _ts(now), job_id),
            )

    async def extend_lease(self, job_id: int, worker_id: str, lease_seconds: float) -> datetime:
        now = self.clock.now()
        expires = now + timedelta(seconds=lease_seconds)
        async with self._transaction() as conn:
            await self._leased(conn, job_id, worker_id)
            await conn.execute(
                "UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ?", (_ts(expires), _ts(now), job_id)
            )
        return expires

    # reading ---------------------------------------------------------------------------------------
    async def get(self, job_id: int) -> Job:
        async with self._lock, self.conn.execute("SELECT * FROM jobs WHERE id = ?", (job_id,)) as cur:
            row = await cur.fetchone()
        if row is None:
            raise UnknownJob(job_id)
        return _job(row)

    async def counts(self) -> list[JobCount]:
        async with (
            self._lock,
            self.conn.execute("SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state") as cur,
        ):
            rows = await cur.fetchall()
        return [JobCount(r["kind"], JobState(r["state"]), int(r["n"])) for r in rows]

    async def purge_finished(self, before: datetime) -> int:
        """Delete done jobs last touched before `before`; parked jobs stay until someone looks at them."""
        async with self._transaction() as conn:
            cur = await conn.execute("DELETE FROM jobs WHERE state = 'done' AND updated_at < ?", (_ts(before),))
            return cur.rowcount


class SqliteDnsHistory:
    """Earlier DNS observations per name, as JSON documents (the probe worker owns their shape)."""

    def __init__(self, queue: SqliteJobQueue) -> None:
        self._queue = queue  # shares the queue's connection and lock: one connection per process

    async def append(self, name: str, observed_at: datetime, outcome: str, document: str) -> None:
        async with self._queue._transaction() as conn:  # noqa: SLF001 - same module, shared connection
            await conn.execute(
                "INSERT INTO dns_observations (name, observed_at, outcome, observation) VALUES (?, ?, ?, ?)",
                (name, _ts(observed_at), outcome, document),
            )

    async def recent(self, name: str, limit: int = 20) -> list[str]:
        """The newest `limit` documents for `name`, oldest first."""
        queue = self._queue
        async with (
            queue._lock,  # noqa: SLF001
            queue.conn.execute(
                "SELECT observation FROM dns_observations WHERE name = ? ORDER BY observed_at DESC, id DESC LIMIT ?",
                (name, limit),
            ) as cur,
        ):
            rows = await cur.fetchall()
        return [r["observation"] for r in reversed(list(rows))]
