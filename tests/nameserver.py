"""A tiny authoritative nameserver for tests, on 127.0.0.1 port 0, UDP and TCP on the same port.

In the spirit of dnspython's tests/nanonameserver.py: the zone is plain data built in the test.

    zone = FakeZone()
    zone.add("kaspi-bonus.kz", "A", "203.0.113.7", ttl=60)
    zone.rotate("flux.kz", "A", [["192.0.2.1"], ["198.51.100.2"]])   # a different answer per query
    zone.servfail("broken.kz"); zone.silent("tarpit.kz"); zone.wildcard("wild.kz", "A", "192.0.2.9")
    async with Nameserver(zone) as ns:
        resolver = build_resolver([ns.address])

Names not in the zone answer NXDOMAIN; a known name without the asked type answers NODATA.
`Nameserver.in_thread(zone)` serves from its own thread and event loop (for benchmarks).
"""

from __future__ import annotations

import asyncio
import contextlib
import struct
import threading
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Self

import dns.exception
import dns.flags
import dns.message
import dns.name
import dns.rcode
import dns.rdataclass
import dns.rdatatype
import dns.rrset

SOA = "ns1.test. hostmaster.test. 1 3600 600 86400 60"


def _name(text: str) -> dns.name.Name:
    return dns.name.from_text(text)


@dataclass
class FakeZone:
    records: dict[tuple[dns.name.Name, int], list[tuple[int, list[str]]]] = field(default_factory=dict)
    wildcards: dict[tuple[dns.name.Name, int], tuple[int, list[str]]] = field(default_factory=dict)
    failing: set[dns.name.Name] = field(default_factory=set)
    refusing: set[dns.name.Name] = field(default_factory=set)
    quiet: set[dns.name.Name] = field(default_factory=set)
    queries: Counter[tuple[str, str]] = field(default_factory=Counter)
    _turn: Counter[tuple[dns.name.Name, int]] = field(default_factory=Counter)

    def add(self, name: str, rdtype: str, *values: str, ttl: int = 300) -> FakeZone:
        self.records[_name(name), dns.rdatatype.from_text(rdtype)] = [(ttl, list(values))]
        return self

    def rotate(self, name: str, rdtype: str, answers: list[list[str]], ttl: int = 60) -> FakeZone:
        """Each query gets the next answer, round and round: fast flux, or a site that moved."""
        self.records[_name(name), dns.rdatatype.from_text(rdtype)] = [(ttl, list(a)) for a in answers]
        return self

    def cname(self, name: str, target: str, ttl: int = 300) -> FakeZone:
        return self.add(name, "CNAME", target if target.endswith(".") else target + ".", ttl=ttl)

    def wildcard(self, zone: str, rdtype: str, *values: str, ttl: int = 300) -> FakeZone:
        self.wildcards[_name(zone), dns.rdatatype.from_text(rdtype)] = (ttl, list(values))
        return self

    def servfail(self, name: str) -> FakeZone:
        self.failing.add(_name(name))
        return self

    def refuse(self, name: str) -> FakeZone:
        self.refusing.add(_name(name))
        return self

    def silent(self, name: str) -> FakeZone:
        """Never answer queries for this name (or below it): the client times out."""
        self.quiet.add(_name(name))
        return self

    # answering -----------------------------------------------------------------------------------
    def _exists(self, name: dns.name.Name) -> bool:
        return any(n == name for n, _ in self.records) or self._wild(name) is not None

    def _wild(self, name: dns.name.Name) -> dns.name.Name | None:
        for zone, _ in self.wildcards:
            if name != zone and name.is_subdomain(zone):
                return zone
        return None

    def _rrset(self, name: dns.name.Name, rdtype: int) -> dns.rrset.RRset | None:
        entries = self.records.get((name, rdtype))
        if entries:
            turn = self._turn[name, rdtype]
            self._turn[name, rdtype] += 1
            ttl, values = entries[turn % len(entries)]
            return dns.rrset.from_text_list(name, ttl, dns.rdataclass.IN, rdtype, values)
        zone = self._wild(name)
        if zone is not None and (zone, rdtype) in self.wildcards:
            ttl, values = self.wildcards[zone, rdtype]
            return dns.rrset.from_text_list(name, ttl, dns.rdataclass.IN, rdtype, values)
        return None

    def respond(self, query: dns.message.Message) -> dns.message.Message | None:
        """The response to `query`, or None to stay silent."""
        question = query.question[0]
        name, rdtype = question.name, question.rdtype
        self.queries[name.to_text(omit_final_dot=True), dns.rdatatype.to_text(rdtype)] += 1
        if any(name.is_subdomain(q) for q in self.quiet):
            return None
        response = dns.message.make_response(query)
        response.flags |= dns.flags.AA
        if any(name.is_subdomain(f) for f in self.failing):
            response.set_rcode(dns.rcode.SERVFAIL)
            return response
        if any(name.is_subdomain(r) for r in self.refusing):
            response.set_rcode(dns.rcode.REFUSED)
            return response
        current = name
        for _ in range(8):  # follow CNAMEs inside the zone data, as an authoritative server does
            if rdtype != dns.rdatatype.CNAME:
                alias = self._rrset(current, dns.rdatatype.CNAME)
                if alias is not None:
                    response.answer.append(alias)
                    current = alias[0].target
                    continue
            found = self._rrset(current, rdtype)
            if found is not None:
                response.answer.append(found)
            elif not self._exists(current) and not response.answer:
                response.set_rcode(dns.rcode.NXDOMAIN)
            if found is None:
                soa = dns.rrset.from_text(current.parent() if len(current) > 1 else current, 60, "IN", "SOA", SOA)
                response.authority.append(soa)
            break
        return response


class _Udp(asyncio.DatagramProtocol):
    def __init__(self, zone: FakeZone) -> None:
        self.zone = zone
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # the selector transport is not a subclass

    def datagram_received(self, data: bytes, addr: tuple[str, int]) -> None:
        try:
            query = dns.message.from_wire(data)
        except dns.exception.DNSException:
            return
        response = self.zone.respond(query)
        if response is not None and self.transport is not None:
            self.transport.sendto(response.to_wire(), addr)


class Nameserver:
    def __init__(self, zone: FakeZone) -> None:
        self.zone = zone
        self.host = "127.0.0.1"
        self.port = 0
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None

    @property
    def address(self) -> str:
        """`ip:port`, the form ANTIFRAUD_NAMESERVERS takes."""
        return f"{self.host}:{self.port}"

    async def start(self) -> Self:
        loop = asyncio.get_running_loop()
        for _ in range(20):  # the UDP port may be taken for TCP by someone else: try another
            transport, _protocol = await loop.create_datagram_endpoint(
                lambda: _Udp(self.zone), local_addr=(self.host, 0)
            )
            port = transport.get_extra_info("sockname")[1]
            try:
                self._tcp = await asyncio.start_server(self._serve_tcp, self.host, port)
            except OSError:
                transport.close()
                continue
            self._udp, self.port = transport, port
            return self
        raise RuntimeError("could not bind UDP and TCP on one port on 127.0.0.1")

    async def stop(self) -> None:
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
            await self._tcp.wait_closed()

    async def __aenter__(self) -> Self:
        return await self.start()

    async def __aexit__(self, *exc: object) -> None:
        await self.stop()

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                (length,) = struct.unpack("!H", await reader.readexactly(2))
                query = dns.message.from_wire(await reader.readexactly(length))
                response = self.zone.respond(query)
                if response is None:
                    await asyncio.sleep(3600)  # a silent server: hold the connection, say nothing
                    return
                wire = response.to_wire()
                writer.write(struct.pack("!H", len(wire)) + wire)
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, dns.exception.DNSException):
            pass
        finally:
            writer.close()
            with contextlib.suppress(ConnectionError):
                await writer.wait_closed()

    @classmethod
    @contextlib.contextmanager
    def in_thread(cls, zone: FakeZone) -> Iterator[Nameserver]:
        """Serve from a thread with its own event loop, so the measured client has the main loop alone."""
        server = cls(zone)
        loop = asyncio.new_event_loop()
        ready = threading.Event()

        def serve() -> None:
            asyncio.set_event_loop(loop)
            loop.run_until_complete(server.start())
            ready.set()
            loop.run_forever()
            loop.run_until_complete(server.stop())
            loop.close()

        thread = threading.Thread(target=serve, name="fake-nameserver", daemon=True)
        thread.start()
        ready.wait(10)
        try:
            yield server
        finally:
            loop.call_soon_threadsafe(loop.stop)
            thread.join(10)
