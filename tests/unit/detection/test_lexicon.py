"""The lexicon: data in config/lexicon.toml, validated with errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from antifraud.adapters.detection_config import DEFAULT_LEXICON, load_detector, load_lexicon, read_toml
from antifraud.detection.lexicon import Lexicon, PlatformKind, Strength, parse_lexicon
from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category


def test_the_shipped_lexicon_loads(lexicon):
    assert lexicon.lures["bonus"].strength is Strength.STRONG
    assert lexicon.lures["support"].strength is Strength.WEAK
    assert lexicon.lures["invest"].category is Category.INVESTMENT_SCAM
    assert "xyz" in lexicon.risky_suffixes
    assert lexicon.platforms["000webhostapp.com"] is PlatformKind.FREE_HOSTING
    assert lexicon.platforms["duckdns.org"] is PlatformKind.DYNAMIC_DNS
    assert lexicon.platforms["bit.ly"] is PlatformKind.SHORTENER


def test_cyrillic_lure_words_are_stored_transliterated(lexicon):
    assert "vyplata" in lexicon.lures  # from "выплата"
    assert "syilyk" in lexicon.lures  # from "сыйлық" (Kazakh)
    assert all(word.isascii() for word in lexicon.lures)


def test_transliteration():
    lexicon = parse_lexicon({"transliteration": {"к": "k", "а": "a", "с": "s", "п": "p", "и": "i"}})
    assert lexicon.transliterate("каспи") == "kaspi"
    assert lexicon.transliterate("kaspi") == "kaspi"


def test_an_empty_lexicon_is_valid():
    assert parse_lexicon({}) == Lexicon()


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lure": {"x": {"words": ["ok"], "strength": "huge"}}}, r"\[lure.x\]: strength must be 'strong' or 'weak'"),
        ({"lure": {"x": {"words": ["ok"], "category": "spam"}}}, r"unknown category 'spam'"),
        ({"lure": {"x": {"words": "bonus"}}}, r"'words' must be a list of non-empty strings"),
        ({"lure": {"x": {"words": ["бонус"]}}}, r"Cyrillic needs \[transliteration\]"),
        ({"lure": {"x": {"wordz": []}}}, r"unknown keys: wordz"),
        ({"colours": {}}, r"unknown sections: colours"),
        ({"transliteration": {"ж": 3}}, r"\[transliteration\]"),
        ({"lookalikes": {"1": "i"}}, r"\[lookalikes\]"),
        ({"phones": {"wangiri_regions": ["Tunisia"]}}, r"two-letter ISO region codes"),
        ({"platforms": []}, r"\[platforms\] must be a table"),
    ],
)
def test_invalid_lexicons_say_what_is_wrong(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_lexicon(data, source="lexicon.toml")


def test_missing_or_broken_files_are_config_errors(tmp_path: Path, suffixes):
    with pytest.raises(ConfigError, match="does not exist"):
        load_lexicon(tmp_path / "nope.toml")
    broken = tmp_path / "broken.toml"
    broken.write_text("[lure\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        read_toml(broken, "lexicon file")
    with pytest.raises(ConfigError, match="brands file"):
        load_detector(tmp_path / "none.toml", DEFAULT_LEXICON, suffixes)


def test_no_lexicon_file_means_an_empty_lexicon():
    assert load_lexicon(None) == Lexicon()


def test_load_detector_applies_thresholds(tmp_path: Path, suffixes):
    brands = tmp_path / "brands.toml"
    brands.write_text(
        '[[brand]]\nname = "Kaspi Bank"\ndomains = ["kaspi.kz"]\nkeywords = ["kaspi"]\n', encoding="utf-8"
    )
    detector = load_detector(brands, DEFAULT_LEXICON, suffixes, block=90, review=30)
    assert (detector.settings.thresholds.block, detector.settings.thresholds.review) == (90, 30)
    assert detector.lexicon.lures
