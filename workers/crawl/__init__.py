"""The safe HTTP crawler: resolve, vet, connect to the vetted address, follow redirects by hand."""

from antifraud.content.fetch import CrawlLimits, CrawlResult, FetchOutcome, Hop
from workers.crawl.crawler import Crawler, CrawlerClosedError
from workers.crawl.pinning import GuardedSocketFactory, PinnedResolver, UnvettedAddressError
from workers.crawl.resolver import AddressResolver, DnsAddressResolver, ResolutionError

__all__ = [
    "AddressResolver",
    "CrawlLimits",
    "CrawlResult",
    "Crawler",
    "CrawlerClosedError",
    "DnsAddressResolver",
    "FetchOutcome",
    "GuardedSocketFactory",
    "Hop",
    "PinnedResolver",
    "ResolutionError",
    "UnvettedAddressError",
]
