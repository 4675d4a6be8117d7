"""The rules that keep bench/run.py's figures honest, apart from the machinery that measures them:
which runs are refused, how rounds become a figure and a ratio, and how runs that consume their
input (accepts, creates) get input nobody was given before. Standard library only, so that the
rules are tested without servers (tests/unit/test_bench_judge.py)."""

from __future__ import annotations

import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Generic, TypeVar

T = TypeVar("T")

# A consuming run is handed MARGIN x (the fastest rate seen so far x its seconds) inputs: the
# rate of the next run may be higher than any before it (a warm-up is colder than a round, and
# on a shared machine the same run's rate moved 2x within an hour).
MARGIN = 3.0


def refusal(
    label: str, result: Mapping[str, Any], supplied: int | None = None, connections: int = 0
) -> str | None:
    """Why the run ``label`` gives no rate, or None. Any answer not 2xx or any socket error
    refuses it (a rate of the remaining answers would hide them), and so does a run that may
    have used up its ``supplied`` distinct inputs (``used_up``): wrk then replays them from the
    start, and a replayed accept meets an invitation already accepted."""
    requests, non2xx, errors = result["requests"], result["non2xx"], result["socket_errors"]
    counts = f"{requests:,} requests, {non2xx:,} not 2xx, {errors:,} socket errors"
    if used_up(result, supplied, connections):
        # Named first: once the input runs out, the answers not 2xx are its consequence.
        return (
            f"{label}: {counts}, but only {supplied:,} distinct inputs were seeded for it, so "
            "some may have been sent twice; seed more (--margin)"
        )
    if non2xx or errors:
        return f"{label}: {counts}"
    if not requests:
        return f"{label}: no answer at all"
    return None


def used_up(result: Mapping[str, Any], supplied: int | None, connections: int) -> bool:
    """Whether a run may have sent some of its ``supplied`` distinct inputs twice; up to
    ``connections`` requests may still be in flight when wrk stops, so those count as sent."""
    return supplied is not None and result["requests"] + connections > supplied


def inputs_needed(
    rates: Sequence[float], guess: float, seconds: float, connections: int, margin: float = MARGIN
) -> int:
    """How many distinct inputs a run of ``seconds`` is given: ``margin`` x the fastest rate
    seen so far (``guess`` before any run), plus one per connection for the requests in
    flight."""
    rate = max(rates) if rates else guess
    return math.ceil(margin * rate * seconds) + connections


def figure(runs: Sequence[Mapping[str, Any]]) -> dict[str, Any]:
    """One figure from its rounds: the median rate with its spread (min and max) and the median
    of the other measures; or, when any round was refused, the refusals and no rate at all."""
    refused = [run["refused"] for run in runs if "refused" in run]
    if refused or not runs:
        return {"refused": refused or ["no round ran"], "rounds": list(runs)}
    rates = [run["rps"] for run in runs]
    summary: dict[str, Any] = {
        "rps": round(statistics.median(rates), 1),
        "rps_min": round(min(rates), 1),
        "rps_max": round(max(rates), 1),
    }
    for key in ("p50_ms", "p99_ms", "server_cpu", "postgres_cpu"):
        if all(key in run for run in runs):
            summary[key] = round(statistics.median(run[key] for run in runs), 2)
    return {**summary, "rounds": list(runs)}


def ratio(
    part: Sequence[Mapping[str, Any]], base: Sequence[Mapping[str, Any]]
) -> tuple[dict[str, float] | None, str | None]:
    """The median of the per-round ratios of ``part``'s rate to ``base``'s (rounds paired in
    order, each pair measured back to back) with their min and max; or None and the reason when
    a side of any round was refused, since one side's good rounds alone would flatter it."""
    refused = [run["refused"] for run in (*part, *base) if "refused" in run]
    if refused:
        return None, "; ".join(refused)
    if not part or len(part) != len(base):
        return None, f"{len(part)} rounds against {len(base)}"
    values = [p["rps"] / b["rps"] for p, b in zip(part, base, strict=True)]
    return {
        "median": round(statistics.median(values), 2),
        "min": round(min(values), 2),
        "max": round(max(values), 2),
    }, None


def met(
    ratios: Mapping[str, Mapping[str, float] | None], least: Mapping[str, float]
) -> dict[str, bool | None]:
    """For each target, whether its ratio's median reaches ``least[name]``; None when the
    ratio was not measured or was refused (a target is never met by a figure not given)."""
    found: dict[str, bool | None] = {}
    for name, bound in least.items():
        value = ratios.get(name)
        found[name] = None if value is None else value["median"] >= bound
    return found


class Pool(Generic[T]):
    """Inputs handed out once each (pending invitations, creators' quotas): ``take`` gives
    ones nobody was given before, asking ``refill`` for more first when too few are left."""

    def __init__(self, items: Sequence[T], refill: Callable[[int], list[T]] | None = None):
        self._left = list(items)
        self._refill = refill

    def take(self, count: int) -> list[T]:
        if len(self._left) < count and self._refill is not None:
            self._left += self._refill(count - len(self._left))
        taken, self._left = self._left[:count], self._left[count:]
        return taken
