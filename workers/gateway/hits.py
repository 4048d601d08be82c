"""Turning Kamailio's hit counters into `POST /v1/hits` batches, exactly once per interval.

Kamailio counts refused calls per listed value in an htable (`hits`) and never resets them: the agent
reads them and reports the increase since its last reading, over the interval between the two
readings. A counter lower than last time was dropped and created again (its value is all new); all
counters start again when Kamailio restarts (its start time changes). A batch that the center did not
accept is sent again as it was, same interval and counts: the center replaces a resent interval, so
a batch whose answer was lost is never counted twice. Pure: readings and times are passed in.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

MAX_ENTRIES = 100_000  # the center takes at most this many entries per batch
MAX_PENDING = 10_080  # a week of one-minute batches; older ones are dropped (and said so)
MAX_INTERVAL = timedelta(days=7)  # the center refuses longer intervals


def rfc3339(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(slots=True)
class HitsLedger:
    started: str | None = None  # Kamailio's start time when the counters were last read
    last: dict[str, int] = field(default_factory=dict)  # the counters as last read
    since: datetime | None = None  # when they were last read
    pending: list[dict[str, Any]] = field(default_factory=list)  # batches not yet accepted, oldest first
    dropped: int = 0  # batches dropped because the center was away for more than MAX_PENDING

    def observe(self, counters: Mapping[str, int], started: str, uptime: float, now: datetime) -> dict[str, Any] | None:
        """Take a reading; queue and return the batch of what was refused since the last one, or None
        when nothing was (or when this is the first reading: nobody knows when earlier counts happened)."""
        if self.since is not None and self.started == started and now - self.since < timedelta(seconds=1):
            return None  # a second reading within the same second would make an empty interval
        if self.since is None:
            base: Mapping[str, int] | None = None
            start = now
        elif self.started != started:  # Kamailio restarted: every count is new, since its start
            base = {}
            start = max(self.since, now - timedelta(seconds=max(uptime, 1.0)))
        else:
            base = self.last
            start = self.since
        self.started, self.last, self.since = started, dict(counters), now
        if base is None:
            return None
        increases: list[tuple[str, int]] = []
        for value, count in counters.items():
            before = base.get(value, 0)
            increase = count - before if count >= before else count
            if increase > 0:
                increases.append((value, increase))
        if not increases:
            return None
        increases.sort(key=lambda e: (-e[1], e[0]))  # the most refused first: they survive the cap
        entries = [{"value": v, "hits": h} for v, h in increases[:MAX_ENTRIES]]
        start = max(start, now - MAX_INTERVAL)
        batch = {
            "list": "phones",
            "interval_start": rfc3339(start),
            "interval_end": rfc3339(now),
            "total": sum(h for _, h in increases),
            "entries": entries,
        }
        self.pending.append(batch)
        if len(self.pending) > MAX_PENDING:
            del self.pending[0]
            self.dropped += 1
        return batch

    def accepted(self, batch: Mapping[str, Any]) -> None:
        if self.pending and self.pending[0] is batch:
            del self.pending[0]

    def to_json(self) -> dict[str, Any]:
        return {
            "started": self.started,
            "last": self.last,
            "since": self.since.isoformat() if self.since else None,
            "pending": self.pending,
            "dropped": self.dropped,
        }

    @classmethod
    def from_json(cls, document: Mapping[str, Any]) -> HitsLedger:
        """A previous run's ledger; what cannot be read starts afresh (at worst one interval unreported)."""
        ledger = cls()
        try:
            ledger.started = document.get("started")
            ledger.last = {str(k): int(v) for k, v in (document.get("last") or {}).items()}
            since = document.get("since")
            ledger.since = datetime.fromisoformat(since) if since else None
            ledger.pending = [b for b in document.get("pending") or [] if isinstance(b, dict) and "entries" in b]
            ledger.dropped = int(document.get("dropped") or 0)
        except (TypeError, ValueError, AttributeError):
            return cls()
        return ledger
