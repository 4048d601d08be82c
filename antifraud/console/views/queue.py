"""The dashboard and the review queue: what waits, how long, sorted by risk and age; decisions on
many items at once after a confirmation."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiohttp import web

from antifraud.console.context import DASHBOARD, VISITOR, ZONE, services_of
from antifraud.console.dossier import SignalView, parse_signals
from antifraud.console.errors import N_, Refused
from antifraud.console.security import FORM, form_text, render
from antifraud.console.workdays import add_working_days, subtract_working_days
from antifraud.domain.model import Action, Category, IndicatorKey, IndicatorType
from antifraud.ports import ReviewFilter
from antifraud.services.review import ReviewItem

PER_PAGE = 50
MAX_BULK = 500


async def dashboard(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    figures = await request.config_dict[DASHBOARD].figures(services.clock.now())
    return render(request, "dashboard.html", f=figures, changed=request.query.get("changed") == "1")


@dataclass(frozen=True, slots=True)
class Row:
    item: ReviewItem
    signals: list[SignalView]
    waiting_since: datetime | None
    due: datetime | None
    overdue: bool


def _choice(query: Any, name: str, kind: type[Any]) -> Any:
    text = query.get(name) or ""
    if not text:
        return None
    try:
        return kind(text)
    except ValueError:
        raise Refused(N_("unknown value for the filter %(name)s"), field=name, name=name) from None


def _page_number(query: Any) -> int:
    text = query.get("page") or "1"
    if not (text.isascii() and text.isdigit()) or not 1 <= int(text) <= 100_000:
        raise Refused(N_("the page number must be a whole number from 1 to 100000"), field="page")
    return int(text)


def queue_filter(query: Any) -> ReviewFilter:
    return ReviewFilter(
        type=_choice(query, "type", IndicatorType),
        category=_choice(query, "category", Category),
        source=(query.get("source") or "")[:200] or None,
        brand=(query.get("brand") or "")[:200] or None,
        query=(query.get("q") or "").strip().lower()[:300] or None,
    )


async def queue(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    settings = services.settings
    filters = queue_filter(request.query)
    number = _page_number(request.query)
    now = services.clock.now()
    window_start = now - services.decisions.policy.report_window
    found = await services.review.page(filters, PER_PAGE, (number - 1) * PER_PAGE, window_start)
    zone = request.config_dict[ZONE]
    overdue_before = subtract_working_days(now, settings.console.review_working_days, zone)
    rows = []
    for item in found.items:
        since = item.record.state_changed_at or item.record.first_seen
        rows.append(
            Row(
                item,
                parse_signals(item.record.signals_json)[:3],
                since,
                add_working_days(since, settings.console.review_working_days, zone),
                since < overdue_before,
            )
        )
    pages = max(1, -(-found.total // PER_PAGE))
    keep = {k: v for k, v in request.query.items() if k in {"type", "category", "source", "brand", "q"} and v}
    return render(
        request,
        "queue.html",
        rows=rows,
        total=found.total,
        number=number,
        pages=pages,
        filters=filters,
        keep=keep,
        operators=sorted(set((await services.store.operator_names()).values())),
        brands=services.brands,
        types=list(IndicatorType),
        categories=list(Category),
        actions=list(Action),
        window_hours=round(services.decisions.policy.report_window.total_seconds() / 3600),
    )


def _selected(request: web.Request) -> list[IndicatorKey]:
    keys: list[IndicatorKey] = []
    for raw in request[FORM].getall("item", []):
        if not isinstance(raw, str) or ":" not in raw or len(raw) > 400:
            raise Refused(N_("an item of the selection is not a valid indicator"), field="item")
        kind, _, value = raw.partition(":")
        try:
            key = IndicatorKey(IndicatorType(kind), value)
        except ValueError:
            raise Refused(N_("an item of the selection is not a valid indicator"), field="item") from None
        if key not in keys:
            keys.append(key)
    if not keys:
        raise Refused(N_("select at least one item"), field="item")
    if len(keys) > MAX_BULK:
        raise Refused(N_("select at most %(n)d items at once"), field="item", n=MAX_BULK)
    return keys


def _bulk_choice(request: web.Request) -> tuple[Action, Category | None, str]:
    try:
        action = Action(form_text(request, "action", 20))
    except ValueError:
        raise Refused(N_("choose block, allow or unlist"), field="action") from None
    category_text = form_text(request, "category", 40)
    try:
        category = Category(category_text) if category_text else None
    except ValueError:
        raise Refused(N_("unknown category"), field="category") from None
    reason = form_text(request, "reason", 1000).strip()
    if not reason:
        raise Refused(N_("a decision needs a reason"), field="reason")
    return action, category, reason


async def bulk(request: web.Request) -> web.StreamResponse:
    """The confirmation step: what would be decided, nothing written yet."""
    keys = _selected(request)
    action, category, reason = _bulk_choice(request)
    records = await services_of(request).indicators.get_indicators(keys)
    return render(
        request,
        "bulk_confirm.html",
        keys=keys,
        records=records,
        action=action,
        category=category,
        reason=reason,
    )


async def bulk_confirm(request: web.Request) -> web.StreamResponse:
    services = services_of(request)
    if form_text(request, "confirmed", 10) != "yes":
        raise Refused(N_("confirm the decision first"), field="confirmed")
    keys = _selected(request)
    action, category, reason = _bulk_choice(request)
    actor = request[VISITOR].actor
    decided = 0
    refused: list[tuple[str, str]] = []
    by_type: dict[IndicatorType, list[str]] = {}
    for key in keys:
        by_type.setdefault(key.type, []).append(key.value)
    for kind, values in by_type.items():
        outcome = await services.decisions.decide_many(actor, kind, values, action, reason, category)
        decided += outcome.decided
        refused += outcome.refused
    return render(request, "bulk_done.html", decided=decided, refused=refused, action=action)
