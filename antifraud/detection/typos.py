"""Typosquat edits: how far a label is from a brand token, and what kind of slip each edit is.

Distances come from rapidfuzz (C). The kind of edit matters for short tokens: `kaspo` (a keyboard
neighbour) is a typosquat of `kaspi`, `kasha` is a word; so tokens of six letters or fewer only
match through edits squatters actually use (keyboard neighbours, omissions, repetitions,
transpositions, vowel swaps, bit flips), and longer tokens through any edit within their budget.
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Levenshtein

_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")
_VOWELS = frozenset("aeiou")
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")

SHORT_TOKEN = 6  # tokens this long or shorter match only through typical edits
MIN_FUZZY_TOKEN = 5  # below this, one edit turns a brand into ordinary words
TWO_EDIT_TOKEN = 10  # tokens this long or longer tolerate two edits


def _neighbours() -> dict[str, frozenset[str]]:
    """Keys that touch on a QWERTY keyboard. Each row sits half a key right of the one above, so a
    key touches columns c and c+1 of the row above and c-1 and c of the row below."""
    position = {ch: (r, c) for r, row in enumerate(_ROWS) for c, ch in enumerate(row)}
    near: dict[str, set[str]] = {ch: set() for ch in position}
    for a, (ra, ca) in position.items():
        for b, (rb, cb) in position.items():
            touching = (
                (rb == ra and abs(cb - ca) == 1)
                or (rb == ra - 1 and cb in {ca, ca + 1})
                or (rb == ra + 1 and cb in {ca - 1, ca})
            )
            if touching:
                near[a].add(b)
    return {k: frozenset(v) for k, v in near.items()}


KEYBOARD = _neighbours()


def max_edits(token: str) -> int:
    """The edit budget of a token: scaled by length so short labels do not match everything."""
    if len(token) < MIN_FUZZY_TOKEN:
        return 0
    return 2 if len(token) >= TWO_EDIT_TOKEN else 1


@dataclass(frozen=True, slots=True)
class Edit:
    kind: str  # omission, repetition, insertion, keyboard, vowel swap, bitsquat, replacement, transposition
    detail: str
    typical: bool  # an edit typosquatters use; atypical edits count only on long tokens


def _bitflip(a: str, b: str) -> bool:
    x = ord(a) ^ ord(b)
    return x != 0 and x & (x - 1) == 0


def _replacement(expected: str, found: str) -> Edit:
    if found in KEYBOARD.get(expected, ()):
        return Edit("keyboard", f"keyboard neighbour '{found}' for '{expected}'", typical=True)
    if expected in _VOWELS and found in _VOWELS:
        return Edit("vowel swap", f"vowel '{found}' for '{expected}'", typical=True)
    if _bitflip(expected, found) and found in _LDH:
        return Edit("bitsquat", f"bit flip '{found}' for '{expected}'", typical=True)
    return Edit("replacement", f"'{found}' for '{expected}'", typical=False)


def classify(candidate: str, token: str) -> list[Edit] | None:
    """The edits turning `token` into `candidate`, or None when they exceed the token's budget."""
    budget = max_edits(token)
    if budget == 0 or abs(len(candidate) - len(token)) > budget:
        return None
    if Levenshtein.distance(candidate, token, score_cutoff=budget + 1) > budget + 1:
        return None
    # Adjacent transposition is one slip, though Levenshtein counts two.
    if len(candidate) == len(token):
        diff = [i for i in range(len(token)) if token[i] != candidate[i]]
        if (
            len(diff) == 2
            and diff[1] == diff[0] + 1
            and token[diff[0]] == candidate[diff[1]]
            and token[diff[1]] == candidate[diff[0]]
        ):
            pair = token[diff[0] : diff[1] + 1]
            return [Edit("transposition", f"'{pair}' swapped", typical=True)]
    ops = Levenshtein.editops(token, candidate)
    if not 0 < len(ops) <= budget:
        return None
    edits: list[Edit] = []
    for op in ops:
        if op.tag == "delete":
            edits.append(Edit("omission", f"'{token[op.src_pos]}' left out", typical=True))
        elif op.tag == "insert":
            inserted = candidate[op.dest_pos]
            before = candidate[op.dest_pos - 1] if op.dest_pos > 0 else ""
            after = token[op.src_pos] if op.src_pos < len(token) else ""
            if inserted in {before, after}:
                edits.append(Edit("repetition", f"'{inserted}' doubled", typical=True))
            elif inserted == "-":
                edits.append(Edit("hyphenation", "a hyphen inserted", typical=True))
            elif inserted in KEYBOARD.get(before, ()) or inserted in KEYBOARD.get(after, ()):
                edits.append(Edit("keyboard", f"keyboard neighbour '{inserted}' inserted", typical=True))
            else:
                edits.append(Edit("insertion", f"'{inserted}' inserted", typical=False))
        else:
            edits.append(_replacement(token[op.src_pos], candidate[op.dest_pos]))
    if len(token) <= SHORT_TOKEN and not all(e.typical for e in edits):
        return None
    return edits


def describe(edits: list[Edit], token: str) -> str:
    count = len(edits)
    noun = "edit" if count == 1 else "edits"
    return f"{count} {noun} from {token} ({', '.join(e.detail for e in edits)})"
