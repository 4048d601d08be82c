"""Analyst routes: decisions, the allowlist, the review queue, an indicator's file, held publications."""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from aiohttp import web

from antifraud.api.context import KEY, json_body, services_of
from antifraud.api.errors import error_response
from antifraud.api.schemas import AllowIn, DecisionIn, parse
from antifraud.domain.errors import InvalidInput, NotFound
from antifraud.domain.model import Category, IndicatorType
from antifraud.ports import IndicatorRecord, ReviewFilter


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def indicator_json(record: IndicatorRecord) -> dict[str, Any]:
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
        "first_seen": _iso(record.first_seen),
        "listed_at": _iso(record.listed_at),
        "expires_at": _iso(record.expires_at),
        "origin": record.origin.value if record.origin else None,
        "disputed": record.disputed,
    }


def _actor(request: web.Request) -> str:
    return f"analyst:{request[KEY].operator.name}"


async def decisions(request: web.Request) -> web.Response:
    services = services_of(request)
    body = parse(DecisionIn, await json_body(request))
    record = await services.decisions.decide(
        _actor(request), body.type, body.value, body.action, body.reason, body.category
    )
    return web.json_response(indicator_json(record))


async def allowlist(request: web.Request) -> web.Response:
    services = services_of(request)
    body = parse(AllowIn, await json_body(request))
    record = await services.decisions.allow(_actor(request), body.type, body.value, body.reason)
    return web.json_response(indicator_json(record))


async def allowlist_remove(request: web.Request) -> web.Response:
    services = services_of(request)
    kind = _kind(request.match_info["type"])
    reason = request.query.get("reason", "")
    await services.decisions.allow_remove(_actor(request), kind, request.match_info["value"], reason)
    return web.json_response({"status": "removed"})


def _kind(text: str) -> IndicatorType:
    try:
        return IndicatorType(text)
    except ValueError:
        raise InvalidInput(f"type must be one of {', '.join(t.value for t in IndicatorType)}", field="type") from None


def _int(query: Any, name: str, default: int, low: int, high: int) -> int:
    text = query.get(name)
    if text is None:
        return default
    if not (text.isascii() and text.isdigit()) or len(text) > 9 or not low <= int(text) <= high:
        raise InvalidInput(f"{name} must be a whole number from {low} to {high}", field=name)
    return int(text)


def review_filter(query: Any) -> ReviewFilter:
    category = query.get("category")
    try:
        return ReviewFilter(
            type=IndicatorType(query["type"]) if query.get("type") else None,
            category=Category(category) if category else None,
            source=query.get("source") or None,
            brand=query.get("brand") or None,
            query=query.get("q") or None,
        )
    except ValueError as exc:
        raise InvalidInput(f"unknown filter value: {exc}", field="query") from None


async def review(request: web.Request) -> web.Response:
    services = services_of(request)
    limit = _int(request.query, "limit", 100, 1, 1000)
    offset = _int(request.query, "offset", 0, 0, 10**8)
    window_start = services.clock.now() - services.decisions.policy.report_window
    page = await services.review.page(review_filter(request.query), limit, offset, window_start)
    return web.json_response(
        {
            "total": page.total,
            "limit": page.limit,
            "offset": page.offset,
            "next_offset": page.next_offset,
            "items": [
                {
                    **indicator_json(i.record),
                    "reports_in_window": i.reports_in_window,
                    "operators_in_window": i.operators_in_window,
                }
                for i in page.items
            ],
        }
    )


async def indicator(request: web.Request) -> web.Response:
    services = services_of(request)
    kind = _kind(request.match_info["type"])
    file = await services.review.file(kind, request.match_info["value"])
    if file is None:
        raise NotFound(f"{request.match_info['value'][:100]} is not known to the center", field="value")
    record = file.record
    return web.json_response(
        {
            **indicator_json(record),
            "evidence": json.loads(record.evidence_json),
            "links": [
                {
                    "from": {"type": link.source.type.value, "value": link.source.value},
                    "to": {"type": link.target.type.value, "value": link.target.value},
                    "relation": link.relation,
                    "last_seen": link.at.isoformat(),
                }
                for link in file.links
            ],
            "reports": [
                {
                    "report_id": r.report_id,
                    "category": r.category.value,
                    "received_at": r.received_at.isoformat(),
                    "original": r.original,
                    "comment": r.comment,
                    "source": r.source,
                }
                for r in file.reports
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
                for a in file.history
            ],
        }
    )


async def publication_release(request: web.Request) -> web.Response:
    services = services_of(request)
    if services.status.publications.held() is None:
        return error_response(409, "nothing_held", "no publication is waiting for release")
    status, version = await services.status.publications.release(_actor(request))
    return web.json_response({"status": status, "version": version})
