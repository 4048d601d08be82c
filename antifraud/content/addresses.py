"""The address guard: which IP addresses the crawler may connect to.

The crawler fetches whatever fraudsters and reporters point it at, so every address it would
connect to is vetted first: loopback, private, link-local (cloud metadata at 169.254.169.254),
shared (carrier-grade NAT), multicast, reserved, unspecified, IPv6 unique-local and site-local
addresses are refused, and so are the IPv6 forms that carry an IPv4 address inside them
(IPv4-mapped, IPv4-compatible, 6to4, Teredo, NAT64) when that IPv4 address is internal.

The tables are spelled out here rather than taken from `ipaddress`' `is_global`, whose answers
changed between Python patch releases; `is_global` stays as a last net for anything they miss.
`allow_networks` (ANTIFRAUD_CRAWL_ALLOW_NETWORKS) exempts whole networks, for tests and labs only.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import TypeAlias

from antifraud.domain.errors import ConfigError

IPAddress: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network


class AddressKind(StrEnum):
    """Why an address is refused. A closed set, so it can label metrics and reasons."""

    LOOPBACK = "loopback"
    PRIVATE = "private"
    LINK_LOCAL = "link_local"
    SHARED = "shared"  # 100.64.0.0/10, carrier-grade NAT
    MULTICAST = "multicast"
    RESERVED = "reserved"
    UNSPECIFIED = "unspecified"
    DOCUMENTATION = "documentation"
    BENCHMARKING = "benchmarking"
    UNIQUE_LOCAL = "unique_local"
    SITE_LOCAL = "site_local"
    IPV4_MAPPED = "ipv4_mapped"
    IPV4_COMPATIBLE = "ipv4_compatible"
    EMBEDDED_IPV4 = "embedded_ipv4"  # 6to4, Teredo or NAT64 hiding an internal IPv4 address
    SCOPED = "scoped"  # an IPv6 address with a zone index names an interface of this machine
    INVALID = "invalid"


@dataclass(frozen=True, slots=True)
class Refusal:
    """An address the crawler must not connect to, and why, in words for the reasons list."""

    address: str
    kind: AddressKind
    reason: str


def _net(text: str) -> IPNetwork:
    return ipaddress.ip_network(text)


_IPV4_TABLE: tuple[tuple[IPNetwork, AddressKind, str], ...] = (
    (_net("0.0.0.0/8"), AddressKind.UNSPECIFIED, "'this network' (0.0.0.0/8 reaches the local host)"),
    (_net("10.0.0.0/8"), AddressKind.PRIVATE, "private (10.0.0.0/8)"),
    (_net("100.64.0.0/10"), AddressKind.SHARED, "shared carrier-grade NAT space (100.64.0.0/10)"),
    (_net("127.0.0.0/8"), AddressKind.LOOPBACK, "loopback (127.0.0.0/8)"),
    (_net("169.254.0.0/16"), AddressKind.LINK_LOCAL, "link-local (169.254.0.0/16, where cloud metadata lives)"),
    (_net("172.16.0.0/12"), AddressKind.PRIVATE, "private (172.16.0.0/12)"),
    (_net("192.0.0.0/24"), AddressKind.RESERVED, "reserved for IETF protocol assignments (192.0.0.0/24)"),
    (_net("192.0.2.0/24"), AddressKind.DOCUMENTATION, "documentation (192.0.2.0/24)"),
    (_net("192.88.99.0/24"), AddressKind.RESERVED, "the deprecated 6to4 relay anycast (192.88.99.0/24)"),
    (_net("192.168.0.0/16"), AddressKind.PRIVATE, "private (192.168.0.0/16)"),
    (_net("198.18.0.0/15"), AddressKind.BENCHMARKING, "benchmarking (198.18.0.0/15)"),
    (_net("198.51.100.0/24"), AddressKind.DOCUMENTATION, "documentation (198.51.100.0/24)"),
    (_net("203.0.113.0/24"), AddressKind.DOCUMENTATION, "documentation (203.0.113.0/24)"),
    (_net("224.0.0.0/4"), AddressKind.MULTICAST, "multicast (224.0.0.0/4)"),
    (_net("240.0.0.0/4"), AddressKind.RESERVED, "reserved (240.0.0.0/4, with the broadcast address)"),
)

_IPV6_TABLE: tuple[tuple[IPNetwork, AddressKind, str], ...] = (
    (_net("::/128"), AddressKind.UNSPECIFIED, "the unspecified address (::)"),
    (_net("::1/128"), AddressKind.LOOPBACK, "loopback (::1)"),
    (_net("100::/64"), AddressKind.RESERVED, "discard-only (100::/64)"),
    (_net("64:ff9b:1::/48"), AddressKind.PRIVATE, "local-use NAT64 (64:ff9b:1::/48)"),
    (_net("2001:2::/48"), AddressKind.BENCHMARKING, "benchmarking (2001:2::/48)"),
    (_net("2001:10::/28"), AddressKind.RESERVED, "ORCHID (2001:10::/28)"),
    (_net("2001:20::/28"), AddressKind.RESERVED, "ORCHIDv2 (2001:20::/28)"),
    (_net("2001:db8::/32"), AddressKind.DOCUMENTATION, "documentation (2001:db8::/32)"),
    (_net("3fff::/20"), AddressKind.DOCUMENTATION, "documentation (3fff::/20)"),
    (_net("fc00::/7"), AddressKind.UNIQUE_LOCAL, "unique-local (fc00::/7)"),
    (_net("fe80::/10"), AddressKind.LINK_LOCAL, "link-local (fe80::/10)"),
    (_net("fec0::/10"), AddressKind.SITE_LOCAL, "site-local (fec0::/10, deprecated)"),
    (_net("ff00::/8"), AddressKind.MULTICAST, "multicast (ff00::/8)"),
)

_IPV6_GLOBAL_UNICAST = _net("2000::/3")  # everything outside it is unassigned or special
_IPV4_MAPPED = _net("::ffff:0:0/96")
_IPV4_COMPATIBLE = _net("::/96")
_NAT64 = _net("64:ff9b::/96")
_SIX_TO_FOUR = _net("2002::/16")
_TEREDO = _net("2001::/32")


def parse_address(text: str) -> IPAddress:
    """An address as a resolver or a URL gives it; IPv6 may come in brackets."""
    return ipaddress.ip_address(text.strip().removeprefix("[").removesuffix("]"))


def _classify_v4(address: ipaddress.IPv4Address) -> tuple[AddressKind, str] | None:
    for network, kind, words in _IPV4_TABLE:
        if address in network:
            return kind, words
    if not address.is_global:
        return AddressKind.RESERVED, "not globally routable"
    return None


def _embedded(label: str, inner: ipaddress.IPv4Address) -> tuple[AddressKind, str] | None:
    hidden = _classify_v4(inner)
    if hidden is None:
        return None
    return AddressKind.EMBEDDED_IPV4, f"a {label} address hiding {inner}, which is {hidden[1]}"


def _classify_v6(address: ipaddress.IPv6Address) -> tuple[AddressKind, str] | None:
    if address.scope_id:
        return AddressKind.SCOPED, f"scoped to interface {address.scope_id!r} of this machine"
    if address in _IPV4_MAPPED:
        inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        # A mapped address is the IPv4 host itself; public sites never publish one in AAAA records.
        return AddressKind.IPV4_MAPPED, f"IPv4-mapped (it reaches {inner} over IPv4)"
    for network, kind, words in _IPV6_TABLE:
        if address in network:
            return kind, words
    if address in _IPV4_COMPATIBLE:
        inner = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        return AddressKind.IPV4_COMPATIBLE, f"IPv4-compatible (deprecated; it embeds {inner})"
    if address in _NAT64:
        return _embedded("NAT64", ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    if address in _SIX_TO_FOUR:
        return _embedded("6to4", ipaddress.IPv4Address((int(address) >> 80) & 0xFFFFFFFF))
    if address in _TEREDO:
        server, client = address.teredo or (ipaddress.IPv4Address(0), ipaddress.IPv4Address(0))
        return _embedded("Teredo", client) or _embedded("Teredo server", server)
    if address not in _IPV6_GLOBAL_UNICAST:
        return AddressKind.RESERVED, "outside IPv6 global unicast space (2000::/3)"
    if not address.is_global:
        return AddressKind.RESERVED, "not globally routable"
    return None


def classify(address: IPAddress) -> tuple[AddressKind, str] | None:
    """Why `address` is internal or special, or None when it is a public unicast address."""
    if isinstance(address, ipaddress.IPv4Address):
        return _classify_v4(address)
    return _classify_v6(address)


def parse_networks(texts: Iterable[str], source: str = "allow-networks") -> tuple[IPNetwork, ...]:
    """CIDRs such as '127.0.0.0/8' or '::1/128'. Raises ConfigError naming the bad one."""
    networks: list[IPNetwork] = []
    for text in texts:
        raw = text.strip()
        if not raw:
            continue
        try:
            networks.append(ipaddress.ip_network(raw, strict=False))
        except ValueError as exc:
            raise ConfigError(f"{source}: {raw!r} is not a network in CIDR form (like 127.0.0.0/8): {exc}") from exc
    return tuple(networks)


class AddressGuard:
    """Vets addresses before any connection. Pure: it looks at numbers, never at the network."""

    def __init__(self, allow_networks: Iterable[str | IPNetwork] = ()) -> None:
        self.allow_networks: tuple[IPNetwork, ...] = tuple(
            n if not isinstance(n, str) else parse_networks([n])[0] for n in allow_networks
        )

    def allowed_explicitly(self, address: IPAddress) -> bool:
        return any(address.version == n.version and address in n for n in self.allow_networks)

    def check(self, address: str | IPAddress) -> Refusal | None:
        """None if the crawler may connect to `address`, otherwise the refusal with its reason."""
        text = str(address)
        if isinstance(address, str):
            try:
                address = parse_address(address)
            except ValueError:
                return Refusal(text, AddressKind.INVALID, f"{text!r} is not an IP address")
        if self.allowed_explicitly(address):
            return None
        found = classify(address)
        if found is None:
            return None
        kind, words = found
        return Refusal(str(address), kind, f"{address} is {words}")

    def vet(self, addresses: Iterable[str]) -> tuple[tuple[str, ...], Refusal | None]:
        """All or nothing: a name with one internal address among public ones is refused whole,
        since which one a client ends up using is the attacker's choice, not ours."""
        vetted: list[str] = []
        for text in addresses:
            refusal = self.check(text)
            if refusal is not None:
                return (), refusal
            canonical = str(parse_address(text))
            if canonical not in vetted:
                vetted.append(canonical)
        return tuple(vetted), None
