"""Detection signals on realistic Kazakh and Russian examples, against the bundled brands and lexicon."""

from __future__ import annotations

import pytest

from antifraud.adapters.detection_config import load_detector
from antifraud.detection import Thresholds, combine, report_signals
from antifraud.domain.model import Category, Signal, Verdict
from antifraud.domain.normalize import normalize_domain, normalize_phone
from antifraud.settings import DEFAULT_CONFIG_DIR


@pytest.fixture(scope="module")
def detector(suffixes):
    return load_detector(DEFAULT_CONFIG_DIR / "brands.toml", DEFAULT_CONFIG_DIR / "lexicon.toml", suffixes)


def assess(detector, suffixes, name):
    return detector.assess_domain(normalize_domain(name, suffixes))


def names(assessment):
    return {s.name for s in assessment.signals}


def details(assessment):
    return " | ".join(s.detail for s in assessment.signals)


@pytest.mark.parametrize(
    "name",
    [
        "kaspi.kz",
        "pay.kaspi.kz",
        "KASPI.KZ.",
        "homebank.kz",
        "online.halykbank.kz",
        "egov.kz",
        "www.egov.kz",
        "kgd.gov.kz",
        "beeline.kz",
        "telecom.kz",
        "https://kaspi.kz/shop",
    ],
)
def test_official_domains_and_their_subdomains_are_never_flagged(detector, suffixes, name):
    a = assess(detector, suffixes, name)
    assert a.verdict is Verdict.ALLOW
    assert a.score == 0


@pytest.mark.parametrize(
    "name",
    [
        "weather.kz",
        "nur.kz",
        "tengrinews.kz",
        "almaty-rent.kz",
        "google.com",
        "wikipedia.org",
        "mail.ru",
        "astana.gov.kz",
    ],
)
def test_ordinary_names_are_not_flagged(detector, suffixes, name):
    assert assess(detector, suffixes, name).verdict is Verdict.NONE


def test_cyrillic_homoglyph_of_kaspi_is_blocked_and_explained(detector, suffixes):
    a = assess(detector, suffixes, "kаspi.kz")  # Cyrillic а
    assert a.verdict is Verdict.BLOCK
    assert {"homoglyph", "mixed_scripts"} <= names(a)
    assert "Cyrillic 'а' for 'a' in kаspi" in details(a)
    assert a.category is Category.PHISHING


def test_whole_cyrillic_lookalike_of_a_latin_brand(detector, suffixes):
    a = assess(detector, suffixes, "еgov.kz")  # Cyrillic е
    assert a.verdict is Verdict.BLOCK
    assert "reads as egov" in details(a)


@pytest.mark.parametrize(
    ("name", "reads_as"), [("kasp1.kz", "kaspi"), ("ha1ykbank.kz", "halykbank"), ("h0mebank.kz", "homebank")]
)
def test_digits_for_letters(detector, suffixes, name, reads_as):
    a = assess(detector, suffixes, name)
    assert a.verdict is Verdict.BLOCK
    assert f"reads as {reads_as}" in details(a)


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("halykbnk.kz", "omission"),
        ("hallykbank.kz", "repetition"),
        ("hlaykbank.kz", "transposition"),
        ("halykbamk.kz", "keyboard neighbour"),
        ("kaspo.kz", "vowel swap"),
        ("halykbanks.kz", "insertion"),
    ],
)
def test_typosquats_name_the_typo(detector, suffixes, name, kind):
    a = assess(detector, suffixes, name)
    assert "typosquat" in names(a)
    assert kind in details(a)
    assert a.verdict in {Verdict.REVIEW, Verdict.BLOCK}


def test_hyphenation_of_a_brand(detector, suffixes):
    a = assess(detector, suffixes, "halyk-bank.kz")
    assert "typosquat" in names(a)
    assert "hyphens" in details(a)


def test_short_brand_tokens_do_not_match_ordinary_words_by_one_edit(detector, suffixes):
    # kcell is five letters: 'kcall' is one edit away but we do not flag a changed first letter
    assert assess(detector, suffixes, "scell.kz").verdict is Verdict.NONE


@pytest.mark.parametrize(
    ("name", "lure"),
    [
        ("kaspi-bonus.kz", "bonus"),
        ("halyk-invest.com", "invest"),
        ("egov-vyplata.online", "vyplata"),
        ("kaspi-kabinet.site", "kabinet"),
        ("homebank-login.kz", "login"),
        ("kaspibonus.kz", "bonus"),
    ],
)
def test_brand_token_with_a_lure_word_is_blocked(detector, suffixes, name, lure):
    a = assess(detector, suffixes, name)
    assert a.verdict is Verdict.BLOCK
    assert {"combosquat", "brand_with_lure"} <= names(a)
    assert f"lure word '{lure}'" in details(a)


def test_a_lure_word_inside_the_typod_brand_itself_does_not_count(detector, suffixes):
    a = assess(detector, suffixes, "halykbamk.kz")
    assert "brand_with_lure" not in names(a)


def test_brand_token_alone_goes_to_review(detector, suffixes):
    a = assess(detector, suffixes, "kaspi-shop.kz")
    assert a.verdict is Verdict.REVIEW
    assert "brand token 'kaspi'" in details(a)


def test_a_typo_of_a_brand_inside_a_hyphenated_name(detector, suffixes):
    a = assess(detector, suffixes, "centercredjt-online.kz")
    assert a.verdict in {Verdict.REVIEW, Verdict.BLOCK}
    assert "centercredit" in details(a)


def test_official_domain_inside_the_subdomains_of_another_domain(detector, suffixes):
    a = assess(detector, suffixes, "kaspi.kz.verify-login.com")
    assert a.verdict is Verdict.BLOCK
    assert "official domain kaspi.kz" in details(a)
    b = assess(detector, suffixes, "egov.kz-secure.site")  # the 'com-' trick
    assert "subdomain_abuse" in names(b)
    assert b.verdict is Verdict.BLOCK


def test_brand_token_in_subdomains_of_an_unrelated_domain(detector, suffixes):
    a = assess(detector, suffixes, "homebank.secure-pay.ru")
    assert "subdomain_abuse" in names(a)
    assert a.verdict is Verdict.BLOCK


def test_tld_swap(detector, suffixes):
    a = assess(detector, suffixes, "kaspi.com")
    assert "tld_swap" in names(a)
    assert a.verdict is Verdict.REVIEW
    b = assess(detector, suffixes, "halykbank.online")
    assert {"tld_swap", "risky_tld"} <= names(b)


def test_lure_words_alone_are_weak(detector, suffixes):
    a = assess(detector, suffixes, "bonus-invest.xyz")
    assert a.verdict is Verdict.NONE
    assert "lure_words" in names(a)
    assert a.category is Category.INVESTMENT_SCAM


def test_shared_platform_lists_the_tenant(detector, suffixes):
    name = normalize_domain("kaspi-login.github.io", suffixes)
    assert name.registered == "kaspi-login.github.io"
    a = detector.assess_domain(name)
    assert a.verdict is Verdict.BLOCK
    assert "shared_platform" in names(a)


def test_extra_signals_join_the_same_score(detector, suffixes):
    name = normalize_domain("kaspi-shop.kz", suffixes)
    base = detector.assess_domain(name)
    more = detector.assess_domain(name, report_signals(3, 5))
    assert more.score > base.score
    assert "reported by 3 distinct operators" in details(more)


def test_assessment_is_deterministic(detector, suffixes):
    first = assess(detector, suffixes, "kaspi-bonus.kz")
    assert all(assess(detector, suffixes, "kaspi-bonus.kz") == first for _ in range(3))


def test_combine_applies_thresholds_and_caps():
    t = Thresholds(block=80, review=40)
    assert combine([Signal("a", 30, "x")], t).verdict is Verdict.NONE
    assert combine([Signal("a", 40, "x")], t).verdict is Verdict.REVIEW
    assert combine([Signal("a", 70, "x"), Signal("b", 70, "y")], t).score == 100
    assert combine([Signal("a", 90, "x"), Signal("allowlisted", 0, "official")], t).verdict is Verdict.ALLOW


def test_report_signals_grow_with_distinct_operators():
    assert report_signals(0, 0) == []
    one, three = report_signals(1, 4), report_signals(3, 3)
    assert one[0].weight < three[0].weight
    assert "4 reports" in one[0].detail


# phones --------------------------------------------------------------------------------------------
def phone(detector, text, extra=()):
    return detector.assess_phone(normalize_phone(text), extra)


@pytest.mark.parametrize("number", ["+77272585965", "8 727 258 59 65", "9999", "1414"])
def test_protected_numbers_are_allowed(detector, number):
    assert phone(detector, number).verdict is Verdict.ALLOW


def test_one_digit_from_an_official_number_is_spoofing(detector):
    a = phone(detector, "+7 727 258 59 66")
    assert "near_official_number" in names(a)
    assert "one digit away from Kaspi Bank's official +77272585965" in details(a)
    assert a.category is Category.SPOOFED_CALL
    assert a.verdict is Verdict.REVIEW
    b = phone(detector, "+7 727 258 59 11")
    assert "two digits away" in details(b)


def test_reports_from_several_operators_push_a_spoofer_to_block(detector):
    a = phone(detector, "+7 727 258 59 66", report_signals(3, 3))
    assert a.verdict is Verdict.BLOCK


def test_number_types_and_countries(detector):
    assert "foreign_on_plus7" in names(phone(detector, "+7 495 123 45 67"))  # Moscow, on the shared +7
    assert "foreign" in names(phone(detector, "+44 20 7946 0958"))
    assert not names(phone(detector, "+7 701 234 56 78"))  # an ordinary Kazakh mobile
    assert "type_premium_rate" in names(phone(detector, "+44 909 879 0000"))


def test_unallocated_and_the_kazakh_6xx_gap(detector):
    assert "unallocated" in names(phone(detector, "+7 100 123 45 67"))
    a = phone(detector, "+7 600 123 45 67")
    assert "kz_6xx_range" in names(a)
    assert "unallocated" not in names(a)


def test_unknown_short_codes_are_noted(detector):
    assert "short_code" in names(phone(detector, "7777"))
