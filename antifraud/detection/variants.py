"""The permutation index: every one-slip variant of every brand token, generated once, looked up in O(1).

What dnstwist does for one domain at a time, done for all brand tokens when the detector is built:
each token's omissions, repetitions, adjacent transpositions, keyboard neighbours (replaced or
inserted), vowel swaps, bit flips, digits for letters, lookalike letters and sequences (`l`/`i`/`1`,
`rn`/`m`, `vv`/`w`, `lc`/`k`, `cl`/`d`, `0`/`o`) and other romanisations of Kazakh and Russian
(`q`/`k`, `kh`/`h`, `zh`/`j`, `y`/`i`) go into one dict from variant to (token, edit). A label, its
hyphen-free form or a part of it is then a dictionary look-up away from its brand: `kaspl`, `k1spi`,
`jusyn`, `qaspi` and `halylcbanlc`'s reading `halykbank` cost no edit distance at all.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from antifraud.detection.typos import KEYBOARD, Edit, insertion, replacement

MIN_VARIANT = 4  # shorter variants are ordinary words and abbreviations...
MIN_OMISSION = 3  # ...except a letter left out of a four-letter token (`egv`), trusted only under its country
_LETTERS = "abcdefghijklmnopqrstuvwxyz0123456789"
# Sequences that read as one letter (or another sequence) at a glance: shown -> meant.
VISUAL_SEQUENCES: tuple[tuple[str, str], ...] = (
    ("rn", "m"),
    ("nn", "m"),
    ("vv", "w"),
    ("lc", "k"),
    ("lk", "k"),
    ("cl", "d"),
)
# Other ways Kazakh and Russian names are romanised: written -> also written.
ROMANISATIONS: tuple[tuple[str, str], ...] = (
    ("k", "q"),
    ("q", "k"),
    ("kh", "h"),
    ("h", "kh"),
    ("zh", "j"),
    ("j", "zh"),
    ("y", "i"),
    ("i", "y"),
    ("ts", "c"),
    ("c", "ts"),
    ("ks", "x"),
    ("x", "ks"),
    ("ya", "ia"),
    ("yu", "iu"),
    ("sh", "w"),
)


@dataclass(frozen=True, slots=True)
class Variant:
    token: str
    edit: Edit


def _replace_each(token: str, old: str, new: str) -> Iterator[str]:
    start = token.find(old)
    while start >= 0:
        yield token[:start] + new + token[start + len(old) :]
        start = token.find(old, start + 1)


def variants(token: str) -> Iterator[tuple[str, Edit]]:
    """Every one-slip variant of `token` (which may repeat, with different edits; first ones are better)."""
    n = len(token)
    for shown, meant in VISUAL_SEQUENCES:
        for variant in _replace_each(token, meant, shown):
            yield variant, Edit("visual", f"'{shown}' for '{meant}'", typical=True)
    for i, ch in enumerate(token):
        for other in _LETTERS:
            if other != ch:
                edit = replacement(ch, other)
                if edit.typical:
                    yield token[:i] + other + token[i + 1 :], edit
    for written, also in ROMANISATIONS:
        for variant in _replace_each(token, written, also):
            yield variant, Edit("romanisation", f"'{also}' for '{written}' (another romanisation)", typical=True)
    for i in range(n):
        yield token[:i] + token[i + 1 :], Edit("omission", f"'{token[i]}' left out", typical=True)
    for i in range(n - 1):
        if token[i] != token[i + 1]:
            swapped = token[:i] + token[i + 1] + token[i] + token[i + 2 :]
            yield swapped, Edit("transposition", f"'{token[i : i + 2]}' swapped", typical=True)
    for i in range(n + 1):
        before, after = token[i - 1] if i else "", token[i] if i < n else ""
        for inserted in {before, after, *KEYBOARD.get(before, ()), *KEYBOARD.get(after, ())} - {"", "-"}:
            yield token[:i] + inserted + token[i:], insertion(inserted, before, after)


def build_index(tokens: Iterable[str], reserved: Iterable[str] = ()) -> dict[str, Variant]:
    """Variant -> the token it imitates, for every token; a variant that is itself a token or a reserved
    name (an official label) is left out, and where two tokens share a variant the better slip wins."""
    tokens = sorted(set(tokens))
    taken = {*tokens, *reserved}
    index: dict[str, Variant] = {}
    for token in tokens:
        for variant, edit in variants(token):
            shortest = MIN_OMISSION if edit.kind == "omission" else MIN_VARIANT
            if len(variant) < shortest or variant in taken or not variant.isalnum():
                continue
            known = index.get(variant)
            if known is None or _better(edit, token, known):
                index[variant] = Variant(token, edit)
    return index


def _better(edit: Edit, token: str, known: Variant) -> bool:
    rank = {"visual": 0, "romanisation": 1}
    mine, theirs = rank.get(edit.kind, 2), rank.get(known.edit.kind, 2)
    if mine != theirs:
        return mine < theirs
    return (len(token), token) > (len(known.token), known.token)  # the longer token is the likelier target
