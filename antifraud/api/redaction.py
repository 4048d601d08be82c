"""No API key reaches a log: keys and `/v1/pull/<key>/` path segments are redacted from every record.

Resolvers that cannot send headers put their pull key in the path (`/v1/pull/<key>/domains.rpz`),
and when such a request line is malformed aiohttp logs it at ERROR, key and all, inside the
exception text. Any other log line may quote a key too (an exception message, a header in a
debug line). Redaction happens where each record is made: `install_log_redaction` wraps the
logging module's record factory, so every record of every logger is cleaned before any handler,
filter or formatter sees it, including handlers added later. The root logger's handlers also get
a `RedactingFilter`, in case something replaces the record factory afterwards.

A key is `af_<key id>_<secret>` (antifraud.services.keys); the key id is kept, it names the key
without granting anything, so a log still says whose key it was.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable
from typing import Any

REDACTED = "[REDACTED]"

# The secret is 43 characters of token_urlsafe; 8 or more is enough to catch mangled and truncated ones.
_API_KEY = re.compile(r"af_([0-9A-Za-z]{1,64})_[A-Za-z0-9_-]{8,}")
# Whatever sits in the key's place in a pull path, key-shaped or not, percent-encoded or not.
_PULL_SEGMENT = re.compile(r"(/v1/+pull(?:/+|%2F))[^/\s?#\"']+", re.IGNORECASE)
_STANDARD_ATTRIBUTES = frozenset(vars(logging.LogRecord("", 0, "", 0, "", (), None))) | {"message", "asctime"}
_FORMATTER = logging.Formatter()


def redact(text: str) -> str:
    """`text` with API keys and pull-path keys replaced by a marker."""
    if "af_" not in text and "pull" not in text.lower():
        return text  # the common case costs two scans, not two regular expressions
    text = _PULL_SEGMENT.sub(rf"\1{REDACTED}", text)
    return _API_KEY.sub(rf"af_\1_{REDACTED}", text)


def _redact_value(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


def redact_record(record: logging.LogRecord) -> None:
    """Clean a record in place: its message (with its arguments), exception and stack text, and extras."""
    try:
        message = record.getMessage()
    except Exception:  # noqa: BLE001 - a record whose arguments do not fit its format: logging reports it later
        record.msg = _redact_value(record.msg)
        if isinstance(record.args, tuple):
            record.args = tuple(_redact_value(a) for a in record.args)
    else:
        record.msg, record.args = redact(message), None
    if record.exc_info:
        # Rendered now and the live exception dropped: no formatter can render the unredacted text later.
        record.exc_text = redact(record.exc_text or _FORMATTER.formatException(record.exc_info))
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = redact(record.exc_text)
    if record.stack_info:
        record.stack_info = redact(record.stack_info)
    for name, value in list(vars(record).items()):
        if name not in _STANDARD_ATTRIBUTES and isinstance(value, str):
            setattr(record, name, redact(value))


class RedactingFilter(logging.Filter):
    """A handler or logger filter that redacts each record it sees and lets it through."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact_record(record)
        return True


def install_log_redaction() -> Callable[[], None]:
    """Redact every log record from now on. Idempotent; returns a function that undoes it (for tests)."""
    guard = RedactingFilter()
    guarded = [h for h in logging.getLogger().handlers if not any(isinstance(f, RedactingFilter) for f in h.filters)]
    for handler in guarded:
        handler.addFilter(guard)
    previous = logging.getLogRecordFactory()
    factory: Callable[..., logging.LogRecord] | None = None
    if not getattr(previous, "antifraud_redacting", False):

        def factory(*args: Any, **kwargs: Any) -> logging.LogRecord:
            record = previous(*args, **kwargs)
            redact_record(record)
            return record

        factory.antifraud_redacting = True  # type: ignore[attr-defined]
        logging.setLogRecordFactory(factory)

    def undo() -> None:
        if factory is not None and logging.getLogRecordFactory() is factory:
            logging.setLogRecordFactory(previous)
        for handler in guarded:
            handler.removeFilter(guard)

    return undo
