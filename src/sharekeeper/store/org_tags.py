"""Tags of an organization's nodes and policies, the contact details of created accounts and
the records of closed accounts (domain/org_tags.py)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import and_, delete, insert, select

from sharekeeper.domain.org_tags import CloseAccountStatus, CloseState, ContactDetails
from sharekeeper.domain.tags import Tag
from sharekeeper.store.tables import account_contacts, close_account_statuses, org_tags
from sharekeeper.store.transaction import Transaction

T = org_tags.c
C = close_account_statuses.c
# SQLite takes at most 32,766 parameters in one statement.
_BATCH = 1000


class OrgTagRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def tags(self, organization_id: str, resource_type: str, resource_id: str) -> list[Tag]:
        """The resource's tags in key order."""
        rows = self._tx.execute(
            select(T.key, T.value)
            .where(
                T.organization_id == organization_id,
                T.resource_type == resource_type,
                T.resource_id == resource_id,
            )
            .order_by(T.key)
        )
        return [Tag.stored(row.key, row.value) for row in rows]

    def tags_of(
        self, organization_id: str, resource_type: str, resource_ids: Sequence[str]
    ) -> dict[str, list[Tag]]:
        """resource id -> its tags in key order, for those of ``resource_ids`` that have any."""
        found: dict[str, list[Tag]] = {}
        for start in range(0, len(resource_ids), _BATCH):
            rows = self._tx.execute(
                select(T.resource_id, T.key, T.value)
                .where(
                    T.organization_id == organization_id,
                    T.resource_type == resource_type,
                    T.resource_id.in_(resource_ids[start : start + _BATCH]),
                )
                .order_by(T.resource_id, T.key)
            )
            for row in rows:
                found.setdefault(row.resource_id, []).append(Tag.stored(row.key, row.value))
        return found

    def carrying(
        self, organization_id: str, resource_type: str, key: str, values: Sequence[str]
    ) -> set[str]:
        """The resources of the type that carry ``key`` (with one of ``values``, if any)."""
        statement = select(T.resource_id).where(
            T.organization_id == organization_id, T.resource_type == resource_type, T.key == key
        )
        if values:
            statement = statement.where(T.value.in_(sorted(set(values))))
        return {row.resource_id for row in self._tx.execute(statement)}

    def put(
        self, organization_id: str, resource_type: str, resource_id: str, tags: Iterable[Tag]
    ) -> None:
        """Sets each tag, overwriting the value of a key the resource has already."""
        items = list(tags)
        if not items:
            return
        self._tx.execute(
            delete(org_tags).where(
                T.organization_id == organization_id,
                T.resource_type == resource_type,
                T.resource_id == resource_id,
                T.key.in_([t.key for t in items]),
            )
        )
        self._tx.execute(
            insert(org_tags),
            [
                {
                    "organization_id": organization_id,
                    "resource_type": resource_type,
                    "resource_id": resource_id,
                    "key": t.key,
                    "value": t.value,
                }
                for t in items
            ],
        )

    def remove(
        self,
        organization_id: str,
        resource_type: str,
        resource_id: str,
        key: str,
        value: str | None,
    ) -> None:
        """Removes the key; with a value, only while the key holds that value."""
        condition = and_(
            T.organization_id == organization_id,
            T.resource_type == resource_type,
            T.resource_id == resource_id,
            T.key == key,
        )
        if value is not None:
            condition = and_(condition, T.value == value)
        self._tx.execute(delete(org_tags).where(condition))

    def drop(self, resource_type: str, resource_id: str) -> None:
        """Every tag of a resource that is gone (an OU deleted, an account that left)."""
        self._tx.execute(
            delete(org_tags).where(T.resource_type == resource_type, T.resource_id == resource_id)
        )

    def keys(self, organization_id: str, resource_type: str) -> list[tuple[str, list[str]]]:
        """Every key on resources of the type, in key order, with its values in order."""
        rows = self._tx.execute(
            select(T.key, T.value)
            .where(T.organization_id == organization_id, T.resource_type == resource_type)
            .distinct()
            .order_by(T.key, T.value)
        )
        values: dict[str, list[str]] = {}
        for row in rows:
            values.setdefault(row.key, []).append(row.value)
        return list(values.items())

    # Contact details of created accounts

    def add_contacts(self, account_id: str, contacts: ContactDetails) -> None:
        self._tx.execute(
            insert(account_contacts).values(
                account_id=account_id, email=contacts.email, mobile_phone=contacts.mobile_phone
            )
        )

    def drop_contacts(self, account_id: str) -> None:
        self._tx.execute(
            delete(account_contacts).where(account_contacts.c.account_id == account_id)
        )

    def contacts(self, account_ids: Sequence[str]) -> dict[str, ContactDetails]:
        found: dict[str, ContactDetails] = {}
        a = account_contacts.c
        for start in range(0, len(account_ids), _BATCH):
            rows = self._tx.execute(
                select(a.account_id, a.email, a.mobile_phone).where(
                    a.account_id.in_(account_ids[start : start + _BATCH])
                )
            )
            for row in rows:
                found[row.account_id] = ContactDetails(row.email, row.mobile_phone)
        return found

    # Records of closed accounts

    def record_closed(self, status: CloseAccountStatus) -> None:
        """The account's record, replacing one of an earlier closing (it rejoined since)."""
        self._tx.execute(
            delete(close_account_statuses).where(
                C.organization_id == status.organization_id, C.account_id == status.account_id
            )
        )
        self._tx.execute(
            insert(close_account_statuses).values(
                organization_id=status.organization_id,
                account_id=status.account_id,
                state=status.state.value,
                created_at=status.created_at,
                updated_at=status.updated_at,
            )
        )

    def closed(
        self, organization_id: str, states: Sequence[CloseState]
    ) -> list[CloseAccountStatus]:
        """The organization's records in ``states`` (all without any), oldest first."""
        statement = select(C.account_id, C.state, C.created_at, C.updated_at).where(
            C.organization_id == organization_id
        )
        if states:
            statement = statement.where(C.state.in_([s.value for s in states]))
        rows = self._tx.execute(statement.order_by(C.created_at, C.account_id))
        return [
            CloseAccountStatus(
                organization_id,
                row.account_id,
                CloseState(row.state),
                row.created_at,
                row.updated_at,
            )
            for row in rows
        ]
