"""Time in the domain: integer milliseconds since the Unix epoch (UTC).

Integers compare exactly in SQL on SQLite and PostgreSQL alike, which the compare-and-set
transitions rely on; the edge formats them as ISO-8601 with a ``Z``.
"""

from __future__ import annotations

import time
from collections.abc import Callable

Millis = int
Clock = Callable[[], Millis]

SECOND: Millis = 1000


def system_clock() -> Millis:
    return time.time_ns() // 1_000_000


class AdjustableClock:
    """The system clock plus an offset that only moves forward when told to: lets tests and
    demos jump past an expiry while time keeps flowing for everything else."""

    def __init__(self) -> None:
        self.offset: Millis = 0

    def __call__(self) -> Millis:
        return system_clock() + self.offset

    def advance(self, millis: Millis) -> None:
        if millis < 0:
            raise ValueError("a clock only moves forward")
        self.offset += millis
