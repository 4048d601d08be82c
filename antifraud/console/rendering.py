"""Jinja2 for the console: one environment per language, autoescaping everywhere (every reported
value, comment, page title and evidence string is hostile), undefined names are errors, and the
gettext functions of the language installed (new style: translated text is escaped too)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from aiohttp import web
from babel.dates import format_timedelta
from babel.numbers import format_decimal
from jinja2 import Environment, PackageLoader, StrictUndefined

from antifraud.console.i18n import LANGUAGES, load_translations
from antifraud.console.vocabulary import TERMS
from antifraud.domain.errors import ConfigError

PAGE_TYPE = "text/html"


def center_zone(name: str) -> tzinfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ConfigError(f"[console] timezone {name!r} is not a known time zone: {exc}") from exc


class Renderer:
    def __init__(self, zone: tzinfo) -> None:
        self.zone = zone
        self.envs = {lang: self._environment(lang) for lang in LANGUAGES}

    def _environment(self, lang: str) -> Environment:
        env = Environment(
            loader=PackageLoader("antifraud.console", "templates"),
            autoescape=True,
            undefined=StrictUndefined,
            extensions=["jinja2.ext.i18n"],
            trim_blocks=True,
            lstrip_blocks=True,
        )
        translations = load_translations(lang)
        env.install_gettext_translations(translations, newstyle=True)  # type: ignore[attr-defined]  # added by the i18n extension
        # a plain str (escaped when shown), and only for the center's own words: `_()` of a reported
        # string would hand back Markup, and so print a hostile value unescaped
        env.filters["term"] = lambda word: translations.gettext(str(word)) if str(word) in TERMS else str(word)
        env.filters["when"] = self._when
        env.filters["since"] = lambda moment, now: self._since(moment, now, lang)
        env.filters["duration"] = lambda seconds: _duration(seconds, lang)
        env.filters["number"] = lambda n: format_decimal(n, locale=lang)
        env.filters["pretty_json"] = lambda value: json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True)
        env.globals["LANGUAGES"] = LANGUAGES
        env.globals["lang"] = lang
        return env

    def _when(self, moment: datetime | None) -> str:
        if moment is None:
            return "—"
        local = moment.astimezone(self.zone)
        return local.strftime("%Y-%m-%d %H:%M ") + (local.tzname() or "")

    @staticmethod
    def _since(moment: datetime | None, now: datetime, lang: str) -> str:
        if moment is None:
            return "—"
        return format_timedelta(now.astimezone(UTC) - moment.astimezone(UTC), locale=lang, threshold=1.1)

    def render(self, lang: str, template: str, context: Mapping[str, Any], status: int = 200) -> web.Response:
        env = self.envs.get(lang) or self.envs["en"]
        body = env.get_template(template).render(**context)
        return web.Response(text=body, status=status, content_type=PAGE_TYPE, charset="utf-8")


def _duration(seconds: float | None, lang: str) -> str:
    if seconds is None:
        return "—"
    return format_timedelta(timedelta(seconds=seconds), locale=lang, threshold=1.1)
