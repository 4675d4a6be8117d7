"""The share quota's count on the owner's row (accounts.active_shares, migration 0024) agrees
with counting the owner's active shares after creates, deletes and refusals, and the quota
holds under racing creates; on both databases."""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import replace

import pytest
from sqlalchemy import func, select

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import QuotaExceeded, ShareKeeperError, TotalQuotaExceeded
from sharekeeper.domain.quotas import Quotas, QuotaType
from sharekeeper.domain.tags import Tag
from sharekeeper.services import shares, views
from sharekeeper.services.context import Context
from sharekeeper.store.tables import accounts, resource_shares
from tests.store.test_write_round_trips import audited
from tests.support import LiveServer

LIMIT = 3


def caller(server: LiveServer, name: str) -> Caller:
    account = server.account(name)
    return Caller(account.account_id, account.access_key)


def tight(server: LiveServer) -> Context:
    quotas = Quotas(resource_share=LIMIT, tag_association=1)
    return replace(server.runtime.context, quotas=quotas)


def counted(server: LiveServer, owner: Caller) -> tuple[int, int]:
    """(the count on the owner's row, the owner's active shares counted)."""
    s = resource_shares.c
    with server.runtime.engine.connect() as connection:
        kept = connection.execute(
            select(accounts.c.active_shares).where(accounts.c.id == owner.account_id)
        ).scalar_one()
        active = connection.execute(
            select(func.count()).where(s.owner_account_id == owner.account_id, s.status == "active")
        ).scalar_one()
    return kept, active


def create(ctx: Context, owner: Caller, name: str, tags: Sequence[Tag] = ()) -> str:
    """A share made as the API makes it, with its audit record (the invariants' rule)."""
    subnet = f"vpc:cn-north-4:{owner.account_id}:subnet:{name}"
    scoped = audited(ctx, owner, "CreateResourceShare")
    return shares.create_resource_share(
        scoped, owner, name=name, resource_urns=[subnet], tags=tags
    ).id


def quota_used(ctx: Context, owner: Caller) -> int:
    (usage,) = [q for q in views.list_quotas(ctx, owner) if q.type == QuotaType.RESOURCE_SHARE]
    return usage.used


def test_the_count_follows_creates_deletes_and_refusals(server: LiveServer) -> None:
    ctx = tight(server)
    owner = caller(server, "counts-owner")
    assert counted(server, owner) == (0, 0)
    made = [create(ctx, owner, f"c{i}") for i in range(LIMIT)]
    assert counted(server, owner) == (LIMIT, LIMIT)
    # Refused at the count (over the quota): the unit rolls back, the count with it.
    with pytest.raises(TotalQuotaExceeded):
        create(ctx, owner, "over")
    assert counted(server, owner) == (LIMIT, LIMIT)
    shares.delete_resource_share(ctx, owner, made[0])
    assert counted(server, owner) == (LIMIT - 1, LIMIT - 1)
    # A second delete of the same share is refused and counts nothing.
    with pytest.raises(ShareKeeperError):
        shares.delete_resource_share(ctx, owner, made[0])
    assert counted(server, owner) == (LIMIT - 1, LIMIT - 1)
    # Refused before the count (too many tags): nothing counted either.
    with pytest.raises(QuotaExceeded):
        create(ctx, owner, "tagged", tags=[Tag("a", ""), Tag("b", "")])
    assert counted(server, owner) == (LIMIT - 1, LIMIT - 1)
    create(ctx, owner, "again")
    assert counted(server, owner) == (LIMIT, LIMIT)
    assert quota_used(ctx, owner) == LIMIT
    for share_id in made[1:]:
        shares.delete_resource_share(ctx, owner, share_id)
    assert counted(server, owner) == (1, 1)
    assert quota_used(ctx, owner) == 1


def test_racing_creates_at_the_limit_have_one_winner(server: LiveServer) -> None:
    """One share left under the quota and six creates at once, each on a connection of its
    own: one is made, five are refused, and the count is the quota."""
    ctx = tight(server)
    owner = caller(server, "counts-racer")
    for i in range(LIMIT - 1):
        create(ctx, owner, f"r{i}")
    start = threading.Barrier(6)
    outcomes: list[str] = []

    def race(index: int) -> None:
        start.wait(10)
        try:
            create(ctx, owner, f"race-{index}")
            outcomes.append("created")
        except ShareKeeperError as error:
            outcomes.append(type(error).__name__)

    threads = [threading.Thread(target=race, args=(i,)) for i in range(6)]  # bounded: 6
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert sorted(outcomes) == ["TotalQuotaExceeded"] * 5 + ["created"], outcomes
    assert counted(server, owner) == (LIMIT, LIMIT)
