"""`antifraud score`: offline assessment of a stream of names or numbers, one JSON object per line."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal, TextIO

from antifraud.detection import Detector
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import Assessment
from antifraud.domain.normalize import SuffixList, normalize_domain, normalize_phone

_dumps = json.JSONEncoder(ensure_ascii=False).encode


def _line(value: str, normalized: str, assessment: Assessment) -> str:
    if not assessment.signals:  # most of a feed: skip building nested objects
        return (
            f'{{"value": {_dumps(value)}, "normalized": {_dumps(normalized)}, '
            f'"verdict": "{assessment.verdict.value}", "score": {assessment.score}, "signals": []}}'
        )
    return json.dumps(
        {
            "value": value,
            "normalized": normalized,
            "verdict": assessment.verdict.value,
            "score": assessment.score,
            "signals": [{"name": s.name, "weight": s.weight, "detail": s.detail} for s in assessment.signals],
        },
        ensure_ascii=False,
    )


def run_score(
    lines: Iterable[str],
    out: TextIO,
    detector: Detector,
    suffixes: SuffixList,
    kind: Literal["domain", "phone"] = "domain",
) -> int:
    """Score every non-blank line; an invalid line yields an object with an `error`, never stops the stream.

    Returns 0 when every line was scored, 1 when some lines were invalid.
    """
    invalid = 0
    write = out.write
    for raw in lines:
        value = raw.strip()
        if not value or value.startswith("#"):
            continue
        try:
            if kind == "phone":
                phone = normalize_phone(value)
                write(_line(value, phone.e164, detector.assess_phone(phone)) + "\n")
            else:
                name = normalize_domain(value, suffixes)
                write(_line(value, name.ascii, detector.assess_domain(name)) + "\n")
        except InvalidIndicator as exc:
            invalid += 1
            error: dict[str, object] = {
                "value": value,
                "normalized": "",
                "verdict": "none",
                "score": 0,
                "signals": [],
                "error": exc.message,
            }
            write(json.dumps(error, ensure_ascii=False) + "\n")
    return 1 if invalid else 0
