"""Reads the content lexicon (config/content_lexicon.toml) and the exchanges registry for the page analysis."""

from __future__ import annotations

from pathlib import Path

from antifraud.adapters.detection_config import read_toml
from antifraud.content.exchanges import ExchangeRegistry, parse_exchanges
from antifraud.content.lexicon import ContentLexicon, parse_content_lexicon
from antifraud.domain.normalize import SuffixList

DEFAULT_CONTENT_LEXICON = Path("config/content_lexicon.toml")
DEFAULT_EXCHANGES = Path(__file__).resolve().parents[2] / "config" / "exchanges.toml"


def load_content_lexicon(path: Path = DEFAULT_CONTENT_LEXICON) -> ContentLexicon:
    """Raises ConfigError naming the file and what is wrong in it."""
    return parse_content_lexicon(read_toml(Path(path), "content lexicon"), source=str(path))


def load_exchanges(suffixes: SuffixList, path: Path = DEFAULT_EXCHANGES) -> ExchangeRegistry:
    """The licensed exchanges (config/exchanges.toml); raises ConfigError naming the file and the mistake."""
    return parse_exchanges(read_toml(Path(path), "exchanges file"), suffixes, source=str(path))
