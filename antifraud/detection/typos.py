"""Typosquat edits: how far a label is from a brand token, and what kind of slip each edit is.

Distances come from rapidfuzz (C). The kind of edit matters for short tokens: `kaspo` (a keyboard
neighbour) is a typosquat of `kaspi`, `kasha` is a word; so tokens of six letters or fewer only
match through edits squatters actually use (keyboard neighbours, omissions, repetitions,
transpositions, vowel swaps, bit flips, lookalike letters, digits for letters), and longer tokens
through any edit within their budget. Tokens of eight or nine letters tolerate two edits when both
are such slips (`gosusliigi`: a vowel swapped and a letter doubled).
"""

from __future__ import annotations

from dataclasses import dataclass

from rapidfuzz.distance import Editop, Levenshtein

_ROWS = ("1234567890-", "qwertyuiop", "asdfghjkl", "zxcvbnm")
# `y` is a vowel of transliterated Kazakh and Russian (ы, й): `jusyn` is a vowel swap of `jusan`.
VOWELS = frozenset("aeiouy")
_LDH = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")
# Single characters that look like another in a name (more in antifraud.detection.variants).
VISUAL_LETTERS: dict[str, frozenset[str]] = {
    "i": frozenset("l1"),
    "l": frozenset("i1"),
    "o": frozenset("0"),
    "0": frozenset("o"),
    "1": frozenset("li"),
    "g": frozenset("q"),
    "q": frozenset("g"),
    "u": frozenset("v"),
    "v": frozenset("u"),
}

_GARBLES = frozenset({"repetition", "transposition"})
SHORT_TOKEN = 6  # tokens this long or shorter match only through typical edits
MIN_FUZZY_TOKEN = 5  # below this, one edit turns a brand into ordinary words
TWO_TYPICAL_EDITS_TOKEN = 8  # tokens this long tolerate two typical slips
TWO_EDIT_TOKEN = 10  # tokens this long or longer tolerate two edits of any kind


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
    return 2 if len(token) >= TWO_TYPICAL_EDITS_TOKEN else 1


@dataclass(frozen=True, slots=True)
class Edit:
    kind: str  # omission, repetition, insertion, keyboard, vowel swap, bitsquat, visual, digit, transposition, ...
    detail: str
    typical: bool  # an edit typosquatters use; atypical edits count only on long tokens


def bitflip(a: str, b: str) -> bool:
    x = ord(a) ^ ord(b)
    return x != 0 and x & (x - 1) == 0


def replacement(expected: str, found: str) -> Edit:
    """What kind of slip writing `found` for `expected` is."""
    if found in VISUAL_LETTERS.get(expected, ()):
        return Edit("visual", f"'{found}' for '{expected}'", typical=True)
    if found in KEYBOARD.get(expected, ()):
        return Edit("keyboard", f"keyboard neighbour '{found}' for '{expected}'", typical=True)
    if expected in VOWELS and found in VOWELS:
        return Edit("vowel swap", f"vowel '{found}' for '{expected}'", typical=True)
    if bitflip(expected, found) and found in _LDH:
        return Edit("bitsquat", f"bit flip '{found}' for '{expected}'", typical=True)
    if found.isdigit() and expected.isalpha():
        return Edit("digit", f"digit '{found}' for '{expected}'", typical=True)
    return Edit("replacement", f"'{found}' for '{expected}'", typical=False)


def insertion(inserted: str, before: str, after: str, following: str = "") -> Edit:
    """What kind of slip inserting `inserted` between `before` and `after` is (`following`: the character
    after it in the candidate, which another edit may have changed: `gosusliigi` doubles an `i`)."""
    if inserted in {before, after, following}:
        return Edit("repetition", f"'{inserted}' doubled", typical=True)
    if inserted == "-":
        return Edit("hyphenation", "a hyphen inserted", typical=True)
    if inserted in KEYBOARD.get(before, ()) or inserted in KEYBOARD.get(after, ()):
        return Edit("keyboard", f"keyboard neighbour '{inserted}' inserted", typical=True)
    return Edit("insertion", f"'{inserted}' inserted", typical=False)


def _transposition(candidate: str, token: str) -> Edit | None:
    """Adjacent transposition is one slip, though Levenshtein counts two."""
    if len(candidate) != len(token):
        return None
    diff = [i for i in range(len(token)) if token[i] != candidate[i]]
    if (
        len(diff) == 2
        and diff[1] == diff[0] + 1
        and token[diff[0]] == candidate[diff[1]]
        and token[diff[1]] == candidate[diff[0]]
    ):
        return Edit("transposition", f"'{token[diff[0] : diff[1] + 1]}' swapped", typical=True)
    return None


def classify(candidate: str, token: str) -> list[Edit] | None:
    """The edits turning `token` into `candidate`, or None when they exceed the token's budget."""
    budget = max_edits(token)
    if budget == 0 or abs(len(candidate) - len(token)) > budget:
        return None
    if Levenshtein.distance(candidate, token, score_cutoff=budget + 1) > budget + 1:
        return None
    swap = _transposition(candidate, token)
    if swap is not None:
        return [swap]
    ops: list[Editop] = list(Levenshtein.editops(token, candidate))
    if not 0 < len(ops) <= budget:
        return None
    if len(ops) == 2 and {ops[0].tag, ops[1].tag} == {"delete", "insert"}:
        delete, insert = (ops[0], ops[1]) if ops[0].tag == "delete" else (ops[1], ops[0])
        if token[delete.src_pos] == candidate[insert.dest_pos]:  # `gosuslgiu`: a letter moved is one slip
            return [Edit("transposition", f"'{token[delete.src_pos]}' moved", typical=True)]
    edits: list[Edit] = []
    for op in ops:
        if op.tag == "delete":
            edits.append(Edit("omission", f"'{token[op.src_pos]}' left out", typical=True))
        elif op.tag == "insert":
            inserted = candidate[op.dest_pos]
            before = candidate[op.dest_pos - 1] if op.dest_pos > 0 else ""
            after = token[op.src_pos] if op.src_pos < len(token) else ""
            following = candidate[op.dest_pos + 1] if op.dest_pos + 1 < len(candidate) else ""
            edits.append(insertion(inserted, before, after, following))
        else:
            edits.append(replacement(token[op.src_pos], candidate[op.dest_pos]))
    if len(token) <= SHORT_TOKEN and not all(e.typical for e in edits):
        return None
    # Two slips in a middle-length name only when one garbles it in place: a doubled or swapped letter.
    if (
        len(edits) > 1
        and len(token) < TWO_EDIT_TOKEN
        and (not all(e.typical for e in edits) or not any(e.kind in _GARBLES for e in edits))
    ):
        return None
    return edits


def describe(edits: list[Edit], token: str) -> str:
    count = len(edits)
    noun = "edit" if count == 1 else "edits"
    return f"{count} {noun} from {token} ({', '.join(e.detail for e in edits)})"
