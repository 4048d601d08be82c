"""Domain heuristics: a name in, named signals out. Pure; each signal explains itself to a person."""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass

from antifraud.detection.brand_index import MIN_EMBEDDED_TOKEN, MIN_FUZZY_TOKEN, BrandIndex, BrandToken
from antifraud.detection.confusables import Confusables, scripts, undigit_variants
from antifraud.detection.lexicon import Lexicon
from antifraud.domain.model import Category, Signal
from antifraud.domain.normalize import DomainName

# Weights. A brand signal alone sends a name to review (>= 40); a brand signal with corroboration
# (a lure word, an official domain in the subdomains, a homoglyph) reaches block (>= 80).
W_HOMOGLYPH = 85
W_DIGIT_LOOKALIKE = 80
W_OFFICIAL_IN_SUBDOMAIN = 70
W_TYPO_1 = 60
W_TYPO_2 = 50
W_HYPHENATED = 60
W_TLD_SWAP = 55
W_COMBO_DELIMITED = 50
W_COMBO_EMBEDDED = 40
W_TOKEN_IN_SUBDOMAIN = 45
W_BRAND_WITH_LURE = 30
W_LURE_EACH = 10
W_LURE_MAX_ALONE = 20
MIN_PART_TYPO_TOKEN = 7  # a typo of a short token inside a longer name is usually an ordinary word
SHORT_TYPO_TOKEN = 7  # below this, a changed first letter makes a different word (jcloud, hicloud)
W_MIXED_SCRIPTS = 30
W_RISKY_TLD = 10
W_PLATFORM = 15
W_RANDOM_LABEL = 5

_PARTS = re.compile(r"[a-z]+")
_HAS_DIGIT = re.compile(r"[0-9]")
_SPLIT = re.compile(r"[^a-z0-9]+")
_VOWELS = set("aeiouy")
KEYBOARD = {
    "q": "wa",
    "w": "qeas",
    "e": "wrsd",
    "r": "etdf",
    "t": "ryfg",
    "y": "tugh",
    "u": "yihj",
    "i": "uojk",
    "o": "ipkl",
    "p": "ol",
    "a": "qwsz",
    "s": "awedxz",
    "d": "serfcx",
    "f": "drtgvc",
    "g": "ftyhbv",
    "h": "gyujnb",
    "j": "huikmn",
    "k": "jiolm",
    "l": "kop",
    "z": "asx",
    "x": "zsdc",
    "c": "xdfv",
    "v": "cfgb",
    "b": "vghn",
    "n": "bhjm",
    "m": "njk",
}


@dataclass(frozen=True, slots=True)
class BrandHit:
    signal: Signal
    token: BrandToken


def edit_kind(candidate: str, token: str) -> str:
    """Name the typo that turns `token` into `candidate` (for one edit)."""
    if len(candidate) == len(token) - 1:
        return "omission"
    if len(candidate) == len(token) + 1:
        for i, ch in enumerate(candidate):
            if token[:i] + token[i:] != candidate[:i] + candidate[i + 1 :]:
                continue
            if (i > 0 and candidate[i - 1] == ch) or (i + 1 < len(candidate) and candidate[i + 1] == ch):
                return "repetition"
            return "insertion"
        return "insertion"
    if len(candidate) == len(token):
        diffs = [i for i in range(len(token)) if token[i] != candidate[i]]
        if len(diffs) == 2 and candidate[diffs[0]] == token[diffs[1]] and candidate[diffs[1]] == token[diffs[0]]:
            return "transposition"
        if len(diffs) == 1:
            a, b = token[diffs[0]], candidate[diffs[0]]
            if a in _VOWELS and b in _VOWELS:
                return "vowel swap"
            if b in KEYBOARD.get(a, ""):
                return "keyboard neighbour"
            if (ord(a) ^ ord(b)).bit_count() == 1:
                return "bitsquat"
            return "replacement"
    return "edit"


def allowed_edits(token: str) -> int:
    if len(token) >= 9:
        return 2
    if len(token) >= MIN_FUZZY_TOKEN:
        return 1
    return 0


class DomainHeuristics:
    def __init__(self, index: BrandIndex, lexicon: Lexicon, confusables: Confusables) -> None:
        self.index = index
        self.lexicon = lexicon
        self.confusables = confusables
        self._short_lure = {w for w in lexicon.lure if len(w) < 4}
        long_lure = sorted((w for w in lexicon.lure if len(w) >= 4), key=lambda w: (-len(w), w))
        self._lure_pattern = re.compile("|".join(map(re.escape, long_lure))) if long_lure else None

    # brand signals ---------------------------------------------------------------------------------
    def _whole_label(self, name: DomainName, unicode_label: str, skeleton: str) -> BrandHit | None:
        flat = skeleton.replace("-", "")
        tokens = self.index.label_tokens
        hit = tokens.get(flat)
        if hit is not None:
            if unicode_label != name.label and unicode_label.replace("-", "") != hit.token:
                subs = self.confusables.substitutions(unicode_label)
                shown = ", ".join(f"{_script_word(c)} '{c}' for '{a}'" for c, a in subs[:3]) or "lookalike letters"
                detail = f"{shown} in {unicode_label}: reads as {hit.token} ({hit.brand.name})"
                return BrandHit(Signal("homoglyph", W_HOMOGLYPH, detail), hit)
            if "-" in skeleton:
                detail = f"{name.label} is {hit.token} ({hit.brand.name}) with hyphens added"
                return BrandHit(Signal("typosquat", W_HYPHENATED, detail), hit)
            detail = f"{hit.token} ({hit.brand.name}) under .{name.suffix}, not its official domain"
            return BrandHit(Signal("tld_swap", W_TLD_SWAP, detail), hit)
        if _HAS_DIGIT.search(flat):
            for reading in undigit_variants(flat):
                if reading in tokens:
                    hit = tokens[reading]
                    swapped = ", ".join(
                        f"'{d}' for '{reading[i]}'" for i, d in enumerate(flat) if d.isdigit() and reading[i] != d
                    )
                    detail = f"digits for letters ({swapped}) in {name.label}: reads as {hit.token} ({hit.brand.name})"
                    return BrandHit(Signal("homoglyph", W_DIGIT_LOOKALIKE, detail), hit)
        return self._typo(flat, name.label, whole=True)

    def _typo(self, text: str, shown: str, *, whole: bool) -> BrandHit | None:
        best: tuple[int, BrandToken] | None = None
        for candidate, distance in self.index.fuzzy_candidates(text):
            limit = allowed_edits(candidate)
            if limit == 0 or distance > limit:
                continue
            if not whole and len(candidate) < MIN_PART_TYPO_TOKEN:
                continue
            if len(candidate) < SHORT_TYPO_TOKEN and text[:1] != candidate[:1]:
                continue
            if best is None or distance < best[0]:
                best = (distance, self.index.label_tokens[candidate])
        if best is None or best[0] == 0:
            return None
        distance, hit = best
        kind = edit_kind(text, hit.token) if distance == 1 else f"{distance} edits"
        edits = "1 edit" if distance == 1 else f"{distance} edits"
        where = "" if whole else f" inside {shown}"
        detail = f"{text} is {edits} from {hit.token} ({hit.brand.name}: {kind}){where}"
        weight = W_TYPO_1 if distance == 1 else W_TYPO_2
        return BrandHit(Signal("typosquat", weight, detail), hit)

    def _combo(self, label_skeleton: str, shown: str) -> BrandHit | None:
        pattern = self.index.substring_pattern
        if pattern is None:
            return None
        for match in pattern.finditer(label_skeleton):
            token = match.group(0)
            if token == label_skeleton.replace("-", ""):
                continue  # the whole label: handled as tld swap / homoglyph
            hit = self.index.substring_tokens[token]
            before = label_skeleton[match.start() - 1] if match.start() > 0 else "-"
            after = label_skeleton[match.end()] if match.end() < len(label_skeleton) else "-"
            delimited = not before.isalpha() or not after.isalpha()
            if not delimited and len(token) < MIN_EMBEDDED_TOKEN:
                continue
            weight = W_COMBO_DELIMITED if delimited else W_COMBO_EMBEDDED
            detail = f"brand token '{token}' ({hit.brand.name}) in {shown}"
            return BrandHit(Signal("combosquat", weight, detail), hit)
        # a typo of a brand token as one hyphen- or digit-separated part: gosusllugi-pay
        for part in _PARTS.findall(label_skeleton):
            if part != label_skeleton and len(part) >= MIN_FUZZY_TOKEN:
                typo = self._typo(part, shown, whole=False)
                if typo is not None:
                    signal = Signal("combosquat", typo.signal.weight - 10, typo.signal.detail)
                    return BrandHit(signal, typo.token)
        return None

    def _in_subdomain(self, name: DomainName, unicode_sub: str) -> BrandHit | None:
        if not name.subdomain:
            return None
        official = self.index.official_pattern
        if official is not None:
            for match in official.finditer(name.ascii):
                end = match.end()
                if match.start() > 0 and name.ascii[match.start() - 1] not in ".-":
                    continue
                rest = name.ascii[end:]
                if rest and rest[0] in ".-" and not name.ascii.endswith("." + match.group(0)):
                    brand = self.index.official[match.group(0)]
                    detail = f"official domain {match.group(0)} ({brand.name}) inside {name.unicode}"
                    token = BrandToken(match.group(0), brand)
                    return BrandHit(Signal("subdomain_abuse", W_OFFICIAL_IN_SUBDOMAIN, detail), token)
        skeleton = self.confusables.skeleton(unicode_sub).lower()
        pattern = self.index.substring_pattern
        if pattern is not None:
            for match in pattern.finditer(skeleton):
                before = skeleton[match.start() - 1] if match.start() > 0 else "."
                after = skeleton[match.end()] if match.end() < len(skeleton) else "."
                if len(match.group(0)) < MIN_EMBEDDED_TOKEN and before.isalpha() and after.isalpha():
                    continue
                hit = self.index.substring_tokens[match.group(0)]
                detail = f"brand token '{hit.token}' ({hit.brand.name}) in the subdomains of {name.registered}"
                return BrandHit(Signal("subdomain_abuse", W_TOKEN_IN_SUBDOMAIN, detail), hit)
        return None

    # supporting signals ---------------------------------------------------------------------------
    def lure_words(self, text: str, brand_token: str | None) -> list[str]:
        found: list[str] = []
        for part in _SPLIT.split(text):
            if not part:
                continue
            if brand_token:
                part = part.replace(brand_token, " ")  # noqa: PLW2901 - the rest of the part is what counts
            for piece in part.split():
                if piece in self.lexicon.lure or piece in self._short_lure:
                    found.append(piece)
                elif self._lure_pattern is not None and len(piece) >= 4:
                    found.extend(m.group(0) for m in self._lure_pattern.finditer(piece) if _edge(m, piece))
        return list(dict.fromkeys(found))

    # the whole analysis ----------------------------------------------------------------------------
    def signals(self, name: DomainName) -> tuple[list[Signal], Category | None]:
        if name.unicode == name.ascii:  # the common case: nothing to decode or unconfuse
            unicode_label, unicode_sub, skeleton = name.label, name.subdomain, name.label
        else:
            unicode_labels = name.unicode.split(".")
            suffix_count = name.suffix.count(".") + 1
            unicode_label = unicode_labels[-suffix_count - 1] if len(unicode_labels) > suffix_count else name.label
            unicode_sub = ".".join(unicode_labels[: -suffix_count - 1])
            skeleton = self.confusables.skeleton(unicode_label).lower()
        signals: list[Signal] = []

        hit = (
            self._in_subdomain(name, unicode_sub)
            if name.subdomain and self.index.official_pattern is not None
            else None
        )
        if hit is None or hit.signal.weight < W_OFFICIAL_IN_SUBDOMAIN:
            label_hit = self._whole_label(name, unicode_label, skeleton) or self._combo(skeleton, name.unicode)
            if label_hit is not None and (hit is None or label_hit.signal.weight >= hit.signal.weight):
                hit = label_hit
        if hit is not None:
            signals.append(hit.signal)

        mixed = scripts(unicode_label) if not unicode_label.isascii() else set()
        if len(mixed) > 1:
            signals.append(
                Signal(
                    "mixed_scripts",
                    W_MIXED_SCRIPTS,
                    f"{' and '.join(s.title() for s in sorted(mixed))} letters mixed in {unicode_label}",
                )
            )

        whole_label = hit is not None and hit.signal.name in {"homoglyph", "typosquat", "tld_swap"}
        # the brand itself (exact, typo'd or disguised) is not a lure: count only the other words of the name
        lure_text = name.subdomain if whole_label else name.ascii.removesuffix("." + name.suffix)
        lure = self.lure_words(lure_text, hit.token.token if hit else None)
        category: Category | None = None
        if hit is not None:
            category = Category.PHISHING
            if lure:
                shown = ", ".join(f"'{w}'" for w in lure[:3])
                detail = f"brand token '{hit.token.token}' + lure word{'s' if len(lure) > 1 else ''} {shown}"
                signals.append(Signal("brand_with_lure", W_BRAND_WITH_LURE, detail))
        elif lure:
            weight = min(W_LURE_MAX_ALONE, W_LURE_EACH * len(lure))
            signals.append(Signal("lure_words", weight, f"scam vocabulary in the name: {', '.join(lure[:4])}"))
            themes = Counter(self.lexicon.lure.get(w, "") for w in lure)
            if themes.get("investment", 0) >= max(themes.values()):
                category = Category.INVESTMENT_SCAM

        top = name.suffix.rsplit(".", 1)[-1]
        if top in self.lexicon.risky_tlds or name.suffix in self.lexicon.risky_tlds:
            signals.append(Signal("risky_tld", W_RISKY_TLD, f".{name.suffix} is a suffix often used for abuse"))
        platform = self.lexicon.platform_of(name.registered, name.suffix)
        if platform is not None:
            signals.append(Signal("shared_platform", W_PLATFORM, f"on {platform[0]} ({platform[1]})"))
        if hit is not None and _looks_random(name.label):
            signals.append(Signal("random_label", W_RANDOM_LABEL, f"{name.label} looks machine-generated"))
        return signals, category


def _edge(match: re.Match[str], piece: str) -> bool:
    """A lure word inside a compound counts only at its start or end: 'customersupport', not 'ascension'."""
    return match.start() == 0 or match.end() == len(piece)


def _script_word(ch: str) -> str:
    found = scripts(ch)
    return next(iter(found)).title() if found else "lookalike"


def _looks_random(label: str) -> bool:
    letters = [c for c in label if c.isalnum()]
    if len(letters) < 12:
        return False
    counts = Counter(letters)
    entropy = -sum(n / len(letters) * math.log2(n / len(letters)) for n in counts.values())
    digits = sum(c.isdigit() for c in letters) / len(letters)
    return entropy > 3.5 and digits > 0.15
