"""Errors of the blocklists package. Each names what was wrong; the HTTP layer maps them to statuses."""

from __future__ import annotations

from antifraud.domain.errors import AntifraudError


class BlocklistError(AntifraudError):
    """Base of every error the blocklists package raises on purpose."""

    code = "blocklist"


class InvalidSnapshot(BlocklistError):  # noqa: N818 - names the condition, as antifraud.domain.errors does
    """A snapshot or delta that cannot be published as it is: an unsafe or duplicate value, a naive
    timestamp, a version out of range. It is a bug upstream, never a user's input, so it stops the
    publication instead of writing a list a resolver might reject or misread."""

    code = "invalid_snapshot"


class StalePublication(BlocklistError):  # noqa: N818
    """The publication directory already holds a newer version than the one being written: writing it
    would move every consumer (and the RPZ SOA serial) backwards."""

    code = "stale_publication"
