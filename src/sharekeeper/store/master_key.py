"""The fingerprint of the master key a database's secrets are sealed under: read, recorded by
the first process that opens the database with a key, and replaced by a rotation together with
every secret re-sealed under the new key."""

from __future__ import annotations

from sqlalchemy import Engine, bindparam, insert, select, update
from sqlalchemy.exc import IntegrityError

from sharekeeper.store.accounts import notify_key_change
from sharekeeper.store.engine import WRITE
from sharekeeper.store.key_cache import EVERY_KEY
from sharekeeper.store.tables import access_keys, master_key, service_principals, webhooks
from sharekeeper.store.transaction import Transaction


def recorded_fingerprint(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return connection.execute(select(master_key.c.fingerprint)).scalar_one_or_none()


def a_sealed_secret(engine: Engine) -> str | None:
    """Any one secret the database holds sealed, to check a key against before recording it
    (a database made before fingerprints were recorded)."""
    with engine.connect() as connection:
        return connection.execute(select(access_keys.c.sealed_secret).limit(1)).scalar_one_or_none()


def record_fingerprint(engine: Engine, fingerprint: str, now: int) -> str:
    """Records ``fingerprint`` unless a fingerprint is recorded already (another process may
    have won the race): the fingerprint the database holds afterwards."""
    try:
        with engine.connect() as connection:
            connection.info[WRITE] = True
            with connection.begin():
                row = {"id": 1, "fingerprint": fingerprint, "recorded_at": now}
                connection.execute(insert(master_key), row)
        return fingerprint
    except IntegrityError:
        recorded = recorded_fingerprint(engine)
        assert recorded is not None  # the row that made the insert fail
        return recorded


# What holds secrets sealed under the master key, each row named by a unique key: accounts' keys
# and resource services' keys (by access key), webhooks' signing secrets (by id).
_SEALED = {
    "account keys": (access_keys, access_keys.c.access_key),
    "service keys": (service_principals, service_principals.c.access_key),
    "webhook secrets": (webhooks, webhooks.c.id),
}
HOLDERS = tuple(_SEALED)

# Rows re-sealed per statement during a rotation: bounded memory whatever the number of keys.
RESEAL_BATCH = 500


class MasterKeyRepository:
    """What a rotation changes, inside its one transaction."""

    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def recorded(self) -> str | None:
        """The fingerprint, read under a share lock on PostgreSQL: a rotation (which updates
        the row first) then waits for this transaction, or this one for the rotation's."""
        statement = select(master_key.c.fingerprint).with_for_update(read=True)
        return self._tx.execute(statement).scalar_one_or_none()

    def replace_fingerprint(self, current: str, new: str, now: int) -> bool:
        """Compare-and-set: records ``new`` where ``current`` is recorded. Run first, it also
        takes the row's lock, so a second rotation waits for this one and then finds no
        ``current`` to replace."""
        statement = (
            update(master_key)
            .where(master_key.c.id == 1, master_key.c.fingerprint == current)
            .values(fingerprint=new, recorded_at=now)
        )
        return self._tx.execute(statement).rowcount == 1

    def sealed_secrets(self, holder: str, after: str, limit: int) -> list[tuple[str, str]]:
        """(key, sealed secret) of ``holder`` (one of HOLDERS) in key order, after ``after``:
        every one, the revoked and expired ones too (a revoked key must still be told
        apart)."""
        table, key = _SEALED[holder]
        statement = select(key, table.c.sealed_secret).where(key > after).order_by(key).limit(limit)
        return [(row[0], row[1]) for row in self._tx.execute(statement).all()]

    def reseal(self, holder: str, sealed: list[tuple[str, str]]) -> None:
        """Writes each (key, sealed secret) of ``holder``, and tells every key cache."""
        if not sealed:
            return
        table, key = _SEALED[holder]
        statement = (
            update(table).where(key == bindparam("key")).values(sealed_secret=bindparam("sealed"))
        )
        self._tx.execute(statement, [{"key": k, "sealed": s} for k, s in sealed])
        notify_key_change(self._tx, EVERY_KEY)
