"""Accounts and access keys."""

from __future__ import annotations

from sqlalchemy import bindparam, delete, func, insert, select, update

from sharekeeper.domain.accounts import AccessKey, Account
from sharekeeper.store.key_cache import CHANNEL, EVERY_KEY
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.rows import RowMapping
from sharekeeper.store.tables import access_keys, accounts
from sharekeeper.store.transaction import Transaction

K = access_keys.c
ACCOUNT = RowMapping(
    Account, accounts.c.id, accounts.c.name, accounts.c.created_at, accounts.c.aws_account_id
)
ACCESS_KEY = RowMapping(
    AccessKey,
    K.access_key,
    K.account_id,
    K.sealed_secret,
    K.created_at,
    K.token_hash,
    K.expires_at,
    K.revoked_at,
)
# The statement of every request, on the driver directly (docs/performance.md).
_GET_KEY = Prepared(select(*ACCESS_KEY.columns).where(K.access_key == bindparam("access_key")))
# FOR NO KEY UPDATE: it queues the account's other lockers, but not the inserts whose foreign
# keys name the account (they take KEY SHARE on it), which a creation makes before it locks.
_LOCK = Prepared(
    select(accounts.c.id)
    .where(accounts.c.id == bindparam("account_id"))
    .with_for_update(key_share=True)
)

# The share quota's count on the owner's row (migration 0024). Raising it is the quota's lock
# too: an UPDATE takes the row as FOR NO KEY UPDATE does (above), and on PostgreSQL a writer
# that waited for it raises the count another committed meanwhile, so it counts that share.
_A = accounts.c
_COUNT_SHARE = Prepared(
    update(accounts)
    .where(_A.id == bindparam("account_id"))
    .values(active_shares=_A.active_shares + 1)
    .returning(_A.active_shares)
)
_UNCOUNT_SHARE = Prepared(
    update(accounts)
    .where(_A.id == bindparam("account_id"))
    .values(active_shares=_A.active_shares - 1)
)
_ACTIVE_SHARES = Prepared(select(_A.active_shares).where(_A.id == bindparam("account_id")))


def notify_key_change(tx: Transaction, access_key: str) -> None:
    """Tells every process's key cache, when this transaction commits, that the key changed
    (``EVERY_KEY``: any key may have)."""
    if tx.backend.key_notices:
        tx.execute(select(func.pg_notify(CHANNEL, access_key)))


NAMES_BATCH = 10_000


class AccountRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def add(self, account: Account, created_by: str | None = None) -> None:
        """``created_by``: the management account whose CreateAccount made it."""
        values = ACCOUNT.values(account)
        self._tx.execute(insert(accounts).values({**values, "created_by": created_by}))

    def count_created_by(self, creator_id: str, since: int) -> int:
        """Accounts ``creator_id`` created from ``since`` on, in any organization, the
        deleted ones' included (on ix_accounts_created_by)."""
        counted = select(func.count()).where(
            accounts.c.created_by == creator_id, accounts.c.created_at >= since
        )
        return int(self._tx.execute(counted).scalar_one())

    def get(self, account_id: str) -> Account | None:
        statement = select(*ACCOUNT.columns).where(accounts.c.id == account_id)
        row = self._tx.execute(statement).first()
        return None if row is None else ACCOUNT.read(row)

    def page(self, after: str | None, limit: int) -> list[Account]:
        """Accounts in id order, after the id ``after`` (the operator's list)."""
        statement = select(*ACCOUNT.columns).order_by(accounts.c.id).limit(limit)
        if after is not None:
            statement = statement.where(accounts.c.id > after)
        return [ACCOUNT.read(row) for row in self._tx.execute(statement).all()]

    def keys_of(self, account_ids: list[str]) -> list[AccessKey]:
        """Every key of these accounts, oldest first."""
        if not account_ids:
            return []
        statement = (
            select(*ACCESS_KEY.columns)
            .where(K.account_id.in_(account_ids))
            .order_by(K.created_at, K.access_key)
        )
        return [ACCESS_KEY.read(row) for row in self._tx.execute(statement).all()]

    def names(self, account_ids: list[str]) -> dict[str, str]:
        """account id -> name, for those of ``account_ids`` that exist."""
        found: dict[str, str] = {}
        # In batches: SQLite takes at most 32,766 parameters in one statement.
        for start in range(0, len(account_ids), NAMES_BATCH):
            batch = account_ids[start : start + NAMES_BATCH]
            rows = self._tx.execute(
                select(accounts.c.id, accounts.c.name).where(accounts.c.id.in_(batch))
            )
            found.update((row.id, row.name) for row in rows)
        return found

    def paired_ids(self, account_ids: list[str], aws_ids: list[str]) -> list[tuple[str, str]]:
        """(account id, AWS account id) of the accounts named either way (AWS's wire API
        translates ids at its edge); few per request, so one statement."""
        if not account_ids and not aws_ids:
            return []
        a = accounts.c
        statement = select(a.id, a.aws_account_id).where(
            a.id.in_(account_ids) | a.aws_account_id.in_(aws_ids)
        )
        return [(row.id, row.aws_account_id) for row in self._tx.execute(statement)]

    def lock(self, account_id: str) -> None:
        """Serializes writers that check what the account owns (its own permissions, its
        organization's founding; its share quota's count takes the same lock, ``count_share``).
        Sent with the unit's next statement that answers, which then runs holding it."""
        self._tx.send(_LOCK, {"account_id": account_id})

    def count_share(self, account_id: str) -> int:
        """Counts a new active share of the account, locking its row until the transaction
        ends (the share quota's lock), and returns how many it now owns, the new one among
        them. A unit refused over the quota rolls back, and the count with it."""
        row = self._tx.first(_COUNT_SHARE, {"account_id": account_id})
        if row is None:  # the share's own insert names the account: it cannot be missing
            raise RuntimeError(f"no account {account_id} to count a share of")
        return int(row[0])

    def uncount_share(self, account_id: str) -> None:
        """One active share fewer (a share deleted in this unit of work)."""
        self._tx.send(_UNCOUNT_SHARE, {"account_id": account_id})

    def active_shares(self, account_id: str) -> int:
        """How many active shares the account owns, as its share quota counts them."""
        row = self._tx.first(_ACTIVE_SHARES, {"account_id": account_id})
        return 0 if row is None else int(row[0])

    def add_key(self, key: AccessKey) -> None:
        self._tx.execute(insert(access_keys).values(ACCESS_KEY.values(key)))

    def get_key(self, access_key: str) -> AccessKey | None:
        row = self._tx.first(_GET_KEY, {"access_key": access_key})
        return None if row is None else ACCESS_KEY.read(row)

    def purge_expired_keys(self, before: int) -> None:
        """Temporary keys that expired before ``before``: refused since, and piling up as
        STS AssumeRole issues them; permanent keys (no expiry) always stay."""
        self._tx.execute(delete(access_keys).where(access_keys.c.expires_at < before))

    def revoke_keys_of(self, account_id: str, now: int) -> None:
        """Every key of the account, at once (a closed account); every cache forgets all."""
        self._tx.execute(
            update(access_keys)
            .where(access_keys.c.account_id == account_id, access_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        notify_key_change(self._tx, EVERY_KEY)

    def revoke_key(self, access_key: str, now: int) -> bool:
        result = self._tx.execute(
            update(access_keys)
            .where(access_keys.c.access_key == access_key, access_keys.c.revoked_at.is_(None))
            .values(revoked_at=now)
        )
        notify_key_change(self._tx, access_key)
        return result.rowcount == 1
