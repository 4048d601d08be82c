"""The two things the agent talks to. HTTP adapters: center_client and kamailio_rpc; tests use fakes."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal, Protocol

from workers.gateway.model import IndexEntry, TableSpec


@dataclass(frozen=True, slots=True)
class Fetched:
    """A list as the center sent it: nothing new (304), a delta, or the whole list, at `version`."""

    kind: Literal["unchanged", "delta", "full"]
    version: int
    body: bytes = b""


@dataclass(frozen=True, slots=True)
class GatewayClock:
    """When Kamailio started (an opaque text that changes on every start) and for how long it has run."""

    started: str
    uptime: float


class Center(Protocol):
    async def index(self) -> dict[str, IndexEntry]: ...

    async def fetch(self, name: str, *, since: int | None, held: int | None) -> Fetched:
        """`since`: ask for a delta from that version; `held`: the version held (If-None-Match)."""
        ...

    async def post_hits(self, batch: Mapping[str, Any]) -> None: ...


class Gateway(Protocol):
    async def reload(self, spec: TableSpec) -> None: ...

    async def hit_counters(self) -> dict[str, int]: ...

    async def clock(self) -> GatewayClock: ...
