"""Accounts and access keys."""

from __future__ import annotations

from sqlalchemy import bindparam, insert, select, update

from sharekeeper.domain.accounts import AccessKey, Account
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.tables import access_keys, accounts
from sharekeeper.store.transaction import Transaction

K = access_keys.c
# The statement of every request, on the driver directly (docs/performance.md); its columns are
# AccessKey's fields in order.
_GET_KEY = Prepared(
    select(
        K.access_key,
        K.account_id,
        K.sealed_secret,
        K.created_at,
        K.token_hash,
        K.expires_at,
        K.revoked_at,
    ).where(K.access_key == bindparam("access_key"))
)
_LOCK = Prepared(
    select(accounts.c.id).where(accounts.c.id == bindparam("account_id")).with_for_update()
)


class AccountRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, account: Account) -> None:
        self._tx.execute(
            insert(accounts).values(id=account.id, name=account.name, created_at=account.created_at)
        )

    def get(self, account_id: str) -> Account | None:
        row = self._tx.execute(select(accounts).where(accounts.c.id == account_id)).first()
        return None if row is None else Account(row.id, row.name, row.created_at)

    def lock(self, account_id: str) -> None:
        """Serializes writers that count what the account owns (its share quota)."""
        self._tx.rows(_LOCK, {"account_id": account_id})

    def add_key(self, key: AccessKey) -> None:
        self._tx.execute(
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
        row = self._tx.first(_GET_KEY, {"access_key": access_key})
        return None if row is None else AccessKey(*row)

    def revoke_key(self, access_key: str, now: int) -> bool:
        result = self._tx.execute(
            update(access_keys)
            .where(access_keys.c.access_key == access_key, access_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        return result.rowcount == 1
