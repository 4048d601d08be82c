"""The lexicon's [files]: the dictionary and the popularity list load with it, and a bad entry says what."""

from __future__ import annotations

import pytest

from antifraud.adapters.detection_config import DEFAULT_LEXICON, load_lexicon
from antifraud.detection.lexicon import parse_word_list
from antifraud.domain.errors import ConfigError


def test_the_shipped_lists_load():
    lexicon = load_lexicon(DEFAULT_LEXICON)
    assert len(lexicon.words) > 50_000
    assert {"forte", "kasha", "telecom"} <= lexicon.words
    assert "kaspi" not in lexicon.words
    assert "nubank.com.br" in lexicon.popular_domains


def test_word_lists_skip_comments_and_case():
    assert parse_word_list("# words\nForte\n\n  kasha  # porridge\nexample.com.\n") == {"forte", "kasha", "example.com"}


@pytest.mark.parametrize(
    ("files", "says"),
    [
        ('dictionary = "missing.txt"', "does not exist"),
        ("dictionary = 3", "must be a file name"),
        ('other = "x.txt"', "may name only"),
    ],
)
def test_bad_file_entries_are_refused(tmp_path, files, says):
    path = tmp_path / "lexicon.toml"
    path.write_text(f"[files]\n{files}\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=says):
        load_lexicon(path)


def test_lists_are_read_relative_to_the_lexicon(tmp_path):
    (tmp_path / "w.txt").write_text("alpha\nbeta\n", encoding="utf-8")
    path = tmp_path / "lexicon.toml"
    path.write_text('[files]\ndictionary = "w.txt"\n', encoding="utf-8")
    assert load_lexicon(path).words == {"alpha", "beta"}
