"""Reads the brands file (and the lexicon, when present) and builds the detector."""

from __future__ import annotations

import tomllib
from pathlib import Path
from typing import Any

from antifraud.detection import DetectionSettings, Detector, Thresholds
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


def load_detector(
    brands_file: Path, lexicon_file: Path | None, suffixes: SuffixList, *, block: int = 80, review: int = 40
) -> Detector:
    brands = parse_brands(read_toml(Path(brands_file), "brands file"), suffixes, source=str(brands_file))
    settings = DetectionSettings(thresholds=Thresholds(block=block, review=review))
    return Detector(brands, settings)
