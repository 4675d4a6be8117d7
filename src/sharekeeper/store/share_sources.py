"""A share's sources: the accounts its service principals may act for, read as associations
of type SOURCE (their entity the source account's id)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import BigInteger, String, Text, bindparam, func, not_, select, update

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.share_sources import SERVICE_PREFIX, SourceQuery
from sharekeeper.domain.shares import Association, AssociationStatus, AssociationType
from sharekeeper.store.paging import fetch_page
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.shares import share_visible, status_is
from sharekeeper.store.tables import associations, resource_shares, share_sources
from sharekeeper.store.transaction import Transaction

S = resource_shares.c
R = share_sources.c
A = associations.c

_SELECT = select(
    R.resource_share_id,
    S.name,
    R.source_id,
    R.status,
    R.created_at,
    R.updated_at,
    R.status_message,
    R.seq,
).join(resource_shares, S.id == R.resource_share_id)
_INSERT = Prepared.insert(share_sources)
_OVERWRITE = Prepared(
    update(share_sources)
    .where(R.resource_share_id == bindparam("share_id"), R.source_id == bindparam("source"))
    .values(
        status=bindparam("status", type_=String),
        status_message=bindparam("message", type_=Text),
        updated_at=bindparam("now", type_=BigInteger),
    )
)
_COUNT_LIVE = Prepared(
    select(func.count())
    .select_from(share_sources)
    .where(
        R.resource_share_id == bindparam("share_id"),
        R.status == AssociationStatus.ASSOCIATED.value,
    )
)


def _read(row: Sequence[Any]) -> Association:
    return Association(
        row[0],
        row[1],
        AssociationType.SOURCE,
        row[2],
        AssociationStatus(row[3]),
        row[4],
        row[5],
        status_message=row[6],
    )


class ShareSourceRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def find(self, share_id: str, sources: Iterable[str]) -> dict[str, Association]:
        wanted = list(sources)
        if not wanted:
            return {}
        statement = _SELECT.where(R.resource_share_id == share_id, R.source_id.in_(wanted))
        return {row[2]: _read(row) for row in self._tx.execute(statement)}

    def save(self, association: Association) -> None:
        """Inserts the source, or overwrites the share's row for the same account."""
        values = {
            "share_id": association.resource_share_id,
            "source": association.entity,
            "status": association.status.value,
            "message": association.status_message,
            "now": association.updated_at,
        }
        if self._tx.rowcount(_OVERWRITE, values):
            return
        row = {
            "resource_share_id": association.resource_share_id,
            "source_id": association.entity,
            "status": association.status.value,
            "status_message": association.status_message,
            "created_at": association.created_at,
            "updated_at": association.updated_at,
        }
        self._tx.send(_INSERT, row)

    def live(self, share_id: str) -> list[str]:
        """The share's bound source accounts, in the order they were first bound."""
        statement = (
            select(R.source_id)
            .where(
                R.resource_share_id == share_id,
                R.status == AssociationStatus.ASSOCIATED.value,
            )
            .order_by(R.seq)
        )
        return [row[0] for row in self._tx.execute(statement)]

    def live_of(self, share_ids: Sequence[str]) -> dict[str, list[str]]:
        """Each share's bound source accounts (a share with none is left out)."""
        if not share_ids:
            return {}
        statement = select(R.resource_share_id, R.source_id).where(
            R.resource_share_id.in_(share_ids),
            R.status == AssociationStatus.ASSOCIATED.value,
        )
        found: dict[str, list[str]] = {}
        for share_id, source in self._tx.execute(statement):
            found.setdefault(share_id, []).append(source)
        return found

    def count_live(self, share_id: str) -> int:
        return int(self._tx.rows(_COUNT_LIVE, {"share_id": share_id})[0][0])

    def names_a_service(self, share_id: str, now: Millis) -> bool:
        """Whether a live principal of the share is a service."""
        statement = (
            select(A.seq)
            .where(
                A.resource_share_id == share_id,
                A.association_type == AssociationType.PRINCIPAL.value,
                A.entity.startswith(SERVICE_PREFIX, autoescape=True),
                not_(status_is(AssociationStatus.DISASSOCIATED, now)),
            )
            .limit(1)
        )
        return self._tx.execute(statement).first() is not None

    def end_all(self, share_id: str, now: Millis, message: str) -> None:
        self._tx.execute(
            update(share_sources)
            .where(
                R.resource_share_id == share_id,
                R.status == AssociationStatus.ASSOCIATED.value,
            )
            .values(
                status=AssociationStatus.DISASSOCIATED.value,
                status_message=message,
                updated_at=now,
            )
        )

    def search(
        self, owner: str, query: SourceQuery, page: PageRequest, now: Millis
    ) -> Page[Association]:
        """The sources of ``owner``'s shares (a deleted share's while it is listed)."""
        statement = _SELECT.where(S.owner_account_id == owner, share_visible(now))
        if query.share_ids:
            statement = statement.where(R.resource_share_id.in_(query.share_ids))
        if query.source is not None:
            statement = statement.where(R.source_id == query.source)
        if query.status is not None:
            statement = statement.where(R.status == query.status)
        return fetch_page(self._tx, statement, R.seq, page, _read)
