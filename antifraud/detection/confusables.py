"""Confusable skeletons (UTS #39 data) and scripts: how `k\u0430spi` (Cyrillic a) becomes `kaspi`.

The table is external data (the Unicode consortium's confusables, as packaged by confusable-homoglyphs);
an adapter loads it and hands it in. Digits that stand for letters (0/o, 1/l) are a separate, smaller
map, applied only when looking for lookalikes, never to the name itself.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass, field

DIGIT_LOOKALIKES = {"0": "o", "1": "l", "3": "e", "4": "a", "5": "s", "7": "t", "8": "b", "9": "g"}
_DIGITS = str.maketrans(DIGIT_LOOKALIKES)
_DIGITS_I = str.maketrans({**DIGIT_LOOKALIKES, "1": "i"})  # '1' stands for 'l' or for 'i'


@dataclass(frozen=True, slots=True)
class Confusables:
    """char -> the ASCII letter or digit it is confusable with."""

    table: Mapping[str, str] = field(default_factory=dict)

    def skeleton(self, text: str) -> str:
        if text.isascii():
            return text
        out = []
        for ch in text:
            if ch.isascii():
                out.append(ch)
                continue
            mapped = self.table.get(ch)
            if mapped is None:
                mapped = unicodedata.normalize("NFKD", ch)[:1].lower()
                mapped = mapped if mapped.isascii() else ch
            out.append(mapped)
        return "".join(out)

    def substitutions(self, text: str) -> list[tuple[str, str]]:
        """The non-ASCII characters of `text` with the ASCII character each imitates."""
        found = []
        for ch in text:
            if not ch.isascii():
                mapped = self.table.get(ch)
                if mapped is not None:
                    found.append((ch, mapped))
        return found


def undigit(text: str) -> str:
    return text.translate(_DIGITS)


def undigit_variants(text: str) -> tuple[str, ...]:
    """The readings of a name whose digits stand for letters ('1' as 'l' and as 'i')."""
    first = text.translate(_DIGITS)
    second = text.translate(_DIGITS_I)
    return (first,) if first == second else (first, second)


def script_of(ch: str) -> str:
    """The script of a letter from its Unicode name (LATIN, CYRILLIC, GREEK, ...); '' for non-letters."""
    if not ch.isalpha():
        return ""
    if ch.isascii():
        return "LATIN"
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0] if name else ""


def scripts(text: str) -> set[str]:
    return {s for s in (script_of(ch) for ch in text) if s}


def build_table(data: Mapping[str, list[Mapping[str, str]]]) -> Confusables:
    """From confusable-homoglyphs' JSON (char -> [{"c": homoglyph, "n": name}]) to char -> ASCII."""
    table: dict[str, str] = {}
    for ch, homoglyphs in data.items():
        if ch.isascii() or len(ch) != 1:
            continue
        for glyph in homoglyphs:
            target = glyph.get("c", "").lower()
            if len(target) == 1 and target.isascii() and target.isalnum():
                table[ch] = target
                break
    return Confusables(table)
