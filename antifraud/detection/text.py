"""Small text tools shared by the heuristics: a trie-shaped regex for many literal words, entropy."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable

_Trie = dict[str, "_Trie"]


def trie_pattern(words: Iterable[str]) -> re.Pattern[str] | None:
    """One regex matching any of `words`, factored by common prefixes; None when there are no words.

    Python's `re` tries an alternation branch by branch at every position; factoring the words into a
    trie makes each position cost about one character test, five to ten times faster for a hundred
    words. Optional tails are greedy, so the longest word at a position wins.
    """
    trie: _Trie = {}
    for word in words:
        if not word:
            continue
        node = trie
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}  # end of a word
    if not trie:
        return None
    return re.compile(_alternation(trie))


def _alternation(node: _Trie) -> str:
    branches = [re.escape(ch) + _alternation(child) for ch, child in sorted(node.items()) if ch]
    if not branches:
        return ""
    body = branches[0] if len(branches) == 1 else "(?:" + "|".join(branches) + ")"
    if "" in node:  # a word ends here and longer ones go on: the rest is optional
        return body + "?" if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{body})?"
    return body


def entropy(text: str) -> float:
    """Shannon entropy in bits per character."""
    if not text:
        return 0.0
    total = len(text)
    return -sum(n / total * math.log2(n / total) for n in Counter(text).values())
