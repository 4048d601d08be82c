"""The public suffix list from tldextract's bundled snapshot: offline, never downloaded."""

from __future__ import annotations

import tldextract

from antifraud.domain.normalize import SuffixSplit


class BundledSuffixList:
    """tldextract over its bundled list, private part included (hosting platforms split per tenant)."""

    def __init__(self) -> None:
        # suffix_list_urls=() and cache_dir=None: use the snapshot shipped in the package, write nothing.
        self._extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

    def split(self, ascii_name: str) -> SuffixSplit:
        result = self._extract(ascii_name)
        return SuffixSplit(
            subdomain=result.subdomain,
            label=result.domain,
            suffix=result.suffix,
            private=bool(result.is_private),
        )
