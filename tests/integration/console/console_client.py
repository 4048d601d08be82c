"""A console test client: the center on SQLite with the real planner and materializer, the API with the
console mounted exactly as `antifraud serve` mounts it, and a browser-like session (cookies, CSRF
tokens read from the pages)."""

from __future__ import annotations

import contextlib
import html
import re
from dataclasses import replace

from argon2 import PasswordHasher
from fakes import FakeClock
from prometheus_client import CollectorRegistry

from antifraud.api.app import create_app
from antifraud.app import api_services, compose_center, console_services, mount_console, wire_publication
from antifraud.console.passwords import Argon2Hasher
from antifraud.console.ports import Role
from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.metrics import Metrics
from antifraud.settings import ConsoleSettings, PublicationSettings, Settings
from antifraud.storage.console_sqlite import SqliteConsoleStore
from antifraud.storage.sqlite import SqliteStore
from blocklists.renderer_process import LocalRenderer

KASPI = Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("+77272585965",))
CHEAP = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
CSRF = re.compile(r'name="(csrf[a-z_]*)" value="([^"]*)"')
NEW_PASSWORD = "steppe-eagle-2026"


def csrf_of(body: str) -> str:
    found = CSRF.search(body)
    assert found, "the page has no CSRF field"
    return html.unescape(found.group(2))


class Console:
    def __init__(self, client, center, publishing, services):
        self.client = client
        self.center = center
        self.publishing = publishing
        self.services = services
        self.csrf = ""

    async def add_user(self, name, role=Role.ANALYST):
        return await self.services.accounts.add_user(name, role)

    async def login(self, name, password, *, change_to=NEW_PASSWORD):
        page = await self.client.get("/console/login")
        token = csrf_of(await page.text())
        r = await self.client.post(
            "/console/login",
            data={"csrf_token": token, "username": name, "password": password},
            allow_redirects=False,
        )
        assert r.status == 303, await r.text()
        if r.headers["Location"].endswith("/password") and change_to:
            page = await self.client.get("/console/password")
            r = await self.client.post(
                "/console/password",
                data={
                    "csrf_token": csrf_of(await page.text()),
                    "current_password": password,
                    "new_password": change_to,
                    "repeat_password": change_to,
                },
                allow_redirects=False,
            )
            assert r.status == 303, await r.text()
        self.csrf = csrf_of(await (await self.client.get("/console/")).text())
        return r

    async def analyst(self, name="aigerim", role=Role.ANALYST):
        await self.login(name, await self.add_user(name, role))

    async def get(self, path, **kw):
        return await self.client.get(path, allow_redirects=False, **kw)

    async def post(self, path, data, csrf=True, **kw):
        body = {**({"csrf_token": self.csrf} if csrf else {}), **data}
        return await self.client.post(path, data=body, allow_redirects=False, **kw)

    async def published(self):
        await self.publishing.planner.plan()
        await self.publishing.materializer.catch_up()
        return (self.publishing.materializer.served.files["domains.txt"].path).read_text()


@contextlib.asynccontextmanager
async def console_app(aiohttp_client, tmp_path, suffixes, publication=None, console=None):
    settings = replace(
        Settings(),
        db=str(tmp_path / "console.sqlite3"),
        blocklist_dir=tmp_path / "lists",
        publication=publication or PublicationSettings(debounce_seconds=0.05, max_delay_seconds=0.1, fsync=False),
        console=console or ConsoleSettings(),
    )
    store = await SqliteStore.open(settings.db, "console-test")
    center = await compose_center(
        settings, store, Detector([KASPI]), suffixes, metrics=Metrics(CollectorRegistry()), clock=FakeClock()
    )
    publishing = wire_publication(center, LocalRenderer(settings.blocklist_dir, fsync=False))
    await publishing.materializer.start()
    await publishing.planner.plan()
    await publishing.materializer.catch_up()
    services = console_services(center, publishing, SqliteConsoleStore(store.db), Argon2Hasher(CHEAP))
    app = create_app(api_services(center, publishing))
    mount_console(app, services, center)
    client = await aiohttp_client(app)
    try:
        yield Console(client, center, publishing, services)
    finally:
        await store.close()
