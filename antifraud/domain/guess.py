"""What kind of indicator a bare value is, for commands that take values without a type (`check`, `score`).

Pure and cheap (a few character tests and one regular expression), because `antifraud score` asks it
for every line of a feed.
"""

from __future__ import annotations

import re
from collections.abc import Collection
from typing import Literal

from antifraud.domain.wallets import looks_like_wallet

Kind = Literal["domain", "url", "phone", "wallet"]
KINDS: tuple[Kind, ...] = ("domain", "url", "phone", "wallet")
# An IP literal is digits too, but it is reported as a host: the domain path says why it is refused.
_LETTER = re.compile(r"[^\W\d_]")
_IP_LITERAL = re.compile(r"\d{1,3}(?:\.\d{1,3}){3}|\[?[0-9a-fA-F]*:[0-9a-fA-F:.]*\]?")


def guess_kind(value: str, kinds: Collection[str] = KINDS) -> Kind:
    """`url` with a scheme; `wallet` with a wallet's shape; `phone` when it is digits (and `+ ()-`) with
    no letter; else `domain`. A kind missing from `kinds` is never answered (the value then falls through
    to the next guess), so a caller that cannot take wallets yet gets `domain` and its clear error."""
    text = value.strip()
    if "://" in text and "url" in kinds:
        return "url"
    # A wallet has no dot, unless it is a payment URI (`bitcoin:…?amount=0.1`): most names skip the regex.
    if "wallet" in kinds and ("." not in text or ":" in text) and looks_like_wallet(text):
        return "wallet"
    if _LETTER.search(text) is not None or _IP_LITERAL.fullmatch(text):
        return "domain"
    digits = sum(c.isdigit() for c in text)
    if "phone" in kinds and text and (text[0] == "+" or digits >= max(3, len(text.replace(" ", "")) - 4)):
        return "phone"
    return "domain"
