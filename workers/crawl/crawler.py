"""The safe HTTP crawler: drives `antifraud.content.fetch.CrawlPlan` with aiohttp's client.

    async with Crawler(allow_networks=settings.crawl_allow_networks, nameservers=settings.nameservers,
                       metrics=metrics) as crawler:
        result = await crawler.crawl("http://kaspi-bonus.kz/login")

Every name is resolved by the crawler itself, every address vetted by the plan's guard, and the
connection made to the vetted address only (SNI and Host keep the name). Redirects are followed by
hand, each hop vetted again; total time, the silence between bytes, the body on the wire and after
decompression are all capped. A crawl never raises for what a server does: it returns a
CrawlResult whose outcome (a closed set) also labels `antifraud_crawl_fetches_total`.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Self

import aiohttp
from aiohttp.connector import Connection
from yarl import URL

from antifraud.content.addresses import AddressGuard
from antifraud.content.body import (
    ACCEPT_ENCODING,
    BodyBudget,
    BodyDecoder,
    BodyTooLarge,
    BodyUndecodable,
    decode_text,
    is_textual,
    media_type,
)
from antifraud.content.fetch import (
    BodyRead,
    Connect,
    CrawlLimits,
    CrawlPlan,
    CrawlResult,
    Done,
    Failed,
    FetchOutcome,
    PlanMisuseError,
    ReadBody,
    Resolve,
    Resolved,
    ResolveFailed,
    Responded,
)
from antifraud.content.html import page_title
from antifraud.content.tls import TlsFacts, tls_facts
from antifraud.metrics import Metrics
from workers.crawl.pinning import GuardedSocketFactory, PinnedResolver, UnvettedAddressError, vetted
from workers.crawl.resolver import AddressResolver, DnsAddressResolver, ResolutionError

DEFAULT_USER_AGENT = "Mozilla/5.0 (compatible; antifraud-crawler/1.0; +https://antifraud.kz/crawler)"
READ_CHUNK = 64 * 1024
HTML_TYPES = ("text/html", "application/xhtml+xml")


class CrawlerClosedError(RuntimeError):
    """`crawl` was called outside `async with Crawler(...)`."""


@dataclass
class _Exchange:
    """What the driver holds between steps of one crawl."""

    response: aiohttp.ClientResponse | None = None
    address: str | None = None
    tls: TlsFacts | None = None
    content_type: str | None = None
    charset: str | None = None
    text: str | None = None
    title: str | None = None
    wire_bytes: int = 0
    body_bytes: int = 0

    def close(self) -> None:
        if self.response is not None:
            self.response.close()  # never drained: a redirect's or a refused body is not worth reading
            self.response = None


class PeerResponse(aiohttp.ClientResponse):
    """A response that notes, before anything is read, which address it came from and over what TLS.

    aiohttp hands a connection back to the pool as soon as a small body is in, so by the time
    `session.get` returns the transport may be gone; `start` is the moment it is certainly there.
    """

    peer_address: str | None = None
    peer_tls: TlsFacts | None = None

    async def start(self, connection: Connection) -> aiohttp.ClientResponse:
        transport = connection.transport
        if transport is not None:
            peer = transport.get_extra_info("peername")
            self.peer_address = str(peer[0]) if isinstance(peer, tuple) and peer else None
            ssl_object = transport.get_extra_info("ssl_object")
            if isinstance(ssl_object, ssl.SSLObject | ssl.SSLSocket):
                cipher = ssl_object.cipher()
                self.peer_tls = tls_facts(
                    ssl_object.getpeercert() or {}, ssl_object.version(), cipher[0] if cipher else None
                )
        return await super().start(connection)


def _client_failure(exc: Exception, limits: CrawlLimits, url: str) -> Failed:
    """An aiohttp exception as an outcome and words. Order matters: the TLS errors are connector errors."""
    if isinstance(exc, aiohttp.ClientConnectorCertificateError):
        return Failed(FetchOutcome.TLS_ERROR, f"{url}: the certificate was refused: {exc.certificate_error}")
    if isinstance(exc, aiohttp.ClientSSLError):
        return Failed(FetchOutcome.TLS_ERROR, f"{url}: TLS failed: {exc.os_error}")
    if isinstance(exc, aiohttp.ClientConnectorError) and isinstance(exc.os_error, UnvettedAddressError):
        return Failed(FetchOutcome.BLOCKED_ADDRESS, f"{url}: {exc.os_error.strerror}")
    if isinstance(exc, aiohttp.ConnectionTimeoutError):
        return Failed(FetchOutcome.TIMEOUT, f"{url}: no connection within {limits.connect_seconds:g}s")
    if isinstance(exc, aiohttp.SocketTimeoutError | TimeoutError):
        return Failed(FetchOutcome.TIMEOUT, f"{url}: the server sent nothing for {limits.read_gap_seconds:g}s")
    if isinstance(exc, aiohttp.ClientConnectorError):
        return Failed(FetchOutcome.CONNECT_ERROR, f"{url}: cannot connect: {exc.os_error.strerror or exc.os_error}")
    if isinstance(exc, aiohttp.ClientResponseError | aiohttp.ClientPayloadError | aiohttp.ServerDisconnectedError):
        return Failed(FetchOutcome.PROTOCOL_ERROR, f"{url}: malformed HTTP: {exc}")
    return Failed(FetchOutcome.CONNECT_ERROR, f"{url}: {type(exc).__name__}: {exc}")


class Crawler:
    """One aiohttp session for every crawl, opened and closed by `async with`."""

    def __init__(
        self,
        *,
        resolver: AddressResolver | None = None,
        nameservers: Sequence[str] = (),
        allow_networks: Sequence[str] = (),
        limits: CrawlLimits | None = None,
        metrics: Metrics | None = None,
        ssl_context: ssl.SSLContext | None = None,
        user_agent: str = DEFAULT_USER_AGENT,
        max_connections: int = 200,
        trace_configs: Sequence[aiohttp.TraceConfig] = (),
    ) -> None:
        self.limits = limits or CrawlLimits()
        self.guard = AddressGuard(allow_networks)
        self.resolver: AddressResolver = resolver or DnsAddressResolver.from_nameservers(
            nameservers, lifetime=min(5.0, self.limits.total_seconds)
        )
        self.metrics = metrics
        self.ssl_context = ssl_context
        self.user_agent = user_agent
        self.max_connections = max_connections
        self.trace_configs = list(trace_configs)
        self.pinned_resolver = PinnedResolver()
        self.socket_factory = GuardedSocketFactory()
        self._session: aiohttp.ClientSession | None = None
        self._timeout = aiohttp.ClientTimeout(
            total=None, connect=self.limits.connect_seconds, sock_read=self.limits.read_gap_seconds
        )

    async def __aenter__(self) -> Self:
        connector = aiohttp.TCPConnector(
            resolver=self.pinned_resolver,
            use_dns_cache=False,
            socket_factory=self.socket_factory,
            limit=self.max_connections,
            ssl=self.ssl_context or ssl.create_default_context(),
        )
        self._session = aiohttp.ClientSession(
            connector=connector,
            cookie_jar=aiohttp.DummyCookieJar(),  # one crawl's cookies must never reach another site
            auto_decompress=False,  # decompressed by BodyDecoder, under the cap
            trust_env=False,  # no HTTP(S)_PROXY from the environment: the proxy would do the resolving
            timeout=self._timeout,
            headers={
                "User-Agent": self.user_agent,
                "Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
                "Accept-Language": "ru-KZ,ru;q=0.9,kk;q=0.8,en;q=0.7",
                "Accept-Encoding": ACCEPT_ENCODING,
            },
            trace_configs=self.trace_configs or None,
            max_line_size=16384,
            max_field_size=16384,
            response_class=PeerResponse,
        )
        return self

    async def __aexit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None

    async def crawl(self, url: str) -> CrawlResult:
        if self._session is None:
            raise CrawlerClosedError("open the crawler with `async with Crawler(...)` before crawling")
        loop = asyncio.get_running_loop()
        started = loop.time()
        plan = CrawlPlan(url, self.guard, self.limits)
        exchange = _Exchange()
        try:
            async with asyncio.timeout(self.limits.total_seconds):
                await self._drive(self._session, plan, exchange)
        except TimeoutError:
            if not plan.done:
                plan.record(Failed(FetchOutcome.TIMEOUT, f"the crawl took over {self.limits.total_seconds:g}s"))
        finally:
            exchange.close()
        result = self._result(plan, exchange, loop.time() - started)
        if self.metrics is not None:
            self.metrics.crawl_fetches.labels(outcome=result.outcome.value).inc()
        return result

    async def _drive(self, session: aiohttp.ClientSession, plan: CrawlPlan, exchange: _Exchange) -> None:
        while True:
            step = plan.next_step()
            if isinstance(step, Done):
                return
            if isinstance(step, Resolve):
                try:
                    addresses = await self.resolver.resolve(step.host)
                except ResolutionError as exc:
                    plan.record(ResolveFailed(exc.detail, timed_out=exc.timed_out))
                else:
                    plan.record(Resolved(addresses))
            elif isinstance(step, Connect):
                await self._request(session, plan, step, exchange)
            else:
                await self._read(plan, step, exchange)

    async def _request(
        self, session: aiohttp.ClientSession, plan: CrawlPlan, step: Connect, exchange: _Exchange
    ) -> None:
        exchange.close()
        target = step.target
        try:
            with vetted(target.host, step.addresses):
                response = await session.get(URL(target.url, encoded=True), allow_redirects=False)
        except (aiohttp.ClientError, TimeoutError) as exc:
            plan.record(_client_failure(exc, self.limits, target.url))
            return
        exchange.response = response
        peer_address = response.peer_address if isinstance(response, PeerResponse) else None
        peer_tls = response.peer_tls if isinstance(response, PeerResponse) else None
        exchange.address = peer_address
        exchange.tls = peer_tls if target.is_https else None
        exchange.content_type = response.headers.get("Content-Type")
        plan.record(Responded(response.status, exchange.address, response.headers.get("Location")))

    async def _read(self, plan: CrawlPlan, step: ReadBody, exchange: _Exchange) -> None:
        response = exchange.response
        if response is None:
            plan.record(Failed(FetchOutcome.PROTOCOL_ERROR, "no response to read"))
            return
        budget = BodyBudget(step.max_wire_bytes, step.max_decoded_bytes)
        decoder = BodyDecoder(response.headers.get("Content-Encoding"), budget)
        failure: Failed | None = None
        try:
            budget.check_declared(response.content_length)
            async for chunk in response.content.iter_chunked(READ_CHUNK):
                decoder.feed(chunk)
            body = decoder.finish()
        except BodyTooLarge as exc:
            failure, body = Failed(FetchOutcome.TOO_LARGE, f"{response.url}: {exc}"), bytes(decoder.body)
        except BodyUndecodable as exc:
            failure, body = Failed(FetchOutcome.PROTOCOL_ERROR, f"{response.url}: {exc}"), b""
        except (aiohttp.ClientError, TimeoutError) as exc:
            failure, body = _client_failure(exc, self.limits, str(response.url)), bytes(decoder.body)
        exchange.wire_bytes, exchange.body_bytes = budget.wire, budget.decoded
        if body and decoder.decodable and is_textual(exchange.content_type):
            # Kept even when the body went over a cap: the first megabytes of a page are evidence too.
            exchange.text, exchange.charset = decode_text(exchange.content_type, body)
            if media_type(exchange.content_type) in {None, *HTML_TYPES}:
                exchange.title = page_title(exchange.text)
        plan.record(failure or BodyRead(budget.wire, budget.decoded))

    def _result(self, plan: CrawlPlan, exchange: _Exchange, elapsed: float) -> CrawlResult:
        step = plan.next_step()
        if not isinstance(step, Done):  # only a bug in the driver leaves the plan unfinished
            raise PlanMisuseError(f"the crawl of {plan.requested} stopped at {type(step).__name__}")
        final = plan.final
        return CrawlResult(
            url=plan.requested,
            outcome=step.outcome,
            detail=step.detail,
            final_url=final.url if final else None,
            status=final.status if final else None,
            redirects=tuple(plan.redirects),
            address=final.address if final else None,
            content_type=exchange.content_type if final else None,
            charset=exchange.charset,
            title=exchange.title,
            text=exchange.text,
            body_bytes=exchange.body_bytes,
            wire_bytes=exchange.wire_bytes,
            tls=exchange.tls if final else None,
            refusal=plan.refusal,
            elapsed=elapsed,
        )
