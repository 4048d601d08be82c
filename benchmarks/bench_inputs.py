"""The cost of reading hostile input safely: WHATWG URLs, guarded JSON bodies, redacted log records.

    python benchmarks/bench_inputs.py [--rounds R]

Each figure is a ratio to a baseline measured in the same run, on the same inputs:
- URLs: `normalize_url` (WHATWG through Ada) against the urlsplit-based version it replaced, kept
  verbatim below as `legacy_normalize_url`, on a mix of report-like URLs; and `parse_url` alone
  against `urllib.parse.urlsplit` (+ `.hostname`, `.port`).
- JSON: `parse_json_body` against plain `json.loads` on a single report, a batch of 1000 reports and
  a 1.8 MB body of 600,000 empty arrays (the widest body the depth scan must walk).
- Logging: a record through a handler with the redacting record factory installed, against the same
  without it.
Best of R rounds of CPU time (the machine is shared).
"""

from __future__ import annotations

import argparse
import json
import logging
import time
from collections.abc import Callable
from urllib.parse import urlsplit

from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.api.json_input import parse_json_body
from antifraud.api.redaction import install_log_redaction
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.normalize import NormalizedUrl, SuffixList, normalize_domain, normalize_url
from antifraud.domain.urls import parse_url

URLS = [
    "https://login.kaspi-bonus.kz/auth?x=1",
    "http://kaspi-bonus.kz",
    "HTTPS://Kaspi-Bonus.KZ:443/Login?x=1#top",
    "https://halyk-bank.com.kz/online/login.php?session=abcdef0123456789",
    "http://xn--80aqevj.kz/вход",
    "https://secure.kaspi-login.blogspot.com/a/b/c/../d",
    "http://egov-kz.online:8080/services/pay?amount=1000&card=1",
    "kaspi-gold-bonus.top/index.html",
]


def legacy_normalize_url(text: str, suffixes: SuffixList) -> NormalizedUrl:
    """The version before the WHATWG parser (commit 1678484), for the baseline only."""
    raw = text.strip()
    if "://" not in raw:
        raw = "http://" + raw
    try:
        parts = urlsplit(raw)
        port = parts.port
    except ValueError as exc:
        raise InvalidIndicator(f"cannot parse {text!r} as a URL: {exc}", field="value") from exc
    scheme = parts.scheme.lower()
    if scheme not in {"http", "https"}:
        raise InvalidIndicator(f"URL scheme {scheme!r} is not http or https", field="value")
    host = normalize_domain(parts.hostname or "", suffixes)
    netloc = host.ascii if port is None or port == {"http": 80, "https": 443}[scheme] else f"{host.ascii}:{port}"
    path = parts.path or "/"
    query = f"?{parts.query}" if parts.query else ""
    return NormalizedUrl(url=f"{scheme}://{netloc}{path}{query}", host=host)


def best(rounds: int, work: Callable[[], object]) -> float:
    times = []
    for _ in range(rounds):
        started = time.process_time()
        work()
        times.append(time.process_time() - started)
    return min(times)


def report(name: str, ours: float, baseline: float, per: int, unit: str) -> None:
    print(
        f"{name:34} ours {ours / per * 1e6:9.2f} µs/{unit}   baseline {baseline / per * 1e6:9.2f} µs/{unit}"
        f"   ratio {ours / baseline:5.2f}"
    )


def bench_urls(rounds: int) -> None:
    suffixes = BundledSuffixList()
    urls = URLS * 2500
    ours = best(rounds, lambda: [normalize_url(u, suffixes) for u in urls])
    base = best(rounds, lambda: [legacy_normalize_url(u, suffixes) for u in urls])
    report("normalize_url", ours, base, len(urls), "URL")

    def split_all() -> None:
        for u in urls:
            parts = urlsplit(u if "://" in u else "http://" + u)
            _ = (parts.hostname, parts.port)

    absolute = [u if "://" in u else "http://" + u for u in urls]
    ours = best(rounds, lambda: [parse_url(u) for u in absolute])
    base = best(rounds, split_all)
    report("parse_url vs urlsplit", ours, base, len(urls), "URL")


def bench_json(rounds: int) -> None:
    one = json.dumps({"type": "url", "value": URLS[0], "category": "phishing", "observed_at": "2026-11-22T10:00:00Z"})
    batch = json.dumps({"reports": [json.loads(one)] * 1000})
    wide = "[" + "[]," * 600_000 + "[]]"
    for name, text, repeat in [
        ("one report", one, 20_000),
        ("batch of 1000", batch, 20),
        ("600k empty arrays", wide, 1),
    ]:
        raw = text.encode()
        ours = best(rounds, lambda raw=raw, repeat=repeat: [parse_json_body(raw) for _ in range(repeat)])
        base = best(rounds, lambda raw=raw, repeat=repeat: [json.loads(raw) for _ in range(repeat)])
        report(f"parse_json_body: {name}", ours, base, repeat, "body")


class _Discard(logging.Handler):
    def emit(self, record: logging.LogRecord) -> None:
        self.format(record)


def bench_logging(rounds: int) -> None:
    logger = logging.getLogger("bench.redaction")
    logger.propagate = False
    logger.addHandler(_Discard())
    logger.setLevel(logging.INFO)
    count = 50_000

    def log_all() -> None:
        for i in range(count):
            logger.info("pulled %s for operator %d", "domains.rpz", i)

    base = best(rounds, log_all)
    undo = install_log_redaction()
    try:
        ours = best(rounds, log_all)
    finally:
        undo()
    report("log record, redacted", ours, base, count, "record")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    bench_urls(args.rounds)
    bench_json(args.rounds)
    bench_logging(args.rounds)


if __name__ == "__main__":
    main()
