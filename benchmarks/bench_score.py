"""Throughput of `antifraud score` (domains/s, normalization and JSON included) against a naive baseline.

    python benchmarks/bench_score.py [--names N] [--rounds R]

Input: the eval-dev names (real benign and phishing hostnames) when ../shared/data/eval-dev exists,
else generated names; repeated to N lines, scored against config/brands.toml with config/lexicon.toml.
Baseline, measured in the same run on the same lines: what the first version did per name —
tldextract's own extractor for the suffix split, a substring loop over the brand keywords and
json.dumps of the result (no heuristics at all: the cost floor of a naive scorer). Also the suffix
split alone, ours against tldextract's. Best of R rounds of CPU time (the machine is shared).
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sys
import time
from pathlib import Path

import tldextract

from antifraud.adapters.detection_config import DEFAULT_LEXICON, load_detector
from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.commands.score import run_score

ROOT = Path(__file__).resolve().parents[1]
EVAL_SET = ROOT.parent / "shared" / "data" / "eval-dev"


def corpus(size: int, eval_set: Path = EVAL_SET) -> list[str]:
    names: list[str] = []
    for part in ("negatives.txt", "positives.txt"):
        path = eval_set / part
        if path.exists():
            names += [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
    if not names:
        rng = random.Random(7)
        words = ["shop", "news", "kaspi", "bonus", "auto", "tech", "halyk", "travel", "login", "market", "kz"]
        names = [
            f"{rng.choice(words)}{rng.choice(words)}{rng.randint(0, 99)}.{rng.choice(['com', 'kz', 'xyz'])}"
            for _ in range(5000)
        ]
    return [names[i % len(names)] + "\n" for i in range(size)]


def baseline(lines: list[str], keywords: list[str]) -> None:
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    out = io.StringIO()
    for raw in lines:
        value = raw.strip().lower()
        parts = extract(value)
        hit = next((k for k in keywords if k in value), None)
        signals = [{"name": "brand_token", "weight": 50, "detail": hit}] if hit else []
        out.write(
            json.dumps({"value": value, "normalized": parts.fqdn, "verdict": "none", "score": 0, "signals": signals})
            + "\n"
        )


def best_cpu(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--names", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--set", type=Path, default=EVAL_SET, help="directory with positives.txt and negatives.txt")
    args = parser.parse_args(argv)
    lines = corpus(args.names, args.set)
    suffixes = BundledSuffixList()
    detector = load_detector(ROOT / "config" / "brands.toml", DEFAULT_LEXICON, suffixes)
    keywords = [k for b in detector.brands for k in b.keywords]
    ours = best_cpu(lambda: run_score(lines, io.StringIO(), detector, suffixes, "domain"), args.rounds)
    base = best_cpu(lambda: baseline(lines, keywords), args.rounds)
    names = [line.strip().lower() for line in lines]
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    split_ours = best_cpu(lambda: [suffixes.split(n) for n in names], args.rounds)
    split_theirs = best_cpu(lambda: [extract(n) for n in names], args.rounds)
    print(f"lines: {len(lines):,} ({len(set(lines)):,} distinct), best of {args.rounds} rounds, CPU time")
    print(f"antifraud score   {len(lines) / ours:>10,.0f} domains/s  ({ours / len(lines) * 1e6:.1f} µs each)")
    print(f"naive baseline    {len(lines) / base:>10,.0f} domains/s  ({base / len(lines) * 1e6:.1f} µs each)")
    print(f"ratio (ours / baseline throughput): {base / ours:.2f}")
    print(
        f"suffix split: ours {split_ours / len(names) * 1e6:.2f} µs, "
        f"tldextract {split_theirs / len(names) * 1e6:.2f} µs per name "
        f"(ours is {split_theirs / split_ours:.1f}x faster)"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
