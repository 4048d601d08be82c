"""Following links for the indicator page: bounded, both directions, laid out inside the picture."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from antifraud.console.graph import follow_links
from antifraud.domain.model import IndicatorKey, IndicatorType
from antifraud.ports import LinkRecord

AT = datetime(2026, 11, 22, tzinfo=UTC)


def site(v):
    return IndicatorKey(IndicatorType.DOMAIN, v)


def phone(v):
    return IndicatorKey(IndicatorType.PHONE, v)


class Links:
    def __init__(self, links):
        self.links = links
        self.asked = []

    async def __call__(self, key):
        self.asked.append(key)
        return [link for link in self.links if key in (link.source, link.target)]


async def test_links_are_followed_both_ways_to_the_second_step():
    links = Links(
        [
            LinkRecord(site("kaspi-bonus.kz"), phone("+77471234567"), "advertised_on", AT),
            LinkRecord(site("halyk-prize.kz"), phone("+77471234567"), "advertised_on", AT),
            LinkRecord(site("halyk-prize.kz"), phone("+77019998877"), "advertised_on", AT),
        ]
    )
    graph = await follow_links(links, site("kaspi-bonus.kz"))
    depth = {n.key: n.depth for n in graph.nodes}
    assert depth == {site("kaspi-bonus.kz"): 0, phone("+77471234567"): 1, site("halyk-prize.kz"): 2}
    assert not graph.truncated
    assert [c.key for c in graph.children(phone("+77471234567"))] == [site("halyk-prize.kz")]
    for node in graph.nodes:
        assert 0 <= node.x <= 480
        assert 0 <= node.y <= 480
    assert graph.at(site("kaspi-bonus.kz")).x == 240


async def test_a_site_with_thousands_of_numbers_is_cut_short():
    many = [LinkRecord(site("spam.kz"), phone(f"+7701{i:07d}"), "advertised_on", AT) for i in range(2000)]
    links = Links(many)
    graph = await follow_links(links, site("spam.kz"), max_nodes=30)
    assert len(graph.nodes) == 30
    assert graph.truncated
    assert len(links.asked) <= 30  # one query per node followed, not per link


@pytest.mark.parametrize("count", [0, 1, 7])
async def test_any_number_of_neighbours_lays_out(count):
    links = Links([LinkRecord(site("a.kz"), phone(f"+7701000000{i}"), "advertised_on", AT) for i in range(count)])
    graph = await follow_links(links, site("a.kz"))
    assert len(graph.nodes) == count + 1
    assert len(graph.edges) == count
