"""Signals → score → verdict."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.detection import Thresholds, combine
from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category, Signal, Verdict

T = Thresholds(block=80, review=40)


def test_no_signal_is_no_verdict():
    result = combine([], T, Category.PHISHING)
    assert (result.score, result.verdict, result.signals, result.category) == (0, Verdict.NONE, (), None)


@pytest.mark.parametrize(
    ("weights", "verdict"), [((39,), "none"), ((40,), "review"), ((45, 34), "review"), ((45, 35), "block")]
)
def test_thresholds(weights, verdict):
    signals = [Signal(f"s{i}", w, "x") for i, w in enumerate(weights)]
    assert combine(signals, T).verdict == verdict


def test_the_score_is_clamped_to_0_100():
    assert combine([Signal("a", 85, "x"), Signal("b", 45, "y")], T).score == 100
    assert combine([Signal("a", -20, "x")], T).score == 0


def test_allowlisted_wins_over_everything():
    result = combine([Signal("homoglyph", 85, "x"), Signal("allowlisted", 0, "official")], T, Category.PHISHING)
    assert result.verdict is Verdict.ALLOW
    assert result.score == 0
    assert result.category is None


@given(st.lists(st.tuples(st.sampled_from("abc"), st.integers(-10, 90), st.text(max_size=3)), max_size=6))
def test_order_of_signals_does_not_change_the_result(items):
    signals = [Signal(n, w, d) for n, w, d in items]
    assert combine(signals, T) == combine(list(reversed(signals)), T)
    ordered = combine(signals, T).signals
    assert [s.weight for s in ordered] == sorted((s.weight for s in ordered), reverse=True)


@pytest.mark.parametrize(("block", "review"), [(40, 80), (0, 0), (101, 40), (80, 0)])
def test_thresholds_are_validated(block, review):
    with pytest.raises(ConfigError, match=r"\[scoring\]"):
        Thresholds(block=block, review=review)
