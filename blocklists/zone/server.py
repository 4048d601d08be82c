"""The zone server: the pure handler behind asyncio UDP and TCP transports, the zones kept up to date
from the source, and NOTIFY sent after every new version.

The composition root builds one `ZoneServer(config, source, listen)`, awaits `start()`, calls
`new_version()` after each publication and `stop()` at shutdown.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import socket
import struct
import time
from collections import Counter
from collections.abc import Callable
from typing import cast

import dns.name
import dns.rrset

from blocklists.zone.config import ServerConfig
from blocklists.zone.handler import QueryHandler, Transport
from blocklists.zone.notify import NotifyPolicy, send_notify
from blocklists.zone.source import ZoneSource
from blocklists.zone.zones import JournalGap, ZoneState, apply_all, load

log = logging.getLogger(__name__)

TCP_IDLE_TIMEOUT = 10.0  # a connection that sends nothing for this long is closed
TCP_READ_TIMEOUT = 5.0  # a message must arrive whole this soon after its length
TCP_WRITE_TIMEOUT = 30.0  # a client that does not read a transfer for this long is dropped
TCP_MAX_CONNECTIONS = 64
WRITE_HIGH_WATER = 256 * 1024
BIND_ATTEMPTS = 20


class ZoneServer:
    def __init__(
        self,
        config: ServerConfig,
        source: ZoneSource,
        listen: tuple[str, int] = ("127.0.0.1", 0),
        *,
        now: Callable[[], float] = time.time,
        notify_policy: NotifyPolicy | None = None,
    ) -> None:
        self.config = config
        self._source = source
        self._listen = listen
        self.handler = QueryHandler(config, now)
        self._notify_policy = notify_policy or NotifyPolicy()
        self._states: tuple[ZoneState, ...] = ()
        self._lock = asyncio.Lock()
        self._udp: asyncio.DatagramTransport | None = None
        self._tcp: asyncio.Server | None = None
        self._connections: set[asyncio.Task[None]] = set()
        self._notifies: dict[tuple[str, tuple[str, int]], asyncio.Task[bool]] = {}
        self.addresses: list[tuple[str, int]] = []
        self.tcp_idle_timeout = TCP_IDLE_TIMEOUT
        self.tcp_read_timeout = TCP_READ_TIMEOUT

    # lifecycle ---------------------------------------------------------------------------------
    async def start(self) -> None:
        await self._refresh()
        await self._bind()
        log.info(
            "zone server on %s serving %s at serial %d",
            ", ".join(f"{h}:{p}" for h, p in self.addresses),
            ", ".join(z.name for z in self.config.zones),
            self.serial,
        )

    async def stop(self) -> None:
        for task in self._notifies.values():
            task.cancel()
        if self._udp is not None:
            self._udp.close()
        if self._tcp is not None:
            self._tcp.close()
        for connection in list(self._connections):
            connection.cancel()
        await asyncio.gather(*self._notifies.values(), *self._connections, return_exceptions=True)
        if self._tcp is not None:
            await self._tcp.wait_closed()
        self._notifies.clear()
        self._udp = None
        self._tcp = None

    @property
    def serial(self) -> int:
        return self._states[0].serial if self._states else 0

    @property
    def transfers(self) -> Counter[tuple[str, str]]:
        """Transfers answered, by zone and kind (AXFR, IXFR, IXFR-AXFR: fallback, IXFR-SOA: up to date)."""
        return self.handler.transfers

    @property
    def states(self) -> tuple[ZoneState, ...]:
        return self._states

    async def new_version(self) -> None:
        """Bring the zones to the source's version, then NOTIFY every target (in the background)."""
        if await self._refresh():
            self._notify_all()

    async def wait_notified(self) -> list[bool]:
        """The outcome of the NOTIFYs in flight (tests and the time-to-block helper use it)."""
        return await asyncio.gather(*self._notifies.values())

    # zone data ---------------------------------------------------------------------------------
    async def _refresh(self) -> bool:
        async with self._lock:
            target = self._source.serial()
            if self._states and target == self.serial:
                return False
            states: tuple[ZoneState, ...] | None = None
            if self._states and self.serial != 0 and target > self.serial:
                deltas = await self._source.journal(self.serial)
                if deltas is not None:
                    try:
                        states = apply_all(self._states, deltas, self.config.journal_versions)
                    except JournalGap as exc:
                        log.warning("zone journal does not line up (%s); reloading the whole list", exc)
            if states is None:
                states = await asyncio.to_thread(self._load)
            self._states = states
            self.handler.update(states)
            return True

    def _load(self) -> tuple[ZoneState, ...]:
        # entries() is the list at serial(); read the serial again after, and redo if a publication
        # slipped in between, so the SOA serial never names other contents than it carries
        for _ in range(3):
            serial = self._source.serial()
            states = load(self.config.zones, serial, self._source.entries())
            if self._source.serial() == serial:
                break
        return states

    # NOTIFY ------------------------------------------------------------------------------------
    def _notify_all(self) -> None:
        for served in self.handler.zones.values():
            spec = served.state.spec
            t = self.config.timers
            soa = dns.rrset.from_text(
                spec.origin,
                t.ttl,
                "IN",
                "SOA",
                f"{t.primary} {t.contact} {served.state.serial} {t.refresh} {t.retry} {t.expire} {t.ttl}",
            )
            for target in self.config.notify:
                key = (spec.name, target)
                previous = self._notifies.get(key)
                if previous is not None and not previous.done():
                    previous.cancel()  # the new serial supersedes it
                self._notifies[key] = asyncio.create_task(
                    send_notify(dns.name.from_text(spec.name), target, soa, self._notify_policy),
                    name=f"notify {spec.name} {target[0]}:{target[1]}",
                )

    # transports --------------------------------------------------------------------------------
    async def _bind(self) -> None:
        host, port = self._listen
        loop = asyncio.get_running_loop()
        family = socket.AF_INET6 if ":" in host else socket.AF_INET
        for attempt in range(BIND_ATTEMPTS):
            udp, _ = await loop.create_datagram_endpoint(
                lambda: _UdpProtocol(self.handler), local_addr=(host, port), family=family
            )
            bound_port = cast("tuple[str, int]", udp.get_extra_info("sockname"))[1]
            try:
                tcp = await asyncio.start_server(
                    self._serve_tcp, host, bound_port, family=family, limit=70_000, reuse_address=True
                )
            except OSError:
                udp.close()
                if port != 0 or attempt == BIND_ATTEMPTS - 1:
                    raise
                continue  # the OS gave a UDP port whose TCP twin is taken: ask again
            self._udp, self._tcp = udp, tcp
            self.addresses = [(host, bound_port)]
            return

    async def _serve_tcp(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        if len(self._connections) >= TCP_MAX_CONNECTIONS or task is None:
            writer.close()
            return
        self._connections.add(task)
        peer = writer.get_extra_info("peername")
        client = str(peer[0]) if peer else ""
        try:
            await self._tcp_session(reader, writer, client)
        except (ConnectionError, TimeoutError, asyncio.IncompleteReadError) as exc:
            log.debug("zone TCP client %s: %s", client, type(exc).__name__)
        except Exception:
            log.exception("zone TCP client %s: unexpected error", client)
        finally:
            self._connections.discard(task)
            writer.close()
            with contextlib.suppress(ConnectionError, TimeoutError, asyncio.CancelledError):
                await asyncio.wait_for(writer.wait_closed(), 1.0)

    async def _tcp_session(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, client: str) -> None:
        while True:
            try:
                prefix = await asyncio.wait_for(reader.readexactly(2), self.tcp_idle_timeout)
            except asyncio.IncompleteReadError:
                return  # the client closed between messages: normal end
            (length,) = struct.unpack("!H", prefix)
            wire = await asyncio.wait_for(reader.readexactly(length), self.tcp_read_timeout)
            for count, message in enumerate(self.handler.handle(wire, client, Transport.TCP), start=1):
                writer.write(struct.pack("!H", len(message)) + message)
                if writer.transport.get_write_buffer_size() > WRITE_HIGH_WATER:
                    await asyncio.wait_for(writer.drain(), TCP_WRITE_TIMEOUT)
                elif count % 64 == 0:
                    await asyncio.sleep(0)  # a long transfer leaves the loop to other clients
            await asyncio.wait_for(writer.drain(), TCP_WRITE_TIMEOUT)


class _UdpProtocol(asyncio.DatagramProtocol):
    def __init__(self, handler: QueryHandler) -> None:
        self._handler = handler
        self._transport: asyncio.DatagramTransport | None = None

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self._transport = cast("asyncio.DatagramTransport", transport)

    def datagram_received(self, data: bytes, addr: tuple[str | object, ...]) -> None:
        if self._transport is None:
            return
        try:
            for message in self._handler.handle(data, str(addr[0]), Transport.UDP):
                self._transport.sendto(message, addr)
                break  # one datagram answers one datagram
        except Exception:
            log.exception("zone UDP query from %s: unexpected error", addr[0])

    def error_received(self, exc: Exception) -> None:
        log.debug("zone UDP socket: %s", exc)


def notify_policy_for_tests(attempts: int = 3) -> NotifyPolicy:
    """Short delays, for tests that exercise retries."""
    return NotifyPolicy(attempts=attempts, timeout=0.5, first_delay=0.05, max_delay=0.2)
