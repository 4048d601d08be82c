"""DNS probes against the fake nameserver: every outcome kept distinct, CNAMEs, wildcards, change."""

from __future__ import annotations

import asyncio
import itertools

import dns.asyncquery
import dns.message
import pytest
from fakes import FakeClock
from nameserver import FakeZone, Nameserver

from antifraud.domain.errors import ConfigError
from workers.dns import DnsProber, Outcome, Registration, build_resolver, dns_signals, parse_nameserver
from workers.dns.lexicon import load_dns_lexicon


def zone():
    z = FakeZone()
    z.add("kaspi-bonus.kz", "A", "203.0.113.7", ttl=120)
    z.add("kaspi-bonus.kz", "NS", "ns1.freenom.com.", "ns2.freenom.com.")
    z.add("kaspi-bonus.kz", "MX", "10 mx.kaspi-bonus.kz.")
    z.cname("www.kaspi-bonus.kz", "edge.cdn-kz.net", ttl=30)
    z.cname("edge.cdn-kz.net", "pool.cdn-kz.net", ttl=600)
    z.add("pool.cdn-kz.net", "A", "192.0.2.10", "192.0.2.11", ttl=300)
    z.add("mailonly.kz", "MX", "10 mx.mailonly.kz.")
    z.add("mailonly.kz", "NS", "ns1.mailonly.kz.")
    z.servfail("lame.kz")
    z.refuse("refused.kz")
    z.silent("tarpit.kz")
    z.wildcard("wild.kz", "A", "198.51.100.9")
    z.add("wild.kz", "NS", "ns1.sedoparking.com.")
    z.rotate(
        "flux.kz",
        "A",
        [
            ["192.0.2.1", "198.51.100.2"],
            ["203.0.113.3", "100.64.1.4", "172.16.5.5"],
            ["10.9.9.9", "192.0.2.77"],
            ["198.18.0.8", "203.0.113.99", "100.64.7.7"],
        ],
        ttl=60,
    )
    return z


@pytest.fixture
async def nameserver():
    async with Nameserver(zone()) as ns:
        yield ns


@pytest.fixture
def prober(nameserver):
    labels = (f"af-random{i}" for i in itertools.count())
    resolver = build_resolver([nameserver.address], timeout=0.3, lifetime=0.6)
    return DnsProber(resolver, FakeClock(), random_label=lambda: next(labels))


async def test_a_registered_name_with_its_records(prober):
    seen = await prober.probe("kaspi-bonus.kz")
    assert seen.outcome is Outcome.ANSWER
    assert seen.addresses == ("203.0.113.7",)
    assert seen.address_ttl == 120
    assert seen.records("NS") == ("ns1.freenom.com.", "ns2.freenom.com.")
    assert seen.records("MX") == ("10 mx.kaspi-bonus.kz.",)
    assert seen.lookup("AAAA").outcome is Outcome.NODATA
    assert seen.wildcard_detected is False
    assert seen.registration is Registration.REGISTERED


async def test_cname_chain_is_followed_and_its_smallest_ttl_kept(prober):
    seen = await prober.probe("www.kaspi-bonus.kz", zone="kaspi-bonus.kz")
    assert seen.cname_chain == ("edge.cdn-kz.net", "pool.cdn-kz.net")
    assert seen.addresses == ("192.0.2.10", "192.0.2.11")
    assert seen.address_ttl == 30


async def test_nxdomain_means_unregistered(prober):
    seen = await prober.probe("kaspi-bonus-new.kz")
    assert seen.outcome is Outcome.NXDOMAIN
    assert seen.lookup("NS").outcome is Outcome.NXDOMAIN
    assert seen.registration is Registration.UNREGISTERED
    assert "NXDOMAIN" in seen.lookup("A").detail


async def test_nodata_is_not_nxdomain(prober):
    seen = await prober.probe("mailonly.kz")
    assert seen.outcome is Outcome.NODATA
    assert seen.registration is Registration.REGISTERED
    assert seen.records("MX") == ("10 mx.mailonly.kz.",)


async def test_servfail_does_not_mean_registered(prober):
    seen = await prober.probe("lame.kz")
    assert seen.outcome is Outcome.SERVFAIL
    assert seen.lookup("NS").outcome is Outcome.SERVFAIL
    assert seen.registration is Registration.UNKNOWN


async def test_refused_is_its_own_outcome(prober):
    seen = await prober.probe("refused.kz")
    assert seen.outcome is Outcome.REFUSED
    assert seen.registration is Registration.UNKNOWN


async def test_a_server_that_never_answers_times_out(prober, nameserver):
    loop = asyncio.get_running_loop()
    started = loop.time()
    seen = await prober.probe("tarpit.kz")
    elapsed = loop.time() - started
    assert seen.outcome is Outcome.TIMEOUT
    assert all(item.outcome is Outcome.TIMEOUT for item in seen.lookups)
    assert seen.registration is Registration.UNKNOWN
    assert elapsed < 3  # lookups run concurrently, each bounded by the lifetime
    assert nameserver.zone.queries["tarpit.kz", "A"] >= 1


async def test_wildcard_is_detected_with_a_random_label(prober, nameserver):
    seen = await prober.probe("login.wild.kz", zone="wild.kz")
    assert seen.addresses == ("198.51.100.9",)
    assert seen.wildcard_detected is True
    assert nameserver.zone.queries["af-random0.wild.kz", "A"] == 1


async def test_an_answer_that_changes_between_lookups_shows_as_fast_flux(prober):
    lexicon = load_dns_lexicon()
    history = []
    answers = []
    signals = ()
    for _ in range(4):
        seen = await prober.probe("flux.kz")
        answers.append(seen.addresses)
        signals = dns_signals(seen, history, lexicon)
        history.append(seen)
    assert len(set(answers)) == 4
    flux = [s for s in signals if s.name == "dns_fast_flux"]
    assert flux, signals
    assert "answers changed in 3 of 3 probes: 10 addresses" in flux[0].detail
    first = {s.name for s in dns_signals(history[0], [], lexicon)}
    assert "dns_fast_flux" not in first  # one probe with two addresses proves nothing


async def test_signals_from_a_live_probe(prober):
    lexicon = load_dns_lexicon()
    names = {s.name for s in dns_signals(await prober.probe("kaspi-bonus.kz"), [], lexicon)}
    assert names == {"dns_bad_hosting", "dns_free_nameservers"}
    names = {s.name for s in dns_signals(await prober.probe("login.wild.kz", "wild.kz"), [], lexicon)}
    assert names == {"dns_bad_hosting", "dns_parked", "dns_wildcard"}


async def test_tcp_answers_like_udp(nameserver):
    query = dns.message.make_query("kaspi-bonus.kz", "A")
    response = await dns.asyncquery.tcp(query, "127.0.0.1", port=nameserver.port, timeout=2)
    assert [r.to_text() for r in response.answer[0]] == ["203.0.113.7"]


async def test_unreachable_server_is_an_error_not_a_timeout():
    resolver = build_resolver(["127.0.0.1:9"], timeout=0.3, lifetime=0.6)  # discard port: nothing listens
    seen = await DnsProber(resolver, FakeClock()).probe("kaspi-bonus.kz")
    assert {item.outcome for item in seen.lookups} <= {Outcome.ERROR, Outcome.TIMEOUT}
    assert seen.registration is Registration.UNKNOWN


@pytest.mark.parametrize(
    ("text", "address", "port"),
    [
        ("192.0.2.1", "192.0.2.1", 53),
        ("127.0.0.1:5353", "127.0.0.1", 5353),
        ("::1", "::1", 53),
        ("[::1]:5353", "::1", 5353),
    ],
)
def test_parse_nameserver(text, address, port):
    server = parse_nameserver(text)
    assert (server.address, server.port) == (address, port)


@pytest.mark.parametrize(
    ("text", "message"),
    [("ns1.example.kz", "not an IP address"), ("127.0.0.1:dns", "not a number"), ("127.0.0.1:70000", "out of range")],
)
def test_parse_nameserver_errors(text, message):
    with pytest.raises(ConfigError, match=message):
        parse_nameserver(text)
