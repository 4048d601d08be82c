"""The registry of licensed crypto exchanges: a page that runs an exchange anywhere else is suspect.

Kazakhstan licenses digital-asset exchanges in the AIFC (Astana International Financial Centre); an
exchange page (rates, P2P, "обмен USDT") on a site outside that list is an illegal exchange until an
analyst says otherwise. Data, parsed from `config/exchanges.toml` and validated once.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from antifraud.domain.errors import ConfigError, InvalidIndicator
from antifraud.domain.normalize import SuffixList, normalize_domain


@dataclass(frozen=True, slots=True)
class Exchange:
    name: str
    domains: tuple[str, ...]  # ASCII registrable domains; their subdomains are the exchange's too


@dataclass(frozen=True, slots=True)
class ExchangeRegistry:
    exchanges: tuple[Exchange, ...] = ()

    def licensed(self, host: str) -> Exchange | None:
        """The licensed exchange a host belongs to (its domain or a name below it), if any."""
        host = host.lower().rstrip(".")
        for exchange in self.exchanges:
            for domain in exchange.domains:
                if host == domain or host.endswith("." + domain):
                    return exchange
        return None


def parse_exchanges(data: Mapping[str, Any], suffixes: SuffixList, source: str = "exchanges file") -> ExchangeRegistry:
    """Validate the `[[exchange]]` tables (name, domains) of an exchanges file."""
    unknown = set(data) - {"exchange"}
    if unknown:
        raise ConfigError(f"{source} has unknown sections: {', '.join(sorted(unknown))}")
    tables = data.get("exchange", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{source}: expected [[exchange]] tables")
    found: list[Exchange] = []
    for index, entry in enumerate(tables, start=1):
        where = f"{source}: exchange #{index}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} is not a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where} has no name")
        where = f"{source}: exchange {name!r}"
        if set(entry) - {"name", "domains"}:
            raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(set(entry) - {'name', 'domains'}))}")
        domains = entry.get("domains")
        if not isinstance(domains, list) or not domains or not all(isinstance(d, str) for d in domains):
            raise ConfigError(f"{where}: 'domains' must be a non-empty list of domain names")
        normalized: list[str] = []
        for text in domains:
            try:
                name_ = normalize_domain(text, suffixes)
            except InvalidIndicator as exc:
                raise ConfigError(f"{where}: domain {text!r}: {exc.message}") from exc
            if name_.subdomain:
                raise ConfigError(f"{where}: {text!r} is a host under {name_.registered}; list the registrable domain")
            normalized.append(name_.ascii)
        found.append(Exchange(name.strip(), tuple(normalized)))
    return ExchangeRegistry(tuple(found))
