"""The composition root: the only place that reads settings into live objects, opens resources
(store, renderer process, HTTP site, background tasks) and closes them again in reverse order."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from aiohttp import web
from prometheus_client import disable_created_metrics

from antifraud.adapters.detection_config import load_detector
from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.api.app import create_app
from antifraud.api.auth import KeyCache
from antifraud.api.context import ApiServices
from antifraud.api.redaction import install_log_redaction
from antifraud.console.accounts import Accounts, SessionPolicy
from antifraud.console.app import create_console
from antifraud.console.context import ConsoleServices
from antifraud.console.passwords import Argon2Hasher, Hasher
from antifraud.console.ports import ConsoleStore
from antifraud.console.throttle import LoginThrottle
from antifraud.detection import Detector
from antifraud.domain.errors import ConfigError
from antifraud.domain.model import Category
from antifraud.domain.policy import Rules
from antifraud.jobs.policy import RetryPolicy
from antifraud.metrics import Metrics
from antifraud.ports import Clock, FeedEntry, Store
from antifraud.services.assessment import Assessor, Policy
from antifraud.services.checks import Checks
from antifraud.services.decisions import Decisions
from antifraud.services.evidence import Evidence
from antifraud.services.feedback import Feedback
from antifraud.services.follower import ChangeFollower
from antifraud.services.intake import Intake
from antifraud.services.read_model import ReadModel
from antifraud.services.repository import IndicatorRepository
from antifraud.services.review import Review
from antifraud.services.status import Status
from antifraud.settings import Settings
from antifraud.storage.console_sqlite import SqliteConsoleStore
from antifraud.storage.jobs_sqlite import SqliteJobQueue
from antifraud.storage.sqlite import SqliteStore
from blocklists.formats import RpzOptions
from blocklists.renderer_process import AsyncRenderer, LocalRenderer, ProcessRenderer
from blocklists.telecom import OFFICIAL_TABLE, render_official_table
from blocklists.zone.server import ZoneServer
from workers.publication import Materializer, Planner, PublicationService
from workers.publication.zone_source import PublishedZone
from workers.zone_settings import server_config

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


def build_policy(settings: Settings) -> Policy:
    rules = Rules(
        auto_list_distinct_operators=settings.policy.auto_list_distinct_operators,
        expiry_days={Category(k): float(v) for k, v in settings.policy.expiry_days.items()},
        default_expiry_days=settings.policy.default_expiry_days,
    )
    return Policy(
        rules,
        report_window=timedelta(hours=settings.policy.report_window_hours),
        dead_after=timedelta(days=settings.probes.dead_after_days),
    )


async def open_store(settings: Settings, writer_id: str) -> SqliteStore:
    if settings.is_postgres:
        raise ConfigError("the PostgreSQL backend is not available in this version; use a SQLite path for ANTIFRAUD_DB")
    return await SqliteStore.open(settings.db, writer_id)


@dataclass(slots=True)
class Center:
    """The center's use-cases over one store, as one process composes them (a record, not a god class)."""

    settings: Settings
    store: Store
    clock: Clock
    metrics: Metrics
    suffixes: BundledSuffixList
    detector: Detector
    policy: Policy
    read_model: ReadModel
    repository: IndicatorRepository
    assessor: Assessor
    intake: Intake
    decisions: Decisions
    evidence: Evidence
    checks: Checks
    feedback: Feedback
    review: Review
    follower: ChangeFollower
    keys: KeyCache

    async def refresh_metrics(self) -> None:
        """The store's counters and the read model's gauges, as /metrics shows them."""
        self.metrics.store.update(await self.store.counters())
        self.metrics.store.update_gauges(self.read_model.listed, self.read_model.waiting)

    async def load_read_model(self) -> None:
        """Every listed, in-review or disputed indicator into the read model, then what committed meanwhile;
        checks answer from then on."""
        if self.read_model.tracking:
            async for chunk in self.store.projections():  # chunk by chunk: millions of rows never held at once
                self.read_model.load([chunk])
                await asyncio.sleep(0)
            self.read_model.recount()
        await self.follower.poll()
        self.checks.ready = True

    def follow_keys(self, entries: Sequence[FeedEntry]) -> None:
        for entry in entries:
            if entry.topic == "key":
                self.keys.forget(str(entry.data.get("key_id", "")))


async def compose_center(
    settings: Settings,
    store: Store,
    detector: Detector,
    suffixes: BundledSuffixList,
    *,
    metrics: Metrics | None = None,
    clock: Clock | None = None,
    answers_checks: bool = True,
    load_now: bool = True,
) -> Center:
    """The use-cases over an open store, with the read model loaded from it (`answers_checks` False: only
    the allowlist, for commands that write in bulk and answer no check; `load_now` False: the caller
    loads it with `center.load_read_model()`, e.g. after the HTTP port is open)."""
    metrics = metrics or Metrics()
    clock = clock or SystemClock()
    policy = build_policy(settings)
    read_model = ReadModel(tracking=answers_checks)
    repository = IndicatorRepository(store, read_model)
    follower = ChangeFollower(store, repository, store.writer_id)
    await follower.start_at_end()  # before loading: whatever commits during the load is replayed after
    for allowed in await store.allowlist():
        read_model.set_allowed(allowed.key, allowed=True)
    last = await store.last_publication()
    read_model.published_version = last.version if last else 0
    assessor = Assessor(detector, suffixes, read_model)
    rejections = metrics.report_rejections
    center = Center(
        settings=settings,
        store=store,
        clock=clock,
        metrics=metrics,
        suffixes=suffixes,
        detector=detector,
        policy=policy,
        read_model=read_model,
        repository=repository,
        assessor=assessor,
        intake=Intake(repository, store, assessor, policy, clock, lambda code: rejections.labels(code).inc()),
        decisions=Decisions(repository, store, assessor, policy, clock),
        evidence=Evidence(repository, assessor, policy, clock),
        checks=Checks(assessor, read_model, repository),
        feedback=Feedback(repository, assessor, clock),
        review=Review(store, repository, assessor),
        follower=follower,
        keys=KeyCache(store),
    )
    follower.on_entries(center.follow_keys)
    if load_now or not answers_checks:
        await center.load_read_model()
    return center


@contextlib.asynccontextmanager
async def open_center(
    settings: Settings,
    metrics: Metrics | None = None,
    clock: Clock | None = None,
    *,
    answers_checks: bool = True,
    load_now: bool = True,
) -> AsyncIterator[Center]:
    """Store + detector + use-cases, with the read model loaded; closed on exit."""
    suffixes = BundledSuffixList()
    detector = build_detector(settings, suffixes)
    store = await open_store(settings, uuid.uuid4().hex)
    try:
        yield await compose_center(
            settings,
            store,
            detector,
            suffixes,
            metrics=metrics,
            clock=clock,
            answers_checks=answers_checks,
            load_now=load_now,
        )
    finally:
        await store.close()


def job_queue_opener(center: Center) -> Callable[[RetryPolicy], Awaitable[SqliteJobQueue]]:
    """The durable job queue, on the center's own database (one writer per process)."""
    store = center.store
    if not isinstance(store, SqliteStore):
        raise ConfigError("background jobs need the SQLite store in this version")

    async def open_queue(policy: RetryPolicy) -> SqliteJobQueue:
        return await SqliteJobQueue(store.db, center.clock, policy).open()

    return open_queue


def official_numbers(detector: Detector) -> dict[str, bytes]:
    """phones.official.kamailio: the protected brands' numbers, which gateways refuse from abroad."""
    numbers = [(number, brand.name) for brand in detector.brands for number in brand.phones]
    return {OFFICIAL_TABLE: render_official_table(numbers)}


def build_renderer(settings: Settings, detector: Detector, *, in_process: bool = False) -> AsyncRenderer:
    rpz = RpzOptions(ttl=settings.publication.rpz_ttl)
    key = settings.signing_key
    if key is not None and not key.is_file():
        raise ConfigError(f"the signing key {key} does not exist: create one with `antifraud signing-key create`")
    kind = LocalRenderer if in_process else ProcessRenderer
    return kind(
        settings.blocklist_dir,
        rpz,
        fsync=settings.publication.fsync,
        signing_key=key,
        static=official_numbers(detector),
    )


@dataclass(slots=True)
class Publishing:
    planner: Planner
    materializer: Materializer
    service: PublicationService


def wire_publication(center: Center, renderer: AsyncRenderer) -> Publishing:
    """The planner (leader only) and the materializer (every node), fed by commits and the change feed."""
    planner = Planner(
        center.store, center.assessor, center.settings.publication, center.metrics, center.clock, center.store.writer_id
    )
    materializer = Materializer(center.store, renderer, center.metrics)
    planner.on_published(materializer.trigger)

    def on_version(_manifest: object) -> None:
        center.read_model.published_version = materializer.version

    materializer.on_version(on_version)

    def on_commit(event: object) -> None:
        if getattr(event, "listing_changed", False):
            planner.trigger()

    center.repository.on_commit(on_commit)
    center.follower.on_listing_change(planner.trigger)

    def on_entries(entries: Sequence[FeedEntry]) -> None:
        if any(e.topic == "publication" for e in entries):
            materializer.trigger()

    center.follower.on_entries(on_entries)
    return Publishing(planner, materializer, PublicationService(planner, materializer))


def api_services(center: Center, publishing: Publishing) -> ApiServices:
    return ApiServices(
        settings=center.settings,
        clock=center.clock,
        metrics=center.metrics,
        keys=center.keys,
        intake=center.intake,
        checks=center.checks,
        decisions=center.decisions,
        evidence=center.evidence,
        feedback=center.feedback,
        review=center.review,
        status=Status(publishing.service, center.store.healthy, center.refresh_metrics),
    )


def console_store(center: Center) -> ConsoleStore:
    """The console's accounts, sessions and page reads, on the center's own database."""
    if not isinstance(center.store, SqliteStore):
        raise ConfigError("the console needs the SQLite store in this version")
    return SqliteConsoleStore(center.store.db)


def console_services(
    center: Center, publishing: Publishing, store: ConsoleStore, hasher: Hasher | None = None
) -> ConsoleServices:
    s = center.settings.console
    accounts = Accounts(
        store,
        hasher or Argon2Hasher(),
        center.clock,
        SessionPolicy(timedelta(minutes=s.idle_minutes), timedelta(hours=s.session_hours)),
        LoginThrottle(s.login_failures, timedelta(minutes=s.login_window_minutes)),
    )
    return ConsoleServices(
        settings=center.settings,
        clock=center.clock,
        accounts=accounts,
        store=store,
        indicators=center.store,
        review=center.review,
        decisions=center.decisions,
        status=Status(publishing.service, center.store.healthy, center.refresh_metrics),
        read_model=center.read_model,
        assessor=center.assessor,
        brands=tuple(b.name for b in center.detector.brands),
    )


def mount_console(app: web.Application, services: ConsoleServices, center: Center) -> None:
    """The analysts' console at /console/: its own sessions and CSRF; the API's keys stay for /v1."""
    app.add_subapp("/console/", create_console(services, center.store))


async def _every(seconds: float, what: Callable[[], Awaitable[object]], name: str) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            await what()
        except Exception:
            log.exception("%s failed; retrying in %.0f s", name, seconds)


async def serve(settings: Settings, *, ready: Callable[[str], None] | None = None) -> None:
    """Run the whole center in this process until SIGTERM or SIGINT."""
    from antifraud.background import Background  # noqa: PLC0415 - crawlers and probes load only to serve

    install_log_redaction()  # before the first request line can be logged: pull keys travel in paths
    disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus_client leaves it unannotated
    async with open_center(settings, load_now=False) as center:
        renderer = build_renderer(settings, center.detector)
        publishing = wire_publication(center, renderer)
        await publishing.materializer.start()  # the last version on disk is served at once
        center.read_model.published_version = max(center.read_model.published_version, publishing.materializer.version)
        zone = await start_zone_server(settings, publishing, center.store)
        app = create_app(api_services(center, publishing))
        console = console_services(center, publishing, console_store(center))
        mount_console(app, console, center)
        # shutdown_timeout: in-flight requests get 5 s on SIGTERM; a supervisor's kill usually follows at 10-30 s
        runner = web.AppRunner(app, access_log=None, handle_signals=False, shutdown_timeout=5.0)
        await runner.setup()
        site = web.TCPSite(runner, settings.listen_host, settings.listen_port, reuse_address=True)
        await site.start()
        loading = asyncio.create_task(center.load_read_model(), name="read-model")  # checks: 503 until it is in
        background = Background(settings, center, center.metrics, center.clock, job_queue_opener(center))
        await background.start()
        tasks = [
            loading,
            asyncio.create_task(publishing.planner.run(), name="publication-planner"),
            asyncio.create_task(publishing.materializer.run(), name="materializer"),
            asyncio.create_task(center.follower.run(settings.sync_seconds), name="change-feed"),
            asyncio.create_task(
                _every(settings.policy.expiry_check_seconds, center.decisions.expire_due, "expiry"), name="expiry"
            ),
            asyncio.create_task(_every(3600, lambda: _prune(center), "retention"), name="retention"),
            asyncio.create_task(_every(600, console.accounts.prune, "console sessions"), name="console-sessions"),
        ]
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        address = f"http://{settings.listen_host}:{_bound_port(runner, settings.listen_port)}"
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
            with contextlib.suppress(Exception):
                await publishing.planner.step_down()
            if zone is not None:
                await zone.stop()
            await renderer.close()


async def start_zone_server(settings: Settings, publishing: Publishing, store: Store) -> ZoneServer | None:
    """The authoritative RPZ server (ANTIFRAUD_DNS_LISTEN): NOTIFY and IXFR on every new version."""
    listen = settings.dns_server.listen
    if listen is None:
        return None
    zone = ZoneServer(server_config(settings.dns_server), PublishedZone(publishing.materializer, store), listen)
    await zone.start()
    pending: set[asyncio.Task[None]] = set()

    def on_version(_manifest: object) -> None:
        task = asyncio.create_task(zone.new_version(), name="zone-new-version")
        pending.add(task)
        task.add_done_callback(pending.discard)

    publishing.materializer.on_version(on_version)
    return zone


def _bound_port(runner: web.AppRunner, configured: int) -> int:
    """The port the site listens on (the OS chose it when the configured one is 0)."""
    for address in runner.addresses:
        if isinstance(address, tuple) and len(address) >= 2:
            return int(address[1])
    return configured


async def _prune(center: Center) -> None:
    removed = await center.store.prune(center.clock.now() - timedelta(days=center.settings.retention_days))
    if removed:
        log.info("retention: removed %d old change-feed entries", removed)
