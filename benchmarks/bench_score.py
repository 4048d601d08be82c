"""Throughput of `antifraud score` (normalize + assess + JSON line), next to naive baselines in the same run.

Baselines: (1) tldextract's own extraction of each name plus a JSON line — what a naive scorer costs before
any heuristic; (2) a naive brand check: rapidfuzz ratio of the label against every brand token.
Method: 30,000 names (the dev set's positives and negatives, repeated), one core, best of 3 runs.

    python benchmarks/bench_score.py
"""

from __future__ import annotations

import io
import json
import time
from pathlib import Path

import tldextract
from rapidfuzz import fuzz

from antifraud.adapters.detection_config import load_detector
from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.commands.score import run_score
from antifraud.settings import DEFAULT_CONFIG_DIR

SET = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval-dev"


def best_of(runs: int, fn) -> float:
    best = float("inf")
    for _ in range(runs):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    names = [line.strip() for f in ("positives.txt", "negatives.txt") for line in (SET / f).read_text().splitlines()]
    names = [n for n in names if n][:30_000]
    while len(names) < 30_000:
        names += names[: 30_000 - len(names)]
    suffixes = BundledSuffixList()
    detector = load_detector(DEFAULT_CONFIG_DIR / "brands.toml", DEFAULT_CONFIG_DIR / "lexicon.toml", suffixes)
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    tokens = sorted(detector.index.label_tokens)

    def ours() -> None:
        run_score(names, io.StringIO(), detector, suffixes, "domain")

    def naive_extract() -> None:
        out = io.StringIO()
        for n in names:
            r = extract(n)
            out.write(json.dumps({"value": n, "normalized": r.fqdn}) + "\n")

    def naive_fuzzy() -> None:
        out = io.StringIO()
        for n in names:
            label = extract(n).domain
            score = max(fuzz.ratio(label, t) for t in tokens)
            out.write(json.dumps({"value": n, "score": score}) + "\n")

    t_ours = best_of(3, ours)
    t_extract = best_of(3, naive_extract)
    t_fuzzy = best_of(3, naive_fuzzy)
    n = len(names)
    print(f"names: {n}; brand tokens: {len(tokens)}")
    print(f"antifraud score                 : {n / t_ours:9.0f} names/s")
    print(f"baseline tldextract + JSON      : {n / t_extract:9.0f} names/s  (ours is {t_extract / t_ours:.2f}x)")
    print(f"baseline tldextract + fuzzy all : {n / t_fuzzy:9.0f} names/s  (ours is {t_fuzzy / t_ours:.2f}x)")


if __name__ == "__main__":
    main()
