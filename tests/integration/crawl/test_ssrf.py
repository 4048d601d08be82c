"""The SSRF matrix: internal targets, each proven unreached.

Loopback targets are real listeners (Sentinels) that count connections. Non-loopback internal
addresses (10/8, 169.254.169.254, fc00::/7...) are never bound nor sent a packet: they only ever
appear in fake DNS answers or URLs, and the proof is that aiohttp was never asked to start a request
and the crawler's socket factory never opened a socket. The control test shows the listener does
notice a connection when loopback is explicitly allowed.
"""

import pytest
from aiohttp import web
from crawl_helpers import FakeResolver, Sentinel, TraceRecorder, ipv6_loopback_available, serving

from antifraud.content.addresses import AddressKind
from workers.crawl import Crawler, FetchOutcome


@pytest.fixture
async def sentinel():
    listener = Sentinel()
    listener.port = await listener.start("127.0.0.1")
    yield listener
    await listener.stop()


def assert_unreached(result, trace, crawler, sentinel=None):
    assert result.outcome is FetchOutcome.BLOCKED_ADDRESS, (result.url, result.outcome, result.detail)
    assert result.refusal is not None
    assert trace.requests == []
    assert trace.connections == 0
    assert crawler.socket_factory.opened == 0
    if sentinel is not None:
        assert sentinel.connections == 0


LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",  # decimal
    "0x7f000001",  # hex
    "0x7f.0.0.1",
    "0177.0.0.1",  # octal
    "017700000001",
    "[::ffff:127.0.0.1]",  # IPv4-mapped
    "[::ffff:7f00:1]",
    "[::127.0.0.1]",  # IPv4-compatible
    "0.0.0.0",  # noqa: S104 - Linux delivers connections to 0.0.0.0 to the local host
    "0",
    # the WHATWG spellings a browser reads as loopback, too
    "0x7f.1",
    "0X7F.0.0.1",
    "127.0.0.1.",  # a trailing dot
    "%31%32%37.0.0.1",  # percent-encoded digits
    "127%2E0%2E0%2E1",  # percent-encoded dots
    "１２７.０.０.１",  # full-width digits and dots
    "127。0。0。1",  # ideographic full stops
    "12\t7.0.0.1",  # a tab inside the host is dropped
    "127.0.0.\n1",  # and so is a newline
    "[0:0:0:0:0:ffff:7f00:1]",
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
async def test_loopback_in_every_spelling_is_refused(host, sentinel):
    trace = TraceRecorder()
    async with Crawler(resolver=FakeResolver(), trace_configs=[trace.config()]) as crawler:
        result = await crawler.crawl(f"http://{host}:{sentinel.port}/admin")
    assert_unreached(result, trace, crawler, sentinel)


URL_SPELLINGS = [
    "http://evil.test@127.0.0.1:{port}/",  # userinfo before the real host
    "http://kaspi.kz:443@127.1:{port}/",
    "http://127.0.0.1:{port}\\@evil.test/",  # the backslash ends the host: this is 127.0.0.1
    "http:\\\\127.0.0.1:{port}\\admin",  # backslashes for slashes
    "http:/\\127.0.0.1:{port}/",
    "http:127.0.0.1:{port}/",  # no slashes at all
    "http:///0x7f.1:{port}/",  # too many
    "HTTP://127.1:{port}/",  # upper-case scheme
    "hTTp://0X7F.1:{port}/",
    "\t http://127.1:{port}/ \n",  # surrounding whitespace
    "h\ntt\tp://127.0.0.1:{port}/",  # tabs and newlines inside the scheme
    "http://127.1:000{port}/",  # leading zeros in the port
    "https://127.0.0.1:{port}#@evil.test/",  # the fragment hides nothing
]


@pytest.mark.parametrize("template", URL_SPELLINGS)
async def test_loopback_behind_url_tricks_is_refused(template, sentinel):
    trace = TraceRecorder()
    async with Crawler(resolver=FakeResolver(), trace_configs=[trace.config()]) as crawler:
        result = await crawler.crawl(template.format(port=sentinel.port))
    assert_unreached(result, trace, crawler, sentinel)
    assert result.refusal.address == "127.0.0.1"


@pytest.mark.parametrize("template", ["127.0.0.1:{port}/admin", "localhost:{port}/", "//127.0.0.1:{port}/"])
async def test_a_url_without_a_scheme_is_not_fetched(template, sentinel):
    trace = TraceRecorder()
    async with Crawler(resolver=FakeResolver(), trace_configs=[trace.config()]) as crawler:
        result = await crawler.crawl(template.format(port=sentinel.port))
    assert result.outcome is FetchOutcome.INVALID_URL, result.detail
    assert trace.requests == []
    assert crawler.socket_factory.opened == 0
    assert sentinel.connections == 0


REDIRECT_SPELLINGS = [
    "http://127.0.0.2:{port}/",
    "http://0x7f.0.0.2:{port}/",
    "http://2130706434:{port}/",
    "http://%31%32%37.0.0.2:{port}/",
    "\\\\127.0.0.2:{port}\\admin",  # a browser reads \\host as //host: another host, not a path
    "/\\127.0.0.2:{port}/",
    "\\/127.0.0.2:{port}/",
    "//127.0.0.2:{port}/",
    " \thttp://127.0.0.2:{port}/",
    "http://127.0.0.2:{port}\\@127.0.0.1/",
    "HTTP://127.0.0.2:{port}/",
]


@pytest.mark.parametrize("template", REDIRECT_SPELLINGS)
async def test_redirects_into_the_network_are_refused_in_every_spelling(template):
    """127.0.0.1 stands in for a public site (explicitly allowed); 127.0.0.2 is the internal service."""
    internal = Sentinel()
    port = await internal.start("127.0.0.2")
    location = template.format(port=port)

    async def hop(request):
        return web.Response(status=302, headers={"Location": location})

    app = web.Application()
    app.router.add_get("/", hop)
    try:
        async with serving(app) as public_port:
            trace = TraceRecorder()
            async with Crawler(
                resolver=FakeResolver(), allow_networks=["127.0.0.1/32"], trace_configs=[trace.config()]
            ) as crawler:
                result = await crawler.crawl(f"http://127.0.0.1:{public_port}/")
    finally:
        await internal.stop()
    assert result.outcome is FetchOutcome.BLOCKED_ADDRESS, (location, result.outcome, result.detail)
    assert result.refusal.address == "127.0.0.2"
    assert len(result.redirects) == 1
    assert len(trace.requests) == 1  # the public hop only
    assert internal.connections == 0


@pytest.mark.skipif(not ipv6_loopback_available(), reason="this machine has no IPv6 loopback")
async def test_ipv6_loopback_is_refused():
    listener = Sentinel()
    port = await listener.start("::1")
    trace = TraceRecorder()
    try:
        async with Crawler(resolver=FakeResolver({"six.test": [["::1"]]}), trace_configs=[trace.config()]) as crawler:
            literal = await crawler.crawl(f"http://[::1]:{port}/")
            named = await crawler.crawl(f"http://six.test:{port}/")
    finally:
        await listener.stop()
    assert_unreached(literal, trace, crawler, listener)
    assert_unreached(named, trace, crawler, listener)


INTERNAL_ANSWERS = [
    ("127.0.0.1", AddressKind.LOOPBACK),
    ("::1", AddressKind.LOOPBACK),
    ("10.0.0.1", AddressKind.PRIVATE),
    ("10.255.255.255", AddressKind.PRIVATE),
    ("172.16.0.1", AddressKind.PRIVATE),
    ("172.31.0.1", AddressKind.PRIVATE),
    ("192.168.0.1", AddressKind.PRIVATE),
    ("100.64.0.1", AddressKind.SHARED),
    ("169.254.169.254", AddressKind.LINK_LOCAL),
    ("fe80::1", AddressKind.LINK_LOCAL),
    ("fc00::1", AddressKind.UNIQUE_LOCAL),
    ("fd00:ec2::254", AddressKind.UNIQUE_LOCAL),  # the AWS IPv6 metadata address
    ("::ffff:127.0.0.1", AddressKind.IPV4_MAPPED),
    ("::ffff:10.0.0.1", AddressKind.IPV4_MAPPED),
    ("::ffff:169.254.169.254", AddressKind.IPV4_MAPPED),
    ("2002:a9fe:a9fe::1", AddressKind.EMBEDDED_IPV4),  # 6to4 around 169.254.169.254
    ("64:ff9b::a00:1", AddressKind.EMBEDDED_IPV4),  # NAT64 around 10.0.0.1
    ("2001:0:4136:e378:8000:63bf:80ff:fffe", AddressKind.EMBEDDED_IPV4),  # Teredo around 127.0.0.1
    ("0.0.0.0", AddressKind.UNSPECIFIED),  # noqa: S104
    ("::", AddressKind.UNSPECIFIED),
    ("224.0.0.1", AddressKind.MULTICAST),
    ("ff02::1", AddressKind.MULTICAST),
    ("240.0.0.1", AddressKind.RESERVED),
    ("255.255.255.255", AddressKind.RESERVED),
]


@pytest.mark.parametrize(("answer", "kind"), INTERNAL_ANSWERS)
async def test_dns_answers_pointing_inside_are_refused(answer, kind, sentinel):
    trace = TraceRecorder()
    resolver = FakeResolver({"intranet.test": [[answer]]})
    async with Crawler(resolver=resolver, trace_configs=[trace.config()]) as crawler:
        result = await crawler.crawl(f"http://intranet.test:{sentinel.port}/")
    assert_unreached(result, trace, crawler, sentinel)
    assert result.refusal.kind is kind
    assert f"intranet.test resolves to {result.refusal.address}" in result.detail


@pytest.mark.parametrize(
    "url",
    [
        "http://169.254.169.254/latest/meta-data/",
        "http://[fd00:ec2::254]/latest/meta-data/",
        "http://10.0.0.1/",
        "http://0xa9fea9fe/",  # 169.254.169.254 in hex
        "http://2852039166/",  # and in decimal
        "http://192.168.1.1:8080/",
        "http://[::ffff:a9fe:a9fe]/",
        "http://100.64.0.1/",
    ],
)
async def test_internal_literals_are_refused_before_any_attempt(url):
    trace = TraceRecorder()
    async with Crawler(resolver=FakeResolver(), trace_configs=[trace.config()]) as crawler:
        result = await crawler.crawl(url)
    assert_unreached(result, trace, crawler)


async def test_one_internal_address_among_allowed_ones_refuses_the_name(sentinel):
    trace = TraceRecorder()
    resolver = FakeResolver({"mixed.test": [["127.0.0.1", "10.0.0.1"]]})
    async with Crawler(resolver=resolver, allow_networks=["127.0.0.1/32"], trace_configs=[trace.config()]) as c:
        result = await c.crawl(f"http://mixed.test:{sentinel.port}/")
    assert_unreached(result, trace, c, sentinel)
    assert result.refusal.address == "10.0.0.1"


async def test_dns_rebinding_gets_no_second_lookup():
    """rebind.test answers 127.0.0.1 (exempt here, standing in for a public address) and then 127.0.0.2."""

    async def first(request):
        raise web.HTTPFound("/second")

    async def second(request):
        raise web.HTTPFound("/third")

    async def third(request):
        return web.Response(text="<title>served by the first answer</title>", content_type="text/html")

    app = web.Application()
    app.router.add_get("/first", first)
    app.router.add_get("/second", second)
    app.router.add_get("/third", third)
    resolver = FakeResolver({"rebind.test": [["127.0.0.1"], ["127.0.0.2"]]})
    async with serving(app) as port:
        internal = Sentinel()
        await internal.start("127.0.0.2", port)  # the "internal" service, on the same port
        try:
            async with Crawler(resolver=resolver, allow_networks=["127.0.0.1/32"]) as crawler:
                result = await crawler.crawl(f"http://rebind.test:{port}/first")
                again = await crawler.crawl(f"http://rebind.test:{port}/first")  # a new crawl looks up anew
        finally:
            await internal.stop()
    assert result.outcome is FetchOutcome.OK, result.detail
    assert result.title == "served by the first answer"
    assert {hop.address for hop in result.redirects} | {result.address} == {"127.0.0.1"}
    assert again.outcome is FetchOutcome.BLOCKED_ADDRESS
    assert "rebind.test resolves to 127.0.0.2" in again.detail
    assert resolver.lookups["rebind.test"] == 2  # once per crawl, never per connection
    assert internal.connections == 0


async def test_control_the_listener_notices_when_loopback_is_allowed(sentinel):
    """Without this, the matrix above could pass with a listener that notices nothing."""
    async with Crawler(resolver=FakeResolver({"lab.test": [["127.0.0.1"]]}), allow_networks=["127.0.0.0/8"]) as c:
        literal = await c.crawl(f"http://127.0.0.1:{sentinel.port}/")
        after_literal = sentinel.connections
        named = await c.crawl(f"http://lab.test:{sentinel.port}/")
    # aiohttp retries a GET once when the server hangs up without answering, hence "at least".
    assert after_literal >= 1
    assert sentinel.connections > after_literal
    assert literal.outcome is not FetchOutcome.BLOCKED_ADDRESS
    assert named.outcome is not FetchOutcome.BLOCKED_ADDRESS
