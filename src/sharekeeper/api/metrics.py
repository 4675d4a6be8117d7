"""Prometheus metrics of this process, in the text exposition format: requests by operation and
status, latency histograms by operation, and invitations by status (read at scrape time)."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from itertools import accumulate

BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """Updated from the event loop only, so it needs no lock."""

    def __init__(self) -> None:
        self.requests: dict[tuple[str, int], int] = defaultdict(int)
        self.buckets: dict[str, list[int]] = {}
        self.sums: dict[str, float] = defaultdict(float)

    def observe(self, operation: str, status: int, seconds: float) -> None:
        self.requests[(operation, status)] += 1
        # Each request counted in its own bucket alone (the last: past every bound), and the
        # counts summed up into Prometheus's cumulative ones when scraped: one increment a
        # request, not one per bucket it falls within.
        counts = self.buckets.get(operation)
        if counts is None:
            counts = self.buckets[operation] = [0] * (len(BUCKETS) + 1)
        counts[bisect_left(BUCKETS, seconds)] += 1
        self.sums[operation] += seconds

    def clear(self) -> None:
        """Back to no request counted, as at start-up."""
        self.requests.clear()
        self.buckets.clear()
        self.sums.clear()

    def render(self, invitations: dict[str, int]) -> str:
        lines = [
            "# HELP sharekeeper_requests_total Requests answered, by operation and HTTP status.",
            "# TYPE sharekeeper_requests_total counter",
        ]
        for (operation, status), count in sorted(self.requests.items()):
            lines.append(
                f'sharekeeper_requests_total{{operation="{operation}",status="{status}"}} {count}'
            )
        lines += [
            "# HELP sharekeeper_request_duration_seconds Time to answer, by operation.",
            "# TYPE sharekeeper_request_duration_seconds histogram",
        ]
        for operation, own in sorted(self.buckets.items()):
            name = "sharekeeper_request_duration_seconds"
            counts = list(accumulate(own))
            for bound, count in zip(BUCKETS, counts, strict=False):
                lines.append(f'{name}_bucket{{operation="{operation}",le="{bound}"}} {count}')
            lines.append(f'{name}_bucket{{operation="{operation}",le="+Inf"}} {counts[-1]}')
            lines.append(f'{name}_sum{{operation="{operation}"}} {self.sums[operation]}')
            lines.append(f'{name}_count{{operation="{operation}"}} {counts[-1]}')
        lines += [
            "# HELP sharekeeper_invitations Invitations in the database, by status.",
            "# TYPE sharekeeper_invitations gauge",
        ]
        for state, number in sorted(invitations.items()):
            lines.append(f'sharekeeper_invitations{{status="{state}"}} {number}')
        return "\n".join(lines) + "\n"
