"""Helpers for the crawler tests: servers on loopback port 0, a fake resolver, listeners that notice
connections, aiohttp trace hooks, and the test CA's files."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import ssl
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import aiohttp
from aiohttp import web

from workers.crawl import ResolutionError


@dataclass
class FakeResolver:
    """Answers from a table; a list of answers rotates per lookup (DNS rebinding, fast flux)."""

    answers: dict[str, Sequence[Sequence[str]] | Exception] = field(default_factory=dict)
    lookups: Counter[str] = field(default_factory=Counter)

    async def resolve(self, host: str) -> tuple[str, ...]:
        turn = self.lookups[host]
        self.lookups[host] += 1
        answer = self.answers.get(host)
        if answer is None:
            raise ResolutionError(f"{host} does not exist (NXDOMAIN)")
        if isinstance(answer, Exception):
            raise answer
        return tuple(answer[min(turn, len(answer) - 1)])


class Sentinel:
    """A listener that must stay untouched: it counts every TCP connection and says nothing."""

    def __init__(self) -> None:
        self.connections = 0
        self.server: asyncio.Server | None = None

    async def _accept(self, _reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        writer.close()

    async def start(self, host: str, port: int = 0) -> int:
        self.server = await asyncio.start_server(self._accept, host, port)
        return self.server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


@contextlib.asynccontextmanager
async def serving(app: web.Application, host: str = "127.0.0.1", port: int = 0, ssl_context=None):
    runner = web.AppRunner(app, handle_signals=False)
    await runner.setup()
    site = web.TCPSite(runner, host, port, ssl_context=ssl_context)
    await site.start()
    try:
        yield site._server.sockets[0].getsockname()[1]
    finally:
        await runner.cleanup()


@contextlib.asynccontextmanager
async def raw_server(handler, host: str = "127.0.0.1"):
    """A hand-written server for the hostile cases aiohttp's own server would not produce.

    Handlers still running at the end (a tarpit sleeping) are cancelled and their sockets closed.
    """
    tasks: set[asyncio.Task] = set()

    async def guarded(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        tasks.add(task)
        try:
            await handler(reader, writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()
            tasks.discard(task)

    server = await asyncio.start_server(guarded, host, 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()
        for task in list(tasks):
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await server.wait_closed()


@dataclass
class TraceRecorder:
    """aiohttp's own hooks: a request that was never started never reached a socket."""

    requests: list[str] = field(default_factory=list)
    connections: int = 0

    def config(self) -> aiohttp.TraceConfig:
        trace = aiohttp.TraceConfig()

        async def on_request_start(session, context, params):
            self.requests.append(str(params.url))

        async def on_connection_create_start(session, context, params):
            self.connections += 1

        trace.on_request_start.append(on_request_start)
        trace.on_connection_create_start.append(on_connection_create_start)
        return trace


def ipv6_loopback_available() -> bool:
    try:
        with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as probe:
            probe.bind(("::1", 0))
    except OSError:
        return False
    return True


@dataclass(frozen=True)
class TestCA:
    ca_file: str
    cert_file: str
    key_file: str

    def client_context(self) -> ssl.SSLContext:
        return ssl.create_default_context(cafile=self.ca_file)

    def server_context(self) -> ssl.SSLContext:
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(self.cert_file, self.key_file)
        return context
