"""The organization directory: organizations, their units (root and OUs) and members."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import bindparam, delete, exists, insert, or_, select, update

from sharekeeper.domain.organizations import Membership, Organization, OrgUnit
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.tables import org_members, org_units, organizations
from sharekeeper.store.transaction import Transaction

ORG = organizations.c
U = org_units.c
M = org_members.c
_MEMBERSHIP = Prepared(
    select(M.account_id, M.organization_id, M.parent_id).where(
        M.account_id == bindparam("account_id")
    )
)


def _organization(row: Any) -> Organization:
    return Organization(
        row.id, row.management_account_id, row.root_id, row.sharing_enabled, row.created_at
    )


class OrganizationRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, organization: Organization, root: OrgUnit) -> None:
        self._tx.execute(
            insert(organizations).values(
                id=organization.id,
                management_account_id=organization.management_account_id,
                root_id=organization.root_id,
                sharing_enabled=organization.sharing_enabled,
                created_at=organization.created_at,
            )
        )
        self.add_unit(root)

    def get(self, organization_id: str, lock: bool = False) -> Organization | None:
        statement = select(organizations).where(ORG.id == organization_id)
        if lock:
            statement = statement.with_for_update()
        row = self._tx.execute(statement).first()
        return None if row is None else _organization(row)

    def set_sharing(self, organization_id: str, enabled: bool) -> None:
        self._tx.execute(
            update(organizations).where(ORG.id == organization_id).values(sharing_enabled=enabled)
        )

    def add_unit(self, unit: OrgUnit) -> None:
        self._tx.execute(
            insert(org_units).values(
                id=unit.id,
                organization_id=unit.organization_id,
                parent_id=unit.parent_id,
                name=unit.name,
                created_at=unit.created_at,
            )
        )

    def get_unit(self, unit_id: str) -> OrgUnit | None:
        row = self._tx.execute(select(org_units).where(U.id == unit_id)).first()
        if row is None:
            return None
        return OrgUnit(row.id, row.organization_id, row.parent_id, row.name, row.created_at)

    def parents(self, organization_id: str) -> dict[str, str | None]:
        """unit id -> parent unit id, for the whole organization (a small tree)."""
        rows = self._tx.execute(
            select(U.id, U.parent_id).where(U.organization_id == organization_id)
        )
        return {row.id: row.parent_id for row in rows}

    def unit_is_empty(self, unit_id: str) -> bool:
        child = exists().where(U.parent_id == unit_id)
        member = exists().where(M.parent_id == unit_id)
        return not self._tx.execute(select(or_(child, member))).scalar()

    def delete_unit(self, unit_id: str) -> None:
        self._tx.execute(delete(org_units).where(U.id == unit_id))

    def membership(self, account_id: str) -> Membership | None:
        row = self._tx.first(_MEMBERSHIP, {"account_id": account_id})
        return None if row is None else Membership(*row)

    def organizations_of(self, account_ids: Iterable[str]) -> dict[str, str]:
        """account id -> organization id, for those of ``account_ids`` that are members."""
        ids = list(account_ids)
        if not ids:
            return {}
        rows = self._tx.execute(
            select(M.account_id, M.organization_id).where(M.account_id.in_(ids))
        )
        return {row.account_id: row.organization_id for row in rows}

    def place_member(self, membership: Membership, now: int) -> None:
        """Adds the account under ``parent_id``, or moves it there within its organization."""
        moved = self._tx.execute(
            update(org_members)
            .where(M.account_id == membership.account_id)
            .values(parent_id=membership.parent_id)
        )
        if moved.rowcount == 0:
            self._tx.execute(
                insert(org_members).values(
                    account_id=membership.account_id,
                    organization_id=membership.organization_id,
                    parent_id=membership.parent_id,
                    joined_at=now,
                )
            )

    def remove_member(self, account_id: str) -> None:
        self._tx.execute(delete(org_members).where(M.account_id == account_id))
