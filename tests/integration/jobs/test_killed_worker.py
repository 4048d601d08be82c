"""A worker killed mid-job loses nothing: the job completes once, on another worker."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from antifraud.jobs import JobState, NewJob
from antifraud.metrics import Metrics
from antifraud.storage.jobs_sqlite import SqliteJobQueue
from workers.jobs import JobRunner, RunnerSettings, UtcClock

WORKER = Path(__file__).with_name("worker_process.py")
LEASE = 1.0


async def wait_for(condition, timeout, what):
    try:
        async with asyncio.timeout(timeout):
            while not condition():
                await asyncio.sleep(0.02)
    except TimeoutError:
        pytest.fail(f"timed out after {timeout}s waiting for {what}")


def start_worker(db_path, markers):
    """The worker's output goes to a file next to the markers, read back when an assertion fails."""
    with (markers / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, str(WORKER), str(db_path), str(markers), str(LEASE)], stdout=log, stderr=log
        )


def worker_log(markers):
    return (markers / "worker.log").read_text(errors="replace")


@pytest.mark.slow
async def test_job_of_a_killed_worker_completes_once_on_another(db_path, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    queue = await SqliteJobQueue(str(db_path), UtcClock()).open()
    job_id = (await queue.enqueue(NewJob("crawl", {"url": "https://kaspi-bonus.kz/"}))).job_id
    proc = start_worker(db_path, markers)
    survivor_runs = []

    async def quick(job):
        survivor_runs.append((job.id, job.attempts))

    metrics = Metrics()
    settings = RunnerSettings(lease_seconds=LEASE, poll_seconds=0.05, grace_seconds=1)
    survivor = JobRunner(queue, {"crawl": quick}, settings=settings, metrics=metrics, worker_id="survivor")
    task = None
    try:
        await wait_for(lambda: any(markers.glob(f"started-{job_id}-*")), 20, "the worker process to start the job")
        assert proc.poll() is None, worker_log(markers)
        task = asyncio.create_task(survivor.run())
        # While the doomed worker lives it renews its lease: the survivor polls but gets nothing.
        await asyncio.sleep(LEASE * 1.5)
        assert survivor_runs == []
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        await wait_for(lambda: survivor_runs, LEASE * 10, "the survivor to take over the job")
        await wait_for(
            lambda: metrics.registry.get_sample_value(
                "antifraud_job_runs_total", {"kind": "crawl", "outcome": "succeeded"}
            ),
            5,
            "the survivor to complete the job",
        )
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=10)
        if task is not None:
            survivor.stop()
            await task
        job = await queue.get(job_id)
        await queue.close()
    assert survivor_runs == [(job_id, 2)]  # second attempt: the killed run counted as one
    assert job.state is JobState.DONE
    assert list(markers.glob("finished-*")) == []
    assert len(list(markers.glob("started-*"))) == 1


@pytest.mark.slow
async def test_sigterm_releases_the_running_job(db_path, tmp_path):
    markers = tmp_path / "markers"
    markers.mkdir()
    queue = await SqliteJobQueue(str(db_path), UtcClock()).open()
    try:
        job_id = (await queue.enqueue(NewJob("crawl"))).job_id
        proc = start_worker(db_path, markers)
        try:
            await wait_for(lambda: any(markers.glob(f"started-{job_id}-*")), 20, "the worker process to start the job")
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(timeout=10) == 0, worker_log(markers)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(timeout=10)
        job = await queue.get(job_id)
    finally:
        await queue.close()
    assert job.state is JobState.PENDING  # released: the next worker starts it at once
    assert job.attempts == 0
    assert job.lease_owner is None
