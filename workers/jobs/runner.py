"""The job runner: N concurrent handler tasks fed from the durable queue.

The runner only drives; every retry, park and lease decision is made by the queue (and the pure
`antifraud.jobs.policy` behind it). While a handler runs, its lease is renewed every third of the
lease time, so a live worker keeps its job and a dead one (killed, frozen, cut off from the store)
loses it to another worker within one lease. A lease found lost cancels the handler: its result
would be discarded anyway, and another worker now owns the job.

Shutdown is graceful: `stop()` ends claiming, running jobs get `grace_seconds` to finish, and the
ones still running are cancelled and released, unrun as far as the queue is concerned.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from antifraud.domain.errors import ConfigError
from antifraud.jobs import ClaimRequest, Job, JobQueue, JobState, LeaseLost, Park, PermanentJobError
from antifraud.metrics import Metrics
from antifraud.waiting import wait_event

log = logging.getLogger(__name__)

Handler = Callable[[Job], Coroutine[Any, Any, None]]


class UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def default_worker_id() -> str:
    """Host, process and a random part: unique even when a PID is reused after a crash."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


@dataclass(frozen=True, slots=True)
class RunnerSettings:
    concurrency: int = 16  # jobs running at once in this process
    per_group: int = 2  # jobs of one group (registered domain) running at once in this process
    lease_seconds: float = 60.0
    poll_seconds: float = 1.0  # how often to look for due jobs when the queue seemed empty
    grace_seconds: float = 10.0  # how long a shutdown waits for running jobs before releasing them
    max_run_seconds: float = 600.0  # a handler running longer is cancelled and its job failed
    group_busy_delay_seconds: float = 2.0  # a job claimed over its group's limit goes back for this long
    metrics_seconds: float = 15.0  # how often the `antifraud_jobs` gauge is refreshed from the store

    def __post_init__(self) -> None:
        for name in ("concurrency", "per_group"):
            if getattr(self, name) < 1:
                raise ConfigError(f"jobs: {name} must be at least 1, not {getattr(self, name)}")
        for name in ("lease_seconds", "poll_seconds", "max_run_seconds", "metrics_seconds"):
            if getattr(self, name) <= 0:
                raise ConfigError(f"jobs: {name} must be positive, not {getattr(self, name)}")
        if self.grace_seconds < 0 or self.group_busy_delay_seconds < 0:
            raise ConfigError("jobs: grace_seconds and group_busy_delay_seconds must not be negative")

    @property
    def renew_seconds(self) -> float:
        # A third of the lease: two renewals can fail (a busy database) before the lease runs out.
        return self.lease_seconds / 3


@dataclass(slots=True)
class _Running:
    job: Job
    handler: asyncio.Task[None]
    supervisor: asyncio.Task[str] | None = None
    lease_lost: bool = False
    shutting_down: bool = False
    timed_out: bool = False
    renewer: asyncio.Task[None] | None = field(default=None)


class JobRunner:
    def __init__(
        self,
        queue: JobQueue,
        handlers: Mapping[str, Handler],
        *,
        settings: RunnerSettings | None = None,
        metrics: Metrics | None = None,
        worker_id: str | None = None,
    ) -> None:
        if not handlers:
            raise ConfigError("the job runner needs at least one handler")
        self.queue = queue
        self.handlers = dict(handlers)
        self.settings = settings or RunnerSettings()
        self.metrics = metrics
        self.worker_id = worker_id or default_worker_id()
        self._running: dict[int, _Running] = {}
        self._groups: Counter[str] = Counter()
        self._stopping = asyncio.Event()
        self._wake = asyncio.Event()
        self._gauge_labels: set[tuple[str, str]] = set()

    @property
    def running(self) -> int:
        return len(self._running)

    def stop(self) -> None:
        """Stop claiming; `run()` returns once running jobs finished or were released."""
        self._stopping.set()
        self._wake.set()

    # the claim loop ------------------------------------------------------------------------------
    async def run(self) -> None:
        metrics_task = asyncio.create_task(self._metrics_loop(), name="jobs-metrics")
        try:
            while not self._stopping.is_set():
                self._wake.clear()
                free = self.settings.concurrency - len(self._running)
                claimed = await self._claim(free) if free > 0 else 0
                if self._stopping.is_set():
                    break
                if free > 0 and claimed == free:
                    continue  # a full batch: there may be more due right now
                # Nothing (more) due, or no free slot: sleep until a job ends, stop() or the poll.
                await wait_event(self._wake, self.settings.poll_seconds)
        finally:
            await self._drain()
            metrics_task.cancel()
            await asyncio.gather(metrics_task, return_exceptions=True)
            await self.refresh_metrics()

    async def _claim(self, free: int) -> int:
        busy = frozenset(g for g, n in self._groups.items() if n >= self.settings.per_group)
        request = ClaimRequest(
            worker_id=self.worker_id,
            kinds=frozenset(self.handlers),
            lease_seconds=self.settings.lease_seconds,
            limit=free,
            busy_groups=busy,
        )
        try:
            jobs = await self.queue.claim(request)
        except Exception:
            # The store is unreachable or busy past its timeout: keep the worker alive and retry on
            # the next poll; running jobs keep renewing on their own.
            log.exception("claiming jobs failed; retrying in %.1fs", self.settings.poll_seconds)
            return 0
        for job in jobs:
            if job.group is not None and self._groups[job.group] >= self.settings.per_group:
                # Two jobs of one group in the same batch: the second waits its turn.
                await self._give_back(job, self.settings.group_busy_delay_seconds, "deferred")
                continue
            self._start(job)
        return len(jobs)

    def _start(self, job: Job) -> None:
        handler = self.handlers[job.kind]
        task = asyncio.create_task(handler(job), name=f"job-{job.id}-{job.kind}")
        running = _Running(job=job, handler=task)
        self._running[job.id] = running
        if job.group is not None:
            self._groups[job.group] += 1
        running.renewer = asyncio.create_task(self._renew(running), name=f"job-{job.id}-lease")
        running.supervisor = asyncio.create_task(self._supervise(running), name=f"job-{job.id}-supervisor")

    # one job ---------------------------------------------------------------------------------------
    async def _renew(self, running: _Running) -> None:
        job = running.job
        while True:
            await asyncio.sleep(self.settings.renew_seconds)
            try:
                await self.queue.extend_lease(job.id, self.worker_id, self.settings.lease_seconds)
            except LeaseLost:
                log.warning("job %s (%s): lease lost while running; cancelling its handler", job.id, job.kind)
                running.lease_lost = True
                running.handler.cancel()
                return
            except Exception:
                log.exception("job %s (%s): renewing the lease failed; will try again", job.id, job.kind)

    async def _supervise(self, running: _Running) -> str:
        outcome = "error"
        try:
            done, _ = await asyncio.wait({running.handler}, timeout=self.settings.max_run_seconds)
            if not done:
                running.timed_out = True
                running.handler.cancel()
                await asyncio.wait({running.handler})
            if running.renewer is not None:
                running.renewer.cancel()
                await asyncio.gather(running.renewer, return_exceptions=True)
            outcome = await self._settle(running)
        except Exception:
            # The store failed while recording the end: the lease will expire and the job run again.
            log.exception("job %s (%s): recording its outcome failed", running.job.id, running.job.kind)
        finally:
            self._finish(running, outcome)
        return outcome

    async def _settle(self, running: _Running) -> str:
        """Report the handler's end to the queue; returns the outcome label for metrics."""
        job, task = running.job, running.handler
        if running.lease_lost:
            return "lease_lost"
        if running.timed_out:
            return await self._fail(job, f"ran longer than {self.settings.max_run_seconds:g}s and was cancelled")
        if task.cancelled():
            if running.shutting_down:
                await self._give_back(job, 0.0, None)
                return "released"
            return await self._fail(job, "the handler was cancelled")
        error = task.exception()
        if error is None:
            try:
                await self.queue.complete(job.id, self.worker_id)
            except LeaseLost:
                log.warning("job %s (%s) finished after its lease was lost; another worker owns it", job.id, job.kind)
                return "lease_lost"
            return "succeeded"
        if isinstance(error, PermanentJobError):
            return await self._fail(job, str(error) or type(error).__name__, permanent=True)
        log.warning("job %s (%s) attempt %s failed: %r", job.id, job.kind, job.attempts, error)
        return await self._fail(job, f"{type(error).__name__}: {error}")

    async def _fail(self, job: Job, reason: str, *, permanent: bool = False) -> str:
        try:
            outcome = await self.queue.fail(job.id, self.worker_id, reason, permanent=permanent)
        except LeaseLost:
            return "lease_lost"
        if isinstance(outcome, Park):
            log.error("job %s (%s) parked: %s", job.id, job.kind, outcome.reason)
            return "parked"
        return "retried"

    async def _give_back(self, job: Job, delay: float, outcome: str | None) -> None:
        try:
            await self.queue.release(job.id, self.worker_id, delay_seconds=delay)
        except LeaseLost:
            log.warning("job %s (%s) could not be released: its lease was already lost", job.id, job.kind)
        if outcome is not None:
            self._count(job.kind, outcome)

    def _finish(self, running: _Running, outcome: str) -> None:
        job = running.job
        self._running.pop(job.id, None)
        if job.group is not None:
            self._groups[job.group] -= 1
            if self._groups[job.group] <= 0:
                del self._groups[job.group]
        self._count(job.kind, outcome)
        self._wake.set()

    async def _drain(self) -> None:
        supervisors = [r.supervisor for r in self._running.values() if r.supervisor is not None]
        if not supervisors:
            return
        log.info("waiting up to %.1fs for %d running jobs", self.settings.grace_seconds, len(supervisors))
        await asyncio.wait(supervisors, timeout=self.settings.grace_seconds)
        for running in list(self._running.values()):
            running.shutting_down = True
            running.handler.cancel()
        await asyncio.gather(*supervisors, return_exceptions=True)

    # metrics ---------------------------------------------------------------------------------------
    def _count(self, kind: str, outcome: str) -> None:
        if self.metrics is not None:
            self.metrics.job_runs.labels(kind=kind, outcome=outcome).inc()

    async def _metrics_loop(self) -> None:
        while True:
            await self.refresh_metrics()
            await asyncio.sleep(self.settings.metrics_seconds)

    async def refresh_metrics(self) -> None:
        """Set `antifraud_jobs{kind,state}` from the store; states that emptied go back to 0."""
        if self.metrics is None:
            return
        try:
            counts = await self.queue.counts()
        except Exception:
            log.exception("reading job counts for the metrics failed")
            return
        seen = {(kind, state.value) for kind in self.handlers for state in JobState}
        values = {(c.kind, c.state.value): c.count for c in counts}
        for labels in seen | set(values) | self._gauge_labels:
            self.metrics.jobs.labels(kind=labels[0], state=labels[1]).set(values.get(labels, 0))
        self._gauge_labels |= seen | set(values)
