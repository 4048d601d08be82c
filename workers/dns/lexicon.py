"""Reading the DNS lexicon file (config/dns_lexicon.toml): the I/O edge of `workers.dns.signals`."""

from __future__ import annotations

import tomllib
from pathlib import Path

from antifraud.domain.errors import ConfigError
from workers.dns.signals import DnsLexicon, lexicon_from_mapping

DEFAULT_DNS_LEXICON = Path(__file__).resolve().parents[2] / "config" / "dns_lexicon.toml"


def load_dns_lexicon(path: Path = DEFAULT_DNS_LEXICON) -> DnsLexicon:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the DNS lexicon {path}: {exc.strerror or exc}") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"the DNS lexicon {path} is not valid TOML: {exc}") from exc
    try:
        return lexicon_from_mapping(data)
    except ConfigError as exc:
        raise ConfigError(f"{path}: {exc.message}") from exc
