"""Domain signals, one by one, on Kazakh and Russian examples."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.domain.model import Assessment, Category, Signal, Verdict
from antifraud.domain.normalize import normalize_domain


def signal(assessment: Assessment, name: str) -> Signal:
    found = [s for s in assessment.signals if s.name == name]
    assert found, f"no {name!r} signal in {[(s.name, s.detail) for s in assessment.signals]}"
    return found[0]


def names(assessment: Assessment) -> set[str]:
    return {s.name for s in assessment.signals}


# --- the brands' own names are never flagged ------------------------------------------------------------
@pytest.mark.parametrize(
    "name", ["kaspi.kz", "pay.kaspi.kz", "login.kaspi.kz", "halykbank.kz", "online.homebank.kz", "egov.kz", "post.kz"]
)
def test_official_domains_and_their_subdomains_are_allowed(assess, name):
    result = assess(name)
    assert result.verdict is Verdict.ALLOW
    assert result.score == 0
    assert result.category is None
    assert [s.name for s in result.signals] == ["allowlisted"]


@settings(max_examples=60, deadline=None)
@given(
    labels=st.lists(st.from_regex(r"[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?", fullmatch=True), min_size=1, max_size=3),
    official=st.sampled_from(["kaspi.kz", "halykbank.kz", "homebank.kz", "egov.kz", "beeline.kz"]),
)
def test_any_subdomain_of_an_official_domain_is_allowed(assess, labels, official):
    # Even when the subdomain is stuffed with lure words: the registrant is the brand.
    result = assess(".".join([*labels, official]))
    assert result.verdict is Verdict.ALLOW


def test_extra_signals_never_override_the_allowlist(detector, suffixes):
    name = normalize_domain("kaspi.kz", suffixes)
    result = detector.assess_domain(name, [Signal("reported_by_many", 45, "reported by 4 distinct operators")])
    assert result.verdict is Verdict.ALLOW


def test_an_unrelated_name_has_no_signal(assess):
    result = assess("astana-hub.org")
    assert result.verdict is Verdict.NONE
    assert result.signals == ()
    assert result.category is None


# --- combosquats ----------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["kaspi-bonus.kz", "kaspibonus.kz", "kaspi-bonus.com", "bonus-kaspi.kz"])
def test_brand_token_with_a_strong_lure_word_blocks(assess, name):
    result = assess(name)
    assert result.verdict is Verdict.BLOCK
    assert signal(result, "combosquat").detail.startswith("brand token 'kaspi' (Kaspi Bank)")
    assert "'bonus'" in signal(result, "brand_with_lure").detail
    assert result.category is Category.BANK_IMPERSONATION


def test_brand_token_alone_goes_to_review(assess):
    result = assess("kaspishop.kz")
    assert result.verdict is Verdict.REVIEW
    assert names(result) == {"combosquat"}


def test_a_weak_lure_word_next_to_a_brand_only_reviews(assess):
    result = assess("kazpost-delivery.kz")
    assert result.verdict is Verdict.REVIEW
    assert signal(result, "brand_with_lure").weight < signal(result, "combosquat").weight
    assert result.category is Category.PHISHING  # Kazpost is not a bank


def test_investment_vocabulary_sets_the_category(assess):
    result = assess("halyk-invest.com")
    assert result.verdict is Verdict.BLOCK
    assert result.category is Category.INVESTMENT_SCAM


def test_transliterated_russian_lure_words_count(assess):
    result = assess("kaspi-vyplata.kz")
    assert "'vyplata'" in signal(result, "brand_with_lure").detail
    assert result.verdict is Verdict.BLOCK


def test_lure_words_inside_a_longer_word_do_not_count(assess):
    # 'pay' and 'app' are lure words as a whole part of a label, not inside 'display' or 'happy'.
    assert "lure_words" not in names(assess("display-happy.kz"))
    assert "'pay'" in signal(assess("pay-happy.kz"), "lure_words").detail


def test_lure_words_alone_stay_under_review(assess):
    result = assess("login-secure-verify-account.xyz")
    assert result.verdict is Verdict.NONE
    assert "(no brand)" in signal(result, "lure_words").detail
    assert result.category is Category.PHISHING


def test_a_short_keyword_counts_only_at_a_label_edge(assess):
    assert "combosquat" in names(assess("egov-pay.kz"))
    assert "combosquat" not in names(assess("megovna.kz"))


def test_the_longest_official_spelling_is_consumed_before_lure_words(lexicon, suffixes):
    # microsoftonline.com is official: in microsoftonline-p.com, 'online' is the brand's, not a lure.
    microsoft = Detector([Brand("Microsoft", ("microsoftonline.com",), ("microsoft",), ())], lexicon=lexicon)
    result = microsoft.assess_domain(normalize_domain("microsoftonline-p.com", suffixes))
    assert signal(result, "combosquat").detail.startswith("brand token 'microsoftonline'")
    assert "brand_with_lure" not in names(result)
    assert result.verdict is Verdict.REVIEW


# --- subdomain abuse -------------------------------------------------------------------------------------
@pytest.mark.parametrize("name", ["kaspi.kz.verify-login.com", "kaspi.kz-secure.top", "www.egov.kz.gov-pay.ru"])
def test_an_official_domain_written_into_another_name_blocks(assess, name):
    result = assess(name)
    assert result.verdict is Verdict.BLOCK
    assert signal(result, "subdomain_abuse").weight >= 80


def test_a_brand_token_in_the_subdomains_of_another_domain(assess):
    result = assess("kaspi.payments-center.com")
    detail = signal(result, "subdomain_abuse").detail
    assert "'kaspi'" in detail
    assert "payments-center.com" in detail
    assert result.verdict in {Verdict.REVIEW, Verdict.BLOCK}


def test_a_brand_label_under_a_second_level_suffix_is_a_tld_swap(assess):
    # 'kaspi.com.kz' holds the text 'kaspi.com' but com.kz is its suffix: a TLD swap, not an embedded domain.
    result = assess("kaspi.com.kz")
    assert "subdomain_abuse" not in names(result)
    assert "tld_swap" in names(result)


# --- TLD swap --------------------------------------------------------------------------------------------
@pytest.mark.parametrize(("name", "suffix"), [("kaspi.com", "com"), ("halykbank.online", "online"), ("egov.kg", "kg")])
def test_a_brand_label_under_another_suffix(assess, name, suffix):
    result = assess(name)
    detail = signal(result, "tld_swap").detail
    assert f"under .{suffix}" in detail
    assert result.verdict is Verdict.REVIEW


def test_a_brand_label_as_a_tenant_of_free_hosting(assess):
    result = assess("kaspi.github.io")
    assert "tenant of the shared platform github.io" in signal(result, "tld_swap").detail
    assert "shared_platform" in names(result)


# --- typosquats ------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("name", "how"),
    [
        ("halykbnk.kz", "'a' left out"),
        ("halykbannk.kz", "'n' doubled"),
        ("halykbsnk.kz", "keyboard neighbour 's' for 'a'"),
        ("hlaykbank.kz", "'al' swapped"),
        ("kaspo.kz", "keyboard neighbour 'o' for 'i'"),
        ("kazakhtelekom.kz", "'k' for 'c'"),
        ("beelina.kz", "vowel 'a' for 'e'"),
        ("kaspi-bank.kz", None),
    ],
)
def test_typosquats_say_what_the_slip_is(assess, name, how):
    result = assess(name)
    assert result.verdict in {Verdict.REVIEW, Verdict.BLOCK}
    if how is not None:
        detail = signal(result, "typosquat").detail
        assert how in detail, detail


def test_typosquat_distance_is_scaled_by_label_length(assess):
    # Two edits of a 13-letter token still match; two edits of a 5-letter one do not.
    assert "typosquat" in names(assess("kazakhtelekon.kz"))
    assert assess("kasta.kz").verdict is Verdict.NONE


def test_short_tokens_only_match_typical_slips(assess):
    # 'kaspa' is a vowel swap of kaspi (typical); 'kasha' (porridge) is two replacements away: no match.
    assert "typosquat" in names(assess("kaspa.kz"))
    assert assess("kasha.kz").verdict is Verdict.NONE


def test_a_typo_of_the_brand_inside_a_combosquat(assess):
    result = assess("kaspo-bonus.kz")
    assert "kaspo" in signal(result, "typosquat").detail
    assert result.verdict is Verdict.BLOCK


def test_a_typo_hidden_between_lure_words(assess):
    result = assess("kaspobonus.kz")
    assert "1 edit from kaspi" in signal(result, "typosquat").detail


# --- homoglyphs and IDN ----------------------------------------------------------------------------------
def test_a_cyrillic_letter_in_a_brand_label_blocks(assess):
    result = assess("k\u0430spi.kz")  # Cyrillic а
    homoglyph = signal(result, "homoglyph")
    assert "Cyrillic 'а' for 'a'" in homoglyph.detail
    assert "kaspi (Kaspi Bank)" in homoglyph.detail
    assert "mixed_scripts" in names(result)
    assert result.verdict is Verdict.BLOCK


def test_several_cyrillic_letters_in_a_latin_brand(assess):
    result = assess("b\u0435\u0435line.kz")  # both e's are Cyrillic
    assert "homoglyph" in names(result)
    assert result.verdict is Verdict.BLOCK


def test_a_homoglyph_label_with_a_lure_word(assess):
    result = assess("k\u0430spi-bonus.kz")
    assert signal(result, "homoglyph").weight == 70
    assert result.verdict is Verdict.BLOCK


def test_digits_for_letters(assess):
    result = assess("ka5pi.kz")
    assert "digit '5' for 's'" in signal(result, "homoglyph").detail
    assert "kaspi" in signal(result, "homoglyph").detail


def test_unicode_confusable_digits_from_uts39(assess):
    result = assess("h0mebank.kz")
    assert "digit '0' for 'o'" in signal(result, "homoglyph").detail


def test_the_brand_spelt_in_cyrillic(assess):
    result = assess("каспи-бонус.kz")
    assert "spelt in Cyrillic" in signal(result, "transliterated_brand").detail
    assert "'bonus'" in signal(result, "brand_with_lure").detail
    assert result.verdict is Verdict.BLOCK


def test_kazakh_letters_transliterate(assess):
    result = assess("халықбанк.kz")
    assert "halykbank (Halyk Bank)" in signal(result, "transliterated_brand").detail


def test_latin_mixed_with_japanese_is_not_mixed_script(assess):
    result = assess("kaspiストア.jp")
    assert "mixed_scripts" not in names(result)
    assert "combosquat" in names(result)


def test_an_ordinary_cyrillic_name_is_not_flagged(assess):
    assert assess("магазин-цветов.kz").verdict is Verdict.NONE
    assert assess("президент.қаз").verdict is Verdict.NONE


# --- context ---------------------------------------------------------------------------------------------
def test_risky_suffix_is_a_weak_hint(assess):
    result = assess("flowers-almaty.xyz")
    assert signal(result, "risky_tld").weight == 10
    assert result.verdict is Verdict.NONE


def test_free_hosting_tenant_is_what_gets_scored(assess):
    result = assess("kaspi-bonus.000webhostapp.com")
    assert "000webhostapp.com" in signal(result, "shared_platform").detail
    assert result.verdict is Verdict.BLOCK


def test_random_looking_labels_and_hyphens_are_weak_hints(assess):
    result = assess("x9k2q7zv4m1p8w.top")
    assert "random_label" in names(result)
    assert result.verdict is Verdict.NONE
    assert "many_hyphens" in names(assess("a-b-c-d.kz"))


# --- scoring with evidence from elsewhere -----------------------------------------------------------------
def test_extra_signals_add_to_the_same_score(detector, suffixes):
    name = normalize_domain("kaspishop.kz", suffixes)
    alone = detector.assess_domain(name)
    reported = detector.assess_domain(name, [Signal("reported_by_many", 35, "reported by 3 distinct operators")])
    assert reported.score == alone.score + 35
    assert reported.verdict is Verdict.BLOCK
    assert reported.signals[1].name == "combosquat" or reported.signals[0].name == "combosquat"


def test_assessment_is_deterministic(assess):
    assert assess("k\u0430spi-bonus.kz.verify.top") == assess("k\u0430spi-bonus.kz.verify.top")


def test_detector_without_lexicon_still_finds_lookalikes(suffixes, detector):
    bare = Detector(detector.brands)
    result = bare.assess_domain(normalize_domain("k\u0430spi.kz", suffixes))
    assert result.verdict is Verdict.BLOCK
    assert "brand_with_lure" not in names(bare.assess_domain(normalize_domain("kaspi-bonus.kz", suffixes)))
