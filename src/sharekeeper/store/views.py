"""The shared-resource and shared-principal views, and per-share usage for quotas.

``Side.OWNER`` is the owner's side (what the account shares); ``Side.RECEIVER`` the receiver's (what
others share with the account through any of the principals ``through``). Only what is in
effect is listed: associated principals and resources of active shares.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, func, select

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.paging import Page, PageRequest, decode_position
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ShareStatus
from sharekeeper.domain.views import (
    DistinctPrincipal,
    DistinctResource,
    SharedPrincipal,
    SharedPrincipalQuery,
    SharedResource,
    SharedResourceQuery,
    Side,
)
from sharekeeper.store.paging import fetch_page, page_from_rows
from sharekeeper.store.shares import entity_hash, received_share_ids, status_is
from sharekeeper.store.tables import associations, resource_shares, share_tags
from sharekeeper.store.transaction import Transaction

A = associations.c
S = resource_shares.c
T = share_tags.c


def _shares(side: Side, account: str, through: Sequence[str]) -> list[ColumnElement[bool]]:
    conditions: list[ColumnElement[bool]] = [S.status == ShareStatus.ACTIVE]
    if side is Side.OWNER:
        conditions.append(S.owner_account_id == account)
    else:
        conditions += [S.owner_account_id != account, S.id.in_(received_share_ids(through))]
    return conditions


def _shares_with(association_type: AssociationType, entity: str) -> Select[Any]:
    return select(A.resource_share_id).where(
        A.association_type == association_type,
        A.entity_hash == entity_hash(entity),
        A.status == AssociationStatus.ASSOCIATED,
    )


def _resources(
    side: Side, account: str, through: Sequence[str], query: SharedResourceQuery
) -> list[ColumnElement[bool]]:
    conditions = [
        *_shares(side, account, through),
        A.association_type == AssociationType.RESOURCE,
        A.status == AssociationStatus.ASSOCIATED,
    ]
    if query.principal is not None:
        if side is Side.OWNER:
            conditions.append(S.id.in_(_shares_with(AssociationType.PRINCIPAL, query.principal)))
        else:
            conditions.append(S.owner_account_id == query.principal)
    if query.resource_urns:
        conditions.append(A.entity_hash.in_([entity_hash(u) for u in query.resource_urns]))
    if query.resource_ids:
        conditions.append(A.resource_id.in_(query.resource_ids))
    if query.share_ids:
        conditions.append(A.resource_share_id.in_(query.share_ids))
    if query.region is not None:
        conditions.append(A.resource_region == query.region)
    if query.resource_type is not None:
        conditions.append(A.resource_type == query.resource_type)
    return conditions


def _grouped_page(
    tx: Transaction, statement: Select[Any], first_seq: Any, page: PageRequest
) -> list[Any]:
    """Keyset paging over groups: a group's place is its first (smallest) seq."""
    if page.marker is not None:
        statement = statement.having(first_seq > decode_position(page.marker))
    return list(tx.execute(statement.order_by(first_seq).limit(page.limit + 1)).all())


class ViewRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def shared_resources(
        self,
        side: Side,
        account: str,
        through: Sequence[str],
        query: SharedResourceQuery,
        page: PageRequest,
    ) -> Page[SharedResource]:
        statement = (
            select(associations)
            .join(resource_shares, S.id == A.resource_share_id)
            .where(*_resources(side, account, through, query))
        )
        return fetch_page(
            self._tx,
            statement,
            A.seq,
            page,
            lambda r: SharedResource(
                r.entity,
                r.resource_type,
                r.resource_share_id,
                r.status,
                r.created_at,
                r.updated_at,
            ),
        )

    def distinct_resources(
        self,
        side: Side,
        account: str,
        through: Sequence[str],
        query: SharedResourceQuery,
        page: PageRequest,
    ) -> Page[DistinctResource]:
        first = func.min(A.seq)
        statement = (
            select(
                A.entity,
                A.resource_type,
                func.max(A.updated_at).label("updated_at"),
                first.label("seq"),
            )
            .join(resource_shares, S.id == A.resource_share_id)
            .where(*_resources(side, account, through, query))
            .group_by(A.entity_hash, A.entity, A.resource_type)
        )
        rows = _grouped_page(self._tx, statement, first, page)
        return page_from_rows(
            rows, page.limit, lambda r: DistinctResource(r.entity, r.resource_type, r.updated_at)
        )

    def _principal_conditions(
        self, side: Side, account: str, through: Sequence[str], query: SharedPrincipalQuery
    ) -> list[ColumnElement[bool]]:
        conditions = _shares(side, account, through)
        if query.resource_urn is not None:
            conditions.append(S.id.in_(_shares_with(AssociationType.RESOURCE, query.resource_urn)))
        if query.share_ids:
            conditions.append(S.id.in_(query.share_ids))
        if side is Side.OWNER:
            conditions += [
                A.association_type == AssociationType.PRINCIPAL,
                A.status == AssociationStatus.ASSOCIATED,
            ]
            if query.principals:
                conditions.append(A.entity_hash.in_([entity_hash(p) for p in query.principals]))
        elif query.principals:
            conditions.append(S.owner_account_id.in_(query.principals))
        return conditions

    def shared_principals(
        self,
        side: Side,
        account: str,
        through: Sequence[str],
        query: SharedPrincipalQuery,
        page: PageRequest,
    ) -> Page[SharedPrincipal]:
        conditions = self._principal_conditions(side, account, through, query)
        if side is Side.OWNER:
            statement = (
                select(A.seq, A.entity.label("id"), A.resource_share_id, A.created_at, A.updated_at)
                .join(resource_shares, S.id == A.resource_share_id)
                .where(*conditions)
            )
            seq = A.seq
        else:
            # Whom the account receives from: the owner of each share that reaches it.
            statement = select(
                S.seq,
                S.owner_account_id.label("id"),
                S.id.label("resource_share_id"),
                S.created_at,
                S.updated_at,
            ).where(*conditions)
            seq = S.seq
        return fetch_page(
            self._tx,
            statement,
            seq,
            page,
            lambda r: SharedPrincipal(r.id, r.resource_share_id, r.created_at, r.updated_at),
        )

    def distinct_principals(
        self,
        side: Side,
        account: str,
        through: Sequence[str],
        query: SharedPrincipalQuery,
        page: PageRequest,
    ) -> Page[DistinctPrincipal]:
        conditions = self._principal_conditions(side, account, through, query)
        if side is Side.OWNER:
            first = func.min(A.seq)
            statement = (
                select(
                    A.entity.label("id"),
                    func.max(A.updated_at).label("updated_at"),
                    first.label("seq"),
                )
                .join(resource_shares, S.id == A.resource_share_id)
                .where(*conditions)
                .group_by(A.entity_hash, A.entity)
            )
        else:
            first = func.min(S.seq)
            statement = (
                select(
                    S.owner_account_id.label("id"),
                    func.max(S.updated_at).label("updated_at"),
                    first.label("seq"),
                )
                .where(*conditions)
                .group_by(S.owner_account_id)
            )
        rows = _grouped_page(self._tx, statement, first, page)
        return page_from_rows(rows, page.limit, lambda r: DistinctPrincipal(r.id, r.updated_at))

    def most_associations_per_share(
        self, owner: str, association_type: AssociationType, now: Millis
    ) -> int:
        """The most live principals or resources any one of the owner's active shares holds."""
        per_share = (
            select(func.count().label("n"))
            .select_from(associations)
            .join(resource_shares, S.id == A.resource_share_id)
            .where(
                S.owner_account_id == owner,
                S.status == ShareStatus.ACTIVE,
                A.association_type == association_type,
                ~status_is(AssociationStatus.DISASSOCIATED, now),
            )
            .group_by(A.resource_share_id)
            .subquery()
        )
        return int(self._tx.execute(select(func.coalesce(func.max(per_share.c.n), 0))).scalar_one())

    def most_tags_per_share(self, owner: str) -> int:
        per_share = (
            select(func.count().label("n"))
            .select_from(share_tags)
            .join(resource_shares, S.id == T.resource_share_id)
            .where(S.owner_account_id == owner, S.status == ShareStatus.ACTIVE)
            .group_by(T.resource_share_id)
            .subquery()
        )
        return int(self._tx.execute(select(func.coalesce(func.max(per_share.c.n), 0))).scalar_one())
