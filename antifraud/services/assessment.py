"""Normalization and assessment as the use-cases share them: the allowlist always wins.

Pure apart from the read model's allowlist, which it reads: no I/O, no awaiting.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from functools import lru_cache

from antifraud.detection import Detector
from antifraud.domain.model import Assessment, IndicatorKey, IndicatorType, Signal, Verdict
from antifraud.domain.normalize import (
    DomainName,
    NormalizedIndicator,
    SuffixList,
    normalize_domain,
    normalize_indicator,
)
from antifraud.domain.phone_ranges import is_phone_range, range_matches
from antifraud.domain.policy import Rules
from antifraud.ports import IndicatorRecord
from antifraud.services.read_model import ReadModel

REVIEW_WEIGHT = 40  # what sends a number range to the analysts' queue, whatever else it scores


@dataclass(frozen=True, slots=True)
class Policy:
    """The listing rules and windows the use-cases apply."""

    rules: Rules
    report_window: timedelta
    dead_after: timedelta = timedelta(days=14)


class Assessor:
    def __init__(self, detector: Detector, suffixes: SuffixList, read_model: ReadModel) -> None:
        self.detector = detector
        self.suffixes = suffixes
        self.read_model = read_model
        self._normalize = lru_cache(maxsize=1 << 16)(self._normalize_uncached)

    def _normalize_uncached(self, kind: IndicatorType, value: str) -> NormalizedIndicator:
        return normalize_indicator(kind, value, self.suffixes)

    def normalize(self, kind: IndicatorType, value: str) -> NormalizedIndicator:
        """Cached: gateways and resolvers ask about the same values again and again."""
        return self._normalize(kind, value)

    def protected(self, key: IndicatorKey, name: DomainName | None = None) -> str | None:
        """Why an indicator may never be listed (allowlisted, or a protected brand's own), or None.
        `name` is the key's domain already normalized, when the caller has it."""
        if self.read_model.allowed(key):
            return "allowlisted"
        return self.protected_brand(key, name)

    def protected_brand(self, key: IndicatorKey, name: DomainName | None = None) -> str | None:
        """Why an indicator is a protected brand's own (an official domain or number, or a range that
        holds one), or None."""
        if key.type is IndicatorType.PHONE:
            if is_phone_range(key.value):
                for owner in self.detector.brands:
                    inside = [n for n in owner.phones if range_matches(key.value, n)]
                    if inside:
                        return f"a range that holds {inside[0]}, an official number of {owner.name}"
                return None
            brand = self.detector.protected_phone(key.value)
            return f"an official number of {brand.name}" if brand else None
        if key.type is IndicatorType.DOMAIN:
            if name is None or name.ascii != key.value:
                name = normalize_domain(key.value, self.suffixes)
            brand = self.detector.protected_domain(name)
            return f"an official domain of {brand.name}" if brand else None
        return None

    def assess(self, norm: NormalizedIndicator, extra: Sequence[Signal] = ()) -> Assessment:
        if self.read_model.allowed(norm.key):
            return Assessment(0, Verdict.ALLOW, (Signal("allowlisted", 0, "allowlisted by an analyst"),))
        if norm.phone is not None:
            return self.detector.assess_phone(norm.phone, extra)
        if norm.key.type is IndicatorType.PHONE:  # a range: only a person lists a block of numbers
            size = 10 ** max(0, 11 - len(norm.key.value))
            what = Signal("number_range", REVIEW_WEIGHT, f"a range of about {size:,} numbers: an analyst decides")
            return Assessment(REVIEW_WEIGHT, Verdict.REVIEW, (what, *extra))
        if norm.wallet is not None:
            return self.detector.assess_wallet(norm.wallet, extra)
        name = norm.name if norm.name is not None else normalize_domain(norm.key.value, self.suffixes)
        return self.detector.assess_domain(name, extra)


def evidence_signals(record: IndicatorRecord) -> list[Signal]:
    """The findings of the center's own probes, stored on the record per source."""
    found: list[Signal] = []
    for finding in json.loads(record.evidence_json).values():
        found.extend(Signal(s["name"], int(s["weight"]), s["detail"]) for s in finding.get("signals", []))
    return found


def signals_json(signals: Iterable[Signal]) -> str:
    return json.dumps([{"name": s.name, "weight": s.weight, "detail": s.detail} for s in signals], ensure_ascii=False)


@lru_cache(maxsize=65536)
def reasons_of(signals: str) -> tuple[str, ...]:
    return tuple(str(s["detail"]) for s in json.loads(signals))
