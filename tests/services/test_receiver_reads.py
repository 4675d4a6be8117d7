"""The receiver's reads (services/receiver.py): who may read a share's contents (its owner,
an account it is in effect for, one with a pending invitation), in a fixed number of
statements however much the share holds, locking nothing."""

from __future__ import annotations

import pytest

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import InvitationNotFound, ResourceShareNotFound
from sharekeeper.domain.invitations import InvitationQuery
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.views import Side
from sharekeeper.services import associations, directory, invitations, organizations, shares
from sharekeeper.services import receiver as reads
from sharekeeper.services.context import Context
from tests.services.conftest import caller
from tests.services.test_console_reads import statements


def _urn(owner: Caller, name: str) -> str:
    return f"vpc:cn-north-4:{owner.account_id}:subnet:{name}"


def _invitation(ctx: Context, account: Caller, share_id: str) -> str:
    query = InvitationQuery(share_ids=(share_id,))
    (found,) = invitations.search_invitations(ctx, account, query, PageRequest()).items
    return found.id


def _offer(ctx: Context, owner: Caller, receiver: Caller) -> tuple[str, str]:
    """A share of one subnet offered to ``receiver``: its id and the invitation's."""
    share = shares.create_resource_share(
        ctx,
        owner,
        name="offered",
        principals=[receiver.account_id],
        resource_urns=[_urn(owner, "a")],
    )
    return share.id, _invitation(ctx, receiver, share.id)


def test_an_invitee_reads_the_share_while_pending_and_not_after_rejecting(
    ctx: Context, owner: Caller, receiver: Caller
) -> None:
    share_id, invitation_id = _offer(ctx, owner, receiver)
    view = reads.invitation_view(ctx, receiver, invitation_id)
    assert view.contents is not None and not view.contents.associated
    assert [r.entity for r in view.contents.resources] == [_urn(owner, "a")]
    assert view.contents.resource_types == ["vpc:subnet"]
    assert view.contents.permissions[0].actions  # the default permission, with its actions
    assert reads.received_share(ctx, receiver, share_id).share.id == share_id

    stranger = caller(ctx, "stranger")
    with pytest.raises(InvitationNotFound):
        reads.invitation_view(ctx, stranger, invitation_id)
    with pytest.raises(ResourceShareNotFound):
        reads.received_share(ctx, stranger, share_id)

    invitations.reject_invitation(ctx, receiver, invitation_id)
    assert reads.invitation_view(ctx, receiver, invitation_id).contents is None
    with pytest.raises(ResourceShareNotFound):
        reads.received_share(ctx, receiver, share_id)


def test_an_accepted_share_reads_in_a_fixed_number_of_statements_without_locking(
    ctx: Context, owner: Caller, receiver: Caller
) -> None:
    share_id, invitation_id = _offer(ctx, owner, receiver)
    invitations.accept_invitation(ctx, receiver, invitation_id)
    seen = statements(lambda: reads.received_share(ctx, receiver, share_id))
    assert not any("FOR UPDATE" in sql.upper() for sql in seen), seen
    more = [_urn(owner, f"more-{n}") for n in range(5)]
    associations.associate_resource_share(ctx, owner, share_id, resource_urns=more)
    contents = reads.received_share(ctx, receiver, share_id)
    assert contents.associated and len(contents.resources) == 6
    assert len(statements(lambda: reads.received_share(ctx, receiver, share_id))) == len(seen)

    # Disassociated, the receiver reads no more (its accepted invitation notwithstanding).
    associations.disassociate_resource_share(ctx, owner, share_id, principals=[receiver.account_id])
    with pytest.raises(ResourceShareNotFound):
        reads.received_share(ctx, receiver, share_id)
    assert reads.invitation_view(ctx, receiver, invitation_id).contents is None


def test_the_shared_views_read_a_page_in_a_fixed_number_of_statements(
    ctx: Context, owner: Caller, receiver: Caller
) -> None:
    share_id, invitation_id = _offer(ctx, owner, receiver)
    invitations.accept_invitation(ctx, receiver, invitation_id)
    page = PageRequest(50)
    views = [
        lambda: reads.shared_resources(ctx, owner, Side.OWNER, page),
        lambda: reads.shared_resources(ctx, receiver, Side.RECEIVER, page),
        lambda: reads.shared_principals(ctx, owner, Side.OWNER, page),
        lambda: reads.shared_principals(ctx, receiver, Side.RECEIVER, page),
    ]
    counts = [len(statements(view)) for view in views]
    for n in range(4):
        other = shares.create_resource_share(
            ctx,
            owner,
            name=f"more-{n}",
            principals=[receiver.account_id],
            resource_urns=[_urn(owner, f"more-{n}")],
        )
        invitations.accept_invitation(ctx, receiver, _invitation(ctx, receiver, other.id))
    assert [len(statements(view)) for view in views] == counts
    mine = reads.shared_resources(ctx, owner, Side.OWNER, page)
    assert len(mine.page.items) == 5 and len(mine.shares) == 5
    theirs = reads.shared_principals(ctx, receiver, Side.RECEIVER, page)
    assert {p.id for p in theirs.page.items} == {owner.account_id}
    assert theirs.names == {owner.account_id: "owner"}
    assert share_id in theirs.shares


def test_a_member_reads_a_share_that_reaches_it_through_its_organization(
    ctx: Context, owner: Caller, receiver: Caller
) -> None:
    """No invitation inside an organization that shares: the share is in effect for its
    members at once, and so readable; an account outside it reads nothing."""
    made = directory.create_organization(ctx, owner).organization
    organizations.add_account(ctx, receiver.account_id, made.root_id)
    organizations.set_organization_sharing(ctx, owner, True)
    share = shares.create_resource_share(
        ctx, owner, name="to-all", principals=[made.urn], resource_urns=[_urn(owner, "org")]
    )
    contents = reads.received_share(ctx, receiver, share.id)
    assert contents.associated and [r.entity for r in contents.resources] == [_urn(owner, "org")]
    with pytest.raises(ResourceShareNotFound):
        reads.received_share(ctx, caller(ctx, "outside"), share.id)
