"""Crawler throughput against a local aiohttp server, next to a bare aiohttp client loop in the same run.

    .venv/bin/python benchmarks/bench_crawl.py [--fetches 3000] [--concurrency 100 500]

The server runs in its own process on 127.0.0.1 (port 0) and serves a 12 KiB HTML page. For each
concurrency level, the same number of fetches is made by (a) a bare `session.get(); read()` loop and
(b) `Crawler.crawl()` (resolve through an instant fake resolver, vet, pin, stream under caps, decode,
extract the title). Each side runs `--rounds` times, alternating, and the best round counts. The ratio
is crawler time over bare time: the crawler's overhead. Nothing here is asserted.
"""

from __future__ import annotations

import argparse
import asyncio
import multiprocessing
import time

import aiohttp
from aiohttp import web

from workers.crawl import Crawler, CrawlLimits, FetchOutcome

PAGE = (
    "<!doctype html><html><head><meta charset='utf-8'><title>Kaspi Bonus</title></head><body>"
    + "<p>Гарантированный доход от 3% в день. Пассивный доход без опыта.</p>" * 120
    + "</body></html>"
).encode()


def _serve(ready: multiprocessing.Queue) -> None:
    async def page(_request: web.Request) -> web.Response:
        return web.Response(body=PAGE, content_type="text/html", charset="utf-8")

    async def main() -> None:
        app = web.Application()
        app.router.add_get("/page", page)
        runner = web.AppRunner(app, access_log=None)
        await runner.setup()
        site = web.TCPSite(runner, "127.0.0.1", 0, backlog=1024)
        await site.start()
        ready.put(runner.addresses[0][1])
        await asyncio.Event().wait()

    asyncio.run(main())


class InstantResolver:
    """Every name is the local server: the benchmark measures the crawler, not DNS."""

    async def resolve(self, _host: str) -> tuple[str, ...]:
        return ("127.0.0.1",)


async def bare(url: str, fetches: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=concurrency)) as session:

        async def one() -> None:
            async with gate, session.get(url) as response:
                await response.read()

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(fetches)))
        return time.perf_counter() - started


async def crawler(url: str, fetches: int, concurrency: int) -> float:
    gate = asyncio.Semaphore(concurrency)
    limits = CrawlLimits(total_seconds=60)
    async with Crawler(
        resolver=InstantResolver(), allow_networks=["127.0.0.0/8"], limits=limits, max_connections=concurrency
    ) as crawl:

        async def one() -> None:
            async with gate:
                result = await crawl.crawl(url)
            if result.outcome is not FetchOutcome.OK:
                raise RuntimeError(result.detail)

        started = time.perf_counter()
        await asyncio.gather(*(one() for _ in range(fetches)))
        return time.perf_counter() - started


async def run(port: int, fetches: int, levels: list[int], rounds: int) -> None:
    print(f"{fetches} fetches of a {len(PAGE)} B page per run, best of {rounds} rounds")
    print(f"{'concurrency':>11} {'bare f/s':>10} {'crawler f/s':>12} {'ratio':>6}")
    for concurrency in levels:
        best_bare = best_crawler = float("inf")
        for _ in range(rounds):
            best_bare = min(best_bare, await bare(f"http://127.0.0.1:{port}/page", fetches, concurrency))
            best_crawler = min(best_crawler, await crawler(f"http://bench.test:{port}/page", fetches, concurrency))
        print(
            f"{concurrency:>11} {fetches / best_bare:>10.0f} {fetches / best_crawler:>12.0f}"
            f" {best_crawler / best_bare:>6.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--fetches", type=int, default=3000)
    parser.add_argument("--concurrency", type=int, nargs="+", default=[100, 500])
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    context = multiprocessing.get_context("spawn")
    ready: multiprocessing.Queue = context.Queue()
    server = context.Process(target=_serve, args=(ready,), daemon=True)
    server.start()
    try:
        port = ready.get(timeout=30)
        asyncio.run(run(port, args.fetches, args.concurrency, args.rounds))
    finally:
        server.terminate()
        server.join()


if __name__ == "__main__":
    main()
