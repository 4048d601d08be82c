"""The runner against the in-memory queue on the real clock, with short leases and timeouts."""

from __future__ import annotations

import asyncio
from collections import Counter
from dataclasses import replace

import pytest
from fakes_jobs import FakeJobQueue

from antifraud.domain.errors import ConfigError
from antifraud.jobs import JobState, NewJob, PermanentJobError, RetryPolicy
from antifraud.metrics import Metrics
from workers.jobs import JobRunner, RunnerSettings, UtcClock

FAST = RunnerSettings(
    concurrency=4,
    per_group=2,
    lease_seconds=0.6,
    poll_seconds=0.02,
    grace_seconds=0.5,
    max_run_seconds=5,
    group_busy_delay_seconds=0.02,
    metrics_seconds=0.05,
)


@pytest.fixture
def queue():
    return FakeJobQueue(UtcClock(), RetryPolicy(base_delay_seconds=0.05, jitter=0, max_attempts=3))


@pytest.fixture
def metrics():
    return Metrics()


def runs(metrics, kind, outcome):
    return metrics.registry.get_sample_value("antifraud_job_runs_total", {"kind": kind, "outcome": outcome}) or 0


async def run_until(runner, condition, timeout=5.0):
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.01)
    finally:
        runner.stop()
        await task


class Tracker:
    """A handler that records how many of its jobs run at once, overall and per group."""

    def __init__(self, seconds=0.05):
        self.seconds = seconds
        self.now = 0
        self.peak = 0
        self.groups = Counter()
        self.group_peak = Counter()
        self.done = []

    async def __call__(self, job):
        self.now += 1
        self.peak = max(self.peak, self.now)
        if job.group:
            self.groups[job.group] += 1
            self.group_peak[job.group] = max(self.group_peak[job.group], self.groups[job.group])
        try:
            await asyncio.sleep(self.seconds)
        finally:
            self.now -= 1
            if job.group:
                self.groups[job.group] -= 1
        self.done.append(job.id)


async def test_runs_every_job_within_the_global_limit(queue, metrics):
    for i in range(12):
        await queue.enqueue(NewJob("dns_probe", {"i": i}))
    tracker = Tracker()
    runner = JobRunner(queue, {"dns_probe": tracker}, settings=FAST, metrics=metrics, worker_id="w1")
    await run_until(runner, lambda: len(tracker.done) == 12)
    assert sorted(tracker.done) == list(range(1, 13))
    assert tracker.peak == 4
    assert all(j.state is JobState.DONE for j in queue.jobs.values())
    assert runs(metrics, "dns_probe", "succeeded") == 12
    # the gauge is refreshed on the way out: every job done, nothing pending
    sample = metrics.registry.get_sample_value
    assert sample("antifraud_jobs", {"kind": "dns_probe", "state": "done"}) == 12
    assert sample("antifraud_jobs", {"kind": "dns_probe", "state": "pending"}) == 0


async def test_per_group_limit(queue, metrics):
    for i in range(6):
        await queue.enqueue(NewJob("crawl", {"i": i}, group="kaspi-bonus.kz"))
    for i in range(2):
        await queue.enqueue(NewJob("crawl", {"i": i}, group="halyk-prize.com"))
    tracker = Tracker(seconds=0.08)
    runner = JobRunner(queue, {"crawl": tracker}, settings=FAST, metrics=metrics, worker_id="w1")
    await run_until(runner, lambda: len(tracker.done) == 8)
    assert tracker.group_peak["kaspi-bonus.kz"] == 2
    assert tracker.peak <= 4
    assert all(j.attempts == 1 for j in queue.jobs.values())  # a deferred job gets its attempt back


async def test_failures_retry_then_park_and_permanent_errors_park_at_once(queue, metrics):
    flaky = (await queue.enqueue(NewJob("dns_probe", {"name": "flaky"}))).job_id
    broken = (await queue.enqueue(NewJob("dns_probe", {"name": "broken"}))).job_id
    bad = (await queue.enqueue(NewJob("dns_probe", {"name": "bad"}))).job_id
    calls = Counter()

    async def handler(job):
        name = job.payload["name"]
        calls[name] += 1
        if name == "bad":
            raise PermanentJobError("the payload names no domain")
        if name == "broken" or calls[name] < 2:
            raise TimeoutError("resolver did not answer")

    def settled():
        return all(queue.jobs[i].state in {JobState.DONE, JobState.PARKED} for i in (flaky, broken, bad))

    runner = JobRunner(queue, {"dns_probe": handler}, settings=FAST, metrics=metrics, worker_id="w1")
    await run_until(runner, settled)
    assert queue.jobs[flaky].state is JobState.DONE
    assert queue.jobs[broken].state is JobState.PARKED
    assert "TimeoutError: resolver did not answer" in queue.jobs[broken].last_error
    assert queue.jobs[bad].state is JobState.PARKED
    assert "the payload names no domain" in queue.jobs[bad].last_error
    assert calls == {"flaky": 2, "broken": 3, "bad": 1}
    assert runs(metrics, "dns_probe", "retried") == 3
    assert runs(metrics, "dns_probe", "parked") == 2
    assert runs(metrics, "dns_probe", "succeeded") == 1


async def test_the_lease_is_renewed_while_a_long_handler_runs(queue, metrics):
    job_id = (await queue.enqueue(NewJob("crawl"))).job_id
    finished = []

    async def slow(job):
        await asyncio.sleep(1.5)  # 2.5 leases
        finished.append(job.id)

    rival = JobRunner(queue, {"crawl": slow}, settings=FAST, worker_id="rival")
    runner = JobRunner(queue, {"crawl": slow}, settings=FAST, metrics=metrics, worker_id="w1")
    first = asyncio.create_task(runner.run())
    await asyncio.sleep(0.1)  # w1 holds the job before the rival starts polling
    await run_until(rival, lambda: bool(finished), timeout=5)
    runner.stop()
    await first
    assert finished == [job_id]
    assert queue.jobs[job_id].state is JobState.DONE
    assert queue.jobs[job_id].attempts == 1
    assert [ids for worker, ids in queue.claims if worker == "rival" and ids] == []


async def test_a_lost_lease_cancels_the_handler(queue, metrics):
    job_id = (await queue.enqueue(NewJob("crawl"))).job_id
    cancelled = asyncio.Event()

    async def handler(job):
        try:
            await asyncio.sleep(10)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    runner = JobRunner(queue, {"crawl": handler}, settings=FAST, metrics=metrics, worker_id="w1")
    task = asyncio.create_task(runner.run())
    async with asyncio.timeout(3):
        while queue.jobs[job_id].state is not JobState.RUNNING:
            await asyncio.sleep(0.01)
        # another worker took the job over (as after a long stall of this one)
        queue.jobs[job_id] = replace(queue.jobs[job_id], lease_owner="w2")
        await cancelled.wait()
        while runs(metrics, "crawl", "lease_lost") == 0:
            await asyncio.sleep(0.01)
    runner.stop()
    await task
    assert queue.jobs[job_id].lease_owner == "w2"  # untouched: w2's run decides
    assert queue.jobs[job_id].state is JobState.RUNNING


async def test_graceful_shutdown_finishes_quick_jobs_and_releases_slow_ones(queue, metrics):
    quick = (await queue.enqueue(NewJob("crawl", {"seconds": 0.2}))).job_id
    slow = (await queue.enqueue(NewJob("crawl", {"seconds": 30}))).job_id
    started = set()

    async def handler(job):
        started.add(job.id)
        await asyncio.sleep(job.payload["seconds"])

    runner = JobRunner(queue, {"crawl": handler}, settings=FAST, metrics=metrics, worker_id="w1")
    task = asyncio.create_task(runner.run())
    async with asyncio.timeout(3):
        while started != {quick, slow}:
            await asyncio.sleep(0.01)
    runner.stop()
    async with asyncio.timeout(3):  # grace is 0.5 s: shutdown does not wait for the slow job
        await task
    assert queue.jobs[quick].state is JobState.DONE
    released = queue.jobs[slow]
    assert released.state is JobState.PENDING
    assert released.attempts == 0
    assert released.lease_owner is None
    assert runs(metrics, "crawl", "released") == 1
    assert runner.running == 0


async def test_a_hanging_handler_is_cancelled_and_failed(queue, metrics):
    job_id = (await queue.enqueue(NewJob("crawl", max_attempts=1))).job_id
    settings = RunnerSettings(lease_seconds=0.6, poll_seconds=0.02, max_run_seconds=0.2, grace_seconds=0)

    async def hang(job):
        await asyncio.Event().wait()

    runner = JobRunner(queue, {"crawl": hang}, settings=settings, metrics=metrics, worker_id="w1")
    await run_until(runner, lambda: queue.jobs[job_id].state is JobState.PARKED)
    assert "ran longer than 0.2s" in queue.jobs[job_id].last_error


def test_settings_are_validated():
    with pytest.raises(ConfigError, match="concurrency must be at least 1"):
        RunnerSettings(concurrency=0)
    with pytest.raises(ConfigError, match="lease_seconds must be positive"):
        RunnerSettings(lease_seconds=0)
    with pytest.raises(ConfigError, match="at least one handler"):
        JobRunner(FakeJobQueue(UtcClock()), {})
