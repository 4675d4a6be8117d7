"""Customer-managed permissions and their versions, an account's own by name."""

from __future__ import annotations

from collections.abc import Sequence
from itertools import groupby
from typing import Any

from sqlalchemy import bindparam, delete, func, select, update

from sharekeeper.domain.customer_permissions import CustomerPermission, PermissionVersion
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.tables import customer_permission_versions, customer_permissions
from sharekeeper.store.transaction import Transaction

P = customer_permissions.c
V = customer_permission_versions.c
_INSERT = Prepared.insert(customer_permissions)
_INSERT_VERSION = Prepared.insert(customer_permission_versions)
_COLUMNS = (
    P.id,
    P.owner_account_id,
    P.name,
    P.resource_type,
    P.default_version,
    P.created_at,
    P.updated_at,
    P.status,
)
_BY_NAME = Prepared(
    select(*_COLUMNS).where(P.owner_account_id == bindparam("owner"), P.name == bindparam("name"))
)
_BY_ID = Prepared(select(*_COLUMNS).where(P.id == bindparam("id")))
_COUNT = Prepared(
    select(func.count())
    .select_from(customer_permissions)
    .where(P.owner_account_id == bindparam("owner"))
)


class CustomerPermissionRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, permission: CustomerPermission) -> None:
        names = ("id", "owner_account_id", "name", "resource_type", "default_version", "status")
        values: dict[str, Any] = {n: getattr(permission, n) for n in names}
        values.update(created_at=permission.created_at, updated_at=permission.updated_at)
        self._tx.rowcount(_INSERT, values)
        for version in permission.versions:
            self.add_version(permission.id, version)

    def add_version(self, permission_id: str, version: PermissionVersion) -> None:
        values = {
            "permission_id": permission_id,
            "version": version.version,
            "template": version.template,
            "created_at": version.created_at,
        }
        self._tx.rowcount(_INSERT_VERSION, values)

    def named(self, owner: str, name: str) -> CustomerPermission | None:
        row = self._tx.first(_BY_NAME, {"owner": owner, "name": name})
        return None if row is None else self._with_versions([row])[0]

    def get(self, permission_id: str) -> CustomerPermission | None:
        row = self._tx.first(_BY_ID, {"id": permission_id})
        return None if row is None else self._with_versions([row])[0]

    def owned(self, owner: str, resource_type: str | None = None) -> list[CustomerPermission]:
        """The owner's permissions, oldest first (an account holds at most MAX_PERMISSIONS)."""
        statement = select(*_COLUMNS).where(P.owner_account_id == owner).order_by(P.seq)
        if resource_type is not None:
            statement = statement.where(P.resource_type == resource_type)
        return self._with_versions([tuple(r) for r in self._tx.execute(statement)])

    def count(self, owner: str) -> int:
        row = self._tx.first(_COUNT, {"owner": owner})
        return 0 if row is None else int(row[0])

    def changed(self, permission: CustomerPermission) -> None:
        """Stores the default version, the status and the time of a change."""
        self._tx.execute(
            update(customer_permissions)
            .where(P.id == permission.id)
            .values(
                default_version=permission.default_version,
                status=permission.status,
                updated_at=permission.updated_at,
            )
        )

    def remove_version(self, permission_id: str, version: int) -> None:
        self._tx.execute(
            delete(customer_permission_versions).where(
                V.permission_id == permission_id, V.version == version
            )
        )

    def remove(self, permission_id: str) -> None:
        """The permission; its versions go with it (the foreign key cascades)."""
        self._tx.execute(delete(customer_permissions).where(P.id == permission_id))

    def _with_versions(self, rows: Sequence[tuple[Any, ...]]) -> list[CustomerPermission]:
        if not rows:
            return []
        ids = [r[0] for r in rows]
        statement = (
            select(V.permission_id, V.version, V.template, V.created_at)
            .where(V.permission_id.in_(ids))
            .order_by(V.permission_id, V.version)
        )
        found = {
            key: tuple(PermissionVersion(v[1], v[2], v[3]) for v in group)
            for key, group in groupby(self._tx.execute(statement), key=lambda v: v[0])
        }
        return [
            CustomerPermission(
                r[0], r[1], r[2], r[3], r[4], r[5], r[6], found.get(r[0], ()), status=r[7]
            )
            for r in rows
        ]
