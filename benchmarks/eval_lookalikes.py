"""Lookalike detection on a labelled set: recall on positives, share of negatives flagged.

    python benchmarks/eval_lookalikes.py [--set ../shared/data/eval-dev] [--show 20]

The set's own brands file is used (it protects global brands, not ours). Nothing from the set is ever
allowlisted or hard-coded: the engine must generalise to data it has never seen.
"""

from __future__ import annotations

import argparse
from collections import Counter
from pathlib import Path

from antifraud.adapters.detection_config import load_detector
from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.normalize import normalize_domain
from antifraud.settings import DEFAULT_CONFIG_DIR

DEFAULT_SET = Path(__file__).resolve().parents[2] / "shared" / "data" / "eval-dev"


def verdicts(path: Path, detector, suffixes) -> tuple[Counter[str], list[tuple[str, str, int, str]]]:
    counts: Counter[str] = Counter()
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        value = line.strip()
        if not value:
            continue
        try:
            assessment = detector.assess_domain(normalize_domain(value, suffixes))
        except InvalidIndicator:
            counts["invalid"] += 1
            continue
        counts[assessment.verdict.value] += 1
        reasons = "; ".join(s.detail for s in assessment.signals)
        rows.append((value, assessment.verdict.value, assessment.score, reasons))
    return counts, rows


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--set", type=Path, default=DEFAULT_SET)
    parser.add_argument("--show", type=int, default=0, help="print this many misses and false alarms")
    args = parser.parse_args()
    suffixes = BundledSuffixList()
    detector = load_detector(args.set / "brands.toml", DEFAULT_CONFIG_DIR / "lexicon.toml", suffixes)
    pos, pos_rows = verdicts(args.set / "positives.txt", detector, suffixes)
    neg, neg_rows = verdicts(args.set / "negatives.txt", detector, suffixes)
    n_pos, n_neg = sum(pos.values()), sum(neg.values())
    print(f"set: {args.set}  positives {n_pos}, negatives {n_neg}")
    print(
        f"positives  block {pos['block'] / n_pos:7.2%}   review {pos['review'] / n_pos:7.2%}   "
        f"recall (block+review) {(pos['block'] + pos['review']) / n_pos:7.2%}   invalid {pos['invalid']}"
    )
    print(
        f"negatives  block {neg['block'] / n_neg:7.3%}   review {neg['review'] / n_neg:7.3%}   "
        f"flagged {(neg['block'] + neg['review']) / n_neg:7.3%}   invalid {neg['invalid']}"
    )
    if args.show:
        print("\nmissed positives:")
        for row in [r for r in pos_rows if r[1] in {"none", "allow"}][: args.show]:
            print("  ", *row)
        print("\nnegatives blocked:")
        for row in [r for r in neg_rows if r[1] == "block"][: args.show]:
            print("  ", *row)
        print("\nnegatives sent to review:")
        for row in [r for r in neg_rows if r[1] == "review"][: args.show]:
            print("  ", *row)


if __name__ == "__main__":
    main()
