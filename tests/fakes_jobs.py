"""An in-memory JobQueue with the SQLite adapter's semantics, for runner and handler tests."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from antifraud.jobs import (
    ClaimRequest,
    Enqueued,
    Job,
    JobCount,
    JobState,
    LeaseLost,
    NewJob,
    Park,
    Retry,
    RetryPolicy,
    UnknownJob,
    decide_failure,
    lost_lease_reason,
)
from antifraud.ports import Clock

ACTIVE = (JobState.PENDING, JobState.RUNNING)


class FakeJobQueue:
    def __init__(self, clock: Clock, policy: RetryPolicy | None = None, rand: Callable[[], float] = lambda: 0.5):
        self.clock = clock
        self.policy = policy or RetryPolicy()
        self.rand = rand
        self.jobs: dict[int, Job] = {}
        self._ids = itertools.count(1)
        self.claims: list[tuple[str, list[int]]] = []  # (worker, job ids) per claim, for assertions

    async def enqueue(self, job: NewJob) -> Enqueued:
        if job.dedup_key is not None:
            for existing in self.jobs.values():
                if existing.kind == job.kind and existing.dedup_key == job.dedup_key and existing.state in ACTIVE:
                    return Enqueued(existing.id, created=False)
        now = self.clock.now()
        job_id = next(self._ids)
        self.jobs[job_id] = Job(
            id=job_id,
            kind=job.kind,
            payload=dict(job.payload),
            state=JobState.PENDING,
            attempts=0,
            max_attempts=job.max_attempts or self.policy.max_attempts,
            run_at=job.run_at or now,
            created_at=now,
            dedup_key=job.dedup_key,
            group=job.group,
        )
        return Enqueued(job_id, created=True)

    async def claim(self, request: ClaimRequest) -> list[Job]:
        now = self.clock.now()
        for job in list(self.jobs.values()):
            if job.kind in request.kinds and job.lease_expired(now) and job.attempts >= job.max_attempts:
                self.jobs[job.id] = replace(
                    job,
                    state=JobState.PARKED,
                    last_error=lost_lease_reason(job.attempts, job.last_error),
                    lease_owner=None,
                    lease_expires_at=None,
                )
        due = sorted(
            (j for j in self.jobs.values() if j.claimable(now) and request.wants(j)), key=lambda j: (j.run_at, j.id)
        )[: request.limit]
        claimed = []
        for job in due:
            leased = replace(
                job,
                state=JobState.RUNNING,
                attempts=job.attempts + 1,
                lease_owner=request.worker_id,
                lease_expires_at=now + timedelta(seconds=request.lease_seconds),
            )
            self.jobs[job.id] = leased
            claimed.append(leased)
        self.claims.append((request.worker_id, [j.id for j in claimed]))
        return claimed

    def _leased(self, job_id: int, worker_id: str) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise UnknownJob(job_id)
        if job.state is not JobState.RUNNING or job.lease_owner != worker_id:
            raise LeaseLost(job_id, worker_id)
        return job

    async def complete(self, job_id: int, worker_id: str) -> None:
        job = self._leased(job_id, worker_id)
        self.jobs[job_id] = replace(job, state=JobState.DONE, lease_owner=None, lease_expires_at=None)

    async def fail(self, job_id: int, worker_id: str, reason: str, *, permanent: bool = False) -> Retry | Park:
        job = self._leased(job_id, worker_id)
        outcome = decide_failure(
            self.policy,
            attempts=job.attempts,
            max_attempts=job.max_attempts,
            reason=reason,
            now=self.clock.now(),
            rand=self.rand(),
            permanent=permanent,
        )
        if isinstance(outcome, Retry):
            self.jobs[job_id] = replace(
                job,
                state=JobState.PENDING,
                run_at=outcome.at,
                last_error=outcome.reason,
                lease_owner=None,
                lease_expires_at=None,
            )
        else:
            self.jobs[job_id] = replace(
                job, state=JobState.PARKED, last_error=outcome.reason, lease_owner=None, lease_expires_at=None
            )
        return outcome

    async def release(self, job_id: int, worker_id: str, *, delay_seconds: float = 0.0) -> None:
        job = self._leased(job_id, worker_id)
        self.jobs[job_id] = replace(
            job,
            state=JobState.PENDING,
            attempts=max(job.attempts - 1, 0),
            run_at=self.clock.now() + timedelta(seconds=max(delay_seconds, 0.0)),
            lease_owner=None,
            lease_expires_at=None,
        )

    async def extend_lease(self, job_id: int, worker_id: str, lease_seconds: float) -> datetime:
        job = self._leased(job_id, worker_id)
        expires = self.clock.now() + timedelta(seconds=lease_seconds)
        self.jobs[job_id] = replace(job, lease_expires_at=expires)
        return expires

    async def get(self, job_id: int) -> Job:
        job = self.jobs.get(job_id)
        if job is None:
            raise UnknownJob(job_id)
        return job

    async def counts(self) -> list[JobCount]:
        tally: dict[tuple[str, JobState], int] = {}
        for job in self.jobs.values():
            tally[job.kind, job.state] = tally.get((job.kind, job.state), 0) + 1
        return [JobCount(kind, state, n) for (kind, state), n in sorted(tally.items())]
