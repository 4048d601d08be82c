"""Feed parsers: text in, normalized and deduplicated items out. Pure: no I/O, no clock.

A bad line never sinks a feed: it is rejected with its line number and reason, and the rest is kept.
"""

from __future__ import annotations

import csv
import ipaddress
import json
from collections.abc import Iterable, Iterator
from typing import Any

from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import IndicatorType
from antifraud.domain.normalize import SuffixList, normalize_domain, normalize_url
from antifraud.feeds.model import FeedFormat, FeedFormatError, FeedItem, FeedSource, ParsedFeed, Rejected

URLHAUS_COLUMNS = ("id", "dateadded", "url", "url_status", "last_online", "threat", "tags", "urlhaus_link", "reporter")
_COMMENTS = ("#", ";", "//", "!")
MAX_REJECTED_KEPT = 1000  # enough to see what is wrong with a feed, bounded for a feed of junk


class _Collector:
    def __init__(self, source: FeedSource) -> None:
        self.source = source
        self.items: dict[tuple[IndicatorType, str], FeedItem] = {}
        self.rejected: list[Rejected] = []
        self.rejected_count = 0
        self.duplicates = 0

    def add(self, item: FeedItem) -> None:
        if item.key in self.items:
            self.duplicates += 1
        else:
            self.items[item.key] = item

    def reject(self, line: int, text: str, reason: str) -> None:
        self.rejected_count += 1
        if len(self.rejected) < MAX_REJECTED_KEPT:
            self.rejected.append(Rejected(line, text[:200], reason))

    def result(self) -> ParsedFeed:
        return ParsedFeed(tuple(self.items.values()), tuple(self.rejected), self.duplicates)


def _lines(text: str) -> Iterator[tuple[int, str]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if line and not line.startswith(_COMMENTS):
            yield number, line


def _url_item(collector: _Collector, number: int, text: str, labels: list[str], suffixes: SuffixList) -> None:
    source = collector.source
    try:
        url = normalize_url(text, suffixes)
    except InvalidIndicator as exc:
        collector.reject(number, text, exc.message)
        return
    collector.add(FeedItem(IndicatorType.URL, url.url, source.category_for(labels), source.name, source.trust))


def _domain_item(collector: _Collector, number: int, text: str, suffixes: SuffixList) -> None:
    source = collector.source
    try:
        name = normalize_domain(text, suffixes)
    except InvalidIndicator as exc:
        collector.reject(number, text, exc.message)
        return
    collector.add(FeedItem(IndicatorType.DOMAIN, name.ascii, source.category, source.name, source.trust))


def _header(comment: str) -> tuple[str, ...] | None:
    """URLhaus names its columns in a comment line: `# id,dateadded,url,...`."""
    fields = [f.strip().lower() for f in comment.lstrip("#").split(",")]
    return tuple(fields) if "url" in fields and len(fields) > 1 else None


def parse_urlhaus_csv(text: str, source: FeedSource, suffixes: SuffixList) -> ParsedFeed:
    collector = _Collector(source)
    columns: tuple[str, ...] = URLHAUS_COLUMNS
    data: list[tuple[int, str]] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip()
        if not line:
            continue
        if line.startswith("#"):
            columns = _header(line) or columns
            continue
        data.append((number, line))
    url_at = columns.index("url")
    # Tags before the threat: "kaspi" says more than "phishing" when the mapping knows both.
    labels_at = [columns.index(c) for c in ("tags", "threat") if c in columns]
    for number, line in data:
        # One reader per line: an unbalanced quote must cost that line, not swallow the next ones.
        row = next(csv.reader([line]), [])
        if len(row) <= url_at:
            collector.reject(number, line, f"expected at least {url_at + 1} columns, found {len(row)}")
            continue
        labels = [label for i in labels_at if i < len(row) for label in row[i].split(",") if label.strip()]
        _url_item(collector, number, row[url_at].strip(), labels, suffixes)
    return collector.result()


def parse_url_list(text: str, source: FeedSource, suffixes: SuffixList) -> ParsedFeed:
    collector = _Collector(source)
    for number, line in _lines(text):
        _url_item(collector, number, line.split()[0], [], suffixes)
    return collector.result()


def _is_ip(text: str) -> bool:
    try:
        ipaddress.ip_address(text)
    except ValueError:
        return False
    return True


def parse_host_list(text: str, source: FeedSource, suffixes: SuffixList) -> ParsedFeed:
    collector = _Collector(source)
    for number, line in _lines(text):
        fields = line.split("#", 1)[0].split()
        if not fields:
            continue
        # hosts-file form: "0.0.0.0 name [name...]"
        hosts = fields[1:] if len(fields) >= 2 and _is_ip(fields[0]) else fields[:1]
        for host in hosts:
            if host not in {"localhost", "localhost.localdomain", "broadcasthost"}:
                _domain_item(collector, number, host, suffixes)
    return collector.result()


def parse_new_domains(text: str, source: FeedSource, suffixes: SuffixList) -> ParsedFeed:
    """One domain a line; extra columns (registration date, registrar) after a comma, tab or space."""
    collector = _Collector(source)
    for number, line in _lines(text):
        first = line.replace("\t", ",").replace(" ", ",").split(",", 1)[0].strip().strip('"')
        if first.lower() in {"domain", "domain_name", "name"}:
            continue  # a CSV header
        _domain_item(collector, number, first, suffixes)
    return collector.result()


def parse_feed(text: str, source: FeedSource, suffixes: SuffixList) -> ParsedFeed:
    parsers = {
        FeedFormat.URLHAUS_CSV: parse_urlhaus_csv,
        FeedFormat.URL_LIST: parse_url_list,
        FeedFormat.HOST_LIST: parse_host_list,
        FeedFormat.NEW_DOMAINS: parse_new_domains,
    }
    parser = parsers.get(source.format)
    if parser is None:
        raise FeedFormatError(f"feed {source.name!r} ({source.format}) is a stream, not a document to parse")
    return parser(text, source, suffixes)


def certstream_names(message: str | bytes) -> tuple[str, ...]:
    """The names in one CertStream message: `certificate_update` -> data.leaf_cert.all_domains.

    Heartbeats and other message types yield nothing. Wildcard names (`*.x.kz`) become `x.kz`.
    """
    try:
        data: Any = json.loads(message)
    except (ValueError, UnicodeDecodeError) as exc:
        raise FeedFormatError(f"a CertStream message is not JSON: {exc}") from exc
    if not isinstance(data, dict) or data.get("message_type") != "certificate_update":
        return ()
    try:
        domains = data["data"]["leaf_cert"]["all_domains"]
    except (KeyError, TypeError) as exc:
        raise FeedFormatError(f"a certificate_update without data.leaf_cert.all_domains: missing {exc}") from exc
    if not isinstance(domains, list):
        raise FeedFormatError("data.leaf_cert.all_domains of a certificate_update is not a list")
    return tuple(_unique(_strip_wildcard(d) for d in domains if isinstance(d, str)))


def _strip_wildcard(name: str) -> str:
    name = name.strip().lower().rstrip(".")
    while name.startswith("*."):
        name = name[2:]
    return name


def _unique(names: Iterable[str]) -> Iterator[str]:
    seen: set[str] = set()
    for name in names:
        if name and name not in seen:
            seen.add(name)
            yield name
