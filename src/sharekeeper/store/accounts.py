"""Accounts and access keys."""

from __future__ import annotations

from typing import Any

from sqlalchemy import Connection, bindparam, insert, select, update

from sharekeeper.domain.accounts import AccessKey, Account
from sharekeeper.store.tables import access_keys, accounts


def _key(row: Any) -> AccessKey:
    return AccessKey(
        access_key=row.access_key,
        account_id=row.account_id,
        sealed_secret=row.sealed_secret,
        created_at=row.created_at,
        token_hash=row.token_hash,
        expires_at=row.expires_at,
        revoked_at=row.revoked_at,
    )


# Statements of every request, built once on bound parameters (docs/performance.md).
_GET_KEY = select(access_keys).where(access_keys.c.access_key == bindparam("access_key"))


class AccountRepository:
    def __init__(self, connection: Connection) -> None:
        self._c = connection

    def add(self, account: Account) -> None:
        self._c.execute(
            insert(accounts).values(id=account.id, name=account.name, created_at=account.created_at)
        )

    def get(self, account_id: str) -> Account | None:
        row = self._c.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return None if row is None else Account(row.id, row.name, row.created_at)

    def lock(self, account_id: str) -> None:
        """Serializes writers that count what the account owns (its share quota)."""
        self._c.execute(select(accounts.c.id).where(accounts.c.id == account_id).with_for_update())

    def add_key(self, key: AccessKey) -> None:
        self._c.execute(
            insert(access_keys).values(
                access_key=key.access_key,
                account_id=key.account_id,
                sealed_secret=key.sealed_secret,
                token_hash=key.token_hash,
                expires_at=key.expires_at,
                revoked_at=key.revoked_at,
                created_at=key.created_at,
            )
        )

    def get_key(self, access_key: str) -> AccessKey | None:
        row = self._c.execute(_GET_KEY, {"access_key": access_key}).first()
        return None if row is None else _key(row)

    def revoke_key(self, access_key: str, now: int) -> bool:
        result = self._c.execute(
            update(access_keys)
            .where(access_keys.c.access_key == access_key, access_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1
