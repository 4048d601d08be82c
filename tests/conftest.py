"""Shared fixtures. Fakes live in tests/fakes.py; real-peer helpers in tests/peers.py."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from antifraud.adapters.suffixes import BundledSuffixList

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))  # `import fakes`, `import peers` from any test folder
sys.path.insert(0, str(ROOT / "tests" / "e2e"))  # `import harness` in end-to-end tests


@pytest.fixture(scope="session")
def suffixes():
    return BundledSuffixList()


@pytest.fixture(scope="session")
def repo_root() -> Path:
    return ROOT
