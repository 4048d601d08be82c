"""TSIG (RFC 8945) on raw messages, with the clock injected: the request's signature checked, every
response message signed, the error record of a refused signature built."""

from __future__ import annotations

import struct
from collections.abc import Mapping
from dataclasses import dataclass
from typing import cast

import dns.exception
import dns.name
import dns.rcode
import dns.rdata
import dns.rdataclass
import dns.rdatatype
import dns.tsig
import dns.wire
from dns.rdtypes.ANY.TSIG import TSIG

from blocklists.zone.names import wire_of

FUDGE = 300  # seconds of clock skew accepted, the RFC's recommended value
_RR_FIXED = struct.Struct("!HHIH")


@dataclass(frozen=True, slots=True)
class Found:
    """The TSIG record of a message, where it starts, and the message's id."""

    owner: dns.name.Name
    rdata: TSIG
    start: int


@dataclass(frozen=True, slots=True)
class Verified:
    key: dns.tsig.Key
    request_mac: bytes


@dataclass(frozen=True, slots=True)
class Rejected:
    """A signature that did not verify: answer NOTAUTH with this TSIG error, unsigned (RFC 8945 5.3.2)."""

    error: int
    found: Found
    reason: str


def find(wire: bytes) -> Found | None:
    """The TSIG record, if the last record of the message is one (the parser already required that a
    TSIG record comes last)."""
    parser = dns.wire.Parser(wire)
    _, _, qdcount, ancount, nscount, arcount = parser.get_struct("!HHHHHH")
    for _ in range(qdcount):
        parser.get_name(decompress=True)
        parser.get_struct("!HH")
    last: tuple[int, dns.name.Name, int, int] | None = None
    for _ in range(ancount + nscount + arcount):
        start = parser.current
        owner = parser.get_name(decompress=True)
        rdtype, _, _, rdlen = parser.get_struct("!HHIH")
        last = (start, owner, rdtype, parser.current)
        parser.seek(parser.current + rdlen)
    if last is None or last[2] != dns.rdatatype.TSIG:
        return None
    start, owner, _, rdata_start = last
    rdlen = struct.unpack_from("!H", wire, rdata_start - 2)[0]
    rdata = dns.rdata.from_wire(dns.rdataclass.ANY, dns.rdatatype.TSIG, wire, rdata_start, rdlen)
    if not isinstance(rdata, TSIG):  # pragma: no cover - from_wire of type TSIG gives TSIG
        return None
    return Found(owner, rdata, start)


def verify(wire: bytes, keyring: Mapping[str, dns.tsig.Key], now: float) -> Verified | Rejected | None:
    """None for an unsigned message; otherwise whether its signature holds."""
    found = find(wire)
    if found is None:
        return None
    key = keyring.get(found.owner.to_text().lower())
    if key is None:
        return Rejected(dns.rcode.BADKEY, found, f"unknown TSIG key {found.owner}")
    if key.algorithm != found.rdata.algorithm:
        return Rejected(dns.rcode.BADKEY, found, f"TSIG key {found.owner} used with another algorithm")
    try:
        dns.tsig.validate(  # type: ignore[no-untyped-call]
            wire, key, found.owner, found.rdata, int(now), b"", found.start
        )
    except dns.tsig.BadTime:
        return Rejected(dns.rcode.BADTIME, found, f"TSIG time of {found.owner} outside the {FUDGE} s fudge")
    except (dns.tsig.BadSignature, dns.tsig.BadKey, dns.tsig.BadAlgorithm, dns.exception.FormError):
        return Rejected(dns.rcode.BADSIG, found, f"TSIG signature of {found.owner} does not verify")
    return Verified(key, found.rdata.mac)


def _append(wire: bytes, owner: dns.name.Name, rdata: TSIG) -> bytes:
    rd = cast("bytes", rdata.to_wire())
    record = wire_of(owner) + _RR_FIXED.pack(dns.rdatatype.TSIG, dns.rdataclass.ANY, 0, len(rd)) + rd
    arcount = struct.unpack_from("!H", wire, 10)[0] + 1
    return wire[:10] + struct.pack("!H", arcount) + wire[12:] + record


class Signer:
    """Signs the messages of one response in order; a transfer's later messages chain on the earlier
    ones' MACs (RFC 8945 5.3.1)."""

    def __init__(self, verified: Verified, now: float) -> None:
        self._key = verified.key
        self._request_mac = verified.request_mac
        self._now = int(now)
        self._ctx: object | None = None

    def __call__(self, wire: bytes) -> bytes:
        query_id = struct.unpack_from("!H", wire)[0]
        template = _tsig_rdata(self._key.algorithm, self._now, FUDGE, query_id, 0)
        signed, self._ctx = dns.tsig.sign(  # type: ignore[no-untyped-call]
            wire, self._key, template, self._now, self._request_mac, self._ctx, multi=True
        )
        return _append(wire, self._key.name, signed)


def error_record(wire: bytes, rejected: Rejected, now: float) -> bytes:
    """`wire` with an unsigned TSIG record carrying the error, as a client expects for a refused key."""
    found = rejected.found
    query_id = struct.unpack_from("!H", wire)[0]
    rdata = _tsig_rdata(found.rdata.algorithm, int(now), found.rdata.fudge, query_id, rejected.error)
    return _append(wire, found.owner, rdata)


def _tsig_rdata(algorithm: dns.name.Name, time_signed: int, fudge: int, query_id: int, error: int) -> TSIG:
    """A TSIG rdata with an empty MAC: the template dns.tsig.sign fills, or an error record as it is."""
    return TSIG(  # type: ignore[no-untyped-call]
        dns.rdataclass.ANY, dns.rdatatype.TSIG, algorithm, time_signed, fudge, b"", query_id, error, b""
    )
