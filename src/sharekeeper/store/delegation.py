"""Delegated administrators: which member account administers which trusted service."""

from __future__ import annotations

from typing import Any

from sqlalchemy import delete, exists, func, select
from sqlalchemy.dialects import postgresql, sqlite

from sharekeeper.domain.clock import Millis
from sharekeeper.domain.delegation import Delegation
from sharekeeper.domain.organizations import Membership
from sharekeeper.domain.paging import Page, PageRequest
from sharekeeper.store.organizations import MEMBERSHIP
from sharekeeper.store.paging import fetch_key_page
from sharekeeper.store.rows import RowMapping
from sharekeeper.store.tables import accounts, delegated_administrators, org_members
from sharekeeper.store.transaction import Transaction

D = delegated_administrators.c
M = org_members.c
DELEGATION = RowMapping(
    Delegation, D.account_id, D.organization_id, D.service_principal, D.enabled_at
)

# A delegated administrator as ListDelegatedAdministrators shows it: its membership, its
# account's name, and since when it is one (for the service asked, or its first one).
DelegatedMember = tuple[Membership, str, Millis]


def _delegated_member(row: Any) -> DelegatedMember:
    return MEMBERSHIP.read(row), row[-2], row[-1]


class DelegationRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, delegation: Delegation) -> bool:
        """False, and nothing written, if the account already administers that service: the
        primary key decides between racing registrations."""
        dialect = sqlite if self._tx.backend.name == "sqlite" else postgresql
        statement = dialect.insert(delegated_administrators).values(DELEGATION.values(delegation))
        # RETURNING, not the row count: psycopg reports -1 for an insert that did nothing.
        added = statement.on_conflict_do_nothing().returning(D.account_id)
        return self._tx.execute(added).first() is not None

    def remove(self, account_id: str, service_principal: str) -> bool:
        removed = self._tx.execute(
            delete(delegated_administrators).where(
                D.account_id == account_id, D.service_principal == service_principal
            )
        )
        return bool(removed.rowcount)

    def remove_service(self, organization_id: str, service_principal: str) -> None:
        """Every delegation of the service (it is no longer trusted)."""
        self._tx.execute(
            delete(delegated_administrators).where(
                D.organization_id == organization_id, D.service_principal == service_principal
            )
        )

    def count_for_service(self, organization_id: str, service_principal: str) -> int:
        counted = (
            select(func.count())
            .select_from(delegated_administrators)
            .where(D.organization_id == organization_id, D.service_principal == service_principal)
        )
        return int(self._tx.execute(counted).scalar_one())

    def is_administrator(self, account_id: str) -> bool:
        """Whether the account administers any service (the reads it may then make)."""
        return bool(self._tx.execute(select(exists().where(D.account_id == account_id))).scalar())

    def of_account(self, account_id: str) -> list[Delegation]:
        """The account's delegations, by service principal (a few: one per trusted service)."""
        rows = self._tx.execute(
            select(*DELEGATION.columns)
            .where(D.account_id == account_id)
            .order_by(D.service_principal)
        )
        return [DELEGATION.read(row) for row in rows]

    def administrator_page(
        self, organization_id: str, service_principal: str | None, page: PageRequest
    ) -> Page[DelegatedMember]:
        """Members that administer ``service_principal`` (any service without one), each
        once, in the order they joined the organization, as ListAccounts pages."""
        delegations = select(func.min(D.enabled_at)).where(D.account_id == M.account_id)
        if service_principal is not None:
            delegations = delegations.where(D.service_principal == service_principal)
        since = delegations.scalar_subquery()
        statement = (
            select(*MEMBERSHIP.columns, accounts.c.name, since.label("delegated_since"))
            .join(accounts, accounts.c.id == M.account_id)
            .where(M.organization_id == organization_id, since.is_not(None))
        )
        return fetch_key_page(
            self._tx, statement, M.joined_at, M.account_id, page, _delegated_member
        )
