"""DNS probes: lookups with distinct outcomes, probe history, and the signals they support."""

from workers.dns.model import DnsObservation, Lookup, Outcome, Registration
from workers.dns.probe import DnsProber, build_resolver, parse_nameserver
from workers.dns.signals import DnsLexicon, dns_signals, lexicon_from_mapping

__all__ = [
    "DnsLexicon",
    "DnsObservation",
    "DnsProber",
    "Lookup",
    "Outcome",
    "Registration",
    "build_resolver",
    "dns_signals",
    "lexicon_from_mapping",
    "parse_nameserver",
]
