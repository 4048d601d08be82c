"""Login throttling: failed logins per user name and per client address in a sliding window.

Kept in memory, per process: a guesser is slowed to a few tries per window per name on each node, and
a success clears the name. (A lockout kept in the store would let anyone lock every analyst out by
failing on purpose; here the window simply slides.)
"""

from __future__ import annotations

from collections import deque
from datetime import datetime, timedelta

MAX_TRACKED = 50_000  # names and addresses remembered at once: a flood of new ones cannot exhaust memory


class LoginThrottle:
    def __init__(self, failures: int, window: timedelta, per_address_factor: int = 4) -> None:
        self.failures = max(1, failures)
        self.window = window
        self.per_address = self.failures * per_address_factor
        self._failed: dict[str, deque[datetime]] = {}

    def _recent(self, key: str, now: datetime) -> deque[datetime]:
        times = self._failed.get(key)
        if times is None:
            return deque()
        while times and times[0] <= now - self.window:
            times.popleft()
        if not times:
            del self._failed[key]
        return times

    def retry_after(self, username: str, address: str, now: datetime) -> float:
        """Seconds until another attempt is allowed (0: now)."""
        wait = 0.0
        for key, allowed in ((f"user:{username.casefold()}", self.failures), (f"addr:{address}", self.per_address)):
            times = self._recent(key, now)
            if len(times) >= allowed:
                wait = max(wait, (times[len(times) - allowed] + self.window - now).total_seconds())
        return wait

    def failed(self, username: str, address: str, now: datetime) -> None:
        if len(self._failed) >= MAX_TRACKED:
            for key in list(self._failed):
                self._recent(key, now)  # drop what the window left behind
            while len(self._failed) >= MAX_TRACKED:
                del self._failed[next(iter(self._failed))]
        for key in (f"user:{username.casefold()}", f"addr:{address}"):
            self._failed.setdefault(key, deque()).append(now)

    def succeeded(self, username: str) -> None:
        self._failed.pop(f"user:{username.casefold()}", None)
