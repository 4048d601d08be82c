"""Reads the brands file, the lexicon and the confusables table, and builds the detector."""

from __future__ import annotations

import json
import tomllib
from importlib import resources
from pathlib import Path
from typing import Any

from antifraud.detection import DetectionSettings, Detector, Thresholds
from antifraud.detection.confusables import Confusables, build_table
from antifraud.detection.lexicon import Lexicon, parse_lexicon
from antifraud.domain.brands import parse_brands
from antifraud.domain.errors import ConfigError
from antifraud.domain.normalize import SuffixList


def read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{what} {path} does not exist") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from exc


def load_lexicon(path: Path | None) -> Lexicon:
    if path is None:
        return Lexicon()
    return parse_lexicon(read_toml(Path(path), "lexicon file"), source=str(path))


def load_confusables() -> Confusables:
    """The Unicode confusables shipped with confusable-homoglyphs (UTS #39 data)."""
    data = json.loads((resources.files("confusable_homoglyphs") / "confusables.json").read_text(encoding="utf-8"))
    return build_table(data)


def load_detector(
    brands_file: Path, lexicon_file: Path | None, suffixes: SuffixList, *, block: int = 80, review: int = 40
) -> Detector:
    brands = parse_brands(read_toml(Path(brands_file), "brands file"), suffixes, source=str(brands_file))
    settings = DetectionSettings(thresholds=Thresholds(block=block, review=review))
    return Detector(brands, settings, lexicon=load_lexicon(lexicon_file), confusables=load_confusables())
