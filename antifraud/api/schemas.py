"""Request bodies of the HTTP API, validated with pydantic; errors name the offending field."""

from __future__ import annotations

import builtins
from datetime import datetime
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from antifraud.api.times import ReportedTime
from antifraud.domain.errors import InvalidInput
from antifraud.domain.model import Action, Category, IndicatorType

T = TypeVar("T")
Text = Annotated[str, Field(min_length=1, max_length=2048)]


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class ReportIn(_Body):
    type: IndicatorType
    value: Text
    category: Category
    comment: Annotated[str, Field(max_length=4000)] | None = None
    observed_at: ReportedTime | None = None


class ReportBatchIn(_Body):
    reports: Annotated[list[ReportIn], Field(min_length=1, max_length=1000)]


class CheckItem(_Body):
    type: IndicatorType
    value: Text


class CheckBatchIn(_Body):
    items: Annotated[list[CheckItem], Field(min_length=1, max_length=1000)]


class DecisionIn(_Body):
    type: IndicatorType
    value: Text
    action: Action
    reason: Annotated[str, Field(min_length=1, max_length=2000)]
    category: Category | None = None


class HitEntry(_Body):
    value: Text
    hits: Annotated[int, Field(ge=0, le=10**12)]


class HitsIn(_Body):
    list: Literal["domains", "phones", "wallets"]
    interval_start: ReportedTime
    interval_end: ReportedTime
    total: Annotated[int, Field(ge=0, le=10**13)]
    entries: Annotated[builtins.list[HitEntry], Field(max_length=100_000)] = []


class DisputeIn(_Body):
    type: IndicatorType
    value: Text
    reason: Annotated[str, Field(min_length=1, max_length=4000)]
    contact: Annotated[str, Field(max_length=200)] | None = None


class AllowIn(_Body):
    type: IndicatorType
    value: Text
    reason: Annotated[str, Field(min_length=1, max_length=2000)]


_ADAPTERS: dict[type[Any], TypeAdapter[Any]] = {}


def _field_path(loc: tuple[int | str, ...], prefix: str) -> str:
    path = prefix
    for part in loc:
        path = f"{path}[{part}]" if isinstance(part, int) else (f"{path}.{part}" if path else str(part))
    return path


def parse(model: type[T], data: Any, prefix: str = "", *, now: datetime | None = None) -> T:
    """Validate `data` as `model`, raising InvalidInput that names the first offending field.

    `now` is the center's clock, against which reported times are checked (see antifraud.api.times)."""
    adapter = _ADAPTERS.get(model)
    if adapter is None:
        adapter = _ADAPTERS[model] = TypeAdapter(model)
    try:
        result: T = adapter.validate_python(data, context=None if now is None else {"now": now})
    except ValidationError as exc:
        first = exc.errors()[0]
        field = _field_path(tuple(first["loc"]), prefix) or prefix or "body"
        message = first["msg"].removeprefix("Value error, ")
        if first["type"] == "enum" and "ctx" in first:
            message = f"must be one of {first['ctx'].get('expected')}"
        elif first["type"] == "extra_forbidden":
            message = "is not a known field"
        elif first["type"] == "missing":
            message = "is required"
        raise InvalidInput(f"{field}: {message}", field=field) from None
    return result
