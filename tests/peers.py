"""Finding the real peers (Debian binaries) that end-to-end tests start.

A missing binary skips the test on a developer's machine, and fails it under CI=true: in CI a
skipped real-peer test would hide a broken install step.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

SBIN_DIRS = ("/usr/sbin", "/sbin", "/usr/local/sbin")


def require_binary(name: str, debian_package: str) -> str:
    path = shutil.which(name) or next(
        (str(Path(d) / name) for d in SBIN_DIRS if os.access(Path(d) / name, os.X_OK)), None
    )
    if path is not None:
        return path
    message = f"{name} not found: install the Debian package {debian_package} (make test does it as root)"
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail(f"CI=true and {message}")
    pytest.skip(message)
