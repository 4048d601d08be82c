"""Domain heuristics: a normalized name in, named signals out. Pure; one instance per brand index.

What each signal means and weighs (the score is their sum, capped at 100; thresholds in settings):

| signal | weight | evidence |
|---|---|---|
| subdomain_abuse | 85 | an official domain in the subdomains (`kaspi.kz.verify-login.com`) or glued with `com-` |
| homoglyph | 85 / 70 | the label's UTS #39 skeleton is a brand token (`kaspi` with a Cyrillic a) / contains one |
| homoglyph | 70 / 60 | ASCII lookalikes: `0` for `o`, `l` for `i`, `rn` for `m`, `lc` for `k` (`kaspl`) |
| typosquat | 55 / 45 | a typical slip (keyboard, omission, digit, romanisation...) / another edit, a 4-letter token |
| tld_swap | 50 / 40 / 35 | a brand's label under another suffix or on a shared platform / an everyday word under a |
| | | generic / under a country suffix |
| combosquat | 45 / 35 | a brand token in the label (`kaspi-bonus`); 35: short and glued, or an everyday word |
| transliterated_brand | 45 | the brand spelt in Cyrillic (`каспи-бонус.kz`) |
| subdomain_abuse | 45 / 40 | a brand token / a typo of one in the subdomains of an unrelated domain |
| brand_with_lure | 25-45 | scam vocabulary from the lexicon next to a brand signal (`bonus`, `login`, `vyplata`) |
| lure_words | ≤ 20 | the same words without a brand: a weak hint |
| mixed_scripts | 20 | Latin letters mixed with letters that imitate them (Cyrillic, Greek) in one label |
| risky_tld, shared_platform | 10 | cheap suffixes; free hosting, dynamic DNS, URL shorteners |
| random_label, many_hyphens | 5 | machine-made or stuffed labels: weak hints only |
| country_suffix | 10 | a lookalike (or a brand with a strong lure) under the brand's own country suffix (`.kz`) |
| dictionary_word | -20 | the typo is itself an everyday word (`kasta`): probably a word, not a squat |
| popular_domain | 0 | a long-established, widely used site (the popularity prior): held in review, never blocked |

A brand signal alone lands in review (40-79); a brand signal plus a strong lure word, an embedded
official domain or a homoglyph reaches block (≥ 80). Without a brand nothing but many weak hints
adds up, and stays under review: the lexicon is "weak alone, strong next to a brand".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from antifraud.detection.brand_index import (
    MIN_SEARCH_TOKEN,
    SHORT_SEARCH_TOKEN,
    BrandIndex,
    FuzzyMatch,
    TokenMatch,
    is_bank,
)
from antifraud.detection.confusables import Confusables, describe, scripts
from antifraud.detection.evidence import POPULAR
from antifraud.detection.lexicon import Lexicon, Lure, Strength
from antifraud.detection.text import entropy, trie_pattern
from antifraud.detection.typos import SHORT_TOKEN
from antifraud.detection.typos import describe as describe_edits
from antifraud.detection.variants import MIN_VARIANT, VISUAL_SEQUENCES
from antifraud.domain.brands import Brand
from antifraud.domain.model import Category, Signal
from antifraud.domain.normalize import DomainName

EMBEDDED_OFFICIAL = 85
HOMOGLYPH, HOMOGLYPH_INSIDE = 85, 70
ASCII_LOOKALIKE, ASCII_LOOKALIKE_INSIDE = 70, 60
TYPO_TYPICAL, TYPO_OTHER = 55, 45
TLD_SWAP, TLD_SWAP_GENERIC_WORD, TLD_SWAP_WORD = 50, 40, 35
BRAND_TOKEN, SHORT_BRAND_TOKEN = 45, 35
COUNTRY_SUFFIX = 10
DICTIONARY_WORD = -20
SHORT_TYPO_TOKEN = 4  # a typo of a four-letter token is weaker evidence: many words are one slip away
TRANSLITERATED = 45
BRAND_IN_SUBDOMAIN, TYPO_IN_SUBDOMAIN = 45, 40
LURE_STRONG, LURE_WEAK, LURE_EACH_MORE, LURE_CAP = 35, 25, 10, 45
LURE_ALONE_STRONG, LURE_ALONE_WEAK, LURE_ALONE_CAP = 8, 4, 20
MIXED_SCRIPT = 20
RISKY_SUFFIX = 10
SHARED_PLATFORM = 10
RANDOM_LABEL = 5
MANY_HYPHENS = 5

MIN_LURE_INSIDE = 4  # shorter lure words count only as a whole part of a label (`id`, `pay`, `app`)
RANDOM_MIN_LENGTH = 12
RANDOM_MIN_ENTROPY = 3.5
MANY_HYPHENS_COUNT = 3
MIN_SEGMENT = 4
_SEPARATORS = re.compile(r"[-0-9.]+")
_DIGIT = re.compile(r"[0-9]")
# Labels worth reading for lookalike characters: digits, and the sequences that pass for one letter.
_LOOKALIKE_HINT = re.compile(r"[0-9]|rn|vv|lc")
_ASCII_SEQUENCES = tuple((shown, meant) for shown, meant in VISUAL_SEQUENCES if shown in {"rn", "vv", "lc"})


@dataclass(frozen=True, slots=True)
class _Scan:
    brands: list[TokenMatch]
    lures: list[tuple[str, int, int]]  # (word, start, end), before alignment checks


def _edge(text: str, index: int) -> bool:
    return index < 0 or index >= len(text) or not text[index].isalpha()


def _standalone(text: str, match: TokenMatch, lures: list[tuple[str, int, int]]) -> bool:
    """A strict token stands as a whole part of the label (`forte-pay`) or next to a lure word (`fortebonus`)."""
    left, right = _edge(text, match.start - 1), _edge(text, match.end)
    if match.token.word:  # an everyday word glued to others is a phrase: `livehelp`, `fortepiano`
        return left and right
    return (left and right) or any(
        (left and start == match.end) or (right and end == match.start) for _, start, end in lures
    )


@dataclass(slots=True)
class _Evidence:
    """What one name has shown so far: signals, the brands they point to, the text the brand covers."""

    signals: list[Signal]
    brands: list[Brand]
    lures: list[Lure]
    brand_span: tuple[int, int] | None = None  # in the label that lure words are searched in
    lookalike: bool = False  # the name itself imitates a brand's (typo, homoglyph, TLD swap, Cyrillic)

    def add(self, signal: Signal, brand: Brand | None = None) -> None:
        self.signals.append(signal)
        if brand is not None and brand not in self.brands:
            self.brands.append(brand)


class DomainHeuristics:
    def __init__(self, index: BrandIndex, lexicon: Lexicon, confusables: Confusables) -> None:
        self.index = index
        self.lexicon = lexicon
        self.confusables = confusables
        # Brand tokens and lure words in one trie: one regex pass per label finds both.
        self._pattern = trie_pattern({*index.search_tokens, *lexicon.lures})
        self._scans: dict[str, _Scan] = {}
        # Suffixes that alone give a signal (risky registrations, shared platforms): never on the fast path.
        self._context_suffixes = frozenset({*lexicon.risky_suffixes, *lexicon.platforms})

    def plain(self, name: DomainName) -> bool:
        """The fast path: a name that can show no signal at all, decided with a few look-ups.

        Most names a resolver or a feed sees are like this: no brand token and no lure word in any label
        (one trie search each), no one-slip variant of a brand token (one dict look-up), no typo of a long
        brand within its edit budget (a few dict look-ups), no lookalike reading, not on a shared platform
        or a risky suffix. Anything else takes the full path, which would find nothing more for them.
        """
        label = name.label
        if not label.isascii() or label.startswith("xn--") or not self._plain_label(label):
            return False
        if "-" in label and name.ascii.count("-") >= MANY_HYPHENS_COUNT:
            return False
        suffix = name.suffix
        if suffix in self._context_suffixes or suffix[suffix.rfind(".") + 1 :] in self._context_suffixes:
            return False
        if name.registered in self.lexicon.platforms:
            return False
        return not name.subdomain or self._plain_subdomain(name)

    def _plain_label(self, label: str) -> bool:
        pattern, fuzzy, tokens = self._pattern, self.index.fuzzy, self.index.label_tokens
        if (pattern is not None and pattern.search(label) is not None) or label in tokens or fuzzy(label) is not None:
            return False
        if _LOOKALIKE_HINT.search(label):
            for reading in self._readings(label):
                if reading in tokens or (pattern is not None and pattern.search(reading) is not None):
                    return False
        if label.isalpha():
            return True
        joined = label.replace("-", "")
        if joined != label and (joined in tokens or fuzzy(joined) is not None):
            return False
        if len(label) >= RANDOM_MIN_LENGTH and _DIGIT.search(label):
            return False  # may look machine-made: a weak hint the full path gives
        return all(len(p) < MIN_SEGMENT or p == label or fuzzy(p) is None for p in _SEPARATORS.split(label))

    def _plain_subdomain(self, name: DomainName) -> bool:
        sub, fuzzy = name.subdomain, self.index.fuzzy
        if "-" in sub or (self._pattern is not None and self._pattern.search(sub) is not None):
            return False
        if self.index.embedded_official(name.ascii, len(sub)) is not None:
            return False
        joined = sub[sub.rfind(".") + 1 :] + name.label  # a dot inserted into a brand's name
        if joined in self.index.label_tokens or fuzzy(joined) is not None:
            return False
        return all(len(part) < MIN_SEGMENT or fuzzy(part) is None for part in sub.split("."))

    def signals(self, name: DomainName) -> tuple[list[Signal], Category | None]:
        if self.plain(name):
            return [], None
        return self.full(name)

    def full(self, name: DomainName) -> tuple[list[Signal], Category | None]:
        """Every heuristic, in order (what `signals` runs when the fast path cannot rule the name out)."""
        ev = _Evidence([], [], [])
        label = name.label
        lure_text = label
        # An official domain can only be written into the left of a name that has subdomains.
        embedded = self.index.embedded_official(name.ascii, len(name.subdomain)) if name.subdomain else None
        if embedded is not None:
            domain, brand = embedded
            ev.add(
                Signal(
                    "subdomain_abuse",
                    EMBEDDED_OFFICIAL,
                    f"{'official domain' if domain in self.index.official else 'protected suffix'} {domain} "
                    f"of {brand.name} written into {name.unicode}, "
                    f"which belongs to {name.registered}",
                ),
                brand,
            )
        if label.startswith("xn--"):
            lure_text = self._unicode_label(name, ev)
        else:
            self._ascii_label(name, ev)
        if name.subdomain and embedded is None:
            self._subdomain(name, ev)
        self._lures(name, lure_text, ev)
        self._context(name, ev)
        self._scans.clear()
        if not ev.signals:
            return ev.signals, None
        return ev.signals, self._category(ev)

    # the registered label --------------------------------------------------------------------------
    def _ascii_label(self, name: DomainName, ev: _Evidence) -> None:
        label = name.label
        if self._exact(name, label, ev):
            return
        matches = self._scan(label).brands
        if matches:
            typo = self._best_typo(label) if matches[0].end - matches[0].start < len(label) else None
            # `halykbnk` holds the keyword `halyk` but is a typo of the longer `halykbank`: say so.
            longer = typo is not None and len(typo.token.token) > len(matches[0].token.token)
            # `ikdif`: a slip of the whole label says more than the short token found inside it
            whole = typo is not None and typo.candidate == label and typo.typical and len(typo.edits) == 1
            if typo is not None and (longer or whole):
                self._typo(label, typo, ev, name=name)
            elif not matches[0].token.word or self._home_or_generic(name, matches[0].token.brand):
                # an everyday word under another country's suffix is that country's word
                self._token(label, matches[0], ev)
            return
        if _LOOKALIKE_HINT.search(label):
            for reading in self._readings(label):
                if reading != label and self._lookalike(label, reading, ev, unicode=False):
                    return
        typo = self._best_typo(label)
        if typo is not None:
            self._typo(label, typo, ev, name=name)
        elif name.subdomain:
            self._dot_inserted(name, ev)

    def _home_or_generic(self, name: DomainName, brand: Brand) -> bool:
        top = name.suffix[name.suffix.rfind(".") + 1 :]
        return len(top) != 2 or top in self.index.countries.get(brand, ())

    def _home(self, name: DomainName, brand: Brand) -> bool:
        return name.suffix[name.suffix.rfind(".") + 1 :] in self.index.countries.get(brand, ())

    def _dot_inserted(self, name: DomainName, ev: _Evidence) -> None:
        """`kas.pi.kz`: a dot inserted into a brand's name leaves its halves in two labels."""
        last = name.subdomain[name.subdomain.rfind(".") + 1 :]
        joined = last + name.label
        token = self.index.label_tokens.get(joined)
        how = "a dot inserted"
        if token is None:
            typo = self.index.fuzzy(joined)
            if typo is None or not typo.typical or len(typo.edits) > 1:
                return
            token, how = typo.token, f"a dot inserted and {typo.edits[0].detail}"
        if token.word and not self._home(name, token.brand):
            return
        detail = f"{last}.{name.label}: {how} into {token.token} ({token.brand.name})"
        ev.add(Signal("typosquat", TYPO_TYPICAL, detail), token.brand)
        ev.lookalike = True

    def _readings(self, label: str) -> list[str]:
        """How a label with lookalike characters reads: its UTS #39 skeleton (with `lc` read as `k` and `vv`
        as `w`), then the lexicon's digit readings."""
        skeleton = self.confusables.skeleton(label)
        for shown, meant in _ASCII_SEQUENCES:
            if shown in skeleton:
                skeleton = skeleton.replace(shown, meant)
        readings = [skeleton]
        for choice in (0, -1):
            table = {ord(k): v[choice] for k, v in self.lexicon.lookalikes.items()}
            reading = label.translate(table)
            if reading not in readings:
                readings.append(reading)
        return readings

    def _unicode_label(self, name: DomainName, ev: _Evidence) -> str:
        """Homoglyphs, mixed scripts and Cyrillic spellings of an IDN label; returns the text for lure words."""
        ulabel = name.unicode.split(".")[len(name.labels) - len(name.suffix.split(".")) - 1]
        imitations = self.confusables.imitations(ulabel)
        found = scripts(ulabel)
        # Latin mixed with Japanese is ordinary; mixed with letters that imitate Latin ones is the attack.
        if len(found) > 1 and "LATIN" in found and any(not ch.isascii() for ch, _ in imitations):
            listed = " and ".join(s.capitalize() for s in found)
            ev.add(Signal("mixed_scripts", MIXED_SCRIPT, f"{listed} letters mixed in {ulabel}"))
        skeleton = self.confusables.skeleton(ulabel)
        if skeleton != ulabel and self._lookalike(ulabel, skeleton, ev, unicode=True):
            return skeleton
        matches = self._scan(ulabel).brands
        if matches:
            self._token(ulabel, matches[0], ev)
            return ulabel
        latin = self.lexicon.transliterate(ulabel)
        if latin == ulabel:
            return ulabel
        if latin in self.index.label_tokens:
            token = self.index.label_tokens[latin]
            ev.add(
                Signal(
                    "transliterated_brand",
                    TRANSLITERATED,
                    f"{ulabel} is {token.token} ({token.brand.name}) spelt in Cyrillic",
                ),
                token.brand,
            )
            ev.brand_span = (0, len(latin))
            ev.lookalike = True
            return latin
        matches = self._scan(latin).brands
        if matches:
            m = matches[0]
            ev.add(
                Signal(
                    "transliterated_brand",
                    TRANSLITERATED,
                    f"{ulabel} reads {latin}: brand token '{m.token.token}' ({m.token.brand.name}) spelt in Cyrillic",
                ),
                m.token.brand,
            )
            ev.brand_span = (m.start, m.end)
            ev.lookalike = True
            return latin
        if latin.isascii():
            typo = self._best_typo(latin)
            if typo is not None:
                self._typo(latin, typo, ev, shown=ulabel, name=name)
        return latin

    def _exact(self, name: DomainName, label: str, ev: _Evidence) -> bool:
        tokens = self.index.label_tokens
        token = tokens.get(label)
        plain = label
        if token is None and "-" in label:
            plain = label.replace("-", "")
            token = tokens.get(plain)
        if token is None:
            return False
        where = f"as a tenant of the shared platform {name.suffix}" if name.private_suffix else f"under .{name.suffix}"
        official = ", ".join((*token.brand.domains, *token.brand.suffixes)) or "no official domain"
        ev.lookalike = True
        ev.brand_span = (0, len(label))
        if plain != label:
            detail = f"{label}: a hyphen inserted into {token.token} ({token.brand.name}, {official}), {where}"
            ev.add(Signal("typosquat", TYPO_TYPICAL, detail), token.brand)
            return True
        top = name.suffix[name.suffix.rfind(".") + 1 :]
        # an everyday word under another country's suffix is most likely that country's word
        weight = TLD_SWAP if not token.word else TLD_SWAP_WORD if len(top) == 2 else TLD_SWAP_GENERIC_WORD
        word = ", an everyday word too" if token.word else ""
        ev.add(
            Signal("tld_swap", weight, f"{label} is {token.brand.name}'s name ({official}{word}) {where}"),
            token.brand,
        )
        return True

    def _token(self, label: str, match: TokenMatch, ev: _Evidence) -> None:
        token = match.token
        # A short token is weaker evidence unless it stands alone as a part of the label (`egov-pay`).
        whole_part = _edge(label, match.start - 1) and _edge(label, match.end)
        strong = not token.word and len(token.token) > MIN_SEARCH_TOKEN
        weight = BRAND_TOKEN if strong and (len(token.token) > SHORT_SEARCH_TOKEN or whole_part) else SHORT_BRAND_TOKEN
        word = ", an everyday word too" if token.word else ""
        ev.add(
            Signal("combosquat", weight, f"brand token '{token.token}' ({token.brand.name}{word}) in {label}"),
            token.brand,
        )
        ev.brand_span = (match.start, match.end)

    def _lookalike(self, shown: str, skeleton: str, ev: _Evidence, *, unicode: bool) -> bool:
        """A label whose skeleton is, or contains, a brand token: `paypa1`, `paypa1-login`."""
        if len(shown) == len(skeleton):
            imitations = list(dict.fromkeys((a, b) for a, b in zip(shown, skeleton, strict=True) if a != b))
        else:  # a sequence stood for one letter (`rn` for `m`, `lc` for `k`)
            imitations = self.confusables.imitations(shown)
            imitations += [(seq, letter) for seq, letter in _ASCII_SEQUENCES if seq in shown and seq != "rn"]
        how = ", ".join(f"{describe(ch)} for '{target}'" for ch, target in imitations) or "lookalike characters"
        token = self.index.label_tokens.get(skeleton)
        exact_weight, inside_weight = (
            (HOMOGLYPH, HOMOGLYPH_INSIDE) if unicode else (ASCII_LOOKALIKE, ASCII_LOOKALIKE_INSIDE)
        )
        if token is not None:
            ev.add(
                Signal("homoglyph", exact_weight, f"{how} in {shown}: it reads {token.token} ({token.brand.name})"),
                token.brand,
            )
            ev.brand_span = (0, len(skeleton))
            ev.lookalike = True
            return True
        matches = self._scan(skeleton).brands
        if not matches:
            return False
        m = matches[0]
        ev.add(
            Signal(
                "homoglyph",
                inside_weight,
                f"{how} in {shown}: it reads {skeleton}, with brand token '{m.token.token}' ({m.token.brand.name})",
            ),
            m.token.brand,
        )
        ev.brand_span = (m.start, m.end)
        ev.lookalike = True
        return True

    def _best_typo(self, text: str) -> FuzzyMatch | None:
        """A typo of a brand token: the whole label, without hyphens, or one of its parts."""
        candidates = [text]
        if "-" in text:
            candidates.append(text.replace("-", ""))
        whole = len(candidates)
        if not text.isalpha():
            candidates.extend(p for p in _SEPARATORS.split(text) if len(p) >= MIN_SEGMENT and p != text)
        candidates.extend(r for r in self._without_lures(text) if r not in candidates)
        best: FuzzyMatch | None = None
        for i, candidate in enumerate(candidates):
            match = self.index.fuzzy(candidate)
            # A part of a label shorter than a short token is usually a word (`cloud` in `a3cloud`
            # is not `icloud`); a whole label that short is still a typo.
            if match is not None and i >= whole and len(candidate) < len(match.token.token) <= SHORT_TOKEN:
                continue
            if match is not None and (best is None or match.rank < best.rank):
                best = match
        return best

    def _typo(
        self, text: str, typo: FuzzyMatch, ev: _Evidence, shown: str | None = None, name: DomainName | None = None
    ) -> None:
        home = name is not None and self._home(name, typo.token.brand)
        if (typo.token.word or len(typo.candidate) < MIN_VARIANT) and not home:
            return  # a slip of an everyday word, or a three-letter name, outside the brand's country is a word there
        token = typo.token.token
        where = "" if typo.candidate == text else f" in {shown or text}"
        how = describe_edits(list(typo.edits), token)
        if typo.visual:
            kind, weight = "homoglyph", ASCII_LOOKALIKE
            how = f"{', '.join(e.detail for e in typo.edits)}: it reads {token} ({typo.token.brand.name})"
        elif typo.typical and len(typo.edits) == 1 and len(token) > SHORT_TYPO_TOKEN:
            kind, weight = "typosquat", TYPO_TYPICAL
        else:
            kind, weight = "typosquat", TYPO_OTHER
        ev.add(Signal(kind, weight, f"{typo.candidate}{where}: {how}"), typo.token.brand)
        if typo.candidate in self.lexicon.words:
            ev.add(Signal("dictionary_word", DICTIONARY_WORD, f"{typo.candidate} is an everyday word, not only a typo"))
        ev.lookalike = True
        start = text.find(typo.candidate)
        ev.brand_span = (start, start + len(typo.candidate)) if start >= 0 else None

    # subdomains ------------------------------------------------------------------------------------
    def _subdomain(self, name: DomainName, ev: _Evidence) -> None:
        sub = name.subdomain
        matches = [m for m in self._scan(sub).brands if m.token.brand not in ev.brands]
        if matches:
            m = matches[0]
            ev.add(
                Signal(
                    "subdomain_abuse",
                    BRAND_IN_SUBDOMAIN,
                    f"brand token '{m.token.token}' ({m.token.brand.name}) in the subdomain {sub} of {name.registered}",
                ),
                m.token.brand,
            )
            return
        for part in sub.split("."):
            if len(part) < MIN_SEGMENT or part.startswith("xn--"):
                continue
            match = self.index.fuzzy(part) or self.index.fuzzy(part.replace("-", ""))
            # Bit flips happen in the registered name resolvers ask for, not in a subdomain someone typed.
            if (
                match is not None
                and match.token.brand not in ev.brands
                and "bitsquat" not in {e.kind for e in match.edits}
            ):
                ev.add(
                    Signal(
                        "subdomain_abuse",
                        TYPO_IN_SUBDOMAIN,
                        f"{part} in the subdomain of {name.registered}: "
                        f"{describe_edits(list(match.edits), match.token.token)}",
                    ),
                    match.token.brand,
                )
                return

    # lure words ------------------------------------------------------------------------------------
    def _scan(self, text: str) -> _Scan:
        """Brand tokens (longest first) and lexicon words in `text`; computed once per text and name."""
        scan = self._scans.get(text)
        if scan is not None:
            return scan
        scan = _Scan([], [])
        if self._pattern is not None:
            tokens = self.index.search_tokens
            for m in self._pattern.finditer(text):
                word = m.group()
                start, end = m.span()
                token = tokens.get(word)
                if token is not None and (len(word) > SHORT_SEARCH_TOKEN or _edge(text, start - 1) or _edge(text, end)):
                    scan.brands.append(TokenMatch(token, start, end))
                elif word in self.lexicon.lures:
                    scan.lures.append((word, start, end))
            if scan.brands:
                scan.brands[:] = [m for m in scan.brands if not m.token.strict or _standalone(text, m, scan.lures)]
                scan.brands.sort(key=lambda t: (t.start - t.end, t.start))
        self._scans[text] = scan
        return scan

    def _find_lures(self, text: str, span: tuple[int, int] | None) -> list[tuple[Lure, int, int]]:
        """Lure words aligned with a part of `text`: a whole part, or the start or end of one.

        Parts are separated by hyphens, dots, digits and the brand token itself, so `kaspibonus` and
        `kaspi-bonus` both show `bonus`, while `win` is not read into `windows`.
        """
        hits = self._scan(text).lures
        if not hits:
            return []
        bounds = () if span is None else span
        found: list[tuple[Lure, int, int]] = []
        for word, start, end in hits:
            if span is not None and start < span[1] and end > span[0]:
                continue
            left = start == 0 or start in bounds or not text[start - 1].isalpha()
            right = end == len(text) or end in bounds or not text[end].isalpha()
            if (left and right) or ((left or right) and end - start >= MIN_LURE_INSIDE):
                found.append((self.lexicon.lures[word], start, end))
        return found

    def _without_lures(self, text: str) -> list[str]:
        """The parts of `text` left once lure words are cut out: where a typo'd brand hides (`kasplbonus`)."""
        found = self._find_lures(text, None)
        if not found:
            return []
        pieces, last = [], 0
        for _lure, start, end in found:
            if start >= last:
                pieces.append(text[last:start])
                last = end
        pieces.append(text[last:])
        return [p for piece in pieces for p in _SEPARATORS.split(piece) if len(p) >= MIN_SEGMENT]

    def _lures(self, name: DomainName, label_text: str, ev: _Evidence) -> None:
        lures: list[Lure] = [lure for lure, _, _ in self._find_lures(label_text, ev.brand_span)]
        if name.subdomain:
            lures.extend(lure for lure, _, _ in self._find_lures(name.subdomain, None))
        unique: list[Lure] = []
        for lure in lures:
            if all(lure.word != u.word for u in unique):
                unique.append(lure)
        if not unique:
            return
        unique.sort(key=lambda lure: lure.strength is not Strength.STRONG)
        ev.lures = unique
        words = ", ".join(f"'{lure.word}'" for lure in unique)
        noun = "lure word" if len(unique) == 1 else "lure words"
        if ev.brands:
            first = LURE_STRONG if unique[0].strength is Strength.STRONG else LURE_WEAK
            weight = min(LURE_CAP, first + LURE_EACH_MORE * (len(unique) - 1))
            brand = ev.brands[0]
            ev.add(Signal("brand_with_lure", weight, f"{brand.name} impersonation + {noun} {words}"))
        else:
            weight = min(
                LURE_ALONE_CAP,
                sum(LURE_ALONE_STRONG if lure.strength is Strength.STRONG else LURE_ALONE_WEAK for lure in unique),
            )
            ev.add(Signal("lure_words", weight, f"{noun} {words} (no brand)"))

    # context ---------------------------------------------------------------------------------------
    def _brand_context(self, name: DomainName, ev: _Evidence) -> None:
        """What lifts or holds a brand signal: the brand's own country suffix; a popular site."""
        brand = ev.brands[0]
        suffix = name.suffix
        top = suffix[suffix.rfind(".") + 1 :]
        strong_lure = any(lure.strength is Strength.STRONG for lure in ev.lures)
        if (ev.lookalike or strong_lure) and top in self.index.countries.get(brand, ()):
            official = next(d for d in (*brand.domains, *brand.suffixes) if d.endswith("." + top))
            ev.add(Signal("country_suffix", COUNTRY_SUFFIX, f"under .{top}, where {brand.name} is ({official})"))
        if name.registered in self.lexicon.popular_domains:
            detail = f"{name.registered} is a long-established, widely used site: the match may be a coincidence"
            ev.add(Signal(POPULAR, 0, detail))

    def _context(self, name: DomainName, ev: _Evidence) -> None:
        if ev.brands:
            self._brand_context(name, ev)
        suffix = name.suffix
        platforms = self.lexicon.platforms
        # A platform is a private suffix (tenant hosts) or, for shorteners and the like, a registered domain.
        where = suffix
        kind = platforms.get(where)
        if kind is None:
            where = name.registered
            kind = platforms.get(where)
        if kind is not None:
            ev.add(
                Signal("shared_platform", SHARED_PLATFORM, f"on {kind} platform {where}: the host is listed, not it")
            )
        else:
            risky = self.lexicon.risky_suffixes
            top = suffix[suffix.rfind(".") + 1 :]
            if suffix in risky or top in risky:
                shown = suffix if suffix in risky else top
                ev.add(Signal("risky_tld", RISKY_SUFFIX, f".{shown}: cheap registrations, frequent abuse"))
        label = name.label
        if (
            len(label) >= RANDOM_MIN_LENGTH
            and not label.startswith("xn--")
            and _DIGIT.search(label)
            and entropy(label) >= RANDOM_MIN_ENTROPY
        ):
            ev.add(Signal("random_label", RANDOM_LABEL, f"{label} looks machine-generated"))
        hyphens = name.ascii.count("-")
        if hyphens >= MANY_HYPHENS_COUNT and (hyphens := hyphens - name.ascii.count("xn--") * 2) >= MANY_HYPHENS_COUNT:
            ev.add(Signal("many_hyphens", MANY_HYPHENS, f"{hyphens} hyphens in {name.ascii}"))

    @staticmethod
    def _category(ev: _Evidence) -> Category | None:
        for lure in ev.lures:
            if lure.category is not None and lure.category is not Category.PHISHING:
                return lure.category
        if ev.brands:
            return Category.BANK_IMPERSONATION if is_bank(ev.brands[0]) else Category.PHISHING
        return next((lure.category for lure in ev.lures if lure.category is not None), None)
