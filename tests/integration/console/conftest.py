"""Fixtures of the console's integration tests (helpers in console_client.py)."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent))  # `import console_client`

from console_client import console_app


@pytest.fixture
async def console(aiohttp_client, tmp_path, suffixes):
    async with console_app(aiohttp_client, tmp_path, suffixes) as c:
        yield c
