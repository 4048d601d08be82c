"""Disputes, the allowlist, the held publication, search and users: the rest of an analyst's desk."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from aiohttp import web

from antifraud.console.context import SEARCH, VISITOR, services_of
from antifraud.console.errors import N_, Refused
from antifraud.console.ports import Role
from antifraud.console.search import SearchBy
from antifraud.console.security import form_text, redirect, render
from antifraud.domain.errors import AntifraudError
from antifraud.domain.model import IndicatorType
from antifraud.ports import ListChange

PER_PAGE = 50
DIFF_SHOWN = 200  # changes listed per list and action; the counts are always whole


def _page_number(request: web.Request) -> int:
    text = request.query.get("page") or "1"
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 100_000:
        raise Refused(N_("the page number must be a whole number from 1 to 100000"), field="page")
    return int(text)


async def disputes(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    number = _page_number(request)
    total, items = await services.store.open_disputes(PER_PAGE, (number - 1) * PER_PAGE)
    return render(
        request, "disputes.html", items=items, total=total, number=number, pages=max(1, -(-total // PER_PAGE))
    )


async def allowlist(request: web.Request, error: AntifraudError | None = None, status: int = 200) -> web.StreamResponse:
    services = services_of(request)
    number = _page_number(request)
    entries = sorted(await services.indicators.allowlist(), key=lambda a: a.at, reverse=True)
    shown = entries[(number - 1) * PER_PAGE : number * PER_PAGE]
    return render(
        request,
        "allowlist.html",
        status=status,
        entries=shown,
        total=len(entries),
        number=number,
        pages=max(1, -(-len(entries) // PER_PAGE)),
        error=error,
        types=list(IndicatorType),
        done=request.query.get("done", ""),
    )


def _type_field(request: web.Request) -> IndicatorType:
    try:
        return IndicatorType(form_text(request, "type", 20))
    except ValueError:
        raise Refused(N_("unknown indicator type"), field="type") from None


async def allowlist_add(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    try:
        await services.decisions.allow(
            request[VISITOR].actor, _type_field(request), form_text(request, "value", 500), form_text(request, "reason")
        )
    except AntifraudError as exc:
        return await allowlist(request, exc, 409 if exc.code == "policy" else 400)
    return redirect(f"{request.path.rsplit('/', 1)[0]}?done=added")


async def allowlist_remove(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    try:
        await services.decisions.allow_remove(
            request[VISITOR].actor, _type_field(request), form_text(request, "value", 500), form_text(request, "reason")
        )
    except AntifraudError as exc:
        return await allowlist(request, exc, 404 if exc.code == "not_found" else 400)
    return redirect(f"{request.path.rsplit('/', 1)[0]}?done=removed")


def _summary(changes: Mapping[str, Sequence[ListChange]]) -> list[dict[str, Any]]:
    lists = []
    for name, items in sorted(changes.items()):
        by_action: dict[str, list[ListChange]] = {"add": [], "update": [], "remove": []}
        for change in items:
            by_action.setdefault(change.action, []).append(change)
        lists.append(
            {
                "name": name,
                "counts": {a: len(v) for a, v in by_action.items()},
                "shown": {a: v[:DIFF_SHOWN] for a, v in by_action.items()},
            }
        )
    return lists


async def publication(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    publications = services.status.publications
    held = publications.held()
    diff = _summary(await publications.pending()) if held is not None else []
    return render(
        request,
        "publication.html",
        held=held,
        served=publications.served(),
        diff=diff,
        shown_limit=DIFF_SHOWN,
        outcome=request.query.get("released", ""),
    )


async def release(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    if form_text(request, "confirmed", 10) != "yes":
        raise Refused(N_("confirm the release first"), field="confirmed")
    if services.status.publications.held() is None:
        raise Refused(N_("no publication is waiting for release"))
    status, version = await services.status.publications.release(request[VISITOR].actor)
    return redirect(f"{request.path.rsplit('/', 1)[0]}?released={status}-{version}")


async def search(request: web.Request) -> web.StreamResponse:
    try:
        by = SearchBy(request.query.get("by") or "value")
    except ValueError:
        raise Refused(N_("search by value, prefix or brand"), field="by") from None
    results = await request.config_dict[SEARCH].run(by, request.query.get("q", ""))
    return render(request, "search.html", results=results, by=by, ways=list(SearchBy))


async def users(request: web.Request, password: str | None = None, created: str = "") -> web.StreamResponse:
    services = services_of(request)
    return render(
        request,
        "users.html",
        users=await services.store.list_users(),
        roles=list(Role),
        password=password,
        created=created,
    )


async def users_add(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    name = form_text(request, "name", 100).strip()
    try:
        role = Role(form_text(request, "role", 20))
    except ValueError:
        raise Refused(N_("choose the role analyst or admin"), field="role") from None
    password = await services.accounts.add_user(name, role)
    return await users(request, password, name)
