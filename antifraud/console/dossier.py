"""Everything the indicator page shows: the record, its score's signals, the evidence per source, the
reports (with the reporting operator's name), the audit history, the linked graph, the published
versions that carried it (as spans: added in v3, removed in v9 means versions 3-8), and its hits."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from antifraud.console.graph import LinkGraph, follow_links
from antifraud.console.ports import ConsoleStore, HitRow, PublishedChange
from antifraud.domain.model import IndicatorType
from antifraud.ports import IndicatorStore
from antifraud.services.review import IndicatorFile, Review

HISTORY_VERSIONS = 500
HIT_DAYS = 30
HIT_ROWS = 200


@dataclass(frozen=True, slots=True)
class SignalView:
    name: str
    weight: int
    detail: str


@dataclass(frozen=True, slots=True)
class EvidenceView:
    source: str  # dns, crawl, liveness, ...
    at: datetime | None
    signals: list[SignalView]
    facts: dict[str, Any]  # as the probe saw them: nested values are shown as JSON text


@dataclass(frozen=True, slots=True)
class Span:
    first: int
    last: int | None  # None: still published
    first_at: datetime
    ended_at: datetime | None


@dataclass(frozen=True, slots=True)
class Dossier:
    file: IndicatorFile
    signals: list[SignalView]
    evidence: list[EvidenceView]
    operators: dict[int, str]
    graph: LinkGraph
    versions: list[PublishedChange]
    spans: list[Span]
    hits: list[HitRow]

    @property
    def hits_total(self) -> int:
        return sum(h.hits for h in self.hits)


def parse_signals(text: str) -> list[SignalView]:
    try:
        items = json.loads(text)
    except ValueError:
        return []
    signals = []
    for item in items if isinstance(items, list) else []:
        if isinstance(item, dict):
            weight = item.get("weight", 0)
            signals.append(
                SignalView(
                    str(item.get("name", "")),
                    weight if isinstance(weight, int) else 0,
                    str(item.get("detail", "")),
                )
            )
    return sorted(signals, key=lambda s: -s.weight)


def parse_evidence(text: str) -> list[EvidenceView]:
    try:
        data = json.loads(text)
    except ValueError:
        return []
    views = []
    for source, found in sorted(data.items()) if isinstance(data, dict) else []:
        if not isinstance(found, dict):
            continue
        signals = parse_signals(json.dumps(found.get("signals", [])))
        facts = found.get("facts")
        if not isinstance(facts, dict):  # liveness and older evidence keep their facts at the top
            facts = {k: v for k, v in found.items() if k not in {"at", "signals"}}
        views.append(EvidenceView(str(source), _moment(found.get("at")), signals, facts))
    return views


def _moment(value: object) -> datetime | None:
    try:
        return datetime.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def spans_of(changes: list[PublishedChange]) -> list[Span]:
    """Published from an add to the next remove (updates keep it published)."""
    spans: list[Span] = []
    open_from: PublishedChange | None = None
    for change in changes:
        if change.action in {"add", "update"}:
            open_from = open_from or change
        elif change.action == "remove" and open_from is not None:
            spans.append(Span(open_from.version, change.version - 1, open_from.at, change.at))
            open_from = None
    if open_from is not None:
        spans.append(Span(open_from.version, None, open_from.at, None))
    return spans


class Dossiers:
    def __init__(self, review: Review, indicators: IndicatorStore, store: ConsoleStore) -> None:
        self.review = review
        self.indicators = indicators
        self.store = store

    async def of(self, kind: IndicatorType, value: str, now: datetime) -> Dossier | None:
        file = await self.review.file(kind, value)
        if file is None:
            return None
        key = file.record.key
        list_name = key.list_kind.value
        versions = await self.store.published_history(list_name, key.value, HISTORY_VERSIONS)
        return Dossier(
            file=file,
            signals=parse_signals(file.record.signals_json),
            evidence=parse_evidence(file.record.evidence_json),
            operators=await self.store.operator_names(),
            graph=await follow_links(self.indicators.links_of, key),
            versions=versions,
            spans=spans_of(versions),
            hits=await self.store.hits_of(list_name, key.value, now - timedelta(days=HIT_DAYS), HIT_ROWS),
        )
