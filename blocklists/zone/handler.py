"""The zone server's answers: one query's wire bytes, the client's address and the transport in; the
response messages out. No socket and no clock (the time for TSIG is injected), so every answer,
including to an attacker's bytes, is a plain function call in the tests.

Answers:
- SOA/NS at a zone's apex, and the CNAME of a listed name (or NXDOMAIN) below it;
- AXFR (TCP only) and IXFR from the journal (RFC 1995), falling back to the whole zone when the
  client's serial is older than the journal, and a lone SOA when it is current (or over UDP);
- REFUSED for zones not served and for clients the access rules refuse, NOTAUTH (with the TSIG error)
  for a bad signature and for a transfer of a name that is not a zone apex, FORMERR for anything that
  does not parse, NOTIMP for other opcodes. A message too short to carry an id, or a response,
  gets no answer.
"""

from __future__ import annotations

import logging
import struct
from collections import Counter
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

from blocklists.zone import tsig
from blocklists.zone.config import ServerConfig
from blocklists.zone.names import NameError_, name_key, wire_of
from blocklists.zone.wire import ZoneWire, axfr_pieces, header, ixfr_pieces, pack, response_flags
from blocklists.zone.zones import ZoneState

log = logging.getLogger(__name__)

MAX_QUERY = 4096  # a query, even signed, is a few hundred bytes; anything larger is not one of ours
UDP_DEFAULT = 512


class Transport(StrEnum):
    UDP = "udp"
    TCP = "tcp"


@dataclass(frozen=True, slots=True)
class ServedZone:
    state: ZoneState
    wire: ZoneWire


Sign = Callable[[bytes], bytes]


class QueryHandler:
    """Answers queries from the zones it was last given (`update`)."""

    def __init__(self, config: ServerConfig, now: Callable[[], float]) -> None:
        self._config = config
        self._now = now
        self._wires = {spec.origin: ZoneWire(spec, config.timers) for spec in config.zones}
        self._zones: Mapping[dns.name.Name, ServedZone] = {}
        self.transfers: Counter[tuple[str, str]] = Counter()  # (zone, AXFR | IXFR | IXFR-AXFR | IXFR-SOA)

    def update(self, states: tuple[ZoneState, ...]) -> None:
        self._zones = {s.spec.origin: ServedZone(s, self._wires[s.spec.origin]) for s in states}

    @property
    def zones(self) -> Mapping[dns.name.Name, ServedZone]:
        return self._zones

    def handle(self, wire: bytes, client: str, transport: Transport) -> Iterator[bytes]:
        """The response messages to one query: none, one, or (a transfer over TCP) many, lazily."""
        if len(wire) < 12:
            return iter(())
        query_id, flags = struct.unpack_from("!HH", wire)
        if flags & dns.flags.QR:
            return iter(())  # a response sent to us: answering could start a loop
        if len(wire) > MAX_QUERY:
            return self._bare(query_id, flags, dns.rcode.FORMERR, "oversized query", client)
        try:
            query = dns.message.from_wire(wire, keyring=False)
        except Exception as exc:  # noqa: BLE001 - any parse failure of a stranger's bytes is a FORMERR
            return self._bare(query_id, flags, dns.rcode.FORMERR, f"malformed query ({type(exc).__name__})", client)
        try:
            checked = tsig.verify(wire, self._config.access.keyring, self._now())
        except Exception as exc:  # noqa: BLE001 - a TSIG record that dnspython parsed but we cannot walk
            return self._bare(query_id, flags, dns.rcode.FORMERR, f"malformed TSIG ({type(exc).__name__})", client)
        if isinstance(checked, tsig.Rejected):
            log.info("zone query from %s refused: %s", client, checked.reason)
            bare = header(query_id, response_flags(flags, dns.rcode.NOTAUTH, authoritative=False), 0, 0)
            return iter((tsig.error_record(bare, checked, self._now()),))
        sign = tsig.Signer(checked, self._now()) if checked is not None else None
        return self._answer(query, wire, client, transport, sign, checked.key.name.to_text() if checked else None)

    # -------------------------------------------------------------------------------------------
    def _bare(self, query_id: int, flags: int, rcode: int, why: str, client: str) -> Iterator[bytes]:
        log.debug("zone query from %s: %s", client, why)
        return iter((header(query_id, response_flags(flags, rcode, authoritative=False), 0, 0),))

    def _answer(
        self,
        query: dns.message.Message,
        wire: bytes,
        client: str,
        transport: Transport,
        sign: Sign | None,
        key: str | None,
    ) -> Iterator[bytes]:
        if query.opcode() != dns.opcode.QUERY:
            return self._reply(query, dns.rcode.NOTIMP, transport, sign)
        if len(query.question) != 1:
            return self._reply(query, dns.rcode.FORMERR, transport, sign)
        question = query.question[0]
        if question.rdclass not in {dns.rdataclass.IN, dns.rdataclass.ANY}:
            return self._reply(query, dns.rcode.REFUSED, transport, sign)
        served = self._zone_of(question.name)
        if served is None:
            return self._reply(query, dns.rcode.REFUSED, transport, sign)
        if not self._config.access.allows(client, key):
            log.info("zone %s: %s from %s refused by the access rules", served.state.spec.name, question.rdtype, client)
            return self._reply(query, dns.rcode.REFUSED, transport, sign)
        rdtype = question.rdtype
        if rdtype in {dns.rdatatype.AXFR, dns.rdatatype.IXFR}:
            if question.name != served.state.spec.origin:
                return self._reply(query, dns.rcode.NOTAUTH, transport, sign)
            if rdtype == dns.rdatatype.AXFR:
                if transport is Transport.UDP:
                    return self._reply(query, dns.rcode.FORMERR, transport, sign)
                self.transfers[served.state.spec.name, "AXFR"] += 1
                return self._transfer(query, wire, served, None, sign)
            return self._ixfr(query, wire, served, transport, sign)
        return self._lookup(query, served, transport, sign)

    def _zone_of(self, name: dns.name.Name) -> ServedZone | None:
        best: ServedZone | None = None
        for origin, served in self._zones.items():
            if name.is_subdomain(origin) and (best is None or len(origin) > len(best.state.spec.origin)):
                best = served
        return best

    def _ixfr(
        self, query: dns.message.Message, wire: bytes, served: ServedZone, transport: Transport, sign: Sign | None
    ) -> Iterator[bytes]:
        soa = next((r for r in query.authority if r.rdtype == dns.rdatatype.SOA), None)
        if soa is None or len(soa) != 1:
            return self._reply(query, dns.rcode.FORMERR, transport, sign)
        client_serial = int(next(iter(soa)).serial)
        state = served.state
        if client_serial >= state.serial or transport is Transport.UDP:
            # up to date (or ahead), or over UDP where a transfer does not fit: the lone SOA tells the
            # client to come back over TCP when the serials differ (RFC 1995 2, 4)
            self.transfers[state.spec.name, "IXFR-SOA"] += 1
            return self._reply(query, dns.rcode.NOERROR, transport, sign, soa_only=served)
        steps = state.steps_since(client_serial)
        self.transfers[state.spec.name, "IXFR" if steps is not None else "IXFR-AXFR"] += 1
        return self._transfer(query, wire, served, steps, sign)

    def _transfer(
        self,
        query: dns.message.Message,
        wire: bytes,
        served: ServedZone,
        steps: tuple[object, ...] | None,
        sign: Sign | None,
    ) -> Iterator[bytes]:
        query_id, flags = struct.unpack_from("!HH", wire)
        question = query.question[0]
        question_wire = wire_of(question.name) + struct.pack("!HH", question.rdtype, question.rdclass)
        flags_out = response_flags(flags, dns.rcode.NOERROR, authoritative=True)
        pieces = (
            axfr_pieces(served.wire, served.state) if steps is None else ixfr_pieces(served.wire, served.state, steps)  # type: ignore[arg-type]
        )
        return pack(query_id, flags_out, question_wire, pieces, sign)

    def _lookup(
        self, query: dns.message.Message, served: ServedZone, transport: Transport, sign: Sign | None
    ) -> Iterator[bytes]:
        spec = served.state.spec
        origin = spec.origin
        question = query.question[0]
        ttl = self._config.timers.ttl
        if question.name == origin:
            if question.rdtype in {dns.rdatatype.SOA, dns.rdatatype.ANY}:
                return self._reply(query, dns.rcode.NOERROR, transport, sign, soa_only=served)
            if question.rdtype == dns.rdatatype.NS:
                ns = dns.rrset.from_text(origin, ttl, "IN", "NS", self._config.timers.primary)
                return self._reply(query, dns.rcode.NOERROR, transport, sign, answer=ns)
            return self._reply(query, dns.rcode.NOERROR, transport, sign, negative=served)
        if self._listed(served, question.name.relativize(origin).to_text().lower()):
            cname = dns.rrset.from_text(question.name, ttl, "IN", "CNAME", spec.target.to_text())
            return self._reply(query, dns.rcode.NOERROR, transport, sign, answer=cname)
        return self._reply(query, dns.rcode.NXDOMAIN, transport, sign, negative=served)

    @staticmethod
    def _listed(served: ServedZone, relative: str) -> bool:
        """Whether `relative` is a listed name, its wildcard, or below a listed name."""
        labels = relative.split(".")
        if labels[0] == "*":
            labels = labels[1:]
        names = served.state.names
        for i in range(len(labels)):
            value = ".".join(labels[i:])
            try:
                if (value, name_key(value)) in names:
                    return True
            except NameError_:
                return False
        return False

    def _reply(
        self,
        query: dns.message.Message,
        rcode: int,
        transport: Transport,
        sign: Sign | None,
        *,
        answer: dns.rrset.RRset | None = None,
        soa_only: ServedZone | None = None,
        negative: ServedZone | None = None,
    ) -> Iterator[bytes]:
        response = dns.message.make_response(query)
        response.set_rcode(dns.rcode.Rcode(rcode))
        if rcode in {dns.rcode.NOERROR, dns.rcode.NXDOMAIN}:
            response.flags |= dns.flags.AA
        if answer is not None:
            response.answer.append(answer)
        if soa_only is not None:
            response.answer.append(self._soa_rrset(soa_only))
        if negative is not None:
            response.authority.append(self._soa_rrset(negative))
        if transport is Transport.UDP:
            limit = max(UDP_DEFAULT, min(query.payload, 4096)) if query.edns >= 0 else UDP_DEFAULT
        else:
            limit = 65535
        try:
            out = response.to_wire(max_size=limit - (400 if sign else 0))
        except dns.exception.TooBig:
            response.answer.clear()
            response.authority.clear()
            response.flags |= dns.flags.TC
            out = response.to_wire()
        return iter((sign(out) if sign else out,))

    def _soa_rrset(self, served: ServedZone) -> dns.rrset.RRset:
        t = self._config.timers
        text = f"{t.primary} {t.contact} {served.state.serial} {t.refresh} {t.retry} {t.expire} {t.ttl}"
        return dns.rrset.from_text(served.state.spec.origin, t.ttl, "IN", "SOA", text)
