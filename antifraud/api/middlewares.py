"""One middleware in front of every route: errors as JSON, authentication, scopes, rate limits and the
latency histogram. One coroutine layer, not four: the check route is the hot path of every gateway.

Scopes come from the route table (antifraud.api.routes), so a route cannot be added without them.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from aiohttp import web

from antifraud.api.auth import has_scope
from antifraud.api.context import KEY, LIMITER, SERVICES
from antifraud.api.errors import error_response, from_exception
from antifraud.domain.errors import AntifraudError, StoreUnavailable
from antifraud.metrics import Metrics

log = logging.getLogger("antifraud.api")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
ROUTE_SCOPES: web.AppKey[Mapping[str, frozenset[str] | None]] = web.AppKey("route_scopes")  # None: public
_LATENCY_CHILDREN: dict[tuple[int, str, str, int], Any] = {}


def _latency(metrics: Metrics, route: str, method: str, status: int) -> Any:
    """The histogram child for these labels, looked up once (labels() takes a lock on every call)."""
    key = (id(metrics), route, method, status)
    child = _LATENCY_CHILDREN.get(key)
    if child is None:
        child = _LATENCY_CHILDREN[key] = metrics.http_latency.labels(route, method, str(status))
    return child


def route_label(request: web.Request) -> str:
    # A route template (never the path: paths can carry a pull token or an indicator).
    resource = request.match_info.route.resource
    return resource.canonical if resource is not None else "unmatched"


def _unauthorized(message: str, error: str = "") -> web.Response:
    challenge = 'Bearer realm="antifraud"' + (f', error="{error}"' if error else "")
    return error_response(401, "unauthorized", message, headers={"WWW-Authenticate": challenge})


async def _authorize(request: web.Request, handler: Handler, scopes: frozenset[str]) -> web.StreamResponse:
    services = request.app[SERVICES]
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token:
        return _unauthorized("send an API key as 'Authorization: Bearer <key>'")
    record = await services.keys.authenticate(token)
    if record is None:
        return _unauthorized("the API key is unknown or revoked", "invalid_token")
    if not has_scope(record, scopes):
        return error_response(
            403, "forbidden", f"this key lacks the scope for this route (needs one of: {', '.join(sorted(scopes))})"
        )
    wait = request.app[LIMITER].take(record.key_id)
    if wait > 0:
        services.metrics.rate_limited.labels(route_label(request)).inc()
        return error_response(
            429,
            "rate_limited",
            f"too many requests for this key; retry in {wait:.1f} s",
            headers={"Retry-After": str(max(1, round(wait + 0.5)))},
        )
    request[KEY] = record
    return await handler(request)


def _scopes_for(request: web.Request, table: Mapping[str, frozenset[str] | None]) -> frozenset[str] | None:
    name = request.match_info.route.name
    if name is None:
        return None
    if name == "metrics" and request.app[SERVICES].settings.api.metrics_public:
        return None
    return table.get(name, frozenset({"admin"}))


@web.middleware
async def gate(request: web.Request, handler: Handler) -> web.StreamResponse:
    services = request.app[SERVICES]
    start = time.perf_counter()
    status = 500
    try:
        scopes = _scopes_for(request, request.app[ROUTE_SCOPES])
        response = await handler(request) if scopes is None else await _authorize(request, handler, scopes)
        status = response.status
    except StoreUnavailable as exc:
        status = 503
        return error_response(503, exc.code, exc.message, headers={"Retry-After": "2"})
    except AntifraudError as exc:
        response = from_exception(exc)
        status = response.status
        return response
    except web.HTTPRequestEntityTooLarge as exc:
        status = 413
        limit = services.settings.api.max_body_bytes
        return error_response(413, "too_large", f"the request body is over {limit} bytes ({exc.text})")
    except web.HTTPNotFound:
        status = 404
        return error_response(404, "not_found", f"no route for {request.method} {request.path}")
    except web.HTTPMethodNotAllowed as exc:
        status = 405
        allowed = ", ".join(sorted(exc.allowed_methods))
        return error_response(405, "method_not_allowed", f"{request.method} is not allowed here; use {allowed}")
    except web.HTTPException as exc:
        status = exc.status
        raise
    except Exception:
        log.exception("unexpected error on %s %s", request.method, route_label(request))
        return error_response(500, "internal", "an unexpected error occurred; it has been logged")
    else:
        return response
    finally:
        elapsed = time.perf_counter() - start
        _latency(services.metrics, route_label(request), request.method, status).observe(elapsed)
        if status >= 500:
            log.error("%s %s -> %d in %.1f ms", request.method, route_label(request), status, elapsed * 1000)
