"""DNS observations into signals: bad hosting ranges, free or parking name servers, fast flux,
wildcards. Pure: the lexicon is data handed in (see `load_dns_lexicon`), the history is a list."""

from __future__ import annotations

import ipaddress
import itertools
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Signal
from workers.dns.model import DnsObservation, Outcome

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@dataclass(frozen=True, slots=True)
class BadNetwork:
    network: Network
    label: str


@dataclass(frozen=True, slots=True)
class FastFlux:
    min_addresses: int = 5
    max_ttl: int = 300
    min_networks: int = 3
    min_distinct_over_history: int = 8
    min_changed_probes: int = 2
    history_probes: int = 10


@dataclass(frozen=True, slots=True)
class DnsWeights:
    bad_hosting: int = 35
    free_dns: int = 10
    parking: int = 10
    fast_flux: int = 40
    wildcard: int = 5


@dataclass(frozen=True, slots=True)
class DnsLexicon:
    bad_networks: tuple[BadNetwork, ...] = ()
    free_dns: tuple[str, ...] = ()
    parking: tuple[str, ...] = ()
    fast_flux: FastFlux = field(default_factory=FastFlux)
    weights: DnsWeights = field(default_factory=DnsWeights)


def _domains(section: Mapping[str, Any], where: str) -> tuple[str, ...]:
    values = section.get("nameservers", [])
    if not isinstance(values, list) or not all(isinstance(v, str) and v.strip() for v in values):
        raise ConfigError(f"{where}.nameservers must be a list of domain names")
    return tuple(sorted({v.strip().lower().rstrip(".") for v in values}))


def _ints(cls: type[Any], section: Mapping[str, Any], where: str) -> Any:
    known = set(cls.__dataclass_fields__)
    unknown = set(section) - known
    if unknown:
        raise ConfigError(f"{where}: unknown keys {sorted(unknown)}; known: {sorted(known)}")
    for key, value in section.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < 0:
            raise ConfigError(f"{where}.{key} must be a whole number >= 0, not {value!r}")
    return cls(**section)


def lexicon_from_mapping(data: Mapping[str, Any]) -> DnsLexicon:
    """Build the lexicon from parsed TOML; every mistake names its key."""
    networks = []
    for i, item in enumerate(data.get("bad_hosting", [])):
        where = f"bad_hosting[{i}]"
        if not isinstance(item, Mapping) or "network" not in item:
            raise ConfigError(f"{where} needs a 'network' (CIDR) and a 'label'")
        try:
            network = ipaddress.ip_network(str(item["network"]), strict=False)
        except ValueError as exc:
            raise ConfigError(f"{where}.network {item['network']!r} is not a CIDR network: {exc}") from exc
        networks.append(BadNetwork(network, str(item.get("label") or network)))
    return DnsLexicon(
        bad_networks=tuple(networks),
        free_dns=_domains(data.get("free_dns", {}), "free_dns"),
        parking=_domains(data.get("parking", {}), "parking"),
        fast_flux=_ints(FastFlux, data.get("fast_flux", {}), "fast_flux"),
        weights=_ints(DnsWeights, data.get("weights", {}), "weights"),
    )


def _under(host: str, domains: Iterable[str]) -> str | None:
    host = host.lower().rstrip(".")
    for domain in domains:
        if host == domain or host.endswith("." + domain):
            return domain
    return None


def _network_of(address: str) -> str:
    ip = ipaddress.ip_address(address)
    prefix = 16 if ip.version == 4 else 48
    return str(ipaddress.ip_network(f"{ip}/{prefix}", strict=False))


def _mx_host(record: str) -> str:
    return record.rsplit(maxsplit=1)[-1]  # "10 mx.example.kz." -> the exchange


def bad_hosting(observation: DnsObservation, lexicon: DnsLexicon) -> Signal | None:
    hits = []
    for address in observation.addresses:
        ip = ipaddress.ip_address(address)
        for bad in lexicon.bad_networks:
            if ip.version == bad.network.version and ip in bad.network:
                hits.append(f"{address} in {bad.network} ({bad.label})")
                break
    if not hits:
        return None
    shown = "; ".join(hits[:3]) + (f"; and {len(hits) - 3} more" if len(hits) > 3 else "")
    return Signal("dns_bad_hosting", lexicon.weights.bad_hosting, f"resolves into bad hosting: {shown}")


def free_dns(observation: DnsObservation, lexicon: DnsLexicon) -> Signal | None:
    for ns in observation.records("NS"):
        provider = _under(ns, lexicon.free_dns)
        if provider is not None:
            detail = f"{observation.zone} is served by free DNS name server {ns.rstrip('.')} ({provider})"
            return Signal("dns_free_nameservers", lexicon.weights.free_dns, detail)
    return None


def parking(observation: DnsObservation, lexicon: DnsLexicon) -> Signal | None:
    candidates = [("name server", ns) for ns in observation.records("NS")]
    candidates += [("CNAME target", target) for target in observation.cname_chain]
    candidates += [("mail exchanger", _mx_host(mx)) for mx in observation.records("MX")]
    for role, host in candidates:
        service = _under(host, lexicon.parking)
        if service is not None:
            detail = f"{observation.zone} is parked: {role} {host.rstrip('.')} belongs to {service}"
            return Signal("dns_parked", lexicon.weights.parking, detail)
    return None


def fast_flux(observation: DnsObservation, history: Sequence[DnsObservation], lexicon: DnsLexicon) -> Signal | None:
    rules = lexicon.fast_flux
    ttl = observation.address_ttl
    if observation.outcome is not Outcome.ANSWER or ttl is None or ttl > rules.max_ttl:
        return None  # long TTLs defeat the purpose of flux: caches would pin one address
    recent = [h for h in history if h.name == observation.name and h.outcome is Outcome.ANSWER]
    recent = recent[-rules.history_probes :]
    answers = [frozenset(h.addresses) for h in recent] + [frozenset(observation.addresses)]
    seen = frozenset().union(*answers)
    networks = {_network_of(a) for a in seen}
    if len(networks) < rules.min_networks:
        return None  # many addresses in one or two networks: a CDN or a load balancer
    current = len(observation.addresses)
    changed = sum(1 for before, after in itertools.pairwise(answers) if before != after)
    if current >= rules.min_addresses:
        detail = (
            f"{current} addresses in {len({_network_of(a) for a in observation.addresses})} networks with TTL {ttl}s"
        )
    elif len(seen) >= rules.min_distinct_over_history and changed >= rules.min_changed_probes:
        detail = (
            f"answers changed in {changed} of {len(answers) - 1} probes: {len(seen)} addresses "
            f"in {len(networks)} networks, TTL {ttl}s"
        )
    else:
        return None
    return Signal("dns_fast_flux", lexicon.weights.fast_flux, f"fast-flux DNS: {detail}")


def wildcard(observation: DnsObservation, lexicon: DnsLexicon) -> Signal | None:
    if observation.wildcard_detected:
        detail = f"wildcard DNS: any name under {observation.zone} resolves"
        return Signal("dns_wildcard", lexicon.weights.wildcard, detail)
    return None


def dns_signals(
    observation: DnsObservation, history: Sequence[DnsObservation], lexicon: DnsLexicon
) -> tuple[Signal, ...]:
    """The signals of one probe, given earlier probes of the same name (oldest first)."""
    found = (
        bad_hosting(observation, lexicon),
        fast_flux(observation, history, lexicon),
        free_dns(observation, lexicon),
        parking(observation, lexicon),
        wildcard(observation, lexicon),
    )
    return tuple(s for s in found if s is not None and s.weight > 0)
