"""Recording the changes that bulk store writes make, for the change feed (domain/events.py):
each ended association and each closed invitation is one event."""

from __future__ import annotations

from collections.abc import Sequence

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.events import Change, ChangeKind
from sharekeeper.domain.invitations import Invitation, InvitationStatus
from sharekeeper.domain.shares import Association
from sharekeeper.store.unit_of_work import UnitOfWork


def record_closed(uow: UnitOfWork, closed: Sequence[Invitation], now: Millis) -> None:
    """The changes of invitations ``close_pending`` withdrew or recorded as expired."""
    for invitation in closed:
        kind = (
            ChangeKind.INVITATION_EXPIRED
            if invitation.status is InvitationStatus.EXPIRED
            else ChangeKind.INVITATION_WITHDRAWN
        )
        uow.record(Change.of_share(kind, invitation.resource_share_id, invitation, now))


def record_retagged(uow: UnitOfWork, share_id: str, now: Millis) -> None:
    """A share's tags changed: its ``resource_share.updated``, the share read back with them
    (its wire shape carries its tags)."""
    share = uow.shares.get(share_id, now)
    if share is not None:
        uow.record(Change.of_share(ChangeKind.SHARE_UPDATED, share_id, share, now))


def record_ended(uow: UnitOfWork, ended: Sequence[Association], now: Millis) -> None:
    for association in ended:
        change = Change.of_share(
            ChangeKind.DISASSOCIATED, association.resource_share_id, association, now
        )
        uow.record(change)
