"""Patroni's timing as SHAREKEEPER_CLUSTER_PATRONI names it: plain parsing, no cluster needed."""

from __future__ import annotations

import re

import pytest

from tests.cluster.topology import TIMINGS, patroni_timing


def test_a_preset_alone_is_that_preset() -> None:
    assert patroni_timing("defaults") == TIMINGS["defaults"]
    assert patroni_timing(" tuned ") == TIMINGS["tuned"]


def test_changes_apply_over_the_preset() -> None:
    timing = patroni_timing("defaults, primary_start_timeout=0")
    assert timing == {**TIMINGS["defaults"], "primary_start_timeout": 0}


@pytest.mark.parametrize(
    ("spec", "reason"),
    [
        ("fast", "is none of"),
        ("tuned,ttl", "is not one of"),
        ("tuned,ttl=-1", "is not one of"),
        ("tuned,wait=1", "is not one of"),
        # Patroni's own rule: loop_wait + 2 * retry_timeout <= ttl.
        ("tuned,ttl=4", "loop_wait + 2 * retry_timeout > ttl"),
    ],
)
def test_what_patroni_would_refuse_is_refused(spec: str, reason: str) -> None:
    with pytest.raises(ValueError, match=re.escape(reason)):
        patroni_timing(spec)
