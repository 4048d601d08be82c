"""`antifraud score`: offline assessment of a stream of names or numbers, one JSON object per line.

Contract (DESIGN.md): `{"value", "normalized", "verdict", "score", "signals": [{"name", "weight",
"detail"}]}` per non-blank input line, in input order (domains, URLs by their host, phone numbers and
wallets; the type given with --type or guessed per line); an invalid line yields `"verdict": "none"`,
`"score": 0` and an `"error"` saying what was wrong, and the stream goes on. No database, no network.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Literal, TextIO

from antifraud.detection import Detector
from antifraud.domain.errors import InvalidIndicator
from antifraud.domain.guess import guess_kind
from antifraud.domain.model import Assessment
from antifraud.domain.normalize import SuffixList, normalize_domain, normalize_phone
from antifraud.domain.wallets import normalize_wallet

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


def _score_one(value: str, kind: str, detector: Detector, suffixes: SuffixList) -> str:
    if kind == "phone":
        phone = normalize_phone(value)
        return format_line(value, phone.e164, detector.assess_phone(phone))
    if kind == "wallet":
        wallet = normalize_wallet(value)
        return format_line(value, wallet.value, detector.assess_wallet(wallet))
    name = normalize_domain(value, suffixes)  # a URL is scored by its host name
    return format_line(value, name.ascii, detector.assess_domain(name))


def run_score(
    lines: Iterable[str],
    out: TextIO,
    detector: Detector,
    suffixes: SuffixList,
    kind: Literal["domain", "phone", "wallet"] | None = None,
) -> int:
    """Score every non-blank line (lines starting with '#' are comments) and write one JSON line each.

    `kind` None guesses each line's type as `antifraud check` does (antifraud.domain.guess); a URL is
    scored by its host. Returns EXIT_OK when every line was scored, EXIT_SOME_INVALID when some were
    invalid (each of them still has its line, with the error).
    """
    if kind not in {None, "domain", "phone", "wallet"}:
        raise ValueError(f"kind must be 'domain', 'phone', 'wallet' or None (guess), not {kind!r}")
    invalid = 0
    write = out.write
    for raw in lines:
        value = raw.strip()
        if not value or value.startswith("#"):
            continue
        try:
            line = _score_one(value, kind or guess_kind(value), detector, suffixes)
        except InvalidIndicator as exc:
            invalid += 1
            line = format_error(value, exc.message)
        write(line + "\n")
    return EXIT_SOME_INVALID if invalid else EXIT_OK
