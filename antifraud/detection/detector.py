"""The detector: a brand index built once, applied to domains and phone numbers. Pure and deterministic."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from antifraud.detection.brand_index import BrandIndex
from antifraud.detection.confusables import Confusables
from antifraud.detection.domains import DomainHeuristics
from antifraud.detection.lexicon import Lexicon
from antifraud.detection.phones import PhoneHeuristics
from antifraud.detection.scoring import ALLOWLISTED, Thresholds, combine
from antifraud.domain.brands import Brand
from antifraud.domain.model import Assessment, Signal
from antifraud.domain.normalize import DomainName, PhoneNumber


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    thresholds: Thresholds = field(default_factory=Thresholds)


class Detector:
    """`Detector(brands)` works with an empty lexicon and no confusables table; the application passes
    the real ones (see antifraud.adapters.detection_config)."""

    def __init__(
        self,
        brands: Sequence[Brand],
        settings: DetectionSettings | None = None,
        lexicon: Lexicon | None = None,
        confusables: Confusables | None = None,
    ) -> None:
        self.settings = settings or DetectionSettings()
        self.brands = tuple(brands)
        self.index = BrandIndex(self.brands)
        self.lexicon = lexicon or Lexicon()
        self.domains = DomainHeuristics(self.index, self.lexicon, confusables or Confusables())
        self.phones = PhoneHeuristics(self.index)

    def protected_domain(self, name: DomainName) -> Brand | None:
        return self.index.official_brand(name.ascii)

    def protected_phone(self, e164: str) -> Brand | None:
        return self.index.phones.get(e164)

    def assess_domain(self, name: DomainName, extra: Iterable[Signal] = ()) -> Assessment:
        brand = self.protected_domain(name)
        if brand is not None:
            return combine(
                [*extra, Signal(ALLOWLISTED, 0, f"official domain of {brand.name}")], self.settings.thresholds
            )
        signals, category = self.domains.signals(name)
        return combine([*signals, *extra], self.settings.thresholds, category)

    def assess_phone(self, phone: PhoneNumber, extra: Iterable[Signal] = ()) -> Assessment:
        brand = self.protected_phone(phone.e164)
        if brand is not None:
            return combine(
                [*extra, Signal(ALLOWLISTED, 0, f"official number of {brand.name}")], self.settings.thresholds
            )
        signals, category = self.phones.signals(phone)
        return combine([*signals, *extra], self.settings.thresholds, category)
