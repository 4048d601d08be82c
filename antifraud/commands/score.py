"""`antifraud score`: offline assessment of a stream of names or numbers, one JSON object per line.

Contract (DESIGN.md): `{"value", "normalized", "verdict", "score", "signals": [{"name", "weight",
"detail"}]}` per non-blank input line, in input order; an invalid line yields `"verdict": "none"`,
`"score": 0` and an `"error"` saying what was wrong, and the stream goes on. No database, no network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal, TextIO

from antifraud.detection import Detector
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.model import Assessment
from antifraud.domain.normalize import SuffixList, normalize_domain, normalize_phone

EXIT_OK = 0
EXIT_SOME_INVALID = 1

# json.dumps of each string is exact and escapes what must be escaped; the fixed keys need no encoder.
_encode = json.JSONEncoder(ensure_ascii=False).encode


def format_line(value: str, normalized: str, assessment: Assessment) -> str:
    """One output line (without the newline), keys in the contract's order."""
    signals = ""
    if assessment.signals:  # most names of a feed have none
        signals = ", ".join(
            f'{{"name": {_encode(s.name)}, "weight": {s.weight}, "detail": {_encode(s.detail)}}}'
            for s in assessment.signals
        )
    return (
        f'{{"value": {_encode(value)}, "normalized": {_encode(normalized)}, '
        f'"verdict": "{assessment.verdict.value}", "score": {assessment.score}, "signals": [{signals}]}}'
    )


def format_error(value: str, message: str) -> str:
    return (
        f'{{"value": {_encode(value)}, "normalized": "", "verdict": "none", "score": 0, "signals": [], '
        f'"error": {_encode(message)}}}'
    )


def run_score(
    lines: Iterable[str],
    out: TextIO,
    detector: Detector,
    suffixes: SuffixList,
    kind: Literal["domain", "phone"] = "domain",
) -> int:
    """Score every non-blank line (lines starting with '#' are comments) and write one JSON line each.

    Returns EXIT_OK when every line was scored, EXIT_SOME_INVALID when some were invalid (each of them
    still has its line, with the error).
    """
    if kind not in {"domain", "phone"}:
        raise ValueError(f"kind must be 'domain' or 'phone', not {kind!r}")
    invalid = 0
    write = out.write
    for raw in lines:
        value = raw.strip()
        if not value or value.startswith("#"):
            continue
        try:
            if kind == "phone":
                phone = normalize_phone(value)
                line = format_line(value, phone.e164, detector.assess_phone(phone))
            else:
                name = normalize_domain(value, suffixes)
                line = format_line(value, name.ascii, detector.assess_domain(name))
        except InvalidIndicator as exc:
            invalid += 1
            line = format_error(value, exc.message)
        write(line + "\n")
    return EXIT_SOME_INVALID if invalid else EXIT_OK
