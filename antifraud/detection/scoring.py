"""Signals → score → verdict. Deterministic; the only place thresholds are applied.

Why 80 and 40 by default: one brand signal (a brand token, a TLD swap, a typo: 45-55) lands in
review; a brand signal with corroboration (a strong lure word, a second brand signal, a homoglyph,
an official domain written into a subdomain) reaches 80 and blocks. Context hints (suffix, platform,
randomness, lure words without a brand) are 5-20 each and cannot block on their own. Reports from
distinct operators (see reports.py) add up to 45, so three operators plus any lexical hint block.

Evidence decides (see evidence.py): a brand lookalike that the center's own DNS or page evidence
confirms (a login or card form, the brand named on a foreign page, lure text, a fresh registration,
bad hosting) is lifted to block, with a `confirmed_lookalike` reason that says what was seen; the same
evidence about a name that imitates no brand reaches review at most, unless it is very strong (two
hard findings, such as a card form posting to another site). A `popular_domain` signal (the
popularity prior) holds a verdict in review: a long-established site is never listed automatically.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from antifraud.detection.evidence import CAPPED, CONFIRMED, ceiling, confirmation
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
    """Sum the weights (clamped to 0-100) and apply the thresholds. An `allowlisted` signal always wins.

    A confirmed lookalike is lifted to the block threshold; a capped assessment (popular site, evidence
    without a lookalike) is held just under it. Both say so in a signal of their own.
    """
    given = [s for s in signals if s.name not in {CONFIRMED, CAPPED}]  # derived again below, never trusted
    if not given:  # most names: nothing to say, and nothing to allocate
        return _NOTHING
    if any(s.name == ALLOWLISTED for s in given):
        return Assessment(score=0, verdict=Verdict.ALLOW, signals=tuple(sorted(given, key=_order)), category=None)
    score = sum(s.weight for s in given)
    lift = confirmation(given, thresholds.block - score)
    if lift is not None:
        given.append(lift)
        score += lift.weight
    cap = ceiling(given, score, thresholds.block)
    if cap is not None:
        given.append(cap)
        score += cap.weight
    score = max(0, min(MAX_SCORE, score))
    if score >= thresholds.block:
        verdict = Verdict.BLOCK
    elif score >= thresholds.review:
        verdict = Verdict.REVIEW
    else:
        verdict = Verdict.NONE
    return Assessment(score=score, verdict=verdict, signals=tuple(sorted(given, key=_order)), category=category)
