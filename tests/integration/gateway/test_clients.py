"""The agent's HTTP adapters against servers that misbehave: the center's pull API and Kamailio's
JSON-RPC, on loopback (aiohttp test servers)."""

from __future__ import annotations

import pytest
from aiohttp import web

from workers.gateway.center_client import CenterClient
from workers.gateway.kamailio_rpc import KamailioRpc
from workers.gateway.model import TABLES, CenterUnavailable, GatewayUnavailable, InvalidTable

SHA = "b" * 64


async def serve(aiohttp_server, routes):
    app = web.Application()
    for method, path, handler in routes:
        app.router.add_route(method, path, handler)
    return await aiohttp_server(app)


async def test_a_list_larger_than_the_limit_is_refused_while_it_downloads(aiohttp_server):
    async def huge(_request):
        response = web.StreamResponse(headers={"X-List-Version": "3"})
        await response.prepare(_request)
        for _ in range(64):
            await response.write(b"x" * 65536)
        return response

    server = await serve(aiohttp_server, [("GET", "/v1/blocklists/{name}", huge)])
    async with CenterClient(str(server.make_url("/")), "k", max_bytes=1 << 20) as center:
        with pytest.raises(InvalidTable, match="larger than 1048576 bytes"):
            await center.fetch("phones.kamailio", since=None, held=None)


@pytest.mark.parametrize(
    ("status", "body", "error", "message"),
    [
        (200, b"<html>captive portal</html>", InvalidTable, "not JSON"),
        (200, b'{"lists": [{"name": "phones.kamailio", "version": 1, "sha256": "short"}]}', InvalidTable, "sha256"),
        (503, b"maintenance", CenterUnavailable, "answered 503: maintenance"),
        (401, b'{"error": {"code": "unauthorized"}}', CenterUnavailable, "answered 401"),
    ],
)
async def test_an_index_that_cannot_be_used_says_why(aiohttp_server, status, body, error, message):
    async def index(_request):
        return web.Response(status=status, body=body)

    server = await serve(aiohttp_server, [("GET", "/v1/blocklists", index)])
    async with CenterClient(str(server.make_url("/")), "k") as center:
        with pytest.raises(error, match=message):
            await center.index()


async def test_a_list_without_a_version_is_refused_and_304_keeps_the_one_held(aiohttp_server):
    async def listing(request):
        if request.headers.get("If-None-Match") == '"v7"':
            return web.Response(status=304)
        return web.Response(body=b"number(str) reason(str)\n")

    server = await serve(aiohttp_server, [("GET", "/v1/blocklists/{name}", listing)])
    async with CenterClient(str(server.make_url("/")), "k") as center:
        unchanged = await center.fetch("phones.kamailio", since=None, held=7)
        assert (unchanged.kind, unchanged.version) == ("unchanged", 7)
        with pytest.raises(InvalidTable, match="carries no version"):
            await center.fetch("phones.kamailio", since=None, held=None)


async def test_a_center_that_is_not_there_is_unavailable():
    async with CenterClient("http://127.0.0.1:9", "k", connect_timeout=2) as center:
        with pytest.raises(CenterUnavailable, match="did not answer"):
            await center.index()
        with pytest.raises(CenterUnavailable):
            await center.post_hits({"list": "phones"})


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (
            500,
            b'{"jsonrpc": "2.0", "error": {"code": 500, "message": "Htable reload failed"}, "id": 1}',
            "reload failed",
        ),
        (200, b"not json", "without JSON"),
        (200, b"[1, 2]", "answered"),
        (403, b"JSON-RPC is served on the loopback RPC port only", "without JSON"),
    ],
)
async def test_kamailio_refusing_or_garbling_a_command_is_unavailable(aiohttp_server, status, body, message):
    async def rpc(_request):
        return web.Response(status=status, body=body)

    server = await serve(aiohttp_server, [("POST", "/RPC", rpc)])
    async with KamailioRpc(str(server.make_url("/RPC"))) as gateway:
        with pytest.raises(GatewayUnavailable, match=message):
            await gateway.reload(TABLES["phones.kamailio"])


async def test_hit_counters_keep_only_what_is_a_count(aiohttp_server):
    async def rpc(request):
        method = (await request.json())["method"]
        if method == "core.uptime":
            return web.json_response({"jsonrpc": "2.0", "result": {"up_since": "Fri", "uptime": 12}, "id": 1})
        slots = [
            {"entry": 1, "size": 2, "slot": [{"name": "+77011234567", "value": 3}, {"name": "x", "value": "str"}]},
            {"entry": 2, "size": 1, "slot": [{"name": "+7701999*", "value": 0}]},
            "garbage",
        ]
        return web.json_response({"jsonrpc": "2.0", "result": slots, "id": 1})

    server = await serve(aiohttp_server, [("POST", "/RPC", rpc)])
    async with KamailioRpc(str(server.make_url("/RPC"))) as gateway:
        assert await gateway.hit_counters() == {"+77011234567": 3}
        clock = await gateway.clock()
        assert (clock.started, clock.uptime) == ("Fri", 12.0)
