"""A fake anti-fraud center on loopback: the parts of the HTTP API a telecom talks to.

It serves the check API (per-call mode of the Kamailio configuration), the pull API (the gateway
agent: index with sha256, lists with ETag, If-None-Match and `?since=` deltas rendered by the real
formats), and takes hits and reports. Every request is recorded. Knobs make it misbehave the ways a
real center or the network between can: slow, down, answering 503, serving a body whose checksum does
not match its index.

    center = FakeCenter()
    center.publish(Snapshot(...), official=[("+77272585965", "Kaspi Bank")])
    with ThreadedServer(center.app) as server:   # for synchronous tests (sipp, subprocesses)
        ...server.url...
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import TracebackType
from typing import Any, Self

from aiohttp import web

from antifraud.domain.model import ListKind, Snapshot
from blocklists.delta import compute_delta
from blocklists.formats import FORMATS
from blocklists.serving import etag_for, matches_if_none_match
from blocklists.telecom import render_official_table, sha256_hex

KEY = "af_telecom_test"
OFFICIAL = "phones.official.kamailio"


@dataclass
class Seen:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any = None


@dataclass
class FakeCenter:
    key: str = KEY
    version: int = 0
    snapshots: dict[int, Snapshot] = field(default_factory=dict)
    official: dict[int, bytes] = field(default_factory=dict)
    check_answers: dict[str, dict[str, Any]] = field(default_factory=dict)
    check_delay: float = 0.0
    check_status: int = 200
    check_body: str | None = None  # served as it is instead of the answer
    pulls_fail: int = 0  # answer this many pull requests with 503 first
    corrupt: set[str] = field(default_factory=set)  # lists (and their deltas) served with bytes the index does not name
    hits_fail: int = 0
    seen: list[Seen] = field(default_factory=list)
    hits: list[dict[str, Any]] = field(default_factory=list)
    reports: list[dict[str, Any]] = field(default_factory=list)
    reports_fail: int = 0

    # the center's state -------------------------------------------------------------------------
    def publish(self, snapshot: Snapshot, official: Iterable[tuple[str, str]] = ()) -> int:
        self.version += 1
        self.snapshots[self.version] = Snapshot(self.version, snapshot.generated_at, phones=snapshot.phones)
        self.official[self.version] = render_official_table(official)
        return self.version

    def body(self, name: str, version: int | None = None) -> bytes:
        version = version or self.version
        if name == OFFICIAL:
            return self.official[version]
        return FORMATS[name].render(self.snapshots[version])

    def index(self) -> dict[str, Any]:
        updated = datetime.now(UTC).isoformat(timespec="seconds")
        lists = []
        names = [n for n, f in FORMATS.items() if f.kind is ListKind.PHONES] + [OFFICIAL]
        for name in sorted(names):
            body = self.body(name)
            lists.append(
                {
                    "name": name,
                    "version": self.version,
                    "entries": body.count(b"\n") - 1,
                    "sha256": sha256_hex(body),
                    "bytes": len(body),
                    "updated_at": updated,
                    "delta": name != OFFICIAL and FORMATS[name].supports_delta,
                }
            )
        return {"version": self.version, "lists": lists}

    def requests_to(self, path: str) -> list[Seen]:
        return [s for s in self.seen if s.path == path]

    # the application ----------------------------------------------------------------------------
    def app(self) -> web.Application:
        app = web.Application(middlewares=[self._record])
        app.router.add_get("/v1/check", self._check)
        app.router.add_get("/v1/blocklists", self._index)
        app.router.add_get("/v1/blocklists/{name}", self._list)
        app.router.add_post("/v1/hits", self._hits)
        app.router.add_post("/v1/reports", self._reports)
        return app

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.json() if request.can_read_body else None
        self.seen.append(Seen(request.method, request.path, dict(request.query), dict(request.headers), body))
        if request.headers.get("Authorization") != f"Bearer {self.key}":
            return web.json_response({"error": {"code": "unauthorized", "message": "bad key"}}, status=401)
        return await handler(request)

    async def _check(self, request: web.Request) -> web.Response:
        if self.check_delay:
            await asyncio.sleep(self.check_delay)
        if self.check_body is not None:
            return web.Response(text=self.check_body, status=self.check_status, content_type="application/json")
        phone = request.query["phone"]
        answer = {
            "type": "phone",
            "value": phone,
            "listed": False,
            "verdict": "none",
            "score": 0,
            "categories": [],
            "reasons": [],
            "list_version": self.version,
            "spoofed": False,
        }
        answer.update(self.check_answers.get(phone, {}))
        if answer.get("official_of") and request.query.get("trunk") == "international":
            answer.update(spoofed=True, verdict="block", categories=["spoofed_call"])
        answer.pop("official_of", None)
        return web.json_response(answer, status=self.check_status)

    def _unavailable(self) -> web.Response | None:
        if self.pulls_fail > 0:
            self.pulls_fail -= 1
            return web.json_response({"error": {"code": "unavailable", "message": "try later"}}, status=503)
        return None

    async def _index(self, _request: web.Request) -> web.Response:
        return self._unavailable() or web.json_response(self.index())

    async def _list(self, request: web.Request) -> web.Response:
        if (down := self._unavailable()) is not None:
            return down
        name = request.match_info["name"]
        headers = {"ETag": etag_for(self.version), "X-List-Version": str(self.version)}
        since = request.query.get("since")
        if since is not None and name != OFFICIAL:
            start = int(since)
            if start == self.version:
                return web.Response(status=304, headers=headers)
            fmt = FORMATS[name]
            delta = fmt.render_delta(compute_delta(self.snapshots[start], self.snapshots[self.version], fmt.kind))
            if delta is not None:
                if name in self.corrupt:
                    delta += b"++70000000000:phishing\n"
                return web.Response(body=delta, headers={**headers, "X-Delta-From": since})
        if matches_if_none_match(request.headers.get("If-None-Match"), self.version):
            return web.Response(status=304, headers=headers)
        body = self.body(name)
        if name in self.corrupt:
            body += b"+70000000000:phishing\n"
        return web.Response(body=body, headers=headers)

    async def _hits(self, request: web.Request) -> web.Response:
        if self.hits_fail > 0:
            self.hits_fail -= 1
            return web.json_response({"error": {"code": "unavailable", "message": "try later"}}, status=503)
        body = await request.json()
        # the same interval sent again replaces the counts (the contract)
        self.hits = [
            h
            for h in self.hits
            if (h["interval_start"], h["interval_end"])
            != (
                body["interval_start"],
                body["interval_end"],
            )
        ]
        self.hits.append(body)
        return web.json_response({"status": "accepted"}, status=202)

    async def _reports(self, request: web.Request) -> web.Response:
        if self.reports_fail > 0:
            self.reports_fail -= 1
            return web.json_response({"error": {"code": "unavailable", "message": "try later"}}, status=503)
        body = await request.json()
        items = body["reports"]
        results = []
        for item in items:
            self.reports.append(item)
            results.append({"status": "accepted", "indicator": {"type": item["type"], "value": item["value"]}})
        return web.json_response({"results": results}, status=202)

    def hit_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for batch in self.hits:
            for entry in batch["entries"]:
                counts[entry["value"]] = counts.get(entry["value"], 0) + entry["hits"]
        return counts


class ThreadedServer:
    """An aiohttp application on 127.0.0.1 in a thread of its own, for synchronous tests. `stop()` and
    `start()` take it down and bring it back on the same port (a center that goes away and returns)."""

    def __init__(self, app: Callable[[], web.Application], port: int = 0) -> None:
        self.app = app  # a factory: an application belongs to the loop it first ran on
        self.port = port
        self._loop: asyncio.AbstractEventLoop | None = None
        self._runner: web.AppRunner | None = None
        self._thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        ready = threading.Event()
        self._loop = asyncio.new_event_loop()

        async def serve() -> None:
            # open keep-alive connections (Kamailio's, the agent's) must not hold a stop for long
            self._runner = web.AppRunner(self.app(), handle_signals=False, shutdown_timeout=0.2)
            await self._runner.setup()
            site = web.TCPSite(self._runner, "127.0.0.1", self.port, reuse_address=True)
            await site.start()
            self.port = site._server.sockets[0].getsockname()[1]  # type: ignore[union-attr]
            ready.set()

        def run() -> None:
            assert self._loop is not None
            asyncio.set_event_loop(self._loop)
            self._loop.run_until_complete(serve())
            self._loop.run_forever()

        self._thread = threading.Thread(target=run, daemon=True)
        self._thread.start()
        if not ready.wait(10):
            raise RuntimeError("the fake center did not start")

    def stop(self) -> None:
        if self._loop is None or self._runner is None or self._thread is None:
            return
        asyncio.run_coroutine_threadsafe(self._runner.cleanup(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(10)
        self._loop.close()
        self._loop = self._runner = self._thread = None

    def __enter__(self) -> Self:
        self.start()
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, tb: TracebackType | None) -> None:
        self.stop()
