"""The port through which the zone server reads the published domains list."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Protocol

from antifraud.domain.model import Delta, ListEntry


class ZoneSource(Protocol):
    """The domains list as published: its version, its entries, and the deltas between versions."""

    def serial(self) -> int:
        """The served list version; 0 means nothing has been published yet."""
        ...

    def entries(self) -> Iterable[ListEntry]:
        """The domains list at `serial()`, sorted by value. Iterated once per (re)load, never kept."""
        ...

    async def journal(self, since: int) -> Sequence[Delta] | None:
        """The domains deltas from `since` up to `serial()`, in order; None when that history is gone."""
        ...
