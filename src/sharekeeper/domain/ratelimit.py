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

    def take(self, account_id: str) -> None:
        """Spends one token of the account's bucket, or raises TooManyRequests."""
        now = self._now()
        with self._lock:
            tokens, last = self._buckets.get(account_id, (float(self.burst), now))
            tokens = min(float(self.burst), tokens + (now - last) * self.rate)
            if tokens < 1:
                self._buckets[account_id] = (tokens, now)
                raise TooManyRequests(account_id, max(1, math.ceil((1 - tokens) / self.rate)))
            self._buckets[account_id] = (tokens - 1, now)
