"""Prometheus metrics of the center, on an injected registry. Label values are always bounded:
types, categories, lists, verdicts, outcomes, routes, operators — never a domain or a number.

Two kinds of counters. Those that count the center's work (reports, decisions, listing changes,
disputes, blocked hits) are kept in the store, written in the same transaction as the work, and
exported from there by `StoreCounters`: they survive restarts, add up the work of every process (the
CLI's imports and decisions included) and every node exports the same, global, value. The rest count
what this process did (requests, pulls, crawls, rejections) and restart with it.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

# name in the store -> (exported name without _total, help, label names)
STORE_COUNTERS: Mapping[str, tuple[str, str, tuple[str, ...]]] = {
    "reports_total": ("antifraud_reports", "Reports accepted, by indicator type and category", ("type", "category")),
    "decisions_total": (
        "antifraud_decisions",
        "Decisions taken, by indicator type, verdict and origin (auto or analyst)",
        ("type", "verdict", "origin"),
    ),
    "listing_changes_total": (
        "antifraud_listing_changes",
        "Listing state changes that affect a published list",
        ("list",),
    ),
    "disputes_total": ("antifraud_disputes", "False-positive claims received", ("type",)),
    "blocked_hits": (
        "antifraud_blocked_hits",
        "Queries and calls blocked by operators' resolvers and gateways, from their feedback",
        ("list", "category"),
    ),
    "operator_blocked_hits": (
        "antifraud_operator_blocked_hits",
        "Blocked queries and calls by reporting operator, from their feedback",
        ("list", "operator"),
    ),
}


class StoreCounters(Collector):
    """Exports the counters kept in the store, from the last snapshot `update` was given."""

    def __init__(self) -> None:
        self._values: dict[tuple[str, tuple[str, ...]], float] = {}
        self._listed: dict[tuple[str, str], int] = {}
        self._waiting: dict[str, int] = {}

    def update(self, rows: Iterable[tuple[str, tuple[str, ...], float]]) -> None:
        self._values = {(name, labels): value for name, labels, value in rows}

    def update_gauges(self, listed: Mapping[tuple[str, str], int], waiting: Mapping[str, int]) -> None:
        self._listed = {k: v for k, v in listed.items() if v > 0}
        self._waiting = dict(waiting)

    def value(self, name: str, *labels: str) -> float:
        return self._values.get((name, labels), 0.0)

    def collect(self) -> Iterator[Metric]:
        for key, (exported, help_text, label_names) in STORE_COUNTERS.items():
            family = CounterMetricFamily(exported, help_text, labels=list(label_names))
            for (name, labels), value in sorted(self._values.items()):
                if name == key and len(labels) == len(label_names):
                    family.add_metric(list(labels), value)
            yield family
        listed = GaugeMetricFamily(
            "antifraud_listed_entries", "Entries currently listed, by list and category", labels=["list", "category"]
        )
        for (list_name, category), n in sorted(self._listed.items()):
            listed.add_metric([list_name, category], n)
        yield listed
        waiting = GaugeMetricFamily("antifraud_review_queue", "Indicators waiting for an analyst", labels=["type"])
        for kind in ("domain", "phone", "wallet"):
            waiting.add_metric([kind], self._waiting.get(kind, 0))
        yield waiting


TIME_TO_PUBLISH_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    """Every metric the center exports. One instance per process, built by the composition root."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        self.store = StoreCounters()
        r.register(self.store)
        # intake
        self.report_rejections = Counter(
            "antifraud_report_rejections", "Reports refused at intake, by reason", ["reason"], registry=r
        )
        # decisions and listings
        # publication
        self.blocklist_version = Gauge(
            "antifraud_blocklist_version", "Version of the newest published list", ["list"], registry=r
        )
        self.blocklist_published = Gauge(
            "antifraud_blocklist_published_timestamp_seconds",
            "When the newest version of a list was published (Unix time)",
            ["list"],
            registry=r,
        )
        self.publications_held = Counter(
            "antifraud_publications_held",
            "Publications held for an analyst because they would change too much of a list at once",
            ["list"],
            registry=r,
        )
        self.publication_held = Gauge(
            "antifraud_publication_held", "1 while a publication of the list waits for an analyst", ["list"], registry=r
        )
        self.time_to_publish = Histogram(
            "antifraud_time_to_publish_seconds",
            "From the report that led to a listing to the first published version containing it",
            buckets=TIME_TO_PUBLISH_BUCKETS,
            registry=r,
        )
        # consumers
        self.blocklist_pulls = Counter(
            "antifraud_blocklist_pulls", "Blocklist downloads (including 304 answers), by list", ["list"], registry=r
        )
        self.operator_last_pull = Gauge(
            "antifraud_operator_last_pull_timestamp_seconds",
            "When an operator last pulled any list (Unix time)",
            ["operator"],
            registry=r,
        )
        # crawlers and jobs (issue 5)
        self.crawl_fetches = Counter("antifraud_crawl_fetches", "Crawler fetches by outcome", ["outcome"], registry=r)
        self.feed_items = Counter(
            "antifraud_feed_items",
            "Items a configured feed submitted to intake (new since its previous poll), by feed",
            ["feed"],
            registry=r,
        )
        self.jobs = Gauge("antifraud_jobs", "Jobs in the store by kind and state", ["kind", "state"], registry=r)
        self.job_runs = Counter(
            "antifraud_job_runs", "Job executions by kind and outcome", ["kind", "outcome"], registry=r
        )
        # API
        self.http_latency = Histogram(
            "antifraud_http_request_duration_seconds",
            "HTTP API latency by route template, method and status",
            ["route", "method", "status"],
            buckets=LATENCY_BUCKETS,
            registry=r,
        )
        self.rate_limited = Counter(
            "antifraud_http_rate_limited", "Requests refused with 429, by route", ["route"], registry=r
        )
