"""The listing policy: pure transitions."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from antifraud.domain.model import Assessment, Category, DecisionOrigin, ListingState, Verdict
from antifraud.domain.policy import Rules, dominant_category, on_evidence, on_expiry, on_liveness, on_report

NOW = datetime(2026, 11, 22, 12, tzinfo=UTC)
RULES = Rules(auto_list_distinct_operators=3, expiry_days={Category.PHISHING: 90}, default_expiry_days=180)
NONE = Assessment(10, Verdict.NONE)
BLOCK = Assessment(90, Verdict.BLOCK)
ALLOW = Assessment(0, Verdict.ALLOW)


def report(state=ListingState.CANDIDATE, assessment=NONE, operators=1, *, allowlisted=False, locked=False):
    return on_report(
        state, assessment, operators, Category.PHISHING, RULES, NOW, allowlisted=allowlisted, analyst_locked=locked
    )


def test_a_first_report_sends_the_indicator_to_review():
    t = report()
    assert t is not None
    assert (t.to_state, t.origin, t.verdict) == (ListingState.REVIEW, DecisionOrigin.AUTO, Verdict.REVIEW)


def test_a_block_assessment_lists_automatically_with_expiry_per_category():
    t = report(assessment=BLOCK)
    assert t is not None
    assert t.to_state is ListingState.LISTED
    assert t.expires_at == NOW + timedelta(days=90)
    assert "scored 90" in t.reason


def test_enough_distinct_operators_list_automatically():
    assert report(operators=2).to_state is ListingState.REVIEW
    t = report(state=ListingState.REVIEW, operators=3)
    assert t is not None
    assert t.to_state is ListingState.LISTED
    assert "3 distinct operators" in t.reason


def test_the_allowlist_always_wins():
    assert report(assessment=BLOCK, operators=10, allowlisted=True) is None
    assert report(assessment=ALLOW, operators=10) is None


def test_after_an_analyst_unlisted_it_automation_only_asks_for_review():
    t = report(state=ListingState.DELISTED, assessment=BLOCK, operators=5, locked=True)
    assert t is not None
    assert t.to_state is ListingState.REVIEW
    assert "analyst" in t.reason


def test_a_new_report_reconfirms_a_listing():
    t = report(state=ListingState.LISTED)
    assert t is not None
    assert t.to_state is ListingState.LISTED
    assert t.expires_at == NOW + timedelta(days=90)


def test_review_stays_review_without_new_evidence():
    assert report(state=ListingState.REVIEW) is None


def test_expiry():
    assert on_expiry(ListingState.LISTED, NOW - timedelta(seconds=1), NOW).to_state is ListingState.EXPIRED
    assert on_expiry(ListingState.LISTED, NOW + timedelta(days=1), NOW) is None
    assert on_expiry(ListingState.REVIEW, NOW - timedelta(days=1), NOW) is None


def test_dominant_category_prefers_reporters_then_evidence():
    assert dominant_category([Category.PHISHING, Category.PHISHING, Category.PYRAMID], None) is Category.PHISHING
    assert dominant_category([Category.OTHER], Category.BANK_IMPERSONATION) is Category.BANK_IMPERSONATION
    assert dominant_category([], None) is Category.OTHER
    # ties are broken the same way every time
    assert dominant_category([Category.PYRAMID, Category.PHISHING], None) is Category.PHISHING


def test_liveness_unlists_the_long_dead_and_relists_the_returning():
    dead_after = timedelta(days=14)
    since = NOW - timedelta(days=15)
    t = on_liveness(ListingState.LISTED, False, since, False, dead_after, Category.PHISHING, RULES, NOW)
    assert t is not None
    assert t.to_state is ListingState.EXPIRED
    assert (
        on_liveness(
            ListingState.LISTED, False, NOW - timedelta(days=3), False, dead_after, Category.PHISHING, RULES, NOW
        )
        is None
    )
    back = on_liveness(ListingState.EXPIRED, True, None, True, dead_after, Category.PHISHING, RULES, NOW)
    assert back is not None
    assert back.to_state is ListingState.LISTED
    assert on_liveness(ListingState.EXPIRED, True, None, False, dead_after, Category.PHISHING, RULES, NOW) is None


def test_evidence_lists_blocks_reviews_and_respects_analysts():
    assert (
        on_evidence(ListingState.REVIEW, BLOCK, Category.PHISHING, RULES, NOW, analyst_locked=False).to_state
        is ListingState.LISTED
    )
    assert (
        on_evidence(
            ListingState.CANDIDATE, Assessment(50, Verdict.REVIEW), Category.PHISHING, RULES, NOW, analyst_locked=False
        ).to_state
        is ListingState.REVIEW
    )
    assert on_evidence(ListingState.DELISTED, BLOCK, Category.PHISHING, RULES, NOW, analyst_locked=True) is None
    assert on_evidence(ListingState.REVIEW, ALLOW, Category.PHISHING, RULES, NOW, analyst_locked=False) is None
