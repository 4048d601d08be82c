"""The center's pull and feedback API over HTTP (aiohttp): the agent's `Center` port."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Self

import aiohttp

from blocklists.serving import etag_for
from workers.gateway.model import CenterUnavailable, IndexEntry, InvalidTable, parse_index
from workers.gateway.ports import Fetched

MAX_LIST_BYTES = 1 << 30  # a million numbers is ~25 MB; anything near this is not a list
_ETAG_VERSION = re.compile(r'(?:W/)?"v([0-9]{1,10})"')


class CenterClient:
    """`async with CenterClient(url, key) as center:`; every failure is CenterUnavailable."""

    def __init__(
        self,
        url: str,
        key: str,
        *,
        timeout: float = 120.0,
        connect_timeout: float = 10.0,
        max_bytes: int = MAX_LIST_BYTES,
    ) -> None:
        self.url = url.rstrip("/")
        self.max_bytes = max_bytes
        self._headers = {"Authorization": f"Bearer {key}", "User-Agent": "antifraud-gateway-agent"}
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=connect_timeout)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=self._timeout, headers=self._headers)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    @property
    def session(self) -> aiohttp.ClientSession:
        if self._session is None:
            raise RuntimeError("use `async with CenterClient(...)`")
        return self._session

    async def index(self) -> dict[str, IndexEntry]:
        try:
            async with self.session.get(f"{self.url}/v1/blocklists") as response:
                if response.status != 200:
                    raise CenterUnavailable(f"the index answered {response.status}: {await _excerpt(response)}")
                try:
                    document = await response.json(content_type=None)
                except ValueError as exc:
                    raise InvalidTable(f"the index is not JSON: {exc}") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise CenterUnavailable(f"the center at {self.url} did not answer: {_describe(exc)}") from exc
        return parse_index(document)

    async def fetch(self, name: str, *, since: int | None, held: int | None) -> Fetched:
        params = {"since": str(since)} if since is not None else {}
        headers = {"If-None-Match": etag_for(held)} if held is not None else {}
        try:
            async with self.session.get(f"{self.url}/v1/blocklists/{name}", params=params, headers=headers) as response:
                if response.status == 304:
                    return Fetched("unchanged", _version(response, held))
                if response.status != 200:
                    raise CenterUnavailable(f"{name} answered {response.status}: {await _excerpt(response)}")
                version = _version(response, None)
                body = await _read_limited(response, name, self.max_bytes)
                if "X-Delta-From" in response.headers:
                    return Fetched("delta", version, body)
                return Fetched("full", version, body)
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise CenterUnavailable(f"fetching {name} failed: {_describe(exc)}") from exc

    async def post_hits(self, batch: Mapping[str, Any]) -> None:
        try:
            async with self.session.post(f"{self.url}/v1/hits", json=batch) as response:
                if response.status != 202:
                    raise CenterUnavailable(f"POST /v1/hits answered {response.status}: {await _excerpt(response)}")
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise CenterUnavailable(f"POST /v1/hits failed: {_describe(exc)}") from exc


def _version(response: aiohttp.ClientResponse, default: int | None) -> int:
    text = response.headers.get("X-List-Version", "")
    if text.isascii() and text.isdigit() and len(text) <= 10:
        return int(text)
    match = _ETAG_VERSION.fullmatch(response.headers.get("ETag", ""))
    if match:
        return int(match.group(1))
    if default is not None:
        return default
    raise InvalidTable(f"{response.url.path} carries no version (neither X-List-Version nor an ETag)")


async def _read_limited(response: aiohttp.ClientResponse, name: str, limit: int) -> bytes:
    chunks, size = [], 0
    async for chunk in response.content.iter_chunked(1 << 20):
        size += len(chunk)
        if size > limit:
            raise InvalidTable(f"{name} is larger than {limit} bytes; refused")
        chunks.append(chunk)
    return b"".join(chunks)


async def _excerpt(response: aiohttp.ClientResponse) -> str:
    try:
        return (await response.content.read(300)).decode("utf-8", "replace").strip()
    except (aiohttp.ClientError, TimeoutError):
        return ""


def _describe(exc: BaseException) -> str:
    return str(exc) or type(exc).__name__
