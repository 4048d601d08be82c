"""A job that never ends (a page dripping a byte every few seconds) is cancelled at its deadline while
its lease is being renewed. The renewer used to be cancelled inside BEGIN IMMEDIATE: the transaction
never rolled back, every later write failed with 'database is locked' while /healthz said ok, and
after a restart the same job did it again (5 of 5). Now every transaction runs in the store's writer
task; this replays the scenario with a renewal every 20 ms and checks the center stays writable."""

from __future__ import annotations

import asyncio

from antifraud.domain.model import Category, IndicatorKey, IndicatorType, ListingState
from antifraud.jobs import NewJob, RetryPolicy
from antifraud.metrics import Metrics
from antifraud.ports import ChangeSet, IndicatorRecord
from antifraud.storage.jobs_sqlite import SqliteJobQueue
from antifraud.storage.sqlite import SqliteStore
from workers.jobs.runner import JobRunner, RunnerSettings


class UtcClock:
    def now(self):
        from datetime import UTC, datetime  # noqa: PLC0415

        return datetime.now(UTC)


async def test_a_job_cancelled_at_its_deadline_leaves_the_store_writable(tmp_path):
    store = await SqliteStore.open(str(tmp_path / "center.sqlite3"), "center")
    queue = await SqliteJobQueue(store.db, UtcClock(), RetryPolicy(max_attempts=5)).open()
    drips = 0

    async def tarpit(_job):  # a crawl of a page that sends one byte every few seconds, forever
        nonlocal drips
        while True:
            drips += 1
            await asyncio.sleep(0.003)

    settings = RunnerSettings(
        concurrency=4, lease_seconds=0.06, poll_seconds=0.02, max_run_seconds=0.4, grace_seconds=0.1
    )
    runner = JobRunner(queue, {"crawl": tarpit}, settings=settings, metrics=Metrics(), worker_id="hostile")
    for i in range(4):
        await queue.enqueue(NewJob("crawl", {"url": f"http://tarpit-{i}.test/"}, dedup_key=f"t{i}"))
    task = asyncio.create_task(runner.run())
    try:
        await asyncio.sleep(2.5)  # each job times out (renewals every 20 ms cancelled mid-flight), is retried
    finally:
        runner.stop()
        await asyncio.wait_for(task, 10)
    assert drips > 100
    ok, detail = await store.healthy(timeout=2)
    assert ok, detail
    key = IndicatorKey(IndicatorType.DOMAIN, "after-the-tarpit.kz")
    record = IndicatorRecord(key, key.value, UtcClock().now(), ListingState.REVIEW, category=Category.PHISHING)
    await asyncio.wait_for(store.apply(ChangeSet(indicators=[record])), 2)
    assert key in await store.get_indicators([key])
    counts = {(c.kind, c.state.value): c.count for c in await queue.counts()}
    assert sum(n for (kind, _), n in counts.items() if kind == "crawl") == 4
    await queue.close()
    await store.close()
