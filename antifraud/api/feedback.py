"""Feedback routes: what operators blocked (hits) and what they dispute."""

from __future__ import annotations

from datetime import timedelta

from aiohttp import web

from antifraud.api.context import KEY, json_body, services_of
from antifraud.api.schemas import DisputeIn, HitsIn, parse
from antifraud.domain.errors import InvalidInput
from antifraud.domain.model import ListKind

MAX_INTERVAL = timedelta(days=7)


async def hits(request: web.Request) -> web.Response:
    services = services_of(request)
    record = request[KEY]
    body = parse(HitsIn, await json_body(request), now=services.clock.now())
    if body.interval_end <= body.interval_start:
        raise InvalidInput("interval_end must be after interval_start", field="interval_end")
    if body.interval_end - body.interval_start > MAX_INTERVAL:
        raise InvalidInput("an interval may span at most 7 days", field="interval_end")
    listed_sum = sum(e.hits for e in body.entries)
    if listed_sum > body.total:
        raise InvalidInput(f"entries add up to {listed_sum}, more than total ({body.total})", field="entries")
    accepted = await services.feedback.record_hits(
        record.operator,
        ListKind(body.list),
        (body.interval_start, body.interval_end),
        body.total,
        [(e.value, e.hits) for e in body.entries],
    )
    return web.json_response(
        {"status": "accepted", "total": accepted.total, "by_category": accepted.by_category}, status=202
    )


async def disputes(request: web.Request) -> web.Response:
    services = services_of(request)
    record = request[KEY]
    body = parse(DisputeIn, await json_body(request))
    dispute_id = await services.feedback.dispute(record.operator, body.type, body.value, body.reason, body.contact)
    return web.json_response({"dispute_id": dispute_id, "status": "open"}, status=202)
