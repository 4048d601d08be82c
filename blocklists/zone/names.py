"""Domain names as the zone stores them: one compact byte string per name, searchable in bulk.

A name is kept as `\\xff` + its relative wire-format labels + `\\x00`. Neither marker byte can occur
inside LDH labels or their length bytes (1..63), so many names can be concatenated into one `bytes`
chunk, a name found in a chunk with a plain substring search, and a whole chunk turned into resource
records with two C-level `bytes.replace` calls (see wire.py).
"""

from __future__ import annotations

import re
from typing import cast

import dns.name

START = b"\xff"
END = b"\x00"
MAX_LABEL = 63
MAX_WIRE_NAME = 255  # RFC 1035 3.1, the whole name with its terminating root label
_LABEL = re.compile(r"[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?")


class NameError_(ValueError):  # noqa: N801, N818 - ValueError for callers; the builtin NameError means something else
    """A list value that cannot be a name in this zone."""


def wire_of(name: dns.name.Name) -> bytes:
    """The uncompressed wire form of an absolute name."""
    return cast("bytes", name.to_wire())


def relative_wire_length(value: str) -> int:
    """Bytes the value's labels take in wire format (without the origin)."""
    return len(value) + 1


def name_key(value: str) -> bytes:
    """The stored form of `value` (a lower-case LDH domain, relative to the zone origin)."""
    labels = value.split(".")
    for label in labels:
        if not _LABEL.fullmatch(label):
            raise NameError_(f"{value[:80]!r} holds the label {label[:70]!r}, not a lower-case LDH label")
    return START + b"".join(bytes((len(label),)) + label.encode("ascii") for label in labels) + END


def key_value(key: bytes) -> str:
    """The text form of a stored name (the inverse of name_key)."""
    labels = []
    position = 1
    end = len(key) - 1
    while position < end:
        length = key[position]
        labels.append(key[position + 1 : position + 1 + length].decode("ascii"))
        position += 1 + length
    return ".".join(labels)


def split_keys(chunk: bytes) -> list[bytes]:
    """The stored names in a chunk, each with its markers."""
    return [part + END for part in chunk.split(END)[:-1]]
