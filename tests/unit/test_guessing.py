"""The failed-attempt limits and the aggregate audit of refused attempts, on their own clock."""

from __future__ import annotations

import pytest

from sharekeeper.domain.audit import FAILURE_WINDOW, AuditRecord, FailureTally
from sharekeeper.domain.errors import TooManyFailures
from sharekeeper.domain.ratelimit import OPERATOR_KEY, Guesses

KEY, OTHER = "A" * 20, "B" * 20


def _clocked() -> tuple[Guesses, list[float]]:
    now = [0.0]
    return Guesses(lambda: now[0]), now


def test_a_pair_gets_five_failures_and_a_success_costs_nothing() -> None:
    guesses, now = _clocked()
    for _ in range(10):
        guesses.sign_in("10.0.0.1", KEY).succeeded()
    for _ in range(5):
        guesses.sign_in("10.0.0.1", KEY)  # failures: never given back
    with pytest.raises(TooManyFailures) as refused:
        guesses.sign_in("10.0.0.1", KEY)
    assert refused.value.retry_after == 12 and refused.value.code == "RAM.9004"
    guesses.sign_in("10.0.0.1", OTHER)  # another key from the same source: its own pair
    guesses.sign_in("10.0.9.2", KEY)  # the same key from another network
    now[0] += 12.0
    guesses.sign_in("10.0.0.1", KEY)


def test_rotating_key_ids_meets_the_sources_allowance() -> None:
    guesses, _ = _clocked()
    for n in range(20):
        guesses.sign_in("10.0.0.1", f"{n:020d}")
    with pytest.raises(TooManyFailures):
        guesses.sign_in("10.0.0.1", "C" * 20)
    # The refused attempt took nothing from the pair it named.
    guesses.sign_in("10.0.9.2", "C" * 20)


def test_addresses_rotated_within_a_prefix_share_one_allowance() -> None:
    """Issue 22 review S2: a /24 (or /64) is one source to the allowances."""
    for addresses in (
        [f"10.0.5.{n}" for n in range(40)],
        [f"2001:db8:0:7::{n:x}" for n in range(40)],
    ):
        guesses, _ = _clocked()
        for n in range(20):
            guesses.sign_in(addresses[n], f"{n:020d}")
        with pytest.raises(TooManyFailures):
            guesses.sign_in(addresses[20], "C" * 20)
        for n in range(10):
            guesses.derived(addresses[n], f"{n:020d}")
        with pytest.raises(TooManyFailures):
            guesses.derived(addresses[30], "D" * 20)


def test_a_known_browser_spends_only_its_own_allowance() -> None:
    guesses, _ = _clocked()
    for _ in range(5):
        guesses.sign_in("10.0.0.1", KEY)
    with pytest.raises(TooManyFailures):
        guesses.sign_in("10.0.0.1", KEY)
    guesses.sign_in("10.0.0.1", KEY, browser="n1").succeeded()
    for _ in range(5):  # that browser's own failures do count, against it alone
        guesses.sign_in("10.0.0.1", KEY, browser="n1")
    with pytest.raises(TooManyFailures):
        guesses.sign_in("10.0.0.1", KEY, browser="n1")
    guesses.sign_in("10.0.0.1", KEY, browser="n2")
    guesses.sign_in("10.0.0.1", OPERATOR_KEY, browser="n1")


def test_derived_checks_are_bounded_per_key_and_a_known_pair_keeps_its_own() -> None:
    guesses, now = _clocked()
    guesses.derived("10.0.0.9", KEY).succeeded()  # a good client, known from now on
    for n in range(10):  # forged signatures from ten networks at one key
        guesses.derived(f"10.{n}.1.1", KEY)
    with pytest.raises(TooManyFailures):  # one that failed at the key has no first try
        guesses.derived("10.0.1.1", KEY)
    for _ in range(20):  # the known pair is served, its successes cost nothing
        guesses.derived("10.0.0.9", KEY).succeeded()
    guesses.derived("10.0.2.1", OTHER).succeeded()  # another key from anywhere
    for n in range(9):
        guesses.derived("10.0.3.1", f"{n:020d}")
    guesses.derived("10.0.3.1", "D" * 20)
    with pytest.raises(TooManyFailures):  # one source rotating key ids
        guesses.derived("10.0.3.1", "E" * 20)
    now[0] += 3601.0  # a pair is known for an hour after its last success
    for _ in range(10):
        guesses.derived("10.0.0.9", KEY).succeeded()


def test_a_key_under_attack_lets_its_owner_in_once_a_minute_from_a_clean_network() -> None:
    """Issue 22 review S4: the owner, not known to this process (a restart, another worker),
    is not locked out by an attacker who spent the key's allowance."""
    guesses, now = _clocked()
    for n in range(10):
        guesses.derived(f"10.{n}.1.1", KEY)  # the attack spends the key's allowance
    guesses.derived("10.99.0.1", KEY)  # a forger new to the key gets its one try ...
    with pytest.raises(TooManyFailures):  # ... and then waits like the rest
        guesses.derived("10.99.0.2", KEY)
    guesses.derived("192.0.2.7", KEY).succeeded()  # the owner's first try, good: known now
    for _ in range(20):
        guesses.derived("192.0.2.7", KEY).succeeded()
    now[0] += 1.0  # two checks' worth of the key's allowance back: the attack spends it
    for n in range(2):
        guesses.derived(f"10.{n}.1.1", KEY)
    with pytest.raises(TooManyFailures):
        guesses.derived("10.99.0.3", KEY)


def test_first_tries_from_many_networks_are_bounded_per_key_and_the_known_owner_is_served() -> None:
    """Issue 22's re-probe (N7): each network new to the key had a check a minute of its own,
    so 3,000 /24s had 3,000 forged SM2 signatures checked. The key's first tries are 10, then
    one every 6 s, over every network; a pair that verified is served all along."""
    guesses, now = _clocked()
    guesses.derived("192.0.2.7", KEY).succeeded()  # the owner, known from here
    for n in range(10):
        guesses.derived(f"10.{n}.1.1", KEY)  # the attack spends the key's allowance ...
    for n in range(10):
        guesses.derived(f"10.{n}.2.1", KEY)  # ... and the key's first tries, from 10 more
    checked = 0
    for n in range(3000):  # further networks, each new to the key: none is checked
        try:
            guesses.derived(f"11.{n // 256}.{n % 256}.1", KEY)
        except TooManyFailures as refused:
            assert refused.retry_after >= 1
        else:
            checked += 1
    assert checked == 0
    for _ in range(20):
        guesses.derived("192.0.2.7", KEY).succeeded()
    with pytest.raises(TooManyFailures):  # the trade-off: an owner new to the key waits too
        guesses.derived("198.51.100.7", KEY)
    now[0] += 6.0  # one first try back for the key, and its allowance, which the attack spends
    for n in range(10):
        guesses.derived(f"10.{n}.1.1", KEY)
    guesses.derived("198.51.100.7", KEY).succeeded()  # the first try, good: given back
    guesses.derived("10.50.0.1", KEY)  # ... so a forger after it has it, and then none is left
    with pytest.raises(TooManyFailures):
        guesses.derived("10.51.0.1", KEY)
    guesses.derived("10.52.0.1", OTHER).succeeded()  # other keys are not touched


def _refusal(at: int, source: str = "10.0.0.1", key: str = KEY) -> AuditRecord:
    return AuditRecord(at, "", key, "ConsoleSignIn", f"r{at}", source, [], "401 APIGW.0301")


def test_refusals_make_at_most_two_records_per_source_and_window() -> None:
    tally = FailureTally()
    written = tally.note(_refusal(0))
    assert [r.request_id for r in written] == ["r0"]
    for at in range(1, 600):
        assert tally.note(_refusal(at, key=KEY if at % 2 else OTHER)) == []
    assert tally.note(_refusal(5, source="10.0.9.2")) != []  # another source's own window
    assert tally.closed(FAILURE_WINDOW - 1) == []
    counted = tally.closed(FAILURE_WINDOW + 5)
    assert [(r.count, r.access_key, r.source_address) for r in counted] == [(599, "", "10.0.0.1")]
    assert not tally.pending


def test_addresses_rotated_within_a_prefix_are_one_source_and_firsts_are_capped() -> None:
    """Issue 22 review S2: a /64 rotating its addresses opens one window, not one per
    address; and past MAX_FIRST_RECORDS firsts in a window's time, new sources' refusals are
    counted in one record from MANY_SOURCES."""
    from sharekeeper.domain.audit import MANY_SOURCES, MAX_FIRST_RECORDS

    tally = FailureTally()
    written = []
    for n in range(500):
        written += tally.note(_refusal(n, source=f"2001:db8:0:7::{n:x}"))
    written += tally.closed(FAILURE_WINDOW + 500)
    assert [(r.count, r.source_address) for r in written] == [
        (1, "2001:db8:0:7::0"),
        (499, "2001:db8:0:7::/64"),
    ]
    crowd = FailureTally()
    firsts = [crowd.note(_refusal(n, source=f"10.{n // 256}.{n % 256}.1")) for n in range(1000)]
    assert sum(len(f) for f in firsts) == MAX_FIRST_RECORDS
    rest = crowd.closed(FAILURE_WINDOW + 1000)
    assert [(r.count, r.source_address) for r in rest] == [(1000 - MAX_FIRST_RECORDS, MANY_SOURCES)]
    # A window's time later, firsts are written again.
    assert len(crowd.note(_refusal(2 * FAILURE_WINDOW, source="192.0.2.1"))) == 1


def test_the_next_refusal_after_a_window_writes_its_count_first() -> None:
    tally = FailureTally()
    tally.note(_refusal(0))
    tally.note(_refusal(1))
    tally.note(_refusal(2))
    later = tally.note(_refusal(FAILURE_WINDOW))
    assert [(r.request_id, r.count) for r in later] == [("r2", 2), (f"r{FAILURE_WINDOW}", 1)]


def test_windows_close_in_the_order_they_opened_and_a_crowd_closes_them_all() -> None:
    from sharekeeper.domain import audit

    tally = FailureTally()
    for n, source in enumerate(("10.0.0.1", "10.0.9.2", "10.0.8.3")):
        for at in (n * 1000, n * 1000 + 1):
            tally.note(_refusal(at, source=source))
    closed = tally.closed(FAILURE_WINDOW + 1000)
    assert [r.source_address for r in closed] == ["10.0.0.1", "10.0.9.2"]
    tally.note(_refusal(FAILURE_WINDOW + 3000, source="10.0.0.1"))  # reopened: now the newest
    assert [r.source_address for r in tally.closed(FAILURE_WINDOW + 2000)] == ["10.0.8.3"]
    crowd = FailureTally()
    limit, audit.MAX_OPEN_WINDOWS = audit.MAX_OPEN_WINDOWS, 3
    try:
        for n in range(5):
            crowd.note(_refusal(0, source=f"10.{n}.1.1"))
            crowd.note(_refusal(1, source=f"10.{n}.1.1"))
        assert len(crowd.closed(2)) == 5 and not crowd.pending
    finally:
        audit.MAX_OPEN_WINDOWS = limit


def test_a_window_no_refusal_ends_is_written_by_the_sweep_and_every_one_at_the_end() -> None:
    import asyncio
    from types import SimpleNamespace
    from typing import Any, cast

    from sharekeeper.api.http import guessing

    written: list[list[tuple[str, int]]] = []
    now = [0]

    async def run(function: Any, ctx: Any, records: list[AuditRecord]) -> None:
        written.append([(r.request_id, r.count) for r in records])

    edge = cast(
        Any,
        SimpleNamespace(
            failures=FailureTally(window=50),
            serving=SimpleNamespace(run=run),
            ctx=SimpleNamespace(clock=lambda: now[0]),
        ),
    )

    async def attack_then_stop() -> None:
        for at in range(3):
            await guessing.refused(edge, _refusal(at))
        await guessing.refused(edge, _refusal(1, source="10.0.9.2"))
        await guessing.refused(edge, _refusal(2, source="10.0.9.2"))
        await guessing.sweep(edge)  # nothing has closed yet
        now[0] = 50
        await guessing.sweep(edge)  # the first source's window has
        await guessing.sweep(edge, everything=True)  # the app stops: every count is written

    asyncio.run(attack_then_stop())
    assert written == [[("r0", 1)], [("r1", 1)], [("r2", 2)], [("r2", 1)]]
    assert not edge.failures.pending


def test_a_count_whose_write_fails_or_is_cancelled_is_written_later() -> None:
    """Issue 22 review C3: the sweep's records are put back when their write fails (the
    database gone) or is cancelled (the app stops), and the next write carries them."""
    import asyncio
    from types import SimpleNamespace
    from typing import Any, cast

    from sharekeeper.api.http import guessing
    from sharekeeper.domain.errors import ShareKeeperError

    written: list[list[tuple[str, int]]] = []
    outcomes: list[str] = ["fail", "hang"]

    async def run(function: Any, ctx: Any, records: list[AuditRecord]) -> None:
        outcome = outcomes.pop(0) if outcomes else "write"
        if outcome == "fail":
            raise ShareKeeperError("the database is gone")
        if outcome == "hang":
            await asyncio.sleep(3600)
        written.append([(r.request_id, r.count) for r in records])

    edge = cast(
        Any,
        SimpleNamespace(
            failures=FailureTally(window=50),
            serving=SimpleNamespace(run=run),
            ctx=SimpleNamespace(clock=lambda: 100),
        ),
    )

    async def attack_then_stop() -> None:
        edge.failures.note(_refusal(0))
        edge.failures.note(_refusal(1))
        await guessing.sweep(edge)  # the write fails: kept
        assert edge.failures.pending
        sweeping = asyncio.create_task(guessing.sweep(edge))
        await asyncio.sleep(0.01)
        sweeping.cancel()  # the app stops in the middle of a write
        await asyncio.gather(sweeping, return_exceptions=True)
        await guessing.sweep(edge, everything=True)

    asyncio.run(attack_then_stop())
    assert written == [[("r1", 1)]] and not edge.failures.pending
