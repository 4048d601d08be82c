"""The console's page data over the in-memory stores: the dashboard's figures (reports, listings by
origin, time to block, hits, the queue's age and overdue items in working days, a held publication),
an indicator's dossier (evidence, graph, published spans, hits) and search."""

from __future__ import annotations

import json
from datetime import datetime
from zoneinfo import ZoneInfo

from centers import domain
from fakes_console import FakeConsoleStore

from antifraud.console.dashboard import Dashboard
from antifraud.console.dossier import Dossiers, parse_evidence, spans_of
from antifraud.console.ports import PublishedChange
from antifraud.console.search import Search, SearchBy
from antifraud.domain.model import Action, Category, IndicatorType, ListKind, Signal
from antifraud.ports import ListChange
from antifraud.services.status import Held, Status

ALMATY = ZoneInfo("Asia/Almaty")


class HeldPublications:
    def __init__(self, held=None):
        self._held = held

    def served(self):
        return None

    def held(self):
        return self._held

    async def release(self, _actor):
        return "published", 2

    async def delta(self, _kind: ListKind, _since: int, _until: int):
        return None

    async def pending(self) -> dict[str, list[ListChange]]:
        return {}


async def healthy():
    return True, "ok"


async def nothing():
    return None


async def test_the_dashboard_counts_what_an_analyst_must_know(center, store, clock):
    console = FakeConsoleStore(store)
    op = await store.ensure_operator("Halyk")
    clock.current = datetime(2026, 11, 20, 10, 0, tzinfo=ALMATY)  # a Friday morning
    await center.intake.submit(op, [domain("kaspi-gift.kz")])  # waits from Friday
    clock.advance(days=3)  # Monday morning
    await center.intake.submit(op, [domain("kaspi-bonus-new.kz"), domain("kaspi-prize.kz")])
    await center.decisions.decide("analyst:a", IndicatorType.DOMAIN, "kaspi-prize.kz", Action.BLOCK, "clone")
    held = Held("publishing domains would remove 40 % of it", clock.now())
    status = Status(HeldPublications(held), healthy, nothing)
    board = Dashboard(console, store, status, ALMATY, working_days=2)
    clock.advance(days=1, hours=1)  # Tuesday 11:00: Friday's item is past two working days
    f = await board.figures(clock.now())
    assert (f.reports_today, f.reports_week) == (0, 2)
    assert f.listed_analyst == 1
    assert f.waiting.in_review == 2
    assert f.waiting.overdue == 1
    assert f.held == held
    assert f.delays_counted == 1
    assert f.delay_median == 0.0  # reported and blocked in the same minute


def test_published_spans_follow_adds_and_removes():
    def change(version, action):
        return PublishedChange(version, action, datetime(2026, 11, version, tzinfo=ALMATY))

    spans = spans_of([change(3, "add"), change(5, "update"), change(9, "remove"), change(12, "add")])
    assert [(s.first, s.last) for s in spans] == [(3, 8), (12, None)]
    assert spans_of([change(2, "remove")]) == []


def test_evidence_of_any_shape_is_read_without_failing():
    views = parse_evidence(
        json.dumps(
            {
                "crawl": {"at": "2026-11-22T10:00:00+00:00", "signals": [{"name": "x", "weight": "heavy"}],
                          "facts": {"title": "<b>"}},
                "liveness": {"dead_since": "2026-11-01T00:00:00+00:00", "detail": "NXDOMAIN"},
                "odd": ["not", "a", "dict"],
                "bad_time": {"at": "yesterday"},
            }
        )
    )  # fmt: skip
    by_source = {v.source: v for v in views}
    assert by_source["crawl"].facts == {"title": "<b>"}
    assert by_source["crawl"].signals[0].weight == 0
    assert by_source["liveness"].facts["detail"] == "NXDOMAIN"
    assert by_source["bad_time"].at is None
    assert "odd" not in by_source
    assert parse_evidence("not json") == []


async def test_a_dossier_gathers_evidence_links_and_history(center, store, clock):
    console = FakeConsoleStore(store)
    op = await store.ensure_operator("Halyk")
    await center.intake.submit(op, [domain("kaspi-bonus.kz")])
    await center.evidence.record(
        IndicatorType.DOMAIN,
        "kaspi-bonus.kz",
        "crawl",
        [Signal("page_phone_numbers", 5, "the page advertises +77471234567")],
        links=[(IndicatorType.PHONE, "+77471234567", "advertised_on")],
        facts={"title": "Kaspi бонус"},
    )
    dossier = await Dossiers(center.review, store, console).of(IndicatorType.DOMAIN, "KASPI-bonus.kz", clock.now())
    assert dossier is not None
    assert dossier.evidence[0].facts["title"] == "Kaspi бонус"
    assert {n.key.value for n in dossier.graph.nodes} == {"kaspi-bonus.kz", "+77471234567"}
    assert [a.actor for a in dossier.file.history][-1] == "operator:Halyk"
    assert dossier.operators[op.id] == "Halyk"
    assert await Dossiers(center.review, store, console).of(IndicatorType.DOMAIN, "never-seen.kz", clock.now()) is None
    assert await Dossiers(center.review, store, console).of(IndicatorType.DOMAIN, "not a domain", clock.now()) is None


async def test_search_normalizes_values_and_finds_by_prefix_and_brand(center, store):
    op = await store.ensure_operator("Halyk")
    await center.intake.submit(op, [domain("kaspi-bonus.kz", Category.BANK_IMPERSONATION)])
    search = Search(center.assessor, store, FakeConsoleStore(store))
    found = await search.run(SearchBy.VALUE, "https://login.KASPI-bonus.kz/x?y=1")
    assert [f.key.value for f in found.found] == ["kaspi-bonus.kz"]
    assert [f.key.value for f in (await search.run(SearchBy.PREFIX, "Kaspi-")).found] == ["kaspi-bonus.kz"]
    assert [f.key.value for f in (await search.run(SearchBy.BRAND, "Kaspi Bank")).found] == ["kaspi-bonus.kz"]
    assert (await search.run(SearchBy.VALUE, "   ")).found == []
    assert (await search.run(SearchBy.VALUE, "\x00<script>" * 100)).found == []
