"""What every console handler reaches: the use-cases (built by the composition root) and typed keys on
the console application and its requests."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import tzinfo

from aiohttp import web

from antifraud.console.accounts import Accounts, Visitor
from antifraud.console.dashboard import Dashboard
from antifraud.console.dossier import Dossiers
from antifraud.console.ports import ConsoleStore
from antifraud.console.search import Search
from antifraud.ports import Clock, IndicatorStore
from antifraud.services.assessment import Assessor
from antifraud.services.decisions import Decisions
from antifraud.services.read_model import ReadModel
from antifraud.services.review import Review
from antifraud.services.status import Status
from antifraud.settings import Settings


@dataclass(slots=True)
class ConsoleServices:
    settings: Settings
    clock: Clock
    accounts: Accounts
    store: ConsoleStore  # the console's own reads and writes
    indicators: IndicatorStore  # links, reports and history of an indicator
    review: Review
    decisions: Decisions
    status: Status
    read_model: ReadModel
    assessor: Assessor
    brands: Sequence[str] = field(default_factory=tuple)  # protected brand names, for the queue's filter


SERVICES = web.AppKey("console_services", ConsoleServices)
VISITOR = web.RequestKey("console_visitor", Visitor)
LOCALE = web.RequestKey("console_locale", str)
ZONE = web.AppKey("console_zone", tzinfo)
DASHBOARD = web.AppKey("console_dashboard", Dashboard)
DOSSIERS = web.AppKey("console_dossiers", Dossiers)
SEARCH = web.AppKey("console_search", Search)


def services_of(request: web.Request) -> ConsoleServices:
    return request.config_dict[SERVICES]
