"""Phone heuristics: numbering-plan facts and closeness to protected numbers. Pure."""

from __future__ import annotations

from rapidfuzz.distance import Hamming

from antifraud.detection.brand_index import BrandIndex
from antifraud.domain.model import Category, Signal
from antifraud.domain.normalize import PhoneNumber

W_NEAR_OFFICIAL_1 = 55
W_NEAR_OFFICIAL_2 = 40
W_UNALLOCATED = 35
W_KZ_6XX = 5
W_TYPE = {"premium_rate": 35, "shared_cost": 20, "voip": 20, "personal_number": 15, "uan": 10, "toll_free": 10}
W_FOREIGN_ON_7 = 15
W_FOREIGN = 10
W_SHORT_CODE = 20
HOME = "KZ"


class PhoneHeuristics:
    def __init__(self, index: BrandIndex) -> None:
        self.index = index
        self._official = sorted(index.phones.items())

    def signals(self, phone: PhoneNumber) -> tuple[list[Signal], Category | None]:
        signals: list[Signal] = []
        category: Category | None = None
        number = phone.e164
        if phone.is_short_code:
            signals.append(Signal("short_code", W_SHORT_CODE, f"short code {number} belongs to no protected brand"))
        elif not phone.valid:
            national = number.removeprefix("+7")
            if number.startswith("+76") and len(national) == 10:
                # Kazakhstan's +7 6xx ranges are missing from phonenumbers' metadata: treat as Kazakh, not invalid.
                signals.append(
                    Signal("kz_6xx_range", W_KZ_6XX, f"{number}: Kazakh +7 6xx range unknown to the metadata")
                )
            else:
                signals.append(Signal("unallocated", W_UNALLOCATED, f"{number} is not allocated in the numbering plan"))
        else:
            weight = W_TYPE.get(phone.number_type)
            if weight is not None:
                signals.append(
                    Signal(
                        f"type_{phone.number_type}",
                        weight,
                        f"{number} is a {phone.number_type.replace('_', ' ')} number",
                    )
                )
                if phone.number_type == "premium_rate":
                    category = Category.WANGIRI
            if phone.region and phone.region != HOME:
                if number.startswith("+7"):
                    signals.append(
                        Signal(
                            "foreign_on_plus7",
                            W_FOREIGN_ON_7,
                            f"{number} is a {phone.region} number on the shared +7 code",
                        )
                    )
                else:
                    signals.append(Signal("foreign", W_FOREIGN, f"{number} is from {phone.region}"))
        near = self._near_official(number)
        if near is not None:
            signals.append(near)
            category = Category.SPOOFED_CALL
        return signals, category

    def _near_official(self, number: str) -> Signal | None:
        best: tuple[int, str, str] | None = None
        for official, owner in self._official:
            if len(official) != len(number) or len(official) < 7:
                continue
            distance = Hamming.distance(number, official, score_cutoff=2)
            if distance <= 2 and (best is None or distance < best[0]):
                best = (distance, official, owner.name)
        if best is None or best[0] == 0:
            return None
        distance, official, brand = best
        weight = W_NEAR_OFFICIAL_1 if distance == 1 else W_NEAR_OFFICIAL_2
        digits = "one digit" if distance == 1 else "two digits"
        return Signal("near_official_number", weight, f"{digits} away from {brand}'s official {official}")
