"""Hostile JSON bodies (issue 8 §3): each is refused in words with field "body", none recurses or crashes."""

from __future__ import annotations

import inspect
import json
import sys
import time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.api.json_input import MAX_DEPTH, parse_json_body
from antifraud.domain.errors import InvalidInput

HOSTILE = [
    ("nested 1,000 deep", b"[" * 1000 + b"]" * 1000, "more than 32 levels deep"),
    ("nested 100,000 deep", b"[" * 100_000 + b"]" * 100_000, "more than 32 levels deep"),
    ("objects 5,000 deep", b'{"a":' * 5000 + b"1" + b"}" * 5000, "more than 32 levels deep"),
    ("unclosed 100,000 deep", b"[" * 100_000, "more than 32 levels deep"),
    ("deep but interleaved", b'[{"a":' * 20 + b"1" + b"}]" * 20, "more than 32 levels deep"),
    ("a sawtooth that creeps up", b"[[],[]," * 40 + b"1" + b"]" * 40, "more than 32 levels deep"),
    ("deep after a string with brackets", b'["]]]]",' + b"[" * 40 + b"]" * 41, "more than 32 levels deep"),
    ("a 100,000-digit number", b'{"total": ' + b"9" * 100_000 + b"}", "100000 digits; at most 40"),
    ("a 100,000-digit negative number", b"[-" + b"1" * 100_000 + b"]", "100000 digits"),
    ("a 100,000-digit fraction", b"[0." + b"1" * 100_000 + b"]", "100000 digits"),
    ("NaN", b'{"total": NaN}', "NaN is not a JSON value"),
    ("Infinity", b'{"total": Infinity}', "Infinity is not a JSON value"),
    ("-Infinity", b"[-Infinity]", "-Infinity is not a JSON value"),
    ("a number that overflows", b'{"total": 1e999}', "out of range"),
    ("a negative number that overflows", b"[-1.5E400]", "out of range"),
    ("invalid UTF-8", b'{"value": "\xff\xfe"}', "not valid UTF-8 \\(byte 11"),
    ("overlong UTF-8", b'{"value": "\xc0\xaf"}', "not valid UTF-8"),
    ("UTF-8-encoded surrogate", b'{"value": "\xed\xa0\x80"}', "not valid UTF-8"),
    ("UTF-16", '{"a": 1}'.encode("utf-16"), "not valid UTF-8"),
    ("a byte order mark", b'\xef\xbb\xbf{"a": 1}', "byte order mark"),
    ("a lone high surrogate", b'{"value": "\\ud800"}', "lone UTF-16 surrogate"),
    ("a lone low surrogate in a key", b'{"\\uDC00": 1}', "lone UTF-16 surrogate"),
    ("a reversed pair", b'["\\udc00\\ud800"]', "lone UTF-16 surrogate"),
    ("empty", b"", "needs a JSON body"),
    ("whitespace", b" \r\n\t", "needs a JSON body"),
    ("not JSON", b"{not json", "not valid JSON: Expecting property name"),
    ("trailing data", b'{"a": 1} {"b": 2}', "Extra data \\(line 1, column 10\\)"),
    ("an unterminated string of escaped quotes", b'"' + b'\\"' * 300_000, "Unterminated string"),
    ("mismatched brackets", b'{"a": [1, 2}', "not valid JSON"),
]


@pytest.mark.parametrize(
    ("raw", "message"), [(raw, message) for _, raw, message in HOSTILE], ids=[h[0] for h in HOSTILE]
)
def test_hostile_bodies_are_refused_in_words(raw, message):
    with pytest.raises(InvalidInput, match=message) as info:
        parse_json_body(raw)
    assert info.value.field == "body"


def test_the_deep_probe_is_refused_before_anything_recurses():
    """With barely any stack left, json.loads would die of RecursionError; the scan does not recurse at all."""
    old = sys.getrecursionlimit()
    sys.setrecursionlimit(len(inspect.stack()) + 40)
    try:
        with pytest.raises(InvalidInput, match="more than 32 levels deep"):
            parse_json_body(b"[" * 1000 + b"]" * 1000)
    finally:
        sys.setrecursionlimit(old)


def test_a_million_levels_cost_milliseconds():
    raw = b"[" * 1_000_000 + b"]" * 1_000_000
    started = time.perf_counter()
    with pytest.raises(InvalidInput, match="levels deep"):
        parse_json_body(raw)
    assert time.perf_counter() - started < 1.0  # generous for a shared machine; measured about 5 ms


@pytest.mark.parametrize(
    ("raw", "value"),
    [
        (b'{"type": "domain", "value": "kaspi-bonus.kz", "category": "phishing"}', None),
        (b"[" * MAX_DEPTH + b"]" * MAX_DEPTH, None),  # exactly at the limit
        (b'{"v": "' + b"[" * 10_000 + b'"}', {"v": "[" * 10_000}),  # brackets in strings are text
        (b'{"v": "' + b"9" * 10_000 + b'"}', {"v": "9" * 10_000}),  # and so are digits
        (b'{"total": 10000000000000, "x": -1.5e10, "y": 2E-400}', {"total": 10**13, "x": -1.5e10, "y": 0.0}),
        (b'{"v": "\\ud83d\\ude00"}', {"v": "\U0001f600"}),  # a proper surrogate pair is one character
        (b'{"v": "\\\\ud800"}', {"v": "\\ud800"}),  # an escaped backslash, then text
        (b'{"v": "kaspi \\"[[[\\" \\\\"}', {"v": 'kaspi "[[[" \\'}),
        ('{"v": "Қазақстан"}'.encode(), {"v": "Қазақстан"}),
        (b'[1, "2e5", {"s": "ab1e9"}]', [1, "2e5", {"s": "ab1e9"}]),
    ],
)
def test_ordinary_bodies_parse_as_json_does(raw, value):
    parsed = parse_json_body(raw)
    assert parsed == (json.loads(raw) if value is None else value)


def test_a_wide_body_is_not_mistaken_for_a_deep_one():
    body = {"reports": [{"type": "url", "value": f"http://a{i}.kz/[x]", "category": "phishing"} for i in range(1000)]}
    raw = json.dumps(body).encode()
    assert parse_json_body(raw) == body


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**30), max_value=10**30) | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4),
    max_leaves=30,
)


def _depth(value):
    if isinstance(value, list):
        return 1 + max(map(_depth, value), default=0)
    if isinstance(value, dict):
        return 1 + max(map(_depth, value.values()), default=0)
    return 0


@given(JSON_VALUES, st.integers(min_value=1, max_value=6))
def test_the_depth_scan_agrees_with_the_real_depth(value, limit):
    raw = json.dumps(value, ensure_ascii=False).encode()
    if _depth(value) <= limit:
        assert parse_json_body(raw, max_depth=limit) == value
    else:
        with pytest.raises(InvalidInput, match="levels deep"):
            parse_json_body(raw, max_depth=limit)


@given(st.binary(max_size=200))
def test_any_bytes_parse_or_are_refused_in_words(raw):
    try:
        parse_json_body(raw)
    except InvalidInput as exc:
        error = exc
        assert error.field == "body"
        assert error.message
