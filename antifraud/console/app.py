"""The analysts' console: an aiohttp sub-application mounted at /console/ beside the API, with its own
sessions (the API's keys and scopes stay for /v1). Built by `create_console(services)`."""

from __future__ import annotations

from pathlib import Path

from aiohttp import web

from antifraud.console.context import DASHBOARD, DOSSIERS, SEARCH, SERVICES, ZONE, ConsoleServices
from antifraud.console.dashboard import Dashboard
from antifraud.console.dossier import Dossiers
from antifraud.console.rendering import Renderer, center_zone
from antifraud.console.search import Search
from antifraud.console.security import PROXIES, RENDERER, Handler, console_middleware, page, parse_proxies
from antifraud.console.views import auth, desk, indicator, queue
from antifraud.ports import ChangeFeed

STATIC = Path(__file__).resolve().parent / "static"
MAX_FORM_BYTES = 256 * 1024

# (method, path, handler, who may use it)
ROUTES: tuple[tuple[str, str, Handler, str], ...] = (
    ("GET", "/login", auth.login_form, "public"),
    ("POST", "/login", auth.login, "public"),
    ("POST", "/logout", auth.logout, "analyst"),
    ("GET", "/password", auth.password_form, "analyst"),
    ("POST", "/password", auth.password, "analyst"),
    ("GET", "/", queue.dashboard, "analyst"),
    ("GET", "/queue", queue.queue, "analyst"),
    ("POST", "/queue/bulk", queue.bulk, "analyst"),
    ("POST", "/queue/bulk/confirm", queue.bulk_confirm, "analyst"),
    ("GET", "/i/{type}/{value}", indicator.indicator, "analyst"),
    ("POST", "/i/{type}/{value}/decide", indicator.decide, "analyst"),
    ("GET", "/disputes", desk.disputes, "analyst"),
    ("GET", "/allowlist", desk.allowlist, "analyst"),
    ("POST", "/allowlist/add", desk.allowlist_add, "analyst"),
    ("POST", "/allowlist/remove", desk.allowlist_remove, "analyst"),
    ("GET", "/publication", desk.publication, "analyst"),
    ("POST", "/publication/release", desk.release, "analyst"),
    ("GET", "/search", desk.search, "analyst"),
    ("GET", "/users", desk.users, "admin"),
    ("POST", "/users", desk.users_add, "admin"),
)


async def _not_found(_request: web.Request) -> web.StreamResponse:
    raise web.HTTPNotFound


def create_console(services: ConsoleServices, feed: ChangeFeed) -> web.Application:
    """Mount with `app.add_subapp("/console/", create_console(...))`. Routes are unnamed on purpose: the
    API's gate treats named routes as API routes needing a key."""
    settings = services.settings.console
    zone = center_zone(settings.timezone)
    app = web.Application(middlewares=[console_middleware], client_max_size=MAX_FORM_BYTES)
    app[SERVICES] = services
    app[RENDERER] = Renderer(zone)
    app[PROXIES] = parse_proxies(settings.trusted_proxies)
    app[ZONE] = zone
    app[DASHBOARD] = Dashboard(services.store, feed, services.status, zone, settings.review_working_days)
    app[DOSSIERS] = Dossiers(services.review, services.indicators, services.store)
    app[SEARCH] = Search(services.assessor, services.indicators, services.store)
    for method, path, handler, who in ROUTES:
        app.router.add_route(method, path, page(handler, public=who == "public", admin=who == "admin"))
    app.router.add_static("/static/", STATIC, append_version=False)
    app.router.add_route("*", "/{tail:.*}", _not_found)
    return app
