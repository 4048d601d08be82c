"""Confusable skeletons (Unicode UTS #39) and scripts: how `kaspi` spelt with a Cyrillic a reads as `kaspi`.

The data is the Unicode consortium's confusables table as packaged by confusable-homoglyphs (a
symmetric graph of lookalike pairs). We close it transitively and keep, for every character, the
ASCII letter or digit of its class, so a skeleton is one `str.translate`. Nothing here is a
hand-written table: `0`→`o`, `1`→`l` and `rn`→`m` come from the same data.
"""

from __future__ import annotations

import string
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

_LOWER = frozenset(string.ascii_lowercase)
_DIGITS = frozenset(string.digits)


@dataclass(frozen=True, slots=True)
class Confusables:
    """Maps lookalike characters to the ASCII character they imitate."""

    table: Mapping[int, str]  # for str.translate: code point -> ASCII lower-case letter or digit
    sequences: tuple[tuple[str, str], ...] = ()  # ASCII sequences that imitate one letter: ('rn', 'm')

    @classmethod
    def from_pairs(cls, pairs: Iterable[tuple[str, str]]) -> Confusables:
        """Build from (character, lookalike) pairs; classes are closed transitively."""
        parent: dict[str, str] = {}

        def root(ch: str) -> str:
            while (up := parent.get(ch, ch)) != ch:
                parent[ch] = parent.get(up, up)  # path halving keeps the walk short
                ch = up
            return ch

        sequences: dict[str, str] = {}
        for a, b in pairs:
            if len(a) == 1 and len(b) == 1:
                ra, rb = root(a), root(b)
                if ra != rb:
                    parent[ra] = rb
            elif len(a) == 1 and a in _LOWER and len(b) > 1 and b.isascii() and b.isalpha() and b.islower():
                sequences[b] = a
        classes: dict[str, set[str]] = {}
        for ch in list(parent):
            top = root(ch)
            classes.setdefault(top, {top}).add(ch)
        table: dict[int, str] = {}
        for members in classes.values():
            target = _prototype(members)
            if target is None:
                continue
            for ch in members:
                if ch != target and not (ch in _LOWER or ch == "-"):
                    table[ord(ch)] = target
        return cls(table=table, sequences=tuple(sorted(sequences.items())))

    @classmethod
    def from_uts39(cls, data: Mapping[str, Any]) -> Confusables:
        """From confusable-homoglyphs' JSON: char -> [{"c": lookalike, "n": name}, ...]."""
        return cls.from_pairs((ch, entry["c"]) for ch, entries in data.items() for entry in entries)

    def skeleton(self, text: str) -> str:
        """`text` with every lookalike replaced by the ASCII character it imitates."""
        out = text.translate(self.table)
        for sequence, letter in self.sequences:
            if sequence in out:
                out = out.replace(sequence, letter)
        return out

    def imitations(self, text: str) -> list[tuple[str, str]]:
        """The characters of `text` that stand for another ASCII character, with that character."""
        found: list[tuple[str, str]] = []
        for ch in text:
            target = self.table.get(ord(ch))
            if target is not None and (ch, target) not in found:
                found.append((ch, target))
        found.extend((seq, letter) for seq, letter in self.sequences if seq in text)
        return found


def _prototype(members: set[str]) -> str | None:
    """The ASCII character a class of lookalikes stands for: a lower-case letter before a digit."""
    lower = sorted(m for m in members if m in _LOWER)
    if lower:
        return lower[0]
    upper = sorted(m.lower() for m in members if len(m) == 1 and m.isascii() and m.isupper())
    if upper:
        return upper[0]
    digits = sorted(m for m in members if m in _DIGITS)
    return digits[0] if digits else None


@cache
def uts39() -> Confusables:
    """The UTS #39 table shipped with confusable-homoglyphs (loaded by that library at import)."""
    from confusable_homoglyphs.confusables import confusables_data  # noqa: PLC0415 - 9,600 entries, load on first use

    return Confusables.from_uts39(confusables_data)


def script_of(ch: str) -> str:
    """The script of a letter from its Unicode name (LATIN, CYRILLIC, GREEK, ...); '' for other characters."""
    if ch.isascii():
        return "LATIN" if ch.isalpha() else ""
    if not ch.isalpha():
        return ""
    name = unicodedata.name(ch, "")
    return name.split(" ", 1)[0]


def scripts(text: str) -> list[str]:
    """The scripts of the letters of `text`, in order of first appearance."""
    seen: list[str] = []
    for ch in text:
        script = script_of(ch)
        if script and script not in seen:
            seen.append(script)
    return seen


def describe(ch: str) -> str:
    """ "Cyrillic 'a'" for an analyst: the script (or the character's name) and the character."""
    script = script_of(ch)
    if script:
        return f"{script.capitalize()} '{ch}'"
    if ch.isdigit():
        return f"digit '{ch}'"
    return f"'{ch}' ({unicodedata.name(ch, f'U+{ord(ch):04X}').lower()})" if len(ch) == 1 else f"'{ch}'"
