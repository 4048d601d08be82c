"""Search by value (normalized as the center normalizes it: a URL finds its site, +7 701 ... finds the
E.164 number), by prefix of the normalized value, and by the brand the signals name."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from antifraud.console.ports import ConsoleStore, Found
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import IndicatorKey, IndicatorType
from antifraud.ports import IndicatorStore
from antifraud.services.assessment import Assessor

LIMIT = 100
MAX_QUERY = 300


class SearchBy(StrEnum):
    VALUE = "value"
    PREFIX = "prefix"
    BRAND = "brand"


@dataclass(frozen=True, slots=True)
class Results:
    by: SearchBy
    query: str
    found: list[Found]
    normalized: list[IndicatorKey]  # what a value search looked for


def guesses(text: str) -> list[IndicatorType]:
    """The types a typed value may be, most likely first (all are tried)."""
    if "://" in text:
        return [IndicatorType.URL]
    digits = sum(c.isdigit() for c in text)
    if digits >= 6 and not any(c.isalpha() for c in text):
        return [IndicatorType.PHONE]
    return [IndicatorType.DOMAIN, IndicatorType.WALLET, IndicatorType.PHONE]


class Search:
    def __init__(self, assessor: Assessor, indicators: IndicatorStore, store: ConsoleStore) -> None:
        self.assessor = assessor
        self.indicators = indicators
        self.store = store

    async def run(self, by: SearchBy, query: str) -> Results:
        text = query.strip()[:MAX_QUERY]
        if not text:
            return Results(by, text, [], [])
        if by is SearchBy.PREFIX:
            return Results(by, text, await self.store.search_prefix(text.lower(), LIMIT), [])
        if by is SearchBy.BRAND:
            return Results(by, text, await self.store.search_brand(text, LIMIT), [])
        keys: list[IndicatorKey] = []
        for kind in guesses(text):
            try:
                key = self.assessor.normalize(kind, text).key
            except InvalidIndicator:
                continue
            if key not in keys:
                keys.append(key)
        records = await self.indicators.get_indicators(keys)
        found = [
            Found(r.key, r.display, r.state, r.score, r.category) for r in (records[k] for k in keys if k in records)
        ]
        return Results(by, text, found, keys)
