"""Logging in and out, and changing the password (a one-time password must be changed at once)."""

from __future__ import annotations

from aiohttp import web

from antifraud.console.context import VISITOR, services_of
from antifraud.console.errors import LoginRefused, Refused, Throttled
from antifraud.console.security import (
    FORM,
    LOGIN_COOKIE,
    PREFIX,
    SESSION_COOKIE,
    client_address,
    form_text,
    login_token,
    redirect,
    render,
    safe_next,
    set_cookie,
)


def _login_page(request: web.Request, status: int = 200, error: Refused | None = None) -> web.Response:
    token = login_token(request)
    nxt = request[FORM].get("next") if FORM in request else request.query.get("next")
    response = render(
        request,
        "login.html",
        status=status,
        login_csrf=token,
        next=safe_next(nxt if isinstance(nxt, str) else None),
        error=error,
        username=form_text(request, "username", 200) if FORM in request else "",
    )
    set_cookie(request, response, LOGIN_COOKIE, token, path=f"{PREFIX}/login", max_age=3600)
    if error is not None and isinstance(error, Throttled):
        response.headers["Retry-After"] = str(max(1, round(error.retry_after)))
    return response


async def login_form(request: web.Request) -> web.StreamResponse:
    if VISITOR in request:
        return redirect(f"{PREFIX}/")
    return _login_page(request)


async def login(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    try:
        signed = await services.accounts.login(
            form_text(request, "username", 200), form_text(request, "password", 1000), client_address(request)
        )
    except Throttled as exc:
        return _login_page(request, 429, exc)
    except LoginRefused as exc:
        return _login_page(request, 401, exc)
    target = f"{PREFIX}/password" if signed.user.must_change else safe_next(form_text(request, "next", 2000))
    response = redirect(target)
    set_cookie(request, response, SESSION_COOKIE, signed.token)
    response.del_cookie(LOGIN_COOKIE, path=f"{PREFIX}/login")
    return response


async def logout(request: web.Request) -> web.StreamResponse:
    await services_of(request).accounts.logout(request[VISITOR])
    response = redirect(f"{PREFIX}/login")
    response.del_cookie(SESSION_COOKIE, path=f"{PREFIX}/")
    return response


async def password_form(request: web.Request) -> web.StreamResponse:
    return render(request, "password.html", error=None)


async def password(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    try:
        signed = await services.accounts.change_password(
            request[VISITOR],
            form_text(request, "current_password", 1000),
            form_text(request, "new_password", 1000),
            form_text(request, "repeat_password", 1000),
        )
    except Refused as exc:
        return render(request, "password.html", status=400, error=exc)
    response = redirect(f"{PREFIX}/?changed=1")
    set_cookie(request, response, SESSION_COOKIE, signed.token)
    return response
