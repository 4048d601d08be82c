"""Number ranges: one spelling per range, no range so wide it lists an operator, exact matching."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.phone_ranges import (
    MIN_RANGE_DIGITS,
    is_phone_range,
    matching_range,
    normalize_phone_range,
    range_matches,
    range_prefix,
)
from blocklists.rows import _PHONE


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("+7 701 234*", "+7701234*"),
        ("7701234*", "+7701234*"),
        ("8 (701) 234-*", "+7701234*"),
        ("+7701234*", "+7701234*"),
        ("  +882 34 56*  ", "+8823456*"),  # a non-geographic range (wangiri favourite)
        ("+44 20 79*", "+442079*"),
        ("+7 7012*", "+77012*"),  # the shortest +7 range allowed
        ("+7 701 234 567*", "+7701234567*"),  # nine digits after +7: ten numbers
    ],
)
def test_ranges_have_one_spelling(text, expected):
    assert normalize_phone_range(text) == expected
    assert _PHONE.fullmatch(expected), "every normalized range is publishable"


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        ("+7701234", "prefix followed by '*'"),
        ("+77*01*", "one '*' at the end"),
        ("+7 70a1*", "one '*' at the end"),
        ("+7*", "0 digit(s) after the country code +7"),
        ("+7701*", "3 digit(s) after the country code +7"),
        ("8701*", "3 digit(s)"),
        ("4420*", "no '+'"),
        ("+0701234*", "never starts with 0"),
        ("+7 7012345678*", "as long as a whole number"),
        ("+882 1234567890123*", "as long as a whole number"),
        ("+999 1234*", "known country code"),
        ("+7" + "1" * 80 + "*", "longer than 64"),
    ],
)
def test_a_bad_range_says_what_is_wrong(text, message):
    with pytest.raises(InvalidIndicator, match=re.escape(message)):
        normalize_phone_range(text)


def test_the_minimum_width_is_a_parameter():
    assert normalize_phone_range("+7701*", min_digits=3) == "+7701*"
    assert MIN_RANGE_DIGITS == 4


@given(st.from_regex(r"\+7[0-9]{4,9}\*", fullmatch=True))
def test_normalizing_a_normalized_range_changes_nothing(value):
    assert normalize_phone_range(value) == value


def test_a_range_holds_longer_numbers_that_start_with_it():
    assert range_matches("+7701234*", "+77012345678")
    assert not range_matches("+7701234*", "+77012355678")
    assert not range_matches("+7701234*", "+7701234"), "the prefix itself is not a number in the range"
    assert range_prefix("+7701234*") == "+7701234"
    assert is_phone_range("+7701234*")
    assert not is_phone_range("+77012345678")
    with pytest.raises(InvalidIndicator, match="not a normalized number range"):
        range_matches("+7701234", "+77012345678")


def test_the_longest_listed_range_wins():
    ranges = {"+77012*", "+7701234*", "+8823456*"}
    assert matching_range("+77012345678", ranges) == "+7701234*"
    assert matching_range("+77012999999", ranges) == "+77012*"
    assert matching_range("+77019999999", ranges) is None
    assert matching_range("1414", ranges) is None


@given(st.from_regex(r"\+7[0-9]{10}", fullmatch=True), st.from_regex(r"\+7[0-9]{4,9}\*", fullmatch=True))
def test_matching_range_agrees_with_range_matches(number, listed):
    assert (matching_range(number, {listed}) == listed) == range_matches(listed, number)
