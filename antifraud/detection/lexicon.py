"""The scam lexicon: lure words, risky suffixes, shared platforms, transliteration and number-plan hints.

Data, not code: it is parsed from `config/lexicon.toml` (see antifraud.adapters.detection_config) and
validated here, once, with errors that name the offending key. Everything is optional so an empty
`Lexicon()` is a valid (if less perceptive) configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category


class Strength(StrEnum):
    """How much a lure word adds next to a brand: `strong` words (login, bonus) are what phishing pages
    promise; `weak` ones (support, online) also fill honest names."""

    STRONG = "strong"
    WEAK = "weak"


@dataclass(frozen=True, slots=True)
class Lure:
    word: str  # ASCII, lower case (Cyrillic entries are stored transliterated)
    theme: str  # e.g. "account access", "money", "investment"
    strength: Strength
    category: Category | None  # the scheme this theme points to, if any


class PlatformKind(StrEnum):
    FREE_HOSTING = "free hosting"
    DYNAMIC_DNS = "dynamic DNS"
    SHORTENER = "URL shortener"


@dataclass(frozen=True, slots=True)
class Lexicon:
    lures: Mapping[str, Lure] = field(default_factory=dict)
    risky_suffixes: frozenset[str] = frozenset()
    platforms: Mapping[str, PlatformKind] = field(default_factory=dict)
    # Cyrillic (Russian and Kazakh) letters to Latin, as Kazakh names are usually romanised.
    transliteration: Mapping[str, str] = field(default_factory=dict)
    # Digits read as letters in names (`kasp1`), beyond Unicode's own 0/o and 1/l: digit -> letters.
    lookalikes: Mapping[str, tuple[str, ...]] = field(default_factory=dict)
    # ISO regions whose numbers are typical of wangiri (one-ring call-back) campaigns.
    wangiri_regions: frozenset[str] = frozenset()
    # Dictionary words (ASCII): a typo that is a word, or an official label that is one, weighs less.
    words: frozenset[str] = frozenset()
    # Long-established, widely used registrable domains: a lookalike match on one never blocks by itself.
    popular_domains: frozenset[str] = frozenset()

    def platform_of(self, registered: str, suffix: str) -> tuple[PlatformKind, str] | None:
        """The shared platform a name sits on: its suffix (tenant hosts) or its registered domain."""
        for candidate in (suffix, registered):
            kind = self.platforms.get(candidate)
            if kind is not None:
                return kind, candidate
        return None

    def transliterate(self, text: str) -> str:
        table = self.transliteration
        return "".join(table.get(ch, ch) for ch in text)


def _words(section: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = section.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of non-empty strings")
    return [v.strip().lower() for v in value]


def _table(data: Mapping[str, Any], key: str, where: str) -> Mapping[str, Any]:
    value = data.get(key, {})
    if not isinstance(value, Mapping):
        raise ConfigError(f"{where}: [{key}] must be a table")
    return value


def _transliteration(data: Mapping[str, Any], source: str) -> dict[str, str]:
    table: dict[str, str] = {}
    for letter, latin in _table(data, "transliteration", source).items():
        valid = len(letter) == 1 and isinstance(latin, str) and latin.isascii() and (latin.isalpha() or not latin)
        if not valid:
            raise ConfigError(
                f'{source}: [transliteration] maps one letter to ASCII letters ("zh"); got {letter!r} = {latin!r}'
            )
        table[letter.lower()] = latin.lower()
    return table


def _lookalikes(data: Mapping[str, Any], source: str) -> dict[str, tuple[str, ...]]:
    table: dict[str, tuple[str, ...]] = {}
    for char, letters in _table(data, "lookalikes", source).items():
        valid = (
            len(char) == 1
            and isinstance(letters, list)
            and letters
            and all(isinstance(x, str) and len(x) == 1 and x.isascii() and x.isalpha() for x in letters)
        )
        if not valid:
            raise ConfigError(
                f'{source}: [lookalikes] maps one character to a list of letters ("1" = ["i", "l"]); got {char!r}'
            )
        table[char] = tuple(x.lower() for x in letters)
    return table


def _lures(data: Mapping[str, Any], translit: Mapping[str, str], source: str) -> dict[str, Lure]:
    lures: dict[str, Lure] = {}
    for theme, section in _table(data, "lure", source).items():
        where = f"{source}: [lure.{theme}]"
        if not isinstance(section, Mapping):
            raise ConfigError(f"{where} must be a table with 'strength' and 'words'")
        unknown = set(section) - {"strength", "category", "words"}
        if unknown:
            raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
        try:
            strength = Strength(section.get("strength", "weak"))
        except ValueError as exc:
            raise ConfigError(f"{where}: strength must be 'strong' or 'weak'") from exc
        category: Category | None = None
        if "category" in section:
            try:
                category = Category(section["category"])
            except ValueError as exc:
                known = ", ".join(c.value for c in Category)
                raise ConfigError(f"{where}: unknown category {section['category']!r} (known: {known})") from exc
        for word in _words(section, "words", where):
            ascii_word = word if word.isascii() else "".join(translit.get(ch, ch) for ch in word)
            if not ascii_word.isascii() or not ascii_word.replace("-", "").isalnum():
                raise ConfigError(f"{where}: {word!r} must be letters and digits (Cyrillic needs [transliteration])")
            lures.setdefault(ascii_word, Lure(ascii_word, theme, strength, category))
    return lures


def parse_word_list(text: str) -> frozenset[str]:
    """One entry a line, lower-cased; blank lines and `#` comments skipped."""
    return frozenset(
        entry for line in text.splitlines() if (entry := line.split("#", 1)[0].strip().lower().removesuffix("."))
    )


def parse_lexicon(
    data: Mapping[str, Any],
    source: str = "lexicon",
    *,
    words: frozenset[str] = frozenset(),
    popular_domains: frozenset[str] = frozenset(),
) -> Lexicon:
    """Validate a lexicon document (the parsed `config/lexicon.toml`). Its `[files]` table names the word
    and popularity lists, which the adapter reads and passes in as `words` and `popular_domains`."""
    unknown = set(data) - {"lure", "suffixes", "platforms", "transliteration", "lookalikes", "phones", "files"}
    if unknown:
        raise ConfigError(f"{source} has unknown sections: {', '.join(sorted(unknown))}")
    translit = _transliteration(data, source)
    platforms: dict[str, PlatformKind] = {}
    platform_section = _table(data, "platforms", source)
    for key, kind in (
        ("free_hosting", PlatformKind.FREE_HOSTING),
        ("dynamic_dns", PlatformKind.DYNAMIC_DNS),
        ("shorteners", PlatformKind.SHORTENER),
    ):
        for domain in _words(platform_section, key, f"{source}: [platforms]"):
            platforms.setdefault(domain.removeprefix("."), kind)
    phones = _table(data, "phones", source)
    regions = _words(phones, "wangiri_regions", f"{source}: [phones]")
    if any(len(r) != 2 or not r.isalpha() for r in regions):
        raise ConfigError(f"{source}: [phones] wangiri_regions must be two-letter ISO region codes")
    return Lexicon(
        lures=_lures(data, translit, source),
        risky_suffixes=frozenset(
            s.removeprefix(".") for s in _words(_table(data, "suffixes", source), "risky", source)
        ),
        platforms=platforms,
        transliteration=translit,
        lookalikes=_lookalikes(data, source),
        wangiri_regions=frozenset(r.upper() for r in regions),
        words=words,
        popular_domains=popular_domains,
    )
