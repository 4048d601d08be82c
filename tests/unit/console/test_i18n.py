"""The console's catalogues: every msgid of the templates and the code is translated into Russian
and Kazakh, each .po compiles (what `make messages` and the console at start do), placeholders
survive translation, and the language is chosen from the cookie or Accept-Language."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import pytest
from babel.messages.pofile import read_po
from babel.support import Translations

from antifraud.console.i18n import LANGUAGES, catalogue_path, compile_po, load_translations, negotiate

PLACEHOLDER = re.compile(r"%\((\w+)\)[sd]")


def extracted(repo_root, tmp_path):
    """The msgids as `make messages` extracts them now (pybabel, babel.cfg)."""
    pot = tmp_path / "console.pot"
    subprocess.run(
        [sys.executable, "-m", "babel.messages.frontend", "extract", "-F", "babel.cfg", "-k", "N_",
         "--no-location", "-o", str(pot), "."],
        cwd=repo_root, check=True, capture_output=True,
    )  # fmt: skip
    with pot.open("rb") as fh:
        return {m.id for m in read_po(fh) if m.id}


@pytest.mark.parametrize("lang", [lang for lang in LANGUAGES if lang != "en"])
def test_every_msgid_is_translated_and_keeps_its_placeholders(repo_root, tmp_path, lang):
    wanted = extracted(repo_root, tmp_path)
    with catalogue_path(lang, "po").open("rb") as fh:
        catalog = read_po(fh, locale=lang)
    translated = {m.id: m.string for m in catalog if m.id and m.string and not m.fuzzy}
    missing = sorted(wanted - set(translated))
    assert not missing, f"{lang}: run `make messages` and translate: {missing[:10]}"
    for msgid, text in translated.items():
        assert set(PLACEHOLDER.findall(msgid)) == set(PLACEHOLDER.findall(text)), (lang, msgid, text)


@pytest.mark.parametrize("lang", ["ru", "kk"])
def test_each_catalogue_compiles_and_translates(lang):
    translations = Translations(io.BytesIO(compile_po(catalogue_path(lang, "po"))), domain="console")
    assert translations.gettext("Review queue") != "Review queue"
    assert load_translations(lang).gettext("Log in") == translations.gettext("Log in")


def test_english_is_the_msgids_themselves():
    assert load_translations("en").gettext("Review queue") == "Review queue"


@pytest.mark.parametrize(
    ("cookie", "header", "expected"),
    [
        ("kk", "ru-RU,ru;q=0.9", "kk"),
        (None, "ru-RU,ru;q=0.9,en;q=0.5", "ru"),
        (None, "de-DE, kk;q=0.4, ru;q=0.7", "ru"),
        (None, "fr", "en"),
        ("xx", "", "en"),
        (None, "ru;q=abc, kk;q=0.1", "kk"),
        (None, "," * 10_000, "en"),
        (None, "ru;q=0", "en"),
    ],
)
def test_the_language_comes_from_the_cookie_then_accept_language(cookie, header, expected):
    assert negotiate(cookie, header) == expected
