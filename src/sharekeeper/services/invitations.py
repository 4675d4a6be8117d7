"""Accept, reject and search invitations."""

from __future__ import annotations

from dataclasses import replace

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.errors import ConcurrentChange, InvitationNotFound
from sharekeeper.domain.events import Change, ChangeKind
from sharekeeper.domain.invitations import (
    Invitation,
    InvitationLine,
    InvitationQuery,
    InvitationStatus,
)
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.shares import AssociationStatus
from sharekeeper.domain.views import SharedResource, SharedResourceQuery, Side
from sharekeeper.services.context import Context

ACCEPTED = InvitationStatus.ACCEPTED
_KINDS = {
    ACCEPTED: ChangeKind.INVITATION_ACCEPTED,
    InvitationStatus.REJECTED: ChangeKind.INVITATION_REJECTED,
}
_OUTCOME = {
    InvitationStatus.ACCEPTED: (AssociationStatus.ASSOCIATED, None),
    InvitationStatus.REJECTED: (AssociationStatus.DISASSOCIATED, "The invitation was rejected."),
}


def _answer(
    ctx: Context, caller: Caller, invitation_id: str, answer: InvitationStatus
) -> Invitation:
    now = ctx.clock()
    status, message = _OUTCOME[answer]
    with ctx.writing() as uow:
        # Only the receiver may answer; to anyone else the invitation does not exist. Its share
        # is locked first, as every writer of a share does, so that racing writers queue. The
        # store moves invitation and association only where the domain's rule holds (the
        # compare-and-set); the rule is still decided here, on the invitation as read, and a
        # refusal rolls the unit back.
        found = uow.invitations.answer(
            invitation_id, caller.account_id, answer, status, message, now
        )
        invitation = found.invitation
        if invitation is None:
            raise InvitationNotFound(invitation_id)
        invitation.require_pending(now)
        if not found.won:
            current = uow.invitations.get(invitation_id)
            if current is not None:
                current.require_pending(now)
            raise ConcurrentChange()
        share_id = invitation.resource_share_id
        answered = replace(invitation, status=answer, updated_at=now)
        uow.record(Change.of_share(_KINDS[answer], share_id, answered, now))
        moved = found.moved
        if moved is not None:
            kind = ChangeKind.ASSOCIATED if answer is ACCEPTED else ChangeKind.DISASSOCIATED
            uow.record(Change.of_share(kind, share_id, moved, now))
        uow.commit()
    return answered


def accept_invitation(ctx: Context, caller: Caller, invitation_id: str) -> Invitation:
    return _answer(ctx, caller, invitation_id, InvitationStatus.ACCEPTED)


def reject_invitation(ctx: Context, caller: Caller, invitation_id: str) -> Invitation:
    return _answer(ctx, caller, invitation_id, InvitationStatus.REJECTED)


def search_invitations(
    ctx: Context, caller: Caller, query: InvitationQuery, page: PageRequest
) -> Page[InvitationLine]:
    """Invitations the caller received, and those it sent as an owner, as seen now."""
    with ctx.reading() as uow:
        return uow.invitations.lines(caller.account_id, query, page, ctx.clock())


def pending_invitation_resources(
    ctx: Context, caller: Caller, invitation_id: str, page: PageRequest
) -> Page[SharedResource]:
    """The resources of a pending invitation's share, shown to its receiver before it answers
    (AWS's ListPendingInvitationResources); to anyone else the invitation does not exist."""
    now = ctx.clock()
    with ctx.reading() as uow:
        invitation = uow.invitations.get(invitation_id)
        if invitation is None or invitation.receiver_account_id != caller.account_id:
            raise InvitationNotFound(invitation_id)
        invitation.require_pending(now)
        query = SharedResourceQuery(share_ids=(invitation.resource_share_id,))
        owner = invitation.sender_account_id
        return uow.views.shared_resources(Side.OWNER, owner, [], query, page)
