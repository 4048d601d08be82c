"""The job record and the errors of the job queue."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from antifraud.domain.errors import AntifraudError, InvalidInput

_KIND = re.compile(r"^[a-z][a-z0-9_.-]{0,63}$")
MAX_REASON_LENGTH = 2000  # a traceback-sized reason is truncated: the store keeps what a person reads


class JobState(StrEnum):
    PENDING = "pending"  # waiting for `run_at`
    RUNNING = "running"  # leased by a worker until `lease_expires_at`
    DONE = "done"
    PARKED = "parked"  # failed too often (or for good); kept with its reason for an analyst


class JobError(AntifraudError):
    code = "job"


class LeaseLost(JobError):  # noqa: N818 - names the condition
    """The worker no longer holds the job: its lease expired and another worker took it, or it ended."""

    code = "lease_lost"

    def __init__(self, job_id: int, worker_id: str) -> None:
        super().__init__(
            f"job {job_id} is not leased by worker {worker_id!r}: its lease expired and another worker "
            "may have claimed it, or it has already finished; the result of this run is discarded"
        )
        self.job_id = job_id
        self.worker_id = worker_id


class UnknownJob(JobError):  # noqa: N818 - names the condition
    code = "not_found"

    def __init__(self, job_id: int) -> None:
        super().__init__(f"there is no job {job_id}")
        self.job_id = job_id


class PermanentJobError(Exception):
    """Raised by a handler when retrying cannot help (bad payload, indicator gone): the job is parked now."""


def check_kind(kind: str) -> str:
    if not _KIND.match(kind):
        raise InvalidInput(
            f"job kind {kind!r} is not valid: use 1-64 lower-case letters, digits, '_', '.', '-' "
            "starting with a letter",
            field="kind",
        )
    return kind


def clip_reason(reason: str) -> str:
    reason = reason.strip() or "no reason given"
    return reason if len(reason) <= MAX_REASON_LENGTH else reason[: MAX_REASON_LENGTH - 1] + "…"


@dataclass(frozen=True, slots=True)
class NewJob:
    """A job to enqueue.

    `dedup_key`: while a job of the same kind and key is pending or running, enqueueing again returns
    that job instead of adding one. `group`: jobs sharing it (the registered domain) are limited in
    how many run at once, so the center never hammers one site or one zone.
    """

    kind: str
    payload: Mapping[str, Any] = field(default_factory=dict)
    dedup_key: str | None = None
    group: str | None = None
    run_at: datetime | None = None  # None: as soon as possible
    max_attempts: int | None = None  # None: the queue's retry policy decides

    def __post_init__(self) -> None:
        check_kind(self.kind)
        if self.max_attempts is not None and self.max_attempts < 1:
            raise InvalidInput(f"max_attempts must be at least 1, not {self.max_attempts}", field="max_attempts")
        if self.run_at is not None and self.run_at.tzinfo is None:
            raise InvalidInput("run_at must carry a time zone (UTC)", field="run_at")


@dataclass(frozen=True, slots=True)
class Job:
    id: int
    kind: str
    payload: Mapping[str, Any]
    state: JobState
    attempts: int  # runs started so far, including the current one while running
    max_attempts: int
    run_at: datetime
    created_at: datetime
    dedup_key: str | None = None
    group: str | None = None
    lease_owner: str | None = None
    lease_expires_at: datetime | None = None
    last_error: str | None = None

    def lease_expired(self, now: datetime) -> bool:
        return self.state is JobState.RUNNING and self.lease_expires_at is not None and self.lease_expires_at <= now

    def claimable(self, now: datetime) -> bool:
        """Due and waiting, or running under a lease nobody renewed (its worker died)."""
        return (self.state is JobState.PENDING and self.run_at <= now) or self.lease_expired(now)


@dataclass(frozen=True, slots=True)
class Enqueued:
    job_id: int
    created: bool  # False: an active job with the same kind and dedup key already existed


@dataclass(frozen=True, slots=True)
class JobCount:
    kind: str
    state: JobState
    count: int


@dataclass(frozen=True, slots=True)
class ClaimRequest:
    """What a worker asks for: up to `limit` due jobs of `kinds`, leased for `lease_seconds`.

    Jobs whose group is in `busy_groups` are left for later: this worker already runs as many of
    that group as it may.
    """

    worker_id: str
    kinds: frozenset[str]
    lease_seconds: float
    limit: int
    busy_groups: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.worker_id:
            raise InvalidInput("worker_id is empty", field="worker_id")
        if self.lease_seconds <= 0:
            raise InvalidInput(f"lease_seconds must be positive, not {self.lease_seconds}", field="lease_seconds")
        if self.limit < 0:
            raise InvalidInput(f"limit must not be negative, not {self.limit}", field="limit")

    def wants(self, job: Job) -> bool:
        return job.kind in self.kinds and (job.group is None or job.group not in self.busy_groups)
