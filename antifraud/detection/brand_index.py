"""The brand index, built once from the brands file: what is official, which tokens to look for.

Two kinds of brand tokens:
- *search tokens* are looked for inside other names (combosquats, subdomain abuse): the brands'
  keywords, plus official labels that contain a keyword (`microsoftonline` holds `microsoft`), so the
  longest official spelling is consumed first and `online` is not mistaken for a lure;
- *label tokens* are compared with a whole label (TLD swap, typos, homoglyphs): the keywords and the
  distinctive official labels (five letters or more: `post` or `live` alone would match half the web).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

from antifraud.detection.text import trie_pattern
from antifraud.detection.typos import MIN_FUZZY_TOKEN, Edit, classify, max_edits
from antifraud.domain.brands import Brand

MIN_SEARCH_TOKEN = 3  # a two-letter keyword would be found in almost every name
SHORT_SEARCH_TOKEN = 4  # tokens this short count inside a label only next to its edge, a hyphen or a digit
MIN_OFFICIAL_LABEL_TOKEN = 5


@dataclass(frozen=True, slots=True)
class BrandToken:
    token: str
    brand: Brand


@dataclass(frozen=True, slots=True)
class TokenMatch:
    token: BrandToken
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class FuzzyMatch:
    token: BrandToken
    candidate: str
    edits: tuple[Edit, ...]

    @property
    def typical(self) -> bool:
        return all(e.typical for e in self.edits)

    @property
    def rank(self) -> tuple[bool, int, str]:
        """Better matches sort first: typical edits, fewer edits, then the token (for determinism)."""
        return (not self.typical, len(self.edits), self.token.token)


def is_bank(brand: Brand) -> bool:
    """Whether impersonating this brand is bank impersonation (the category analysts and gateways use)."""
    return "bank" in brand.name.lower() or any("bank" in k for k in brand.keywords)


class BrandIndex:
    def __init__(self, brands: Sequence[Brand]) -> None:
        self.brands = tuple(brands)
        self.official: dict[str, Brand] = {d: b for b in self.brands for d in b.domains}
        self.phones: dict[str, Brand] = {p: b for b in self.brands for p in b.phones}
        self.search_tokens: dict[str, BrandToken] = {}
        self.label_tokens: dict[str, BrandToken] = {}
        for brand in self.brands:
            keywords = [k.replace(".", "") for k in brand.keywords]
            for keyword in keywords:
                if len(keyword) >= MIN_SEARCH_TOKEN:
                    self.search_tokens.setdefault(keyword, BrandToken(keyword, brand))
                self.label_tokens.setdefault(keyword, BrandToken(keyword, brand))
            for domain in brand.domains:
                label = domain.split(".", 1)[0]
                if any(k in label for k in keywords if len(k) >= MIN_SEARCH_TOKEN):
                    self.search_tokens.setdefault(label, BrandToken(label, brand))
                if len(label) >= MIN_OFFICIAL_LABEL_TOKEN or label in self.search_tokens:
                    self.label_tokens.setdefault(label, BrandToken(label, brand))
        self._search = trie_pattern(self.search_tokens)
        official = sorted(self.official, key=lambda d: (-len(d), d))
        self._official_pattern = re.compile("|".join(map(re.escape, official))) if official else None
        self._fuzzy_index()

    def official_brand(self, ascii_name: str) -> Brand | None:
        """The brand owning this name: one of its official domains or any name below one."""
        official = self.official
        brand = official.get(ascii_name)
        dot = ascii_name.find(".")
        while brand is None and dot >= 0:
            brand = official.get(ascii_name[dot + 1 :])
            dot = ascii_name.find(".", dot + 1)
        return brand

    def search(self, text: str) -> list[TokenMatch]:
        """Brand tokens inside `text`, longest first; short tokens only next to an edge, hyphen, dot or digit."""
        if self._search is None:
            return []
        found: list[TokenMatch] = []
        for m in self._search.finditer(text):
            start, end = m.span()
            if end - start <= SHORT_SEARCH_TOKEN and not (_edge(text, start - 1) or _edge(text, end)):
                continue
            found.append(TokenMatch(self.search_tokens[m.group()], start, end))
        found.sort(key=lambda t: (t.start - t.end, t.start))
        return found

    def embedded_official(self, ascii_name: str, subdomain_length: int) -> tuple[str, Brand] | None:
        """An official domain written into the left of an unrelated name.

        `kaspi.kz.verify-login.com` (inside the subdomains) and `paypal.com-secure.email` (the `com-`
        trick: glued to the next label with a hyphen). `amazon.com.au` is not one: there the official
        name's labels run into the suffix, which makes it another registered domain (a TLD swap).
        """
        if self._official_pattern is None:
            return None
        for m in self._official_pattern.finditer(ascii_name):
            start, end = m.span()
            if start > 0 and ascii_name[start - 1] not in ".-":
                continue
            if end <= subdomain_length or (end < len(ascii_name) and ascii_name[end] != "."):
                return m.group(), self.official[m.group()]
        return None

    def fuzzy(self, candidate: str) -> FuzzyMatch | None:
        """The closest label token within its typo budget, preferring typical edits, then fewer edits."""
        n = len(candidate)
        index = self._near
        found = (
            index.get((candidate[:2], n), ())
            + index.get((candidate[:3], n), ())
            + index.get((candidate[-2:] + "$", n), ())
            + index.get((candidate[-3:] + "$", n), ())
            + self._two_edit.get(n, ())
        )
        if not found:
            return None
        best: FuzzyMatch | None = None
        distance = Levenshtein.distance
        for token in found:
            # The C distance first: most head-or-tail neighbours are far, and need no edit analysis.
            # (+1: an adjacent transposition is two Levenshtein edits but one slip.)
            limit = self._budgets[token] + 1
            if token == candidate or distance(candidate, token, score_cutoff=limit) > limit:
                continue
            edits = classify(candidate, token)
            if edits is None:
                continue
            match = FuzzyMatch(self.label_tokens[token], candidate, tuple(edits))
            if best is None or match.rank < best.rank:
                best = match
        return best

    def _fuzzy_index(self) -> None:
        """Where a candidate's typo may come from, by its head, its tail and its length.

        One edit leaves the first k or the last k letters of a token in place (an edit before
        position k leaves the tail, any other the head), with k = 3 for tokens of seven letters or
        more and 2 for shorter ones; so a candidate is compared only with the few tokens sharing its
        head or tail, and most names cost four dictionary look-ups. Two-edit tokens are long and
        few; they are compared by length alone.
        """
        self._near: dict[tuple[str, int], tuple[str, ...]] = {}
        self._budgets = {t: max_edits(t) for t in self.label_tokens}
        self._two_edit: dict[int, tuple[str, ...]] = {}
        for token in sorted(t for t in self.label_tokens if len(t) >= MIN_FUZZY_TOKEN):
            budget = max_edits(token)
            k = 3 if len(token) >= 7 else 2
            for n in range(len(token) - budget, len(token) + budget + 1):
                if budget > 1:
                    self._two_edit[n] = (*self._two_edit.get(n, ()), token)
                    continue
                for key in ((token[:k], n), (token[-k:] + "$", n)):
                    self._near[key] = (*self._near.get(key, ()), token)


def _edge(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalpha()
