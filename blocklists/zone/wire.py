"""Zone transfer messages built directly as bytes, so a million-name AXFR costs string operations in C
rather than a million rdata objects.

Every message carries the question (the zone origin) right after the 12-byte header, so the owner of
every record can be a compression pointer to offset 12 (RFC 1035 4.1.4): a listed name `d` is written
as its relative labels followed by that pointer.
"""

from __future__ import annotations

import struct
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass

import dns.flags
import dns.name
import dns.opcode
import dns.rdataclass
import dns.rdatatype

from blocklists.zone.config import SoaTimers, ZoneSpec
from blocklists.zone.names import END, START, wire_of
from blocklists.zone.names_set import FILL
from blocklists.zone.zones import Step, ZoneState

ORIGIN_POINTER = b"\xc0\x0c"
MAX_MESSAGE = 65535
# Room left in every transfer message for a TSIG record (key name, HMAC-SHA512 MAC, fixed fields).
TSIG_RESERVE = 400
_HEADER = struct.Struct("!HHHHHH")
_RR_FIXED = struct.Struct("!HHIH")


@dataclass(frozen=True, slots=True)
class Piece:
    """Records ready to be put in a message: their bytes and how many they are."""

    data: bytes
    count: int


class ZoneWire:
    """The byte-level pieces of one zone: its SOA at any serial, its NS, the records of a chunk of names."""

    def __init__(self, spec: ZoneSpec, timers: SoaTimers) -> None:
        self.spec = spec
        self.timers = timers
        target = wire_of(spec.target)
        self._tail = _RR_FIXED.pack(dns.rdatatype.CNAME, dns.rdataclass.IN, timers.ttl, len(target)) + target
        self._owner_end = ORIGIN_POINTER + self._tail
        primary = wire_of(dns.name.from_text(timers.primary))
        self._soa_names = primary + wire_of(dns.name.from_text(timers.contact))
        ns_rdata = primary
        self.ns = Piece(
            ORIGIN_POINTER + _RR_FIXED.pack(dns.rdatatype.NS, dns.rdataclass.IN, timers.ttl, len(ns_rdata)) + ns_rdata,
            1,
        )

    def soa(self, serial: int) -> Piece:
        t = self.timers
        rdata = self._soa_names + struct.pack("!IIIII", serial, t.refresh, t.retry, t.expire, t.ttl)
        fixed = _RR_FIXED.pack(dns.rdatatype.SOA, dns.rdataclass.IN, t.ttl, len(rdata))
        return Piece(ORIGIN_POINTER + fixed + rdata, 1)

    def records(self, chunk: bytes, count: int) -> Piece:
        """`d CNAME target` and `*.d CNAME target` for every name in a chunk of stored names.

        The start marker goes first: once it is gone, the end marker is the only zero byte left
        (label lengths are 1..63 and labels are ASCII), so it can become the fixed record tail."""
        owners = chunk.replace(START, b"").replace(END, self._owner_end)
        wildcards = chunk.replace(START, b"\x01*").replace(END, self._owner_end)
        return Piece(owners + wildcards, 2 * count)

    def records_of(self, keys: tuple[bytes, ...]) -> Iterator[Piece]:
        for i in range(0, len(keys), FILL):
            part = keys[i : i + FILL]
            yield self.records(b"".join(part), len(part))


def header(query_id: int, flags: int, qdcount: int, ancount: int, arcount: int = 0) -> bytes:
    return _HEADER.pack(query_id, flags, qdcount, ancount, 0, arcount)


def response_flags(query_flags: int, rcode: int, *, authoritative: bool) -> int:
    opcode_bits = query_flags & 0x7800
    flags = dns.flags.QR | opcode_bits | (query_flags & dns.flags.RD) | (rcode & 0xF)
    return flags | dns.flags.AA if authoritative else flags


def _split(piece: Piece, limit: int) -> Iterator[Piece]:
    """A piece too large for one message, cut at record boundaries (only long names get here)."""
    if len(piece.data) <= limit or piece.count <= 1:
        yield piece
        return
    # Records of one piece come as owners then wildcards; re-cutting by bytes needs their boundaries,
    # so walk them: cheap, as only pieces of unusually long names are this large.
    records = list(_walk_records(piece.data))
    current: list[bytes] = []
    size = 0
    for record in records:
        if current and size + len(record) > limit:
            yield Piece(b"".join(current), len(current))
            current, size = [], 0
        current.append(record)
        size += len(record)
    if current:
        yield Piece(b"".join(current), len(current))


def _walk_records(data: bytes) -> Iterator[bytes]:
    position = 0
    while position < len(data):
        start = position
        while True:  # owner name: labels ending in a pointer
            length = data[position]
            if length & 0xC0 == 0xC0:
                position += 2
                break
            if length == 0:
                position += 1
                break
            position += 1 + length
        rdlength = _RR_FIXED.unpack_from(data, position)[3]
        position += _RR_FIXED.size + rdlength
        yield data[start:position]


def pack(
    query_id: int,
    flags: int,
    question: bytes,
    pieces: Iterable[Piece],
    sign: Callable[[bytes], bytes] | None = None,
) -> Iterator[bytes]:
    """Messages of at most 64 KiB carrying `pieces` in order, each with the question."""
    limit = MAX_MESSAGE - _HEADER.size - len(question) - (TSIG_RESERVE if sign else 0)
    body: list[bytes] = []
    size = count = 0
    for whole in pieces:
        for piece in _split(whole, limit):
            if body and size + len(piece.data) > limit:
                yield _finish(query_id, flags, question, body, count, sign)
                body, size, count = [], 0, 0
            body.append(piece.data)
            size += len(piece.data)
            count += piece.count
    if body:
        yield _finish(query_id, flags, question, body, count, sign)


def _finish(
    query_id: int, flags: int, question: bytes, body: list[bytes], count: int, sign: Callable[[bytes], bytes] | None
) -> bytes:
    wire = header(query_id, flags, 1, count) + question + b"".join(body)
    return sign(wire) if sign else wire


def axfr_pieces(zone: ZoneWire, state: ZoneState) -> Iterator[Piece]:
    """RFC 5936: the SOA, every record, the SOA again."""
    soa = zone.soa(state.serial)
    yield soa
    yield zone.ns
    for chunk in state.names.iter_chunks():
        yield zone.records(chunk, chunk.count(START))
    yield soa


def ixfr_pieces(zone: ZoneWire, state: ZoneState, steps: tuple[Step, ...]) -> Iterator[Piece]:
    """RFC 1995 4: the current SOA, then per version the old SOA, what goes, the new SOA, what comes,
    and the current SOA to close."""
    current = zone.soa(state.serial)
    yield current
    for step in steps:
        yield zone.soa(step.from_serial)
        yield from zone.records_of(step.removed)
        yield zone.soa(step.to_serial)
        yield from zone.records_of(step.added)
    yield current


def question_wire(origin: dns.name.Name, rdtype: int) -> bytes:
    return wire_of(origin) + struct.pack("!HH", rdtype, dns.rdataclass.IN)


def opcode_of(flags: int) -> int:
    return dns.opcode.from_flags(flags)
