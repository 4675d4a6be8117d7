"""Service principals and their keys."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.domain.service_principals import ServicePrincipal
from sharekeeper.store.paging import fetch_page
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.rows import Field, RowMapping
from sharekeeper.store.tables import service_principals
from sharekeeper.store.transaction import Transaction

C = service_principals.c
SERVICE = RowMapping(
    ServicePrincipal,
    C.id,
    C.name,
    Field(C.namespaces, convert=lambda text: tuple(text.split()), store=" ".join),
    C.access_key,
    C.sealed_secret,
    C.created_at,
    C.revoked_at,
)
# Read on every decision request, to check its signature.
_BY_KEY = Prepared(select(*SERVICE.columns).where(C.access_key == bindparam("access_key")))
_BY_ID = Prepared(select(*SERVICE.columns).where(C.id == bindparam("service_id")))


class ServicePrincipalRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, service: ServicePrincipal) -> None:
        self._tx.execute(insert(service_principals).values(SERVICE.values(service)))

    def by_access_key(self, access_key: str) -> ServicePrincipal | None:
        row = self._tx.first(_BY_KEY, {"access_key": access_key})
        return None if row is None else SERVICE.read(row)

    def get(self, service_id: str) -> ServicePrincipal | None:
        row = self._tx.first(_BY_ID, {"service_id": service_id})
        return None if row is None else SERVICE.read(row)

    def page(self, page: PageRequest) -> Page[ServicePrincipal]:
        statement = select(*SERVICE.columns, C.seq)
        return fetch_page(self._tx, statement, C.seq, page, SERVICE.read)

    def revoke(self, service_id: str, now: int) -> bool:
        """False when the service was revoked already (compare-and-set)."""
        result = self._tx.execute(
            update(service_principals)
            .where(C.id == service_id, C.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return bool(result.rowcount)
