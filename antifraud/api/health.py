"""Health, metrics and the API's own description."""

from __future__ import annotations

from aiohttp import web
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from antifraud import __version__
from antifraud.api.context import OPENAPI, services_of


async def healthz(request: web.Request) -> web.Response:
    """200 only when the store takes a write: a center that cannot record reports is not healthy."""
    writable, document = await services_of(request).status.health()
    document["version"] = __version__
    return web.json_response(document, status=200 if writable else 503)


async def metrics(request: web.Request) -> web.Response:
    services = services_of(request)
    await services.status.refresh_metrics()
    body = generate_latest(services.metrics.registry)
    return web.Response(body=body, headers={"Content-Type": CONTENT_TYPE_LATEST})


async def openapi(request: web.Request) -> web.Response:
    return web.Response(body=request.app[OPENAPI], content_type="application/json")
