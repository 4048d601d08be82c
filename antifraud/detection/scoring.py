"""Signals → score → verdict. Deterministic; the only place thresholds are applied.

Why 80 and 40 by default: one brand signal (a brand token, a TLD swap, a typo: 45-55) lands in
review; a brand signal with corroboration (a strong lure word, a second brand signal, a homoglyph,
an official domain written into a subdomain) reaches 80 and blocks. Context hints (suffix, platform,
randomness, lure words without a brand) are 5-20 each and cannot block on their own. Reports from
distinct operators (see reports.py) add up to 45, so three operators plus any lexical hint block.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Assessment, Category, Signal, Verdict

ALLOWLISTED = "allowlisted"
MAX_SCORE = 100


@dataclass(frozen=True, slots=True)
class Thresholds:
    block: int = 80
    review: int = 40

    def __post_init__(self) -> None:
        if not 0 < self.review <= self.block <= MAX_SCORE:
            raise ConfigError(
                f"[scoring] needs 0 < review <= block <= {MAX_SCORE}; got review={self.review}, block={self.block}"
            )


_NOTHING = Assessment(score=0, verdict=Verdict.NONE)


def _order(signal: Signal) -> tuple[int, str, str]:
    return (-signal.weight, signal.name, signal.detail)


def combine(signals: Iterable[Signal], thresholds: Thresholds, category: Category | None = None) -> Assessment:
    """Sum the weights (clamped to 0-100) and apply the thresholds. An `allowlisted` signal always wins."""
    ordered = tuple(sorted(signals, key=_order))
    if not ordered:  # most names: nothing to say, and nothing to allocate
        return _NOTHING
    if any(s.name == ALLOWLISTED for s in ordered):
        return Assessment(score=0, verdict=Verdict.ALLOW, signals=ordered, category=None)
    score = max(0, min(MAX_SCORE, sum(s.weight for s in ordered)))
    if score >= thresholds.block:
        verdict = Verdict.BLOCK
    elif score >= thresholds.review:
        verdict = Verdict.REVIEW
    else:
        verdict = Verdict.NONE
    return Assessment(score=score, verdict=verdict, signals=ordered, category=category)
