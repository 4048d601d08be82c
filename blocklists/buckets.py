"""A published list held as sorted buckets of rows, so that a change touches only its buckets.

A national list has a million entries; one decision changes one of them. The rows are kept in value
order in buckets of about `TARGET` rows, each bucket as compact UTF-8 text (a tab-separated line per
row: about 90 bytes an entry instead of ~300 as Python objects). Applying a delta re-parses and
re-encodes only the buckets it touches and gives each of them a new id; every other bucket keeps its
id, which tells the file writer it may copy that bucket's bytes from the previous file.

Pure: no I/O, no clock.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import starmap

from blocklists.errors import InvalidSnapshot
from blocklists.rows import Row

TARGET = 1024  # rows per bucket: re-rendering one costs well under a millisecond
_ids = itertools.count(1)


_LINE = "{}\t{}\t{}\t{}\t{}\t{}\t{}\n".format


def encode_rows(rows: Sequence[Row]) -> bytes:
    return "".join(starmap(_LINE, rows)).encode("utf-8")


def decode_rows(blob: bytes) -> list[Row]:
    # plain tuples: a NamedTuple's constructor is a Python call per row; rows are read by index (r[0]: value)
    return [tuple(line.split("\t")) for line in blob.decode("utf-8").splitlines()]  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class Bucket:
    id: int  # new for every bucket whose rows changed
    first: str  # value of its first row
    count: int
    blob: bytes  # encode_rows of its rows

    def rows(self) -> list[Row]:
        return decode_rows(self.blob)


def _bucket(rows: Sequence[Row]) -> Bucket:
    return Bucket(next(_ids), rows[0][0], len(rows), encode_rows(rows))


class RowBuckets:
    """The rows of one list, sorted by value, in buckets of about `target` rows."""

    def __init__(self, buckets: Iterable[Bucket] = (), *, target: int = TARGET) -> None:
        self.target = target
        self.buckets: list[Bucket] = list(buckets)
        self._firsts = [b.first for b in self.buckets]
        self.count = sum(b.count for b in self.buckets)

    @classmethod
    def from_sorted_rows(cls, rows: Sequence[Row], *, target: int = TARGET) -> RowBuckets:
        """Rows already checked, sorted by value and unique (to_rows gives such)."""
        return cls((_bucket(rows[i : i + target]) for i in range(0, len(rows), target)), target=target)

    @classmethod
    def from_blob(cls, blob: bytes, *, target: int = TARGET) -> RowBuckets:
        """Buckets from encode_rows text of a whole list (a version's rows file), cut without parsing rows."""
        lines = blob.splitlines(keepends=True)
        buckets = []
        for i in range(0, len(lines), target):
            chunk = lines[i : i + target]
            first = chunk[0].split(b"\t", 1)[0].decode("utf-8")
            buckets.append(Bucket(next(_ids), first, len(chunk), b"".join(chunk)))
        return cls(buckets, target=target)

    def __iter__(self) -> Iterator[Row]:
        for bucket in self.buckets:
            yield from bucket.rows()

    def values(self) -> Iterator[str]:
        for bucket in self.buckets:
            for line in bucket.blob.split(b"\n"):
                if line:
                    yield line.split(b"\t", 1)[0].decode("utf-8")

    def blob(self) -> bytes:
        return b"".join(b.blob for b in self.buckets)

    def apply(self, upserts: Sequence[Row], removals: Sequence[str]) -> int:
        """Insert or replace `upserts` and drop `removals` (absent values are a no-op). Returns how many
        buckets were rewritten. A value may not be both upserted and removed."""
        if not upserts and not removals:
            return 0
        by_bucket: dict[int, tuple[list[Row], list[str]]] = {}
        for row in upserts:
            by_bucket.setdefault(self._index_for(row[0]), ([], []))[0].append(row)
        for value in removals:
            by_bucket.setdefault(self._index_for(value), ([], []))[1].append(value)
        if not self.buckets:
            rows, _ = by_bucket.pop(0, ([], []))
            self._replace(0, 0, _sorted_unique(rows))
            return len(self.buckets)
        # from the last bucket backwards, so that splitting or dropping one leaves the indexes of the
        # buckets still to visit unchanged
        for index in sorted(by_bucket, reverse=True):
            ups, gone = by_bucket[index]
            current = {r[0]: r for r in self.buckets[index].rows()}
            for value in gone:
                current.pop(value, None)
            for row in ups:
                current[row[0]] = row
            self._replace(index, index + 1, [current[v] for v in sorted(current)])
        return len(by_bucket)

    def _index_for(self, value: str) -> int:
        return max(0, bisect.bisect_right(self._firsts, value) - 1)

    def _replace(self, start: int, stop: int, rows: list[Row]) -> None:
        before = sum(b.count for b in self.buckets[start:stop])
        step = self.target
        fresh = [_bucket(rows[i : i + step]) for i in range(0, len(rows), step)] if rows else []
        self.buckets[start:stop] = fresh
        self._firsts[start:stop] = [b.first for b in fresh]
        self.count += len(rows) - before


def _sorted_unique(rows: list[Row]) -> list[Row]:
    rows = sorted(rows)
    for i in range(1, len(rows)):
        if rows[i][0] == rows[i - 1][0]:
            raise InvalidSnapshot(f"the delta holds {rows[i][0]!r} more than once", field="added")
    return rows
