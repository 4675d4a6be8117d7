"""The outbox writes a change's events with one INSERT, prepared per count up to a bound and
built per change beyond it (store/events.py): both ways write every event, in order."""

from __future__ import annotations

import pytest

from tests.api.feed_support import kinds, read_all, tail
from tests.sdk.helpers import create_share
from tests.support import LiveServer

# A share created with n subnets is n + 2 events (created, its permission, one association a
# subnet): 14 subnets make the largest prepared insert, 15 the smallest built one.
BOUND = 16


@pytest.mark.parametrize("subnets", [BOUND - 2, BOUND - 1, 20])
def test_a_change_writes_each_of_its_events_in_order(decider: LiveServer, subnets: int) -> None:
    owner = decider.account("owner")
    urns = [owner.urn(f"outbox-{subnets}-{i}") for i in range(subnets)]
    start = tail(decider)
    share = create_share(owner, "outbox", resource_urns=urns)
    written, _ = read_all(decider, start)
    assert kinds(written) == [
        ("ram.resource_share.created", share.id),
        ("ram.permission.associated", share.id),
        *[("ram.association.associated", share.id)] * subnets,
    ]
    assert [e["data"]["associated_entity"] for e in written[2:]] == urns
    assert len({e["id"] for e in written}) == len(written)
