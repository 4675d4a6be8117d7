"""The fingerprint of the master key a database's secrets are sealed under: read, and recorded
by the first process that opens the database with a key."""

from __future__ import annotations

from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import IntegrityError

from sharekeeper.store.engine import WRITE
from sharekeeper.store.tables import access_keys, master_key


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
