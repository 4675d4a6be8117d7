"""The reads behind a checker's snapshot (services/snapshot.py): the active shares that hold
resources of given namespaces, with their live resources of those namespaces, principals and
the permissions bound for those namespaces' types; and every account that is a member of an
organization (services/snapshot.py shows only those its shares reach)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import or_, select

from sharekeeper.domain.customer_permissions import decision_document
from sharekeeper.domain.permissions import CUSTOMER_MANAGED
from sharekeeper.domain.shares import AssociationStatus, AssociationType, ShareStatus
from sharekeeper.domain.snapshot import HeldShare
from sharekeeper.store.decisions import owned_version
from sharekeeper.store.tables import (
    associations,
    customer_permission_versions,
    org_members,
    resource_shares,
    share_permissions,
)
from sharekeeper.store.transaction import Transaction

A = associations.c
S = resource_shares.c
B = share_permissions.c
V = customer_permission_versions.c


class SnapshotRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def held_shares(self, namespaces: Sequence[str]) -> list[HeldShare]:
        """Every active share holding a live resource whose type is in ``namespaces``, in
        three statements whatever the number of shares."""
        in_namespaces = or_(*(A.resource_type.like(f"{ns}:%") for ns in namespaces))
        held = (
            select(A.resource_share_id, A.entity, A.resource_type)
            .join(resource_shares, S.id == A.resource_share_id)
            .where(
                S.status == ShareStatus.ACTIVE,
                A.association_type == AssociationType.RESOURCE,
                A.status == AssociationStatus.ASSOCIATED,
                in_namespaces,
            )
        )
        shares: dict[str, HeldShare] = {}
        for share_id, urn, type_ in self._tx.execute(held):
            shares.setdefault(share_id, HeldShare(share_id)).resources[urn] = type_
        ids = held.with_only_columns(A.resource_share_id).distinct().scalar_subquery()
        reached = select(A.resource_share_id, A.entity).where(
            A.resource_share_id.in_(ids),
            A.association_type == AssociationType.PRINCIPAL,
            A.status == AssociationStatus.ASSOCIATED,
        )
        for share_id, entity in self._tx.execute(reached):
            if share_id in shares:
                shares[share_id].principals.add(entity)
        # Only the namespaces' bindings: another namespace's is none of this service's.
        bound = (
            select(
                B.resource_share_id,
                B.resource_type,
                B.permission_id,
                B.permission_version,
                B.permission_type,
                V.template,
            )
            .outerjoin(customer_permission_versions, owned_version())
            .where(
                B.resource_share_id.in_(ids),
                or_(*(B.resource_type.like(f"{ns}:%") for ns in namespaces)),
            )
        )
        for share_id, type_, permission_id, version, kind, template in self._tx.execute(bound):
            if share_id in shares:
                shares[share_id].permissions[type_] = (permission_id, version)
                if kind == CUSTOMER_MANAGED:
                    shares[share_id].documents[type_] = decision_document(template)
        return list(shares.values())

    def organization_members(self) -> list[str]:
        return [row[0] for row in self._tx.execute(select(org_members.c.account_id))]
