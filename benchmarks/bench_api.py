"""The check API and intake at 20,000 listed domains, next to baselines measured in the same run.

Load comes from `wrk` (one thread, 32 connections, a Lua script building each request), never from a
Python client, which saturates before the server. Every target is measured ROUNDS times, alternating
with its baseline; medians are reported.

  GET /v1/check, unique names     every request a new name (normalization and every heuristic run)
  GET /v1/check, repeated names   5,000 names drawn again and again (gateways ask about the same callers)
     baseline: a bare aiohttp handler answering the same JSON shape (a set lookup)
  POST /v1/check, batch of 100    lookups/s; baseline: a bare handler parsing the same JSON, same lookups
  POST /v1/reports, 1000 a batch  reports/s, each 202 after its commit; baseline: raw aiosqlite writing
                                  the same report rows (1000 a transaction) in one process

    python benchmarks/bench_api.py [--duration 6] [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import shutil
import tempfile
import time
import uuid
from pathlib import Path

import aiosqlite
from tools import bare_app, get_lua, load_average, make_center, median, post_lua, table, wrk

LISTED = 20_000
REPEAT = 5_000


def unique_lua(key: str | None) -> str:
    return get_lua('"/v1/check?domain=u" .. counter .. "x" .. math.random(1, 1000000000) .. ".kz"', key)


def repeat_lua(key: str | None) -> str:
    return get_lua(f'"/v1/check?domain=r" .. math.random(1, {REPEAT}) .. "-shop.kz"', key)


def batch_lua(key: str | None) -> str:
    body = (
        '(function() local t = {} for i = 1, 100 do t[i] = \'{"type":"domain","value":"b\' .. counter .. "x" .. i .. '
        "math.random(1, 1000000) .. '.kz\"}' end return '{\"items\":[' .. table.concat(t, \",\") .. ']}' end)()"
    )
    return post_lua(body, "/v1/check", key)


def intake_lua(key: str) -> str:
    body = (
        '(function() local t = {} for i = 1, 1000 do t[i] = \'{"type":"domain","value":"i\' .. counter .. '
        '"x" .. i .. "y" .. math.random(1, 1000000000) .. \'.kz","category":"phishing"}\' end '
        "return '{\"reports\":[' .. table.concat(t, \",\") .. ']}' end)()"
    )
    return post_lua(body, "/v1/reports", key)


async def raw_aiosqlite(path: Path, reports: int) -> float:
    """Reports/s of the bare minimum: the same report rows, 1000 a transaction, through aiosqlite."""
    async with aiosqlite.connect(path, isolation_level=None) as db:
        await db.execute("PRAGMA journal_mode=WAL")
        await db.execute("PRAGMA synchronous=NORMAL")
        await db.execute(
            "CREATE TABLE reports (report_id TEXT PRIMARY KEY, type TEXT, value TEXT, operator_id INTEGER,"
            " original TEXT, category TEXT, received_at TEXT)"
        )
        await db.execute("CREATE INDEX reports_indicator ON reports(type, value)")
        start = time.perf_counter()
        for batch in range(reports // 1000):
            rows = [
                (
                    uuid.uuid4().hex,
                    "domain",
                    f"i{batch}x{i}.kz",
                    1,
                    f"i{batch}x{i}.kz",
                    "phishing",
                    "2026-12-04T10:00:00",
                )
                for i in range(1000)
            ]
            await db.execute("BEGIN")
            await db.executemany("INSERT INTO reports VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
            await db.execute("COMMIT")
        return reports / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--duration", type=float, default=6)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="antifraud-api-"))
    results: dict[str, list[float]] = {}
    latencies: dict[str, list[float]] = {}

    def record(name: str, value: float, p99: float | None = None) -> None:
        results.setdefault(name, []).append(value)
        if p99 is not None:
            latencies.setdefault(name, []).append(p99)

    print(f"load before: {load_average()}", flush=True)
    center = make_center(work / "center")
    try:
        listed = work / "listed.txt"
        listed.write_text("".join(f"r{i}-shop.kz\n" for i in range(1, LISTED + 1)))
        center.cli("import", str(listed), "--type", "domain", "--category", "phishing", "--source", "bench",
                   "--block", "--reason", "benchmark", "--no-progress")  # fmt: skip
        center.cli("publish", "--force")
        center.start()
        key = center.key("bench", "admin")
        with bare_app() as bare:
            for _ in range(args.rounds):
                r = wrk(bare, unique_lua(None), args.duration)
                record("bare GET", r.requests_per_second, r.p99_ms)
                r = wrk(center.url, unique_lua(key), args.duration)
                record("check unique", r.requests_per_second, r.p99_ms)
                r = wrk(center.url, repeat_lua(key), args.duration)
                record("check repeated", r.requests_per_second, r.p99_ms)
                r = wrk(bare, batch_lua(None), args.duration)
                record("bare batch lookups", r.requests_per_second * 100)
                r = wrk(center.url, batch_lua(key), args.duration)
                record("check batch lookups", r.requests_per_second * 100, r.p99_ms)
                r = wrk(center.url, intake_lua(key), args.duration, connections=4)
                record("intake reports", r.requests_per_second * 1000, r.p99_ms)
                record(
                    "raw aiosqlite reports",
                    asyncio.run(raw_aiosqlite(work / f"raw-{time.monotonic_ns()}.sqlite3", 50_000)),
                )
    finally:
        center.stop()
        print(f"load after: {load_average()}")
        shutil.rmtree(work, ignore_errors=True)
    m = {name: median(values) for name, values in results.items()}
    p99 = {name: median(values) for name, values in latencies.items()}
    rows = [
        ("GET /v1/check, unique names", f"{m['check unique']:,.0f} req/s", f"{m['check unique'] / m['bare GET']:.2f}x",
         f"p99 {p99['check unique']:.1f} ms (bare {p99['bare GET']:.1f} ms)"),
        ("GET /v1/check, repeated names", f"{m['check repeated']:,.0f} req/s",
         f"{m['check repeated'] / m['bare GET']:.2f}x", f"p99 {p99['check repeated']:.1f} ms"),
        ("POST /v1/check, batches of 100 unique names", f"{m['check batch lookups']:,.0f} lookups/s",
         f"{m['check batch lookups'] / m['bare batch lookups']:.2f}x", "bare: same JSON, same set lookups"),
        ("POST /v1/reports, 1000 a batch", f"{m['intake reports']:,.0f} reports/s",
         f"{m['intake reports'] / m['raw aiosqlite reports']:.2f}x", "raw aiosqlite writing the same rows"),
        ("baseline: bare aiohttp GET", f"{m['bare GET']:,.0f} req/s", "1.00x", ""),
    ]  # fmt: skip
    print(table(rows, ("measure", "result", "ratio", "note")))


if __name__ == "__main__":
    main()
