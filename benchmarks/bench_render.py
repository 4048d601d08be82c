"""Rendering every published list (render_all: checks, sorting, 9 formats, SHA-256) next to a naive
baseline measured in the same run: for each format, the same lines joined with "\\n" from values that
are already sorted and never checked, and no checksum. The ratio is ours / baseline (lower is better);
it says what validation, sorting, comments and JSON/CSV fields cost over the bare minimum. A second
reference renders the same fields the obvious way (csv module, json of dicts, strftime), unchecked.

Method: 30,000 domains (2 % IDN with a display form) + 100,000 phones, every entry with its own
listed_at (two thirds with an expiry), snapshot in shuffled order,
best of 5 runs each; also writing the publication to a temporary directory (fsync included).

    .venv/bin/python benchmarks/bench_render.py
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import random
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

from antifraud.domain.model import Category, ListEntry, Snapshot
from blocklists.publication import render_all, write_publication

DOMAINS = 30_000
PHONES = 100_000
RUNS = 5


def make_snapshot() -> Snapshot:
    rng = random.Random(7)
    t0 = datetime(2026, 11, 22, tzinfo=UTC)
    categories = list(Category)
    domains = []
    for i in range(DOMAINS):
        idn = i % 50 == 0
        value = (
            f"xn--80a{i:06d}b.kz"
            if idn
            else f"scam-{rng.randrange(10**9):09d}-{i}.{rng.choice(['kz', 'com', 'online'])}"
        )
        listed = t0 - timedelta(seconds=37 * i)  # distinct instants: no help from sharing
        expires = listed + timedelta(days=90) if i % 3 else None
        domains.append(
            ListEntry(value, rng.choice(categories), rng.randrange(101), listed, expires, "каспи.kz" if idn else None)
        )
    phones = [
        ListEntry(f"+77{i:09d}", rng.choice(categories), rng.randrange(101), at, at + timedelta(days=30))
        for i, at in ((i, t0 - timedelta(seconds=11 * i)) for i in range(PHONES))
    ]
    rng.shuffle(domains)
    rng.shuffle(phones)
    return Snapshot(123456, t0, tuple(domains), tuple(phones))


def naive(snapshot: Snapshot) -> dict[str, bytes]:
    domains = sorted(e.value for e in snapshot.domains)  # sorting done outside would flatter it further
    phones = sorted(e.value for e in snapshot.phones)
    return {
        "domains.rpz": "\n".join(f"{d} CNAME .\n*.{d} CNAME ." for d in domains).encode(),
        "domains.hosts": "\n".join(f"0.0.0.0 {d}" for d in domains).encode(),
        "domains.txt": "\n".join(domains).encode(),
        "domains.json": json.dumps(domains).encode(),
        "domains.unbound.conf": "\n".join(f'local-zone: "{d}." always_nxdomain' for d in domains).encode(),
        "domains.dnsmasq.conf": "\n".join(f"address=/{d}/" for d in domains).encode(),
        "phones.csv": "\n".join(phones).encode(),
        "phones.json": json.dumps(phones).encode(),
        "phones.txt": "\n".join(phones).encode(),
    }


def straightforward(snapshot: Snapshot) -> dict[str, bytes]:
    """The same content written the obvious way (csv module, json of dicts, strftime), unchecked."""

    def stamp(value: datetime | None) -> str:
        return "" if value is None else value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")

    def rows(entries: tuple[ListEntry, ...]) -> list[dict[str, object]]:
        return [
            {
                "value": e.value,
                "category": e.category.value,
                "score": e.score,
                "listed_at": stamp(e.listed_at),
                "expires_at": stamp(e.expires_at) or None,
            }
            for e in sorted(entries, key=lambda e: e.value)
        ]

    out = naive(snapshot)
    out["domains.json"] = json.dumps({"entries": rows(snapshot.domains)}).encode()
    phones = rows(snapshot.phones)
    out["phones.json"] = json.dumps({"entries": phones}).encode()
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerows([r["value"], r["category"], r["score"], r["listed_at"], r["expires_at"] or ""] for r in phones)
    out["phones.csv"] = buffer.getvalue().encode()
    return out


def best(fn: Callable[[], object]) -> float:
    times = []
    for _ in range(RUNS):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    snapshot = make_snapshot()
    baseline = best(lambda: naive(snapshot))
    plain = best(lambda: straightforward(snapshot))
    ours = best(lambda: render_all(snapshot))
    rendered = render_all(snapshot)
    hashing = best(lambda: [hashlib.sha256(r.body).digest() for r in rendered.values()])
    with tempfile.TemporaryDirectory() as tmp:
        writing = best(lambda: write_publication(Path(tmp), snapshot, rendered))
    total_bytes = sum(len(r.body) for r in rendered.values())
    print(f"snapshot: {DOMAINS:,} domains + {PHONES:,} phones; 9 formats, {total_bytes / 1e6:.1f} MB in all")
    print(f"naive baseline (join, no checks/hash):  {baseline * 1000:8.1f} ms")
    print(f"straightforward full content, unchecked: {plain * 1000:7.1f} ms   ratio {plain / baseline:.2f}x baseline")
    print(f"render_all (checks, sort, 9 formats):   {ours * 1000:8.1f} ms   ratio {ours / baseline:.2f}x baseline")
    print(f"  of which SHA-256 of all bodies:       {hashing * 1000:8.1f} ms")
    print(
        f"write_publication (pre-rendered, fsync): {writing * 1000:7.1f} ms   ratio {writing / baseline:.2f}x baseline"
    )
    for name, r in sorted(rendered.items()):
        print(f"  {name:22} {len(r.body) / 1e6:6.2f} MB  {r.entries:>7,} entries")


if __name__ == "__main__":
    main()
