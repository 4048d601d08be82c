import re
from pathlib import Path

import pytest

from antifraud.adapters.content_lexicon import load_content_lexicon
from antifraud.content.lexicon import fold, parse_content_lexicon, term_pattern
from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category


@pytest.fixture(scope="module")
def lexicon(repo_root):
    return load_content_lexicon(repo_root / "config" / "content_lexicon.toml")


def group(lexicon, name):
    return next(g for g in lexicon.lures if g.name == name)


def test_the_shipped_lexicon_loads_and_covers_the_three_languages(lexicon):
    names = {g.name for g in lexicon.lures}
    assert {"guaranteed_returns", "passive_income", "referral_levels", "bank_security_service"} <= names
    returns = group(lexicon, "guaranteed_returns")
    assert returns.category is Category.INVESTMENT_SCAM
    assert returns.matches(fold("ГАРАНТИРОВАННОГО ДОХОДА"))  # inflected, upper case
    assert returns.matches(fold("кепілдендірілген табысыңыз"))  # Kazakh
    assert returns.matches(fold("Guaranteed returns for everyone"))
    assert returns.matches(fold("всего 2,5 % в день"))  # a pattern
    assert not returns.matches(fold("доходы населения выросли"))
    security = group(lexicon, "bank_security_service")
    assert security.matches(fold("Звонит служба безопасности банка"))
    assert security.matches(fold("банктің қауіпсіздік қызметі"))
    assert lexicon.messenger_hosts["wa.me"] == "whatsapp"
    assert lexicon.messenger_schemes["tg"] == "telegram"
    assert "каспи" in lexicon.brand_names["Kaspi Bank"]


def test_terms_match_at_word_starts_and_yo_is_ye():
    pattern = re.compile(term_pattern("пассивн* доход*"))
    assert pattern.search(fold("Пассивный   доход"))
    assert not pattern.search(fold("непассивный доход"))
    exact = re.compile(term_pattern("mlm"))
    assert exact.search("mlm!")
    assert not exact.search("mlmx")
    assert fold("Ёлка  ЁЖ") == "елка еж"
    assert re.compile(term_pattern("доход* от * в день")).search(fold("доход от 1000 в день"))


def lure(**changes):
    entry = {"name": "x", "category": "phishing", "weight": 5, "says": "x", "terms": ["a"]}
    entry.update(changes)
    return {"lure": [{k: v for k, v in entry.items() if v is not None}]}


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"lures": []}, "unknown sections: lures"),
        ({"lure": {"name": "x"}}, r"expected \[\[lure\]\] tables"),
        (lure(name="Bad Name"), "snake_case"),
        (lure(category="scam"), "'scam' is not one of"),
        (lure(weight=500), "0 to 100"),
        (lure(weight=True), "0 to 100"),
        (lure(says=""), "'says'"),
        (lure(terms=None), "neither terms nor patterns"),
        (lure(terms=[""]), "non-empty"),
        (lure(terms=None, patterns=["("]), "not a valid regular"),
        (lure(extra=1), "unknown keys: extra"),
        (
            {"lure": [{"name": "x", "category": "phishing", "weight": 5, "says": "x", "terms": ["a"]}] * 2},
            "defined twice: x",
        ),
        ({"brand_names": {"Kaspi Bank": "каспи"}}, "list of non-empty strings"),
        ({"messengers": {"apps": {}}}, r"\[messengers\] may hold only"),
        ({"messengers": {"hosts": {"t.me": 1}}}, "map names to a messenger"),
    ],
)
def test_bad_lexicons_say_what_is_wrong(data, message):
    with pytest.raises(ConfigError, match=message):
        parse_content_lexicon(data, source="test.toml")


def test_loader_names_the_file(tmp_path: Path):
    with pytest.raises(ConfigError, match="does not exist"):
        load_content_lexicon(tmp_path / "missing.toml")
    bad = tmp_path / "bad.toml"
    bad.write_text("[[lure]\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_content_lexicon(bad)
