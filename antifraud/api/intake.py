"""Intake routes: operators report domains, URLs, numbers and wallets, one at a time or in batches."""

from __future__ import annotations

import hashlib
import json
from datetime import datetime
from typing import Any

from aiohttp import web

from antifraud.api.context import KEY, json_body, services_of
from antifraud.api.errors import error_response, item_error
from antifraud.api.schemas import ReportIn, parse
from antifraud.domain.errors import InvalidInput
from antifraud.services.intake import IdempotencyKeyReused, Replayed, ReportAccepted, ReportInput, Result


def _result(result: Result) -> dict[str, Any]:
    if isinstance(result, ReportAccepted):
        return {
            "report_id": result.report_id,
            "indicator": {"type": result.key.type.value, "value": result.key.value},
            "status": "accepted",
            "listing": result.state.value,
        }
    return {"status": "rejected", "error": item_error(result)}


def _to_input(item: ReportIn) -> ReportInput:
    return ReportInput(item.type, item.value, item.category, item.comment, item.observed_at)


def _items(body: Any, max_batch: int, now: datetime) -> tuple[bool, list[ReportInput | InvalidInput]]:
    if not isinstance(body, dict):
        raise InvalidInput("the body must be a JSON object", field="body")
    if "reports" not in body:
        return False, [_to_input(parse(ReportIn, body, now=now))]
    raw_items = body["reports"]
    if set(body) - {"reports"}:
        raise InvalidInput("a batch has only the 'reports' field", field="body")
    if not isinstance(raw_items, list) or not raw_items:
        raise InvalidInput("'reports' must be a non-empty list", field="reports")
    if len(raw_items) > max_batch:
        raise InvalidInput(f"a batch holds at most {max_batch} reports; this one has {len(raw_items)}", field="reports")
    items: list[ReportInput | InvalidInput] = []
    for i, raw in enumerate(raw_items):
        try:  # one bad item rejects only that item
            items.append(_to_input(parse(ReportIn, raw, f"reports[{i}]", now=now)))
        except InvalidInput as exc:
            items.append(exc)
    return True, items


async def reports(request: web.Request) -> web.Response:
    services = services_of(request)
    record = request[KEY]
    body = await json_body(request)
    batch, items = _items(body, services.settings.api.max_batch, services.clock.now())

    def respond(results: list[Result]) -> tuple[int, str]:
        if batch:
            accepted = sum(1 for r in results if isinstance(r, ReportAccepted))
            payload = {
                "accepted": accepted,
                "rejected": len(results) - accepted,
                "results": [_result(r) for r in results],
            }
            return 202, json.dumps(payload, ensure_ascii=False)
        only = results[0]
        if isinstance(only, InvalidInput):
            return 400, json.dumps({"error": item_error(only)}, ensure_ascii=False)
        return 202, json.dumps(_result(only), ensure_ascii=False)

    idempotency_key = request.headers.get("Idempotency-Key")
    if idempotency_key is None:
        results = await services.intake.submit(record.operator, items)
        status, text = respond(results)
        return web.Response(text=text, status=status, content_type="application/json")
    if not 1 <= len(idempotency_key) <= 200:
        raise InvalidInput("Idempotency-Key must be 1-200 characters", field="Idempotency-Key")
    request_hash = hashlib.sha256(json.dumps(body, sort_keys=True).encode()).hexdigest()
    try:
        outcome = await services.intake.submit_once(record.operator, items, idempotency_key, request_hash, respond)
    except IdempotencyKeyReused as exc:
        return error_response(409, "idempotency_key_reused", exc.message, field="Idempotency-Key")
    if isinstance(outcome, Replayed):
        return web.Response(
            text=outcome.body,
            status=outcome.status,
            content_type="application/json",
            headers={"Idempotent-Replayed": "true"},
        )
    status, text = respond(outcome)
    return web.Response(text=text, status=status, content_type="application/json")
