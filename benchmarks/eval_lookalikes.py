"""Evaluate lookalike detection: eval-dev, the Kazakh dev set, and false positives with two brands files.

    python benchmarks/eval_lookalikes.py [--set DIR] [--lexicon FILE] [--show N]

1. eval-dev (DIR: brands.toml, positives.txt, negatives.txt), scored with ITS brands.toml: recall on
   positives, share of negatives flagged.
2. The Kazakh dev set (benchmarks/data/kz, see make_kz_set.py), scored with the shipped
   config/brands.toml: recall per typo class, brand + lure names blocked and flagged, benign flagged.
3. False positives of the benign names (eval-dev's popular domains and the KZ benign names) with the
   shipped brands file and with a small one (benchmarks/data/small_brands.toml).

Nothing of any set is listed or allowlisted anywhere in the engine. With --show, the misses and false
positives with their signals, for analysis (not for tuning on entries).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

from antifraud.adapters.detection_config import DEFAULT_LEXICON, load_detector
from antifraud.adapters.suffixes import BundledSuffixList
from antifraud.detection import Detector
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import Assessment, Verdict
from antifraud.domain.normalize import SuffixList, normalize_domain

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "benchmarks" / "data"
FLAGGED = {Verdict.BLOCK, Verdict.REVIEW}
Rows = list[tuple[str, Assessment | None]]


def find_eval_dev() -> Path:
    """shared/data/eval-dev beside the repository or one of its parents (worktrees sit deeper)."""
    for parent in ROOT.parents:
        candidate = parent / "shared" / "data" / "eval-dev"
        if candidate.is_dir():
            return candidate
    return ROOT.parent / "shared" / "data" / "eval-dev"


def read(path: Path) -> list[list[str]]:
    lines = path.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.strip() and not line.startswith("#")]


def score(values: list[str], detector: Detector, suffixes: SuffixList) -> Rows:
    results: Rows = []
    for value in values:
        try:
            results.append((value, detector.assess_domain(normalize_domain(value, suffixes))))
        except InvalidIndicator:
            results.append((value, None))
    return results


def share(rows: Rows, verdicts: set[Verdict]) -> float:
    return sum(1 for _, a in rows if a is not None and a.verdict in verdicts) / max(1, len(rows))


def show(title: str, rows: Rows, limit: int) -> None:
    print(f"\n{title} ({len(rows)}):")
    for value, a in rows[:limit]:
        why = "; ".join(f"{s.name}:{s.weight}" for s in a.signals) if a else "invalid"
        print(f"  {value:50} {a.score if a else '-':>3}  {why}")


def misses(rows: Rows) -> Rows:
    return [(v, a) for v, a in rows if a is None or a.verdict not in FLAGGED]


def flagged(rows: Rows) -> Rows:
    return sorted(((v, a) for v, a in rows if a is not None and a.verdict in FLAGGED), key=lambda r: -r[1].score)  # type: ignore[union-attr]


def eval_dev(path: Path, lexicon: Path, suffixes: SuffixList, limit: int) -> list[str]:
    if not (path / "brands.toml").exists():
        print(f"eval-dev: {path} not found (pass --set); skipped")
        return []
    detector = load_detector(path / "brands.toml", lexicon, suffixes)
    started = time.perf_counter()
    positives = score([r[0] for r in read(path / "positives.txt")], detector, suffixes)
    negatives = score([r[0] for r in read(path / "negatives.txt")], detector, suffixes)
    elapsed = time.perf_counter() - started
    print(f"== eval-dev ({path}), its own brands.toml: {len(positives)} positives, {len(negatives)} negatives")
    print(f"   ({(len(positives) + len(negatives)) / elapsed:,.0f} names/s, wall clock)")
    print(f"{'':32}{'block':>10}{'review':>10}{'block+review':>14}")
    print(
        f"{'recall on positives':32}{share(positives, {Verdict.BLOCK}):>10.3f}"
        f"{share(positives, {Verdict.REVIEW}):>10.3f}{share(positives, FLAGGED):>14.3f}"
    )
    print(
        f"{'negatives flagged':32}{share(negatives, {Verdict.BLOCK}):>10.4%}"
        f"{share(negatives, {Verdict.REVIEW}):>10.4%}{share(negatives, FLAGGED):>14.4%}"
    )
    invalid = sum(1 for _, a in positives if a is None), sum(1 for _, a in negatives if a is None)
    print(f"invalid names (rejected by normalization): positives {invalid[0]}, negatives {invalid[1]}")
    if limit:
        show("missed positives", misses(positives), limit)
        show("flagged negatives", flagged(negatives), limit)
    return [r[0] for r in read(path / "negatives.txt")]


def eval_kz(detector: Detector, suffixes: SuffixList, limit: int) -> None:
    lookalikes = read(DATA / "kz" / "lookalikes.tsv")
    by_class: dict[str, list[str]] = defaultdict(list)
    for name, kind, _brand in lookalikes:
        by_class[kind].append(name)
    print(f"\n== Kazakh dev set (benchmarks/data/kz), shipped config/brands.toml: {len(lookalikes)} lookalikes")
    print(f"{'typo class':20}{'names':>7}{'flagged':>10}{'blocked':>10}")
    worst: Rows = []
    total: Rows = []
    for kind in sorted(by_class):
        rows = score(by_class[kind], detector, suffixes)
        total += rows
        worst += misses(rows)
        print(f"{kind:20}{len(rows):>7}{share(rows, FLAGGED):>10.3f}{share(rows, {Verdict.BLOCK}):>10.3f}")
    print(f"{'all classes':20}{len(total):>7}{share(total, FLAGGED):>10.3f}{share(total, {Verdict.BLOCK}):>10.3f}")
    lures = score([r[0] for r in read(DATA / "kz" / "brand_lures.tsv")], detector, suffixes)
    print(
        f"brand + strong lure: {len(lures)} names, blocked {share(lures, {Verdict.BLOCK}):.3f}, "
        f"flagged {share(lures, FLAGGED):.3f}"
    )
    if limit:
        show("missed KZ lookalikes", worst, limit)
        show(
            "brand + lure names not blocked",
            [(v, a) for v, a in lures if a is None or a.verdict is not Verdict.BLOCK],
            limit,
        )


def false_positives(
    benign: dict[str, list[str]], brands_files: dict[str, Path], lexicon: Path, suffixes: SuffixList, limit: int
) -> None:
    print("\n== benign names: share blocked / sent to review (aims: <= 0.02 % blocked, <= 0.5 % review)")
    print(f"{'benign set':28}{'brands file':22}{'names':>8}{'blocked':>10}{'review':>10}")
    for brands_name, brands_path in brands_files.items():
        detector = load_detector(brands_path, lexicon, suffixes)
        for set_name, names in benign.items():
            rows = score(names, detector, suffixes)
            print(
                f"{set_name:28}{brands_name:22}{len(rows):>8}{share(rows, {Verdict.BLOCK}):>10.4%}"
                f"{share(rows, {Verdict.REVIEW}):>10.4%}"
            )
            if limit:
                show(f"flagged ({set_name}, {brands_name})", flagged(rows), limit)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--set", type=Path, default=find_eval_dev(), help="eval-dev directory")
    parser.add_argument("--lexicon", type=Path, default=DEFAULT_LEXICON)
    parser.add_argument("--show", type=int, default=0, help="print up to N misses and false positives")
    args = parser.parse_args(argv)
    suffixes = BundledSuffixList()
    dev_negatives = eval_dev(args.set, args.lexicon, suffixes, args.show)
    shipped = ROOT / "config" / "brands.toml"
    eval_kz(load_detector(shipped, args.lexicon, suffixes), suffixes, args.show)
    benign = {"KZ benign names": [r[0] for r in read(DATA / "kz" / "benign.txt")]}
    if dev_negatives:
        benign = {"eval-dev popular negatives": dev_negatives, **benign}
    brands = {"shipped (config)": shipped, "small (5 brands)": DATA / "small_brands.toml"}
    false_positives(benign, brands, args.lexicon, suffixes, args.show)
    return 0


if __name__ == "__main__":
    sys.exit(main())
