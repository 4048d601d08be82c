"""The crawler against servers the tests start on loopback (crawled with allow-networks 127.0.0.0/8)."""

import asyncio
import tomllib
import zlib
from pathlib import Path

import aiohttp
import pytest
from aiohttp import web
from crawl_helpers import FakeResolver, Sentinel, TraceRecorder, raw_server, serving
from prometheus_client import CollectorRegistry

from antifraud.adapters.content_lexicon import load_content_lexicon
from antifraud.content.analysis import PageAnalyser
from antifraud.domain.brands import parse_brands
from antifraud.metrics import Metrics
from workers.crawl import Crawler, CrawlerClosedError, CrawlLimits, FetchOutcome, ResolutionError

PAGES = Path(__file__).resolve().parents[2] / "unit" / "content" / "pages"
LOOPBACK = ["127.0.0.0/8"]
FAST = CrawlLimits(
    total_seconds=3, connect_seconds=1, read_gap_seconds=1, max_wire_bytes=1 << 20, max_decoded_bytes=1 << 20
)


def site(**routes) -> web.Application:
    app = web.Application()
    for path, handler in routes.items():
        app.router.add_get("/" + path.replace("__", "/"), handler)
    return app


async def test_kaspi_clone_is_crawled_and_analysed(repo_root, suffixes):
    html = (PAGES / "kaspi_login_clone.html").read_text("utf-8")

    async def start(request):
        raise web.HTTPFound("/login")

    async def login(request):
        assert request.headers["Host"].startswith("kaspi-kz.online:")  # the name is kept, only the address pinned
        return web.Response(text=html, content_type="text/html")

    registry = CollectorRegistry()
    resolver = FakeResolver({"kaspi-kz.online": [["127.0.0.1"]]})
    async with (
        serving(site(start=start, login=login)) as port,
        Crawler(resolver=resolver, allow_networks=LOOPBACK, metrics=Metrics(registry)) as crawler,
    ):
        result = await crawler.crawl(f"http://kaspi-kz.online:{port}/start")
    assert result.outcome is FetchOutcome.OK, result.detail
    assert result.status == 200
    assert result.final_url == f"http://kaspi-kz.online:{port}/login"
    assert result.redirect_chain == (f"http://kaspi-kz.online:{port}/start", f"http://kaspi-kz.online:{port}/login")
    assert result.redirects[0].status == 302
    assert result.address == "127.0.0.1"
    assert result.title == "Kaspi.kz — Вход в Kaspi Банк | Жеке кабинет"
    assert result.content_type.startswith("text/html")
    assert resolver.lookups["kaspi-kz.online"] == 1  # the redirect to the same host did not look it up again
    assert registry.get_sample_value("antifraud_crawl_fetches_total", {"outcome": "ok"}) == 1

    brands = parse_brands(tomllib.loads((repo_root / "config" / "brands.toml").read_text("utf-8")), suffixes)
    analyser = PageAnalyser(brands, load_content_lexicon(repo_root / "config" / "content_lexicon.toml"), suffixes)
    findings = analyser.analyse(result.text, result.final_url)
    assert "page_brand_login" in {s.name for s in findings.signals}
    assert "+77471234567" in findings.phones


async def test_without_allow_networks_loopback_is_refused_and_never_reached():
    hits = []

    async def page(request):
        hits.append(request.path)
        return web.Response(text="secret")

    trace = TraceRecorder()
    async with (
        serving(site(page=page)) as port,
        Crawler(resolver=FakeResolver({"a.test": [["127.0.0.1"]]}), trace_configs=[trace.config()]) as c,
    ):
        by_name = await c.crawl(f"http://a.test:{port}/page")
        by_address = await c.crawl(f"http://127.0.0.1:{port}/page")
    assert by_name.outcome is FetchOutcome.BLOCKED_ADDRESS
    assert "a.test resolves to 127.0.0.1 is loopback" in by_name.detail
    assert by_address.outcome is FetchOutcome.BLOCKED_ADDRESS
    assert hits == []
    assert trace.requests == []
    assert trace.connections == 0


async def test_redirect_loop_and_redirect_cap():
    async def ping(request):
        raise web.HTTPFound("/pong")

    async def pong(request):
        raise web.HTTPMovedPermanently("/ping")

    async def chain(request):
        n = int(request.match_info.get("n", "0"))
        raise web.HTTPTemporaryRedirect(f"/chain/{n + 1}")

    app = site(ping=ping, pong=pong)
    app.router.add_get("/chain/{n}", chain)
    limits = CrawlLimits(max_redirects=3, total_seconds=5)
    async with serving(app) as port, Crawler(resolver=FakeResolver(), allow_networks=LOOPBACK, limits=limits) as c:
        loop = await c.crawl(f"http://127.0.0.1:{port}/ping")
        many = await c.crawl(f"http://127.0.0.1:{port}/chain/0")
    assert loop.outcome is FetchOutcome.REDIRECT_LOOP
    assert len(loop.redirects) == 2
    assert many.outcome is FetchOutcome.TOO_MANY_REDIRECTS
    assert len(many.redirects) == 4
    assert "more than 3 redirects" in many.detail


async def test_slowloris_drip_feed_is_cut_by_the_total_time():
    async def drip(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nContent-Length: 100000\r\n\r\n")
        try:
            for _ in range(1000):  # one byte every 0.2s: never silent long enough for the read-gap cap
                writer.write(b"<")
                await writer.drain()
                await asyncio.sleep(0.2)
        except (ConnectionError, asyncio.CancelledError):
            pass
        finally:
            writer.close()

    limits = CrawlLimits(total_seconds=1.5, read_gap_seconds=1)
    async with raw_server(drip) as port, Crawler(resolver=FakeResolver(), allow_networks=LOOPBACK, limits=limits) as c:
        result = await c.crawl(f"http://127.0.0.1:{port}/")
    assert result.outcome is FetchOutcome.TIMEOUT
    assert "took over 1.5s" in result.detail
    assert result.elapsed < 3


async def test_a_server_that_goes_silent_is_cut_by_the_read_gap():
    async def stall(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\nfirst bytes")
        await writer.drain()
        await asyncio.sleep(10)
        writer.close()

    async def mute(reader, writer):
        await asyncio.sleep(10)  # accepts, reads nothing, answers nothing
        writer.close()

    limits = CrawlLimits(total_seconds=5, read_gap_seconds=0.5)
    async with (
        raw_server(stall) as p1,
        raw_server(mute) as p2,
        Crawler(resolver=FakeResolver(), allow_networks=LOOPBACK, limits=limits) as c,
    ):
        body = await c.crawl(f"http://127.0.0.1:{p1}/")
        headers = await c.crawl(f"http://127.0.0.1:{p2}/")
    for result in (body, headers):
        assert result.outcome is FetchOutcome.TIMEOUT
        assert "sent nothing for 0.5s" in result.detail
        assert result.elapsed < 3
    assert body.text == "first bytes"  # what did arrive is kept as evidence


async def test_decompression_bomb_is_refused_at_the_decoded_cap():
    squeeze = zlib.compressobj(9, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    zeros = b"\0" * (1 << 20)
    bomb = b"".join(squeeze.compress(zeros) for _ in range(256)) + squeeze.flush()  # 256 MiB in ~250 KiB

    async def handler(request):
        return web.Response(body=bomb, headers={"Content-Encoding": "gzip", "Content-Type": "text/html"})

    async with (
        serving(site(bomb=handler)) as port,
        Crawler(resolver=FakeResolver(), allow_networks=LOOPBACK, limits=FAST) as c,
    ):
        result = await c.crawl(f"http://127.0.0.1:{port}/bomb")
    assert result.outcome is FetchOutcome.TOO_LARGE
    assert "decompresses to over 1048576 bytes" in result.detail
    assert result.body_bytes <= (1 << 20) + 1
    assert result.wire_bytes < len(bomb)  # it stopped reading once over the cap


async def test_huge_bodies_are_refused():
    async def endless(request):
        response = web.StreamResponse(headers={"Content-Type": "text/plain"})
        await response.prepare(request)
        chunk = b"A" * 65536
        try:
            for _ in range(10_000):  # 640 MiB if nobody stops reading
                await response.write(chunk)
        except (ConnectionError, RuntimeError):
            pass
        return response

    async def declared(request):
        return web.Response(body=b"x" * (2 << 20))

    async with (
        serving(site(endless=endless, declared=declared)) as port,
        Crawler(resolver=FakeResolver(), allow_networks=LOOPBACK, limits=FAST) as c,
    ):
        streamed = await c.crawl(f"http://127.0.0.1:{port}/endless")
        announced = await c.crawl(f"http://127.0.0.1:{port}/declared")
    assert streamed.outcome is FetchOutcome.TOO_LARGE
    assert "over 1048576 bytes on the wire" in streamed.detail
    assert streamed.wire_bytes < (1 << 20) + 65536 + 1
    assert announced.outcome is FetchOutcome.TOO_LARGE
    assert "declares 2097152 bytes" in announced.detail
    assert announced.wire_bytes == 0


async def test_redirect_to_an_internal_address_is_refused_before_connecting():
    sentinel = Sentinel()
    port = await sentinel.start("127.0.0.2")

    async def to_internal(request):
        raise web.HTTPFound(f"http://127.0.0.2:{port}/admin")

    async def to_metadata(request):
        raise web.HTTPFound("http://169.254.169.254/latest/meta-data/iam/security-credentials/")

    async def to_named(request):
        raise web.HTTPFound(f"http://metadata.test:{port}/")

    trace = TraceRecorder()
    resolver = FakeResolver({"metadata.test": [["169.254.169.254"]]})
    try:
        # Only the site's own address is exempt: 127.0.0.2 is as internal as 10.0.0.1 here.
        async with (
            serving(site(a=to_internal, b=to_metadata, c=to_named)) as site_port,
            Crawler(resolver=resolver, allow_networks=["127.0.0.1/32"], trace_configs=[trace.config()]) as c,
        ):
            results = [await c.crawl(f"http://127.0.0.1:{site_port}/{p}") for p in "abc"]
    finally:
        await sentinel.stop()
    for result in results:
        assert result.outcome is FetchOutcome.BLOCKED_ADDRESS, result.detail
        assert len(result.redirects) == 1
    assert "127.0.0.2 is loopback" in results[0].detail
    assert "169.254.169.254 is link-local" in results[1].detail
    assert "metadata.test resolves to 169.254.169.254" in results[2].detail
    assert sentinel.connections == 0
    assert all(url.startswith(f"http://127.0.0.1:{site_port}/") for url in trace.requests)  # nothing else was tried


async def test_tls_certificate_facts_and_refused_certificates(test_ca):
    async def page(request):
        return web.Response(text="<title>Secure</title>", content_type="text/html")

    resolver = FakeResolver({"secure.test": [["127.0.0.1"]], "other.test": [["127.0.0.1"]]})
    async with (
        serving(site(page=page), ssl_context=test_ca.server_context()) as port,
        Crawler(resolver=resolver, allow_networks=LOOPBACK, ssl_context=test_ca.client_context()) as c,
    ):
        good = await c.crawl(f"https://secure.test:{port}/page")
        wrong_name = await c.crawl(f"https://other.test:{port}/page")
        async with Crawler(resolver=resolver, allow_networks=LOOPBACK) as system_cas:  # our test CA is unknown
            untrusted = await system_cas.crawl(f"https://secure.test:{port}/page")
    assert good.outcome is FetchOutcome.OK, good.detail
    assert good.title == "Secure"
    assert good.tls is not None
    assert good.tls.subject == "CN=secure.test"
    assert good.tls.issuer == "O=Antifraud Test, CN=Test CA"
    assert good.tls.san == ("DNS:secure.test", "DNS:www.secure.test")
    assert good.tls.not_before < good.tls.not_after
    assert good.tls.protocol.startswith("TLS")
    assert wrong_name.outcome is FetchOutcome.TLS_ERROR
    assert "other.test" in wrong_name.detail
    assert untrusted.outcome is FetchOutcome.TLS_ERROR
    assert "certificate" in untrusted.detail


async def test_dns_connect_protocol_and_invalid_url_outcomes():
    async def garbage(reader, writer):
        await reader.readuntil(b"\r\n\r\n")
        writer.write(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")
        await writer.drain()
        writer.close()

    closed = Sentinel()
    closed_port = await closed.start("127.0.0.1")
    await closed.stop()  # nothing listens there any more
    registry = CollectorRegistry()
    resolver = FakeResolver({"slow.test": ResolutionError("no answer within 5s", timed_out=True)})
    async with (
        raw_server(garbage) as port,
        Crawler(resolver=resolver, allow_networks=LOOPBACK, metrics=Metrics(registry)) as c,
    ):
        missing = await c.crawl("http://missing.test/")
        slow = await c.crawl("http://slow.test/")
        refused = await c.crawl(f"http://127.0.0.1:{closed_port}/")
        protocol = await c.crawl(f"http://127.0.0.1:{port}/")
        invalid = await c.crawl("ftp://kaspi.kz/")
    assert (missing.outcome, missing.detail) == (
        FetchOutcome.DNS_ERROR,
        "resolving missing.test: missing.test does not exist (NXDOMAIN)",
    )
    assert slow.outcome is FetchOutcome.TIMEOUT
    assert refused.outcome is FetchOutcome.CONNECT_ERROR
    assert "cannot connect" in refused.detail
    assert protocol.outcome is FetchOutcome.PROTOCOL_ERROR
    assert invalid.outcome is FetchOutcome.INVALID_URL
    counts = {o: registry.get_sample_value("antifraud_crawl_fetches_total", {"outcome": o}) for o in FetchOutcome}
    assert counts[FetchOutcome.DNS_ERROR] == 1
    assert counts[FetchOutcome.TIMEOUT] == 1
    assert counts[FetchOutcome.CONNECT_ERROR] == 1
    assert counts[FetchOutcome.PROTOCOL_ERROR] == 1
    assert counts[FetchOutcome.INVALID_URL] == 1


async def test_http_errors_keep_their_body_and_charset():
    async def gone(request):
        body = "<title>Страница удалена</title>".encode("cp1251")
        return web.Response(body=body, status=404, headers={"Content-Type": "text/html; charset=windows-1251"})

    async with serving(site(gone=gone)) as port, Crawler(resolver=FakeResolver(), allow_networks=LOOPBACK) as c:
        result = await c.crawl(f"http://127.0.0.1:{port}/gone")
    assert result.outcome is FetchOutcome.HTTP_ERROR
    assert (result.status, result.charset, result.title) == (404, "cp1251", "Страница удалена")


async def test_crawl_needs_an_open_crawler():
    crawler = Crawler(resolver=FakeResolver())
    with pytest.raises(CrawlerClosedError, match="async with"):
        await crawler.crawl("http://a.test/")


async def test_the_session_itself_refuses_unvetted_addresses():
    """Outside a crawl, the pinned resolver and the socket guard refuse everything: no lookup, no socket."""
    sentinel = Sentinel()
    port = await sentinel.start("127.0.0.1")
    try:
        async with Crawler(resolver=FakeResolver(), allow_networks=LOOPBACK) as crawler:
            session = crawler._session
            with pytest.raises(aiohttp.ClientConnectorError, match="not vetted for this crawl"):
                await session.get(f"http://127.0.0.1:{port}/")
            with pytest.raises(aiohttp.ClientConnectorError, match="no vetted address for 'localhost'"):
                await session.get(f"http://localhost:{port}/")
    finally:
        await sentinel.stop()
    assert sentinel.connections == 0
    assert crawler.socket_factory.refused == 1
    assert crawler.socket_factory.opened == 0
    assert crawler.pinned_resolver.refused == 1
