"""Check routes: gateways and resolvers ask whether a value is listed, one at a time or in batches.

The hot path of the API: one normalization (cached), one read-model lookup, an answer cached per
indicator, and a body built from a cached prefix plus the list version.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from antifraud.api.context import json_body, services_of
from antifraud.api.errors import item_error
from antifraud.api.schemas import CheckBatchIn, parse
from antifraud.domain.errors import AntifraudError, InvalidInput
from antifraud.domain.model import IndicatorType

_KINDS = tuple(IndicatorType)


async def check_get(request: web.Request) -> web.Response:
    services = services_of(request)
    query = request.query
    given = [(t, query[t.value]) for t in _KINDS if t.value in query]
    if len(given) != 1:
        raise InvalidInput("give exactly one of ?domain=, ?url=, ?phone= or ?wallet=", field="query")
    kind, value = given[0]
    trunk = query.get("trunk")
    if trunk is not None:
        return await _call(request, kind, value, trunk)
    answer = await services.checks.check(kind, value)
    return web.Response(
        body=answer.body(services.checks.list_version), content_type="application/json", charset="utf-8"
    )


TRUNKS = frozenset({"international", "domestic"})


async def _call(request: web.Request, kind: IndicatorType, caller: str, trunk: str) -> web.Response:
    """A SIP gateway's per-call check: `phone` is the caller, `trunk` the leg the call came in on, `callee`
    whom it calls (recorded for nothing yet: accepted so gateways can send the whole context)."""
    services = services_of(request)
    if kind is not IndicatorType.PHONE:
        raise InvalidInput("trunk= goes with ?phone= (a call's caller)", field="trunk")
    if trunk not in TRUNKS:
        raise InvalidInput(f"trunk must be international or domestic, not {trunk[:20]!r}", field="trunk")
    callee = request.query.get("callee")
    if callee is not None and len(callee) > 64:
        raise InvalidInput("callee is longer than a phone number", field="callee")
    answer, brand = await services.checks.check_call(caller, international=trunk == "international")
    document = answer.to_json(services.checks.list_version)
    document["spoofed"] = brand is not None
    return web.json_response(document)


async def check_post(request: web.Request) -> web.Response:
    services = services_of(request)
    batch = parse(CheckBatchIn, await json_body(request))
    version = services.checks.list_version
    results: list[dict[str, Any]] = []
    for i, item in enumerate(batch.items):
        try:
            results.append((await services.checks.check(item.type, item.value)).to_json(version))
        except AntifraudError as exc:
            exc.field = f"items[{i}].value"
            results.append({"type": item.type.value, "value": item.value, "error": item_error(exc)})
    return web.json_response({"results": results, "list_version": version})
