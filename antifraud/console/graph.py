"""The indicator page's small graph: sites, numbers and wallets linked to an indicator, followed a
few steps, and laid out in rings around it for a server-rendered SVG (no script draws it).

Following is bounded (depth and node count): one site advertising a thousand numbers must not turn a
page view into a thousand queries.
"""

from __future__ import annotations

import math
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

from antifraud.domain.model import IndicatorKey
from antifraud.ports import LinkRecord

MAX_DEPTH = 2
MAX_NODES = 30


@dataclass(frozen=True, slots=True)
class Edge:
    source: IndicatorKey
    target: IndicatorKey
    relation: str


@dataclass(frozen=True, slots=True)
class Node:
    key: IndicatorKey
    depth: int
    parent: IndicatorKey | None
    relation: str  # how it was reached from its parent ("" for the centre)
    x: float = 0.0
    y: float = 0.0


@dataclass(frozen=True, slots=True)
class LinkGraph:
    nodes: list[Node]
    edges: list[Edge]
    truncated: bool  # more links exist than were followed

    def at(self, key: IndicatorKey) -> Node:
        return next(n for n in self.nodes if n.key == key)

    def children(self, key: IndicatorKey) -> list[Node]:
        return [n for n in self.nodes if n.parent == key]


async def follow_links(
    links_of: Callable[[IndicatorKey], Awaitable[Sequence[LinkRecord]]],
    start: IndicatorKey,
    max_depth: int = MAX_DEPTH,
    max_nodes: int = MAX_NODES,
) -> LinkGraph:
    """Breadth first from `start`, in both directions of each link."""
    nodes: dict[IndicatorKey, Node] = {start: Node(start, 0, None, "")}
    edges: dict[tuple[IndicatorKey, IndicatorKey, str], Edge] = {}
    frontier = [start]
    truncated = False
    for depth in range(1, max_depth + 1):
        following: list[IndicatorKey] = []
        for key in frontier:
            for link in await links_of(key):
                other = link.target if link.source == key else link.source
                edges.setdefault(
                    (link.source, link.target, link.relation), Edge(link.source, link.target, link.relation)
                )
                if other in nodes:
                    continue
                if len(nodes) >= max_nodes:
                    truncated = True
                    continue
                nodes[other] = Node(other, depth, key, link.relation)
                following.append(other)
        frontier = following
    kept = [e for e in edges.values() if e.source in nodes and e.target in nodes]
    return LinkGraph(layout(list(nodes.values())), kept, truncated)


def layout(nodes: Sequence[Node], size: float = 480.0) -> list[Node]:
    """The start in the middle, each depth on its own ring, children near their parent's angle."""
    centre = size / 2
    ring = (size / 2 - 40) / max(1, max((n.depth for n in nodes), default=1))
    angles: dict[IndicatorKey, float] = {}
    placed: list[Node] = []
    by_depth: dict[int, list[Node]] = {}
    for node in nodes:
        by_depth.setdefault(node.depth, []).append(node)
    for depth in sorted(by_depth):
        level = by_depth[depth]
        if depth > 0:  # keep siblings together, in their parents' order round the ring
            level.sort(key=lambda n: (angles.get(n.parent, 0.0) if n.parent else 0.0, str(n.key)))
        for i, node in enumerate(level):
            angle = 0.0 if depth == 0 else 2 * math.pi * i / len(level) - math.pi / 2
            angles[node.key] = angle
            radius = ring * depth
            placed.append(
                Node(
                    node.key,
                    node.depth,
                    node.parent,
                    node.relation,
                    round(centre + radius * math.cos(angle), 1),
                    round(centre + radius * math.sin(angle), 1),
                )
            )
    return placed
