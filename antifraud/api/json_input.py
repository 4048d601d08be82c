"""Reading a JSON request body safely: hostile bytes get a 400 that says what was wrong, never a 500.

Python's json module recurses once per nesting level (1,000 levels raised RecursionError, a 500) and
turns a 100,000-digit number into int() work that raises ValueError (another 500). The depth is
measured first, in one linear pass that never recurses; numbers and constants are parsed by hooks
that refuse what no request of ours contains.
"""

from __future__ import annotations

import json
import re
from typing import Any

from antifraud.domain.errors import InvalidInput

MAX_DEPTH = 32
MAX_NUMBER_LENGTH = 40  # digits and signs of any number a request may carry (counts, versions, scores)
_STRINGS = re.compile(rb'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _depth(raw: bytes) -> int:
    """The deepest nesting of arrays and objects, ignoring brackets inside strings."""
    stripped = _STRINGS.sub(b'""', raw)
    depth = deepest = 0
    for byte in stripped.translate(
        None, b'" \t\r\n,:0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ.+-'
    ):
        if byte in b"[{":
            depth += 1
            deepest = max(deepest, depth)
        elif byte in b"]}":
            depth -= 1
    return deepest


def _number(text: str) -> Any:
    if len(text) > MAX_NUMBER_LENGTH:
        raise InvalidInput(
            f"the body holds a number {len(text)} characters long; numbers here are at most {MAX_NUMBER_LENGTH}",
            field="body",
        )
    return float(text) if any(c in text for c in ".eE") else int(text)


def _constant(name: str) -> Any:
    raise InvalidInput(f"the body holds {name}, which is not JSON", field="body")


def parse_json_body(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"the body is not UTF-8: {exc.reason} at byte {exc.start}", field="body") from None
    depth = _depth(raw)
    if depth > MAX_DEPTH:
        raise InvalidInput(f"the body is nested {depth} levels deep; at most {MAX_DEPTH} are accepted", field="body")
    try:
        return json.loads(text, parse_int=_number, parse_float=_number, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise InvalidInput(f"the body is not valid JSON: {exc}", field="body") from None
    except RecursionError:  # pragma: no cover - the depth check comes first
        raise InvalidInput("the body is nested too deeply", field="body") from None
