"""The HTTP API v1 (see DESIGN.md): an aiohttp application built by `create_app(services)`."""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, timedelta
from typing import Any

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from antifraud import __version__
from antifraud.api.auth import KeyCache, RateLimiter, has_scope
from antifraud.api.errors import error_response, from_exception, item_error
from antifraud.api.json_input import parse_json_body
from antifraud.api.openapi import openapi_document
from antifraud.api.schemas import AllowIn, CheckBatchIn, DecisionIn, DisputeIn, HitsIn, ReportIn, parse
from antifraud.domain.errors import AntifraudError, InvalidInput
from antifraud.domain.model import IndicatorType, ListKind
from antifraud.metrics import Metrics
from antifraud.ports import ApiKeyRecord, HitBatch, Store
from antifraud.services.center import Center, ReportAccepted, ReportInput
from antifraud.settings import Settings
from blocklists.formats import FORMATS
from blocklists.serving import etag_for, matches_if_none_match, parse_since
from workers.publisher import Publisher

log = logging.getLogger("antifraud.api")

Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]


@dataclass(slots=True)
class Services:
    settings: Settings
    store: Store
    center: Center
    publisher: Publisher
    metrics: Metrics
    keys: KeyCache


SERVICES = web.AppKey("services", Services)
_MAX_INTERVAL = timedelta(days=7)
KEY = web.RequestKey("api_key", ApiKeyRecord)  # the authenticated key of this request

# route name -> scopes (any of). Routes not listed here need no key.
PUBLIC_ROUTES = frozenset({"healthz", "openapi", "pull_by_token"})
ROUTE_SCOPES: dict[str, frozenset[str]] = {
    "metrics": frozenset({"metrics"}),
    "reports": frozenset({"report"}),
    "check_get": frozenset({"check"}),
    "check_post": frozenset({"check"}),
    "blocklists_index": frozenset({"pull"}),
    "blocklist": frozenset({"pull"}),
    "hits": frozenset({"pull"}),
    "disputes": frozenset({"report", "pull"}),
    "decisions": frozenset({"analyst"}),
    "review": frozenset({"analyst"}),
    "indicator": frozenset({"analyst"}),
    "allowlist": frozenset({"analyst"}),
    "publication_release": frozenset({"analyst"}),
}


def _route_name(request: web.Request) -> str:
    route = request.match_info.route
    return route.name or "unmatched"


def _route_label(request: web.Request) -> str:
    # A route template (never the path: paths can carry a pull token or an indicator).
    info = request.match_info.route.resource
    return info.canonical if info is not None else "unmatched"


_LATENCY_CHILDREN: dict[tuple[int, str, str, int], Any] = {}


def _latency(metrics: Metrics, route: str, method: str, status: int) -> Any:
    """The histogram child for these labels, looked up once (labels() takes a lock on every call)."""
    key = (id(metrics), route, method, status)
    child = _LATENCY_CHILDREN.get(key)
    if child is None:
        child = _LATENCY_CHILDREN[key] = metrics.http_latency.labels(route, method, str(status))
    return child


@web.middleware
async def observe(request: web.Request, handler: Handler) -> web.StreamResponse:
    services = request.app[SERVICES]
    start = time.perf_counter()
    status = 500
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        status = exc.status
        raise
    else:
        status = response.status
        return response
    finally:
        elapsed = time.perf_counter() - start
        route = _route_label(request)
        _latency(services.metrics, route, request.method, status).observe(elapsed)
        if log.isEnabledFor(logging.DEBUG) or status >= 500:
            log.log(
                logging.ERROR if status >= 500 else logging.DEBUG,
                "%s %s -> %d in %.1f ms",
                request.method,
                route,
                status,
                elapsed * 1000,
            )


@web.middleware
async def errors(request: web.Request, handler: Handler) -> web.StreamResponse:
    try:
        return await handler(request)
    except AntifraudError as exc:
        return from_exception(exc)
    except web.HTTPRequestEntityTooLarge as exc:
        limit = request.app[SERVICES].settings.api.max_body_bytes
        return error_response(413, "too_large", f"the request body is over {limit} bytes ({exc.text})")
    except web.HTTPNotFound:
        return error_response(404, "not_found", f"no route for {request.method} {request.path}")
    except web.HTTPMethodNotAllowed as exc:
        allowed = ", ".join(sorted(exc.allowed_methods))
        return error_response(405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}")
    except web.HTTPException:
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, _route_label(request))
        return error_response(500, "internal", "an unexpected error occurred; it has been logged")


@web.middleware
async def authenticate(request: web.Request, handler: Handler) -> web.StreamResponse:
    name = _route_name(request)
    if name in PUBLIC_ROUTES or name == "unmatched":
        return await handler(request)
    services = request.app[SERVICES]
    if name == "metrics" and services.settings.api.metrics_public:
        return await handler(request)
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return error_response(
            401,
            "unauthorized",
            "send an API key as 'Authorization: Bearer <key>'",
            headers={"WWW-Authenticate": 'Bearer realm="antifraud"'},
        )
    record = await services.keys.authenticate(token)
    if record is None:
        return error_response(
            401,
            "unauthorized",
            "the API key is unknown or revoked",
            headers={"WWW-Authenticate": 'Bearer realm="antifraud", error="invalid_token"'},
        )
    return await _authorized(request, handler, record, name)


async def _authorized(request: web.Request, handler: Handler, record: ApiKeyRecord, name: str) -> web.StreamResponse:
    services = request.app[SERVICES]
    required = ROUTE_SCOPES.get(name, frozenset({"admin"}))
    if not has_scope(record, required):
        return error_response(
            403, "forbidden", f"this key lacks the scope for this route (needs one of: {', '.join(sorted(required))})"
        )
    wait = request.app[LIMITER].take(record.key_id)
    if wait > 0:
        services.metrics.rate_limited.labels(_route_label(request)).inc()
        return error_response(
            429,
            "rate_limited",
            f"too many requests for this key; retry in {wait:.1f} s",
            headers={"Retry-After": str(max(1, round(wait + 0.5)))},
        )
    request[KEY] = record
    return await handler(request)


LIMITER = web.AppKey("limiter", RateLimiter)


async def _json_body(request: web.Request) -> Any:
    if not request.can_read_body:
        raise InvalidInput("the request needs a JSON body", field="body")
    raw = await request.read()
    try:
        return parse_json_body(raw)
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}", field="body") from None


# health, metrics, docs -------------------------------------------------------------------------------
async def healthz(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    state = services.publisher.state
    return web.json_response(
        {
            "status": "ok",
            "version": __version__,
            "list_version": state.version if state else 0,
            "publication_held": services.publisher.held is not None,
        }
    )


async def metrics_handler(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    body = generate_latest(services.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(_request: web.Request) -> web.Response:
    return web.json_response(openapi_document(__version__))


# intake ------------------------------------------------------------------------------------------
def _report_result(result: ReportAccepted | InvalidInput) -> dict[str, Any]:
    if isinstance(result, ReportAccepted):
        return {
            "report_id": result.report_id,
            "indicator": {"type": result.key.type.value, "value": result.key.value},
            "status": "accepted",
            "listing": result.state.value,
        }
    return {"status": "rejected", "error": item_error(result)}


async def reports(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    record: ApiKeyRecord = request[KEY]
    body = await _json_body(request)
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    batch = "reports" in body
    items: list[ReportInput | InvalidInput] = []
    if batch:
        raw_items = body["reports"]
        if set(body) - {"reports"}:
            raise InvalidInput("a batch has only the 'reports' field", field="body")
        if not isinstance(raw_items, list) or not raw_items:
            raise InvalidInput("'reports' must be a non-empty list", field="reports")
        if len(raw_items) > services.settings.api.max_batch:
            raise InvalidInput(
                f"a batch holds at most {services.settings.api.max_batch} reports; this one has {len(raw_items)}",
                field="reports",
            )
        for i, raw in enumerate(raw_items):
            try:
                items.append(_to_input(parse(ReportIn, raw, f"reports[{i}]", now=services.center.clock.now())))
            except InvalidInput as exc:
                items.append(exc)
    else:
        items.append(_to_input(parse(ReportIn, body, now=services.center.clock.now())))

    def respond(results: list[ReportAccepted | InvalidInput]) -> tuple[int, str]:
        if batch:
            accepted = sum(1 for r in results if isinstance(r, ReportAccepted))
            payload: dict[str, Any] = {
                "accepted": accepted,
                "rejected": len(results) - accepted,
                "results": [_report_result(r) for r in results],
            }
            return 202, json.dumps(payload, ensure_ascii=False)
        only = results[0]
        if isinstance(only, InvalidInput):
            return 400, json.dumps({"error": item_error(only)}, ensure_ascii=False)
        return 202, json.dumps(_report_result(only), ensure_ascii=False)

    idem_key = request.headers.get("Idempotency-Key")
    if idem_key is not None:
        if not 1 <= len(idem_key) <= 200:
            raise InvalidInput("Idempotency-Key must be 1-200 characters", field="Idempotency-Key")
        request_hash = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
        return await _idempotent(request, record, idem_key, request_hash, items, respond)
    results = await services.center.submit(record.operator, items)
    status, text = respond(results)
    return web.Response(text=text, status=status, content_type="application/json")


IN_FLIGHT = web.AppKey("in_flight", dict)


async def _idempotent(
    request: web.Request,
    record: ApiKeyRecord,
    idem_key: str,
    request_hash: str,
    items: list[ReportInput | InvalidInput],
    respond: Callable[[list[ReportAccepted | InvalidInput]], tuple[int, str]],
) -> web.Response:
    services = request.app[SERVICES]
    in_flight: dict[tuple[int, str], Any] = request.app[IN_FLIGHT]
    slot = (record.operator.id, idem_key)
    while slot in in_flight:  # the same key sent twice at once: the second waits for the first
        await in_flight[slot].wait()
    event = asyncio.Event()
    in_flight[slot] = event  # claimed before the next await, so no two requests pass together
    try:
        stored = await services.store.get_idempotency(record.operator.id, idem_key)
        if stored is not None:
            if stored.request_hash != request_hash:
                return error_response(
                    409,
                    "idempotency_key_reused",
                    "this Idempotency-Key was used with a different request body",
                    field="Idempotency-Key",
                )
            return web.Response(
                text=stored.response_json,
                status=stored.status,
                content_type="application/json",
                headers={"Idempotent-Replayed": "true"},
            )
        results = await services.center.submit(
            record.operator, items, idempotency=(idem_key, request_hash), respond=respond
        )
    finally:
        del in_flight[slot]
        event.set()
    status, text = respond(results)
    return web.Response(text=text, status=status, content_type="application/json")


def _to_input(item: ReportIn) -> ReportInput:
    return ReportInput(item.type, item.value, item.category, item.comment, item.observed_at)


# checks ------------------------------------------------------------------------------------------
async def check_get(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    given = [(t, request.query[t.value]) for t in IndicatorType if t.value in request.query]
    if len(given) != 1:
        raise InvalidInput("give exactly one of ?domain=, ?url= or ?phone=", field="query")
    kind, value = given[0]
    answer = services.center.check(kind, value)
    return web.json_response(answer.to_json())


async def check_post(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    batch = parse(CheckBatchIn, await _json_body(request))
    results: list[dict[str, Any]] = []
    for i, item in enumerate(batch.items):
        try:
            results.append(services.center.check(item.type, item.value).to_json())
        except AntifraudError as exc:
            exc.field = f"items[{i}].value"
            results.append({"type": item.type.value, "value": item.value, "error": item_error(exc)})
    return web.json_response({"results": results})


# pulls -------------------------------------------------------------------------------------------
async def blocklists_index(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    state = services.publisher.state
    lists = []
    if state is not None:
        for name, rendered in sorted(state.lists.items()):
            lists.append(
                {
                    "name": name,
                    "version": state.version,
                    "entries": rendered.entries,
                    "sha256": rendered.sha256,
                    "bytes": len(rendered.body),
                    "updated_at": state.generated_at.astimezone(UTC).isoformat(),
                    "media_type": FORMATS[name].media_type,
                    "delta": FORMATS[name].supports_delta,
                }
            )
    return web.json_response({"version": state.version if state else 0, "lists": lists})


async def blocklist(request: web.Request) -> web.Response:
    record: ApiKeyRecord = request[KEY]
    return await _serve_list(request, request.match_info["name"], record)


async def pull_by_token(request: web.Request) -> web.Response:
    """For resolvers that cannot send headers (Unbound's `url:` RPZ transfer): the key is in the path."""
    services = request.app[SERVICES]
    record = await services.keys.authenticate(request.match_info["token"])
    if record is None:
        return error_response(401, "unauthorized", "the key in the URL is unknown or revoked")
    if not has_scope(record, frozenset({"pull"})):
        return error_response(403, "forbidden", "this key lacks the 'pull' scope")
    wait = request.app[LIMITER].take(record.key_id)
    if wait > 0:
        return error_response(
            429,
            "rate_limited",
            f"too many requests; retry in {wait:.1f} s",
            headers={"Retry-After": str(max(1, round(wait + 0.5)))},
        )
    return await _serve_list(request, request.match_info["name"], record)


async def _serve_list(request: web.Request, name: str, record: ApiKeyRecord) -> web.Response:
    services = request.app[SERVICES]
    fmt = FORMATS.get(name)
    if fmt is None:
        raise_not_found = ", ".join(sorted(FORMATS))
        return error_response(404, "unknown_list", f"no list named {name!r}; lists: {raise_not_found}", field="name")
    state = services.publisher.state
    if state is None:
        return error_response(
            503, "not_published", "no version has been published yet; retry shortly", headers={"Retry-After": "2"}
        )
    services.metrics.blocklist_pulls.labels(name).inc()
    services.metrics.operator_last_pull.labels(record.operator.name).set(time.time())
    etag = etag_for(state.version)
    headers = {"ETag": etag, "X-List-Version": str(state.version), "Cache-Control": "no-cache"}
    since_text = request.query.get("since")
    if since_text is not None:
        since = parse_since(since_text, state.version)
        if since == state.version:
            return web.Response(status=304, headers=headers)
        delta = await services.publisher.delta(fmt.kind, since, until=state.version)
        body = fmt.render_delta(delta)
        if body is not None:
            headers["X-Delta-From"] = str(since)
            return web.Response(body=body, headers={**headers, "Content-Type": fmt.media_type})
    if matches_if_none_match(request.headers.get("If-None-Match"), state.version):
        return web.Response(status=304, headers=headers)
    rendered = state.lists[name]
    headers["Digest"] = f"sha-256={rendered.sha256}"
    return web.Response(body=rendered.body, headers={**headers, "Content-Type": fmt.media_type})


# feedback ----------------------------------------------------------------------------------------
async def hits(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    record: ApiKeyRecord = request[KEY]
    body = parse(HitsIn, await _json_body(request), now=services.center.clock.now())
    if body.interval_start.tzinfo is None or body.interval_end.tzinfo is None:
        raise InvalidInput(
            "interval times need a time zone (RFC 3339), e.g. 2026-11-22T10:00:00Z", field="interval_start"
        )
    if body.interval_end <= body.interval_start:
        raise InvalidInput("interval_end must be after interval_start", field="interval_end")
    if body.interval_end - body.interval_start > _MAX_INTERVAL:
        raise InvalidInput("an interval may span at most 7 days", field="interval_end")
    listed_sum = sum(e.hits for e in body.entries)
    if listed_sum > body.total:
        raise InvalidInput(f"entries add up to {listed_sum}, more than total ({body.total})", field="entries")
    kind = ListKind(body.list)
    per_category = services.center.categorize_hits(kind, [(e.value, e.hits) for e in body.entries], body.total)
    batch = HitBatch(
        record.operator.id,
        body.list,
        body.interval_start,
        body.interval_end,
        body.total,
        per_category,
        json.dumps([{"value": e.value, "hits": e.hits} for e in body.entries]),
        services.center.clock.now(),
    )
    replaced = await services.center.record_hits(batch, record.operator.name)
    return web.json_response(
        {"status": "accepted", "replaced": replaced, "total": body.total, "by_category": per_category}, status=202
    )


async def disputes(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    record: ApiKeyRecord = request[KEY]
    body = parse(DisputeIn, await _json_body(request))
    dispute_id = await services.center.dispute(record.operator, body.type, body.value, body.reason, body.contact)
    return web.json_response({"dispute_id": dispute_id, "status": "open"}, status=202)


# analysts ----------------------------------------------------------------------------------------
async def decisions(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    record: ApiKeyRecord = request[KEY]
    body = parse(DecisionIn, await _json_body(request))
    result = await services.center.decide(
        f"analyst:{record.operator.name}", body.type, body.value, body.action, body.reason, body.category
    )
    return web.json_response(_indicator_json(result), status=200)


async def allowlist(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    record: ApiKeyRecord = request[KEY]
    body = parse(AllowIn, await _json_body(request))
    result = await services.center.allow(f"analyst:{record.operator.name}", body.type, body.value, body.reason)
    return web.json_response(_indicator_json(result), status=200)


async def review(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        limit = int(request.query.get("limit", "100"))
        offset = int(request.query.get("offset", "0"))
    except ValueError:
        raise InvalidInput("limit and offset must be integers", field="limit") from None
    if not 1 <= limit <= 1000 or offset < 0:
        raise InvalidInput("limit must be 1-1000 and offset ≥ 0", field="limit")
    total, items = services.center.review_queue(limit, offset)
    return web.json_response(
        {
            "total": total,
            "items": [
                {**_indicator_json(i.record), "reports_in_window": i.reports, "operators_in_window": i.operators}
                for i in items
            ],
        }
    )


async def indicator(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    try:
        kind = IndicatorType(request.match_info["type"])
    except ValueError:
        raise InvalidInput("type must be domain, url or phone", field="type") from None
    norm = services.center.normalize(kind, request.match_info["value"])
    record = services.center.get(norm.key)
    if record is None:
        return error_response(404, "not_found", f"{norm.key.value} is not known to the center", field="value")
    history = await services.store.audit_for(norm.key)
    links = await services.store.links_of(norm.key)
    return web.json_response(
        {
            **_indicator_json(record),
            "evidence": json.loads(record.evidence_json),
            "links": [
                {
                    "from": {"type": link.source.type.value, "value": link.source.value},
                    "to": {"type": link.target.type.value, "value": link.target.value},
                    "relation": link.relation,
                    "last_seen": link.at.isoformat(),
                }
                for link in links
            ],
            "history": [
                {
                    "at": a.at.isoformat(),
                    "actor": a.actor,
                    "action": a.action,
                    "from": a.from_state,
                    "to": a.to_state,
                    "reason": a.reason,
                }
                for a in history
            ],
        }
    )


async def publication_release(request: web.Request) -> web.Response:
    services = request.app[SERVICES]
    record: ApiKeyRecord = request[KEY]
    if services.publisher.held is None:
        return error_response(409, "nothing_held", "no publication is waiting for release")
    outcome = await services.publisher.publish(force=True, actor=f"analyst:{record.operator.name}")
    return web.json_response({"status": outcome.status, "version": outcome.version})


def _indicator_json(record: Any) -> dict[str, Any]:
    return {
        "type": record.key.type.value,
        "value": record.key.value,
        "display": record.display,
        "state": record.state.value,
        "score": record.score,
        "verdict": record.verdict,
        "category": record.category.value if record.category else None,
        "categories": sorted(record.categories),
        "signals": json.loads(record.signals_json),
        "listed_at": record.listed_at.isoformat() if record.listed_at else None,
        "expires_at": record.expires_at.isoformat() if record.expires_at else None,
        "disputed": record.disputed,
    }


def create_app(services: Services) -> web.Application:
    app = web.Application(
        middlewares=[observe, errors, authenticate], client_max_size=services.settings.api.max_body_bytes
    )
    app[SERVICES] = services
    app[LIMITER] = RateLimiter(services.settings.api.rate_per_second, services.settings.api.rate_burst)
    app[IN_FLIGHT] = {}
    r = app.router
    r.add_get("/healthz", healthz, name="healthz")
    r.add_get("/metrics", metrics_handler, name="metrics")
    r.add_get("/openapi.json", openapi, name="openapi")
    r.add_post("/v1/reports", reports, name="reports")
    r.add_get("/v1/check", check_get, name="check_get")
    r.add_post("/v1/check", check_post, name="check_post")
    r.add_get("/v1/blocklists", blocklists_index, name="blocklists_index")
    r.add_get("/v1/blocklists/{name}", blocklist, name="blocklist")
    r.add_get("/v1/pull/{token}/{name}", pull_by_token, name="pull_by_token")
    r.add_post("/v1/hits", hits, name="hits")
    r.add_post("/v1/disputes", disputes, name="disputes")
    r.add_post("/v1/decisions", decisions, name="decisions")
    r.add_post("/v1/allowlist", allowlist, name="allowlist")
    r.add_get("/v1/review", review, name="review")
    r.add_get("/v1/indicators/{type}/{value}", indicator, name="indicator")
    r.add_post("/v1/publications/release", publication_release, name="publication_release")
    return app
