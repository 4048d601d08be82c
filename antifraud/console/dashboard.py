"""The dashboard's figures: reports today and this week, listings by the policy and by analysts, time
from report to listing, what operators blocked, held publications, and the review queue's size, age
and overdue items (reports must be checked within two working days).

Each figure is an index range or a counter the store already keeps, never a scan of the lists.
"""

from __future__ import annotations

import statistics
from dataclasses import dataclass
from datetime import datetime, time, timedelta, tzinfo

from antifraud.console.ports import ConsoleStore, Waiting
from antifraud.console.workdays import subtract_working_days
from antifraud.ports import ChangeFeed
from antifraud.services.status import Held, Status

DELAY_SAMPLE = 2000  # listings whose delay makes the week's median


@dataclass(frozen=True, slots=True)
class Figures:
    now: datetime
    reports_today: int
    reports_week: int
    listed_auto: int
    listed_analyst: int
    delay_median: float | None  # seconds, report -> listing, this week
    delay_p90: float | None
    delays_counted: int
    hits_sites: int
    hits_calls: int
    hits_wallets: int
    held: Held | None
    list_version: int
    waiting: Waiting
    overdue_before: datetime
    working_days: int


def start_of_day(now: datetime, zone: tzinfo) -> datetime:
    local = now.astimezone(zone)
    return datetime.combine(local.date(), time(), tzinfo=zone)


def start_of_week(now: datetime, zone: tzinfo) -> datetime:
    day = start_of_day(now, zone)
    return day - timedelta(days=day.weekday())


class Dashboard:
    def __init__(self, store: ConsoleStore, feed: ChangeFeed, status: Status, zone: tzinfo, working_days: int) -> None:
        self.store = store
        self.feed = feed
        self.status = status
        self.zone = zone
        self.working_days = working_days

    async def figures(self, now: datetime) -> Figures:
        week = start_of_week(now, self.zone)
        overdue_before = subtract_working_days(now, self.working_days, self.zone)
        listed = {"auto": 0.0, "analyst": 0.0}
        hits = {"domains": 0.0, "phones": 0.0, "wallets": 0.0}
        for name, labels, value in await self.feed.counters():
            if name == "decisions_total" and len(labels) == 3 and labels[1] == "block" and labels[2] in listed:
                listed[labels[2]] += value
            elif name == "blocked_hits" and len(labels) == 2 and labels[0] in hits:
                hits[labels[0]] += value
        delays = sorted(await self.store.listing_delays(week, DELAY_SAMPLE))
        served = self.status.publications.served()
        return Figures(
            now=now,
            reports_today=await self.store.reports_since(start_of_day(now, self.zone)),
            reports_week=await self.store.reports_since(week),
            listed_auto=int(listed["auto"]),
            listed_analyst=int(listed["analyst"]),
            delay_median=statistics.median(delays) if delays else None,
            delay_p90=delays[min(len(delays) - 1, int(len(delays) * 0.9))] if delays else None,
            delays_counted=len(delays),
            hits_sites=int(hits["domains"]),
            hits_calls=int(hits["phones"]),
            hits_wallets=int(hits["wallets"]),
            held=self.status.publications.held(),
            list_version=served.version if served else 0,
            waiting=await self.store.waiting(overdue_before),
            overdue_before=overdue_before,
            working_days=self.working_days,
        )
