"""The zone server's view of publication (blocklists.zone.ZoneSource): the version this node serves,
its domains read from the version's immutable rows file, and the deltas between versions from the
store's publication records."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime

from antifraud.domain.model import Category, DecisionOrigin, Delta, ListEntry, ListKind
from antifraud.ports import PublicationStore
from blocklists.renderer import ROWS
from workers.publication.materializer import Materializer

_CATEGORIES = {c.value: c for c in Category}
_ORIGINS = {o.value: o for o in DecisionOrigin}


class PublishedZone:
    def __init__(self, materializer: Materializer, store: PublicationStore) -> None:
        self.materializer = materializer
        self.store = store

    def serial(self) -> int:
        return self.materializer.version

    def entries(self) -> Iterator[ListEntry]:
        """The domains of the served version, sorted (the rows file is written in value order)."""
        served = self.materializer.served
        if served is None:
            return
        with (served.directory / ROWS / ListKind.DOMAINS.value).open(encoding="utf-8") as rows:
            for line in rows:
                value, category, score, listed_at, expires_at, display, origin = line.rstrip("\n").split("\t")
                yield ListEntry(
                    value,
                    _CATEGORIES[category],
                    int(score),
                    datetime.fromisoformat(listed_at),
                    datetime.fromisoformat(expires_at) if expires_at else None,
                    display or None,
                    _ORIGINS[origin],
                )

    async def journal(self, since: int) -> Sequence[Delta] | None:
        until = self.serial()
        deltas = []
        for version in range(since + 1, until + 1):
            delta = await self.materializer.delta(ListKind.DOMAINS, version - 1, version)
            if delta is None:
                return None
            deltas.append(delta)
        return deltas
