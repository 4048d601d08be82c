"""What the zone server serves and to whom: zones (a filter over the list), SOA timers, consumers.

Plain values, checked when built, so a bad setting fails at start with a message naming it.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from dataclasses import dataclass, field

import dns.name
import dns.tsig

from antifraud.domain.model import Category, DecisionOrigin, ListEntry
from blocklists.errors import BlocklistError

DEFAULT_ZONE = "rpz.antifraud."
LOOPBACK = ("127.0.0.0/8", "::1/128")
IpNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


class ZoneConfigError(BlocklistError):
    code = "zone_config"


def absolute_name(text: str, what: str) -> dns.name.Name:
    try:
        name = dns.name.from_text(text)
    except dns.exception.DNSException as exc:
        raise ZoneConfigError(f"{what} {text!r} is not a domain name: {exc}") from exc
    if not text.endswith("."):
        raise ZoneConfigError(f"{what} {text!r} must be absolute (end in '.')")
    return name


@dataclass(frozen=True, slots=True)
class SoaTimers:
    """The SOA of every zone. A short refresh is a safety net behind NOTIFY, never the main path."""

    ttl: int = 300  # of every record, and the SOA minimum (negative caching)
    refresh: int = 3600
    retry: int = 60
    expire: int = 604800
    primary: str = "ns.antifraud."
    contact: str = "hostmaster.antifraud."

    def __post_init__(self) -> None:
        for name in ("ttl", "refresh", "retry", "expire"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 2**31 - 1:
                raise ZoneConfigError(f"SOA {name} {value!r} is not a number of seconds in 0..2147483647")
        absolute_name(self.primary, "SOA primary")
        absolute_name(self.contact, "SOA contact")


@dataclass(frozen=True, slots=True)
class ZoneSpec:
    """One zone built from the domains list: every entry, or those of some categories or origins.

    `walled_garden` names a host (e.g. `warning.example.`) that listed names are rewritten to, so users
    land on a page saying why; without it they get NXDOMAIN (`CNAME .`)."""

    name: str = DEFAULT_ZONE
    categories: frozenset[Category] | None = None
    origins: frozenset[DecisionOrigin] | None = None
    walled_garden: str | None = None

    def __post_init__(self) -> None:
        absolute_name(self.name, "zone name")
        if self.walled_garden is not None:
            absolute_name(self.walled_garden, f"zone {self.name} walled_garden")
        if self.categories is not None and not self.categories:
            raise ZoneConfigError(f"zone {self.name}: an empty category filter would serve nothing")
        if self.origins is not None and not self.origins:
            raise ZoneConfigError(f"zone {self.name}: an empty origin filter would serve nothing")

    @property
    def origin(self) -> dns.name.Name:
        return dns.name.from_text(self.name)

    @property
    def target(self) -> dns.name.Name:
        return dns.name.root if self.walled_garden is None else dns.name.from_text(self.walled_garden)

    def admits(self, entry: ListEntry) -> bool:
        return (self.categories is None or entry.category in self.categories) and (
            self.origins is None or entry.origin in self.origins
        )


@dataclass(frozen=True, slots=True)
class Consumer:
    """A secondary allowed to transfer: from `networks` (any address when empty), signing with one of
    `keys` (unsigned when empty). Several keys let a consumer move to a new key without a gap."""

    name: str
    networks: tuple[IpNetwork, ...] = ()
    keys: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if not self.networks and not self.keys:
            raise ZoneConfigError(f"consumer {self.name!r} needs networks, keys or both: it would allow anyone")

    def allows(self, address: ipaddress.IPv4Address | ipaddress.IPv6Address, key: str | None) -> bool:
        in_networks = not self.networks or any(address in net for net in self.networks)
        return in_networks and (not self.keys or key in self.keys)


@dataclass(frozen=True, slots=True)
class Access:
    """Who may query and transfer the zones. Loopback is allowed unsigned unless `allow_loopback` is off."""

    consumers: tuple[Consumer, ...] = ()
    keyring: Mapping[str, dns.tsig.Key] = field(default_factory=dict, repr=False)  # by absolute key name
    allow_loopback: bool = True

    def __post_init__(self) -> None:
        for consumer in self.consumers:
            unknown = {k for k in consumer.keys if k not in self.keyring}
            if unknown:
                raise ZoneConfigError(
                    f"consumer {consumer.name!r} names TSIG keys with no secret: {', '.join(sorted(unknown))}"
                )

    def allows(self, address: str, key: str | None) -> bool:
        try:
            ip = ipaddress.ip_address(address.split("%", 1)[0])
        except ValueError:
            return False
        if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        if self.allow_loopback and key is None and ip.is_loopback:
            return True
        return any(c.allows(ip, key) for c in self.consumers)


def consumer(name: str, networks: tuple[str, ...] = (), keys: tuple[str, ...] = ()) -> Consumer:
    """A Consumer from text: CIDRs and key names (made absolute, as dnspython names keys)."""
    nets = []
    for text in networks:
        try:
            nets.append(ipaddress.ip_network(text, strict=False))
        except ValueError as exc:
            raise ZoneConfigError(f"consumer {name!r}: {text!r} is not a CIDR network") from exc
    return Consumer(name, tuple(nets), frozenset(key_name(k) for k in keys))


def key_name(text: str) -> str:
    return absolute_name(text if text.endswith(".") else text + ".", "TSIG key name").to_text()


def tsig_key(name: str, secret: str, algorithm: str = "hmac-sha256") -> dns.tsig.Key:
    """A TSIG key from its name and base64 secret. hmac-sha256 unless told otherwise (RFC 8945 6)."""
    import base64  # noqa: PLC0415 - only here
    import binascii  # noqa: PLC0415

    if algorithm not in {"hmac-sha256", "hmac-sha384", "hmac-sha512"}:
        raise ZoneConfigError(f"TSIG key {name!r}: algorithm {algorithm!r} is not one of hmac-sha256/384/512")
    try:
        raw = base64.b64decode(secret, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise ZoneConfigError(f"TSIG key {name!r}: the secret is not base64") from exc
    if len(raw) < 16:
        raise ZoneConfigError(
            f"TSIG key {name!r}: the secret is {len(raw)} bytes; use at least 16 (tsig-keygen gives 32)"
        )
    return dns.tsig.Key(key_name(name), raw, algorithm + ".")


@dataclass(frozen=True, slots=True)
class ServerConfig:
    """Everything the zone server needs besides its data source and its sockets."""

    zones: tuple[ZoneSpec, ...] = (ZoneSpec(),)
    timers: SoaTimers = field(default_factory=SoaTimers)
    access: Access = field(default_factory=Access)
    notify: tuple[tuple[str, int], ...] = ()
    journal_versions: int = 1000  # IXFR answers this many versions back; older serials get an AXFR

    def __post_init__(self) -> None:
        names = [z.origin for z in self.zones]
        if not names:
            raise ZoneConfigError("the zone server needs at least one zone")
        if len(set(names)) != len(names):
            raise ZoneConfigError("two zones have the same name")
        if self.journal_versions < 1:
            raise ZoneConfigError("journal_versions must be at least 1")
