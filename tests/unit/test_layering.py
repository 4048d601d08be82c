"""Every import-linter contract can fail: each is broken once on purpose, in a copy of the packages,
and lint-imports must name it BROKEN (a contract that cannot fail protects nothing)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"

# contract name -> (module to edit, the import that breaks it)
VIOLATIONS = {
    "The pure core does no I/O and knows no settings, metrics, storage or adapters": (
        "antifraud/domain/model.py",
        "import antifraud.background  # indirect: background imports aiohttp",
    ),
    "Jobs, feeds and DNS signals are pure": ("antifraud/jobs/model.py", "import socket"),
    "Layers: entry points over services over the core": ("antifraud/services/intake.py", "import antifraud.api.errors"),
    "The use-cases see ports, never a store, the API, workers or list formats": (
        "antifraud/services/checks.py",
        "import antifraud.storage.sqlite",
    ),
    "The API reaches use-cases, never workers or the store": ("antifraud/api/pull.py", "import workers.publication"),
    "The console sees use-cases and ports, never a storage adapter or a worker": (
        "antifraud/console/search.py",
        "import antifraud.background  # indirect as well: background reaches workers",
    ),
    "blocklists uses the model and ports only": ("blocklists/rows.py", "import antifraud.settings"),
    "workers never reach into the API or CLI": ("workers/jobs/runner.py", "import antifraud.cli"),
}


def contracts() -> list[str]:
    config = tomllib.loads((ROOT / "pyproject.toml").read_text())
    return [c["name"] for c in config["tool"]["importlinter"]["contracts"]]


def test_every_contract_has_a_violation_here():
    assert set(contracts()) == set(VIOLATIONS)


@pytest.mark.slow
def test_each_contract_breaks_when_its_rule_is_broken(tmp_path):
    for package in ("antifraud", "blocklists", "workers"):
        shutil.copytree(ROOT / package, tmp_path / package, ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    clean = subprocess.run([str(LINT_IMPORTS)], cwd=tmp_path, capture_output=True, text=True, check=False,
                           env={**os.environ, "PYTHONPATH": str(tmp_path)})  # fmt: skip
    assert clean.returncode == 0, clean.stdout[-3000:]
    for path, line in VIOLATIONS.values():
        module = tmp_path / path
        module.write_text(module.read_text() + f"\n{line}\n")
    broken = subprocess.run([str(LINT_IMPORTS)], cwd=tmp_path, capture_output=True, text=True, check=False,
                            env={**os.environ, "PYTHONPATH": str(tmp_path)})  # fmt: skip
    assert broken.returncode != 0
    for name in VIOLATIONS:
        assert f"{name} BROKEN" in broken.stdout, f"{name!r} did not break:\n{broken.stdout[-3000:]}"
