"""The detector: a brand index built once, applied to domains and phone numbers. Pure and deterministic.

`Detector(brands)` works on its own: the UTS #39 confusables come with their library and the lexicon
defaults to an empty one (brand, typo and homoglyph signals only). The application builds it with
the configured lexicon through antifraud.adapters.detection_config.load_detector.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from antifraud.detection.brand_index import BrandIndex
from antifraud.detection.confusables import Confusables, uts39
from antifraud.detection.domains import DomainHeuristics
from antifraud.detection.lexicon import Lexicon
from antifraud.detection.phones import PhoneHeuristics
from antifraud.detection.scoring import ALLOWLISTED, Thresholds, combine
from antifraud.domain.brands import Brand
from antifraud.domain.model import Assessment, Signal
from antifraud.domain.normalize import DomainName, PhoneNumber
from antifraud.domain.wallets import Chain, Wallet

_CHAIN_NAMES = {Chain.BITCOIN: "Bitcoin", Chain.ETHEREUM: "Ethereum (or another EVM chain)", Chain.TRON: "TRON"}


@dataclass(frozen=True, slots=True)
class DetectionSettings:
    thresholds: Thresholds = field(default_factory=Thresholds)


class Detector:
    def __init__(
        self,
        brands: Sequence[Brand],
        settings: DetectionSettings | None = None,
        lexicon: Lexicon | None = None,
        confusables: Confusables | None = None,
    ) -> None:
        self.settings = settings or DetectionSettings()
        self.brands = tuple(brands)
        self.lexicon = lexicon if lexicon is not None else Lexicon()
        self.index = BrandIndex(self.brands, words=self.lexicon.words, lures=frozenset(self.lexicon.lures))
        self._domains = DomainHeuristics(self.index, self.lexicon, confusables or uts39())
        self._phones = PhoneHeuristics(self.index, self.lexicon)

    def protected_domain(self, name: DomainName) -> Brand | None:
        """The brand owning this name, if it is an official domain or a subdomain of one."""
        return self.index.official_brand(name.ascii)

    def protected_phone(self, e164: str) -> Brand | None:
        return self.index.phones.get(e164)

    def assess_domain(self, name: DomainName, extra: Iterable[Signal] = ()) -> Assessment:
        protection = self.index.protection(name.ascii)
        if protection is not None:
            owner, brand = protection
            what = "official domain" if owner in self.index.official else f"protected suffix {owner}"
            allow = Signal(ALLOWLISTED, 0, f"{what} of {brand.name}")
            return combine([allow, *extra], self.settings.thresholds)
        signals, category = self._domains.signals(name)
        return combine([*signals, *extra], self.settings.thresholds, category)

    def assess_wallet(self, wallet: Wallet, extra: Iterable[Signal] = ()) -> Assessment:
        """An address says nothing about its owner: its assessment is the evidence (reports, the pages that
        show it) passed in `extra`; the one signal of its own only says what it is, weighing nothing."""
        checked = "checksum verified" if wallet.checksum_verified else "no checksum in this spelling (all one case)"
        what = Signal("wallet", 0, f"{_CHAIN_NAMES[wallet.chain]} address {wallet.display}, {checked}")
        return combine([what, *extra], self.settings.thresholds)

    def assess_phone(self, phone: PhoneNumber, extra: Iterable[Signal] = ()) -> Assessment:
        brand = self.protected_phone(phone.e164)
        if brand is not None:
            allow = Signal(ALLOWLISTED, 0, f"official number of {brand.name}")
            return combine([allow, *extra], self.settings.thresholds)
        signals, category = self._phones.signals(phone)
        return combine([*signals, *extra], self.settings.thresholds, category)
