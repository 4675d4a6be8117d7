"""Handshakes (invitations to join an organization) and create-account statuses."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    and_,
    bindparam,
    delete,
    func,
    insert,
    or_,
    select,
    union_all,
    update,
)

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.handshakes import (
    CreateAccountState,
    CreateAccountStatus,
    Handshake,
    HandshakeStatus,
)
from sharekeeper.domain.org_tags import HANDSHAKE_TAGS
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.store.paging import after_bound, bound_key, fetch_key_page, key_page_of
from sharekeeper.store.rows import Field, RowMapping, enum_of
from sharekeeper.store.tables import create_account_statuses, handshakes, org_tags
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


@functools.cache
def _status_page(states: tuple[CreateAccountState, ...], after: bool) -> Select[Any]:
    """Statuses in ``states``: a branch per state, each an index range of ``limit`` rows,
    merged in order. Built once per shape: building it cost more than running it."""
    limit = bindparam("limit", type_=Integer)
    branches = []
    for state in states:
        branch = select(*CREATE_ACCOUNT_STATUS.columns).where(
            C.organization_id == bindparam("organization_id"), C.state == state.value
        )
        if after:
            branch = branch.where(after_bound(C.created_at, C.id))
        branches.append(branch.order_by(C.created_at, C.id).limit(limit).subquery().select())
    merged = union_all(*branches).subquery()
    return select(*merged.c).order_by(merged.c.created_at, merged.c.id).limit(limit)


class HandshakeRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, handshake: Handshake) -> None:
        self._tx.execute(insert(handshakes).values(HANDSHAKE.values(handshake)))

    def get(self, handshake_id: str) -> Handshake | None:
        row = self._tx.execute(select(*HANDSHAKE.columns).where(H.id == handshake_id)).first()
        return None if row is None else HANDSHAKE.read(row)

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

    # -- pages: each an index range (tables.DIRECTORY_INDEXES), oldest first, then by id ----

    def sent_page(self, organization_id: str, page: PageRequest) -> Page[Handshake]:
        statement = select(*HANDSHAKE.columns).where(H.organization_id == organization_id)
        return fetch_key_page(self._tx, statement, H.created_at, H.id, page, HANDSHAKE.read)

    def received_page(self, account_id: str, page: PageRequest) -> Page[Handshake]:
        statement = select(*HANDSHAKE.columns).where(H.target_account_id == account_id)
        return fetch_key_page(self._tx, statement, H.created_at, H.id, page, HANDSHAKE.read)

    def create_account_status_page(
        self, organization_id: str, states: Sequence[CreateAccountState], page: PageRequest
    ) -> Page[CreateAccountStatus]:
        """The organization's statuses in ``states`` (every state if none), oldest first: one
        index range per state, merged, so a rare state is found without reading the others."""
        chosen = tuple(sorted(set(states) or set(CreateAccountState)))
        statement = _status_page(chosen, page.marker is not None)
        values = {"organization_id": organization_id, "limit": page.limit + 1}
        if page.marker is not None:
            values.update(bound_key(page.marker))
        rows = self._tx.execute(statement, values).all()
        return key_page_of(rows, page.limit, C.created_at, C.id, CREATE_ACCOUNT_STATUS.read)

    def create_account_status(self, status_id: str) -> CreateAccountStatus | None:
        row = self._tx.execute(
            select(*CREATE_ACCOUNT_STATUS.columns).where(C.id == status_id)
        ).first()
        return None if row is None else CREATE_ACCOUNT_STATUS.read(row)

    def count_pending(self, organization_id: str, now: Millis) -> int:
        """The organization's unanswered, unexpired invitations (its quotas count them)."""
        counted = (
            select(func.count())
            .select_from(handshakes)
            .where(H.organization_id == organization_id, _pending(now))
        )
        return int(self._tx.execute(counted).scalar_one())

    def forget_ended(self, organization_id: str, account_id: str, now: Millis) -> None:
        """Deletes the organization's ended (cancelled, declined, expired) invitations to the
        account, before a new one is sent: inviting and cancelling over and over leaves the
        account one ended invitation per organization, not one per round. Accepted ones stay
        (Terraform reads an accepted invitation back)."""
        ended = and_(
            H.organization_id == organization_id, H.target_account_id == account_id, _ended(now)
        )
        self._tx.execute(_tags_of(ended))
        self._tx.execute(delete(handshakes).where(ended))

    def purge_create_account_statuses(self, before: Millis) -> int:
        """Deletes create-account statuses older than ``before`` (the accounts stay)."""
        purged = self._tx.execute(delete(create_account_statuses).where(C.created_at < before))
        return int(purged.rowcount)

    def purge_ended(self, ended_before: Millis) -> int:
        """Deletes invitations that ended (cancelled, declined, expired) before
        ``ended_before``; returns how many."""
        expired_then = and_(H.status == HandshakeStatus.PENDING, H.expired_at <= ended_before)
        answered_then = and_(H.status.in_(_ENDED), H.updated_at <= ended_before)
        self._tx.execute(_tags_of(or_(expired_then, answered_then)))
        purged = self._tx.execute(delete(handshakes).where(or_(expired_then, answered_then)))
        return int(purged.rowcount)


_ENDED = (HandshakeStatus.CANCELLED, HandshakeStatus.DECLINED, HandshakeStatus.EXPIRED)


def _tags_of(condition: ColumnElement[bool]) -> Any:
    """Deletes the tags of the invitations ``condition`` selects: an invitation that expires
    is never answered, so no cancel, decline or accept drops its tags (services/handshakes.py).
    Run before the invitations themselves go."""
    chosen = select(H.id).where(condition)
    return delete(org_tags).where(
        org_tags.c.resource_type == HANDSHAKE_TAGS, org_tags.c.resource_id.in_(chosen)
    )


def _pending(now: Millis) -> ColumnElement[bool]:
    return and_(H.status == HandshakeStatus.PENDING, H.expired_at > now)


def _ended(now: Millis) -> ColumnElement[bool]:
    """The SQL twin of Handshake.status_at being cancelled, declined or expired."""
    return or_(H.status.in_(_ENDED), and_(H.status == HandshakeStatus.PENDING, H.expired_at <= now))
