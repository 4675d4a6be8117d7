"""Invitations to join an organization (Huawei Organizations calls them handshakes), and the
status records of accounts created in an organization."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from sharekeeper.domain.clock import SECOND, Millis
from sharekeeper.domain.organizations import new_id

# An invitation not answered in 15 days expires (Huawei Organizations, as AWS Organizations).
HANDSHAKE_TTL = 15 * 24 * 3600 * SECOND
NOTES_MAX = 1024


def new_handshake_id() -> str:
    return new_id("h-")


def new_create_account_status_id() -> str:
    return new_id("cas-")


class HandshakeStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    CANCELLED = "cancelled"
    DECLINED = "declined"
    EXPIRED = "expired"


@dataclass(frozen=True, slots=True)
class Handshake:
    id: str
    organization_id: str
    management_account_id: str
    target_account_id: str
    notes: str
    status: HandshakeStatus
    created_at: Millis
    updated_at: Millis
    expired_at: Millis

    @property
    def urn(self) -> str:
        return (
            f"organizations::{self.management_account_id}:handshake:"
            f"{self.organization_id}/{self.id}"
        )

    def status_at(self, now: Millis) -> HandshakeStatus:
        """A pending handshake past its expiry is expired, whether or not it was stored so."""
        if self.status == HandshakeStatus.PENDING and now >= self.expired_at:
            return HandshakeStatus.EXPIRED
        return self.status


class CreateAccountState(StrEnum):
    IN_PROGRESS = "in_progress"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


@dataclass(frozen=True, slots=True)
class CreateAccountStatus:
    """What CreateAccount answers and its status operations show: ShareKeeper creates the
    account within the request, so a status is born succeeded."""

    id: str
    organization_id: str
    account_id: str
    account_name: str
    state: CreateAccountState
    created_at: Millis
    completed_at: Millis
