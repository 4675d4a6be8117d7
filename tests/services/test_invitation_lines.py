"""A search's invitations are read as lines (InvitationLine), their status as seen when read
computed in SQL: they must show exactly what the entity's own rule (``Invitation.seen_at``)
shows, expired invitations included."""

from __future__ import annotations

import pytest

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import AdjustableClock
from sharekeeper.domain.invitations import InvitationLine, InvitationQuery
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services import invitations, shares
from sharekeeper.services.context import Context
from tests.services.conftest import caller

PAGE = PageRequest(50)


def _as_entities_show(
    ctx: Context, account: Caller, query: InvitationQuery
) -> list[InvitationLine]:
    with ctx.reading() as uow:
        found = uow.invitations.search(account.account_id, query, PAGE, ctx.clock()).items
    return [
        InvitationLine(
            i.id,
            i.resource_share_id,
            i.resource_share_name,
            i.sender_account_id,
            i.receiver_account_id,
            i.status.value,
            i.created_at,
            i.updated_at,
        )
        for i in found
    ]


@pytest.mark.parametrize("status", [None, "pending", "expired", "accepted"])
def test_lines_show_what_the_entities_rule_shows(
    ctx: Context, clock: AdjustableClock, owner: Caller, status: str | None
) -> None:
    late, quick = caller(ctx, "late"), caller(ctx, "quick")
    principals = [late.account_id, quick.account_id]
    first = shares.create_resource_share(ctx, owner, name="first", principals=principals)
    (offer,) = invitations.search_invitations(
        ctx, quick, InvitationQuery(share_ids=(first.id,)), PAGE
    ).items
    invitations.accept_invitation(ctx, quick, offer.id)
    clock.advance(ctx.invitation_ttl + 1)  # late's invitation to the first share expires
    shares.create_resource_share(ctx, owner, name="second", principals=[late.account_id])
    query = InvitationQuery(status=status)
    for account in (owner, late, quick):
        lines = invitations.search_invitations(ctx, account, query, PAGE).items
        assert lines == _as_entities_show(ctx, account, query)
    seen = {
        (i.receiver_account_id, i.status)
        for i in invitations.search_invitations(ctx, owner, InvitationQuery(), PAGE).items
    }
    assert seen == {
        (late.account_id, "expired"),
        (late.account_id, "pending"),
        (quick.account_id, "accepted"),
    }
    expired = invitations.search_invitations(ctx, late, InvitationQuery(status="expired"), PAGE)
    (line,) = expired.items
    with ctx.reading() as uow:
        stored = uow.invitations.get(line.id)
    assert stored is not None and stored.status == "pending"  # expired only as seen
    assert line.updated_at == stored.expires_at
