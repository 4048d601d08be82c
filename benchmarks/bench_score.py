"""Throughput of `antifraud score` (domains/s, normalization and JSON included) against a naive baseline.

    python benchmarks/bench_score.py [--names N] [--rounds R]

Input: N DISTINCT names: the real ones (eval-dev's benign and phishing hostnames when shared/data/eval-dev
is found, the Kazakh dev set's names), then benign names in their style built from the dictionary (see
`corpus`); scored against config/brands.toml with config/lexicon.toml, the type given and guessed.
Baseline, measured in the same run on the same lines: what the first version did per name —
tldextract's own extractor for the suffix split, a substring loop over the brand keywords and
json.dumps of the result (no heuristics at all: the cost floor of a naive scorer). Also the suffix
split alone, ours against tldextract's, and `Detector.assess_domain` alone on distinct benign names (what
the check API pays for an unknown name). Best of R rounds of CPU time (the machine is shared).
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
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.normalize import DomainName, normalize_domain

ROOT = Path(__file__).resolve().parents[1]
EVAL_SET = ROOT.parent / "shared" / "data" / "eval-dev"


def find_eval_dev() -> Path:
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "eval-dev"
        if candidate.is_dir():
            return candidate
    return EVAL_SET


def real_names(eval_set: Path) -> list[str]:
    """Real hostnames: eval-dev's benign and phishing names, and the Kazakh dev set's names."""
    names: list[str] = []
    for path in (
        eval_set / "negatives.txt",
        eval_set / "positives.txt",
        *sorted((ROOT / "benchmarks" / "data" / "kz").glob("*")),
    ):
        if path.exists() and path.suffix in {".txt", ".tsv"}:
            lines = path.read_text(encoding="utf-8").splitlines()
            names.extend(line.split("\t", 1)[0].strip() for line in lines if line.strip() and not line.startswith("#"))
    return names


def corpus(size: int, eval_set: Path | None = EVAL_SET, seed: int = 7) -> list[str]:
    """`size` DISTINCT names: the real ones first, then benign names in their style (a dictionary word or
    two, sometimes digits or a subdomain, under the suffixes popular lists hold), so no cache can help."""
    names = list(dict.fromkeys(real_names(eval_set))) if eval_set is not None else []
    words = [w for w in (ROOT / "config" / "data" / "words.txt").read_text(encoding="utf-8").split() if w.isalpha()]
    tlds = ["com"] * 8 + ["net", "org", "ru", "kz", "de", "co.uk", "com.br", "io", "info", "xyz", "jp", "fr", "it"]
    rng = random.Random(seed)
    seen = set(names)
    while len(names) < size:
        label = rng.choice(words)
        shape = rng.random()
        if shape < 0.35:
            label += rng.choice(["", "-"]) + rng.choice(words)
        elif shape < 0.45:
            label += str(rng.randint(1, 999))
        name = f"{label}.{rng.choice(tlds)}"
        if rng.random() < 0.15:
            name = rng.choice(["www", "mail", "shop", "blog", "api", "cdn", "m"]) + "." + name
        if name not in seen:
            seen.add(name)
            names.append(name)
    return [n + "\n" for n in names[:size]]


def synthetic_benign(size: int, suffixes: BundledSuffixList, seed: int = 11) -> list[DomainName]:
    """Distinct benign names in the style of a popular list, normalized (what the check API holds)."""
    names = []
    for line in corpus(size * 2, None, seed):
        try:
            names.append(normalize_domain(line.strip(), suffixes))
        except InvalidIndicator:
            continue
    return names[:size]


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
    parser.add_argument(
        "--set", type=Path, default=find_eval_dev(), help="directory with positives.txt and negatives.txt"
    )
    args = parser.parse_args(argv)
    lines = corpus(args.names, args.set)
    suffixes = BundledSuffixList()
    started = time.process_time()
    detector = load_detector(ROOT / "config" / "brands.toml", DEFAULT_LEXICON, suffixes)
    built = time.process_time() - started
    keywords = [k for b in detector.brands for k in b.keywords]
    ours = best_cpu(lambda: run_score(lines, io.StringIO(), detector, suffixes, "domain"), args.rounds)
    guessed = best_cpu(lambda: run_score(lines, io.StringIO(), detector, suffixes, None), args.rounds)
    base = best_cpu(lambda: baseline(lines, keywords), args.rounds)
    names = [line.strip().lower() for line in lines]
    extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)
    split_ours = best_cpu(lambda: [suffixes.split(n) for n in names], args.rounds)
    split_theirs = best_cpu(lambda: [extract(n) for n in names], args.rounds)
    benign = synthetic_benign(50_000, suffixes)
    assess = detector.assess_domain
    check = best_cpu(lambda: [assess(n) for n in benign], args.rounds)
    print(f"detector built in {built:.2f} s CPU ({len(detector.index.variants):,} variants in the permutation index)")
    print(f"lines: {len(lines):,} ({len(set(lines)):,} distinct), best of {args.rounds} rounds, CPU time")
    print(f"antifraud score   {len(lines) / ours:>10,.0f} domains/s  ({ours / len(lines) * 1e6:.1f} µs each)")
    print(f"  type guessed    {len(lines) / guessed:>10,.0f} names/s    ({guessed / len(lines) * 1e6:.1f} µs each)")
    print(f"naive baseline    {len(lines) / base:>10,.0f} domains/s  ({base / len(lines) * 1e6:.1f} µs each)")
    print(f"ratio (ours / baseline throughput): {base / ours:.2f}")
    print(
        f"suffix split: ours {split_ours / len(names) * 1e6:.2f} µs, "
        f"tldextract {split_theirs / len(names) * 1e6:.2f} µs per name "
        f"(ours is {split_theirs / split_ours:.1f}x faster)"
    )
    print(f"Detector.assess_domain on {len(benign):,} distinct benign names: {check / len(benign) * 1e6:.2f} µs each")
    return 0


if __name__ == "__main__":
    sys.exit(main())
