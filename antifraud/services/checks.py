"""Checks: is this domain, URL, number or wallet listed, and what does the center think of it?

Answered from the read model and the pure detector, never from a scan of the store: an unknown value
costs one normalization (cached) and one assessment; a listed one is answered from the read model
alone (category, score, who listed it); one in review or disputed reads its record through the
repository's cache for the reasons (a number found on a listed site names the site). Answers are
cached per indicator and dropped the moment the read model changes that indicator.

The allowlist and the protected brands win here too: an official domain is never `listed: true`, even
if a listing of it predates the brand entry (the publisher has already dropped it from every list).
"""

from __future__ import annotations

import json
from collections import OrderedDict
from dataclasses import dataclass, replace
from typing import Any

from antifraud.domain.errors import StoreUnavailable
from antifraud.domain.model import DecisionOrigin, IndicatorKey, IndicatorType, ListingState, Verdict
from antifraud.domain.normalize import NormalizedIndicator
from antifraud.ports import Projection
from antifraud.services.assessment import Assessor, reasons_of
from antifraud.services.read_model import ReadModel
from antifraud.services.repository import IndicatorRepository

ANSWER_CACHE_SIZE = 200_000


@dataclass(frozen=True, slots=True)
class CheckAnswer:
    type: str
    value: str
    listed: bool
    verdict: str
    score: int
    categories: tuple[str, ...]
    reasons: tuple[str, ...]
    display: str | None = None
    prefix: bytes = b""  # the JSON body up to the list version, built once per answer

    def body(self, list_version: int) -> bytes:
        return self.prefix + b"%d}" % list_version

    def to_json(self, list_version: int) -> dict[str, object]:
        return {
            "type": self.type,
            "value": self.value,
            "listed": self.listed,
            "verdict": self.verdict,
            "score": self.score,
            "categories": list(self.categories),
            "reasons": list(self.reasons),
            "list_version": list_version,
        }


def _make_answer(**fields: Any) -> CheckAnswer:
    answer = CheckAnswer(**fields)
    document = answer.to_json(0)
    del document["list_version"]
    text = json.dumps(document, ensure_ascii=False, separators=(",", ":"))[:-1] + ',"list_version":'
    return replace(answer, prefix=text.encode("utf-8"))


class Checks:
    def __init__(self, assessor: Assessor, read_model: ReadModel, repository: IndicatorRepository) -> None:
        self.assessor = assessor
        self.read_model = read_model
        self.repository = repository
        self._answers: OrderedDict[IndicatorKey, CheckAnswer] = OrderedDict()
        self.ready = False  # until the read model is loaded: a check then would miss listed values
        read_model.on_change(self._forget)

    @property
    def list_version(self) -> int:
        return self.read_model.published_version

    def _forget(self, key: IndicatorKey) -> None:
        if key.type is IndicatorType.PHONE and key.value.endswith("*"):
            self._answers.clear()  # a range answers for every number it holds
            return
        self._answers.pop(key, None)

    async def check(self, kind: IndicatorType, value: str) -> CheckAnswer:
        """Raises InvalidIndicator when the value cannot be normalized, StoreUnavailable while loading."""
        if not self.ready:
            raise StoreUnavailable("the center is loading what is listed after a start; retry in a few seconds")
        norm = self.assessor.normalize(kind, value)
        cached = self._answers.get(norm.key)
        if cached is not None:
            return cached
        answer = await self._answer(norm)
        if len(self._answers) >= ANSWER_CACHE_SIZE:
            self._answers.popitem(last=False)
        self._answers[norm.key] = answer
        return answer

    async def check_call(self, caller: str, *, international: bool) -> tuple[CheckAnswer, str | None]:
        """A call's caller, with the leg it came in on: (the answer, the brand whose official number it
        presents from abroad, or None). An official number arriving on the international trunk is a
        spoofed caller ID: blocked for this call, never listed."""
        answer = await self.check(IndicatorType.PHONE, caller)
        if not international or answer.listed:
            return answer, None
        brand = self.assessor.detector.protected_phone(answer.value)
        if brand is None:
            return answer, None
        spoofed = _make_answer(
            type=answer.type,
            value=answer.value,
            listed=False,
            verdict=Verdict.BLOCK.value,
            score=100,
            categories=("spoofed_call",),
            reasons=(f"an official number of {brand.name} presented on the international trunk",),
            display=answer.display,
        )
        return spoofed, brand.name

    async def _answer(self, norm: NormalizedIndicator) -> CheckAnswer:
        key = norm.key
        protected = self.assessor.protected(key)
        known = self.read_model.get(key)
        if known is None and protected is None and norm.phone is not None:
            in_range = self.read_model.listed_range(key.value)
            if in_range is not None:
                prefix, known_range = in_range
                range_category = known_range.category.value if known_range.category else "other"
                return _make_answer(
                    type=key.type.value,
                    value=key.value,
                    listed=True,
                    verdict=Verdict.BLOCK.value,
                    score=100 if known_range.origin is DecisionOrigin.ANALYST else known_range.score,
                    categories=(range_category,),
                    reasons=(f"in the listed number range {prefix} ({range_category})",),
                    display=norm.display,
                )
        if protected is not None or known is None:
            assessment = self.assessor.assess(norm)
            verdict = Verdict.ALLOW if protected is not None else assessment.verdict
            reasons = (f"{key.value} is {protected}",) if protected is not None else tuple(assessment.reasons)
            category = assessment.category.value if assessment.category and protected is None else None
            return _make_answer(
                type=key.type.value,
                value=key.value,
                listed=False,
                verdict=verdict.value,
                score=0 if protected is not None else assessment.score,
                categories=(category,) if category else (),
                reasons=reasons,
                display=norm.display,
            )
        if known.listed:
            # answered from the read model alone: a gateway asking about a listed number needs no I/O;
            # the signals behind a listing are on GET /v1/indicators for the analysts
            category = known.category.value if known.category else "other"
            who = "an analyst" if known.origin is DecisionOrigin.ANALYST else "the center's policy"
            return _make_answer(
                type=key.type.value,
                value=key.value,
                listed=True,
                verdict=Verdict.BLOCK.value,
                score=100 if known.origin is DecisionOrigin.ANALYST else known.score,
                categories=(category,),
                reasons=(f"listed as {category} by {who}",),
                display=norm.display,
            )
        record = await self.repository.get_one(key)
        if record is None:  # gone from the store since the read model heard of it: assess afresh
            self.read_model.apply(_absent(key), 1 << 62)
            return await self._answer(norm)
        return _make_answer(
            type=key.type.value,
            value=key.value,
            listed=False,
            verdict=Verdict.REVIEW.value,
            score=record.score,
            categories=(record.category.value,) if record.category else tuple(sorted(record.categories)),
            reasons=reasons_of(record.signals_json),
            display=record.display,
        )


def _absent(key: IndicatorKey) -> Projection:
    return Projection(key, ListingState.CANDIDATE, None, 0, disputed=False, origin=None)
