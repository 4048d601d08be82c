"""The `crawl` job: fetch a reported site safely, analyse the page, hand the findings on as evidence."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from antifraud.content.analysis import PageAnalyser, PageFindings
from antifraud.content.fetch import CrawlResult, FetchOutcome
from antifraud.domain.model import Signal
from antifraud.jobs import Job, NewJob, PermanentJobError
from workers.crawl.crawler import Crawler

CRAWL = "crawl"
# Worth another try later: the site or the path to it may be down for a moment.
_TRANSIENT = {FetchOutcome.TIMEOUT, FetchOutcome.CONNECT_ERROR, FetchOutcome.DNS_ERROR, FetchOutcome.PROTOCOL_ERROR}


class CrawlFailed(Exception):  # noqa: N818 - names the condition
    """A transient failure: the job is retried with backoff."""


PageSink = Callable[[str, CrawlResult, PageFindings | None], Awaitable[None]]


def crawl_job(url: str, zone: str) -> NewJob:
    """A crawl of `url`; one at a time per URL, limited per registered domain (`zone`)."""
    return NewJob(CRAWL, {"url": url, "zone": zone}, dedup_key=url, group=zone)


class CrawlHandler:
    def __init__(self, crawler: Crawler, analyser: PageAnalyser, sink: PageSink) -> None:
        self.crawler = crawler
        self.analyser = analyser
        self.sink = sink

    async def __call__(self, job: Job) -> None:
        url, zone = job.payload.get("url"), job.payload.get("zone")
        if not isinstance(url, str) or not url or not isinstance(zone, str) or not zone:
            raise PermanentJobError(f"a {CRAWL} job needs 'url' and 'zone', got {dict(job.payload)}")
        result = await self.crawler.crawl(url)
        if result.outcome in _TRANSIENT:
            raise CrawlFailed(f"{url}: {result.outcome.value}: {result.detail}")
        if result.outcome is FetchOutcome.BLOCKED_ADDRESS:
            # the name points into a private network: nothing to fetch, and retrying cannot help
            await self.sink(zone, result, None)
            raise PermanentJobError(f"{url}: {result.detail}")
        findings = None
        if result.text:
            findings = self.analyser.analyse(result.text, result.final_url or url)
        await self.sink(zone, result, findings)


def crawl_signals(result: CrawlResult, findings: PageFindings | None) -> Sequence[Signal]:
    """What a crawl says about a site: the page's own signals, and where it led."""
    signals: list[Signal] = list(findings.signals) if findings else []
    if result.outcome is FetchOutcome.BLOCKED_ADDRESS:
        signals.append(Signal("resolves_to_private_address", 10, f"{result.url}: {result.detail}"))
    return signals
