"""The composition root: the only place that reads settings into live objects, opens resources
(store, HTTP site, background tasks) and closes them again in reverse order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web
from prometheus_client import disable_created_metrics

from antifraud.adapters.detection_config import load_detector
from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.api.app import Services, create_app
from antifraud.api.auth import KeyCache
from antifraud.api.redaction import install_log_redaction
from antifraud.background import Background
from antifraud.detection import Detector
from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category
from antifraud.domain.policy import Rules
from antifraud.metrics import Metrics
from antifraud.services.center import Center
from antifraud.settings import Settings
from antifraud.storage.sqlite import SqliteStore
from workers.publisher import Publisher

log = logging.getLogger("antifraud")


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


def build_detector(settings: Settings, suffixes: BundledSuffixList) -> Detector:
    return load_detector(
        settings.brands_file,
        settings.lexicon_file,
        suffixes,
        block=settings.scoring.block,
        review=settings.scoring.review,
    )


def build_rules(settings: Settings) -> Rules:
    return Rules(
        auto_list_distinct_operators=settings.policy.auto_list_distinct_operators,
        expiry_days={Category(k): float(v) for k, v in settings.policy.expiry_days.items()},
        default_expiry_days=settings.policy.default_expiry_days,
    )


async def open_store(settings: Settings, writer_id: str) -> SqliteStore:
    if settings.is_postgres:
        raise ConfigError("the PostgreSQL backend is not available in this version; use a SQLite path for ANTIFRAUD_DB")
    return await SqliteStore(settings.db, writer_id=writer_id).open()


@dataclass(slots=True)
class Parts:
    settings: Settings
    store: SqliteStore
    center: Center
    metrics: Metrics
    suffixes: BundledSuffixList


@contextlib.asynccontextmanager
async def open_center(settings: Settings, metrics: Metrics | None = None) -> AsyncIterator[Parts]:
    """Store + detector + center, loaded and ready; closed on exit."""
    writer_id = uuid.uuid4().hex
    suffixes = BundledSuffixList()
    detector = build_detector(settings, suffixes)
    store = await open_store(settings, writer_id)
    try:
        metrics = metrics or Metrics()
        center = Center(
            store,
            detector,
            suffixes,
            build_rules(settings),
            SystemClock(),
            metrics,
            report_window=timedelta(hours=settings.policy.report_window_hours),
            writer_id=writer_id,
            dead_after=timedelta(days=settings.probes.dead_after_days),
        )
        await center.load()
        yield Parts(settings, store, center, metrics, suffixes)
    finally:
        await store.close()


async def _every(seconds: float, what: Callable[[], Awaitable[object]], name: str) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await what()
        except Exception:
            log.exception("%s failed; retrying in %.0f s", name, seconds)


async def serve(settings: Settings, *, ready: Callable[[str], None] | None = None) -> None:
    """Run the whole center in this process until SIGTERM or SIGINT."""
    install_log_redaction()  # before the first request line can be logged: pull keys travel in paths
    disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
    async with open_center(settings) as parts:
        center, store = parts.center, parts.store
        await center.restore_hit_counters()
        publisher = Publisher(center, store, settings.publication, settings.blocklist_dir, parts.metrics, center.clock)
        await publisher.start()
        services = Services(settings, store, center, publisher, parts.metrics, KeyCache(store))
        app = create_app(services)
        # shutdown_timeout: in-flight requests get 5 s on SIGTERM; a supervisor's kill usually follows at 10-30 s
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, settings.listen_host, settings.listen_port, reuse_address=True)
        await site.start()

        async def gauges() -> None:
            center.refresh_gauges()

        background = Background(settings, center, parts.metrics, center.clock)
        await background.start()

        tasks = [
            asyncio.create_task(publisher.run(), name="publisher"),
            # 0.25 s: the window in which a CLI change and a server write to the same indicator can cross
            asyncio.create_task(_every(0.25, center.sync_external, "sync of external changes"), name="sync"),
            asyncio.create_task(
                _every(settings.policy.expiry_check_seconds, center.expire_due, "expiry"), name="expiry"
            ),
            asyncio.create_task(_every(5.0, gauges, "gauges"), name="gauges"),
        ]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        address = f"http://{settings.listen_host}:{site._port if hasattr(site, '_port') else settings.listen_port}"  # noqa: SLF001
        log.info("antifraud serving on %s (db %s, lists in %s)", address, settings.db, settings.blocklist_dir)
        if ready is not None:
            ready(address)
        try:
            await stop.wait()
        finally:
            log.info("shutting down")
            for sig in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(sig)
            await runner.cleanup()  # stop accepting, finish in-flight requests
            await background.stop()  # jobs finish or are released for another worker
            for task in reversed(tasks):
                task.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
