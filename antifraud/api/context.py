"""What every handler reaches: the use-cases, typed keys on the application and the request, and the
request-body reader that turns hostile bytes into a clear 400."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from aiohttp import web

from antifraud.api.auth import KeyCache, RateLimiter
from antifraud.api.json_input import parse_json_body
from antifraud.domain.errors import InvalidInput
from antifraud.metrics import Metrics
from antifraud.ports import ApiKeyRecord, Clock
from antifraud.services.checks import Checks
from antifraud.services.decisions import Decisions
from antifraud.services.evidence import Evidence
from antifraud.services.feedback import Feedback
from antifraud.services.intake import Intake
from antifraud.services.review import Review
from antifraud.services.status import Status
from antifraud.settings import Settings


@dataclass(slots=True)
class ApiServices:
    """The use-cases the API serves, built by the composition root."""

    settings: Settings
    clock: Clock
    metrics: Metrics
    keys: KeyCache
    intake: Intake
    checks: Checks
    decisions: Decisions
    evidence: Evidence
    feedback: Feedback
    review: Review
    status: Status


SERVICES = web.AppKey("services", ApiServices)
LIMITER = web.AppKey("limiter", RateLimiter)
KEY = web.RequestKey("api_key", ApiKeyRecord)  # the authenticated key of this request
OPENAPI = web.AppKey("openapi", bytes)  # /openapi.json, built once from the route table


def services_of(request: web.Request) -> ApiServices:
    return request.app[SERVICES]


async def json_body(request: web.Request) -> Any:
    if not request.can_read_body:
        raise InvalidInput("the request needs a JSON body", field="body")
    return parse_json_body(await request.read())
