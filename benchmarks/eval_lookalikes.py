"""Evaluate lookalike detection on a labelled set: recall on positives, share of negatives flagged.

    python benchmarks/eval_lookalikes.py [--set DIR] [--lexicon FILE] [--show N]

DIR holds brands.toml (the set's protected brands), positives.txt and negatives.txt (one name per
line). The set's brands are the only brands used; nothing of the set is listed or allowlisted
anywhere in the engine. Prints block and review rates side by side, and with --show the misses and
false positives with their signals, for analysis (not for tuning on entries).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import Counter
from pathlib import Path

from antifraud.adapters.detection_config import DEFAULT_LEXICON, load_detector
from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import Assessment, Verdict
from antifraud.domain.normalize import normalize_domain

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval-dev"


def score_file(path: Path, detector, suffixes) -> list[tuple[str, Assessment | None]]:
    results: list[tuple[str, Assessment | None]] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        value = line.strip()
        if not value or value.startswith("#"):
            continue
        try:
            results.append((value, detector.assess_domain(normalize_domain(value, suffixes))))
        except InvalidIndicator:
            results.append((value, None))
    return results


def rates(results: list[tuple[str, Assessment | None]]) -> tuple[Counter[str], int]:
    verdicts = Counter(a.verdict.value if a else "invalid" for _, a in results)
    return verdicts, len(results)


def show(title: str, rows: list[tuple[str, Assessment | None]], limit: int) -> None:
    print(f"\n{title} ({len(rows)}):")
    for value, a in rows[:limit]:
        why = "; ".join(f"{s.name}:{s.weight}" for s in a.signals) if a else "invalid"
        print(f"  {value:50} {a.score if a else '-':>3}  {why}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--set", type=Path, default=DEFAULT_SET, help="evaluation set directory")
    parser.add_argument("--lexicon", type=Path, default=DEFAULT_LEXICON)
    parser.add_argument("--show", type=int, default=0, help="print up to N misses and false positives")
    args = parser.parse_args(argv)
    suffixes = BundledSuffixList()
    detector = load_detector(args.set / "brands.toml", args.lexicon, suffixes)
    started = time.perf_counter()
    positives = score_file(args.set / "positives.txt", detector, suffixes)
    negatives = score_file(args.set / "negatives.txt", detector, suffixes)
    elapsed = time.perf_counter() - started
    pv, pn = rates(positives)
    nv, nn = rates(negatives)
    print(f"set: {args.set}  positives: {pn}  negatives: {nn}  ({(pn + nn) / elapsed:,.0f} names/s)")
    print(f"{'':28}{'block':>10}{'review':>10}{'block+review':>14}")
    print(
        f"{'recall on positives':28}{pv['block'] / pn:>10.3f}{pv['review'] / pn:>10.3f}"
        f"{(pv['block'] + pv['review']) / pn:>14.3f}"
    )
    print(
        f"{'negatives flagged':28}{nv['block'] / nn:>10.4%}{nv['review'] / nn:>10.4%}"
        f"{(nv['block'] + nv['review']) / nn:>14.4%}"
    )
    print(f"positives invalid: {pv['invalid']}, negatives invalid: {nv['invalid']}")
    if args.show:
        missed = [(v, a) for v, a in positives if a is None or a.verdict in {Verdict.NONE, Verdict.ALLOW}]
        flagged = [(v, a) for v, a in negatives if a is not None and a.verdict in {Verdict.BLOCK, Verdict.REVIEW}]
        flagged.sort(key=lambda r: -(r[1].score if r[1] else 0))
        show("missed positives", missed, args.show)
        show("flagged negatives", flagged, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
