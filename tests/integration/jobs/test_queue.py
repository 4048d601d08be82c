"""The JobQueue contract, run against the in-memory fake and the SQLite adapter alike."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest

from antifraud.domain.errors import ConfigError
from antifraud.jobs import ClaimRequest, JobState, LeaseLost, NewJob, Park, Retry, UnknownJob
from antifraud.storage.jobs_sqlite import SqliteDnsHistory, SqliteJobQueue
from antifraud.storage.sqlite import SqliteStore


def claim(worker="w1", kinds=("dns_probe",), lease=30, limit=10, busy=()):
    return ClaimRequest(worker, frozenset(kinds), lease, limit, frozenset(busy))


async def test_enqueue_dedups_while_active_and_allows_again_after_done(queue):
    first = await queue.enqueue(NewJob("dns_probe", {"name": "kaspi-bonus.kz"}, dedup_key="kaspi-bonus.kz"))
    again = await queue.enqueue(NewJob("dns_probe", {"name": "kaspi-bonus.kz"}, dedup_key="kaspi-bonus.kz"))
    other_kind = await queue.enqueue(NewJob("crawl", {}, dedup_key="kaspi-bonus.kz"))
    assert first.created
    assert not again.created
    assert again.job_id == first.job_id
    assert other_kind.created
    [job] = await queue.claim(claim())
    assert (await queue.enqueue(NewJob("dns_probe", dedup_key="kaspi-bonus.kz"))).job_id == first.job_id
    await queue.complete(job.id, "w1")
    later = await queue.enqueue(NewJob("dns_probe", dedup_key="kaspi-bonus.kz"))
    assert later.created
    assert later.job_id != first.job_id


async def test_jobs_without_dedup_key_are_never_merged(queue):
    a = await queue.enqueue(NewJob("dns_probe"))
    b = await queue.enqueue(NewJob("dns_probe"))
    assert a.job_id != b.job_id


async def test_claim_leases_due_jobs_in_order_and_counts_the_attempt(queue, clock):
    late = await queue.enqueue(NewJob("dns_probe", {"n": 2}, run_at=clock.now() + timedelta(minutes=5)))
    early = await queue.enqueue(NewJob("dns_probe", {"n": 1}))
    await queue.enqueue(NewJob("crawl", {"n": 3}))
    jobs = await queue.claim(claim(lease=600))
    assert [j.id for j in jobs] == [early.job_id]
    job = jobs[0]
    assert job.state is JobState.RUNNING
    assert job.attempts == 1
    assert job.lease_owner == "w1"
    assert job.lease_expires_at == clock.now() + timedelta(seconds=600)
    assert job.payload == {"n": 1}
    assert await queue.claim(claim(worker="w2")) == []  # leased: nobody else gets it
    clock.advance(minutes=5)
    assert [j.id for j in await queue.claim(claim(worker="w2"))] == [late.job_id]


async def test_claim_respects_limit_and_busy_groups(queue):
    for i in range(3):
        await queue.enqueue(NewJob("dns_probe", {"i": i}, group="kaspi-bonus.kz"))
    await queue.enqueue(NewJob("dns_probe", {"i": 9}, group="halyk-prize.com"))
    jobs = await queue.claim(claim(limit=5, busy=("kaspi-bonus.kz",)))
    assert [j.group for j in jobs] == ["halyk-prize.com"]
    assert len(await queue.claim(claim(limit=2))) == 2
    assert await queue.claim(claim(limit=0)) == []


async def test_expired_lease_makes_the_job_claimable_by_another_worker(queue, clock):
    job_id = (await queue.enqueue(NewJob("dns_probe"))).job_id
    await queue.claim(claim(worker="w1", lease=30))
    clock.advance(seconds=29)
    assert await queue.claim(claim(worker="w2")) == []
    clock.advance(seconds=1)
    [taken] = await queue.claim(claim(worker="w2"))
    assert taken.id == job_id
    assert taken.attempts == 2
    assert taken.lease_owner == "w2"
    # the first worker wakes up: its results are refused
    with pytest.raises(LeaseLost, match="not leased by worker 'w1'"):
        await queue.complete(job_id, "w1")
    with pytest.raises(LeaseLost):
        await queue.extend_lease(job_id, "w1", 30)
    await queue.complete(job_id, "w2")
    assert (await queue.get(job_id)).state is JobState.DONE


async def test_extend_lease_keeps_the_job(queue, clock):
    job_id = (await queue.enqueue(NewJob("dns_probe"))).job_id
    await queue.claim(claim(lease=30))
    clock.advance(seconds=20)
    expires = await queue.extend_lease(job_id, "w1", 30)
    assert expires == clock.now() + timedelta(seconds=30)
    clock.advance(seconds=20)
    assert await queue.claim(claim(worker="w2")) == []


async def test_fail_retries_with_backoff_then_parks(queue, clock):
    job_id = (await queue.enqueue(NewJob("dns_probe"))).job_id
    delays = []
    for attempt in (1, 2):
        [job] = await queue.claim(claim())
        assert job.attempts == attempt
        outcome = await queue.fail(job_id, "w1", f"SERVFAIL from resolver (attempt {attempt})")
        assert isinstance(outcome, Retry)
        delays.append(outcome.delay_seconds)
        stored = await queue.get(job_id)
        assert stored.state is JobState.PENDING
        assert stored.last_error == f"SERVFAIL from resolver (attempt {attempt})"
        assert await queue.claim(claim()) == []  # not before the backoff
        clock.advance(seconds=outcome.delay_seconds)
    assert delays == [10, 20]  # rand 0.5 is the middle of the jitter: base * 2**(n-1)
    [job] = await queue.claim(claim())
    outcome = await queue.fail(job_id, "w1", "still failing")
    assert isinstance(outcome, Park)
    stored = await queue.get(job_id)
    assert stored.state is JobState.PARKED
    assert "failed 3 times" in stored.last_error
    clock.advance(days=1)
    assert await queue.claim(claim()) == []


async def test_permanent_failure_parks_at_once(queue):
    job_id = (await queue.enqueue(NewJob("dns_probe"))).job_id
    await queue.claim(claim())
    outcome = await queue.fail(job_id, "w1", "payload has no name", permanent=True)
    assert isinstance(outcome, Park)
    assert (await queue.get(job_id)).state is JobState.PARKED


async def test_release_gives_the_job_back_without_spending_an_attempt(queue, clock):
    job_id = (await queue.enqueue(NewJob("dns_probe"))).job_id
    await queue.claim(claim())
    await queue.release(job_id, "w1", delay_seconds=5)
    stored = await queue.get(job_id)
    assert stored.state is JobState.PENDING
    assert stored.attempts == 0
    assert stored.lease_owner is None
    assert await queue.claim(claim()) == []
    clock.advance(seconds=5)
    [job] = await queue.claim(claim(worker="w2"))
    assert job.attempts == 1


async def test_a_job_that_keeps_losing_its_worker_is_parked(queue, clock):
    job_id = (await queue.enqueue(NewJob("dns_probe", max_attempts=2))).job_id
    for worker in ("w1", "w2"):
        assert [j.id for j in await queue.claim(claim(worker=worker, lease=10))] == [job_id]
        clock.advance(seconds=10)  # the worker died: nobody renews
    assert await queue.claim(claim(worker="w3")) == []
    stored = await queue.get(job_id)
    assert stored.state is JobState.PARKED
    assert "worker was lost" in stored.last_error


async def test_unknown_job(queue):
    with pytest.raises(UnknownJob, match="no job 999"):
        await queue.get(999)
    with pytest.raises(UnknownJob):
        await queue.complete(999, "w1")


async def test_counts_by_kind_and_state(queue):
    await queue.enqueue(NewJob("dns_probe"))
    await queue.enqueue(NewJob("dns_probe"))
    await queue.enqueue(NewJob("crawl"))
    [job] = await queue.claim(claim(limit=1))
    await queue.complete(job.id, "w1")
    counts = {(c.kind, c.state): c.count for c in await queue.counts()}
    assert counts == {
        ("dns_probe", JobState.PENDING): 1,
        ("dns_probe", JobState.DONE): 1,
        ("crawl", JobState.PENDING): 1,
    }


# SQLite only --------------------------------------------------------------------------------------
async def test_two_connections_never_claim_the_same_job(db_path, clock):
    queues = [await SqliteJobQueue(str(db_path), clock).open() for _ in range(4)]
    try:
        for i in range(200):
            await queues[0].enqueue(NewJob("dns_probe", {"i": i}))

        async def drain(q, worker):
            got = []
            while batch := await q.claim(claim(worker=worker, limit=7)):
                got.extend(j.id for j in batch)
            return got

        results = await asyncio.gather(*(drain(q, f"w{i}") for i, q in enumerate(queues)))
    finally:
        for q in queues:
            await q.close()
    claimed = [job_id for got in results for job_id in got]
    assert len(claimed) == 200
    assert len(set(claimed)) == 200


async def test_sqlite_queue_refuses_a_database_that_does_not_exist(tmp_path, clock):
    with pytest.raises(ConfigError, match="does not exist: open the center's store first"):
        await SqliteJobQueue(str(tmp_path / "empty.sqlite3"), clock).open()
    assert not (tmp_path / "empty.sqlite3").exists()


async def test_the_center_store_applies_the_jobs_migration(tmp_path, clock):
    path = str(tmp_path / "center.sqlite3")
    store = await SqliteStore.open(path, writer_id="w")
    await store.close()
    q = await SqliteJobQueue(path, clock).open()
    try:
        assert (await q.enqueue(NewJob("dns_probe"))).created
    finally:
        await q.close()


async def test_dns_history_keeps_the_newest_documents_oldest_first(db_path, clock):
    q = await SqliteJobQueue(str(db_path), clock).open()
    try:
        history = SqliteDnsHistory(q)
        for i in range(5):
            await history.append("kaspi-bonus.kz", clock.now() + timedelta(minutes=i), "answer", f'{{"i": {i}}}')
        await history.append("other.kz", clock.now(), "nxdomain", "{}")
        assert await history.recent("kaspi-bonus.kz", limit=3) == ['{"i": 2}', '{"i": 3}', '{"i": 4}']
        assert await history.recent("missing.kz") == []
    finally:
        await q.close()


async def test_purge_removes_only_old_finished_jobs(db_path, clock):
    q = await SqliteJobQueue(str(db_path), clock).open()
    try:
        done_id = (await q.enqueue(NewJob("dns_probe"))).job_id
        await q.claim(claim(limit=1))
        await q.complete(done_id, "w1")
        pending_id = (await q.enqueue(NewJob("dns_probe"))).job_id
        clock.advance(days=8)
        assert await q.purge_finished(clock.now() - timedelta(days=7)) == 1
        assert (await q.get(pending_id)).state is JobState.PENDING
        with pytest.raises(UnknownJob):
            await q.get(done_id)
    finally:
        await q.close()
