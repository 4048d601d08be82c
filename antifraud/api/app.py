"""The HTTP API v1 (see DESIGN.md): an aiohttp application built by `create_app(services)` from the
route table."""

from __future__ import annotations

import json

from aiohttp import web

from antifraud import __version__
from antifraud.api.auth import RateLimiter
from antifraud.api.context import LIMITER, OPENAPI, SERVICES, ApiServices
from antifraud.api.middlewares import ROUTE_SCOPES, gate
from antifraud.api.openapi import openapi_document
from antifraud.api.routes import ROUTES, scopes_by_name


def create_app(services: ApiServices) -> web.Application:
    app = web.Application(middlewares=[gate], client_max_size=services.settings.api.max_body_bytes)
    app[SERVICES] = services
    app[LIMITER] = RateLimiter(services.settings.api.rate_per_second, services.settings.api.rate_burst)
    app[ROUTE_SCOPES] = scopes_by_name()
    app[OPENAPI] = json.dumps(openapi_document(__version__)).encode()
    for route in ROUTES:
        app.router.add_route(route.method, route.path, route.handler, name=route.name)
    return app
