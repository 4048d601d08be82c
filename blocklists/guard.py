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


def net_change(history: Iterable[tuple[str, str]], proposed: Iterable[tuple[str, str]]) -> tuple[int, int]:
    """(added, removed) between a baseline and the state after `history` then `proposed`, each a
    sequence of (value, action) in order, action add | update | remove. A value added and removed
    again since the baseline counts for neither; one removed and added back, likewise."""
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for value, action in (*history, *proposed):
        first.setdefault(value, action)
        last[value] = action
    added = sum(1 for v, a in first.items() if a == "add" and last[v] != "remove")
    removed = sum(1 for v, a in first.items() if a != "add" and last[v] == "remove")
    return added, removed
