"""The `dns_probe` job: probe a name, keep the observation in its history, hand on the signals."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime
from typing import Protocol

from antifraud.domain.model import Signal
from antifraud.jobs import Job, NewJob, PermanentJobError
from workers.dns.model import DnsObservation, Outcome
from workers.dns.probe import DnsProber
from workers.dns.signals import DnsLexicon, dns_signals

DNS_PROBE = "dns_probe"
_UNREACHABLE = {Outcome.TIMEOUT, Outcome.ERROR}


class DnsHistory(Protocol):
    """Earlier observations per name as JSON documents (`SqliteDnsHistory` in antifraud.storage)."""

    async def append(self, name: str, observed_at: datetime, outcome: str, document: str) -> None: ...

    async def recent(self, name: str, limit: int = 20) -> list[str]: ...


EvidenceSink = Callable[[DnsObservation, tuple[Signal, ...]], Awaitable[None]]


class ResolversUnreachable(Exception):  # noqa: N818 - names the condition
    """Every lookup timed out or failed: the probe says nothing about the name, so it is retried."""


def dns_probe_job(name: str, zone: str | None = None) -> NewJob:
    """A probe of `name`; one per name at a time, limited per registered domain (`zone`)."""
    return NewJob(DNS_PROBE, {"name": name, "zone": zone or name}, dedup_key=name, group=zone or name)


class DnsProbeHandler:
    def __init__(self, prober: DnsProber, history: DnsHistory, lexicon: DnsLexicon, sink: EvidenceSink) -> None:
        self.prober = prober
        self.history = history
        self.lexicon = lexicon
        self.sink = sink

    async def __call__(self, job: Job) -> None:
        name, zone = job.payload.get("name"), job.payload.get("zone")
        if not isinstance(name, str) or not name or not isinstance(zone, str | None):
            raise PermanentJobError(f"a {DNS_PROBE} job needs a 'name' (and optional 'zone'), got {dict(job.payload)}")
        observation = await self.prober.probe(name, zone)
        if all(item.outcome in _UNREACHABLE for item in observation.lookups):
            details = "; ".join(sorted({item.detail for item in observation.lookups}))
            raise ResolversUnreachable(f"no lookup of {name} got an answer: {details}")
        documents = await self.history.recent(observation.name, self.lexicon.fast_flux.history_probes)
        history = [DnsObservation.from_json(d) for d in documents]
        await self.history.append(
            observation.name, observation.observed_at, observation.outcome.value, observation.to_json()
        )
        await self.sink(observation, dns_signals(observation, history, self.lexicon))
