"""The one place where errors become HTTP answers: `{"error": {"code", "message", "field"}}`."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from antifraud.domain.errors import AntifraudError, Conflict, InvalidInput, NotFound, PolicyViolation


def error_body(code: str, message: str, field: str | None = None) -> dict[str, Any]:
    error: dict[str, Any] = {"code": code, "message": message}
    if field is not None:
        error["field"] = field
    return {"error": error}


def error_response(
    status: int, code: str, message: str, field: str | None = None, headers: dict[str, str] | None = None
) -> web.Response:
    return web.json_response(error_body(code, message, field), status=status, headers=headers)


SERVER_SIDE = frozenset({"invalid_snapshot", "stale_publication", "config"})  # our bugs, not the caller's


def status_for(exc: AntifraudError) -> int:
    if exc.code in SERVER_SIDE:
        return 500
    if isinstance(exc, InvalidInput):
        return 400
    if isinstance(exc, NotFound):
        return 404
    if isinstance(exc, Conflict | PolicyViolation):
        return 409
    return 400


def from_exception(exc: AntifraudError) -> web.Response:
    return error_response(status_for(exc), exc.code, exc.message, exc.field)


def item_error(exc: AntifraudError) -> dict[str, Any]:
    error: dict[str, Any] = error_body(exc.code, exc.message, exc.field)["error"]
    return error
