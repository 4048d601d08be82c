"""The indicator page (record, signals, evidence, reports, history, links, published versions, hits)
and the one decision form: block, allow or unlist, with category and reason."""

from __future__ import annotations

from aiohttp import web

from antifraud.console.context import DOSSIERS, VISITOR, services_of
from antifraud.console.errors import N_, Refused
from antifraud.console.security import form_text, indicator_path, redirect, refusal, render
from antifraud.domain.errors import AntifraudError
from antifraud.domain.model import Action, Category, IndicatorType


def _kind(request: web.Request) -> IndicatorType:
    try:
        return IndicatorType(request.match_info["type"])
    except ValueError:
        raise Refused(N_("unknown indicator type"), field="type") from None


async def _page(request: web.Request, status: int = 200, error: AntifraudError | None = None) -> web.StreamResponse:
    services = services_of(request)
    kind, value = _kind(request), request.match_info["value"]
    dossier = await request.config_dict[DOSSIERS].of(kind, value, services.clock.now())
    if dossier is None:
        return refusal(request, 404, N_("the center knows nothing of %(value)s"), value=value[:200])
    return render(
        request,
        "indicator.html",
        status=status,
        d=dossier,
        r=dossier.file.record,
        error=error,
        done=request.query.get("done", "") if request.query.get("done") in {a.value for a in Action} else "",
        categories=list(Category),
        actions=list(Action),
        allowed=services.read_model.allowed(dossier.file.record.key),
    )


async def indicator(request: web.Request) -> web.StreamResponse:
    return await _page(request)


async def decide(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    kind, value = _kind(request), request.match_info["value"]
    try:
        action = Action(form_text(request, "action", 20))
    except ValueError:
        return await _page(request, 400, Refused(N_("choose block, allow or unlist"), field="action"))
    category_text = form_text(request, "category", 40)
    try:
        category = Category(category_text) if category_text else None
    except ValueError:
        return await _page(request, 400, Refused(N_("unknown category"), field="category"))
    reason = form_text(request, "reason", 1000)
    try:
        record = await services.decisions.decide(request[VISITOR].actor, kind, value, action, reason, category)
    except AntifraudError as exc:
        return await _page(request, 409 if exc.code == "policy" else 400, exc)
    return redirect(indicator_path(record.key) + f"?done={action.value}")
