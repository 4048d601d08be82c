"""The route table: one line per route, from which the application, the scopes each route requires
and /openapi.json are all derived. A route cannot exist without its scopes and its description."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web
from pydantic import BaseModel

from antifraud.api import analyst, checks, feedback, health, intake, pull
from antifraud.api.schemas import AllowIn, CheckBatchIn, DecisionIn, DisputeIn, HitsIn, ReportBatchIn, ReportIn

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
PUBLIC: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Param:
    name: str
    where: str  # query | path
    description: str
    schema: dict[str, Any] = field(default_factory=lambda: {"type": "string"})
    required: bool = False


@dataclass(frozen=True, slots=True)
class Route:
    method: str
    path: str
    name: str
    handler: Handler
    scopes: frozenset[str] | None  # None: no key needed
    summary: str
    tag: str
    body: tuple[type[BaseModel], ...] = ()  # accepted request bodies (one of)
    params: tuple[Param, ...] = ()
    success: int = 200
    errors: tuple[int, ...] = (400, 401, 403, 413, 429, 503)


_LIST_NAME = Param("name", "path", "the list, e.g. domains.rpz or phones.csv", required=True)
_SINCE = Param("since", "query", "the version the client holds: answer with the delta since", {"type": "integer"})
_TYPE = Param("type", "path", "domain, url, phone or wallet", {"type": "string"}, required=True)
_VALUE = Param("value", "path", "the indicator's value", required=True)

ROUTES: tuple[Route, ...] = (
    Route(
        "GET",
        "/healthz",
        "healthz",
        health.healthz,
        None,
        "Liveness: 200 only while the store takes writes",
        "status",
        errors=(503,),
    ),
    Route("GET", "/metrics", "metrics", health.metrics, frozenset({"metrics"}), "Prometheus metrics", "status"),
    Route("GET", "/openapi.json", "openapi", health.openapi, None, "This document", "status", errors=()),
    Route(
        "POST",
        "/v1/reports",
        "reports",
        intake.reports,
        frozenset({"report"}),
        "Report a domain, URL, phone number or wallet (one, or a batch of at most 1000)",
        "intake",
        body=(ReportIn, ReportBatchIn),
        success=202,
        params=(Param("Idempotency-Key", "header", "a retry with the same key gets the first answer"),),
    ),
    Route(
        "GET",
        "/v1/check",
        "check_get",
        checks.check_get,
        frozenset({"check"}),
        "Is this domain, URL, number or wallet listed?",
        "check",
        params=tuple(
            Param(n, "query", f"the {n} to check (give exactly one)") for n in ("domain", "url", "phone", "wallet")
        ),
    ),
    Route(
        "POST",
        "/v1/check",
        "check_post",
        checks.check_post,
        frozenset({"check"}),
        "Check a batch",
        "check",
        body=(CheckBatchIn,),
    ),
    Route(
        "GET",
        "/v1/blocklists",
        "blocklists_index",
        pull.blocklists_index,
        frozenset({"pull"}),
        "Index of the published lists: version, entries, sha256",
        "pull",
    ),
    Route(
        "GET",
        "/v1/blocklists/{name}",
        "blocklist",
        pull.blocklist,
        frozenset({"pull"}),
        "A published list; ETag = version; ?since=VERSION for the delta",
        "pull",
        params=(_LIST_NAME, _SINCE),
        errors=(400, 401, 403, 404, 429, 503),
    ),
    Route(
        "GET",
        "/v1/pull/{token}/{name}",
        "pull_by_token",
        pull.pull_by_token,
        None,
        "A published list with the key in the path (for Unbound url:)",
        "pull",
        params=(Param("token", "path", "a key with the pull scope", required=True), _LIST_NAME, _SINCE),
        errors=(400, 401, 403, 404, 429, 503),
    ),
    Route(
        "POST",
        "/v1/hits",
        "hits",
        feedback.hits,
        frozenset({"pull"}),
        "What an operator's resolvers or gateways blocked in an interval (sent again: replaces)",
        "feedback",
        body=(HitsIn,),
        success=202,
    ),
    Route(
        "POST",
        "/v1/disputes",
        "disputes",
        feedback.disputes,
        frozenset({"report", "pull"}),
        "Claim a false positive: the indicator goes to the analysts",
        "feedback",
        body=(DisputeIn,),
        success=202,
    ),
    Route(
        "POST",
        "/v1/decisions",
        "decisions",
        analyst.decisions,
        frozenset({"analyst"}),
        "An analyst's decision: block, allow or unlist",
        "analyst",
        body=(DecisionIn,),
        errors=(400, 401, 403, 409, 413, 429, 503),
    ),
    Route(
        "POST",
        "/v1/allowlist",
        "allowlist",
        analyst.allowlist,
        frozenset({"analyst"}),
        "Add to the allowlist",
        "analyst",
        body=(AllowIn,),
        errors=(400, 401, 403, 409, 413, 429, 503),
    ),
    Route(
        "DELETE",
        "/v1/allowlist/{type}/{value}",
        "allowlist_remove",
        analyst.allowlist_remove,
        frozenset({"analyst"}),
        "Remove from the allowlist (?reason= is required)",
        "analyst",
        params=(_TYPE, _VALUE, Param("reason", "query", "why", required=True)),
        errors=(400, 401, 403, 404, 429, 503),
    ),
    Route(
        "GET",
        "/v1/review",
        "review",
        analyst.review,
        frozenset({"analyst"}),
        "The review queue: disputed first, then by score and age; paginated and filtered",
        "analyst",
        params=(
            Param("limit", "query", "1-1000, default 100", {"type": "integer", "minimum": 1, "maximum": 1000}),
            Param("offset", "query", "from next_offset", {"type": "integer", "minimum": 0}),
            Param("type", "query", "domain, url, phone or wallet"),
            Param("category", "query", "a category"),
            Param("source", "query", "the reporting operator"),
            Param("brand", "query", "a protected brand named by the signals"),
            Param("q", "query", "a value or its beginning"),
        ),
    ),
    Route(
        "GET",
        "/v1/indicators/{type}/{value}",
        "indicator",
        analyst.indicator,
        frozenset({"analyst"}),
        "An indicator with its evidence, links, reports and history",
        "analyst",
        params=(_TYPE, _VALUE),
        errors=(400, 401, 403, 404, 429, 503),
    ),
    Route(
        "POST",
        "/v1/publications/release",
        "publication_release",
        analyst.publication_release,
        frozenset({"analyst"}),
        "Release a publication held by the mass-change guard",
        "analyst",
        errors=(401, 403, 409, 429, 503),
    ),
)


def scopes_by_name() -> dict[str, frozenset[str] | None]:
    return {r.name: r.scopes for r in ROUTES}
