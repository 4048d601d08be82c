"""Throughput of the check API and of intake, next to a bare aiohttp handler measured in the same run.

Method: the center (`antifraud serve`, SQLite in a temp dir) and a bare aiohttp app each run in their
own process; a load generator (aiohttp client, keep-alive, fixed concurrency) runs in a third. Each
target is measured for DURATION seconds after a warm-up, alternating targets ROUNDS times; the median
is reported. Intake is measured as reports/s for batches of 1000, each answered only after commit.

    python benchmarks/bench_api.py [--duration 5] [--rounds 3] [--concurrency 32]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

ROOT = Path(__file__).resolve().parent.parent
BARE_APP = """
import sys
from aiohttp import web
async def check(request):
    return web.json_response({"type": "domain", "value": request.query.get("domain", ""), "listed": False,
                              "verdict": "none", "score": 0, "categories": [], "reasons": [], "list_version": 1})
app = web.Application()
app.router.add_get("/v1/check", check)
web.run_app(app, host="127.0.0.1", port=int(sys.argv[1]), access_log=None, print=None)
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def wait_up(url: str) -> None:
    async with aiohttp.ClientSession() as session:
        for _ in range(200):
            try:
                async with session.get(url) as r:
                    if r.status < 500:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.05)
    raise RuntimeError(f"{url} did not come up")


async def load(url: str, headers: dict[str, str], duration: float, concurrency: int, distinct: int = 0) -> float:
    """Requests per second of GET url with `concurrency` keep-alive connections."""
    done = 0
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector, headers=headers) as session:
        deadline = time.perf_counter() + duration

        async def worker(i: int) -> None:
            nonlocal done
            n = 0
            while time.perf_counter() < deadline:
                name = f"{(i * 7919 + n) % distinct}" if distinct else f"{i}-{n}"
                async with session.get(f"{url}{name}.kz") as r:
                    await r.read()
                    if r.status != 200:
                        raise RuntimeError(f"status {r.status}")
                n += 1
                done += 1

        start = time.perf_counter()
        await asyncio.gather(*(worker(i) for i in range(concurrency)))
        return done / (time.perf_counter() - start)


async def intake(base: str, key: str, batches: int, concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    bodies = [
        json.dumps(
            {"reports": [{"type": "domain", "value": f"bench-{b}-{i}.kz", "category": "phishing"} for i in range(1000)]}
        )
        for b in range(batches)
    ]
    queue: asyncio.Queue[str] = asyncio.Queue()
    for body in bodies:
        queue.put_nowait(body)
    async with aiohttp.ClientSession(headers=headers) as session:

        async def worker() -> None:
            while not queue.empty():
                body = queue.get_nowait()
                async with session.post(f"{base}/v1/reports", data=body) as r:
                    result = await r.json()
                    if r.status != 202 or result["accepted"] != 1000:
                        raise RuntimeError(f"intake failed: {r.status}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return batches * 1000 / (time.perf_counter() - start)


async def single_intake(base: str, key: str, count: int, concurrency: int) -> float:
    headers = {"Authorization": f"Bearer {key}", "Content-Type": "application/json"}
    async with aiohttp.ClientSession(headers=headers) as session:
        counter = iter(range(count))

        async def worker() -> None:
            for i in counter:
                body = json.dumps({"type": "domain", "value": f"single-{i}.kz", "category": "phishing"})
                async with session.post(f"{base}/v1/reports", data=body) as r:
                    await r.read()
                    if r.status != 202:
                        raise RuntimeError(f"status {r.status}")

        start = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return count / (time.perf_counter() - start)


def cli(env: dict[str, str], *args: str) -> str:
    return subprocess.run(
        [sys.executable, "-m", "antifraud", *args], env=env, check=True, capture_output=True, text=True
    ).stdout.strip()


async def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=5.0)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="af-bench-"))
    port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "ANTIFRAUD_DB": str(tmp / "bench.sqlite3"),
        "ANTIFRAUD_LISTEN": f"127.0.0.1:{port}",
        "ANTIFRAUD_BLOCKLIST_DIR": str(tmp / "lists"),
    }
    # the bundled settings with the per-key rate limit lifted, so that the server itself is measured
    config = tmp / "antifraud.toml"
    config.write_text(
        (ROOT / "config" / "antifraud.toml")
        .read_text()
        .replace("rate_per_second = 100.0", "rate_per_second = 1e9")
        .replace("rate_burst = 2000", "rate_burst = 1000000000")
        .replace('brands = "config/brands.toml"', f'brands = "{ROOT / "config" / "brands.toml"}"')
        .replace('lexicon = "config/lexicon.toml"', f'lexicon = "{ROOT / "config" / "lexicon.toml"}"')
    )
    key = cli(env, "--config", str(config), "keys", "create", "bench", "--scopes", "report,check,pull,analyst")
    center = subprocess.Popen(
        [sys.executable, "-m", "antifraud", "serve", "--config", str(config)], env=env, stderr=subprocess.DEVNULL
    )
    bare = subprocess.Popen([sys.executable, "-c", BARE_APP, str(bare_port)])
    try:
        base = f"http://127.0.0.1:{port}"
        await wait_up(f"{base}/healthz")
        await wait_up(f"http://127.0.0.1:{bare_port}/v1/check")
        auth = {"Authorization": f"Bearer {key}"}
        # a realistic index: 20,000 listed domains
        await intake(base, key, 20, 2)
        bare_rps, check_rps, repeat_rps = [], [], []
        for _ in range(args.rounds):
            bare_rps.append(
                await load(f"http://127.0.0.1:{bare_port}/v1/check?domain=x", {}, args.duration, args.concurrency)
            )
            check_rps.append(await load(f"{base}/v1/check?domain=bench-3-", auth, args.duration, args.concurrency))
            repeat_rps.append(
                await load(f"{base}/v1/check?domain=bench-3-", auth, args.duration, args.concurrency, distinct=5000)
            )
        b, c = statistics.median(bare_rps), statistics.median(check_rps)
        print(f"bare aiohttp handler : {b:10.0f} req/s (median of {args.rounds})")
        r = statistics.median(repeat_rps)
        print(f"GET /v1/check unique : {c:10.0f} req/s  ratio {c / b:.2f}x  (every name new: worst case)")
        print(f"GET /v1/check repeat : {r:10.0f} req/s  ratio {r / b:.2f}x  (5,000 distinct names, as gateways ask)")
        batch = await intake(base, key, 40, 2)
        print(f"intake, batches 1000 : {batch:10.0f} reports/s (durable: 202 after commit)")
        single = await single_intake(base, key, 5000, args.concurrency)
        print(f"intake, single       : {single:10.0f} reports/s at concurrency {args.concurrency}")
    finally:
        for proc in (center, bare):
            proc.terminate()
            proc.wait(timeout=10)


if __name__ == "__main__":
    asyncio.run(main())
