"""Retry decisions: exponential backoff with jitter, parking after too many attempts.

Pure: the caller passes the time and a uniform random number in [0, 1), so every decision is
reproducible in tests.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from antifraud.domain.errors import ConfigError
from antifraud.jobs.model import clip_reason


@dataclass(frozen=True, slots=True)
class Retry:
    at: datetime
    delay_seconds: float
    reason: str


@dataclass(frozen=True, slots=True)
class Park:
    reason: str


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Delay before attempt n+1 is base * factor**(n-1), capped, then spread by +/- `jitter`.

    Jitter keeps jobs that failed together (a feed outage, a resolver restart) from retrying in
    lockstep and failing together again.
    """

    base_delay_seconds: float = 30.0
    factor: float = 2.0
    max_delay_seconds: float = 6 * 3600.0
    jitter: float = 0.25
    max_attempts: int = 5

    def __post_init__(self) -> None:
        if self.base_delay_seconds <= 0:
            raise ConfigError(f"retry base delay must be positive, not {self.base_delay_seconds}")
        if self.factor < 1:
            raise ConfigError(f"retry factor must be at least 1, not {self.factor}")
        if self.max_delay_seconds < self.base_delay_seconds:
            raise ConfigError(
                f"retry max delay ({self.max_delay_seconds}s) is below the base delay ({self.base_delay_seconds}s)"
            )
        if not 0 <= self.jitter < 1:
            raise ConfigError(f"retry jitter is a fraction in [0, 1), not {self.jitter}")
        if self.max_attempts < 1:
            raise ConfigError(f"max attempts must be at least 1, not {self.max_attempts}")

    def delay(self, attempts: int, rand: float) -> float:
        """Seconds to wait after the `attempts`-th failed run; `rand` is uniform in [0, 1)."""
        if attempts < 1:
            raise ValueError(f"attempts counts runs started, at least 1, not {attempts}")
        if not 0 <= rand < 1:
            raise ValueError(f"rand must be in [0, 1), not {rand}")
        # Exponent capped before the power: 2**1000 would overflow a float long after the cap applies.
        exponent = min(attempts - 1, 64)
        raw = min(self.max_delay_seconds, self.base_delay_seconds * self.factor**exponent)
        return raw * (1 - self.jitter + 2 * self.jitter * rand)


def decide_failure(
    policy: RetryPolicy,
    *,
    attempts: int,
    max_attempts: int,
    reason: str,
    now: datetime,
    rand: float,
    permanent: bool = False,
) -> Retry | Park:
    """What happens to a job whose run number `attempts` failed with `reason`."""
    reason = clip_reason(reason)
    if permanent:
        return Park(clip_reason(f"failed permanently on attempt {attempts}: {reason}"))
    if attempts >= max_attempts:
        return Park(clip_reason(f"failed {attempts} times (the limit is {max_attempts}); last error: {reason}"))
    delay = policy.delay(attempts, rand)
    return Retry(at=now + timedelta(seconds=delay), delay_seconds=delay, reason=reason)


def lost_lease_reason(attempts: int, last_error: str | None) -> str:
    """Why a job whose worker keeps dying is parked instead of being handed to the next victim."""
    tail = f"; earlier error: {last_error}" if last_error else ""
    return clip_reason(
        f"its worker was lost (lease expired without renewal) on each of {attempts} attempts; "
        f"the job may crash or hang its handler{tail}"
    )
