"""Signals → score → verdict. Deterministic; the only place thresholds are applied."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from antifraud.domain.model import Assessment, Category, Signal, Verdict

ALLOWLISTED = "allowlisted"


@dataclass(frozen=True, slots=True)
class Thresholds:
    block: int = 80
    review: int = 40


def combine(signals: Iterable[Signal], thresholds: Thresholds, category: Category | None = None) -> Assessment:
    ordered = tuple(sorted(signals, key=lambda s: (-s.weight, s.name, s.detail)))
    if any(s.name == ALLOWLISTED for s in ordered):
        return Assessment(score=0, verdict=Verdict.ALLOW, signals=ordered, category=None)
    score = max(0, min(100, sum(s.weight for s in ordered)))
    if score >= thresholds.block:
        verdict = Verdict.BLOCK
    elif score >= thresholds.review:
        verdict = Verdict.REVIEW
    else:
        verdict = Verdict.NONE
    return Assessment(score=score, verdict=verdict, signals=ordered, category=category)
