"""Response bodies under a budget: counted on the wire and after decompression, chunk by chunk.

The decoder inflates with `max_length`, so a decompression bomb costs at most the budget in
memory before it is refused, however small its compressed form. Pure: bytes in, bytes out.
"""

from __future__ import annotations

import codecs
import re
import zlib
from dataclasses import dataclass


class BodyTooLarge(Exception):  # noqa: N818 - the condition, like dns.exception's names
    """The body went over a cap; the message says which and by how much."""


class BodyUndecodable(Exception):  # noqa: N818
    """The body claims a content coding it does not follow (corrupt gzip, say)."""


SUPPORTED_CODINGS = ("gzip", "deflate")
ACCEPT_ENCODING = ", ".join(SUPPORTED_CODINGS)


@dataclass(slots=True)
class BodyBudget:
    """What a fetch may read: `max_wire` bytes as sent, `max_decoded` bytes once decompressed."""

    max_wire: int
    max_decoded: int
    wire: int = 0
    decoded: int = 0

    def check_declared(self, content_length: int | None) -> None:
        if content_length is not None and content_length > self.max_wire:
            raise BodyTooLarge(f"the server declares {content_length} bytes; the cap is {self.max_wire}")

    def add_wire(self, count: int) -> None:
        self.wire += count
        if self.wire > self.max_wire:
            raise BodyTooLarge(f"the body is over {self.max_wire} bytes on the wire")

    def add_decoded(self, count: int) -> None:
        self.decoded += count
        if self.decoded > self.max_decoded:
            raise BodyTooLarge(
                f"the body decompresses to over {self.max_decoded} bytes (from {self.wire} bytes on the wire)"
            )


def _codings(header: str | None) -> list[str]:
    if not header:
        return []
    return [c.strip().lower() for c in header.split(",") if c.strip() and c.strip().lower() != "identity"]


class BodyDecoder:
    """Feeds wire chunks through the response's content coding into a bounded buffer."""

    def __init__(self, content_encoding: str | None, budget: BodyBudget) -> None:
        codings = _codings(content_encoding)
        self.budget = budget
        self.coding = codings[0] if len(codings) == 1 else None
        # Stacked or unknown codings are kept as sent: we advertise only gzip and deflate.
        self.decodable = not codings or (self.coding in {*SUPPORTED_CODINGS, "x-gzip"})
        self.undecoded_coding = None if self.decodable else ", ".join(codings)
        self._inflater: zlib._Decompress | None = None
        self._first = True
        self.body = bytearray()

    def _start(self, chunk: bytes) -> zlib._Decompress:
        if self.coding in {"gzip", "x-gzip"}:
            return zlib.decompressobj(16 + zlib.MAX_WBITS)
        # "deflate" is meant to be zlib-wrapped, but many servers send raw deflate.
        wrapped = len(chunk) >= 2 and chunk[0] & 0x0F == 8 and (chunk[0] << 8 | chunk[1]) % 31 == 0
        return zlib.decompressobj(zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS)

    def _keep(self, data: bytes) -> None:
        self.budget.add_decoded(len(data))
        self.body += data

    def feed(self, chunk: bytes) -> None:
        self.budget.add_wire(len(chunk))
        if not chunk:
            return
        if self.coding is None or not self.decodable:
            self._keep(chunk)
            return
        if self._inflater is None:
            self._inflater = self._start(chunk)
        room = self.budget.max_decoded - self.budget.decoded + 1
        try:
            data = self._inflater.decompress(chunk, room)
            self._keep(data)
            while self._inflater.unconsumed_tail:
                room = self.budget.max_decoded - self.budget.decoded + 1
                self._keep(self._inflater.decompress(self._inflater.unconsumed_tail, room))
        except zlib.error as exc:
            raise BodyUndecodable(f"the body is not valid {self.coding}: {exc}") from exc

    def finish(self) -> bytes:
        if self._inflater is not None:
            try:
                self._keep(self._inflater.flush())
            except zlib.error as exc:
                raise BodyUndecodable(f"the body is not valid {self.coding}: {exc}") from exc
        return bytes(self.body)


_CHARSET_IN_TYPE = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]{0,200}?charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
TEXTUAL_TYPES = ("text/", "application/xhtml", "application/xml", "application/json", "application/javascript")


def media_type(content_type: str | None) -> str | None:
    if not content_type:
        return None
    return content_type.split(";", 1)[0].strip().lower() or None


def is_textual(content_type: str | None) -> bool:
    kind = media_type(content_type)
    return kind is None or kind.startswith(TEXTUAL_TYPES) or kind.endswith(("+xml", "+json"))


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def sniff_charset(content_type: str | None, body: bytes) -> str:
    """The header's charset, else a BOM, else a <meta> in the first 2 KiB, else UTF-8."""
    match = _CHARSET_IN_TYPE.search(content_type or "")
    declared = _known(match.group(1)) if match else None
    if declared:
        return declared
    if body.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if body.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    meta = _META_CHARSET.search(body[:2048])
    found = _known(meta.group(1).decode("ascii", "replace")) if meta else None
    return found or "utf-8"


def decode_text(content_type: str | None, body: bytes) -> tuple[str, str]:
    """(text, charset). Undecodable bytes become U+FFFD: a scam page with a broken charset is still evidence."""
    charset = sniff_charset(content_type, body)
    return body.decode(charset, errors="replace"), charset
