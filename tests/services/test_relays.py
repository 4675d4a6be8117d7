"""An outbox relay's lease and position (services/relays.py): one holder at a time per relay,
the position moved only by the holder, the lease taken over once it runs out or is given up."""

from __future__ import annotations

from sharekeeper.domain.clock import SECOND, AdjustableClock
from sharekeeper.services.context import Context
from sharekeeper.services.relays import Claim, advance_relay, claim_relay, release_relay

LEASE = 15 * SECOND


def test_one_holder_moves_the_position_and_a_successor_resumes_from_it(
    ctx: Context, clock: AdjustableClock
) -> None:
    assert claim_relay(ctx, "nats:A", "first", LEASE) == Claim(True, None)
    assert claim_relay(ctx, "nats:A", "second", LEASE) == Claim(False, None)
    assert advance_relay(ctx, "nats:A", "first", 42, LEASE)
    assert not advance_relay(ctx, "nats:A", "second", 99, LEASE)  # not its lease
    assert claim_relay(ctx, "nats:A", "first", LEASE) == Claim(True, 42)  # renewed
    # Another relay (another stream) has a lease and a position of its own.
    assert claim_relay(ctx, "nats:B", "second", LEASE) == Claim(True, None)
    clock.advance(LEASE - SECOND)
    assert claim_relay(ctx, "nats:A", "second", LEASE) == Claim(False, 42)
    clock.advance(2 * SECOND)  # the first holder stopped renewing: its lease ran out
    assert claim_relay(ctx, "nats:A", "second", LEASE) == Claim(True, 42)
    assert not advance_relay(ctx, "nats:A", "first", 50, LEASE)  # the stalled one moves nothing
    assert claim_relay(ctx, "nats:A", "first", LEASE) == Claim(False, 42)


def test_a_lease_given_up_is_taken_at_once(ctx: Context) -> None:
    assert claim_relay(ctx, "nats:A", "first", LEASE).held
    assert advance_relay(ctx, "nats:A", "first", 7, LEASE)
    release_relay(ctx, "nats:A", "second")  # not the holder: changes nothing
    assert not claim_relay(ctx, "nats:A", "second", LEASE).held
    release_relay(ctx, "nats:A", "first")
    assert claim_relay(ctx, "nats:A", "second", LEASE) == Claim(True, 7)
