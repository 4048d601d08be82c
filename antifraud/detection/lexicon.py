"""The scam lexicon: lure words, risky suffixes and shared platforms, parsed from `config/lexicon.toml`."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from antifraud.domain.errors import ConfigError


@dataclass(frozen=True, slots=True)
class Lexicon:
    lure: Mapping[str, str] = field(default_factory=dict)  # word -> theme (access, service, money, investment)
    risky_tlds: frozenset[str] = frozenset()
    free_hosting: frozenset[str] = frozenset()
    dynamic_dns: frozenset[str] = frozenset()
    shorteners: frozenset[str] = frozenset()

    def platform_of(self, registered: str, suffix: str) -> tuple[str, str] | None:
        """(kind, platform) when the name sits on a shared platform: ('free hosting', 'github.io')."""
        for candidate in (suffix, registered):
            if candidate in self.free_hosting:
                return "free hosting", candidate
            if candidate in self.dynamic_dns:
                return "dynamic DNS", candidate
            if candidate in self.shorteners:
                return "URL shortener", candidate
        return None


def _words(data: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = data.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: {key} must be a list of non-empty strings")
    return [v.strip().lower() for v in value]


def parse_lexicon(data: Mapping[str, Any], source: str = "lexicon") -> Lexicon:
    lure_section = data.get("lure", {})
    if not isinstance(lure_section, Mapping):
        raise ConfigError(f"{source}: [lure] must be a table of word lists")
    lure: dict[str, str] = {}
    for theme in lure_section:
        for word in _words(lure_section, theme, f"{source} [lure]"):
            lure.setdefault(word, theme)
    platforms = data.get("platforms", {})
    return Lexicon(
        lure=lure,
        risky_tlds=frozenset(_words(data.get("tld", {}), "risky", f"{source} [tld]")),
        free_hosting=frozenset(_words(platforms, "free_hosting", f"{source} [platforms]")),
        dynamic_dns=frozenset(_words(platforms, "dynamic_dns", f"{source} [platforms]")),
        shorteners=frozenset(_words(platforms, "shorteners", f"{source} [platforms]")),
    )
