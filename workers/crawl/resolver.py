"""Name resolution for the crawler: a port, and its default on dnspython's async resolver.

The crawler asks this once per host and crawl, vets what comes back, and connects only to that.
The operating system's resolver is never used: it would be a second lookup the guard cannot see.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Protocol

import dns.asyncresolver
import dns.exception
import dns.resolver

from workers.dns import build_resolver


class ResolutionError(Exception):
    """A name gave no address. `detail` says why; `timed_out` tells a slow resolver from an answer."""

    def __init__(self, detail: str, *, timed_out: bool = False) -> None:
        super().__init__(detail)
        self.detail = detail
        self.timed_out = timed_out


class AddressResolver(Protocol):
    async def resolve(self, host: str) -> tuple[str, ...]:
        """Every A and AAAA address of `host`; raises ResolutionError when there are none."""
        ...


class DnsAddressResolver:
    """A and AAAA in parallel through dnspython, with the servers of ANTIFRAUD_NAMESERVERS when given."""

    def __init__(self, resolver: dns.asyncresolver.Resolver) -> None:
        self.resolver = resolver

    @classmethod
    def from_nameservers(cls, nameservers: Sequence[str] = (), *, lifetime: float = 5.0) -> DnsAddressResolver:
        """`nameservers` as `ip[:port]` strings; without them, the system's resolv.conf servers."""
        return cls(build_resolver(nameservers, timeout=min(2.0, lifetime), lifetime=lifetime))

    async def _addresses(self, host: str, rdtype: str) -> tuple[str, ...]:
        answer = await self.resolver.resolve(host, rdtype, raise_on_no_answer=False, search=False)
        if answer.rrset is None:
            return ()
        return tuple(rdata.to_text() for rdata in answer.rrset)

    async def resolve(self, host: str) -> tuple[str, ...]:
        results = await asyncio.gather(
            self._addresses(host, "A"), self._addresses(host, "AAAA"), return_exceptions=True
        )
        addresses = [a for r in results if isinstance(r, tuple) for a in r]
        if addresses:
            return tuple(addresses)
        errors = [r for r in results if isinstance(r, BaseException)]
        for error in errors:
            if isinstance(error, dns.resolver.NXDOMAIN):
                raise ResolutionError(f"{host} does not exist (NXDOMAIN)")
        for error in errors:
            if isinstance(error, dns.exception.Timeout):
                raise ResolutionError(f"no answer for {host} within {self.resolver.lifetime:g}s", timed_out=True)
        for error in errors:
            if isinstance(error, dns.resolver.NoNameservers):
                raise ResolutionError(f"the name servers failed for {host} (SERVFAIL or refused)")
        for error in errors:
            if not isinstance(error, dns.exception.DNSException):
                raise error  # not an answer about the name: a bug to see, not a result to record
            raise ResolutionError(f"{host}: {type(error).__name__}: {error}")
        raise ResolutionError(f"{host} has no A or AAAA records")
