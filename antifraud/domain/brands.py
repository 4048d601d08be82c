"""Protected brands: official domains (allowlisted), keywords (searched for in other names),
official phone numbers (never blocked), and protected suffixes (every name under them is the brand's:
`gov.kz`, where only state bodies can register). Parsed from the brands file's data, validated once."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from antifraud.domain.errors import ConfigError, InvalidIndicator
from antifraud.domain.normalize import SuffixList, normalize_domain, normalize_phone


@dataclass(frozen=True, slots=True)
class Brand:
    name: str
    domains: tuple[str, ...]  # ASCII registrable domains
    keywords: tuple[str, ...]  # lower-case tokens
    phones: tuple[str, ...]  # E.164 (or short codes)
    suffixes: tuple[str, ...] = ()  # ASCII public suffixes whose every name belongs to the brand's owner


def _strings(entry: Mapping[str, Any], key: str, where: str) -> list[str]:
    value = entry.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{where}: '{key}' must be a list of strings")
    return value


def _protected_suffix(text: str, suffixes: SuffixList, where: str) -> str:
    """A public suffix that may be protected whole: a registry's closed zone such as `gov.kz` or `edu.kz`.

    A top-level domain (`kz`) or a hosting platform's suffix (`github.io`, anyone can open a tenant) can
    never be: protecting them would allowlist every fraudster registered under them.
    """
    value = text.strip().lower().removeprefix(".").removesuffix(".")
    split = suffixes.split(value) if value else None
    if split is None or split.suffix != value or split.label:
        raise ConfigError(
            f"{where}: suffix {text!r} is not a public suffix; list a registrable domain under 'domains' instead"
        )
    if "." not in value:
        raise ConfigError(f"{where}: suffix {text!r} is a top-level domain: anyone can register under it")
    if split.private:
        raise ConfigError(f"{where}: suffix {text!r} is a shared hosting platform: anyone can open a tenant on it")
    return value


def parse_brands(data: Mapping[str, Any], suffixes: SuffixList, source: str = "brands file") -> tuple[Brand, ...]:
    """Validate the `[[brand]]` tables of a brands file (see DESIGN.md and config/brands.toml for the format)."""
    tables = data.get("brand", [])
    if not isinstance(tables, list):
        raise ConfigError(f"{source}: expected [[brand]] tables")
    brands: list[Brand] = []
    seen: set[str] = set()
    for index, entry in enumerate(tables, start=1):
        where = f"{source}: brand #{index}"
        if not isinstance(entry, Mapping):
            raise ConfigError(f"{where} is not a table")
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            raise ConfigError(f"{where} has no name")
        where = f"{source}: brand {name!r}"
        unknown = set(entry) - {"name", "domains", "keywords", "phones", "suffixes"}
        if unknown:
            raise ConfigError(f"{where} has unknown keys: {', '.join(sorted(unknown))}")
        domains: list[str] = []
        for text in _strings(entry, "domains", where):
            try:
                domains.append(normalize_domain(text, suffixes).ascii)
            except InvalidIndicator as exc:
                hint = (
                    " (a whole public suffix such as gov.kz goes under 'suffixes')"
                    if "public suffix" in exc.message
                    else ""
                )
                raise ConfigError(f"{where}: domain {text!r}: {exc.message}{hint}") from exc
        phones: list[str] = []
        for text in _strings(entry, "phones", where):
            try:
                phones.append(normalize_phone(text).e164)
            except InvalidIndicator as exc:
                raise ConfigError(f"{where}: phone {text!r}: {exc.message}") from exc
        keywords = [k.strip().lower() for k in _strings(entry, "keywords", where) if k.strip()]
        protected = [_protected_suffix(s, suffixes, where) for s in _strings(entry, "suffixes", where)]
        if not domains and not keywords and not protected:
            raise ConfigError(f"{where} needs at least one domain, keyword or suffix")
        if name in seen:
            raise ConfigError(f"{where} is defined twice")
        seen.add(name)
        brands.append(
            Brand(
                name=name,
                domains=tuple(domains),
                keywords=tuple(keywords),
                phones=tuple(phones),
                suffixes=tuple(protected),
            )
        )
    return tuple(brands)
