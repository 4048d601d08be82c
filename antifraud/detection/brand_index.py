"""The brand index, built once from the brands file: what is official, which tokens to look for.

Two kinds of brand tokens:
- *search tokens* are looked for inside other names (combosquats, subdomain abuse): the brands'
  keywords, and the labels of their official domains (`forte` of forte.kz), so nobody has to repeat
  a domain under `keywords`. A label the brands file did not vouch for as a keyword is *strict* when
  it is short or an everyday word: it counts only as a whole part of a name or next to a lure word
  (`forte-pay`, `fortebonus`, not `fortepiano`); an official label that is a lure word itself
  (`post` of post.kz) is no token at all;
- *label tokens* are compared with a whole label (TLD swap, typos, homoglyphs): the keywords and the
  official labels of four letters or more. A typo of an everyday word (`f0rte`) counts only under the
  brand's own country suffix (.kz): elsewhere it is most likely a word of that country.

Typos are found in two ways: the permutation index (every one-slip variant of every label token,
see variants.py) answers in one dict look-up; tokens of seven letters or more also get an edit
distance within their budget, for the slips no list enumerates (two edits, atypical replacements).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein
from rapidfuzz.process import extract

from antifraud.detection.text import trie_pattern
from antifraud.detection.typos import Edit, classify, max_edits
from antifraud.detection.variants import MIN_VARIANT, Variant, build_index
from antifraud.domain.brands import Brand

MIN_SEARCH_TOKEN = 3  # a two-letter keyword would be found in almost every name
SHORT_SEARCH_TOKEN = 4  # tokens this short count inside a label only next to its edge, a hyphen or a digit
STRICT_LABEL_TOKEN = 6  # official labels this short (not keywords) count only as a whole part or next to a lure
MIN_LABEL_TOKEN = 4
MIN_DISTANCE_TOKEN = 7  # shorter tokens are covered entirely by the permutation index
TWO_EDITS = 2


@dataclass(frozen=True, slots=True)
class BrandToken:
    token: str
    brand: Brand
    strict: bool = False  # only as a whole part of a label or next to a lure word
    word: bool = False  # an everyday word (dictionary): weaker evidence, no typo variants


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
    def visual(self) -> bool:
        return all(e.kind == "visual" for e in self.edits)

    @property
    def rank(self) -> tuple[bool, int, bool, int, str]:
        """Better matches sort first: typical edits, fewer edits, lookalikes, longer tokens (`fobtebank` is
        fortebank, not forte), then the token (for determinism)."""
        return (not self.typical, len(self.edits), not self.visual, -len(self.token.token), self.token.token)


def is_bank(brand: Brand) -> bool:
    """Whether impersonating this brand is bank impersonation (the category analysts and gateways use)."""
    return "bank" in brand.name.lower() or any("bank" in k for k in brand.keywords)


class BrandIndex:
    def __init__(
        self, brands: Sequence[Brand], words: AbstractSet[str] = frozenset(), lures: AbstractSet[str] = frozenset()
    ) -> None:
        self.brands = tuple(brands)
        self.words = words
        self.official: dict[str, Brand] = {d: b for b in self.brands for d in b.domains}
        self.protected_suffixes: dict[str, Brand] = {s: b for b in self.brands for s in b.suffixes}
        self.phones: dict[str, Brand] = {p: b for b in self.brands for p in b.phones}
        self.search_tokens: dict[str, BrandToken] = {}
        self.label_tokens: dict[str, BrandToken] = {}
        for brand in self.brands:
            keywords = [k.replace(".", "") for k in brand.keywords]
            for keyword in keywords:
                if len(keyword) >= MIN_SEARCH_TOKEN:
                    self.search_tokens.setdefault(keyword, BrandToken(keyword, brand))
                self.label_tokens.setdefault(keyword, BrandToken(keyword, brand))
            for suffix in brand.suffixes:  # `gov-kz.com`, `govkz-portal.top`
                joined = suffix.replace(".", "")
                self.search_tokens.setdefault(joined, BrandToken(joined, brand))
                self.label_tokens.setdefault(joined, BrandToken(joined, brand))
            for domain in brand.domains:
                self._official_label(domain.split(".", 1)[0].replace("-", ""), brand, keywords, lures)
        self.countries: dict[Brand, frozenset[str]] = {
            b: frozenset(t for d in (*b.domains, *b.suffixes) if len(t := d[d.rfind(".") + 1 :]) == 2)
            for b in self.brands
        }
        self._search = trie_pattern(self.search_tokens)
        official = sorted({*self.official, *self.protected_suffixes}, key=lambda d: (-len(d), d))
        self._official_pattern = re.compile("|".join(map(re.escape, official))) if official else None
        labels = {d.split(".", 1)[0] for d in self.official}
        fuzzed = [t for t in self.label_tokens if len(t) >= MIN_VARIANT]
        self.variants: dict[str, Variant] = build_index(fuzzed, reserved=labels)
        self._fuzzy_index()

    def _official_label(self, label: str, brand: Brand, keywords: list[str], lures: AbstractSet[str]) -> None:
        if label in self.search_tokens:
            self.label_tokens.setdefault(label, self.search_tokens[label])
            return
        if any(k in label for k in keywords if len(k) >= MIN_SEARCH_TOKEN):
            # `microsoftonline` holds `microsoft`: the longest official spelling is consumed first,
            # so `online` is not mistaken for a lure.
            token = BrandToken(label, brand)
        elif len(label) < MIN_SEARCH_TOKEN:
            return
        elif label in lures:  # `post` of post.kz: compared whole (p0st.kz), never searched for inside names
            if len(label) >= MIN_LABEL_TOKEN:
                self.label_tokens.setdefault(label, BrandToken(label, brand, strict=True, word=True))
            return
        else:
            word = label in self.words
            token = BrandToken(label, brand, strict=word or len(label) <= STRICT_LABEL_TOKEN, word=word)
        self.search_tokens.setdefault(label, token)
        if len(label) >= MIN_LABEL_TOKEN:
            self.label_tokens.setdefault(label, token)

    def protection(self, ascii_name: str) -> tuple[str, Brand] | None:
        """(official domain or protected suffix, brand) owning this name: the name itself or any name below."""
        official, suffixes = self.official, self.protected_suffixes
        name = ascii_name
        while True:
            brand = official.get(name) or suffixes.get(name)
            if brand is not None:
                return name, brand
            dot = name.find(".")
            if dot < 0:
                return None
            name = name[dot + 1 :]

    def official_brand(self, ascii_name: str) -> Brand | None:
        """The brand owning this name: one of its official domains or protected suffixes, or a name below one."""
        found = self.protection(ascii_name)
        return found[1] if found is not None else None

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
        """An official domain (or protected suffix) written into the left of an unrelated name.

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
                found = m.group()
                return found, self.official.get(found) or self.protected_suffixes[found]
        return None

    def fuzzy(self, candidate: str) -> FuzzyMatch | None:
        """The closest label token: a one-slip variant from the permutation index, else (long tokens) the
        closest within its typo budget, preferring typical edits, then fewer edits."""
        variant = self.variants.get(candidate)
        if variant is not None:
            return FuzzyMatch(self.label_tokens[variant.token], candidate, (variant.edit,))
        n = len(candidate)
        if n < MIN_DISTANCE_TOKEN - 1:
            return None
        near = self._near
        found = (
            near.get((candidate[:3], n), ())
            + near.get((candidate[-3:] + "$", n), ())
            + near.get((candidate[:2], n), ())
            + near.get((candidate[-2:] + "$", n), ())
        )
        if not found:
            return None
        best: FuzzyMatch | None = None
        # One C call over every candidate token first (most names are far from all of them); the Python
        # edit analysis only for the few within reach. (+1: a transposition is two Levenshtein edits.)
        for token, distance, _ in extract(
            candidate, found, scorer=Levenshtein.distance, score_cutoff=TWO_EDITS + 1, limit=None
        ):
            if distance > self._budgets[token] + 1 or token == candidate:
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

        One edit leaves the first three or the last three letters of a token of seven letters or more
        in place, so a candidate is compared only with the few tokens sharing its head or tail, and most
        names cost four dictionary look-ups and no distance at all. Two-edit tokens are indexed by two
        letters: two slips count only where the name still starts or ends the way the brand does
        (`gosusliigi`, `kazakhtelekon`), which is how squatters garble a name people must still recognise.
        """
        self._near: dict[tuple[str, int], tuple[str, ...]] = {}
        self._budgets = {t: max_edits(t) for t in self.label_tokens}
        for token in sorted(t for t, bt in self.label_tokens.items() if len(t) >= MIN_DISTANCE_TOKEN and not bt.word):
            budget = max_edits(token)
            k = 3 if budget == 1 else 2
            for n in range(len(token) - budget, len(token) + budget + 1):
                for key in ((token[:k], n), (token[-k:] + "$", n)):
                    if token not in self._near.get(key, ()):
                        self._near[key] = (*self._near.get(key, ()), token)


def _edge(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalpha()
