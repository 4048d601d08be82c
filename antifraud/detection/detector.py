"""The detector: a brand index built once, applied to domains and phone numbers.

FIRST VERSION (issue 2): allowlist by official domains/phones and an exact brand-token match.
Issue 3 deepens this module (typosquats, homoglyphs, combosquats, lexicon, phone heuristics)
behind the same interface.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from antifraud.detection.scoring import ALLOWLISTED, Thresholds, combine
from antifraud.domain.brands import Brand
from antifraud.domain.model import Assessment, Category, Signal
from antifraud.domain.normalize import DomainName, PhoneNumber


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    thresholds: Thresholds = field(default_factory=Thresholds)


class Detector:
    def __init__(self, brands: Sequence[Brand], settings: DetectionSettings | None = None) -> None:
        self.settings = settings or DetectionSettings()
        self.brands = tuple(brands)
        self._official: dict[str, Brand] = {d: b for b in self.brands for d in b.domains}
        self._phones: dict[str, Brand] = {p: b for b in self.brands for p in b.phones}

    def protected_domain(self, name: DomainName) -> Brand | None:
        """The brand owning this name, if it is an official domain or a subdomain of one."""
        labels = name.ascii.split(".")
        for i in range(len(labels) - 1):
            brand = self._official.get(".".join(labels[i:]))
            if brand is not None:
                return brand
        return None

    def protected_phone(self, e164: str) -> Brand | None:
        return self._phones.get(e164)

    def assess_domain(self, name: DomainName, extra: Iterable[Signal] = ()) -> Assessment:
        signals = list(extra)
        brand = self.protected_domain(name)
        if brand is not None:
            signals.append(Signal(ALLOWLISTED, 0, f"official domain of {brand.name}"))
            return combine(signals, self.settings.thresholds)
        category: Category | None = None
        for b in self.brands:
            if any(k in name.ascii for k in b.keywords):
                signals.append(Signal("brand_token", 50, f"brand token of {b.name} in {name.unicode}"))
                category = Category.PHISHING
                break
        return combine(signals, self.settings.thresholds, category)

    def assess_phone(self, phone: PhoneNumber, extra: Iterable[Signal] = ()) -> Assessment:
        signals = list(extra)
        brand = self.protected_phone(phone.e164)
        if brand is not None:
            signals.append(Signal(ALLOWLISTED, 0, f"official number of {brand.name}"))
        return combine(signals, self.settings.thresholds)
