"""Invitations: pending -> accepted | rejected | expired | withdrawn; illegal moves raise."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import NamedTuple

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.errors import (
    InvitationAlreadyAccepted,
    InvitationAlreadyRejected,
    InvitationExpired,
    InvitationWithdrawn,
    StateConflict,
)


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    REJECTED = "rejected"
    EXPIRED = "expired"
    # The owner disassociated the principal or deleted the share while it was pending.
    WITHDRAWN = "withdrawn"


_NOT_PENDING: dict[InvitationStatus, type[StateConflict]] = {
    InvitationStatus.ACCEPTED: InvitationAlreadyAccepted,
    InvitationStatus.REJECTED: InvitationAlreadyRejected,
    InvitationStatus.EXPIRED: InvitationExpired,
    InvitationStatus.WITHDRAWN: InvitationWithdrawn,
}


class InvitationLine(NamedTuple):
    """An invitation as a listing shows it, as seen when read: a pending one past its time
    shows expired, updated when it expired (the store reads it so, the SQL twin of
    ``Invitation.seen_at``). Nothing is left to decide on it, so a page of them is its rows
    as read: no entity is built and copied per row (docs/architecture.md, "Read units")."""

    id: str
    resource_share_id: str
    resource_share_name: str
    sender_account_id: str
    receiver_account_id: str
    status: str
    created_at: Millis
    updated_at: Millis


# Not frozen: a frozen dataclass sets each field through object.__setattr__, which made
# building the rows of a page cost more than reading them (docs/performance.md). Treated as a
# value all the same: changes go through dataclasses.replace.
@dataclass(slots=True)
class Invitation:
    id: str
    resource_share_id: str
    resource_share_name: str
    sender_account_id: str
    receiver_account_id: str
    status: InvitationStatus
    created_at: Millis
    updated_at: Millis
    expires_at: Millis

    def status_at(self, now: Millis) -> InvitationStatus:
        """Expiry needs no writer: a pending invitation past its time reads as expired."""
        if self.status is InvitationStatus.PENDING and self.expires_at <= now:
            return InvitationStatus.EXPIRED
        return self.status

    def seen_at(self, now: Millis) -> Invitation:
        status = self.status_at(now)
        if status is self.status:
            return self
        return Invitation(
            self.id,
            self.resource_share_id,
            self.resource_share_name,
            self.sender_account_id,
            self.receiver_account_id,
            status,
            self.created_at,
            self.expires_at,
            self.expires_at,
        )

    def require_pending(self, now: Millis) -> None:
        """Raises the error that names why this invitation can no longer be answered."""
        status = self.status_at(now)
        if status is not InvitationStatus.PENDING:
            raise _NOT_PENDING[status](self.id)


@dataclass(frozen=True, slots=True)
class InvitationQuery:
    share_ids: tuple[str, ...] = ()
    invitation_ids: tuple[str, ...] = ()
    status: str | None = None
    # The console lists the newest first (what a person just sent or received is on top); the
    # API pages oldest first, as Huawei's markers walk forwards.
    newest_first: bool = False
