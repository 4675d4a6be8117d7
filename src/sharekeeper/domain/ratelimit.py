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

    # Keys that come from callers (source addresses) must not grow memory without end.
    MAX_BUCKETS = 100_000

    def take(self, account_id: str) -> None:
        """Spends one token of the account's bucket, or raises TooManyRequests."""
        now = self._now()
        with self._lock:
            tokens = self._refilled(account_id, now)
            if len(self._buckets) >= self.MAX_BUCKETS and account_id not in self._buckets:
                self._make_room(now)
            if tokens < 1:
                self._buckets[account_id] = (tokens, now)
                raise TooManyRequests(account_id, max(1, math.ceil((1 - tokens) / self.rate)))
            self._buckets[account_id] = (tokens - 1, now)

    def _refilled(self, key: str, now: float) -> float:
        """The tokens in ``key``'s bucket at ``now`` (the caller holds the lock)."""
        tokens, last = self._buckets.get(key, (float(self.burst), now))
        return min(float(self.burst), tokens + (now - last) * self.rate)

    def give_back(self, key: str) -> None:
        """Returns the token a ``take`` spent: what only failures should spend (a sign-in) is
        taken before the attempt, so attempts at once cannot outrun it, and given back when
        the attempt succeeds."""
        now = self._now()
        with self._lock:
            tokens = self._refilled(key, now)
            self._buckets[key] = (min(float(self.burst), tokens + 1), now)

    def _make_room(self, now: float) -> None:
        """Drops the full buckets (a new bucket holds as much); if too few are full, the tenth
        that has been there longest, so the cost of each drop is spread over many takes."""
        full = [k for k in self._buckets if self._refilled(k, now) >= self.burst]
        if len(full) < self.MAX_BUCKETS // 10:
            full = list(self._buckets)[: self.MAX_BUCKETS // 10]
        for key in full:
            del self._buckets[key]
