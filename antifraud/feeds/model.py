"""Feed sources and the items they yield. A source has a format, a trust level and a mapping from
its own labels (URLhaus threats and tags) to the center's categories."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from antifraud.domain.errors import AntifraudError, ConfigError
from antifraud.domain.model import Category, IndicatorType

_NAME = re.compile(r"^[a-z0-9][a-z0-9_.-]{0,63}$")
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class FeedFormat(StrEnum):
    URLHAUS_CSV = "urlhaus_csv"  # abuse.ch URLhaus CSV dump: comment header, quoted fields
    URL_LIST = "url_list"  # one URL a line (OpenPhish, PhishTank's plain export)
    HOST_LIST = "host_list"  # one host a line, or hosts-file lines ("0.0.0.0 name")
    NEW_DOMAINS = "new_domains"  # newly registered domains, one a line, optional extra columns
    CERTSTREAM = "certstream"  # certificate transparency messages over a websocket


class FeedFormatError(AntifraudError):
    """A feed's content cannot be read at all (as opposed to single bad lines, which are skipped)."""

    code = "feed_format"


@dataclass(frozen=True, slots=True)
class FeedSource:
    name: str
    format: FeedFormat
    url: str
    trust: int  # 0-100: how far the center believes this source on its own
    category: Category  # for items the mapping does not place
    categories: Mapping[str, Category] = field(default_factory=dict)  # source label -> category
    interval_seconds: float = 900.0
    max_bytes: int = DEFAULT_MAX_BYTES

    def category_for(self, labels: list[str]) -> Category:
        """The first of the source's labels that the mapping knows, else the source's default."""
        for label in labels:
            mapped = self.categories.get(label.strip().lower())
            if mapped is not None:
                return mapped
        return self.category


@dataclass(frozen=True, slots=True)
class FeedItem:
    type: IndicatorType
    value: str  # normalized: an ASCII host name, or a URL with an ASCII host
    category: Category
    source: str
    trust: int

    @property
    def key(self) -> tuple[IndicatorType, str]:
        return self.type, self.value

    def to_json(self) -> dict[str, Any]:
        return {
            "type": self.type.value,
            "value": self.value,
            "category": self.category.value,
            "source": self.source,
            "trust": self.trust,
        }

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> FeedItem:
        try:
            return cls(
                type=IndicatorType(data["type"]),
                value=str(data["value"]),
                category=Category(data["category"]),
                source=str(data["source"]),
                trust=int(data["trust"]),
            )
        except (KeyError, ValueError, TypeError) as exc:
            raise FeedFormatError(f"not a feed item: {dict(data)!r} ({exc})") from exc


@dataclass(frozen=True, slots=True)
class Rejected:
    line: int
    text: str
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedFeed:
    items: tuple[FeedItem, ...]
    rejected: tuple[Rejected, ...] = ()
    duplicates: int = 0


def _category(value: object, where: str) -> Category:
    try:
        return Category(str(value))
    except ValueError:
        known = ", ".join(c.value for c in Category)
        raise ConfigError(f"{where}: unknown category {value!r}; use one of {known}") from None


def source_from_mapping(data: Mapping[str, Any], where: str = "feed") -> FeedSource:
    """One `[[feed]]` table of the settings; every mistake names its key."""
    name = str(data.get("name", ""))
    if not _NAME.match(name):
        raise ConfigError(f"{where}.name {name!r} must be 1-64 lower-case letters, digits, '_', '.', '-'")
    where = f"feed {name!r}"
    try:
        fmt = FeedFormat(str(data.get("format", "")))
    except ValueError:
        known = ", ".join(f.value for f in FeedFormat)
        raise ConfigError(f"{where}: format {data.get('format')!r} is not one of {known}") from None
    url = str(data.get("url", ""))
    schemes = ("ws://", "wss://") if fmt is FeedFormat.CERTSTREAM else ("http://", "https://")
    if not url.startswith(schemes):
        raise ConfigError(f"{where}: url {url!r} must start with {' or '.join(schemes)}")
    trust = data.get("trust", 50)
    if not isinstance(trust, int) or isinstance(trust, bool) or not 0 <= trust <= 100:
        raise ConfigError(f"{where}: trust must be a whole number from 0 to 100, not {trust!r}")
    mapping = data.get("categories", {})
    if not isinstance(mapping, Mapping):
        raise ConfigError(f"{where}: categories must be a table of source label = category")
    interval = data.get("interval_seconds", 900)
    if not isinstance(interval, int | float) or interval < 10:
        raise ConfigError(f"{where}: interval_seconds must be at least 10, not {interval!r}")
    max_bytes = data.get("max_bytes", DEFAULT_MAX_BYTES)
    if not isinstance(max_bytes, int) or max_bytes < 1024:
        raise ConfigError(f"{where}: max_bytes must be at least 1024, not {max_bytes!r}")
    return FeedSource(
        name=name,
        format=fmt,
        url=url,
        trust=trust,
        category=_category(data.get("category", "other"), f"{where}.category"),
        categories={str(k).lower(): _category(v, f"{where}.categories.{k}") for k, v in mapping.items()},
        interval_seconds=float(interval),
        max_bytes=max_bytes,
    )


def sources_from_mapping(data: Mapping[str, Any]) -> tuple[FeedSource, ...]:
    """All `[[feed]]` tables; names must be unique (they label the items and the metrics)."""
    tables = data.get("feed", [])
    if not isinstance(tables, list):
        raise ConfigError("feed must be an array of tables: [[feed]]")
    sources = tuple(source_from_mapping(t, f"feed[{i}]") for i, t in enumerate(tables))
    names = [s.name for s in sources]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise ConfigError(f"feed names must be unique; repeated: {', '.join(duplicated)}")
    return sources
