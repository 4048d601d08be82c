"""Phone normalization throughput on repeated numbers (the cached path) against a raw phonenumbers baseline.

    python benchmarks/bench_phones.py [--numbers N] [--distinct D] [--rounds R]

A gateway's feed repeats the same callers: N lookups over D distinct Kazakh and Russian numbers in
the spellings operators send (+7…, 8…, with spaces and dashes). Baseline, in the same run: what
each lookup costs without the cache — phonenumbers.parse + is_valid_number + region_code_for_number.
Also times normalize_phone + Detector.assess_phone, the whole per-number cost of `antifraud score
--type phone`. Best of R rounds of CPU time.
"""

from __future__ import annotations

import argparse
import random
import sys
import time

import phonenumbers

from antifraud.detection import Detector
from antifraud.domain.brands import Brand
from antifraud.domain.normalize import normalize_phone


def numbers(count: int, distinct: int) -> list[str]:
    rng = random.Random(42)
    prefixes = ["701", "702", "705", "707", "747", "771", "775", "777", "727", "717", "916", "926", "495", "800"]
    pool = []
    for _ in range(distinct):
        digits = f"{rng.choice(prefixes)}{rng.randint(0, 9_999_999):07d}"
        style = rng.randrange(3)
        pool.append(
            f"+7{digits}"
            if style == 0
            else f"8 {digits[:3]} {digits[3:6]}-{digits[6:8]}-{digits[8:]}"
            if style == 1
            else f"+7 ({digits[:3]}) {digits[3:]}"
        )
    return [pool[rng.randrange(distinct)] for _ in range(count)]


def raw(values: list[str]) -> None:
    for value in values:
        number = phonenumbers.parse(value, "KZ")
        if phonenumbers.is_valid_number(number):
            phonenumbers.region_code_for_number(number)


def cached(values: list[str]) -> None:
    for value in values:
        normalize_phone(value)


def best_cpu(fn, rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--numbers", type=int, default=200_000)
    parser.add_argument("--distinct", type=int, default=5_000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args(argv)
    values = numbers(args.numbers, args.distinct)
    detector = Detector([Brand("Kaspi Bank", ("kaspi.kz",), ("kaspi",), ("+77272585965", "9999"))])
    base_values = values[: max(1, args.numbers // 10)]  # the raw path is slow; a tenth is plenty to time it
    base = best_cpu(lambda: raw(base_values), args.rounds) / len(base_values)
    normalize_phone.cache_clear()
    cold = best_cpu(lambda: cached(values), 1) / len(values)  # first pass fills the cache
    warm = best_cpu(lambda: cached(values), args.rounds) / len(values)
    scored = best_cpu(lambda: [detector.assess_phone(normalize_phone(v)) for v in values], args.rounds) / len(values)
    print(f"{args.numbers:,} lookups over {args.distinct:,} distinct numbers, best of {args.rounds} rounds, CPU time")
    print(f"raw phonenumbers parse+valid+region {1 / base:>10,.0f} numbers/s")
    print(f"normalize_phone, cold cache (fills)  {1 / cold:>10,.0f} numbers/s")
    print(f"normalize_phone, repeats (cached)   {1 / warm:>10,.0f} numbers/s  ratio {base / warm:.1f}x")
    print(f"normalize_phone + assess_phone      {1 / scored:>10,.0f} numbers/s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
