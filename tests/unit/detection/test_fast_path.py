"""The fast path rules out only names the full path would find nothing in (the check API's common case)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from antifraud.adapters.detection_config import load_brands
from antifraud.detection import Detector
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.normalize import normalize_domain

ROOT = Path(__file__).resolve().parents[3]
KZ_SET = ROOT / "benchmarks" / "data" / "kz"


def _names() -> list[str]:
    lines = [line for path in sorted(KZ_SET.glob("*")) for line in path.read_text(encoding="utf-8").splitlines()]
    return [line.split("\t", 1)[0] for line in lines if line and not line.startswith("#")]


@pytest.fixture(scope="module")
def detectors(lexicon, suffixes):
    return [
        Detector(load_brands(ROOT / "config" / "brands.toml", suffixes), lexicon=lexicon),
        Detector(load_brands(ROOT / "benchmarks" / "data" / "small_brands.toml", suffixes), lexicon=lexicon),
    ]


def _agrees(detector, name) -> bool:
    heuristics = detector._domains
    return not heuristics.plain(name) or heuristics.full(name) == ([], None)


def test_every_dev_set_name_on_the_fast_path_has_no_signal(detectors, suffixes):
    plain = 0
    for value in _names():
        try:
            name = normalize_domain(value, suffixes)
        except InvalidIndicator:
            continue
        for detector in detectors:
            if detector.index.protection(name.ascii) is None:
                assert _agrees(detector, name), value
                plain += detector._domains.plain(name)
    assert plain > 1000  # the benign names do take it


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"([a-z0-9]{1,6}\.)?[a-z][a-z0-9-]{0,14}[a-z0-9]\.(kz|com|ru|xyz|com\.kz|org)", fullmatch=True))
def test_random_names_agree(detectors, suffixes, value):
    try:
        name = normalize_domain(value, suffixes)
    except InvalidIndicator:
        return
    for detector in detectors:
        if detector.index.protection(name.ascii) is None:
            assert _agrees(detector, name), value
