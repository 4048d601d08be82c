"""Everything under a protected suffix is allowlisted exactly as an official domain; written into another
name it is subdomain abuse."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.domain.model import Signal, Verdict
from antifraud.domain.normalize import normalize_domain

STATE = Brand("State bodies", (), (), (), suffixes=("gov.kz",))


@pytest.fixture(scope="module")
def state(lexicon):
    return Detector([STATE], lexicon=lexicon)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True), min_size=1, max_size=3))
def test_every_name_under_it_is_allowed(state, suffixes, labels):
    name = normalize_domain(".".join([*labels, "gov.kz"]), suffixes)
    result = state.assess_domain(name, [Signal("page_card_form", 25, "x"), Signal("reported_by_many", 45, "y")])
    assert result.verdict is Verdict.ALLOW
    allow = next(s for s in result.signals if s.name == "allowlisted")
    assert allow.detail == "protected suffix gov.kz of State bodies"
    assert state.protected_domain(name) is STATE


def test_written_into_another_name_it_is_subdomain_abuse(state, suffixes):
    result = state.assess_domain(normalize_domain("portal.gov.kz.verify-login.com", suffixes))
    assert result.verdict is Verdict.BLOCK
    assert "protected suffix gov.kz" in result.signals[0].detail


def test_a_neighbouring_suffix_is_not_protected(state, suffixes):
    assert state.assess_domain(normalize_domain("shop.com.kz", suffixes)).verdict is Verdict.NONE
