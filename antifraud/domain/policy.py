"""The listing policy: pure rules that move an indicator between listing states.

    candidate ──report──► review ──analyst block──► listed ──expiry──► expired
        │                    │                        │
        └──auto (score ≥ block, or N distinct operators)┘   └──analyst unlist/allow──► delisted

The allowlist always wins: an allowlisted indicator is never listed, whoever asks.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta

from antifraud.domain.model import Assessment, Category, DecisionOrigin, ListingState, Verdict


@dataclass(frozen=True, slots=True)
class Rules:
    auto_list_distinct_operators: int
    expiry_days: dict[Category, float]
    default_expiry_days: float

    def expires_at(self, category: Category, now: datetime) -> datetime:
        return now + timedelta(days=self.expiry_days.get(category, self.default_expiry_days))


@dataclass(frozen=True, slots=True)
class Transition:
    to_state: ListingState
    origin: DecisionOrigin
    verdict: Verdict
    reason: str
    expires_at: datetime | None = None
    category: Category | None = None


def dominant_category(reported: Iterable[Category], assessed: Category | None) -> Category:
    """The category a listing is published under: what most reporters said, else what the evidence says."""
    counts = Counter(c for c in reported if c is not Category.OTHER)
    if counts:
        best = max(counts.values())
        return min(c for c, n in counts.items() if n == best)  # deterministic on ties
    return assessed or Category.OTHER


def on_report(
    state: ListingState,
    assessment: Assessment,
    distinct_operators: int,
    category: Category,
    rules: Rules,
    now: datetime,
    *,
    allowlisted: bool,
    analyst_locked: bool,
) -> Transition | None:
    """What a new report does to an indicator. None: nothing changes (beyond the report being kept)."""
    if allowlisted or assessment.verdict is Verdict.ALLOW:
        return None
    if state is ListingState.LISTED:
        # A fresh report re-confirms the listing: its expiry moves forward.
        return Transition(
            ListingState.LISTED,
            DecisionOrigin.AUTO,
            Verdict.BLOCK,
            "re-confirmed by a new report",
            rules.expires_at(category, now),
            category,
        )
    enough_operators = distinct_operators >= rules.auto_list_distinct_operators
    if not analyst_locked and (assessment.verdict is Verdict.BLOCK or enough_operators):
        why = (
            f"reported by {distinct_operators} distinct operators"
            if enough_operators
            else f"assessment scored {assessment.score}"
        )
        return Transition(
            ListingState.LISTED,
            DecisionOrigin.AUTO,
            Verdict.BLOCK,
            f"listed automatically: {why}",
            rules.expires_at(category, now),
            category,
        )
    if state is ListingState.REVIEW:
        return None
    why = (
        "an analyst unlisted it before; new reports need a person"
        if analyst_locked
        else "reported; waits for an analyst"
    )
    return Transition(ListingState.REVIEW, DecisionOrigin.AUTO, Verdict.REVIEW, why, None, category)


def on_expiry(state: ListingState, expires_at: datetime | None, now: datetime) -> Transition | None:
    if state is ListingState.LISTED and expires_at is not None and expires_at <= now:
        return Transition(ListingState.EXPIRED, DecisionOrigin.AUTO, Verdict.NONE, "expired without re-confirmation")
    return None


def on_evidence(
    state: ListingState,
    assessment: Assessment,
    category: Category,
    rules: Rules,
    now: datetime,
    *,
    analyst_locked: bool,
) -> Transition | None:
    """What the center's own findings (DNS, page content) do to an indicator.

    A block verdict lists it, as a report would; a review verdict puts an unseen name in the queue.
    Evidence alone never re-lists what an analyst took off the list.
    """
    if assessment.verdict is Verdict.ALLOW:
        return None
    if state is ListingState.LISTED:
        return None
    top = assessment.signals[0].detail if assessment.signals else "evidence"
    if assessment.verdict is Verdict.BLOCK and not analyst_locked:
        return Transition(
            ListingState.LISTED,
            DecisionOrigin.AUTO,
            Verdict.BLOCK,
            f"listed automatically: scored {assessment.score} on the center's own evidence ({top})",
            rules.expires_at(category, now),
            category,
        )
    if assessment.verdict in {Verdict.BLOCK, Verdict.REVIEW} and state in {
        ListingState.CANDIDATE,
        ListingState.EXPIRED,
    }:
        return Transition(
            ListingState.REVIEW, DecisionOrigin.AUTO, Verdict.REVIEW, f"evidence for an analyst: {top}", None, category
        )
    return None


DEAD = "dead"


def on_liveness(
    state: ListingState,
    alive: bool,
    dead_since: datetime | None,
    expired_as_dead: bool,
    dead_after: timedelta,
    category: Category,
    rules: Rules,
    now: datetime,
) -> Transition | None:
    """Listed sites are re-probed: one dead long enough leaves the list; one that comes back returns to it."""
    if state is ListingState.LISTED and not alive and dead_since is not None and now - dead_since >= dead_after:
        days = (now - dead_since).days
        return Transition(
            ListingState.EXPIRED,
            DecisionOrigin.AUTO,
            Verdict.NONE,
            f"unlisted: the site has been dead for {days} days (since {dead_since:%Y-%m-%d})",
        )
    if state is ListingState.EXPIRED and alive and expired_as_dead:
        return Transition(
            ListingState.LISTED,
            DecisionOrigin.AUTO,
            Verdict.BLOCK,
            "listed again: the site that was unlisted as dead is back online",
            rules.expires_at(category, now),
            category,
        )
    return None
