"""Reads the brands file and the lexicon (TOML) and builds the detector: the I/O edge of detection."""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from antifraud.detection import DetectionSettings, Detector, Thresholds
from antifraud.detection.lexicon import Lexicon, parse_lexicon, parse_word_list
from antifraud.domain.brands import Brand, parse_brands
from antifraud.domain.errors import ConfigError
from antifraud.domain.normalize import SuffixList

# The lexicon shipped with the repository, for callers that have no settings (benchmarks, tests).
DEFAULT_LEXICON = Path(__file__).resolve().parents[2] / "config" / "lexicon.toml"


def read_toml(path: Path, what: str) -> dict[str, Any]:
    try:
        with path.open("rb") as fh:
            return tomllib.load(fh)
    except FileNotFoundError as exc:
        raise ConfigError(f"{what} {path} does not exist") from exc
    except IsADirectoryError as exc:
        raise ConfigError(f"{what} {path} is a directory, not a TOML file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{what} {path} is not valid TOML: {exc}") from exc


def load_brands(path: Path, suffixes: SuffixList) -> tuple[Brand, ...]:
    return parse_brands(read_toml(Path(path), "brands file"), suffixes, source=str(path))


def _read_list(base: Path, files: Mapping[str, Any], key: str, source: str) -> frozenset[str]:
    name = files.get(key)
    if name is None:
        return frozenset()
    if not isinstance(name, str) or not name:
        raise ConfigError(f"{source}: [files] {key} must be a file name (relative to the lexicon)")
    path = base / name
    try:
        return parse_word_list(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ConfigError(f"{source}: [files] {key}: {path} does not exist") from exc
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{source}: [files] {key}: cannot read {path}: {exc}") from exc


def load_lexicon(path: Path | None) -> Lexicon:
    """The lexicon at `path` with the lists its `[files]` names; an empty one (brand, typo and homoglyph
    signals only) when None."""
    if path is None:
        return Lexicon()
    path = Path(path)
    data = read_toml(path, "lexicon file")
    files = data.get("files", {})
    if not isinstance(files, Mapping) or set(files) - {"dictionary", "popular_domains"}:
        raise ConfigError(f"{path}: [files] may name only 'dictionary' and 'popular_domains'")
    return parse_lexicon(
        data,
        source=str(path),
        words=_read_list(path.parent, files, "dictionary", str(path)),
        popular_domains=_read_list(path.parent, files, "popular_domains", str(path)),
    )


def load_detector(
    brands_file: Path, lexicon_file: Path | None, suffixes: SuffixList, *, block: int = 80, review: int = 40
) -> Detector:
    """The detector for `antifraud score` and the center: brand index and lexicon loaded once."""
    brands = load_brands(Path(brands_file), suffixes)
    settings = DetectionSettings(thresholds=Thresholds(block=block, review=review))
    return Detector(brands, settings, lexicon=load_lexicon(lexicon_file))
