"""The migrations build exactly the schema tables.py declares, on the test database."""

from __future__ import annotations

from pathlib import Path

from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import create_engine

from sharekeeper.store import migrate
from sharekeeper.store.engine import create_database_engine, driver_url
from sharekeeper.store.tables import metadata
from tests.support import LiveServer


def test_migrated_schema_matches_the_tables(server: LiveServer, database_url: str) -> None:
    with server.runtime.engine.connect() as connection:
        differences = compare_metadata(MigrationContext.configure(connection), metadata)
    assert differences == []
    assert migrate.current_revision(server.runtime.engine) == migrate.head_revision()


def test_upgrade_twice_is_a_no_op(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'fresh.db'}")
    migrate.upgrade(engine)
    migrate.upgrade(engine)
    assert migrate.current_revision(engine) == migrate.head_revision()
    engine.dispose()


def test_sqlite_is_wal_with_foreign_keys(tmp_path: Path) -> None:
    engine = create_database_engine(f"sqlite:///{tmp_path / 'pragmas.db'}")
    with engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
    engine.dispose()


def test_plain_urls_get_our_drivers() -> None:
    assert driver_url("sqlite:///x.db") == "sqlite+pysqlite:///x.db"
    assert driver_url("postgresql://u@h:5432/d") == "postgresql+psycopg://u@h:5432/d"
    create_engine(driver_url("postgresql://u@h:5432/d")).dispose()
