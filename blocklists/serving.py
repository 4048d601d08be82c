"""Helpers for serving lists over HTTP (pure): ETags are list versions; `?since=VERSION` asks for a delta."""

from __future__ import annotations

import re

from antifraud.domain.errors import InvalidInput

MAX_SINCE_DIGITS = 10  # versions are SOA serials: at most 4294967295

# RFC 9110 8.8.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE, etagc = %x21 / %x23-7E / obs-text.
_ENTITY_TAG = re.compile(r'\s*(?:W/)?("[\x21\x23-\x7e\x80-\xff]*")\s*(?:,|$)')


def etag_for(version: int) -> str:
    """The strong ETag of every list at `version`: a quoted string such as `"v42"`."""
    return f'"v{version}"'


def matches_if_none_match(header: str | None, version: int) -> bool:
    """Whether an If-None-Match header names the current version, so the answer is 304.

    RFC 9110 13.1.2: `*` or a comma-separated list of entity tags compared weakly (`W/"v42"` matches
    `"v42"`). A malformed header matches nothing: the client then gets the full list, which is safe.
    """
    if header is None:
        return False
    text = header.strip()
    if text == "*":
        return True
    ours = etag_for(version)
    position = 0
    found = False
    while position < len(text):
        match = _ENTITY_TAG.match(text, position)
        if match is None or match.end() == position:
            return False
        found = found or match.group(1) == ours
        position = match.end()
    return found


def parse_since(text: str, current: int) -> int:
    """Validate `?since=VERSION` against the version being served; InvalidInput names the problem."""
    if not text:
        raise InvalidInput(
            "since is empty; give the version you already hold, e.g. since=42 (from X-List-Version)", field="since"
        )
    # int() would also take ' 42', '+42', '4_2' and non-ASCII digits: only plain ASCII digits are a version.
    if not (text.isascii() and text.isdigit()):
        raise InvalidInput(f"since must be a list version, a whole number such as 42, not {text[:20]!r}", field="since")
    if len(text) > MAX_SINCE_DIGITS:
        raise InvalidInput(f"since={text[:20]}... is longer than any list version", field="since")
    since = int(text)
    if since > current:
        raise InvalidInput(
            f"since={since} is newer than the current version {current}; "
            "fetch the full list without since to start again",
            field="since",
        )
    return since
