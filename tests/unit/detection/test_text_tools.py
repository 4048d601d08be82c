"""Confusable skeletons, typo classification and the trie regex."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.detection.confusables import Confusables, describe, scripts, uts39
from antifraud.detection.text import entropy, trie_pattern
from antifraud.detection.typos import KEYBOARD, classify, max_edits
from antifraud.detection.typos import describe as describe_edits


# --- confusables (UTS #39) -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "skeleton"),
    [
        ("k\u0430spi", "kaspi"),  # Cyrillic а
        ("\u0440\u0430\u0443\u0440\u0430l", "paypal"),  # Cyrillic р, а, у
        ("g00gle", "google"),  # digit zero
        ("paypa1", "paypal"),  # digit one
        ("rnicrosoft", "microsoft"),  # r + n
        ("h\u03bfmebank", "homebank"),  # Greek omicron
        ("kaspi", "kaspi"),
    ],
)
def test_skeletons_come_from_the_unicode_data(text, skeleton):
    assert uts39().skeleton(text) == skeleton


def test_imitations_name_the_lookalike_characters():
    assert uts39().imitations("k\u0430spi") == [("\u0430", "a")]
    assert describe("\u0430") == "Cyrillic '\u0430'"
    assert describe("0") == "digit '0'"


def test_classes_are_closed_transitively():
    table = Confusables.from_pairs([("x", "\u0445"), ("\u0445", "\u04b3")])  # x ~ Cyrillic х ~ х with descender
    assert table.skeleton("\u04b3") == "x"


def test_scripts():
    assert scripts("k\u0430spi") == ["LATIN", "CYRILLIC"]
    assert scripts("kaspi-1") == ["LATIN"]


# --- typos -------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("candidate", "token", "kind"),
    [
        ("kasi", "kaspi", "omission"),
        ("kasppi", "kaspi", "repetition"),
        ("kaspo", "kaspi", "keyboard"),
        ("kaspa", "kaspi", "vowel swap"),
        ("kapsi", "kaspi", "transposition"),
        ("kas-pi", "kaspi", "hyphenation"),
        ("kaspu", "kaspi", "keyboard"),
        ("kaspm", "kaspi", "bitsquat"),  # 'i' 0x69 -> 'm' 0x6d
        ("elicence", "elicense", "bitsquat"),  # 's' 0x73 -> 'c' 0x63
        ("halykbqnk", "halykbank", "keyboard"),
    ],
)
def test_edit_kinds(candidate, token, kind):
    edits = classify(candidate, token)
    assert edits is not None
    assert [e.kind for e in edits] == [kind]


def test_short_tokens_need_typical_edits():
    assert classify("kasvi", "kaspi") is None  # 'v' for 'p': not a neighbour, not a vowel, not a bit flip
    assert classify("halykbxnk", "halykbank") is not None  # long enough for any single edit


def test_budget_scales_with_length():
    assert max_edits("egov") == 0
    assert max_edits("kaspi") == 1
    assert max_edits("kazakhtelecom") == 2
    assert classify("eg0v", "egov") is None
    assert classify("kazakhtelekon", "kazakhtelecom") is not None
    assert classify("kazakhtelekonn", "kazakhtelecom") is None


def test_keyboard_neighbours():
    assert KEYBOARD["s"] == frozenset("weadzx")
    assert "p" in KEYBOARD["o"]
    assert "m" not in KEYBOARD["q"]


@given(st.integers(0, 12), st.sampled_from(["omit", "double", "swap"]))
def test_any_typical_slip_of_a_long_token_is_found(position, slip):
    token = "kazakhtelecom"
    i = position % (len(token) - 1)
    if slip == "omit":
        candidate = token[:i] + token[i + 1 :]
    elif slip == "double":
        candidate = token[: i + 1] + token[i] + token[i + 1 :]
    else:
        candidate = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
    edits = classify(candidate, token)
    if candidate == token:  # swapping two equal letters changes nothing
        assert edits is None or edits == []
    else:
        assert edits is not None
        assert all(e.typical for e in edits)
        assert describe_edits(edits, token).startswith(f"{len(edits)} edit")


# --- trie regex and entropy ---------------------------------------------------------------------------------
@given(
    st.lists(st.from_regex(r"[a-z0-9-]{1,8}", fullmatch=True), min_size=1, max_size=30), st.text("abkz0-", max_size=30)
)
def test_trie_pattern_matches_like_a_longest_first_alternation(words, text):
    pattern = trie_pattern(words)
    assert pattern is not None
    reference = re.compile("|".join(re.escape(w) for w in sorted(set(words), key=len, reverse=True)))
    assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in reference.finditer(text)]


def test_trie_pattern_of_nothing():
    assert trie_pattern([]) is None


def test_entropy():
    assert entropy("") == 0.0
    assert entropy("aaaa") == 0.0
    assert entropy("abcd") == 2.0


# --- the brand index's typo look-up finds what classify accepts ------------------------------------------
_TOKENS = ["kaspi", "halykbank", "homebank", "beeline", "kazakhtelecom", "elicense", "airastana"]


@given(
    st.sampled_from(_TOKENS),
    st.integers(0, 20),
    st.sampled_from(["omit", "double", "swap", "neighbour", "vowel", "bitflip"]),
)
def test_the_head_and_tail_index_misses_no_typo(token, position, slip):
    from antifraud.detection.brand_index import BrandIndex  # noqa: PLC0415
    from antifraud.domain.brands import Brand  # noqa: PLC0415

    index = BrandIndex([Brand(t, (f"{t}.kz",), (t,), ()) for t in _TOKENS])
    i = position % len(token)
    ch = token[i]
    if slip == "omit":
        candidate = token[:i] + token[i + 1 :]
    elif slip == "double":
        candidate = token[: i + 1] + ch + token[i + 1 :]
    elif slip == "swap":
        i = min(i, len(token) - 2)
        candidate = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
    elif slip == "neighbour":
        candidate = token[:i] + min(KEYBOARD[ch]) + token[i + 1 :]
    elif slip == "vowel":
        candidate = token[:i] + ("o" if ch == "a" else "a") + token[i + 1 :]
    else:
        candidate = token[:i] + chr(ord(ch) ^ 1) + token[i + 1 :]
    if candidate == token or not candidate.isalnum() or classify(candidate, token) is None:
        return  # not a slip of this token (e.g. a swap of equal letters)
    match = index.fuzzy(candidate)
    assert match is not None, candidate
    assert len(match.edits) <= len(classify(candidate, token) or [])
