"""The renderer in a child process, driven from asyncio.

Rendering a full list of a million entries is seconds of Python work; done on the server's event
loop or in one of its threads it would hold the GIL and stall every check and `/healthz` (measured:
p99 1.46 s during a publication before this split). The child owns the row buckets and the files;
the server sends it each version's changes and gets back the manifest. One request at a time.

`LocalRenderer` runs the same Renderer in a thread of this process: for tests, the CLI, and small
lists, with the same async interface.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
from collections.abc import Mapping, Sequence
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any, Protocol

from antifraud.domain.model import ListKind
from blocklists.errors import BlocklistError
from blocklists.formats import RpzOptions, build_formats
from blocklists.renderer import ListChanges, Manifest, RawChange, RawRow, Renderer
from blocklists.rows import Row

log = logging.getLogger(__name__)


class RendererDied(BlocklistError):  # noqa: N818 - names the condition
    code = "renderer_died"


class AsyncRenderer(Protocol):
    async def restore(self) -> Manifest | None: ...

    async def load(self, version: int, generated_at: str, rows: Mapping[ListKind, Sequence[Row]]) -> Manifest: ...

    async def publish(self, version: int, generated_at: str, changes: Mapping[ListKind, ListChanges]) -> Manifest: ...

    async def load_raw(self, version: int, generated_at: str, raw: Mapping[ListKind, Sequence[RawRow]]) -> Manifest: ...

    async def publish_raw(
        self, version: int, generated_at: str, raw: Mapping[ListKind, Sequence[RawChange]]
    ) -> Manifest: ...

    async def close(self) -> None: ...


class LocalRenderer:
    """The renderer in a worker thread of this process."""

    def __init__(
        self,
        directory: Path,
        rpz: RpzOptions | None = None,
        *,
        fsync: bool = True,
        signing_key: Path | None = None,
        static: Mapping[str, bytes] | None = None,
    ) -> None:
        self._renderer = Renderer(directory, build_formats(rpz), fsync=fsync, signing_key=signing_key, static=static)
        self._lock = asyncio.Lock()

    async def _run(self, method: str, *args: Any) -> Any:
        async with self._lock:
            return await asyncio.to_thread(getattr(self._renderer, method), *args)

    async def restore(self) -> Manifest | None:
        result: Manifest | None = await self._run("restore")
        return result

    async def load(self, version: int, generated_at: str, rows: Mapping[ListKind, Sequence[Row]]) -> Manifest:
        result: Manifest = await self._run("load", version, generated_at, rows)
        return result

    async def publish(self, version: int, generated_at: str, changes: Mapping[ListKind, ListChanges]) -> Manifest:
        result: Manifest = await self._run("publish", version, generated_at, changes)
        return result

    async def load_raw(self, version: int, generated_at: str, raw: Mapping[ListKind, Sequence[RawRow]]) -> Manifest:
        result: Manifest = await self._run("load_raw", version, generated_at, raw)
        return result

    async def publish_raw(
        self, version: int, generated_at: str, raw: Mapping[ListKind, Sequence[RawChange]]
    ) -> Manifest:
        result: Manifest = await self._run("publish_raw", version, generated_at, raw)
        return result

    async def close(self) -> None:
        return None


def _child(
    conn: Connection,
    directory: str,
    rpz: RpzOptions | None,
    fsync: bool,
    signing_key: Path | None,
    static: Mapping[str, bytes] | None,
) -> None:
    renderer = Renderer(Path(directory), build_formats(rpz), fsync=fsync, signing_key=signing_key, static=static)
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        method, args = request
        if method == "stop":
            return
        try:
            conn.send(("ok", getattr(renderer, method)(*args)))
        except Exception as exc:  # noqa: BLE001 - every failure goes back to the caller, named
            conn.send(("error", exc))


class ProcessRenderer:
    """The renderer in a child process (spawned, so it shares nothing but the pipe)."""

    def __init__(
        self,
        directory: Path,
        rpz: RpzOptions | None = None,
        *,
        fsync: bool = True,
        signing_key: Path | None = None,
        static: Mapping[str, bytes] | None = None,
    ) -> None:
        self.directory = directory
        self._args = (str(directory), rpz, fsync, signing_key, dict(static or {}))
        self._lock = asyncio.Lock()
        self._conn: Connection | None = None
        self._process: Any = None

    def _start(self) -> Connection:
        if self._conn is not None and self._process is not None and self._process.is_alive():
            return self._conn
        context = multiprocessing.get_context("spawn")
        parent, child = context.Pipe()
        self._process = context.Process(
            target=_child, args=(child, *self._args), name="antifraud-renderer", daemon=True
        )
        self._process.start()
        child.close()
        self._conn = parent
        return parent

    def _call(self, method: str, args: tuple[Any, ...]) -> Any:
        conn = self._start()
        try:
            conn.send((method, args))
            status, value = conn.recv()
        except (EOFError, OSError, BrokenPipeError) as exc:
            self._conn = None
            raise RendererDied(f"the renderer process ended while it was asked to {method}: {exc}") from None
        if status == "error":
            raise value
        return value

    async def _run(self, method: str, *args: Any) -> Any:
        async with self._lock:
            return await asyncio.to_thread(self._call, method, args)

    async def restore(self) -> Manifest | None:
        result: Manifest | None = await self._run("restore")
        return result

    async def load(self, version: int, generated_at: str, rows: Mapping[ListKind, Sequence[Row]]) -> Manifest:
        result: Manifest = await self._run("load", version, generated_at, rows)
        return result

    async def publish(self, version: int, generated_at: str, changes: Mapping[ListKind, ListChanges]) -> Manifest:
        result: Manifest = await self._run("publish", version, generated_at, changes)
        return result

    async def load_raw(self, version: int, generated_at: str, raw: Mapping[ListKind, Sequence[RawRow]]) -> Manifest:
        result: Manifest = await self._run("load_raw", version, generated_at, raw)
        return result

    async def publish_raw(
        self, version: int, generated_at: str, raw: Mapping[ListKind, Sequence[RawChange]]
    ) -> Manifest:
        result: Manifest = await self._run("publish_raw", version, generated_at, raw)
        return result

    async def close(self) -> None:
        async with self._lock:
            conn, process = self._conn, self._process
            self._conn = self._process = None
            if conn is not None:
                with contextlib.suppress(OSError, BrokenPipeError):
                    conn.send(("stop", ()))
                conn.close()
            if process is not None:
                await asyncio.to_thread(process.join, 10)
                if process.is_alive():
                    process.kill()
                    await asyncio.to_thread(process.join, 5)
