"""Pinning aiohttp to the addresses the crawl plan vetted: the HTTP client never looks a name up.

Two locks on one door. `PinnedResolver` is the connector's resolver: asked for a host, it answers
with the addresses vetted for that host in the current crawl, and refuses anything else, so there is
no second lookup for DNS rebinding to exploit. `GuardedSocketFactory` is the connector's socket
factory: every socket aiohttp opens passes through it, IP-literal URLs included (aiohttp does not
ask a resolver for those), and it refuses any address not vetted for the current crawl.

The vetted addresses travel in a context variable, set by the crawler around each request, so
concurrent crawls sharing one session each see only their own.
"""

from __future__ import annotations

import errno
import socket
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar

from aiohappyeyeballs import AddrInfoType
from aiohttp.abc import AbstractResolver, ResolveResult

_VETTED: ContextVar[Mapping[str, tuple[str, ...]] | None] = ContextVar("antifraud_crawl_vetted", default=None)


class UnvettedAddressError(OSError):
    """The HTTP client tried to reach something the crawl plan did not vet: refused, never attempted."""

    def __init__(self, message: str) -> None:
        super().__init__(errno.EACCES, message)  # strerror carries the words into aiohttp's own message


@contextmanager
def vetted(host: str, addresses: tuple[str, ...]) -> Iterator[None]:
    """Within this block, `host` may be reached at `addresses` and nothing else may be reached."""
    token = _VETTED.set({host: addresses})
    try:
        yield
    finally:
        _VETTED.reset(token)


def _current() -> Mapping[str, tuple[str, ...]]:
    return _VETTED.get() or {}


class PinnedResolver(AbstractResolver):
    def __init__(self) -> None:
        self.refused = 0

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        addresses = _current().get(host, ())
        if family in {socket.AF_INET, socket.AF_INET6}:  # the connector's family, when it is pinned to one
            addresses = tuple(a for a in addresses if (":" in a) == (family == socket.AF_INET6))
        if not addresses:
            self.refused += 1
            raise UnvettedAddressError(f"no vetted address for {host!r}: the crawler resolves and vets names itself")
        return [
            ResolveResult(
                hostname=host,
                host=address,
                port=port,
                family=socket.AF_INET6 if ":" in address else socket.AF_INET,
                proto=socket.IPPROTO_TCP,
                flags=socket.AI_NUMERICHOST | socket.AI_NUMERICSERV,
            )
            for address in addresses
        ]

    async def close(self) -> None:
        """Nothing to release: it holds no sockets and no cache."""


class GuardedSocketFactory:
    """The connector's socket factory: the last check before any packet leaves."""

    def __init__(self) -> None:
        self.opened = 0
        self.refused = 0

    def __call__(self, addr_info: AddrInfoType) -> socket.socket:
        family, type_, proto, _, sockaddr = addr_info
        address = str(sockaddr[0])
        allowed = {a for addresses in _current().values() for a in addresses}
        if address not in allowed:
            self.refused += 1
            raise UnvettedAddressError(f"refused to open a socket to {address}: not vetted for this crawl")
        self.opened += 1
        return socket.socket(family=family, type=type_, proto=proto)
