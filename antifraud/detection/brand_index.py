"""The brand index, built once from the brands file: what names are official, which tokens to look for."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import process
from rapidfuzz.distance import OSA

from antifraud.domain.brands import Brand

MIN_SUBSTRING_TOKEN = 3  # shorter keywords match inside too many honest names
MIN_EMBEDDED_TOKEN = 4  # a 3-letter keyword counts only next to a hyphen, digit, dot or the label's edge
MIN_FUZZY_TOKEN = 5  # below this, one edit turns a brand into ordinary words


@dataclass(frozen=True, slots=True)
class BrandToken:
    token: str
    brand: Brand


class BrandIndex:
    def __init__(self, brands: Sequence[Brand]) -> None:
        self.brands = tuple(brands)
        self.official: dict[str, Brand] = {d: b for b in self.brands for d in b.domains}
        self.phones: dict[str, Brand] = {p: b for b in self.brands for p in b.phones}
        # Tokens searched for inside names: the brands' keywords.
        self.substring_tokens: dict[str, BrandToken] = {}
        # Tokens compared whole (exact, homoglyph, typo): keywords and distinctive official labels.
        self.label_tokens: dict[str, BrandToken] = {}
        for brand in self.brands:
            for keyword in brand.keywords:
                token = keyword.replace("-", "").replace(".", "")
                if len(token) >= MIN_SUBSTRING_TOKEN:
                    self.substring_tokens.setdefault(token, BrandToken(token, brand))
                self.label_tokens.setdefault(token, BrandToken(token, brand))
            for domain in brand.domains:
                label = domain.split(".", 1)[0].replace("-", "")
                if len(label) >= MIN_FUZZY_TOKEN + 1 or label in self.label_tokens:
                    self.label_tokens.setdefault(label, BrandToken(label, brand))
        ordered = sorted(self.substring_tokens, key=lambda t: (-len(t), t))
        self.substring_pattern = re.compile("|".join(map(re.escape, ordered))) if ordered else None
        official = sorted(self.official, key=lambda d: (-len(d), d))
        self.official_pattern = re.compile("|".join(map(re.escape, official))) if official else None
        self._fuzzy = sorted(t for t in self.label_tokens if len(t) >= MIN_FUZZY_TOKEN)
        self._min_len = min((len(t) for t in self._fuzzy), default=0)
        self._max_len = max((len(t) for t in self._fuzzy), default=0)

    def official_brand(self, ascii_name: str) -> Brand | None:
        """The brand owning this name: an official domain or any name below one."""
        labels = ascii_name.split(".")
        for i in range(len(labels) - 1):
            brand = self.official.get(".".join(labels[i:]))
            if brand is not None:
                return brand
        return None

    def fuzzy_candidates(self, text: str) -> list[tuple[str, int]]:
        """Tokens within two edits of `text` (optimal string alignment), with their distance."""
        if not self._fuzzy or not self._min_len - 2 <= len(text) <= self._max_len + 2:
            return []
        found = process.extract(text, self._fuzzy, scorer=OSA.distance, score_cutoff=2, limit=8)
        return [(token, int(distance)) for token, distance, _ in found]
