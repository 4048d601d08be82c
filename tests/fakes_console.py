"""A hand-written fake of antifraud.console.ports.ConsoleStore: accounts and sessions in memory, and the
page reads answered from a FakeStore's data (tests/contract/test_console_store.py holds it to the same
behaviour as the SQLite adapter)."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass, field, replace
from datetime import datetime

from fakes import FakeStore

from antifraud.console.ports import (
    ConsoleSession,
    ConsoleUser,
    Found,
    HitRow,
    OpenDispute,
    PublishedChange,
    Waiting,
)
from antifraud.domain.errors import Conflict
from antifraud.domain.model import ListingState


@dataclass
class FakeConsoleStore:
    data: FakeStore
    users: dict[str, ConsoleUser] = field(default_factory=dict)
    sessions: dict[str, ConsoleSession] = field(default_factory=dict)

    # accounts ------------------------------------------------------------------------------------
    async def add_user(self, user: ConsoleUser) -> None:
        await asyncio.sleep(0)  # a real store awaits: a racing add gets in between
        if user.name in self.users:
            raise Conflict(f"a console user named {user.name!r} exists already", field="name")
        self.users[user.name] = user

    async def get_user(self, name: str) -> ConsoleUser | None:
        return self.users.get(name)

    async def list_users(self) -> list[ConsoleUser]:
        return [self.users[n] for n in sorted(self.users)]

    async def set_password(self, name: str, password_hash: str, *, must_change: bool, at: datetime) -> None:  # noqa: ARG002
        if name in self.users:
            self.users[name] = replace(self.users[name], password_hash=password_hash, must_change=must_change)

    # sessions ------------------------------------------------------------------------------------
    async def add_session(self, session: ConsoleSession) -> None:
        self.sessions[session.token_hash] = session

    async def get_session(self, token_hash: str) -> ConsoleSession | None:
        return self.sessions.get(token_hash)

    async def touch_session(self, token_hash: str, at: datetime) -> None:
        session = self.sessions.get(token_hash)
        if session is not None and session.last_seen_at < at:
            self.sessions[token_hash] = replace(session, last_seen_at=at)

    async def delete_session(self, token_hash: str) -> None:
        self.sessions.pop(token_hash, None)

    async def delete_sessions_of(self, username: str, keep: str | None = None) -> int:
        gone = [h for h, s in self.sessions.items() if s.username == username and h != keep]
        for h in gone:
            del self.sessions[h]
        return len(gone)

    async def prune_sessions(self, before: datetime) -> int:
        gone = [h for h, s in self.sessions.items() if s.expires_at < before]
        for h in gone:
            del self.sessions[h]
        return len(gone)

    # reads for the pages -------------------------------------------------------------------------
    async def reports_since(self, at: datetime) -> int:
        return sum(1 for r in self.data.reports if r.received_at >= at)

    async def waiting(self, overdue_before: datetime) -> Waiting:
        review = [r for r in self.data.indicators.values() if r.state is ListingState.REVIEW]
        since = [r.state_changed_at for r in review if r.state_changed_at is not None]
        return Waiting(
            in_review=len(review),
            disputed=sum(1 for r in self.data.indicators.values() if r.disputed),
            oldest=min(since) if since else None,
            overdue=sum(1 for s in since if s < overdue_before),
        )

    async def listing_delays(self, since: datetime, limit: int) -> list[float]:
        listed = [
            r
            for r in self.data.indicators.values()
            if r.state is ListingState.LISTED
            and r.state_changed_at is not None
            and r.state_changed_at >= since
            and r.first_report_at is not None
            and r.listed_at is not None
        ]
        listed.sort(key=lambda r: r.state_changed_at or since, reverse=True)
        return [max(0.0, (r.listed_at - r.first_report_at).total_seconds()) for r in listed[:limit]]  # type: ignore[operator]

    async def open_disputes(self, limit: int, offset: int) -> tuple[int, list[OpenDispute]]:
        names = {o.id: o.name for o in self.data.operators.values()}
        open_ = sorted((d for d, closed in self.data.disputes if closed is None), key=lambda d: d.at)
        items = [
            OpenDispute(
                d.dispute_id,
                d.key,
                names.get(d.operator_id, f"#{d.operator_id}"),
                d.reason,
                d.contact,
                d.at,
                self.data.indicators[d.key].state if d.key in self.data.indicators else None,
            )
            for d in open_[offset : offset + limit]
        ]
        return len(open_), items

    async def operator_names(self) -> dict[int, str]:
        return {o.id: o.name for o in self.data.operators.values()}

    async def published_history(self, list_name: str, value: str, limit: int) -> list[PublishedChange]:
        at = {p.version: p.created_at for p in self.data.publications}
        found = [
            PublishedChange(v, c.action, at[v]) for v, k, c in self.data.changes if k == list_name and c.value == value
        ]
        return sorted(found, key=lambda c: c.version)[:limit]

    async def hits_of(self, list_name: str, value: str, since: datetime, limit: int) -> list[HitRow]:
        names = {o.id: o.name for o in self.data.operators.values()}
        rows = []
        for batch in self.data.hits.values():
            if batch.list != list_name or batch.interval_start < since:
                continue
            rows.extend(
                HitRow(
                    names.get(batch.operator_id, f"#{batch.operator_id}"),
                    batch.interval_start,
                    batch.interval_end,
                    int(entry.get("hits", 0)),
                )
                for entry in json.loads(batch.entries_json)
                if entry.get("value") == value
            )
        return sorted(rows, key=lambda h: h.interval_start, reverse=True)[:limit]

    async def search_prefix(self, prefix: str, limit: int) -> list[Found]:
        found = sorted(
            (r for r in self.data.indicators.values() if r.key.value.startswith(prefix)),
            key=lambda r: (list(type(r.key.type)).index(r.key.type), r.key.value),
        )
        return [Found(r.key, r.display, r.state, r.score, r.category) for r in found[:limit]]

    async def search_brand(self, brand: str, limit: int) -> list[Found]:
        found = [r for r in reversed(list(self.data.indicators.values())) if brand in r.signals_json]
        return [Found(r.key, r.display, r.state, r.score, r.category) for r in found[:limit]]
