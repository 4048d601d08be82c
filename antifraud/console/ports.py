"""What the console needs from the store beyond the center's ports: accounts, sessions, and the few
reads its pages make that no use-case does (dashboard figures, open disputes, an indicator's published
versions and hits, search). One Protocol, so the PostgreSQL adapter ports it like the rest; tests use
tests/fakes_console.py, and tests/contract/test_console_store.py runs against both."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Protocol

from antifraud.domain.model import Category, IndicatorKey, ListingState


class Role(StrEnum):
    ANALYST = "analyst"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class ConsoleUser:
    name: str
    role: Role
    password_hash: str
    must_change: bool  # a one-time password: it must be changed at the first login
    created_at: datetime
    disabled: bool = False


@dataclass(frozen=True, slots=True)
class ConsoleSession:
    token_hash: str  # SHA-256 of the cookie, hex: the cookie itself is never stored
    username: str
    csrf_token: str
    created_at: datetime
    last_seen_at: datetime
    expires_at: datetime  # absolute end


@dataclass(frozen=True, slots=True)
class OpenDispute:
    dispute_id: str
    key: IndicatorKey
    operator: str
    reason: str
    contact: str | None
    at: datetime
    state: ListingState | None  # the indicator's state now (None: no longer known)


@dataclass(frozen=True, slots=True)
class PublishedChange:
    version: int
    action: str  # add | update | remove
    at: datetime  # when the version was published


@dataclass(frozen=True, slots=True)
class HitRow:
    operator: str
    interval_start: datetime
    interval_end: datetime
    hits: int


@dataclass(frozen=True, slots=True)
class Found:
    """A search result: enough for a line of the results table."""

    key: IndicatorKey
    display: str
    state: ListingState
    score: int
    category: Category | None


@dataclass(frozen=True, slots=True)
class Waiting:
    """The review queue's size and age (in review or disputed)."""

    in_review: int
    disputed: int
    oldest: datetime | None  # the longest-waiting item entered review then
    overdue: int  # in review since before the cutoff


class ConsoleStore(Protocol):
    # accounts ------------------------------------------------------------------------------------
    async def add_user(self, user: ConsoleUser) -> None:
        """Raises antifraud.domain.errors.Conflict when the name is taken."""
        ...

    async def get_user(self, name: str) -> ConsoleUser | None: ...

    async def list_users(self) -> list[ConsoleUser]: ...

    async def set_password(self, name: str, password_hash: str, *, must_change: bool, at: datetime) -> None: ...

    # sessions ------------------------------------------------------------------------------------
    async def add_session(self, session: ConsoleSession) -> None: ...

    async def get_session(self, token_hash: str) -> ConsoleSession | None: ...

    async def touch_session(self, token_hash: str, at: datetime) -> None: ...

    async def delete_session(self, token_hash: str) -> None: ...

    async def delete_sessions_of(self, username: str, keep: str | None = None) -> int:
        """End every session of a user but `keep` (a token hash); returns how many ended."""
        ...

    async def prune_sessions(self, before: datetime) -> int:
        """Delete sessions that ended before `before`."""
        ...

    # reads for the pages -------------------------------------------------------------------------
    async def reports_since(self, at: datetime) -> int: ...

    async def waiting(self, overdue_before: datetime) -> Waiting: ...

    async def listing_delays(self, since: datetime, limit: int) -> list[float]:
        """Seconds from the first report to the listing, for listings since `since` (newest first)."""
        ...

    async def open_disputes(self, limit: int, offset: int) -> tuple[int, list[OpenDispute]]: ...

    async def operator_names(self) -> dict[int, str]: ...

    async def published_history(self, list_name: str, value: str, limit: int) -> list[PublishedChange]:
        """The versions that added, updated or removed `value` in a list, oldest first."""
        ...

    async def hits_of(self, list_name: str, value: str, since: datetime, limit: int) -> list[HitRow]: ...

    async def search_prefix(self, prefix: str, limit: int) -> list[Found]:
        """Indicators of any type whose normalized value starts with `prefix` (an index range)."""
        ...

    async def search_brand(self, brand: str, limit: int) -> list[Found]:
        """Indicators whose signals name a brand (newest first)."""
        ...
