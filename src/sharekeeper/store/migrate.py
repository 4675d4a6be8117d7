"""Applies the Alembic migrations; safe when several processes start at once."""

from __future__ import annotations

import fcntl
import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection, Engine, text

from sharekeeper.store.engine import WRITE

log = logging.getLogger("sharekeeper.store")
_SCRIPTS = str(Path(__file__).with_name("migrations"))
# Any fixed number: the PostgreSQL advisory lock that serializes migrating processes.
_PG_LOCK_ID = 0x5348_4B50


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", _SCRIPTS)
    config.attributes["connection"] = connection
    return config


def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def revision_of(connection: Connection) -> str | None:
    return MigrationContext.configure(connection).get_current_revision()


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()


@contextmanager
def _migration_lock(engine: Engine) -> Iterator[Connection]:
    if engine.dialect.name == "postgresql":
        with engine.connect() as connection:
            connection.execute(text("SELECT pg_advisory_lock(:id)"), {"id": _PG_LOCK_ID})
            connection.commit()
            try:
                yield connection
            finally:
                connection.execute(text("SELECT pg_advisory_unlock(:id)"), {"id": _PG_LOCK_ID})
                connection.commit()
        return
    database = engine.url.database
    if not database or database == ":memory:":
        with engine.connect() as connection:
            yield connection
        return
    with open(f"{database}.migrate-lock", "a") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)
        with engine.connect() as connection, _without_foreign_keys(connection):
            yield connection


@contextmanager
def _without_foreign_keys(connection: Connection) -> Iterator[None]:
    """SQLite: a batch migration copies a table and drops the old one, which the foreign keys
    of the rows naming it refuse (0020 failed on any database holding a share). They are off
    for the migration, set before its first statement (SQLite ignores the pragma inside a
    transaction), checked before its commit (``_check_foreign_keys``), and on again before the
    connection goes back to the pool, whatever happened."""
    driver = connection.connection.dbapi_connection
    assert driver is not None
    driver.execute("PRAGMA foreign_keys=OFF")
    try:
        yield
    finally:
        connection.rollback()  # ends a transaction left open, or the pragma is ignored
        driver.execute("PRAGMA foreign_keys=ON")


def _check_foreign_keys(connection: Connection) -> None:
    if connection.dialect.name != "sqlite":
        return
    broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
    if broken:
        table, _row, parent, _key = broken[0]
        raise RuntimeError(
            f"the migration left {len(broken)} rows naming missing rows "
            f"(the first: {table} names a row of {parent}); nothing was changed"
        )


def upgrade(engine: Engine) -> None:
    """Brings the database to the newest revision (a no-op when it is already there)."""
    with _migration_lock(engine) as connection:
        current, head = (
            MigrationContext.configure(connection).get_current_revision(),
            head_revision(),
        )
        if current == head:
            return
        connection.info[WRITE] = True
        command.upgrade(_config(connection), "head")
        _check_foreign_keys(connection)
        connection.commit()
    log.info("migrated the database from revision %s to %s", current or "(empty)", head)
