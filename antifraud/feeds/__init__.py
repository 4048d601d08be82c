"""Feeds: sources with trust levels and category mappings, and parsers that turn their content into
normalized, deduplicated items. Pure code; the pollers and the CertStream client live in `workers.feeds`."""

from antifraud.feeds.model import (
    FeedFormat,
    FeedFormatError,
    FeedItem,
    FeedSource,
    ParsedFeed,
    Rejected,
    source_from_mapping,
    sources_from_mapping,
)
from antifraud.feeds.parsers import (
    certstream_names,
    parse_feed,
    parse_host_list,
    parse_new_domains,
    parse_url_list,
    parse_urlhaus_csv,
)

__all__ = [
    "FeedFormat",
    "FeedFormatError",
    "FeedItem",
    "FeedSource",
    "ParsedFeed",
    "Rejected",
    "certstream_names",
    "parse_feed",
    "parse_host_list",
    "parse_new_domains",
    "parse_url_list",
    "parse_urlhaus_csv",
    "source_from_mapping",
    "sources_from_mapping",
]
