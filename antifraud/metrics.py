"""Prometheus metrics of the center, on an injected registry. Label values are always bounded:
types, categories, lists, verdicts, outcomes, routes, operators — never a domain or a number."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram

TIME_TO_PUBLISH_BUCKETS = (0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 900, 3600)
LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5)


class Metrics:
    """Every metric the center exports. One instance per process, built by the composition root."""

    def __init__(self, registry: CollectorRegistry | None = None) -> None:
        self.registry = registry if registry is not None else CollectorRegistry()
        r = self.registry
        # intake
        self.reports = Counter(
            "antifraud_reports", "Reports accepted, by indicator type and category", ["type", "category"], registry=r
        )
        self.report_rejections = Counter(
            "antifraud_report_rejections", "Reports refused at intake, by reason", ["reason"], registry=r
        )
        # decisions and listings
        self.decisions = Counter(
            "antifraud_decisions",
            "Decisions taken, by indicator type, verdict and origin (auto or analyst)",
            ["type", "verdict", "origin"],
            registry=r,
        )
        self.listed_entries = Gauge(
            "antifraud_listed_entries",
            "Entries currently listed, by list and category",
            ["list", "category"],
            registry=r,
        )
        self.listing_changes = Counter(
            "antifraud_listing_changes", "Listing state changes that affect a published list", ["list"], registry=r
        )
        self.review_queue = Gauge("antifraud_review_queue", "Indicators waiting for an analyst", ["type"], registry=r)
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
        self.blocked_hits = Counter(
            "antifraud_blocked_hits",
            "Queries and calls blocked by operators' resolvers and gateways, from their feedback",
            ["list", "category"],
            registry=r,
        )
        self.operator_blocked_hits = Counter(
            "antifraud_operator_blocked_hits",
            "Blocked queries and calls by reporting operator, from their feedback",
            ["list", "operator"],
            registry=r,
        )
        self.disputes = Counter("antifraud_disputes", "False-positive claims received", ["type"], registry=r)
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
