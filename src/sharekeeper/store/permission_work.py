"""ReplacePermissionAssociations' work records, an owner's own."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select

from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.permission_work import ReplacementWork, WorkStatus
from sharekeeper.store.paging import fetch_page
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.rows import Field, RowMapping, enum_of
from sharekeeper.store.tables import permission_replacements
from sharekeeper.store.transaction import Transaction

W = permission_replacements.c
_INSERT = Prepared.insert(permission_replacements)

WORK = RowMapping(
    ReplacementWork,
    W.id,
    W.owner_account_id,
    W.from_permission_id,
    W.from_version,
    W.to_permission_id,
    W.to_version,
    Field(W.status, convert=enum_of(WorkStatus), store=lambda s: s.value),
    W.replaced,
    W.created_at,
    W.updated_at,
)


class PermissionWorkRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, work: ReplacementWork) -> None:
        self._tx.rowcount(_INSERT, WORK.values(work))

    def page(
        self,
        owner: str,
        ids: Sequence[str],
        status: WorkStatus | None,
        page: PageRequest,
    ) -> Page[ReplacementWork]:
        statement = select(*WORK.columns, W.seq).where(W.owner_account_id == owner)
        if ids:
            statement = statement.where(W.id.in_(ids))
        if status is not None:
            statement = statement.where(W.status == status.value)
        return fetch_page(self._tx, statement, W.seq, page, WORK.read)
