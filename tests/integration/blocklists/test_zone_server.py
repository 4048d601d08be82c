"""The zone server on real loopback sockets: UDP and TCP, slow and hostile clients, versions arriving
while a transfer streams, NOTIFY retries against a secondary that fails first."""

from __future__ import annotations

import asyncio
import struct

import dns.asyncquery
import dns.message
import dns.name
import dns.opcode
import dns.rcode
import dns.rdatatype
import dns.xfr
import dns.zone
from fakes_zone import FakeZoneSource, entry

from blocklists.zone.config import ServerConfig
from blocklists.zone.notify import NotifyPolicy, send_notify
from blocklists.zone.server import ZoneServer

ZONE = "rpz.antifraud."
FAST = NotifyPolicy(attempts=4, timeout=0.3, first_delay=0.02, max_delay=0.05)


async def started(source: FakeZoneSource, **kw) -> ZoneServer:
    server = ZoneServer(ServerConfig(**kw), source, notify_policy=FAST)
    await server.start()
    return server


async def axfr_names(port: int) -> set[str]:
    query = dns.message.make_query(ZONE, dns.rdatatype.AXFR)
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    wire = query.to_wire()
    writer.write(struct.pack("!H", len(wire)) + wire)
    names: set[str] = set()
    soas = 0
    while soas < 2:
        (length,) = struct.unpack("!H", await reader.readexactly(2))
        message = dns.message.from_wire(await reader.readexactly(length), xfr=True, origin=dns.name.from_text(ZONE))
        for rrset in message.answer:
            if rrset.rdtype == dns.rdatatype.SOA:
                soas += 1
            else:
                names.add(rrset.name.to_text())
    writer.close()
    await writer.wait_closed()
    return names


async def test_udp_and_tcp_answer_on_the_same_port():
    server = await started(FakeZoneSource([entry("kaspi-bonus.kz")]))
    try:
        host, port = server.addresses[0]
        query = dns.message.make_query(ZONE, "SOA")
        udp = await dns.asyncquery.udp(query, host, port=port, timeout=2)
        tcp = await dns.asyncquery.tcp(query, host, port=port, timeout=2)
        assert udp.answer[0][0].serial == tcp.answer[0][0].serial == 1
        assert "kaspi-bonus.kz" in await axfr_names(port)
    finally:
        await server.stop()


async def test_a_transfer_streams_the_version_it_started_with_while_new_versions_arrive():
    source = FakeZoneSource([entry(f"n{i:05d}.kz") for i in range(20_000)])
    server = await started(source)
    try:
        transfer = asyncio.create_task(axfr_names(server.addresses[0][1]))
        await asyncio.sleep(0)
        for i in range(5):
            source.publish(added=[entry(f"late{i}.kz")], removed=[f"n{i:05d}.kz"])
            await server.new_version()
        names = await transfer
        assert len(names) == 1 + 2 * 20_000 or "late4.kz" in names  # one consistent version or the other
        assert server.serial == 6
        assert source.entries_calls == 1  # new versions came from the journal, the list was read once
    finally:
        await server.stop()


async def test_concurrent_new_versions_apply_each_delta_once():
    source = FakeZoneSource([entry("a.kz")])
    server = await started(source)
    try:
        source.publish(added=[entry("b.kz")])
        source.publish(added=[entry("c.kz")], removed=["a.kz"])
        await asyncio.gather(server.new_version(), server.new_version(), server.new_version())
        (state,) = server.states
        assert state.serial == 3
        assert len(state.names) == 2
        assert [s.from_serial for s in state.steps] == [1, 2]
    finally:
        await server.stop()


async def test_lost_history_reloads_the_whole_list():
    source = FakeZoneSource([entry("a.kz")])
    server = await started(source)
    try:
        source.publish(added=[entry("b.kz")])
        source.forget_history()
        await server.new_version()
        assert server.serial == 2
        assert source.entries_calls == 2
        assert server.states[0].steps == ()  # an IXFR from 1 now gets the whole zone
    finally:
        await server.stop()


async def test_silent_and_half_sent_tcp_clients_are_dropped_and_others_still_served():
    server = await started(FakeZoneSource([entry("a.kz")]))
    server.tcp_idle_timeout = 0.3
    server.tcp_read_timeout = 0.3
    try:
        port = server.addresses[0][1]
        silent = await asyncio.open_connection("127.0.0.1", port)
        half = await asyncio.open_connection("127.0.0.1", port)
        half[1].write(b"\x01\x00\x12")  # announces 256 bytes, sends one
        for reader, writer in (silent, half):
            assert await asyncio.wait_for(reader.read(), 2) == b""  # closed by the server
            writer.close()
            await writer.wait_closed()
        assert "a.kz" in await axfr_names(port)
    finally:
        await server.stop()


async def test_garbage_over_tcp_gets_formerr_and_the_server_lives_on():
    server = await started(FakeZoneSource([entry("a.kz")]))
    try:
        port = server.addresses[0][1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        garbage = b"\x55\x66" + b"\x00\x00" + b"\xff" * 40
        writer.write(struct.pack("!H", len(garbage)) + garbage)
        (length,) = struct.unpack("!H", await asyncio.wait_for(reader.readexactly(2), 2))
        answer = await reader.readexactly(length)
        assert answer[:2] == b"\x55\x66"
        assert answer[3] & 0xF == dns.rcode.FORMERR
        writer.close()
        assert "a.kz" in await axfr_names(port)
    finally:
        await server.stop()


class FlakySecondary(asyncio.DatagramProtocol):
    """Answers the first NOTIFYs with SERVFAIL (or not at all), then NOERROR."""

    def __init__(self, failures: int, silent: bool = False) -> None:
        self.failures = failures
        self.silent = silent
        self.seen: list[dns.message.Message] = []
        self.transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport):
        self.transport = transport

    def datagram_received(self, data, addr):
        message = dns.message.from_wire(data)
        self.seen.append(message)
        if len(self.seen) <= self.failures and self.silent:
            return
        response = dns.message.make_response(message)
        if len(self.seen) <= self.failures:
            response.set_rcode(dns.rcode.SERVFAIL)
        self.transport.sendto(response.to_wire(), addr)


async def flaky(failures: int, silent: bool = False):
    loop = asyncio.get_running_loop()
    transport, protocol = await loop.create_datagram_endpoint(
        lambda: FlakySecondary(failures, silent), local_addr=("127.0.0.1", 0)
    )
    return transport, protocol, transport.get_extra_info("sockname")[1]


async def test_notify_retries_until_the_secondary_answers_noerror():
    transport, secondary, port = await flaky(failures=2)
    try:
        assert await send_notify(dns.name.from_text(ZONE), ("127.0.0.1", port), policy=FAST)
        assert len(secondary.seen) == 3
        assert all(m.opcode() == dns.opcode.NOTIFY for m in secondary.seen)
    finally:
        transport.close()


async def test_notify_gives_up_after_a_bounded_number_of_attempts():
    transport, secondary, port = await flaky(failures=100, silent=True)
    try:
        assert not await asyncio.wait_for(send_notify(dns.name.from_text(ZONE), ("127.0.0.1", port), policy=FAST), 5)
        assert len(secondary.seen) == FAST.attempts
    finally:
        transport.close()


async def test_new_version_notifies_every_target_with_the_new_serial():
    transports = []
    try:
        targets = []
        secondaries = []
        for failures in (0, 1):
            transport, secondary, port = await flaky(failures)
            transports.append(transport)
            secondaries.append(secondary)
            targets.append(("127.0.0.1", port))
        source = FakeZoneSource([entry("a.kz")])
        server = await started(source, notify=tuple(targets))
        try:
            source.publish(added=[entry("b.kz")])
            await server.new_version()
            assert await server.wait_notified() == [True, True]
            for secondary in secondaries:
                assert secondary.seen[-1].answer[0][0].serial == 2
        finally:
            await server.stop()
    finally:
        for transport in transports:
            transport.close()
