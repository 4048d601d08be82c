"""The mass-change guard: a publication that would add or remove too much of a list at once is held
for an analyst. A bad import, a bug or a compromised key must not empty or flood every resolver and
gateway that pulls the list; a person looks first."""

from __future__ import annotations

import math
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from antifraud.domain.errors import ConfigError


@dataclass(frozen=True, slots=True)
class MassChange:
    """The guard's decision about one list. `share` is (added + removed) / previous size."""

    added: int
    removed: int
    previous: int
    current: int
    share: float
    held: bool
    reason: str  # empty when the publication may go ahead


def assess_mass_change(
    previous: AbstractSet[str],
    current: AbstractSet[str],
    *,
    max_share: float,
    min_entries: int,
    list_name: str = "the list",
) -> MassChange:
    """Decide whether publishing `current` after `previous` must wait for an analyst.

    The guard applies once either side has at least `min_entries` values: below that, a list is small
    enough that any change is ordinary; but growing a small list into a large one (a flood) is held.
    """
    if not (max_share > 0 and math.isfinite(max_share)):
        raise ConfigError(f"max_share must be a positive share such as 0.2, not {max_share}", field="max_share")
    if min_entries < 0:
        raise ConfigError(f"min_entries must not be negative, not {min_entries}", field="min_entries")
    added = len(current - previous)
    removed = len(previous - current)
    size = len(previous)
    share = (added + removed) / size if size else (math.inf if added else 0.0)
    applies = max(size, len(current)) >= min_entries
    if not applies or share <= max_share:
        return MassChange(added, removed, size, len(current), share, held=False, reason="")
    of = f"{share:.0%} of its {size} entries" if size else "to a list that was empty"
    reason = (
        f"publishing {list_name} would add {added} and remove {removed} entries, {of}; "
        f"at most {max_share:.0%} may change at once, so an analyst must release it"
    )
    return MassChange(added, removed, size, len(current), share, held=True, reason=reason)


def check_mass_change(
    previous: AbstractSet[str],
    current: AbstractSet[str],
    *,
    max_share: float,
    min_entries: int,
    list_name: str = "the list",
) -> str | None:
    """None when the change may be published; otherwise the reason to hold it."""
    verdict = assess_mass_change(previous, current, max_share=max_share, min_entries=min_entries, list_name=list_name)
    return verdict.reason if verdict.held else None
