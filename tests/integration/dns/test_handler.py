"""The dns_probe job end to end: queue -> runner -> probe -> history -> signals."""

from __future__ import annotations

import asyncio

import pytest
from fakes import FakeClock
from fakes_jobs import FakeJobQueue
from nameserver import FakeZone, Nameserver

from antifraud.jobs import JobState, NewJob, RetryPolicy
from workers.dns import DnsProber, build_resolver
from workers.dns.handler import DnsProbeHandler, dns_probe_job
from workers.dns.lexicon import load_dns_lexicon
from workers.jobs import JobRunner, RunnerSettings, UtcClock


class MemoryHistory:
    def __init__(self):
        self.documents = {}
        self.outcomes = []

    async def append(self, name, observed_at, outcome, document):
        self.documents.setdefault(name, []).append(document)
        self.outcomes.append((name, observed_at, outcome))

    async def recent(self, name, limit=20):
        return self.documents.get(name, [])[-limit:]


async def run_jobs(queue, handler, done):
    settings = RunnerSettings(lease_seconds=5, poll_seconds=0.02, grace_seconds=1)
    runner = JobRunner(queue, {"dns_probe": handler}, settings=settings, worker_id="w1")
    task = asyncio.create_task(runner.run())
    try:
        async with asyncio.timeout(10):
            while not done():
                await asyncio.sleep(0.02)
    finally:
        runner.stop()
        await task


@pytest.fixture
async def nameserver():
    zone = FakeZone()
    zone.rotate("flux.kz", "A", [["192.0.2.1", "198.51.100.2", "100.64.0.1"], ["172.16.0.1", "10.0.0.1"]], ttl=30)
    zone.add("flux.kz", "NS", "ns1.afraid.org.")
    zone.silent("tarpit.kz")
    async with Nameserver(zone) as ns:
        yield ns


async def test_probe_jobs_record_history_and_emit_signals(nameserver):
    queue = FakeJobQueue(UtcClock())
    history = MemoryHistory()
    evidence = []

    async def sink(observation, signals):
        evidence.append((observation, signals))

    prober = DnsProber(build_resolver([nameserver.address], timeout=0.3, lifetime=0.6), FakeClock())
    handler = DnsProbeHandler(prober, history, load_dns_lexicon(), sink)
    job_id = (await queue.enqueue(dns_probe_job("flux.kz"))).job_id
    await run_jobs(queue, handler, lambda: queue.jobs[job_id].state is JobState.DONE)
    job_id = (await queue.enqueue(dns_probe_job("flux.kz"))).job_id  # a recheck, later
    await run_jobs(queue, handler, lambda: queue.jobs[job_id].state is JobState.DONE)
    assert len(history.documents["flux.kz"]) == 2
    assert [o[2] for o in history.outcomes] == ["answer", "answer"]
    [(first, first_signals), (second, second_signals)] = evidence
    assert first.addresses != second.addresses
    assert {s.name for s in first_signals} == {"dns_free_nameservers", "dns_bad_hosting"}
    assert "dns_free_nameservers" in {s.name for s in second_signals}


async def test_unreachable_resolvers_retry_the_job_without_recording(nameserver):
    queue = FakeJobQueue(UtcClock(), RetryPolicy(base_delay_seconds=60))
    history = MemoryHistory()

    async def sink(observation, signals):
        raise AssertionError("nothing to hand on")

    prober = DnsProber(build_resolver([nameserver.address], timeout=0.2, lifetime=0.3), FakeClock())
    handler = DnsProbeHandler(prober, history, load_dns_lexicon(), sink)
    job_id = (await queue.enqueue(dns_probe_job("tarpit.kz"))).job_id
    await run_jobs(queue, handler, lambda: queue.jobs[job_id].last_error is not None)
    job = queue.jobs[job_id]
    assert job.state is JobState.PENDING
    assert "ResolversUnreachable: no lookup of tarpit.kz got an answer" in job.last_error
    assert history.documents == {}


async def test_a_job_without_a_name_is_parked():
    queue = FakeJobQueue(UtcClock())

    async def sink(observation, signals):
        raise AssertionError("unreachable")

    prober = DnsProber(build_resolver(["127.0.0.1:9"]), FakeClock())
    handler = DnsProbeHandler(prober, MemoryHistory(), load_dns_lexicon(), sink)
    job_id = (await queue.enqueue(NewJob("dns_probe", {"zone": "x.kz"}))).job_id
    await run_jobs(queue, handler, lambda: queue.jobs[job_id].state is JobState.PARKED)
    assert "needs a 'name'" in queue.jobs[job_id].last_error


def test_probe_job_is_deduplicated_per_name_and_grouped_per_zone():
    job = dns_probe_job("login.kaspi-bonus.kz", "kaspi-bonus.kz")
    assert job.dedup_key == "login.kaspi-bonus.kz"
    assert job.group == "kaspi-bonus.kz"
    assert job.payload == {"name": "login.kaspi-bonus.kz", "zone": "kaspi-bonus.kz"}
