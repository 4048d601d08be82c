"""The console's guard: security headers on every answer, sessions, roles, CSRF and same-origin checks
on every state-changing form, errors as pages.

- Content-Security-Policy allows only our own stylesheet and scripts: no inline script or style can
  run, so even a value that slipped past escaping could not execute.
- Cookies are HttpOnly and SameSite=Strict; Secure when the request came over TLS, directly or through
  a proxy named in `[console] trusted_proxies` (whose X-Forwarded-Proto/-For are believed), or always
  with `secure_cookies = "always"`.
- A POST must carry the session's CSRF token (field `csrf_token`); the login form carries a token that
  must match a cookie set with the form (a login form cannot be posted from another site either).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
from collections.abc import Awaitable, Callable
from urllib.parse import quote, urlencode, urlsplit

from aiohttp import web
from multidict import MultiDictProxy

from antifraud.console.accounts import csrf_matches
from antifraud.console.context import LOCALE, VISITOR, services_of
from antifraud.console.errors import N_, Refused
from antifraud.console.i18n import LANGUAGES, negotiate
from antifraud.console.rendering import Renderer
from antifraud.domain.errors import AntifraudError, ConfigError, StoreUnavailable
from antifraud.domain.model import IndicatorKey

log = logging.getLogger("antifraud.console")
Handler = Callable[[web.Request], Awaitable[web.StreamResponse]]
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

PREFIX = "/console"
SESSION_COOKIE = "af_session"
LOGIN_COOKIE = "af_login_csrf"
LANG_COOKIE = "af_lang"
CSRF_FIELD = "csrf_token"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
FORM = web.RequestKey("console_form", MultiDictProxy)  # the posted form, once its CSRF token was checked
RENDERER = web.AppKey("console_renderer", Renderer)
PROXIES = web.AppKey("console_proxies", tuple[Network, ...])

CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; "
    "frame-ancestors 'none'; base-uri 'none'"
)
HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",  # never to another site; to ours, so that forms carry a real Origin
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


def parse_proxies(text: str) -> tuple[Network, ...]:
    networks = []
    for part in (p.strip() for p in text.split(",")):
        if part:
            try:
                networks.append(ipaddress.ip_network(part, strict=False))
            except ValueError as exc:
                raise ConfigError(f"[console] trusted_proxies: {part!r} is not a CIDR network: {exc}") from exc
    return tuple(networks)


def _trusted(request: web.Request) -> bool:
    peer = request.remote
    if not peer:
        return False
    try:
        address = ipaddress.ip_address(peer)
    except ValueError:
        return False
    return any(address in net for net in request.config_dict[PROXIES])


def is_tls(request: web.Request) -> bool:
    if request.secure:
        return True
    return _trusted(request) and request.headers.get("X-Forwarded-Proto", "").strip().lower() == "https"


def client_address(request: web.Request) -> str:
    """The peer, or, behind a trusted proxy, the last address the proxy chain added for the client."""
    peer = request.remote or "unknown"
    if not _trusted(request):
        return peer
    chain = [p.strip() for p in request.headers.get("X-Forwarded-For", "").split(",") if p.strip()]
    return chain[-1][:64] if chain else peer


def secure_cookies(request: web.Request) -> bool:
    mode = services_of(request).settings.console.secure_cookies
    return mode == "always" or (mode == "auto" and is_tls(request))


def set_cookie(request: web.Request, response: web.StreamResponse, name: str, value: str, **extra: object) -> None:
    response.set_cookie(
        name,
        value,
        path=str(extra.pop("path", f"{PREFIX}/")),
        httponly=True,
        samesite="Strict",
        secure=secure_cookies(request),
        **extra,  # type: ignore[arg-type]  # max_age and the like, passed through
    )


def indicator_path(key: IndicatorKey) -> str:
    return f"{PREFIX}/i/{key.type.value}/{quote(key.value, safe='')}"


def redirect(location: str, status: int = 303) -> web.Response:
    return web.Response(status=status, headers={"Location": location})


def safe_next(target: str | None) -> str:
    """Where to go after logging in: a console path of ours, never another site."""
    if not target or not target.startswith(f"{PREFIX}/") or target.startswith("//") or "\\" in target:
        return f"{PREFIX}/"
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return f"{PREFIX}/"
    return target


def render(request: web.Request, template: str, status: int = 200, **context: object) -> web.Response:
    services = services_of(request)
    visitor = request.get(VISITOR)
    base = {
        "visitor": visitor,
        "csrf": visitor.session.csrf_token if visitor else "",
        "CSRF_FIELD": CSRF_FIELD,
        "path": request.path,
        "query": request.query_string,
        "now": services.clock.now(),
        "P": PREFIX,
        "quote": lambda value: quote(str(value), safe=""),
        "indicator_path": indicator_path,
        "lang_href": lambda code: (
            "?" + urlencode([*((k, v) for k, v in request.query.items() if k != "lang"), ("lang", code)])
        ),
    }
    return request.config_dict[RENDERER].render(request[LOCALE], template, {**base, **context}, status)


def refusal(request: web.Request, status: int, msgid: str, **params: object) -> web.Response:
    return render(request, "error.html", status=status, msgid=msgid, params=params, detail=None)


def same_origin(request: web.Request) -> bool:
    """A browser names the page a form came from; one from another origin is refused (with CSRF, twice)."""
    origin = request.headers.get("Origin")
    if origin is None or origin == "null":
        return origin is None
    parts = urlsplit(origin)
    return parts.netloc == request.host


def page(handler: Handler, *, public: bool = False, admin: bool = False) -> Handler:
    """A console page: who may see it, and the CSRF check of whatever it is posted."""

    async def guarded(request: web.Request) -> web.StreamResponse:
        services = services_of(request)
        visitor = await services.accounts.visitor(request.cookies.get(SESSION_COOKIE, ""))
        if visitor is not None:
            request[VISITOR] = visitor
        if not public:
            if visitor is None:
                if request.method in SAFE_METHODS:
                    return redirect(f"{PREFIX}/login?next={quote(request.path_qs, safe='')}")
                return refusal(request, 401, N_("your session has ended: log in again"))
            if visitor.user.must_change and request.path not in {f"{PREFIX}/password", f"{PREFIX}/logout"}:
                return redirect(f"{PREFIX}/password")
            if admin and not visitor.is_admin:
                return refusal(request, 403, N_("this page is for administrators"))
        if request.method not in SAFE_METHODS:
            form = await request.post()
            presented = form.get(CSRF_FIELD)
            token = presented if isinstance(presented, str) else None
            expected = visitor.session.csrf_token if visitor and not public else request.cookies.get(LOGIN_COOKIE, "")
            if not same_origin(request) or not csrf_matches(expected, token):
                return refusal(
                    request, 403, N_("this form was refused: it did not come from this console, or it expired")
                )
            request[FORM] = form
        return await handler(request)

    return guarded


def form_text(request: web.Request, name: str, limit: int = 2000) -> str:
    value = request[FORM].get(name, "")
    if not isinstance(value, str):
        raise Refused(N_("the field %(name)s must be text"), field=name, name=name)
    if len(value) > limit:
        raise Refused(N_("the field %(name)s is too long (at most %(n)d characters)"), field=name, name=name, n=limit)
    return value


def _choose_language(request: web.Request) -> tuple[str, bool]:
    wanted = request.query.get("lang")
    if wanted in LANGUAGES:
        return wanted, True
    return negotiate(request.cookies.get(LANG_COOKIE), request.headers.get("Accept-Language", "")), False


def _harden(response: web.StreamResponse, static: bool) -> None:
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if not static:
        response.headers["Cache-Control"] = "no-store"


@web.middleware
async def console_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    lang, chosen = _choose_language(request)
    request[LOCALE] = lang
    static = request.path.startswith(f"{PREFIX}/static/")
    try:
        response = await handler(request)
    except web.HTTPNotFound:
        if request.path == PREFIX and request.method in SAFE_METHODS:
            response = redirect(f"{PREFIX}/", 308)
        else:
            response = refusal(request, 404, N_("there is no such page"))
    except web.HTTPException as exc:
        if exc.status in {405, 413}:
            response = refusal(
                request, exc.status, N_("this request cannot be answered (%(reason)s)"), reason=exc.reason
            )
        else:
            _harden(exc, static)
            raise
    except Refused as exc:
        response = refusal(request, 400, exc.msgid, **exc.params)
    except StoreUnavailable as exc:
        response = render(
            request, "error.html", status=503, msgid=N_("the store is busy: try again"), params={}, detail=exc.message
        )
    except AntifraudError as exc:
        response = render(
            request,
            "error.html",
            status=400,
            msgid=N_("the center refused: %(why)s"),
            params={"why": exc.message},
            detail=None,
        )
    except Exception:
        log.exception("console error on %s %s", request.method, request.path)
        response = refusal(request, 500, N_("an unexpected error occurred; it has been logged"))
    _harden(response, static)
    if is_tls(request):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    if chosen:
        set_cookie(request, response, LANG_COOKIE, lang, max_age=365 * 86400)
    return response


def login_token(request: web.Request) -> str:
    """The login form's CSRF token: the one in its cookie, or a new one (set by the caller)."""
    current = request.cookies.get(LOGIN_COOKIE, "")
    return current if 20 <= len(current) <= 64 and current.isascii() else secrets.token_urlsafe(32)
