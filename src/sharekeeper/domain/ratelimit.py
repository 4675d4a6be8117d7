"""A token bucket per account: ``rate`` requests a second on average, bursts up to ``burst``."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable

from sharekeeper.domain.errors import TooManyRequests


class RateLimiter:
    def __init__(self, rate: float, burst: int, now: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.burst = max(1, burst)
        self._now = now
        self._buckets: dict[str, tuple[float, float]] = {}  # account -> (tokens, last time)
        self._lock = threading.Lock()

    def check(self, key: str) -> None:
        """Raises TooManyRequests when ``key``'s bucket is empty, spending nothing (what only
        failures spend, such as failed sign-ins, is checked before each attempt)."""
        with self._lock:
            tokens = self._refilled(key, self._now())
        if tokens < 1:
            raise TooManyRequests(key, max(1, math.ceil((1 - tokens) / self.rate)))

    def take(self, account_id: str) -> None:
        """Spends one token of the account's bucket, or raises TooManyRequests."""
        now = self._now()
        with self._lock:
            tokens = self._refilled(account_id, now)
            if tokens < 1:
                self._buckets[account_id] = (tokens, now)
                raise TooManyRequests(account_id, max(1, math.ceil((1 - tokens) / self.rate)))
            self._buckets[account_id] = (tokens - 1, now)

    def _refilled(self, key: str, now: float) -> float:
        """The tokens in ``key``'s bucket at ``now`` (the caller holds the lock)."""
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - last) * self.rate)
