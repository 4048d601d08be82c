"""The mass-change guard: a publication that would add or remove too much of a list is held for an
analyst. A bad import, a bug or a compromised key must not empty or flood every resolver and gateway
that pulls the list; a person looks first.

The guard looks at two horizons. The next version alone must not change more than `max_share` of the
list; and neither may all the versions since the baseline together — the last state an analyst
approved, or the list as it was `window` ago, whichever is newer — so a change cannot be paced around
the guard (unlisting 12 entries every 1.6 s took a list from 130 to 22 with no hold before this).

Pure: it works on counts, which the publication planner derives from the recorded deltas.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass

from antifraud.domain.errors import ConfigError


@dataclass(frozen=True, slots=True)
class MassChange:
    """The guard's decision about one list. `share` is max(added, removed) / max(previous, current):
    0 when nothing changes, 1 when the whole list is replaced, emptied or filled from empty."""

    added: int
    removed: int
    previous: int
    current: int
    share: float
    held: bool
    reason: str  # empty when the publication may go ahead


def _validate(max_share: float, min_entries: int) -> None:
    if not (max_share > 0 and math.isfinite(max_share)):
        raise ConfigError(f"max_share must be a positive share such as 0.2, not {max_share}", field="max_share")
    if min_entries < 0:
        raise ConfigError(f"min_entries must not be negative, not {min_entries}", field="min_entries")


def assess_mass_change(
    previous: int,
    added: int,
    removed: int,
    *,
    max_share: float,
    min_entries: int,
    list_name: str = "the list",
    since: str = "",
) -> MassChange:
    """Decide whether a change of `added` and `removed` entries to a list of `previous` entries must
    wait for an analyst. `since` names the baseline when the change is cumulative ("since version 40").

    The guard applies once either side has at least `min_entries` values: below that, a list is small
    enough that any change is ordinary; but growing a small list into a large one (a flood) is held.
    `max_share = 1` never holds.
    """
    _validate(max_share, min_entries)
    current = max(0, previous + added - removed)
    size = max(previous, current)
    share = max(added, removed) / size if size else 0.0
    if size < min_entries or share <= max_share:
        return MassChange(added, removed, previous, current, share, held=False, reason="")
    of = f"{share:.0%} of its {previous} entries" if previous else "to a list that was empty"
    when = f" {since}" if since else ""
    reason = (
        f"publishing {list_name} would add {added} and remove {removed} entries{when}, {of}; "
        f"at most {max_share:.0%} may change at once, so an analyst must release it"
    )
    return MassChange(added, removed, previous, current, share, held=True, reason=reason)


class ChangeHistory:
    """The changes to one list since the guard's baseline, folded in version by version, so that the
    cumulative check costs the size of the next version, not of everything since the baseline.

    Per value it keeps the first and the last action since the baseline: a value added and removed again
    counts for neither side, one removed and added back likewise."""

    __slots__ = ("_first", "_last", "added", "growth", "removed")

    def __init__(self) -> None:
        self._first: dict[str, str] = {}
        self._last: dict[str, str] = {}
        self.added = 0  # values present now and absent at the baseline
        self.removed = 0  # the other way round
        self.growth = 0  # adds minus removes: the list's size now minus its size at the baseline

    @staticmethod
    def _effect(first: str | None, last: str | None) -> tuple[int, int]:
        if first is None or last is None:
            return 0, 0
        return int(first == "add" and last != "remove"), int(first != "add" and last == "remove")

    def fold(self, changes: Iterable[tuple[str, str]]) -> None:
        """Record a published version's (value, action) pairs, in order (action add | update | remove)."""
        for value, action in changes:
            before = self._effect(self._first.get(value), self._last.get(value))
            self._first.setdefault(value, action)
            self._last[value] = action
            after = self._effect(self._first[value], action)
            self.added += after[0] - before[0]
            self.removed += after[1] - before[1]
            self.growth += 1 if action == "add" else -1 if action == "remove" else 0

    def with_next(self, proposed: Iterable[tuple[str, str]]) -> tuple[int, int]:
        """(added, removed) since the baseline if `proposed` were published next; nothing is recorded."""
        added, removed = self.added, self.removed
        first_now: dict[str, str] = {}
        last: dict[str, str] = {}
        for value, action in proposed:
            first_now.setdefault(value, action)
            last[value] = action
        for value, action in last.items():
            first = self._first.get(value)
            before = self._effect(first, self._last.get(value))
            after = self._effect(first if first is not None else first_now[value], action)
            added += after[0] - before[0]
            removed += after[1] - before[1]
        return added, removed


def net_change(history: Iterable[tuple[str, str]], proposed: Iterable[tuple[str, str]]) -> tuple[int, int]:
    """(added, removed) between a baseline and the state after `history` then `proposed`, each a
    sequence of (value, action) in order, action add | update | remove."""
    folded = ChangeHistory()
    folded.fold(history)
    return folded.with_next(proposed)
