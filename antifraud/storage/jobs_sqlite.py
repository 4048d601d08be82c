"""The job queue on SQLite: atomic claims through the database's writer task.

Several worker processes may share one database file. Every transaction runs as one op in the
writer task of antifraud.storage.database, never in the caller's task: a lease renewer cancelled at
its deadline cannot leave `BEGIN IMMEDIATE` open (that locked the whole center before). A claim is one
`UPDATE ... WHERE id IN (SELECT ... LIMIT ?) RETURNING *` inside `BEGIN IMMEDIATE`, so SQLite's single writer makes it
atomic across processes; a job whose lease expired is claimable again, which is how a job survives
a killed worker. Every state change after a claim is conditioned on the lease owner, so a worker
that lost its lease cannot complete or fail a job that another worker has taken over.

The schema comes from migration 0002_jobs.sql, applied by the store's migration runner.
"""

from __future__ import annotations

import json
import random
import sqlite3
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self, TypeVar

import aiosqlite

from antifraud.domain.errors import ConfigError
from antifraud.jobs.model import ClaimRequest, Enqueued, Job, JobCount, JobState, LeaseLost, NewJob, UnknownJob
from antifraud.jobs.policy import Park, Retry, RetryPolicy, decide_failure, lost_lease_reason
from antifraud.ports import Clock
from antifraud.storage.database import SqliteDatabase

T = TypeVar("T")
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
    """`antifraud.jobs.JobQueue` on a SQLite database. Give it the center's SqliteDatabase to share its
    writer (one writer per process), or a path to open a database of its own (worker processes, tests)."""

    def __init__(
        self,
        database: SqliteDatabase | str,
        clock: Clock,
        policy: RetryPolicy | None = None,
        rand: Callable[[], float] = random.random,
    ) -> None:
        self._db = database if isinstance(database, SqliteDatabase) else None
        self.path = database.path if isinstance(database, SqliteDatabase) else database
        self._owns_db = not isinstance(database, SqliteDatabase)
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self._rand = rand

    async def open(self) -> Self:
        if self._db is None:
            if self.path != ":memory:" and not Path(self.path).exists():  # noqa: ASYNC240 - once, at start
                raise ConfigError(
                    f"{self.path} does not exist: open the center's store first (it applies the migrations)"
                )
            self._db = await SqliteDatabase(self.path).open()
        found = await self._db.fetchone("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'jobs'")
        if found is None:
            await self.close()
            raise ConfigError(
                f"{self.path} has no jobs table: apply the migrations first "
                "(opening the center's store does, or apply 0002_jobs.sql)"
            )
        return self

    async def close(self) -> None:
        if self._db is not None and self._owns_db:
            await self._db.close()
        self._db = None if self._owns_db else self._db

    @property
    def db(self) -> SqliteDatabase:
        if self._db is None:
            raise RuntimeError("the job queue is not open: call `await queue.open()` first")
        return self._db

    async def _write(self, op: Callable[[aiosqlite.Connection], Awaitable[T]]) -> T:
        return await self.db.write(op)

    # enqueue ---------------------------------------------------------------------------------------
    async def enqueue(self, job: NewJob) -> Enqueued:
        now = self.clock.now()
        run_at = job.run_at or now
        max_attempts = job.max_attempts or self.policy.max_attempts

        async def op(conn: aiosqlite.Connection) -> Enqueued | None:
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
            return None if row is None else Enqueued(int(row["id"]), created=False)

        result = await self._write(op)
        if result is None:  # INSERT OR IGNORE ignored a row for a reason other than the dedup index
            raise RuntimeError(f"job of kind {job.kind!r} was neither inserted nor found as a duplicate")
        return result

    # claim -----------------------------------------------------------------------------------------
    async def claim(self, request: ClaimRequest) -> list[Job]:
        if request.limit == 0 or not request.kinds:
            return []
        now = self.clock.now()
        kinds = sorted(request.kinds)
        busy = sorted(request.busy_groups)
        busy_clause = f" AND (group_key IS NULL OR group_key NOT IN ({_marks(busy)}))" if busy else ""

        async def op(conn: aiosqlite.Connection) -> list[Job]:
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
            return [_job(r) for r in rows]

        jobs = await self._write(op)
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

        async def op(conn: aiosqlite.Connection) -> None:
            await self._leased(conn, job_id, worker_id)
            await conn.execute(
                "UPDATE jobs SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, updated_at = ?"
                " WHERE id = ?",
                (_ts(now), job_id),
            )

        await self._write(op)

    async def fail(self, job_id: int, worker_id: str, reason: str, *, permanent: bool = False) -> Retry | Park:
        now = self.clock.now()

        async def op(conn: aiosqlite.Connection) -> Retry | Park:
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

        return await self._write(op)

    async def release(self, job_id: int, worker_id: str, *, delay_seconds: float = 0.0) -> None:
        now = self.clock.now()

        async def op(conn: aiosqlite.Connection) -> None:
            await self._leased(conn, job_id, worker_id)
            await conn.execute(
                "UPDATE jobs SET state = 'pending', attempts = MAX(attempts - 1, 0), run_at = ?, lease_owner = NULL,"
                " lease_expires_at = NULL, updated_at = ? WHERE id = ?",
                (_ts(now + timedelta(seconds=max(delay_seconds, 0.0))), _ts(now), job_id),
            )

        await self._write(op)

    async def extend_lease(self, job_id: int, worker_id: str, lease_seconds: float) -> datetime:
        now = self.clock.now()
        expires = now + timedelta(seconds=lease_seconds)

        async def op(conn: aiosqlite.Connection) -> None:
            await self._leased(conn, job_id, worker_id)
            await conn.execute(
                "UPDATE jobs SET lease_expires_at = ?, updated_at = ? WHERE id = ?", (_ts(expires), _ts(now), job_id)
            )

        await self._write(op)
        return expires

    # reading ---------------------------------------------------------------------------------------
    async def get(self, job_id: int) -> Job:
        row = await self.db.fetchone("SELECT * FROM jobs WHERE id = ?", (job_id,))
        if row is None:
            raise UnknownJob(job_id)
        return _job(row)

    async def counts(self) -> list[JobCount]:
        rows = await self.db.fetchall("SELECT kind, state, COUNT(*) AS n FROM jobs GROUP BY kind, state")
        return [JobCount(r["kind"], JobState(r["state"]), int(r["n"])) for r in rows]

    async def purge_finished(self, before: datetime) -> int:
        """Delete done jobs last touched before `before`; parked jobs stay until someone looks at them."""

        async def op(conn: aiosqlite.Connection) -> int:
            cur = await conn.execute("DELETE FROM jobs WHERE state = 'done' AND updated_at < ?", (_ts(before),))
            return cur.rowcount

        return await self._write(op)


class SqliteDnsHistory:
    """Earlier DNS observations per name, as JSON documents (the probe worker owns their shape)."""

    def __init__(self, queue: SqliteJobQueue) -> None:
        self._queue = queue  # shares the queue's database: one writer per process

    async def append(self, name: str, observed_at: datetime, outcome: str, document: str) -> None:
        async def op(conn: aiosqlite.Connection) -> None:
            await conn.execute(
                "INSERT INTO dns_observations (name, observed_at, outcome, observation) VALUES (?, ?, ?, ?)",
                (name, _ts(observed_at), outcome, document),
            )

        await self._queue.db.write(op)

    async def recent(self, name: str, limit: int = 20) -> list[str]:
        """The newest `limit` documents for `name`, oldest first."""
        rows = await self._queue.db.fetchall(
            "SELECT observation FROM dns_observations WHERE name = ? ORDER BY observed_at DESC, id DESC LIMIT ?",
            (name, limit),
        )
        return [r["observation"] for r in reversed(list(rows))]
