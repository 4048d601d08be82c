"""The content lexicon: lure vocabulary, brand spellings and messenger links, validated once.

Parsed from the data of `config/content_lexicon.toml` (read by antifraud.adapters.content_lexicon).
Terms compile to one regular expression per group, so a page costs one scan per group.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category

MAX_WEIGHT = 100


def fold(text: str) -> str:
    """The form text is matched in: lower case, Cyrillic yo as ye, every run of whitespace one space."""
    return " ".join(text.lower().replace("\u0451", "\u0435").split())


def term_pattern(term: str) -> str:
    """A term as a regular expression: words at word starts, `*` as any ending, a lone `*` as any word."""
    words = fold(term).split(" ")
    parts: list[str] = []
    for word in words:
        if word == "*":
            parts.append(r"\S+")
        elif word.endswith("*"):
            parts.append(re.escape(word[:-1]) + r"\w*")
        else:
            parts.append(re.escape(word) + r"(?!\w)")
    return r"(?<!\w)" + r"\s".join(parts)


@dataclass(frozen=True, slots=True)
class LureGroup:
    name: str
    category: Category
    weight: int
    says: str  # how a reason reads: "the page promises guaranteed returns"
    pattern: re.Pattern[str]

    def matches(self, folded_text: str, limit: int = 5) -> tuple[str, ...]:
        """Distinct phrases of this group found in folded text, first ones first."""
        found: list[str] = []
        for match in self.pattern.finditer(folded_text):
            phrase = match.group(0)
            if phrase not in found:
                found.append(phrase)
                if len(found) >= limit:
                    break
        return tuple(found)


@dataclass(frozen=True, slots=True)
class ContentLexicon:
    lures: tuple[LureGroup, ...] = ()
    brand_names: Mapping[str, tuple[str, ...]] = field(default_factory=dict)  # brand name -> other spellings
    messenger_hosts: Mapping[str, str] = field(default_factory=dict)  # host -> messenger
    messenger_schemes: Mapping[str, str] = field(default_factory=dict)  # URL scheme -> messenger
    # What a crypto-exchange page says (rates, P2P, "обмен USDT"): an illegal exchange off the registry.
    exchange: LureGroup | None = None


def _strings(value: object, where: str) -> list[str]:
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise ConfigError(f"{where} must be a list of non-empty strings")
    return [v.strip() for v in value]


def _lure(entry: object, index: int, source: str) -> LureGroup:
    where = f"{source}: [[lure]] #{index}"
    if not isinstance(entry, Mapping):
        raise ConfigError(f"{where} is not a table")
    unknown = set(entry) - {"name", "category", "weight", "says", "terms", "patterns"}
    if unknown:
        raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
    name = entry.get("name")
    if not isinstance(name, str) or not re.fullmatch(r"[a-z][a-z0-9_]*", name):
        raise ConfigError(f"{where}: 'name' must be a snake_case identifier")
    where = f"{source}: lure {name!r}"
    try:
        category = Category(str(entry.get("category")))
    except ValueError as exc:
        known = ", ".join(c.value for c in Category)
        raise ConfigError(f"{where}: category {entry.get('category')!r} is not one of {known}") from exc
    weight = entry.get("weight")
    if not isinstance(weight, int) or isinstance(weight, bool) or not 0 <= weight <= MAX_WEIGHT:
        raise ConfigError(f"{where}: 'weight' must be a whole number from 0 to {MAX_WEIGHT}")
    says = entry.get("says")
    if not isinstance(says, str) or not says.strip():
        raise ConfigError(f"{where}: 'says' must tell in words what the page does")
    terms = _strings(entry.get("terms", []), f"{where}: 'terms'")
    patterns = _strings(entry.get("patterns", []), f"{where}: 'patterns'")
    if not terms and not patterns:
        raise ConfigError(f"{where} has neither terms nor patterns")
    alternatives = [term_pattern(t) for t in terms]
    for pattern in patterns:
        try:
            re.compile(pattern)
        except re.error as exc:
            raise ConfigError(f"{where}: pattern {pattern!r} is not a valid regular expression: {exc}") from exc
        alternatives.append(f"(?:{pattern})")
    # Longer alternatives first, so the phrase reported is the most specific one.
    alternatives.sort(key=len, reverse=True)
    return LureGroup(name, category, weight, says.strip(), re.compile("|".join(alternatives)))


def parse_content_lexicon(data: Mapping[str, Any], source: str = "content lexicon") -> ContentLexicon:
    unknown = set(data) - {"lure", "brand_names", "messengers", "exchange"}
    if unknown:
        raise ConfigError(f"{source} has unknown sections: {', '.join(sorted(unknown))}")
    tables = data.get("lure", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{source}: expected [[lure]] tables")
    lures = [_lure(entry, i, source) for i, entry in enumerate(tables, start=1)]
    names = [g.name for g in lures]
    duplicates = sorted({n for n in names if names.count(n) > 1})
    if duplicates:
        raise ConfigError(f"{source}: lure groups defined twice: {', '.join(duplicates)}")
    brand_table = data.get("brand_names", {})
    if not isinstance(brand_table, Mapping):
        raise ConfigError(f"{source}: [brand_names] must be a table of brand name = [spellings]")
    brand_names = {
        brand: tuple(fold(s) for s in _strings(spellings, f"{source}: brand_names.{brand!r}"))
        for brand, spellings in brand_table.items()
    }
    messengers = data.get("messengers", {})
    if not isinstance(messengers, Mapping) or set(messengers) - {"hosts", "schemes"}:
        raise ConfigError(f"{source}: [messengers] may hold only [messengers.hosts] and [messengers.schemes]")
    tables_of: dict[str, dict[str, str]] = {}
    for key in ("hosts", "schemes"):
        table = messengers.get(key, {})
        if not isinstance(table, Mapping) or not all(isinstance(v, str) and v for v in table.values()):
            raise ConfigError(f"{source}: [messengers.{key}] must map names to a messenger name")
        tables_of[key] = {k.lower(): v for k, v in table.items()}
    exchange_table = data.get("exchange")
    exchange = None
    if exchange_table is not None:
        if not isinstance(exchange_table, Mapping):
            raise ConfigError(f"{source}: [exchange] must be a table with 'weight', 'says' and 'terms'")
        exchange = _lure({"name": "crypto_exchange", "category": "illegal_exchange", **exchange_table}, 0, source)
    return ContentLexicon(
        exchange=exchange,
        lures=tuple(lures),
        brand_names=brand_names,
        messenger_hosts=tables_of["hosts"],
        messenger_schemes=tables_of["schemes"],
    )
