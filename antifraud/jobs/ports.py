"""The job queue port. Adapters: `antifraud.storage.jobs_sqlite.SqliteJobQueue`; tests: `tests/fakes_jobs.py`."""

from __future__ import annotations

from datetime import datetime
from typing import Protocol

from antifraud.jobs.model import ClaimRequest, Enqueued, Job, JobCount, NewJob
from antifraud.jobs.policy import Park, Retry


class JobQueue(Protocol):
    async def enqueue(self, job: NewJob) -> Enqueued:
        """Add a job, or return the pending/running job with the same kind and dedup key."""
        ...

    async def claim(self, request: ClaimRequest) -> list[Job]:
        """Lease up to `request.limit` due jobs atomically: two workers never get the same job.

        A job whose lease expired counts as due (its worker died); one that already used all its
        attempts that way is parked instead of being handed out again.
        """
        ...

    async def complete(self, job_id: int, worker_id: str) -> None:
        """Mark a leased job done. Raises LeaseLost if `worker_id` no longer holds it."""
        ...

    async def fail(self, job_id: int, worker_id: str, reason: str, *, permanent: bool = False) -> Retry | Park:
        """Schedule a retry with backoff, or park the job. Raises LeaseLost like `complete`."""
        ...

    async def release(self, job_id: int, worker_id: str, *, delay_seconds: float = 0.0) -> None:
        """Give a leased job back unrun (shutdown, concurrency limit): the attempt is not counted."""
        ...

    async def extend_lease(self, job_id: int, worker_id: str, lease_seconds: float) -> datetime:
        """Renew the lease of a running job; returns the new expiry. Raises LeaseLost."""
        ...

    async def get(self, job_id: int) -> Job:
        """One job by id. Raises UnknownJob."""
        ...

    async def counts(self) -> list[JobCount]:
        """How many jobs each kind has in each state (for the `antifraud_jobs` gauge)."""
        ...
