"""Phone normalization on repeats (the cache) next to a raw phonenumbers parse + validity + region.

Method: 200,000 lookups drawn from 2,000 distinct Kazakh and Russian numbers in mixed national forms
(+7…, 8…, 7…), best of 3; the cache is cleared before each run of ours, so first sightings are included.

    python benchmarks/bench_phones.py
"""

from __future__ import annotations

import random
import time

import phonenumbers

from antifraud.domain.normalize import normalize_phone


def main() -> None:
    rng = random.Random(7)
    prefixes = ["701", "702", "705", "707", "747", "771", "775", "777", "727", "717", "495", "916", "926"]
    distinct = []
    for _ in range(2000):
        national = rng.choice(prefixes) + f"{rng.randrange(10**7):07d}"
        form = rng.choice(["+7 {}", "8{}", "7{}", "+7 ({}) "])
        distinct.append(form.format(national))
    lookups = [rng.choice(distinct) for _ in range(200_000)]

    def raw() -> None:
        for text in lookups:
            number = phonenumbers.parse(text, "KZ")
            phonenumbers.is_valid_number(number)
            phonenumbers.region_code_for_number(number)
            phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)

    def ours() -> None:
        normalize_phone.cache_clear()
        for text in lookups:
            normalize_phone(text)

    def best(fn) -> float:
        times = []
        for _ in range(3):
            start = time.perf_counter()
            fn()
            times.append(time.perf_counter() - start)
        return min(times)

    t_raw, t_ours = best(raw), best(ours)
    n = len(lookups)
    print(f"lookups: {n} over {len(distinct)} distinct numbers")
    print(f"raw phonenumbers parse+valid+region+E.164 : {n / t_raw:10.0f} numbers/s")
    print(f"antifraud normalize_phone (cached)        : {n / t_ours:10.0f} numbers/s  ({t_raw / t_ours:.1f}x)")


if __name__ == "__main__":
    main()
