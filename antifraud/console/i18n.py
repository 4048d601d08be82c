"""The console's languages: gettext catalogues (antifraud/console/locale/<lang>/LC_MESSAGES/console.po),
English msgids, Russian and Kazakh translations.

`make messages` extracts the msgids from the templates and the code (pybabel extract, babel.cfg),
updates the .po files and compiles them to .mo. A .mo older than its .po (or missing, as in a fresh
clone) is compiled from the .po in memory when the console starts, so a stale build never shows
yesterday's wording; tests/unit/console/test_i18n.py compiles every catalogue and checks it is
complete.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import NullTranslations, Translations

DOMAIN = "console"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
LANGUAGES: dict[str, str] = {"en": "English", "ru": "Русский", "kk": "Қазақша"}
DEFAULT = "en"


def catalogue_path(lang: str, suffix: str) -> Path:
    return LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.{suffix}"


def compile_po(po_path: Path) -> bytes:
    """A .po file as .mo bytes (what `pybabel compile` writes), fuzzy entries left out."""
    with po_path.open("rb") as fh:
        catalog = read_po(fh, domain=DOMAIN)
    out = io.BytesIO()
    write_mo(out, catalog, use_fuzzy=False)
    return out.getvalue()


def load_translations(lang: str) -> NullTranslations:
    if lang == DEFAULT:
        return NullTranslations()  # the msgids are English
    po, mo = catalogue_path(lang, "po"), catalogue_path(lang, "mo")
    if mo.exists() and (not po.exists() or mo.stat().st_mtime >= po.stat().st_mtime):
        with mo.open("rb") as fh:
            return Translations(fh, domain=DOMAIN)
    if not po.exists():
        raise FileNotFoundError(f"no catalogue for the console language {lang!r}: {po}")
    return Translations(io.BytesIO(compile_po(po)), domain=DOMAIN)


@dataclass(frozen=True, slots=True)
class Choice:
    lang: str
    from_cookie: bool


def negotiate(cookie: str | None, accept_language: str) -> str:
    """The cookie's language when it is one of ours, else the best of Accept-Language, else English."""
    if cookie in LANGUAGES:
        return cookie
    offers: list[tuple[float, int, str]] = []
    for index, part in enumerate(accept_language.split(",")[:20]):
        tag, _, params = part.strip().partition(";")
        quality = 1.0
        for param in params.split(";"):
            name, _, value = param.strip().partition("=")
            if name == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        primary = tag.strip().lower().split("-")[0]
        if primary in LANGUAGES and quality > 0:
            offers.append((-quality, index, primary))
    return min(offers)[2] if offers else DEFAULT
