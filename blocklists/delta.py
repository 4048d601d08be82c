"""Deltas between two versions of a list, and applying one: what `?since=VERSION` serves and what a
consumer does with it. `added` holds upserts (new values, and values whose category, score or dates
changed), so applying a delta to the old list gives exactly the new one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from antifraud.domain.model import Delta, ListEntry, ListKind, Snapshot
from blocklists.errors import InvalidSnapshot


def compute_delta(old: Snapshot, new: Snapshot, kind: ListKind) -> Delta:
    """What changed in one list from `old` to `new`, sorted by value."""
    if old.version > new.version:
        raise InvalidSnapshot(f"cannot diff backwards: version {old.version} is newer than {new.version}")
    before = _by_value(old.entries(kind), f"version {old.version} {kind.value}")
    after = _by_value(new.entries(kind), f"version {new.version} {kind.value}")
    added = tuple(sorted((e for v, e in after.items() if before.get(v) != e), key=lambda e: e.value))
    removed = tuple(sorted(before.keys() - after.keys()))
    return Delta(kind, old.version, new.version, added, removed)


def apply_delta(entries: Mapping[str, ListEntry], delta: Delta) -> dict[str, ListEntry]:
    """The list after `delta`, keyed by value. Removing a value that is absent is a no-op, as it is for
    a consumer that missed nothing; upserting replaces the entry."""
    result = dict(entries)
    for value in delta.removed:
        result.pop(value, None)
    for entry in delta.added:
        result[entry.value] = entry
    return result


def _by_value(entries: Iterable[ListEntry], where: str) -> dict[str, ListEntry]:
    result: dict[str, ListEntry] = {}
    for e in entries:
        if e.value in result:
            raise InvalidSnapshot(f"{where} holds {e.value!r} more than once")
        result[e.value] = e
    return result
