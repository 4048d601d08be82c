"""Shared, immutable test objects for the detection tests: built once, no I/O but the repository's config."""

from __future__ import annotations

from pathlib import Path

import pytest

from antifraud.adapters.detection_config import DEFAULT_LEXICON, load_brands, load_lexicon
from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.detection import DetectionSettings, Detector, Thresholds
from antifraud.detection.lexicon import Lexicon
from antifraud.domain.brands import Brand
from antifraud.domain.model import Assessment
from antifraud.domain.normalize import normalize_domain, normalize_phone

CONFIG = Path(__file__).resolve().parents[3] / "config"

KASPI = Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("+77272585965", "9999"))
HALYK = Brand("Halyk Bank", ("halykbank.kz", "homebank.kz"), ("halyk", "homebank"), ("7111",))
EGOV = Brand("eGov", ("egov.kz",), ("egov",), ("1414",))
KAZPOST = Brand("Kazpost", ("post.kz",), ("kazpost", "qazpost"), ())
BEELINE = Brand("Beeline Kazakhstan", ("beeline.kz",), ("beeline",), ("0611",))
TELECOM = Brand("Kazakhtelecom", ("telecom.kz",), ("kazakhtelecom",), ("160",))
BRANDS = (KASPI, HALYK, EGOV, KAZPOST, BEELINE, TELECOM)


@pytest.fixture(scope="session")
def suffixes() -> BundledSuffixList:
    return BundledSuffixList()


@pytest.fixture(scope="session")
def lexicon() -> Lexicon:
    return load_lexicon(DEFAULT_LEXICON)


@pytest.fixture(scope="session")
def detector(lexicon: Lexicon) -> Detector:
    return Detector(BRANDS, DetectionSettings(Thresholds(block=80, review=40)), lexicon=lexicon)


@pytest.fixture(scope="session")
def kz_detector(suffixes: BundledSuffixList, lexicon: Lexicon) -> Detector:
    """Against every protected brand of config/brands.toml, as the center runs."""
    return Detector(load_brands(CONFIG / "brands.toml", suffixes), lexicon=lexicon)


@pytest.fixture(scope="session")
def assess(detector: Detector, suffixes: BundledSuffixList):
    def run(name: str) -> Assessment:
        return detector.assess_domain(normalize_domain(name, suffixes))

    return run


@pytest.fixture(scope="session")
def assess_phone(detector: Detector):
    def run(number: str) -> Assessment:
        return detector.assess_phone(normalize_phone(number))

    return run
