"""Durable jobs: the job record, the queue port and the pure retry/lease decisions.

Pure code: no I/O, no clock, no randomness of its own (time and jitter are passed in). The SQLite
adapter lives in `antifraud.storage.jobs_sqlite`; the runner that drives handlers in `workers.jobs`.
"""

from antifraud.jobs.model import (
    ClaimRequest,
    Enqueued,
    Job,
    JobCount,
    JobError,
    JobState,
    LeaseLost,
    NewJob,
    PermanentJobError,
    UnknownJob,
)
from antifraud.jobs.policy import Park, Retry, RetryPolicy, decide_failure, lost_lease_reason
from antifraud.jobs.ports import JobQueue

__all__ = [
    "ClaimRequest",
    "Enqueued",
    "Job",
    "JobCount",
    "JobError",
    "JobQueue",
    "JobState",
    "LeaseLost",
    "NewJob",
    "Park",
    "PermanentJobError",
    "Retry",
    "RetryPolicy",
    "UnknownJob",
    "decide_failure",
    "lost_lease_reason",
]
