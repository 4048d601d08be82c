"""Job queue fixtures: the fake and the SQLite adapter on a fresh file with migration 0002 applied."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest
from fakes import FakeClock
from fakes_jobs import FakeJobQueue

from antifraud.jobs import RetryPolicy
from antifraud.storage.database import SqliteDatabase
from antifraud.storage.jobs_sqlite import SqliteJobQueue

MIGRATION = Path(__file__).resolve().parents[3] / "antifraud" / "storage" / "migrations" / "0002_jobs.sql"
POLICY = RetryPolicy(base_delay_seconds=10, factor=2, max_delay_seconds=3600, jitter=0.2, max_attempts=3)


def apply_jobs_migration(path: Path) -> None:
    """Every migration, through the store's own runner (the jobs table comes from 0002)."""

    async def migrate() -> None:
        await (await SqliteDatabase(str(path)).open()).close()

    asyncio.run(migrate())


@pytest.fixture
def clock():
    return FakeClock()


@pytest.fixture
def db_path(tmp_path):
    path = tmp_path / "jobs.sqlite3"
    apply_jobs_migration(path)
    return path


@pytest.fixture(params=["fake", "sqlite"])
async def queue(request, clock, db_path):
    if request.param == "fake":
        yield FakeJobQueue(clock, POLICY, rand=lambda: 0.5)
        return
    q = await SqliteJobQueue(str(db_path), clock, POLICY, rand=lambda: 0.5).open()
    yield q
    await q.close()
