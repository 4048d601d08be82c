"""The center's status as the API and the console show it: health (an honest one: the store must take
a write), the version being served, and a publication held for an analyst."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol

from antifraud.domain.model import Delta, ListKind
from antifraud.ports import ListChange


@dataclass(frozen=True, slots=True)
class ServedFile:
    name: str
    path: Path
    sha256: str
    size: int
    entries: int


@dataclass(frozen=True, slots=True)
class Served:
    """The version this node serves: its files, immutable on disk."""

    version: int
    generated_at: str
    files: dict[str, ServedFile]
    directory: Path  # the version's own directory: index.json and signatures beside the lists


@dataclass(frozen=True, slots=True)
class Held:
    reason: str
    since: datetime


class Publications(Protocol):
    """What the API needs of publication (workers.publication implements it; the API never imports workers)."""

    def served(self) -> Served | None: ...

    def held(self) -> Held | None: ...

    async def release(self, actor: str) -> tuple[str, int]: ...

    async def delta(self, kind: ListKind, since: int, until: int) -> Delta | None: ...

    async def pending(self) -> Mapping[str, Sequence[ListChange]]:
        """What the next version would change per list: the diff a held publication waits with."""
        ...


class Status:
    def __init__(
        self,
        publications: Publications,
        store_health: Callable[[], Awaitable[tuple[bool, str]]],
        refresh_metrics: Callable[[], Awaitable[None]],
    ) -> None:
        self.publications = publications
        self._store_health = store_health
        self.refresh_metrics = refresh_metrics

    async def health(self) -> tuple[bool, dict[str, object]]:
        writable, detail = await self._store_health()
        served = self.publications.served()
        held = self.publications.held()
        return writable, {
            "status": "ok" if writable else "unavailable",
            "store": {"writable": writable, "detail": detail},
            "list_version": served.version if served else 0,
            "publication_held": held is not None,
        }
