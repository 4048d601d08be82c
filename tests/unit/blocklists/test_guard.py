"""The mass-change guard holds a publication that changes too much of a list at once."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.domain.errors import ConfigError
from blocklists.guard import ChangeHistory, assess_mass_change, net_change


def test_a_small_change_of_a_large_list_is_published():
    verdict = assess_mass_change(1000, 100, 50, max_share=0.2, min_entries=100)
    assert not verdict.held
    assert (verdict.added, verdict.removed, verdict.previous, verdict.current) == (100, 50, 1000, 1050)
    assert verdict.share == pytest.approx(100 / 1050)
    assert verdict.reason == ""


def test_the_share_at_the_limit_is_published_and_one_more_is_held():
    assert not assess_mass_change(100, 0, 20, max_share=0.2, min_entries=10).held
    verdict = assess_mass_change(100, 0, 21, max_share=0.2, min_entries=10, list_name="domains")
    assert verdict.reason == (
        "publishing domains would add 0 and remove 21 entries, 21% of its 100 entries; "
        "at most 20% may change at once, so an analyst must release it"
    )


def test_emptying_a_list_is_held_with_the_number_removed():
    verdict = assess_mass_change(500, 0, 500, max_share=0.25, min_entries=100, list_name="phones")
    assert verdict.held
    assert "would add 0 and remove 500 entries, 100% of its 500 entries" in verdict.reason


def test_flooding_a_small_list_is_held():
    verdict = assess_mass_change(10, 5000, 0, max_share=0.25, min_entries=100)
    assert verdict.held
    assert "add 5000 and remove 0" in verdict.reason


def test_filling_an_empty_list_beyond_the_minimum_is_held_unless_any_share_may_change():
    verdict = assess_mass_change(0, 150, 0, max_share=0.25, min_entries=100)
    assert verdict.held
    assert verdict.share == 1.0
    assert "to a list that was empty" in verdict.reason
    # the first publication of a phone list was held even with max_change_share = 1.0: no longer
    assert not assess_mass_change(0, 1_000_000, 0, max_share=1.0, min_entries=100).held
    assert not assess_mass_change(1000, 1000, 1000, max_share=1.0, min_entries=100).held


def test_a_cumulative_change_names_its_baseline():
    verdict = assess_mass_change(130, 0, 108, max_share=0.25, min_entries=100, since="since version 40")
    assert verdict.held
    assert "remove 108 entries since version 40, 83% of its 130 entries" in verdict.reason


def test_below_the_minimum_size_any_change_is_published():
    assert not assess_mass_change(50, 0, 50, max_share=0.1, min_entries=100).held
    assert not assess_mass_change(0, 99, 0, max_share=0.1, min_entries=100).held
    assert not assess_mass_change(0, 0, 0, max_share=0.1, min_entries=0).held


@pytest.mark.parametrize(
    ("max_share", "min_entries", "field"),
    [(0, 10, "max_share"), (-0.1, 10, "max_share"), (math.nan, 10, "max_share"), (0.2, -1, "min_entries")],
)
def test_bad_configuration_is_refused(max_share, min_entries, field):
    with pytest.raises(ConfigError) as caught:
        assess_mass_change(1, 1, 0, max_share=max_share, min_entries=min_entries)
    assert caught.value.field == field


def test_net_change_counts_what_differs_from_the_baseline():
    history = [("a", "add"), ("b", "remove"), ("c", "update"), ("d", "add"), ("d", "remove"), ("e", "remove")]
    proposed = [("e", "add"), ("f", "remove"), ("g", "add")]
    # added since the baseline: a, g; removed: b, f; d came and went; e went and came back; c changed
    assert net_change(history, proposed) == (2, 2)
    # pacing: 12 removals in each of 9 versions is 108 removals from the same baseline
    paced = [(f"x{v}-{i}", "remove") for v in range(9) for i in range(12)]
    assert net_change(paced, []) == (0, 108)


def _naive(changes: list[tuple[str, str]]) -> tuple[int, int, int]:
    """The definition, over the whole history at once: (added, removed, growth)."""
    first: dict[str, str] = {}
    last: dict[str, str] = {}
    for value, action in changes:
        first.setdefault(value, action)
        last[value] = action
    added = sum(1 for v, a in first.items() if a == "add" and last[v] != "remove")
    removed = sum(1 for v, a in first.items() if a != "add" and last[v] == "remove")
    growth = sum(1 if a == "add" else -1 if a == "remove" else 0 for _, a in changes)
    return added, removed, growth


_version = st.lists(st.tuples(st.sampled_from("abcdefgh"), st.sampled_from(["add", "update", "remove"])), max_size=6)


@given(st.lists(_version, max_size=8), _version)
def test_history_folded_version_by_version_is_the_history_taken_whole(versions, proposed):
    folded = ChangeHistory()
    flat: list[tuple[str, str]] = []
    for version in versions:
        folded.fold(version)
        flat += version
        assert (folded.added, folded.removed, folded.growth) == _naive(flat)
    assert folded.with_next(proposed) == _naive(flat + proposed)[:2]
    assert (folded.added, folded.removed, folded.growth) == _naive(flat)  # with_next records nothing
