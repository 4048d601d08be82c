"""An in-memory ZoneSource: the domains list at each version and the deltas between them, as the
publisher will record them in the store."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, datetime

from antifraud.domain.model import Category, DecisionOrigin, Delta, ListEntry, ListKind

LISTED_AT = datetime(2026, 11, 22, 12, 0, tzinfo=UTC)


def entry(
    value: str, category: Category = Category.PHISHING, origin: DecisionOrigin = DecisionOrigin.AUTO
) -> ListEntry:
    return ListEntry(value, category, 90, LISTED_AT, origin=origin)


class FakeZoneSource:
    """Publish versions with `publish(added=..., removed=...)`; `forget_history()` drops the journal."""

    def __init__(self, entries: Iterable[ListEntry] = (), serial: int = 1) -> None:
        self._entries = {e.value: e for e in entries}
        self._serial = serial
        self._deltas: list[Delta] = []
        self.journal_calls: list[int] = []
        self.entries_calls = 0

    def serial(self) -> int:
        return self._serial

    def entries(self) -> Iterable[ListEntry]:
        self.entries_calls += 1
        return [self._entries[v] for v in sorted(self._entries)]

    async def journal(self, since: int) -> Sequence[Delta] | None:
        self.journal_calls.append(since)
        deltas = [d for d in self._deltas if d.from_version >= since]
        if since == self._serial:
            return []
        if not deltas or deltas[0].from_version != since:
            return None
        return deltas

    def publish(self, added: Iterable[ListEntry] = (), removed: Iterable[str] = ()) -> int:
        added, removed = tuple(added), tuple(removed)
        for value in removed:
            del self._entries[value]
        for e in added:
            self._entries[e.value] = e
        delta = Delta(ListKind.DOMAINS, self._serial, self._serial + 1, added, removed)
        self._deltas.append(delta)
        self._serial += 1
        return self._serial

    def forget_history(self) -> None:
        self._deltas.clear()
