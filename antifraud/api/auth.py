"""Authentication (API keys), scope checks and per-key rate limits."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from antifraud.ports import ApiKeyRecord, Store
from antifraud.services.keys import split_key, verify

NEGATIVE_TTL = 10.0  # seconds an unknown key id stays known-unknown, so bad keys cannot hammer the store
POSITIVE_TTL = 30.0  # seconds before a cached key is re-read (revocations take effect within this)


@dataclass(slots=True)
class _Cached:
    record: ApiKeyRecord | None
    until: float


class KeyCache:
    def __init__(self, store: Store) -> None:
        self.store = store
        self._cache: dict[str, _Cached] = {}

    async def authenticate(self, presented: str) -> ApiKeyRecord | None:
        parts = split_key(presented.strip())
        if parts is None:
            return None
        key_id, secret = parts
        now = time.monotonic()
        cached = self._cache.get(key_id)
        if cached is None or cached.until < now:
            record = await self.store.find_key(key_id)
            cached = _Cached(record, now + (POSITIVE_TTL if record else NEGATIVE_TTL))
            if len(self._cache) > 100_000:
                self._cache.clear()
            self._cache[key_id] = cached
        if cached.record is None or not verify(cached.record, secret):
            return None
        return cached.record

    def forget(self, key_id: str) -> None:
        self._cache.pop(key_id, None)


def has_scope(record: ApiKeyRecord, required: frozenset[str]) -> bool:
    """`admin` implies every scope; otherwise any one of the required scopes suffices."""
    return "admin" in record.scopes or bool(record.scopes & required)


@dataclass(slots=True)
class _Bucket:
    tokens: float
    updated: float


@dataclass(slots=True)
class RateLimiter:
    """A token bucket per key: `rate` requests per second sustained, `burst` at once."""

    rate: float
    burst: int
    _buckets: dict[str, _Bucket] = field(default_factory=dict)

    def take(self, who: str, now: float | None = None) -> float:
        """Take one token; return 0 when allowed, else the seconds until a token is available."""
        t = time.monotonic() if now is None else now
        bucket = self._buckets.get(who)
        if bucket is None:
            bucket = self._buckets[who] = _Bucket(float(self.burst), t)
        bucket.tokens = min(float(self.burst), bucket.tokens + (t - bucket.updated) * self.rate)
        bucket.updated = t
        if bucket.tokens >= 1.0:
            bucket.tokens -= 1.0
            return 0.0
        return (1.0 - bucket.tokens) / self.rate if self.rate > 0 else 60.0
