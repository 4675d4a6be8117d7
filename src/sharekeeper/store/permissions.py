"""Permissions bound to resource shares: one per resource type and share."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Sequence

from sqlalchemy import and_, bindparam, delete, exists, func, or_, select, update

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.permissions import CUSTOMER_MANAGED, Permission
from sharekeeper.domain.shares import AssociationStatus, ShareStatus
from sharekeeper.domain.views import BindingQuery, BoundPermission, ShareBinding
from sharekeeper.store.paging import fetch_page
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.rows import RowMapping
from sharekeeper.store.shares import received_share_ids
from sharekeeper.store.tables import customer_permissions, resource_shares, share_permissions
from sharekeeper.store.transaction import Transaction

P = share_permissions.c
_INSERT = Prepared.insert(share_permissions)
_BOUND = Prepared(
    select(P.resource_type, P.permission_id).where(P.resource_share_id == bindparam("share_id"))
)
S = resource_shares.c
C = customer_permissions.c


BOUND_PERMISSION = RowMapping(
    BoundPermission,
    P.permission_id,
    P.permission_version,
    P.resource_type,
    P.status,
    P.created_at,
    P.updated_at,
    P.permission_type,
)


class PermissionBindingRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def bound(self, share_id: str) -> dict[str, str]:
        """resource type -> id of the permission bound for it."""
        return dict(self._tx.rows(_BOUND, {"share_id": share_id}))

    def bound_versions(self, share_id: str) -> dict[str, tuple[str, int]]:
        """resource type -> (id, version) of the permission bound for it."""
        statement = select(P.resource_type, P.permission_id, P.permission_version).where(
            P.resource_share_id == share_id
        )
        return {row[0]: (row[1], row[2]) for row in self._tx.execute(statement)}

    def of_share(self, share_id: str) -> list[BoundPermission]:
        statement = select(*BOUND_PERMISSION.columns).where(P.resource_share_id == share_id)
        return [BOUND_PERMISSION.read(row) for row in self._tx.execute(statement.order_by(P.seq))]

    def bind(self, share_id: str, permissions: Iterable[Permission], now: Millis) -> None:
        for p in permissions:
            status = AssociationStatus.ASSOCIATED.value
            bound = BoundPermission(
                p.id, p.version, p.resource_type, status, now, now, p.permission_type
            )
            values = {"resource_share_id": share_id, **BOUND_PERMISSION.values(bound)}
            self._tx.send(_INSERT, values)

    def replace(self, share_id: str, permission: Permission, now: Millis) -> None:
        self._tx.execute(
            update(share_permissions)
            .where(P.resource_share_id == share_id, P.resource_type == permission.resource_type)
            .values(
                permission_id=permission.id,
                permission_version=permission.version,
                permission_type=permission.permission_type,
                created_at=now,
                updated_at=now,
            )
        )

    def unbind(self, share_id: str, resource_type: str) -> None:
        self._tx.execute(
            delete(share_permissions).where(
                P.resource_share_id == share_id, P.resource_type == resource_type
            )
        )

    def page(
        self, share_id: str, permission_ids: Sequence[str] | None, page: PageRequest
    ) -> Page[BoundPermission]:
        statement = select(*BOUND_PERMISSION.columns, P.seq).where(P.resource_share_id == share_id)
        if permission_ids is not None:
            statement = statement.where(P.permission_id.in_(permission_ids))
        return fetch_page(self._tx, statement, P.seq, page, BOUND_PERMISSION.read)

    def most_per_share(self, owner: str) -> int:
        """The most permissions bound to any one of the owner's active shares."""
        per_share = (
            select(func.count().label("n"))
            .select_from(share_permissions)
            .join(resource_shares, S.id == P.resource_share_id)
            .where(S.owner_account_id == owner, S.status == ShareStatus.ACTIVE)
            .group_by(P.resource_share_id)
            .subquery()
        )
        return int(self._tx.execute(select(func.coalesce(func.max(per_share.c.n), 0))).scalar_one())

    def bindings_page(
        self,
        caller: str,
        through: Sequence[str] | None,
        query: BindingQuery,
        catalogue_defaults: Collection[tuple[str, int]],
        page: PageRequest,
    ) -> Page[ShareBinding]:
        """The permissions bound to ``caller``'s shares, or (``through`` its entities) to the
        active shares of others that reach it, in binding order. ``catalogue_defaults``: the
        (id, version) of the catalogue's default versions, for ``query.default_version``."""
        width = len(BOUND_PERMISSION.columns)
        statement = select(
            *BOUND_PERMISSION.columns, P.resource_share_id, S.owner_account_id, P.seq
        ).join(resource_shares, S.id == P.resource_share_id)
        if through is None:
            statement = statement.where(S.owner_account_id == caller)
        else:
            statement = statement.where(
                S.id.in_(received_share_ids(through)),
                S.owner_account_id != caller,
                S.status == ShareStatus.ACTIVE.value,
            )
        for column, value in (
            (P.permission_id, query.permission_id),
            (P.permission_version, query.permission_version),
            (P.status, query.status),
            (P.resource_type, query.resource_type),
            (P.resource_share_id, query.share_id),
        ):
            if value is not None:
                statement = statement.where(column == value)
        if query.default_version:
            pairs = [
                and_(P.permission_id == i, P.permission_version == v) for i, v in catalogue_defaults
            ]
            owned_default = exists().where(
                C.id == P.permission_id, C.default_version == P.permission_version
            )
            statement = statement.where(
                or_(*pairs, and_(P.permission_type == CUSTOMER_MANAGED, owned_default))
            )
        return fetch_page(
            self._tx,
            statement,
            P.seq,
            page,
            lambda row: ShareBinding(row[width], BOUND_PERMISSION.read(row), row[width + 1]),
        )

    def binding_shares(self, permission_id: str, version: int | None = None) -> list[str]:
        """The active shares that bind the permission (that version, if given)."""
        statement = (
            select(P.resource_share_id)
            .join(resource_shares, S.id == P.resource_share_id)
            .where(S.status == ShareStatus.ACTIVE.value, P.permission_id == permission_id)
        )
        if version is not None:
            statement = statement.where(P.permission_version == version)
        return [row[0] for row in self._tx.execute(statement.order_by(P.seq))]

    def forget(self, permission_id: str) -> None:
        """Every binding of the permission (left only on ended shares, which decide nothing)."""
        self._tx.execute(delete(share_permissions).where(P.permission_id == permission_id))

    def owner_shares_binding(
        self, owner: str, permission_id: str, version: int | None
    ) -> list[tuple[str, int]]:
        """(share id, version bound) of the owner's active shares that bind the permission
        (that version, if given)."""
        statement = (
            select(P.resource_share_id, P.permission_version)
            .join(resource_shares, S.id == P.resource_share_id)
            .where(
                S.owner_account_id == owner,
                S.status == ShareStatus.ACTIVE.value,
                P.permission_id == permission_id,
            )
            .order_by(P.seq)
        )
        if version is not None:
            statement = statement.where(P.permission_version == version)
        return [(row[0], row[1]) for row in self._tx.execute(statement)]
