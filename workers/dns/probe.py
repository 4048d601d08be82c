"""DNS probes with dnspython's async resolver: A/AAAA (with the CNAME chain), MX, NS of the zone,
and a random label under the zone to detect wildcards. Every lookup ends in a distinct `Outcome`.

The resolver is built here, once, from `ip[:port]` strings (ANTIFRAUD_NAMESERVERS); without them it
reads the system's configuration. It keeps no cache: the point of probing twice is to see change.
"""

from __future__ import annotations

import asyncio
import ipaddress
import secrets
from collections.abc import Callable, Sequence

import dns.asyncresolver
import dns.exception
import dns.name
import dns.nameserver
import dns.rdatatype
import dns.resolver

from antifraud.domain.errors import ConfigError
from antifraud.ports import Clock
from workers.dns.model import DnsObservation, Lookup, Outcome

PROBED_TYPES = ("A", "AAAA", "MX")


def parse_nameserver(text: str) -> dns.nameserver.Do53Nameserver:
    """`ip`, `ip:port`, `[ipv6]:port` or a bare IPv6 address."""
    raw = text.strip()
    host, port = raw, 53
    if raw.startswith("["):
        host, _, rest = raw[1:].partition("]")
        if rest:
            if not rest.startswith(":"):
                raise ConfigError(f"name server {text!r}: expected [address]:port")
            port_text = rest[1:]
            if not port_text.isdigit():
                raise ConfigError(f"name server {text!r}: port {port_text!r} is not a number")
            port = int(port_text)
    elif raw.count(":") == 1:
        host, port_text = raw.split(":")
        if not port_text.isdigit():
            raise ConfigError(f"name server {text!r}: port {port_text!r} is not a number")
        port = int(port_text)
    try:
        address = ipaddress.ip_address(host)
    except ValueError as exc:
        raise ConfigError(f"name server {text!r}: {host!r} is not an IP address") from exc
    if not 0 < port < 65536:
        raise ConfigError(f"name server {text!r}: port {port} is out of range")
    return dns.nameserver.Do53Nameserver(str(address), port)


def build_resolver(
    nameservers: Sequence[str] = (), *, timeout: float = 2.0, lifetime: float = 5.0
) -> dns.asyncresolver.Resolver:
    if nameservers:
        resolver = dns.asyncresolver.Resolver(configure=False)
        resolver.nameservers = [parse_nameserver(s) for s in nameservers]
    else:
        resolver = dns.asyncresolver.Resolver()  # the system's resolv.conf
    resolver.cache = None
    resolver.timeout = timeout  # per server and try
    resolver.lifetime = lifetime  # per lookup, all tries included
    resolver.retry_servfail = False  # SERVFAIL is an answer to record, not a glitch to retry away
    return resolver


def _no_nameservers(exc: dns.resolver.NoNameservers) -> tuple[Outcome, str]:
    errors = exc.kwargs.get("errors") or []
    rcodes = [e[3] for e in errors if isinstance(e[3], str)]
    if "SERVFAIL" in rcodes:
        return Outcome.SERVFAIL, "the name servers answered SERVFAIL"
    if "REFUSED" in rcodes:
        return Outcome.REFUSED, "the name servers refused the query"
    if rcodes:
        return Outcome.ERROR, f"the name servers answered {', '.join(sorted(set(rcodes)))}"
    shown = "; ".join(f"{e[0]}: {e[3]}" for e in errors[:3]) or "no usable name server"
    return Outcome.ERROR, shown


def _flat(name: dns.name.Name) -> str:
    return name.to_text(omit_final_dot=True).lower()


class DnsProber:
    def __init__(
        self,
        resolver: dns.asyncresolver.Resolver,
        clock: Clock,
        random_label: Callable[[], str] = lambda: "af-" + secrets.token_hex(8),
    ) -> None:
        self.resolver = resolver
        self.clock = clock
        self.random_label = random_label

    async def lookup(self, name: str, rdtype: str) -> Lookup:
        try:
            answer = await self.resolver.resolve(name, rdtype, raise_on_no_answer=False, search=False)
        except dns.resolver.NXDOMAIN:
            return Lookup(rdtype, Outcome.NXDOMAIN, detail=f"{name} does not exist (NXDOMAIN)")
        except dns.resolver.NoNameservers as exc:
            outcome, detail = _no_nameservers(exc)
            return Lookup(rdtype, outcome, detail=detail)
        except dns.resolver.LifetimeTimeout:
            return Lookup(rdtype, Outcome.TIMEOUT, detail=f"no answer within {self.resolver.lifetime:g}s")
        except dns.exception.Timeout:
            return Lookup(rdtype, Outcome.TIMEOUT, detail="the query timed out")
        except dns.exception.DNSException as exc:
            return Lookup(rdtype, Outcome.ERROR, detail=f"{type(exc).__name__}: {exc}")
        chain = answer.chaining_result
        cnames = tuple(_flat(rrset[0].target) for rrset in chain.cnames)
        if answer.rrset is None:
            return Lookup(rdtype, Outcome.NODATA, cnames=cnames, detail=f"{name} has no {rdtype} records")
        records = tuple(sorted(rdata.to_text() for rdata in answer.rrset))
        return Lookup(rdtype, Outcome.ANSWER, records=records, ttl=chain.minimum_ttl, cnames=cnames)

    async def probe(self, name: str, zone: str | None = None) -> DnsObservation:
        """Probe `name`; `zone` is its registered domain (where NS and the wildcard are asked)."""
        name = name.lower().rstrip(".")
        zone = (zone or name).lower().rstrip(".")
        observed_at = self.clock.now()
        lookups = await asyncio.gather(
            *(self.lookup(name, rdtype) for rdtype in PROBED_TYPES),
            self.lookup(zone, "NS"),
            self.lookup(f"{self.random_label()}.{zone}", "A"),
        )
        return DnsObservation(
            name=name,
            zone=zone,
            observed_at=observed_at,
            lookups=tuple(lookups[:-1]),
            wildcard=lookups[-1],
        )
