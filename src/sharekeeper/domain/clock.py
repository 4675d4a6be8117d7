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
HOUR: Millis = 3600 * SECOND
DAY: Millis = 24 * HOUR


def system_clock() -> Millis:
    return time.time_ns() // 1_000_000


class ManualClock:
    """A clock that moves only when told to: for tests and for replaying scenarios."""

    def __init__(self, start: Millis | None = None) -> None:
        self.now: Millis = system_clock() if start is None else start

    def __call__(self) -> Millis:
        return self.now

    def advance(self, millis: Millis) -> None:
        self.now += millis
