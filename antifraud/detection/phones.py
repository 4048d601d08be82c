"""Phone-number heuristics: a normalized number in, named signals out. Pure.

| signal | weight | evidence |
|---|---|---|
| near_official_number | 60 / 45 | one / two digits from a brand's official number (or short code) |
| unallocated | 55 | not in the numbering plan: as a caller ID it can only be spoofed |
| type_premium_rate, type_voip, ... | 10-40 | premium rate 40; shared cost, VoIP, personal 20; toll free 15; UAN 10 |
| international_network | 35 | +88x and other non-geographic international ranges (satellite, premium) |
| wangiri_region | 30 | a region typical of one-ring call-back campaigns (lexicon) |
| foreign_on_plus7, foreign_number | 15 / 10 | a Russian number on the shared +7 / another country |
| short_code | 15 | a short code that is no brand's: it cannot place an ordinary call |
| kz_6xx_range | 0 | +7 6xx: Kazakh, missing from phonenumbers' metadata; explained, not scored |

Kazakhstan and Russia share +7. phonenumbers tells them apart by range, but it has no metadata for
the Kazakh +7 6xx ranges and calls them invalid; they are treated here as Kazakh numbers of unknown
type, so a genuine Kazakh caller is not reported as spoofed.
"""

from __future__ import annotations

from antifraud.detection.brand_index import BrandIndex
from antifraud.detection.lexicon import Lexicon
from antifraud.domain.brands import Brand
from antifraud.domain.model import Category, Signal
from antifraud.domain.normalize import PhoneNumber

HOME_REGION = "KZ"
NEAR_ONE, NEAR_TWO = 60, 45
UNALLOCATED = 55
INTERNATIONAL_NETWORK = 35
WANGIRI_REGION = 30
RUSSIAN_ON_SHARED_CODE, FOREIGN = 15, 10
SHORT_CODE = 15
TYPE_WEIGHTS = {
    "premium_rate": 40,
    "shared_cost": 20,
    "voip": 20,
    "personal_number": 20,
    "toll_free": 15,
    "uan": 10,
    "pager": 10,
}
TYPE_NAMES = {
    "premium_rate": "premium-rate",
    "shared_cost": "shared-cost",
    "voip": "VoIP",
    "personal_number": "personal (follow-me)",
    "toll_free": "toll-free",
    "uan": "universal access",
    "pager": "pager",
}
_KZ_GAP_PREFIX = "+76"
_KZ_NUMBER_LENGTH = len("+76001234567")


def in_kz_gap(phone: PhoneNumber) -> bool:
    """A +7 6xx number: Kazakh ranges that phonenumbers' metadata does not cover."""
    return not phone.valid and phone.e164.startswith(_KZ_GAP_PREFIX) and len(phone.e164) == _KZ_NUMBER_LENGTH


def digit_distance(a: str, b: str) -> int | None:
    """Digits that differ between two numbers of the same length, an adjacent swap counting as one."""
    if len(a) != len(b):
        return None
    diff = [i for i in range(len(a)) if a[i] != b[i]]
    if len(diff) == 2 and diff[1] == diff[0] + 1 and a[diff[0]] == b[diff[1]] and a[diff[1]] == b[diff[0]]:
        return 1
    return len(diff)


class PhoneHeuristics:
    def __init__(self, index: BrandIndex, lexicon: Lexicon) -> None:
        self.lexicon = lexicon
        self._protected: tuple[tuple[str, Brand], ...] = tuple(sorted(index.phones.items()))

    def signals(self, phone: PhoneNumber) -> tuple[list[Signal], Category | None]:
        signals: list[Signal] = []
        category: Category | None = None
        near = self._near_protected(phone)
        if near is not None:
            signals.append(near)
            category = Category.SPOOFED_CALL
        if phone.is_short_code:
            if near is None:
                signals.append(
                    Signal("short_code", SHORT_CODE, f"short code {phone.e164} belongs to no protected brand")
                )
            return signals, category
        if in_kz_gap(phone):
            signals.append(
                Signal(
                    "kz_6xx_range",
                    0,
                    f"{phone.e164} is in a Kazakh +7 6xx range missing from the numbering metadata; treated as Kazakh",
                )
            )
            return signals, category
        if not phone.valid:
            signals.append(
                Signal(
                    "unallocated",
                    UNALLOCATED,
                    f"{phone.e164} is not allocated in the numbering plan; as a caller ID it is spoofed",
                )
            )
            return signals, category or Category.SPOOFED_CALL
        type_weight = TYPE_WEIGHTS.get(phone.number_type)
        if type_weight is not None:
            signals.append(
                Signal(f"type_{phone.number_type}", type_weight, f"{TYPE_NAMES[phone.number_type]} number {phone.e164}")
            )
            if phone.number_type == "premium_rate":
                category = category or Category.WANGIRI
        category = self._region(phone, signals) or category
        return signals, category

    def _near_protected(self, phone: PhoneNumber) -> Signal | None:
        best: tuple[int, str, Brand] | None = None
        for number, brand in self._protected:
            distance = digit_distance(phone.e164, number)
            if distance is not None and 0 < distance <= 2 and (best is None or distance < best[0]):
                best = (distance, number, brand)
        if best is None:
            return None
        distance, number, brand = best
        words = "one digit" if distance == 1 else "two digits"
        return Signal(
            "near_official_number",
            NEAR_ONE if distance == 1 else NEAR_TWO,
            f"{words} from {brand.name}'s official number {number}",
        )

    def _region(self, phone: PhoneNumber, signals: list[Signal]) -> Category | None:
        region = phone.region
        if region is None or region == HOME_REGION:
            return None
        if region == "001":  # phonenumbers' code for non-geographic ranges such as +882 and +883
            signals.append(
                Signal(
                    "international_network",
                    INTERNATIONAL_NETWORK,
                    f"{phone.e164} is on an international network (satellite or global service), often premium",
                )
            )
            return Category.WANGIRI
        if region in self.lexicon.wangiri_regions:
            signals.append(
                Signal("wangiri_region", WANGIRI_REGION, f"{region} numbers are typical of one-ring call-back scams")
            )
            return Category.WANGIRI
        if phone.e164.startswith("+7"):
            signals.append(
                Signal(
                    "foreign_on_plus7",
                    RUSSIAN_ON_SHARED_CODE,
                    f"{phone.e164} is a Russian number: it shares +7 with Kazakh numbers and can pass for one",
                )
            )
        else:
            signals.append(Signal("foreign_number", FOREIGN, f"{phone.e164} is a foreign number ({region})"))
        return None
