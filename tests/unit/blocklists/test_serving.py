"""HTTP helpers: ETags are versions, If-None-Match per RFC 9110, `?since=` validated."""

from __future__ import annotations

import pytest

from antifraud.domain.errors import InvalidInput
from blocklists.serving import etag_for, matches_if_none_match, parse_since


def test_the_etag_is_the_quoted_version():
    assert etag_for(42) == '"v42"'


@pytest.mark.parametrize(
    "header",
    ['"v42"', 'W/"v42"', ' "v1", "v42" ', '"v41",W/"v42"', "*", " * ", '"a,b", "v42"'],
)
def test_if_none_match_matches_the_current_version(header):
    assert matches_if_none_match(header, 42)


@pytest.mark.parametrize(
    "header",
    [None, "", '"v41"', '"v4"', '"v420"', "v42", '"v42', 'w/"v42"', '"v42" junk', '"v41", *', '"v42";'],
)
def test_if_none_match_does_not_match_another_version_or_a_malformed_header(header):
    assert not matches_if_none_match(header, 42)


@pytest.mark.parametrize(("text", "since"), [("0", 0), ("41", 41), ("42", 42), ("0041", 41)])
def test_since_accepts_versions_up_to_the_current_one(text, since):
    assert parse_since(text, 42) == since


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "since is empty"),
        ("abc", "whole number such as 42, not 'abc'"),
        ("-1", "whole number"),
        (" 4", "whole number"),
        ("+4", "whole number"),
        ("4_2", "whole number"),
        ("٤٢", "whole number"),  # Arabic-Indic digits, which int() would accept
        ("4.0", "whole number"),
        ("43", "since=43 is newer than the current version 42"),
        ("9" * 11, "longer than any list version"),
    ],
)
def test_since_errors_say_what_was_wrong(text, message):
    with pytest.raises(InvalidInput, match=message) as caught:
        parse_since(text, 42)
    assert caught.value.field == "since"
