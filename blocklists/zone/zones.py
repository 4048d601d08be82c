"""The zones' contents at the served version, and their recent history for IXFR.

Each zone keeps its names (a NameSet) and a journal of exact steps: for every version change, the
names it really lost and gained. The steps are computed here from the list's deltas, filtered through
the zone's spec, so an IXFR never deletes a record the secondary does not hold nor adds one it holds.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from antifraud.domain.model import Delta, ListEntry, ListKind
from blocklists.zone.config import ZoneSpec
from blocklists.zone.names import MAX_WIRE_NAME, NameError_, name_key, wire_of
from blocklists.zone.names_set import NameSet, NameSetBuilder

log = logging.getLogger(__name__)


class JournalGap(Exception):  # noqa: N818 - names the condition
    """A delta does not start at the version a zone holds: the zone must be reloaded."""


@dataclass(frozen=True, slots=True)
class Step:
    """One version change of one zone: the names whose records go, and those whose records come."""

    from_serial: int
    to_serial: int
    removed: tuple[bytes, ...]
    added: tuple[bytes, ...]


@dataclass(frozen=True, slots=True)
class ZoneState:
    spec: ZoneSpec
    serial: int
    names: NameSet
    steps: tuple[Step, ...] = ()  # consecutive, the last one ending at `serial`

    def steps_since(self, serial: int) -> tuple[Step, ...] | None:
        """The steps from `serial` to the current one; None when the journal does not reach back."""
        if serial == self.serial:
            return ()
        for i, step in enumerate(self.steps):
            if step.from_serial == serial:
                return self.steps[i:]
        return None

    def apply(self, delta: Delta, keep: int) -> ZoneState:
        if delta.from_version != self.serial:
            raise JournalGap(f"zone {self.spec.name} holds version {self.serial}, delta starts at {delta.from_version}")
        room = _room(self.spec)
        remove = [(v, k) for v in delta.removed if (k := _key(v, room)) is not None]
        add: list[tuple[str, bytes]] = []
        for entry in delta.added:
            key = _key(entry.value, room)
            if key is None:
                continue
            # `added` holds upserts: an entry whose category or origin left this zone's filter goes away
            (add if self.spec.admits(entry) else remove).append((entry.value, key))
        names, change = self.names.change(remove, add)
        step = Step(delta.from_version, delta.to_version, change.removed, change.added)
        return ZoneState(self.spec, delta.to_version, names, (*self.steps, step)[-keep:])


def _room(spec: ZoneSpec) -> int:
    """The longest relative value whose wildcard owner (`*.value.origin`) fits in a wire name."""
    return MAX_WIRE_NAME - len(wire_of(spec.origin)) - 3


def _key(value: str, room: int) -> bytes | None:
    if len(value) > room:
        log.warning("%r is too long to list under the zone origin; left out", value[:80])
        return None
    try:
        return name_key(value)
    except NameError_ as exc:
        log.warning("left out of the zone: %s", exc)
        return None


def load(specs: Sequence[ZoneSpec], serial: int, entries: Iterable[ListEntry]) -> tuple[ZoneState, ...]:
    """Every zone at `serial` from the whole list, in one pass over the entries."""
    builders = [NameSetBuilder() for _ in specs]
    rooms = [_room(s) for s in specs]
    shortest = min(rooms)
    previous = ""
    for entry in entries:
        value = entry.value
        if value <= previous:
            log.warning("zone source gave %r out of order or twice; left out", value[:80])
            continue
        previous = value
        key = _key(value, max(rooms)) if len(value) > shortest else _key(value, shortest)
        if key is None:
            continue
        for spec, builder, room in zip(specs, builders, rooms, strict=True):
            if len(value) <= room and spec.admits(entry):
                builder.add(value, key)
    return tuple(ZoneState(spec, serial, b.finish()) for spec, b in zip(specs, builders, strict=True))


def apply_all(states: Sequence[ZoneState], deltas: Sequence[Delta], keep: int) -> tuple[ZoneState, ...]:
    """Every zone moved along `deltas` (domain deltas, consecutive). Raises JournalGap when they do not
    start where the zones are."""
    result = tuple(states)
    for delta in deltas:
        if delta.kind is not ListKind.DOMAINS:
            continue
        result = tuple(state.apply(delta, keep) for state in result)
    return result
