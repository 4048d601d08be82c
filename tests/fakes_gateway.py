"""Fakes of the gateway agent's two ports (workers.gateway.ports), for service tests without sockets.

`InMemoryCenter` answers from a tests/fake_center.FakeCenter's state exactly as the HTTP fake does
(ETag, `?since=` deltas, 304); `FakeGateway` records reloads and serves hit counters the test sets.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from fake_center import OFFICIAL, FakeCenter

from blocklists.delta import compute_delta
from blocklists.formats import FORMATS
from workers.gateway.model import CenterUnavailable, GatewayUnavailable, IndexEntry, TableSpec, parse_index
from workers.gateway.ports import Fetched, GatewayClock


@dataclass
class InMemoryCenter:
    state: FakeCenter
    down: bool = False
    hits_down: bool = False
    fetches: list[tuple[str, int | None, int | None]] = field(default_factory=list)
    bad_delta: set[str] = field(default_factory=set)  # lists whose delta is served corrupted
    wrong_full: set[str] = field(default_factory=set)  # lists whose full body does not match the index
    index_document: Any = None  # served instead of the real index when set

    async def index(self) -> dict[str, IndexEntry]:
        if self.down:
            raise CenterUnavailable("connection refused")
        return parse_index(self.index_document if self.index_document is not None else self.state.index())

    async def fetch(self, name: str, *, since: int | None, held: int | None) -> Fetched:
        if self.down:
            raise CenterUnavailable("connection refused")
        self.fetches.append((name, since, held))
        version = self.state.version
        if since is not None and name != OFFICIAL:
            if since == version:
                return Fetched("unchanged", version)
            fmt = FORMATS[name]
            delta = fmt.render_delta(
                compute_delta(self.state.snapshots[since], self.state.snapshots[version], fmt.kind)
            )
            if delta is not None:
                if name in self.bad_delta:
                    delta = delta.replace(b"# added", b"++70000000001:phishing\n# added")
                return Fetched("delta", version, delta)
        if held == version:
            return Fetched("unchanged", version)
        body = self.state.body(name)
        if name in self.wrong_full:
            body += b"+70000000000:phishing\n"
        return Fetched("full", version, body)

    async def post_hits(self, batch: Mapping[str, Any]) -> None:
        if self.down or self.hits_down:
            raise CenterUnavailable("connection refused")
        self.state.hits.append(dict(batch))


@dataclass
class FakeGateway:
    started: str = "Fri Dec  4 10:00:00 2026"
    uptime: float = 100.0
    counters: dict[str, int] = field(default_factory=dict)
    reloads: list[str] = field(default_factory=list)
    down: bool = False

    async def reload(self, spec: TableSpec) -> None:
        if self.down:
            raise GatewayUnavailable("connection refused")
        self.reloads.append(spec.name)

    async def hit_counters(self) -> dict[str, int]:
        if self.down:
            raise GatewayUnavailable("connection refused")
        return dict(self.counters)

    async def clock(self) -> GatewayClock:
        if self.down:
            raise GatewayUnavailable("connection refused")
        return GatewayClock(self.started, self.uptime)
