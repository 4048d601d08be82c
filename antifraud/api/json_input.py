"""Request bodies as JSON, read so that no body can crash or stall the server.

`json.loads` alone is not safe on a public API: it recurses once per nesting level (1,000 levels
raise RecursionError, far more can overflow the C stack), hands 100,000-digit numbers to `int()`
(ValueError past Python's digit limit, quadratic time below it), turns `1e999` into infinity,
accepts NaN and Infinity (not JSON) and lets `"\\ud800"` through as a lone surrogate that later
breaks every UTF-8 encoder. Each of these is refused here with an InvalidInput (400) that says
what was wrong; depth and number length are measured by linear scans *before* anything recurses.

Every check runs at C speed (`bytes.count`, `translate`, `replace`, regular expressions): the
common body costs two counts and a search, and the worst 2 MiB body costs less than parsing it.
"""

from __future__ import annotations

import json
import re
from functools import lru_cache
from typing import NoReturn

from antifraud.domain.errors import InvalidInput

MAX_DEPTH = 32  # our deepest body is {"reports": [{...}]}: 2 levels
MAX_DIGITS = 40  # the largest number we take (10**13 hits) has 14 digits

# A JSON string, or an unterminated one running to the end. Possessive quantifiers never backtrack,
# and every '"' the scan meets starts a match, so the scan is linear whatever the body holds.
_STRING = re.compile(rb'"[^"\\]*+(?:\\.[^"\\]*+)*+(?:"|\\?\Z)', re.DOTALL)
_AS_PARENTHESES = bytes.maketrans(b"[{]}", b"(())")
_NOT_BRACKETS = bytes(b for b in range(256) if b not in b"[]{}")
_EXPONENT = re.compile(rb"[0-9][eE]")  # only a number with an exponent can overflow to infinity
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")  # only a \u escape can make a lone surrogate


def _refuse(message: str) -> NoReturn:
    raise InvalidInput(message, field="body")


@lru_cache(maxsize=4)
def _digit_run_over(limit: int) -> re.Pattern[bytes]:
    return re.compile(rb"[0-9]{%d,}" % (limit + 1))


def _check_depth(structure: bytes, limit: int) -> None:
    """Refuse nesting deeper than `limit` (`structure` is the body with its strings emptied).

    Each pass deletes every innermost pair, which lowers every peak of the nesting by one level, so
    after `limit` passes an opening bracket is left exactly when some peak stood higher than `limit`.
    Closing brackets are appended so that unclosed ones (a truncated or hostile body) count too.
    """
    brackets = structure.translate(_AS_PARENTHESES, _NOT_BRACKETS)
    if b"(" * (limit + 1) in brackets:
        _refuse(f"the body nests arrays and objects more than {limit} levels deep")
    brackets += b")" * (limit + 1)
    for _ in range(limit):
        shaved = brackets.replace(b"()", b"")
        if len(shaved) == len(brackets):
            break
        brackets = shaved
    if b"(" in brackets:
        _refuse(f"the body nests arrays and objects more than {limit} levels deep")


def _check_numbers(structure: bytes, limit: int) -> None:
    longest = max((len(run) for run in _digit_run_over(limit).findall(structure)), default=0)
    if longest:
        _refuse(f"a number in the body has {longest} digits; at most {limit} are accepted")


def _refuse_constant(name: str) -> NoReturn:
    _refuse(f"{name} is not a JSON value; send numbers as finite decimals")


def _check_encodable(value: object) -> None:
    try:
        json.dumps(value, ensure_ascii=False, allow_nan=False).encode("utf-8")
    except UnicodeEncodeError:
        _refuse(r"the body has a \u escape of a lone UTF-16 surrogate, which is not a character")
    except ValueError:
        _refuse("a number in the body is out of range (it overflows to infinity)")


def parse_json_body(raw: bytes, *, max_depth: int = MAX_DEPTH, max_digits: int = MAX_DIGITS) -> object:
    """Parse a request body as JSON (RFC 8259: UTF-8, finite numbers). Raises InvalidInput(field="body")."""
    if not raw.strip():
        _refuse("the request needs a JSON body")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        _refuse(f"the body is not valid UTF-8 (byte {exc.start}: {exc.reason})")
    if text.startswith("\ufeff"):
        _refuse("the body starts with a byte order mark; send UTF-8 JSON without one")
    # Brackets, digits and exponents inside strings only make a body look suspicious, never pass it.
    suspicious = (
        raw.count(b"[") + raw.count(b"{") > max_depth
        or _digit_run_over(max_digits).search(raw) is not None
        or _EXPONENT.search(raw) is not None
    )
    structure = _STRING.sub(b'""', raw) if suspicious else b""
    if suspicious:
        _check_depth(structure, max_depth)
        _check_numbers(structure, max_digits)
    try:
        value: object = json.loads(text, parse_constant=_refuse_constant)
    except json.JSONDecodeError as exc:
        _refuse(f"the body is not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})")
    except RecursionError:  # ruled out by the depth scan; kept so that no later change can make it a 500
        _refuse("the body nests arrays and objects too deeply")
    if _EXPONENT.search(structure) or _SURROGATE_ESCAPE.search(raw):
        _check_encodable(value)
    return value
