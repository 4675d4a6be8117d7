"""Invitations. Every status change is a compare-and-set on the stored status."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    Connection,
    Select,
    String,
    and_,
    bindparam,
    case,
    func,
    insert,
    or_,
    select,
    union_all,
    update,
)

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.invitations import Invitation, InvitationQuery, InvitationStatus
from sharekeeper.domain.paging import Page, PageRequest, decode_position
from sharekeeper.store.paging import page_from_rows
from sharekeeper.store.tables import invitations, resource_shares

INV = invitations.c
S = resource_shares.c

_WITH_SHARE_NAME = select(invitations, S.name).join(resource_shares, S.id == INV.resource_share_id)


def _invitation(row: Any) -> Invitation:
    return Invitation(
        id=row.id,
        resource_share_id=row.resource_share_id,
        resource_share_name=row.name,
        sender_account_id=row.sender_account_id,
        receiver_account_id=row.receiver_account_id,
        status=InvitationStatus(row.status),
        created_at=row.created_at,
        updated_at=row.updated_at,
        expires_at=row.expires_at,
    )


def _status_shape(status: str | None) -> str | None:
    if status in (InvitationStatus.PENDING, InvitationStatus.EXPIRED):
        return status
    return None if status is None else "other"


def _status_condition(shape: str) -> ColumnElement[bool]:
    """The SQL twin of Invitation.status_at, on bound parameters :status and :now."""
    now, status = bindparam("now", type_=BigInteger), bindparam("status", type_=String)
    if shape == InvitationStatus.PENDING:
        return and_(INV.status == status, INV.expires_at > now)
    if shape == InvitationStatus.EXPIRED:
        return or_(
            INV.status == status,
            and_(INV.status == InvitationStatus.PENDING, INV.expires_at <= now),
        )
    return INV.status == status


def _search_statement(share_ids: bool, invitation_ids: bool, status: str | None) -> Select[Any]:
    """The search for one combination of filters, on bound parameters: built once, since
    building it costs several times more than running it."""

    def side(column: Any) -> Select[Any]:
        statement = _WITH_SHARE_NAME.where(
            column == bindparam("account"), INV.seq > bindparam("after")
        )
        if share_ids:
            statement = statement.where(
                INV.resource_share_id.in_(bindparam("share_ids", expanding=True))
            )
        if invitation_ids:
            statement = statement.where(INV.id.in_(bindparam("invitation_ids", expanding=True)))
        if status is not None:
            statement = statement.where(_status_condition(status))
        return statement.order_by(INV.seq).limit(bindparam("limit"))

    # Owners cannot invite themselves, so the two sides never hold the same row.
    both = union_all(
        side(INV.receiver_account_id).subquery().select(),
        side(INV.sender_account_id).subquery().select(),
    ).subquery()
    return select(both).order_by(both.c.seq).limit(bindparam("limit"))


_GET = _WITH_SHARE_NAME.where(INV.id == bindparam("invitation_id"))
# The compare-and-set of accept and reject: only a pending, unexpired invitation moves.
_ANSWER = (
    update(invitations)
    .where(
        INV.id == bindparam("invitation_id"),
        INV.status == InvitationStatus.PENDING,
        INV.expires_at > bindparam("now", type_=BigInteger),
    )
    .values(status=bindparam("answer", type_=String), updated_at=bindparam("now"))
)
_SEARCHES: dict[tuple[bool, bool, str | None], Select[Any]] = {}


class InvitationRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add_many(self, items: Iterable[Invitation]) -> None:
        rows = [
            {
                "id": i.id,
                "resource_share_id": i.resource_share_id,
                "sender_account_id": i.sender_account_id,
                "receiver_account_id": i.receiver_account_id,
                "status": i.status,
                "created_at": i.created_at,
                "updated_at": i.updated_at,
                "expires_at": i.expires_at,
            }
            for i in items
        ]
        if rows:
            self._c.execute(insert(invitations), rows)

    def get(self, invitation_id: str) -> Invitation | None:
        row = self._c.execute(_GET, {"invitation_id": invitation_id}).first()
        return None if row is None else _invitation(row)

    def answer(self, invitation_id: str, status: InvitationStatus, now: Millis) -> bool:
        """pending -> ``status`` if still pending and unexpired; False if another change won."""
        parameters = {"invitation_id": invitation_id, "answer": status.value, "now": now}
        return self._c.execute(_ANSWER, parameters).rowcount == 1

    def close_pending(self, share_id: str, now: Millis, receiver: str | None = None) -> None:
        """Withdraws the share's open invitations (of one receiver, if given); the expired ones
        are recorded as expired, so none is left pending."""
        scope = [INV.resource_share_id == share_id, INV.status == InvitationStatus.PENDING]
        if receiver is not None:
            scope.append(INV.receiver_account_id == receiver)
        self._c.execute(
            update(invitations)
            .where(*scope, INV.expires_at <= now)
            .values(status=InvitationStatus.EXPIRED, updated_at=INV.expires_at)
        )
        self._c.execute(
            update(invitations)
            .where(*scope, INV.expires_at > now)
            .values(status=InvitationStatus.WITHDRAWN, updated_at=now)
        )

    def expire_stale(self, share_id: str, receiver: str, now: Millis) -> None:
        """Records an unanswered, expired invitation as expired, so a new one may be sent."""
        self._c.execute(
            update(invitations)
            .where(
                INV.resource_share_id == share_id,
                INV.receiver_account_id == receiver,
                INV.status == InvitationStatus.PENDING,
                INV.expires_at <= now,
            )
            .values(status=InvitationStatus.EXPIRED, updated_at=INV.expires_at)
        )

    def count_by_status(self, now: Millis) -> dict[str, int]:
        seen = case(
            (and_(INV.status == InvitationStatus.PENDING, INV.expires_at <= now), "expired"),
            else_=INV.status,
        ).label("seen")
        rows = self._c.execute(select(seen, func.count()).group_by(seen))
        return {row[0]: int(row[1]) for row in rows}

    def search(
        self, account_id: str, query: InvitationQuery, page: PageRequest, now: Millis
    ) -> Page[Invitation]:
        """Invitations the account received or sent, in one keyset walk over both indexes."""
        shape = (bool(query.share_ids), bool(query.invitation_ids), _status_shape(query.status))
        statement = _SEARCHES.get(shape)
        if statement is None:
            statement = _SEARCHES[shape] = _search_statement(*shape)
        parameters = {
            "account": account_id,
            "after": decode_position(page.marker),
            "limit": page.limit + 1,
            "share_ids": list(query.share_ids),
            "invitation_ids": list(query.invitation_ids),
            "status": query.status,
            "now": now,
        }
        rows = self._c.execute(statement, parameters).all()
        return page_from_rows(rows, page.limit, lambda row: _invitation(row).seen_at(now))
