"""Issue 8 §4: a malformed request line carrying a pull key is logged by aiohttp at ERROR; the key never is.

Real servers on 127.0.0.1, raw bytes through a socket: the in-process app (logs captured by caplog,
with a control showing the leak without redaction), and `antifraud serve` itself, whose log file
must not hold the secret either (the composition root installs the redaction).
"""

from __future__ import annotations

import asyncio
import logging
import socket

import pytest
from aiohttp import web
from harness import Center

from antifraud.api.redaction import install_log_redaction

MALFORMED = [
    "GET /v1/pull/{key}/domains.rpz HTTP/1.1 junk\r\n\r\n",  # the probe: a bad status line
    "GET /v1/pull/{key}/domains.rpz\x00 HTTP/1.1\r\n\r\n",  # an invalid character in the path
    "GET /v1/pull/{key}/domains.rpz HTTP/9.9\r\n\r\n",  # an unknown HTTP version
    "GET /v1/pull/{key}/domains.rpz HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n",  # a bad header after it
    "GET /v1/pull/{key}/domains.rpz HTTP/1.1\r\nContent-Length: x\r\n\r\n",
]


def secret_of(key: str) -> str:
    return key.split("_", 2)[2]


async def send_raw(host: str, port: int, data: str) -> bytes:
    reader, writer = await asyncio.open_connection(host, port)
    try:
        writer.write(data.encode("latin-1"))
        await writer.drain()
        return await asyncio.wait_for(reader.read(), timeout=10)
    finally:
        writer.close()
        await writer.wait_closed()


async def probe_all(host: str, port: int, key: str) -> None:
    for template in MALFORMED:
        answer = await send_raw(host, port, template.format(key=key))
        status_line = answer.split(b"\r\n", 1)[0]
        assert status_line.startswith(b"HTTP/1."), answer[:200]
        assert b" 400 " in status_line, answer[:200]


@pytest.fixture
def redaction():
    undo = install_log_redaction()
    yield
    undo()


async def test_control_without_redaction_the_key_is_logged(api_client, caplog):
    """Shows that the probe leaks and that caplog sees it: without this, the test below could pass vacuously."""
    caplog.set_level(logging.DEBUG)
    await probe_all(api_client.server.host, api_client.server.port, api_client.key)
    assert secret_of(api_client.key) in caplog.text
    assert any(r.name == "aiohttp.server" and r.levelno == logging.ERROR for r in caplog.records)


async def test_malformed_request_lines_never_log_the_key(api_client, caplog, redaction):
    caplog.set_level(logging.DEBUG)
    await probe_all(api_client.server.host, api_client.server.port, api_client.key)
    errors = [r for r in caplog.records if r.name == "aiohttp.server" and r.levelno == logging.ERROR]
    assert len(errors) >= len(MALFORMED) - 1  # each is logged, at ERROR ...
    assert all("/v1/pull/[REDACTED]/" in (r.exc_text or "") for r in errors[:3])  # ... with the key cut out
    secret = secret_of(api_client.key)
    assert secret not in caplog.text
    for record in caplog.records:
        assert secret not in record.getMessage()
        assert secret not in str(vars(record))


async def test_an_exception_whose_text_holds_a_key_is_logged_without_it(aiohttp_server, caplog, redaction):
    key = "af_0123456789ab_Zq0vXy3-k9LmN2pQrS5tUvWx8yZaBcDeFgHiJkLmNoP"

    async def handler(request: web.Request) -> web.Response:
        raise RuntimeError(f"upstream refused key {request.headers['Authorization'].split()[1]}")

    app = web.Application()
    app.router.add_get("/", handler)
    server = await aiohttp_server(app)
    caplog.set_level(logging.DEBUG)
    answer = await send_raw(
        server.host,
        server.port,
        f"GET / HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\nConnection: close\r\n\r\n",
    )
    assert b" 500 " in answer.split(b"\r\n", 1)[0]
    assert "RuntimeError: upstream refused key af_0123456789ab_[REDACTED]" in caplog.text
    assert secret_of(key) not in caplog.text


def test_antifraud_serve_never_writes_the_key_to_its_log(tmp_path):
    with Center(tmp_path) as center:
        key = center.create_key("Kazakhtelecom resolvers", "pull")
        assert center.get(f"/v1/pull/{key}/domains.rpz").status == 200  # a real, working key
        asyncio.run(probe_all("127.0.0.1", center.port, key))
        with socket.create_connection(("127.0.0.1", center.port), timeout=10) as raw:  # and one left half-sent
            raw.sendall(f"GET /v1/pull/{key}/domains.rpz HTTP/1.1 junk".encode())
        assert center.stop() == 0
    logs = center.logs()
    assert "Error handling request" in logs
    assert "/v1/pull/[REDACTED]/domains.rpz" in logs
    assert secret_of(key) not in logs
