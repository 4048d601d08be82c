"""Helpers for serving lists over HTTP: ETags are versions; `?since=` asks for a delta."""

from __future__ import annotations

from antifraud.domain.errors import InvalidInput


def etag_for(version: int) -> str:
    return f'"v{version}"'


def matches_if_none_match(header: str | None, version: int) -> bool:
    """RFC 9110 If-None-Match: a comma-separated list of (possibly weak) tags, or `*`."""
    if not header:
        return False
    if header.strip() == "*":
        return True
    ours = etag_for(version)
    for tag in header.split(","):
        candidate = tag.strip()
        candidate = candidate.removeprefix("W/")
        if candidate == ours:
            return True
    return False


def parse_since(text: str, current: int) -> int:
    try:
        since = int(text)
    except ValueError:
        raise InvalidInput(f"since must be a list version (an integer), not {text[:20]!r}", field="since") from None
    if since < 0:
        raise InvalidInput("since must not be negative", field="since")
    if since > current:
        raise InvalidInput(f"since={since} is newer than the current version {current}", field="since")
    return since
