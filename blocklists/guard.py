"""The mass-change guard: a publication that would add or remove too much of a list at once is held
for an analyst (a bad import, a bug or a compromised key should not empty or flood every resolver)."""

from __future__ import annotations

from collections.abc import Set as AbstractSet


def check_mass_change(
    previous: AbstractSet[str], current: AbstractSet[str], *, max_share: float, min_entries: int
) -> str | None:
    """None when the change may be published; otherwise the reason to hold it."""
    added = len(current - previous)
    removed = len(previous - current)
    base = max(len(previous), 1)
    if len(previous) < min_entries:
        return None
    share = (added + removed) / base
    if share <= max_share:
        return None
    return (
        f"the publication would add {added} and remove {removed} of {len(previous)} entries "
        f"({share:.0%} > {max_share:.0%} allowed at once)"
    )
