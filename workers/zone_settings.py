"""The zone server's configuration from the center's settings ([dns_server] and the environment)."""

from __future__ import annotations

from antifraud.domain.model import Category, DecisionOrigin
from antifraud.settings import DnsServerSettings
from blocklists.zone.config import Access, ServerConfig, SoaTimers, ZoneSpec, consumer, tsig_key


def server_config(settings: DnsServerSettings) -> ServerConfig:
    keys = {name: tsig_key(name, secret, algorithm) for name, (algorithm, secret) in settings.tsig_keys.items()}
    return ServerConfig(
        zones=tuple(
            ZoneSpec(
                z.name,
                frozenset(Category(c) for c in z.categories) or None,
                frozenset(DecisionOrigin(o) for o in z.origins) or None,
                z.walled_garden or None,
            )
            for z in settings.zones
        ),
        timers=SoaTimers(
            settings.ttl, settings.refresh, settings.retry, settings.expire, settings.primary, settings.contact
        ),
        access=Access(
            tuple(consumer(c.name, c.networks, c.keys) for c in settings.consumers),
            {key.name.to_text(): key for key in keys.values()},
            settings.allow_loopback,
        ),
        notify=settings.notify,
        journal_versions=settings.journal_versions,
    )
