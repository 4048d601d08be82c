"""National scale (issue 14): a million sites and a million numbers, published in seconds, checked fast.

Every figure is set against a baseline measured in the same run, on the same machine:

  import         `antifraud import --block` of 1 M domains and 1 M numbers (lines/s, peak RSS, bytes written
                 vs the database's size) / raw sqlite3 executemany of the same values in one table
  publication    the first, full version of every list (plan + render) and the render alone
                 / a plain "\\n".join of the same RPZ lines
  start-up       `antifraud serve` on that database and directory until /healthz answers 200
  memory         server RSS (main process + renderer) / a Python set of the 2 M values (RSS delta)
  decision       one block decision through the API until the index serves the next version (median of 5)
  checks         wrk on GET /v1/check with 2 M entries: p50/p99, half listed names, half unknown
  under load     the same wrk while a version of 50,000 changes is published; /healthz polled meanwhile

    python benchmarks/bench_national.py [--domains 1000000] [--phones 1000000] [--keep DIR]

It takes a few minutes and a few GB of disk; results are printed as a Markdown table.
"""

from __future__ import annotations

import argparse
import contextlib
import random
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from tools import (
    ANTIFRAUD,
    ROOT,
    Center,
    describe,
    get_lua,
    http,
    io_written,
    load_average,
    make_center,
    median,
    rss_mib,
    table,
    wrk,
)

KZ_MOBILE = ("700", "701", "702", "705", "707", "708", "747", "771", "775", "776", "777", "778")


def domain(i: int) -> str:
    return f"n{i}-fraud.kz"


def phone(i: int) -> str:
    return f"+7{KZ_MOBILE[i % len(KZ_MOBILE)]}{i:07d}"


def write_lines(path: Path, n: int, make) -> None:
    with path.open("w") as fh:
        fh.writelines(f"{make(i)}\n" for i in range(n))


def timed_cli(center, *args: str) -> tuple[float, float, int]:
    """(seconds, peak RSS MiB, bytes written) of one CLI command."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    start = time.perf_counter()
    proc = subprocess.Popen(
        [*ANTIFRAUD, "--config", str(center.config), *args],
        env=center.env,
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    written = 0
    while proc.poll() is None:
        with contextlib.suppress(OSError):  # the process may end between the poll and the read
            written = max(written, io_written(proc.pid))
        time.sleep(0.05)
    elapsed = time.perf_counter() - start
    if proc.returncode != 0:
        raise RuntimeError(f"antifraud {' '.join(args)}: {proc.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
    peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return elapsed, max(peak, before) / 1024, written


def raw_sqlite(path: Path, values: list[str]) -> float:
    """The baseline: the same values into one indexed table with executemany, 20,000 a transaction."""
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("PRAGMA synchronous=NORMAL")
    conn.execute("CREATE TABLE t (type TEXT, value TEXT, category TEXT, listed_at TEXT, UNIQUE (type, value))")
    start = time.perf_counter()
    for i in range(0, len(values), 20_000):
        conn.execute("BEGIN")
        chunk = [(v,) for v in values[i : i + 20_000]]
        conn.executemany("INSERT INTO t VALUES ('domain', ?, 'phishing', '2026-12-04T00:00:00Z')", chunk)
        conn.execute("COMMIT")
    elapsed = time.perf_counter() - start
    conn.close()
    return elapsed


def plain_join(n: int) -> float:
    values = [domain(i) for i in range(n)]
    values.sort()
    start = time.perf_counter()
    text = "".join([f"{v} CNAME .\n*.{v} CNAME .\n" for v in values])
    elapsed = time.perf_counter() - start
    del text
    return elapsed


def set_baseline(n_domains: int, n_phones: int) -> float:
    """RSS of a Python set of the values, in a fresh process (MiB)."""
    code = (
        "import sys\n"
        f"sys.path.insert(0, {str(Path(__file__).parent)!r})\n"
        "from bench_national import domain, phone\n"
        "from tools import rss_mib\n"
        "import os\n"
        "before = rss_mib(os.getpid(), children=False)['main']\n"
        f"s = {{domain(i) for i in range({n_domains})}} | {{phone(i) for i in range({n_phones})}}\n"
        "print(rss_mib(os.getpid(), children=False)['main'] - before)\n"
    )
    return float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout)


def version(center, key: str) -> int:
    import json  # noqa: PLC0415

    return int(json.loads(http(center.url + "/v1/blocklists", key=key)[1])["version"])


def decision_to_served(center, key: str, name: str) -> float:
    before = version(center, key)
    start = time.perf_counter()
    status, body = http(
        center.url + "/v1/decisions",
        "POST",
        key,
        {"type": "domain", "value": name, "action": "block", "reason": "bench", "category": "phishing"},
    )
    if status != 200:
        raise RuntimeError(body)
    while version(center, key) <= before:
        time.sleep(0.01)
    return time.perf_counter() - start


def healthz_poll(center, stop: threading.Event, out: list[float]) -> None:
    while not stop.is_set():
        start = time.perf_counter()
        http(center.url + "/healthz", timeout=30)
        out.append(time.perf_counter() - start)
        time.sleep(0.05)


def checks_ready(center: Center, key: str, timeout: float = 300) -> float:
    """Seconds until /v1/check stops answering 503 (the read model is loaded)."""
    start = time.monotonic()
    while time.monotonic() - start < timeout:
        if http(f"{center.url}/v1/check?domain=ready-probe.kz", key=key)[0] == 200:
            return time.monotonic() - start
        time.sleep(0.1)
    raise RuntimeError(f"checks still 503 after {timeout} s")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--domains", type=int, default=1_000_000)
    parser.add_argument("--phones", type=int, default=1_000_000)
    parser.add_argument("--keep", type=Path, help="work in this directory and keep it")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="antifraud-national-"))
    work.mkdir(parents=True, exist_ok=True)
    rows: list[tuple[str, ...]] = []
    print(f"load before: {load_average()}  work: {work}", flush=True)
    center = make_center(work / "center", publication="max_change_share = 0.25\nguard_min_entries = 100")
    try:
        write_lines(work / "domains.txt", args.domains, domain)
        write_lines(work / "phones.txt", args.phones, phone)

        # 1. import ------------------------------------------------------------------------------
        inputs = (("domain", work / "domains.txt", args.domains), ("phone", work / "phones.txt", args.phones))
        for kind, path, n in inputs:
            category = "phishing" if kind == "domain" else "wangiri"
            seconds, peak, written = timed_cli(
                center, "import", str(path), "--type", kind, "--category", category,
                "--source", "national-migration", "--block", "--reason", "migration", "--no-progress",
            )  # fmt: skip
            db_size = sum(p.stat().st_size for p in (work / "center").glob("center.sqlite3*"))
            rows.append(
                (f"import --block, {n:,} {kind}s", f"{n / seconds:,.0f} lines/s", f"peak RSS {peak:.0f} MiB",
                 f"{written / 2**20:,.0f} MiB written, database {db_size / 2**20:,.0f} MiB"),
            )  # fmt: skip
            print(rows[-1], flush=True)
        baseline = raw_sqlite(work / "raw.sqlite3", [domain(i) for i in range(args.domains)])
        rows.append(
            ("baseline: raw sqlite3 executemany, same domains", f"{args.domains / baseline:,.0f} rows/s", "", "")
        )
        print(rows[-1], flush=True)

        # 2. the first full publication ----------------------------------------------------------
        seconds, peak, _ = timed_cli(center, "publish", "--force")
        join = plain_join(args.domains)
        rows.append(
            ("first publication (plan 2 M adds + render every list)", f"{seconds:.1f} s", f"peak RSS {peak:.0f} MiB",
             f"plain join of the RPZ lines {join:.2f} s ({seconds / join:.0f}x)"),
        )  # fmt: skip
        print(rows[-1], flush=True)
        shutil.rmtree(work / "center" / "lists")  # render alone: the same version from the store, files gone
        seconds, peak, _ = timed_cli(center, "publish")
        rows.append(
            ("full render of every list from the store", f"{seconds:.1f} s", f"peak RSS {peak:.0f} MiB",
             f"{seconds / join:.1f}x the plain join"),
        )  # fmt: skip
        print(rows[-1], flush=True)

        # 3. start-up and memory ------------------------------------------------------------------
        began = time.monotonic()
        startup = center.start()
        key = center.key("bench", "admin")
        checks_ready(center, key)
        ready = time.monotonic() - began
        time.sleep(2)  # the collector's first pass over the loaded heap
        memory = rss_mib(center.proc.pid)  # type: ignore[union-attr]
        total = sum(memory.values())
        set_rss = set_baseline(args.domains, args.phones)
        rows.append(
            ("start-up until /healthz 200", f"{startup:.1f} s", f"checks answered after {ready:.1f} s",
             "lists served from disk at once; the read model loads behind"),
        )  # fmt: skip
        ratio = f"set of the values {set_rss:,.0f} MiB ({memory['main'] / set_rss:.1f}x the main process)"
        rows.append(("server RSS, 1 M + 1 M", f"{total:,.0f} MiB", describe(memory), ratio))
        print(rows[-2:], flush=True)

        # 4. one decision until served ------------------------------------------------------------
        times = [decision_to_served(center, key, f"decided-{i}.kz") for i in range(5)]
        rows.append(
            ("one block decision until the next version is served", f"median {median(times):.2f} s",
             f"max {max(times):.2f} s", f"each of {', '.join(f'{t:.2f}' for t in times)}"),
        )  # fmt: skip
        print(rows[-1], flush=True)

        # 5. checks with 2 M entries, then during a publication -----------------------------------
        n = args.domains
        lua = get_lua(
            f'(counter % 2 == 0) and ("/v1/check?domain=n" .. math.random(0, {n - 1}) .. "-fraud.kz") '
            'or ("/v1/check?domain=u" .. counter .. "x" .. math.random(1, 1000000000) .. ".kz")',
            key,
        )
        quiet = wrk(center.url, lua, duration=8)
        rows.append(
            ("GET /v1/check, 2 M loaded (half listed, half new names)", f"{quiet.requests_per_second:,.0f} req/s",
             f"p50 {quiet.p50_ms:.1f} ms, p99 {quiet.p99_ms:.1f} ms", f"errors {quiet.errors}"),
        )  # fmt: skip
        print(rows[-1], flush=True)
        (work / "bulk.txt").write_text("".join(f"bulk-{i}.kz\n" for i in range(50_000)))
        stop, health = threading.Event(), []
        poller = threading.Thread(target=healthz_poll, args=(center, stop, health))
        poller.start()
        importer = threading.Thread(
            target=center.cli,
            args=("import", str(work / "bulk.txt"), "--type", "domain", "--category", "phishing", "--source", "b",
                  "--block", "--reason", "bench", "--no-progress"),
        )  # fmt: skip
        importer.start()
        busy = wrk(center.url, lua, duration=12)
        importer.join()
        stop.set()
        poller.join()
        rows.append(
            ("GET /v1/check while 50,000 changes are listed and published", f"{busy.requests_per_second:,.0f} req/s",
             f"p50 {busy.p50_ms:.1f} ms, p99 {busy.p99_ms:.1f} ms, max {busy.max_ms:.0f} ms",
             f"/healthz worst {max(health) * 1000:.0f} ms"),
        )  # fmt: skip
        print(rows[-1], flush=True)
    finally:
        center.stop()
        print(f"load after: {load_average()}")
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)
    print()
    print(table(rows, ("measure", "result", "detail", "baseline / note")))


if __name__ == "__main__":
    random.seed(7)
    main()
