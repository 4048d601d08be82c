"""The OpenAPI 3.1 description served at /openapi.json, for operators' integrators."""

from __future__ import annotations

from typing import Any

from antifraud.api.schemas import AllowIn, CheckBatchIn, DecisionIn, DisputeIn, HitsIn, ReportIn

_ERROR = {
    "type": "object",
    "required": ["error"],
    "properties": {
        "error": {
            "type": "object",
            "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"}, "field": {"type": "string"}},
        }
    },
}


def _errors(*codes: int) -> dict[str, Any]:
    return {str(c): {"description": "error", "content": {"application/json": {"schema": _ERROR}}} for c in codes}


def _body(schema: dict[str, Any]) -> dict[str, Any]:
    return {"required": True, "content": {"application/json": {"schema": schema}}}


def _op(
    summary: str,
    scope: str | None,
    *,
    body: dict[str, Any] | None = None,
    ok: str = "200",
    params: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    op: dict[str, Any] = {
        "summary": summary,
        "responses": {ok: {"description": "success"}, **_errors(400, 401, 403, 413, 429)},
    }
    if scope is None:
        op["security"] = []
        op["responses"] = {ok: {"description": "success"}}
    else:
        op["description"] = f"Requires scope `{scope}` (or `admin`)."
    if body is not None:
        op["requestBody"] = _body(body)
    if params:
        op["parameters"] = params
    return op


def openapi_document(version: str) -> dict[str, Any]:
    report = ReportIn.model_json_schema()
    batch = {
        "type": "object",
        "required": ["reports"],
        "properties": {"reports": {"type": "array", "maxItems": 1000, "items": report}},
    }
    q: list[dict[str, Any]] = [
        {"name": n, "in": "query", "schema": {"type": "string"}} for n in ("domain", "url", "phone")
    ]
    name_param: list[dict[str, Any]] = [
        {"name": "name", "in": "path", "required": True, "schema": {"type": "string"}},
        {"name": "since", "in": "query", "schema": {"type": "integer"}},
    ]
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "antifraud API",
            "version": version,
            "description": "Reports in, decisions, versioned blocklists out. Errors: {error: {code, message, field}}.",
        },
        "components": {"securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}}},
        "security": [{"bearer": []}],
        "paths": {
            "/healthz": {"get": _op("Liveness and the served list version", None)},
            "/metrics": {"get": _op("Prometheus metrics", "metrics")},
            "/openapi.json": {"get": _op("This document", None)},
            "/v1/reports": {
                "post": _op(
                    "Report a domain, URL or phone number (single or batch of ≤ 1000)",
                    "report",
                    body={"oneOf": [report, batch]},
                    ok="202",
                )
            },
            "/v1/check": {
                "get": _op("Is this domain, URL or number listed?", "check", params=q),
                "post": _op("Check a batch", "check", body=CheckBatchIn.model_json_schema()),
            },
            "/v1/blocklists": {"get": _op("Index of published lists", "pull")},
            "/v1/blocklists/{name}": {
                "get": _op("A published list; ETag = version; ?since=VERSION for a delta", "pull", params=name_param)
            },
            "/v1/pull/{token}/{name}": {
                "get": _op("A published list, the key in the path (for Unbound url:)", None, params=name_param)
            },
            "/v1/hits": {
                "post": _op(
                    "Blocked queries/calls per list and interval", "pull", body=HitsIn.model_json_schema(), ok="202"
                )
            },
            "/v1/disputes": {
                "post": _op("Claim a false positive", "report", body=DisputeIn.model_json_schema(), ok="202")
            },
            "/v1/decisions": {
                "post": _op(
                    "An analyst's decision: block, allow or unlist", "analyst", body=DecisionIn.model_json_schema()
                )
            },
            "/v1/allowlist": {"post": _op("Add to the allowlist", "analyst", body=AllowIn.model_json_schema())},
            "/v1/review": {"get": _op("The review queue", "analyst")},
            "/v1/indicators/{type}/{value}": {"get": _op("An indicator with its history", "analyst")},
            "/v1/publications/release": {"post": _op("Release a publication held by the mass-change guard", "analyst")},
        },
    }
