"""DNS probes per second against the local fake nameserver, next to a bare dnspython loop in the same run.

A probe is five lookups (A, AAAA, MX, NS of the zone, A of a random label for the wildcard test) plus
building the observation and its signals. Baselines, same resolver settings, same concurrency:
(1) bare lookups: `resolver.resolve(name, "A")` in a loop — the cost of one DNS round trip;
(2) bare five-lookup loop: the same five queries a probe sends, with no outcome handling or model.
Ratio (2)/probe is the prober's overhead; (1)/probe says what a whole probe costs in round trips.
The nameserver runs in its own thread and event loop. Best of 3 runs.

    python benchmarks/bench_dns.py [--probes 2000] [--concurrency 50]
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from nameserver import FakeZone, Nameserver  # noqa: E402 - the test helper, found via the path above

from workers.dns import DnsProber, build_resolver, dns_signals  # noqa: E402
from workers.dns.lexicon import load_dns_lexicon  # noqa: E402
from workers.jobs import UtcClock  # noqa: E402

ZONES = 200


def zone() -> FakeZone:
    z = FakeZone()
    for i in range(ZONES):
        name = f"kaspi-bonus-{i}.kz"
        z.add(name, "A", f"203.0.113.{i % 250 + 1}", ttl=60)
        z.add(name, "NS", "ns1.freenom.com.", "ns2.freenom.com.")
        z.add(name, "MX", f"10 mx.{name}.")
    return z


async def bounded(concurrency: int, count: int, make) -> float:
    gate = asyncio.Semaphore(concurrency)

    async def one(i: int) -> None:
        async with gate:
            await make(i)

    start = time.perf_counter()
    await asyncio.gather(*(one(i) for i in range(count)))
    return time.perf_counter() - start


async def measure(address: str, probes: int, concurrency: int) -> dict[str, float]:
    resolver = build_resolver([address], timeout=2, lifetime=5)
    prober = DnsProber(resolver, UtcClock())
    lexicon = load_dns_lexicon()

    async def bare(i: int) -> None:
        await resolver.resolve(f"kaspi-bonus-{i % ZONES}.kz", "A")

    async def bare_five(i: int) -> None:
        name = f"kaspi-bonus-{i % ZONES}.kz"
        await asyncio.gather(
            resolver.resolve(name, "A"),
            resolver.resolve(name, "AAAA", raise_on_no_answer=False),
            resolver.resolve(name, "MX"),
            resolver.resolve(name, "NS"),
            resolver.resolve(f"x{i}.{name}", "A", raise_on_no_answer=False),
            return_exceptions=True,
        )

    async def probe(i: int) -> None:
        seen = await prober.probe(f"kaspi-bonus-{i % ZONES}.kz")
        dns_signals(seen, (), lexicon)

    results: dict[str, float] = {}
    for label, fn, count in (
        ("bare lookups", bare, probes * 5),
        ("bare five-lookup loop", bare_five, probes),
        ("probes", probe, probes),
    ):
        best = min([await bounded(concurrency, count, fn) for _ in range(3)])
        results[label] = count / best
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--probes", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=50)
    args = parser.parse_args()
    with Nameserver.in_thread(zone()) as ns:
        results = asyncio.run(measure(ns.address, args.probes, args.concurrency))
    lookups = results["bare lookups"]
    five = results["bare five-lookup loop"]
    probes = results["probes"]
    print(f"probes: {args.probes}, concurrency: {args.concurrency}, nameserver: fake (own thread), best of 3")
    print(f"bare lookups/s            {lookups:10.0f}")
    print(f"bare five-lookup sets/s   {five:10.0f}")
    print(f"probes/s                  {probes:10.0f}")
    print(f"prober overhead (five-lookup sets / probes): {five / probes:.2f}x")
    print(f"lookups per probe-time (bare lookups / probes): {lookups / probes:.2f}x")


if __name__ == "__main__":
    main()
