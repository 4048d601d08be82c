"""A worker process for the kill test: one runner on a shared SQLite file, one slow handler.

Usage: python worker_process.py DB MARKER_DIR LEASE_SECONDS
The handler writes `started-<job id>-<pid>` and then sleeps far longer than the test waits, so the
test can SIGKILL the process while the job is in the middle of running.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
sys.path.insert(0, str(ROOT))

from antifraud.storage.jobs_sqlite import SqliteJobQueue  # noqa: E402 - after the path set-up
from workers.jobs import JobRunner, RunnerSettings, UtcClock  # noqa: E402


async def main(db: str, markers: Path, lease: float) -> None:
    queue = await SqliteJobQueue(db, UtcClock()).open()

    async def slow(job):
        (markers / f"started-{job.id}-{os.getpid()}").touch()
        await asyncio.sleep(120)
        (markers / f"finished-{job.id}-{os.getpid()}").touch()

    settings = RunnerSettings(concurrency=2, lease_seconds=lease, poll_seconds=0.05, grace_seconds=1)
    runner = JobRunner(queue, {"crawl": slow}, settings=settings, worker_id=f"proc-{os.getpid()}")
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, runner.stop)
    try:
        await runner.run()
    finally:
        await queue.close()


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], Path(sys.argv[2]), float(sys.argv[3])))
