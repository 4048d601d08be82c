"""The default resolver against the fake nameserver of tests/nameserver.py (no real DNS)."""

import pytest
from nameserver import FakeZone, Nameserver

from workers.crawl import Crawler, DnsAddressResolver, FetchOutcome, ResolutionError


async def test_a_and_aaaa_nxdomain_nodata_servfail():
    zone = FakeZone()
    zone.add("both.kz", "A", "203.0.113.7").add("both.kz", "AAAA", "2001:db8::7")
    zone.add("four.kz", "A", "198.51.100.4")
    zone.add("text.kz", "TXT", '"v=spf1 -all"')
    zone.servfail("broken.kz")
    async with Nameserver(zone) as ns:
        resolver = DnsAddressResolver.from_nameservers([ns.address], lifetime=2)
        assert sorted(await resolver.resolve("both.kz")) == ["2001:db8::7", "203.0.113.7"]
        assert await resolver.resolve("four.kz") == ("198.51.100.4",)
        with pytest.raises(ResolutionError, match="does not exist"):
            await resolver.resolve("missing.kz")
        with pytest.raises(ResolutionError, match="no A or AAAA records"):
            await resolver.resolve("text.kz")
        with pytest.raises(ResolutionError, match="SERVFAIL"):
            await resolver.resolve("broken.kz")


async def test_the_crawler_refuses_what_the_nameserver_says_is_internal():
    zone = FakeZone().add("metadata.kz", "A", "169.254.169.254")
    async with Nameserver(zone) as ns, Crawler(nameservers=[ns.address]) as crawler:
        result = await crawler.crawl("http://metadata.kz/latest/meta-data/")
    assert result.outcome is FetchOutcome.BLOCKED_ADDRESS
    assert "metadata.kz resolves to 169.254.169.254" in result.detail
