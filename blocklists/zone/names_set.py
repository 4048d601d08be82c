"""An immutable set of names in chunks, cheap to hold (about 20 bytes a name) and to change.

The names are ordered by value across chunks (chunk i holds values from bounds[i] up to bounds[i+1]),
in no particular order inside a chunk. A change copies the tuple of chunk references and rewrites only
the chunks it touches, so a zone transfer streaming an older set is never disturbed by a newer one.
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from blocklists.zone.names import START, key_value, split_keys

FILL = 400  # names per chunk when a set is built: one chunk fits one transfer message
SPLIT = 800  # a chunk grown past this is split in two


@dataclass(frozen=True, slots=True)
class Change:
    """What a batch of changes really did: only names that were absent and added, present and removed."""

    added: tuple[bytes, ...]
    removed: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class NameSet:
    bounds: tuple[str, ...] = ("",)
    chunks: tuple[bytes, ...] = (b"",)
    size: int = 0

    @classmethod
    def build(cls, items: Iterable[tuple[str, bytes]]) -> NameSet:
        """From (value, key) pairs sorted by value, without duplicates."""
        builder = NameSetBuilder()
        for value, key in items:
            builder.add(value, key)
        return builder.finish()

    def __len__(self) -> int:
        return self.size

    def _index(self, value: str) -> int:
        return bisect_right(self.bounds, value) - 1

    def __contains__(self, item: tuple[str, bytes]) -> bool:
        value, key = item
        return key in self.chunks[self._index(value)]

    def iter_chunks(self) -> Iterator[bytes]:
        return (chunk for chunk in self.chunks if chunk)

    def change(self, remove: Iterable[tuple[str, bytes]], add: Iterable[tuple[str, bytes]]) -> tuple[NameSet, Change]:
        """A new set with `remove` taken out then `add` put in, and what actually changed."""
        chunks = list(self.chunks)
        added: list[bytes] = []
        removed: list[bytes] = []
        touched: set[int] = set()
        for value, key in remove:
            i = self._index(value)
            if key in chunks[i]:
                chunks[i] = chunks[i].replace(key, b"", 1)
                removed.append(key)
        for value, key in add:
            i = self._index(value)
            if key not in chunks[i]:
                chunks[i] += key
                added.append(key)
                touched.add(i)
        bounds = list(self.bounds)
        # Split from the last touched chunk backwards so the indexes of the others stay valid.
        for i in sorted(touched, reverse=True):
            if chunks[i].count(START) > SPLIT:
                keys = sorted(split_keys(chunks[i]), key=key_value)
                half = len(keys) // 2
                chunks[i : i + 1] = [b"".join(keys[:half]), b"".join(keys[half:])]
                bounds.insert(i + 1, key_value(keys[half]))
        size = self.size + len(added) - len(removed)
        return NameSet(tuple(bounds), tuple(chunks), size), Change(tuple(added), tuple(removed))


class NameSetBuilder:
    """Builds a NameSet from names given in value order, one chunk at a time."""

    def __init__(self) -> None:
        self._bounds: list[str] = [""]
        self._chunks: list[bytes] = []
        self._current: list[bytes] = []
        self._size = 0

    def add(self, value: str, key: bytes) -> None:
        if len(self._current) == FILL:
            self._chunks.append(b"".join(self._current))
            self._bounds.append(value)
            self._current = []
        self._current.append(key)
        self._size += 1

    def finish(self) -> NameSet:
        return NameSet(tuple(self._bounds), (*self._chunks, b"".join(self._current)), self._size)
