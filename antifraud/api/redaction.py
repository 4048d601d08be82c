"""Secrets never reach the logs: API keys and the key segment of pull URLs are redacted from every
log record, whoever logs it (aiohttp logs a malformed request line whole, at ERROR)."""

from __future__ import annotations

import logging
import re

_KEY = re.compile(r"af_[0-9a-f]{4,32}_[A-Za-z0-9\-]{8,}")
_PULL = re.compile(r"(/v1/pull/)[^/\s\"']+")


def redact(text: str) -> str:
    return _PULL.sub(r"\1[redacted]", _KEY.sub("af_[redacted]", text))


class Redact(logging.Filter):
    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        clean = redact(message)
        if record.exc_info and record.exc_info[1] is not None:
            record.exc_text = redact(logging.Formatter().formatException(record.exc_info))
            record.exc_info = None
        if clean != message:
            record.msg, record.args = clean, None
        return True


def install_redaction() -> None:
    """Put the filter on every handler of the root logger (filters on loggers miss their children)."""
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, Redact) for f in handler.filters):
            handler.addFilter(Redact())
