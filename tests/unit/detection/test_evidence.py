"""Issue 12 §2: evidence that decides. The signal names are the ones the workers send (content analysis,
workers/dns/signals.py); a lookalike with confirming evidence blocks, evidence alone reviews."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from antifraud.detection import Thresholds, combine
from antifraud.detection.evidence import CAPPED, CONFIRMED, FRESH_REGISTRATION
from antifraud.domain.model import Signal, Verdict
from antifraud.domain.normalize import normalize_domain

T = Thresholds(block=80, review=40)
TYPO = Signal("typosquat", 55, "kaspo: 1 edit from kaspi (keyboard neighbour 'o' for 'i')")
LOGIN = Signal("page_password_form", 15, "the page has a password form (login, password)")
CARD = Signal("page_card_form", 25, "the page asks for card or SMS-code details (card number, cvv)")
OFFSITE = Signal("page_credentials_offsite", 35, "the credentials form posts to another site: evil.example")
BAD_HOSTING = Signal("dns_bad_hosting", 35, "resolves into bad hosting: 203.0.113.7 in 203.0.113.0/24 (bulletproof)")
FRESH = Signal(FRESH_REGISTRATION, 10, "registered 2 days ago")
LURE = Signal("page_lure_bank_security_service", 25, "the page speaks as a bank's security service")


def by_name(result, name):
    return next(s for s in result.signals if s.name == name)


@pytest.mark.parametrize(
    ("evidence", "seen"),
    [
        (LOGIN, "a login form"),
        (CARD, "a card or SMS-code form"),
        (BAD_HOSTING, "bad hosting"),
        (FRESH, "a fresh registration"),
        (LURE, "lure text"),
        (Signal("page_brand_named", 10, "the page names Kaspi Bank but is not on kaspi.kz"), "the brand named"),
        (Signal("dns_fast_flux", 40, "fast-flux DNS: 9 addresses in 6 networks"), "fast-flux DNS"),
    ],
)
def test_a_lookalike_confirmed_by_evidence_blocks_and_says_what_was_seen(evidence, seen):
    result = combine([TYPO, evidence], T)
    assert result.verdict is Verdict.BLOCK
    assert result.score == 80 or TYPO.weight + evidence.weight > 80
    lift = [s for s in result.signals if s.name == CONFIRMED]
    if TYPO.weight + evidence.weight < 80:
        assert seen in lift[0].detail
        assert lift[0].weight == 80 - TYPO.weight - evidence.weight


def test_the_lift_names_every_kind_of_evidence_once():
    lure = Signal("page_lure_credential_request", 5, "x")
    result = combine([TYPO, LOGIN, lure, Signal("page_lure_state_payout", 3, "y")], T)
    assert by_name(result, CONFIRMED).detail == "the typosquat is confirmed by a login form, lure text"


def test_a_lookalike_without_evidence_stays_in_review():
    assert combine([TYPO], T).verdict is Verdict.REVIEW
    # reports and weak DNS hints are not confirmation of what the page is
    assert combine([TYPO, Signal("dns_parked", 10, "parked")], T).verdict is Verdict.REVIEW
    assert (
        combine([TYPO, Signal("page_phone_numbers", 0, "the page advertises +77011234567")], T).verdict
        is Verdict.REVIEW
    )


def test_a_weak_hint_is_no_lookalike_to_confirm():
    result = combine([Signal("lure_words", 8, "lure word 'login' (no brand)"), LOGIN, LURE], T)
    assert result.verdict is Verdict.REVIEW
    assert CONFIRMED not in {s.name for s in result.signals}


def test_evidence_alone_reaches_review_at_most():
    result = combine([LOGIN, LURE, Signal("page_lure_credential_request", 10, "x"), BAD_HOSTING], T)
    assert result.verdict is Verdict.REVIEW
    assert result.score == 79
    assert "imitates no protected brand" in by_name(result, CAPPED).detail


def test_very_strong_evidence_alone_blocks():
    # a card form whose data goes to another site, on bad hosting: fraud by itself
    result = combine([CARD, OFFSITE, BAD_HOSTING], T)
    assert result.verdict is Verdict.BLOCK
    assert CAPPED not in {s.name for s in result.signals}


def test_reports_are_not_capped_as_page_evidence():
    result = combine([Signal("reported_by_many", 45, "4 operators"), Signal("feed", 45, "trusted feed")], T)
    assert result.verdict is Verdict.BLOCK


def test_a_popular_site_is_held_even_with_evidence():
    popular = Signal("popular_domain", 0, "nubank.com.br is a long-established site")
    result = combine([TYPO, CARD, OFFSITE, popular], T)
    assert result.verdict is Verdict.REVIEW
    assert result.score == 79


def test_derived_signals_sent_in_are_ignored():
    # an attacker (or a stale stored assessment) cannot pre-lift or pre-cap a name
    forged = [Signal(CONFIRMED, 80, "trust me"), Signal(CAPPED, -100, "hold")]
    assert combine(forged, T).verdict is Verdict.NONE
    assert combine([TYPO, *forged], T).score == 55


def test_the_detector_passes_evidence_through_the_same_rules(kz_detector, suffixes):
    name = normalize_domain("kaspo.kz", suffixes)
    assert kz_detector.assess_domain(name).verdict is Verdict.REVIEW
    assert kz_detector.assess_domain(name, [LOGIN]).verdict is Verdict.BLOCK
    official = normalize_domain("kaspi.kz", suffixes)
    assert kz_detector.assess_domain(official, [LOGIN, CARD, OFFSITE]).verdict is Verdict.ALLOW


_NAMES = ["typosquat", "combosquat", "page_password_form", "page_card_form", "dns_bad_hosting", "popular_domain", "x"]


@given(st.lists(st.tuples(st.sampled_from(_NAMES), st.integers(-10, 90)), max_size=6))
def test_the_rules_never_depend_on_order_and_the_score_is_the_sum(items):
    signals = [Signal(n, w, f"{n}{i}") for i, (n, w) in enumerate(items)]
    result = combine(signals, T)
    assert result == combine(list(reversed(signals)), T)
    if result.signals:
        assert result.score == max(0, min(100, sum(s.weight for s in result.signals)))
