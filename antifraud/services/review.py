"""The analysts' queue: what waits for a person (review, disputes), from the store, paginated.

A page is one indexed query (state, disputed, score, first_seen), never a scan of every indicator:
100,000 indicators in review answer as fast as 100.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import IndicatorType
from antifraud.ports import AuditRecord, IndicatorRecord, IndicatorStore, LinkRecord, ReportRecord, ReviewFilter
from antifraud.services.assessment import Assessor
from antifraud.services.repository import IndicatorRepository

MAX_PAGE = 1000


@dataclass(frozen=True, slots=True)
class ReviewItem:
    record: IndicatorRecord
    reports_in_window: int
    operators_in_window: int


@dataclass(frozen=True, slots=True)
class ReviewPage:
    total: int
    limit: int
    offset: int
    items: list[ReviewItem]

    @property
    def next_offset(self) -> int | None:
        following = self.offset + len(self.items)
        return following if following < self.total else None


@dataclass(frozen=True, slots=True)
class IndicatorFile:
    """Everything the center knows of one indicator, for an analyst."""

    record: IndicatorRecord
    links: list[LinkRecord]
    reports: list[ReportRecord]
    history: list[AuditRecord]


class Review:
    def __init__(self, store: IndicatorStore, repository: IndicatorRepository, assessor: Assessor) -> None:
        self.store = store
        self.repository = repository
        self.assessor = assessor

    async def file(self, kind: IndicatorType, value: str) -> IndicatorFile | None:
        try:
            key = self.assessor.normalize(kind, value).key
        except InvalidIndicator:
            return None
        record = await self.repository.get_one(key)
        if record is None:
            return None
        return IndicatorFile(
            record,
            await self.store.links_of(key),
            await self.store.reports_for(key),
            await self.store.audit_for(key),
        )

    async def page(self, filters: ReviewFilter, limit: int, offset: int, window_start: datetime) -> ReviewPage:
        limit = max(1, min(MAX_PAGE, limit))
        offset = max(0, offset)
        total, records = await self.store.review_page(filters, limit, offset)
        items = []
        for record in records:
            recent = [op for op, at in record.reporters if at >= window_start]
            items.append(ReviewItem(record, len(recent), len(set(recent))))
        return ReviewPage(total, limit, offset, items)
