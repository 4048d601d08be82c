"""Reads the content lexicon (config/content_lexicon.toml) for the page analysis."""

from __future__ import annotations

from pathlib import Path

from antifraud.adapters.detection_config import read_toml
from antifraud.content.lexicon import ContentLexicon, parse_content_lexicon

DEFAULT_CONTENT_LEXICON = Path("config/content_lexicon.toml")


def load_content_lexicon(path: Path = DEFAULT_CONTENT_LEXICON) -> ContentLexicon:
    """Raises ConfigError naming the file and what is wrong in it."""
    return parse_content_lexicon(read_toml(Path(path), "content lexicon"), source=str(path))
