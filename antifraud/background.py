"""The center's background work, wired together: the durable job runner, DNS probes of new domains,
liveness re-probes of listed ones, and the feeds. Part of the composition root: it connects workers
to the center's use-cases; it holds no decision logic of its own."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Coroutine, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import aiohttp

if TYPE_CHECKING:
    from antifraud.app import Center

from antifraud.adapters.content_lexicon import load_content_lexicon, load_exchanges
from antifraud.content.analysis import PageAnalyser, PageFindings
from antifraud.content.fetch import CrawlResult
from antifraud.domain.errors import AntifraudError, InvalidIndicator
from antifraud.domain.model import IndicatorKey, IndicatorType, ListingState, Signal, Verdict
from antifraud.domain.normalize import normalize_domain
from antifraud.domain.urls import parse_url
from antifraud.feeds import FeedFormat, FeedItem, sources_from_mapping
from antifraud.jobs.policy import RetryPolicy
from antifraud.metrics import Metrics
from antifraud.ports import Clock
from antifraud.services.intake import ReportInput
from antifraud.services.repository import Committed
from antifraud.settings import Settings
from antifraud.storage.jobs_sqlite import SqliteDnsHistory, SqliteJobQueue
from workers.crawl.crawler import Crawler
from workers.crawl.handler import CRAWL, CrawlHandler, crawl_job, crawl_signals
from workers.dns.handler import DNS_PROBE, DnsProbeHandler, dns_probe_job
from workers.dns.lexicon import load_dns_lexicon
from workers.dns.model import DnsObservation, Registration
from workers.dns.probe import DnsProber, build_resolver
from workers.feeds import FEED_ITEM, CertstreamClient, FeedItemHandler, FeedPoller
from workers.jobs.runner import JobRunner, RunnerSettings

log = logging.getLogger("antifraud.background")


def liveness_of(observation: DnsObservation) -> bool | None:
    """Alive: the name resolves. Dead: the zone is gone (NXDOMAIN on its NS). Otherwise we do not know."""
    if observation.addresses:
        return True
    if observation.registration is Registration.UNREGISTERED:
        return False
    return None


@dataclass
class Background:
    """Everything that runs beside the API. `start()` opens it, `stop()` closes it in reverse order."""

    settings: Settings
    center: Center
    metrics: Metrics
    clock: Clock
    open_queue: Callable[[RetryPolicy], Awaitable[SqliteJobQueue]]  # the job queue on the center's database
    queue: SqliteJobQueue | None = None
    runner: JobRunner | None = None
    session: aiohttp.ClientSession | None = None
    _tasks: list[asyncio.Task[None]] = field(default_factory=list)  # stop gracefully when told
    _loops: list[asyncio.Task[None]] = field(default_factory=list)  # timers: cancelled at once
    _pending: set[asyncio.Task[Any]] = field(default_factory=set)
    _stoppers: list[Callable[[], None]] = field(default_factory=list)
    _exits: contextlib.AsyncExitStack = field(default_factory=contextlib.AsyncExitStack)

    @property
    def probing(self) -> bool:
        return bool(self.settings.nameservers) and self.settings.probes.dns

    async def start(self) -> None:
        sources = sources_from_mapping({"feed": list(self.settings.feeds)})
        if not self.probing and not sources:
            log.info("no name servers and no feeds configured: DNS probes and feeds are off")
            return
        jobs = self.settings.jobs
        self.queue = await self.open_queue(RetryPolicy(max_attempts=jobs.max_attempts))
        handlers: dict[str, Callable[..., Coroutine[Any, Any, None]]] = {FEED_ITEM: FeedItemHandler(self.submit_items)}
        if self.probing:
            prober = DnsProber(build_resolver(self.settings.nameservers), self.clock)
            handlers[DNS_PROBE] = DnsProbeHandler(
                prober, SqliteDnsHistory(self.queue), load_dns_lexicon(self.settings.dns_lexicon_file), self.on_dns
            )
            crawler = await self._exits.enter_async_context(
                Crawler(
                    nameservers=self.settings.nameservers,
                    allow_networks=self.settings.crawl_allow_networks,
                    metrics=self.metrics,
                )
            )
            analyser = PageAnalyser(
                self.center.detector.brands,
                load_content_lexicon(),
                self.center.suffixes,
                exchanges=load_exchanges(self.center.suffixes),
            )
            handlers[CRAWL] = CrawlHandler(crawler, analyser, self.on_page)
            self.center.repository.on_commit(self.schedule_probes)
            self._loops.append(asyncio.create_task(self._recheck_loop(), name="liveness-rechecks"))
        self.runner = JobRunner(
            self.queue,
            handlers,
            # grace: running jobs get 5 s to finish on shutdown; the rest are released for another worker
            settings=RunnerSettings(
                concurrency=jobs.concurrency,
                per_group=jobs.per_domain,
                lease_seconds=jobs.lease_seconds,
                grace_seconds=5.0,
            ),
            metrics=self.metrics,
        )
        self._tasks.append(asyncio.create_task(self.runner.run(), name="job-runner"))
        self._stoppers.append(self.runner.stop)
        if sources:
            self.session = aiohttp.ClientSession()
            for source in sources:
                if source.format is FeedFormat.CERTSTREAM:
                    client = CertstreamClient(
                        self.session, source, self.queue, self.is_suspicious, self.center.suffixes
                    )
                    self._stoppers.append(client.stop)
                    self._tasks.append(asyncio.create_task(client.run(), name=f"certstream-{source.name}"))
                else:
                    poller = FeedPoller(self.session, source, self.center.suffixes, self.submit_items)
                    self._stoppers.append(poller.stop)
                    self._tasks.append(asyncio.create_task(poller.run(), name=f"feed-{source.name}"))
        log.info("background work started: probes %s, %d feeds", "on" if self.probing else "off", len(sources))

    async def stop(self) -> None:
        for loop in self._loops:
            loop.cancel()
        await asyncio.gather(*self._loops, return_exceptions=True)
        for stop in reversed(self._stoppers):
            stop()  # the runner finishes or releases its running jobs
        if self._tasks:
            _, still_running = await asyncio.wait(self._tasks, timeout=10.0)
            for task in still_running:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
        for task in list(self._pending):
            task.cancel()
        await asyncio.gather(*self._pending, return_exceptions=True)
        if self.session is not None:
            await self.session.close()
        await self._exits.aclose()  # the crawler's session
        if self.queue is not None:
            await self.queue.close()

    # wiring ----------------------------------------------------------------------------------------
    def _spawn(self, coroutine: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.create_task(coroutine)
        self._pending.add(task)  # keep a reference until it ends
        task.add_done_callback(self._done)

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._pending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("scheduling a probe failed: %s", task.exception())

    def schedule_probes(self, event: Committed) -> None:
        """New domains: probe the name as reported (its subdomain may be the phishing host) and crawl the
        reported URL, or the site's front page."""
        if self.queue is None:
            return
        reported = {r.key: r for r in event.changes.reports}
        for key in event.new_keys:
            if key.type is not IndicatorType.DOMAIN:
                continue
            report = reported.get(key)
            url = report.url if report is not None else None
            probed = _host(url) or key.value
            self._spawn(self.queue.enqueue(dns_probe_job(probed, zone=key.value)))
            self._spawn(self.queue.enqueue(crawl_job(url or f"http://{probed}/", zone=key.value)))

    async def on_page(self, zone: str, result: CrawlResult, findings: PageFindings | None) -> None:
        """A crawl finished: the page's signals become evidence; the numbers it advertises and the wallets it
        shows become indicators linked to the site."""
        links = [(IndicatorType.PHONE, number, "advertised_on") for number in (findings.phones if findings else ())]
        links += [
            (IndicatorType.WALLET, wallet.value, "payment_to") for wallet in (findings.wallets if findings else ())
        ]
        await self.center.evidence.record(
            IndicatorType.DOMAIN, zone, "crawl", crawl_signals(result, findings), links=links, facts=crawl_facts(result)
        )

    async def on_dns(self, observation: DnsObservation, signals: tuple[Signal, ...]) -> None:
        """A DNS probe finished: its signals become evidence; for listed sites it is also a liveness check."""
        await self.center.evidence.record(
            IndicatorType.DOMAIN, observation.name, "dns", signals, facts=dns_facts(observation)
        )
        alive = liveness_of(observation)
        record = await self.center.repository.get_one(IndicatorKey(IndicatorType.DOMAIN, observation.zone))
        if alive is not None and record is not None and record.state in {ListingState.LISTED, ListingState.EXPIRED}:
            detail = ", ".join(observation.addresses[:3]) if alive else "the zone no longer exists (NXDOMAIN)"
            await self.center.evidence.liveness(IndicatorType.DOMAIN, observation.zone, alive=alive, detail=detail)

    async def _recheck_loop(self) -> None:
        interval = self.settings.probes.recheck_hours * 3600
        while True:
            await asyncio.sleep(interval)
            try:
                await self.recheck_listed()
            except Exception:  # one failure (a busy database) must not end the re-probes for good
                log.exception("scheduling liveness re-probes failed; trying again in %.0f h", interval / 3600)

    async def recheck_listed(self) -> int:
        """Enqueue a DNS probe of every listed domain (deduplicated: one waiting probe per name)."""
        if self.queue is None:
            return 0
        count = 0
        after = ""
        while values := await self.center.store.listed_values(IndicatorType.DOMAIN, after, 1000):
            for domain in values:
                await self.queue.enqueue(dns_probe_job(domain, zone=domain))
            count += len(values)
            after = values[-1]
        log.info("scheduled liveness probes of %d listed domains", count)
        return count

    async def submit_items(self, items: Sequence[FeedItem]) -> None:
        """Feed items take the same intake path as reports and `antifraud import`, one operator per feed."""
        by_source: dict[str, list[ReportInput]] = {}
        for item in items:
            trust = Signal("feed", item.trust // 2, f"listed by the {item.source} feed (trust {item.trust})")
            by_source.setdefault(item.source, []).append(
                ReportInput(item.type, item.value, item.category, source=item.source, extra=(trust,))
            )
        for source, reports in by_source.items():
            operator = await self.center.store.ensure_operator(f"feed:{source}")
            await self.center.intake.submit(operator, reports)
            self.metrics.feed_items.labels(source).inc(len(reports))

    def is_suspicious(self, name: str) -> bool:
        """Certificate-transparency names are scored lexically first; only the suspicious become jobs."""
        try:
            assessment = self.center.detector.assess_domain(normalize_domain(name, self.center.suffixes))
        except (InvalidIndicator, AntifraudError):
            return False
        return assessment.verdict in {Verdict.BLOCK, Verdict.REVIEW}


def _host(url: str | None) -> str | None:
    """The host a reported URL names (the one parser, as browsers parse URLs)."""
    if not url:
        return None
    try:
        return parse_url(url).host or None
    except InvalidIndicator:
        return None


def crawl_facts(result: CrawlResult) -> dict[str, object]:
    """What the crawler saw, for the analysts' console (every string is the site's: hostile)."""
    tls = result.tls
    return {
        "outcome": result.outcome.value,
        "final_url": result.final_url,
        "status": result.status,
        "address": result.address,
        "title": result.title,
        "redirects": list(result.redirect_chain),
        "tls": None
        if tls is None
        else {
            "subject": tls.subject,
            "issuer": tls.issuer,
            "san": list(tls.san[:20]),
            "not_before": tls.not_before.isoformat() if tls.not_before else None,
            "not_after": tls.not_after.isoformat() if tls.not_after else None,
            "protocol": tls.protocol,
        },
    }


def dns_facts(observation: DnsObservation) -> dict[str, object]:
    """What a DNS probe saw: the name's registration, addresses, aliases and name servers."""
    return {
        "name": observation.name,
        "registration": observation.registration.value,
        "addresses": list(observation.addresses[:20]),
        "ttl": observation.address_ttl,
        "cnames": list(observation.cname_chain),
        "nameservers": list(observation.records("NS")[:10]),
        "wildcard": observation.wildcard_detected,
    }
