"""Kamailio's JSON-RPC over HTTP (jsonrpcs + xhttp, loopback only): the agent's `Gateway` port.

config/kamailio/kamailio.cfg serves it on `RPC_PORT`, path `/RPC`. `kamcmd htable.reload blocklist`
does the same over the ctl socket for an operator at a shell.
"""

from __future__ import annotations

import itertools
from typing import Any, Self

import aiohttp

from workers.gateway.model import GatewayUnavailable, TableSpec
from workers.gateway.ports import GatewayClock

HITS_TABLE = "hits"


class KamailioRpc:
    def __init__(self, url: str, *, timeout: float = 120.0) -> None:
        # a reload of a million-entry table takes seconds: the timeout covers it
        self.url = url
        self._timeout = aiohttp.ClientTimeout(total=timeout, connect=5.0)
        self._ids = itertools.count(1)
        self._session: aiohttp.ClientSession | None = None

    async def __aenter__(self) -> Self:
        self._session = aiohttp.ClientSession(timeout=self._timeout)
        return self

    async def __aexit__(self, *exc: object) -> None:
        if self._session is not None:
            await self._session.close()

    async def call(self, method: str, *params: Any) -> Any:
        if self._session is None:
            raise RuntimeError("use `async with KamailioRpc(...)`")
        request = {"jsonrpc": "2.0", "method": method, "params": list(params), "id": next(self._ids)}
        try:
            async with self._session.post(self.url, json=request) as response:
                try:
                    answer = await response.json(content_type=None)
                except ValueError as exc:
                    raise GatewayUnavailable(f"{method}: Kamailio answered {response.status} without JSON") from exc
        except (aiohttp.ClientError, TimeoutError) as exc:
            raise GatewayUnavailable(f"Kamailio's JSON-RPC at {self.url} did not answer {method}: {exc}") from exc
        if not isinstance(answer, dict):
            raise GatewayUnavailable(f"{method}: Kamailio answered {answer!r:.100}")
        if "error" in answer:
            error = answer["error"]
            message = error.get("message") if isinstance(error, dict) else error
            raise GatewayUnavailable(f"{method} failed: {message}")
        return answer.get("result")

    async def reload(self, spec: TableSpec) -> None:
        await self.call(spec.reload_method, spec.reload_target)

    async def hit_counters(self) -> dict[str, int]:
        result = await self.call("htable.dump", HITS_TABLE)
        counters: dict[str, int] = {}
        for slot in result or []:
            for item in slot.get("slot", []) if isinstance(slot, dict) else []:
                name, value = item.get("name"), item.get("value")
                if isinstance(name, str) and isinstance(value, int) and value > 0:
                    counters[name] = value
        return counters

    async def clock(self) -> GatewayClock:
        result = await self.call("core.uptime")
        if not isinstance(result, dict) or "up_since" not in result:
            raise GatewayUnavailable(f"core.uptime answered {result!r:.100}")
        return GatewayClock(str(result["up_since"]), float(result.get("uptime", 0)))
