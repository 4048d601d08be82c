"""The mass-change guard holds a publication that changes too much of a list at once."""

from __future__ import annotations

import math

import pytest

from antifraud.domain.errors import ConfigError
from blocklists.guard import assess_mass_change, check_mass_change


def names(n, prefix="d"):
    return frozenset(f"{prefix}{i}.kz" for i in range(n))


def test_a_small_change_of_a_large_list_is_published():
    before = names(1000)
    after = (before - names(50)) | names(100, "new")
    verdict = assess_mass_change(before, after, max_share=0.2, min_entries=100)
    assert not verdict.held
    assert (verdict.added, verdict.removed, verdict.previous, verdict.current) == (100, 50, 1000, 1050)
    assert verdict.share == pytest.approx(0.15)
    assert verdict.reason == ""
    assert check_mass_change(before, after, max_share=0.2, min_entries=100) is None


def test_the_share_at_the_limit_is_published_and_one_more_is_held():
    before = names(100)
    assert check_mass_change(before, before | names(20, "n"), max_share=0.2, min_entries=10) is None
    reason = check_mass_change(before, before | names(21, "n"), max_share=0.2, min_entries=10, list_name="domains")
    assert reason == (
        "publishing domains would add 21 and remove 0 entries, 21% of its 100 entries; "
        "at most 20% may change at once, so an analyst must release it"
    )


def test_emptying_a_list_is_held_with_the_number_removed():
    verdict = assess_mass_change(names(500), frozenset(), max_share=0.25, min_entries=100, list_name="phones")
    assert verdict.held
    assert "would add 0 and remove 500 entries, 100% of its 500 entries" in verdict.reason


def test_flooding_a_small_list_is_held():
    verdict = assess_mass_change(names(10), names(10) | names(5000, "flood"), max_share=0.25, min_entries=100)
    assert verdict.held
    assert "add 5000 and remove 0" in verdict.reason


def test_filling_an_empty_list_beyond_the_minimum_is_held():
    verdict = assess_mass_change(frozenset(), names(150), max_share=0.25, min_entries=100)
    assert verdict.held
    assert math.isinf(verdict.share)
    assert "to a list that was empty" in verdict.reason


def test_below_the_minimum_size_any_change_is_published():
    assert check_mass_change(names(50), frozenset(), max_share=0.1, min_entries=100) is None
    assert check_mass_change(frozenset(), names(99), max_share=0.1, min_entries=100) is None
    assert not assess_mass_change(frozenset(), frozenset(), max_share=0.1, min_entries=0).held


@pytest.mark.parametrize(
    ("max_share", "min_entries", "field"),
    [(0, 10, "max_share"), (-0.1, 10, "max_share"), (math.nan, 10, "max_share"), (0.2, -1, "min_entries")],
)
def test_bad_configuration_is_refused(max_share, min_entries, field):
    with pytest.raises(ConfigError) as caught:
        assess_mass_change(names(1), names(2), max_share=max_share, min_entries=min_entries)
    assert caught.value.field == field
