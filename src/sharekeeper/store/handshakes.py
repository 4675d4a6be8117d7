"""Handshakes (invitations to join an organization) and create-account statuses."""

from __future__ import annotations

from sqlalchemy import ColumnElement, insert, select, update

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.handshakes import (
    CreateAccountState,
    CreateAccountStatus,
    Handshake,
    HandshakeStatus,
)
from sharekeeper.store.rows import Field, RowMapping, enum_of
from sharekeeper.store.tables import create_account_statuses, handshakes
from sharekeeper.store.transaction import Transaction

H = handshakes.c
C = create_account_statuses.c
HANDSHAKE = RowMapping(
    Handshake,
    H.id,
    H.organization_id,
    H.management_account_id,
    H.target_account_id,
    H.notes,
    Field(H.status, convert=enum_of(HandshakeStatus)),
    H.created_at,
    H.updated_at,
    H.expired_at,
)
CREATE_ACCOUNT_STATUS = RowMapping(
    CreateAccountStatus,
    C.id,
    C.organization_id,
    C.account_id,
    C.account_name,
    Field(C.state, convert=enum_of(CreateAccountState)),
    C.created_at,
    C.completed_at,
)


class HandshakeRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, handshake: Handshake) -> None:
        self._tx.execute(insert(handshakes).values(HANDSHAKE.values(handshake)))

    def get(self, handshake_id: str) -> Handshake | None:
        row = self._tx.execute(select(*HANDSHAKE.columns).where(H.id == handshake_id)).first()
        return None if row is None else HANDSHAKE.read(row)

    def sent(self, organization_id: str) -> list[Handshake]:
        return self._read(H.organization_id == organization_id)

    def received(self, account_id: str) -> list[Handshake]:
        return self._read(H.target_account_id == account_id)

    def pending(self, organization_id: str, account_id: str, now: Millis) -> bool:
        """Whether the organization has an unexpired pending invitation to the account."""
        found = self._tx.execute(
            select(H.id)
            .where(
                H.organization_id == organization_id,
                H.target_account_id == account_id,
                H.status == HandshakeStatus.PENDING,
                H.expired_at > now,
            )
            .limit(1)
        ).first()
        return found is not None

    def answer(self, handshake_id: str, status: HandshakeStatus, now: Millis) -> bool:
        """Moves a pending, unexpired handshake to ``status``; false if it was not (another
        answer, a cancellation or its expiry came first: the compare-and-set has one winner)."""
        changed = self._tx.execute(
            update(handshakes)
            .where(
                H.id == handshake_id,
                H.status == HandshakeStatus.PENDING,
                H.expired_at > now,
            )
            .values(status=status, updated_at=now)
        )
        return bool(changed.rowcount)

    def add_create_account_status(self, status: CreateAccountStatus) -> None:
        self._tx.execute(
            insert(create_account_statuses).values(CREATE_ACCOUNT_STATUS.values(status))
        )

    def create_account_statuses(self, organization_id: str) -> list[CreateAccountStatus]:
        rows = self._tx.execute(
            select(*CREATE_ACCOUNT_STATUS.columns)
            .where(C.organization_id == organization_id)
            .order_by(C.created_at, C.id)
        )
        return [CREATE_ACCOUNT_STATUS.read(row) for row in rows]

    def _read(self, condition: ColumnElement[bool]) -> list[Handshake]:
        rows = self._tx.execute(
            select(*HANDSHAKE.columns).where(condition).order_by(H.created_at, H.id)
        )
        return [HANDSHAKE.read(row) for row in rows]
