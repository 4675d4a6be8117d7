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
    with ctx.writing() as uow:
        # Only the receiver may answer; to anyone else the invitation does not exist. Its share
        # is locked first, as every writer of a share does, so that racing writers queue.
        invitation = uow.invitations.get_to_answer(invitation_id, caller.account_id, now)
        if invitation is None:
            raise InvitationNotFound(invitation_id)
        invitation.require_pending(now)
        if not uow.invitations.answer(invitation_id, answer, now):
            current = uow.invitations.get(invitation_id)
            if current is not None:
                current.require_pending(now)
            raise ConcurrentChange()
        status, message = _OUTCOME[answer]
        share_id, me = invitation.resource_share_id, caller.account_id
        answered = replace(invitation, status=answer, updated_at=now)
        uow.record(Change.of_share(_KINDS[answer], share_id, answered, now))
        name = invitation.resource_share_name
        moved = uow.associations.set_principal_status(share_id, name, me, status, now, message)
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
