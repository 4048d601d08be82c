"""Errors of the core. Each says what was wrong; only the HTTP layer maps them to status codes."""

from __future__ import annotations


class AntifraudError(Exception):
    """Base of every error this package raises on purpose."""

    code = "error"

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(AntifraudError):  # noqa: N818 - it names the condition, as dns.exception does
    """A value sent by a user is not acceptable; `field` names which one."""

    code = "invalid"


class InvalidIndicator(InvalidInput):
    """A domain, URL or phone number that cannot be normalized."""

    code = "invalid_indicator"


class NotFound(AntifraudError):  # noqa: N818
    code = "not_found"


class Conflict(AntifraudError):  # noqa: N818
    code = "conflict"


class PolicyViolation(AntifraudError):  # noqa: N818
    """An action the policy forbids, such as listing an allowlisted indicator."""

    code = "policy"


class ConfigError(AntifraudError):
    """Configuration (settings, brands, lexicons) is invalid; raised at start, never later."""

    code = "config"


class WriteConflict(AntifraudError):  # noqa: N818
    """Another writer changed these indicators since they were read (their row version moved on).
    Use-cases reload them, re-run the policy and try again; a caller never sees it unless that fails
    repeatedly."""

    code = "write_conflict"

    def __init__(self, message: str, keys: frozenset[object]) -> None:
        super().__init__(message)
        self.keys = keys


class StoreUnavailable(AntifraudError):  # noqa: N818
    """The store cannot be written or read right now (locked by another process, disk full, restarted
    database): the API answers 503 with Retry-After; nothing was half-written."""

    code = "store_unavailable"


class IdempotencyTaken(WriteConflict):
    """Another request stored the same Idempotency-Key first: replay its answer instead."""

    code = "idempotency_taken"
