"""The reads behind access decisions: which active shares hold given resources and reach given
principals, with the permission each binds for the resource's type; and the resources a
principal can use, keyset-paged. Both start from indexed hashes
(ix_associations_entity_type_status, then the association's unique key per share), so their
cost follows what the resource and the principal take part in, not how many shares exist."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from sqlalchemy import ColumnElement, Select, and_, bindparam, or_, select, tuple_

from sharekeeper.domain.customer_permissions import decision_document
from sharekeeper.domain.decisions import AccessibleResource, Grant, Holding
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.permissions import CUSTOMER_MANAGED
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ShareStatus
from sharekeeper.store.paging import fetch_page
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.shares import entity_hash, received_share_ids
from sharekeeper.store.tables import (
    associations,
    customer_permission_versions,
    resource_shares,
    share_permissions,
)
from sharekeeper.store.transaction import Transaction

S = resource_shares.c
B = share_permissions.c
V = customer_permission_versions.c
_RESOURCE = associations.alias("held")
_PRINCIPAL = associations.alias("reached")
R = _RESOURCE.c
P = _PRINCIPAL.c


def owned_version() -> ColumnElement[bool]:
    """Joins a binding to its customer-managed version (none for the catalogue's)."""
    return and_(
        B.permission_type == CUSTOMER_MANAGED,
        V.permission_id == B.permission_id,
        V.version == B.permission_version,
    )


def _holdings(resources: Any, principals: Any) -> Select[Any]:
    """The holdings of the URN hashes ``resources`` and the entity hashes ``principals``;
    a customer-managed binding with its template."""
    return (
        select(
            R.entity_hash, P.entity_hash, S.id, B.permission_id, B.permission_version, V.template
        )
        .select_from(_RESOURCE)
        .join(resource_shares, S.id == R.resource_share_id)
        .join(
            _PRINCIPAL,
            and_(
                P.resource_share_id == R.resource_share_id,
                P.association_type == AssociationType.PRINCIPAL,
                P.entity_hash.in_(principals),
                P.status == AssociationStatus.ASSOCIATED,
            ),
        )
        .outerjoin(
            share_permissions,
            and_(B.resource_share_id == S.id, B.resource_type == R.resource_type),
        )
        .outerjoin(customer_permission_versions, owned_version())
        .where(
            R.association_type == AssociationType.RESOURCE,
            R.entity_hash.in_(resources),
            R.status == AssociationStatus.ASSOCIATED,
            S.status == ShareStatus.ACTIVE,
        )
    )


# Each statement is prepared once per shape: building and compiling it per request cost more
# than running it. A single decision's few spellings and entities are a shape each; a batch's
# lists are padded (their last hash repeated, which matches nothing more) to the next power of
# two, so that batches of every size share a few dozen statements.
_EXACT_MOST = (8, 32)
_SHAPES: dict[tuple[int, int], Prepared] = {}


def _prepared(resources: int, principals: int) -> Prepared:
    found = _SHAPES.get((resources, principals))
    if found is None:
        found = _SHAPES[resources, principals] = Prepared(
            _holdings(
                [bindparam(f"r{i}") for i in range(resources)],
                [bindparam(f"p{i}") for i in range(principals)],
            )
        )
    return found


def _shape(count: int, exact_most: int) -> int:
    return count if count <= exact_most else 1 << (count - 1).bit_length()


def _bound(prefix: str, hashes: list[str], exact_most: int) -> dict[str, str]:
    """The statement's parameters for ``hashes``, padded to their shape."""
    padded = hashes + [hashes[-1]] * (_shape(len(hashes), exact_most) - len(hashes))
    return {f"{prefix}{i}": h for i, h in enumerate(padded)}


def _grant(row: Sequence[Any]) -> Grant:
    """A holding's grant; a customer-managed permission's content from its template (the
    catalogue's are resolved by the service)."""
    template = row[5]
    return Grant(row[2], row[3], row[4], None if template is None else decision_document(template))


class DecisionRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def holdings(self, resources: Collection[str], principals: Collection[str]) -> list[Holding]:
        """Every (resource, principal, share) among ``resources`` (URNs) and ``principals``
        (entities: account ids, organization and OU names) where an active share holds the
        resource and reaches the principal, both associated. One statement for a batch."""
        if not resources or not principals:
            return []
        resource_of = {entity_hash(r): r for r in resources}
        principal_of = {entity_hash(p): p for p in principals}
        values = _bound("r", sorted(resource_of), _EXACT_MOST[0])
        principal_values = _bound("p", sorted(principal_of), _EXACT_MOST[1])
        statement = _prepared(len(values), len(principal_values))
        rows = self._tx.rows(statement, values | principal_values)
        return [
            Holding(
                resource_of[row[0]],
                principal_of[row[1]],
                Grant(
                    row[2], row[3], row[4], None if row[5] is None else decision_document(row[5])
                ),
            )
            for row in rows
        ]

    def accessible(
        self,
        principal: str,
        through: Sequence[str],
        resource_type: str,
        permissions: Collection[tuple[str, int]] | None,
        page: PageRequest,
    ) -> Page[AccessibleResource]:
        """The resources of ``resource_type`` that active shares reaching ``principal``
        (through any of ``through``) hold, one row per share; with ``permissions``, only where
        the share binds one of those (id, version) for the type. Keyset-paged on the
        resource association's seq; the principal's own shares excluded."""
        # From the shares that reach the principal (its entities' hashes), then each share's
        # resources by the association's unique key: planned so on both databases, where a
        # ``share_id IN (subquery)`` let SQLite scan live associations by status instead.
        reached = received_share_ids(through).distinct().subquery()
        statement = (
            select(R.entity, S.id, S.owner_account_id, R.seq)
            .select_from(reached)
            .join(_RESOURCE, R.resource_share_id == reached.c.resource_share_id)
            .join(resource_shares, S.id == R.resource_share_id)
            .where(
                R.association_type == AssociationType.RESOURCE,
                R.resource_type == resource_type,
                R.status == AssociationStatus.ASSOCIATED,
                S.status == ShareStatus.ACTIVE,
                S.owner_account_id != principal,
            )
        )
        if permissions is not None:
            # A customer-managed binding is kept for the caller's check of its template.
            bound = select(B.resource_share_id).where(
                B.resource_type == resource_type,
                or_(
                    tuple_(B.permission_id, B.permission_version).in_(sorted(permissions)),
                    B.permission_type == CUSTOMER_MANAGED,
                ),
            )
            statement = statement.where(R.resource_share_id.in_(bound))
        return fetch_page(
            self._tx, statement, R.seq, page, lambda r: AccessibleResource(r[0], r[1], r[2])
        )
