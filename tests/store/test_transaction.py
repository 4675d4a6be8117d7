"""The transaction owner and the unit of work on their error paths, on the database the run
uses (SQLite; PostgreSQL with SHAREKEEPER_TEST_POSTGRES_URL), faults injected through the real
objects: a failing statement, a failing COMMIT, a connection closed under a unit, a lock held
by another connection."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import event, insert, select, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.domain.errors import ConcurrentChange, ServiceBusy
from sharekeeper.domain.ids import new_aws_account_id
from sharekeeper.store.engine import create_database_engine
from sharekeeper.store.tables import accounts
from sharekeeper.store.transaction import Backend, State, Transaction, autocommit
from tests.conftest import POSTGRES_URL
from tests.support import settings_for

needs_sqlite = pytest.mark.skipif(POSTGRES_URL is not None, reason="SQLite's own behaviour")
needs_postgres = pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL")


@pytest.fixture
def runtime(tmp_path: Path, data_dir: Path) -> Iterator[Runtime]:
    # A short statement timeout: a lock another connection holds is given up on quickly.
    if POSTGRES_URL is not None:
        settings = settings_for(POSTGRES_URL, data_dir, statement_timeout_seconds=1)
    else:
        url = f"sqlite:///{tmp_path / 'transaction.db'}"
        settings = settings_for(url, tmp_path, statement_timeout_seconds=0.2)
    runtime = build_runtime(settings)
    yield runtime
    runtime.close()


def _id() -> str:
    return uuid.uuid4().hex


def _insert(account_id: str) -> str:
    aws_id = new_aws_account_id()
    return (
        "INSERT INTO accounts (id, name, created_at, aws_account_id) "
        f"VALUES ('{account_id}', 'tx', 0, '{aws_id}')"
    )


def _stored(runtime: Runtime, *ids: str) -> set[str]:
    with runtime.engine.connect() as connection:
        query = select(accounts.c.id).where(accounts.c.id.in_(ids))
        return set(connection.execute(query).scalars())


@pytest.fixture
def tx(runtime: Runtime) -> Iterator[Transaction]:
    transaction = Transaction(autocommit(runtime.engine.connect()), Backend.of(runtime.engine))
    yield transaction
    transaction.rollback()
    transaction.close()
    transaction.connection.close()


def test_each_state_refuses_what_it_cannot_do(tx: Transaction) -> None:
    with pytest.raises(RuntimeError, match="outside a unit"):
        tx.execute(select(accounts.c.id))  # idle: it would commit on its own
    with pytest.raises(RuntimeError, match="idle, not group"):
        tx.open_unit()
    tx.begin(write=False)
    with pytest.raises(RuntimeError, match="reading, not idle"):
        tx.begin(write=True)
    with pytest.raises(RuntimeError, match="reading, not group"):
        tx.open_unit()
    tx.rollback()
    tx.begin(write=True)
    with pytest.raises(RuntimeError, match="writing, not group"):
        tx.open_unit()  # a unit's savepoints are a group's
    tx.rollback()
    tx.begin_group()
    with pytest.raises(RuntimeError, match="group, not unit in group"):
        tx.close_unit(keep=True)
    with pytest.raises(RuntimeError, match="outside a unit"):
        tx.execute(select(accounts.c.id))  # between units: it would belong to none
    tx.open_unit()
    with pytest.raises(RuntimeError, match="released, not committed"):
        tx.commit()
    tx.close_unit(keep=False)
    with pytest.raises(RuntimeError, match="outside a unit"):
        tx.execute(select(accounts.c.id))  # a released unit's next statement
    tx.rollback()
    assert tx.state is State.IDLE
    tx.rollback()  # idle: nothing to end, nothing sent


def test_a_failing_statement_leaves_the_unit_open_to_roll_back(
    runtime: Runtime, tx: Transaction
) -> None:
    taken = _id()
    tx.begin(write=True)
    tx.command(_insert(taken))
    with pytest.raises(IntegrityError):
        tx.command(_insert(taken))  # the driver's error, as SQLAlchemy would raise it
    assert tx.state is State.WRITING and not tx.connection.invalidated
    tx.rollback()
    assert not _stored(runtime, taken)
    tx.begin(write=True)  # the connection serves the next unit
    tx.command(_insert(taken))
    tx.commit()
    assert _stored(runtime, taken) == {taken}


def test_a_savepoint_rolled_back_keeps_the_rest(runtime: Runtime, tx: Transaction) -> None:
    kept, dropped = _id(), _id()
    tx.begin_group()
    tx.open_unit()
    tx.command(_insert(kept))
    tx.close_unit(keep=True)
    tx.open_unit()
    tx.command(_insert(dropped))
    tx.close_unit(keep=False)
    tx.commit()
    assert _stored(runtime, kept, dropped) == {kept}


@needs_sqlite
def test_a_failed_commit_ends_the_transaction(runtime: Runtime, tx: Transaction) -> None:
    """SQLite keeps a transaction open when its COMMIT fails (a deferred foreign key still
    broken): the owner rolls it back, so that the connection serves the next unit."""
    orphan = f"AK{_id()}"
    tx.begin(write=True)
    tx.command("PRAGMA defer_foreign_keys = ON")
    tx.command(
        "INSERT INTO access_keys (access_key, account_id, sealed_secret, created_at) "
        f"VALUES ('{orphan}', '{_id()}', 'sealed', 0)"
    )
    with pytest.raises(IntegrityError):
        tx.commit()
    assert tx.state is State.IDLE
    assert not tx.connection.connection.dbapi_connection.in_transaction  # type: ignore[union-attr]
    made = _id()
    tx.begin(write=True)
    tx.command(_insert(made))
    tx.commit()
    assert _stored(runtime, made) == {made}


def test_a_unit_that_raises_writes_nothing(runtime: Runtime) -> None:
    made = _id()
    with pytest.raises(LookupError), runtime.context.writing() as uow:
        uow.tx.execute(
            insert(accounts).values(
                id=made, name="raised", created_at=0, aws_account_id=new_aws_account_id()
            )
        )
        raise LookupError("a rule refused")
    assert not _stored(runtime, made)


def test_a_lost_race_is_a_concurrent_change(runtime: Runtime) -> None:
    made = _id()
    with runtime.context.writing() as uow:
        uow.tx.execute(
            insert(accounts).values(
                id=made, name="first", created_at=0, aws_account_id=new_aws_account_id()
            )
        )
        uow.commit()
    with pytest.raises(ConcurrentChange), runtime.context.writing() as uow:
        uow.tx.execute(
            insert(accounts).values(
                id=made, name="second", created_at=0, aws_account_id=new_aws_account_id()
            )
        )
        uow.commit()
    with runtime.context.writing() as uow:  # the thread's connection is as good as before
        uow.tx.execute(text("UPDATE accounts SET name = 'third' WHERE id = :id"), {"id": made})
        uow.commit()


@needs_sqlite
def test_a_write_lock_held_elsewhere_is_a_busy_service(runtime: Runtime) -> None:
    """BEGIN IMMEDIATE gives up after the statement timeout: ServiceBusy, the connection given
    back with nothing open, and the next unit writes once the lock is free."""
    holder = autocommit(runtime.engine.connect())
    holder.exec_driver_sql("BEGIN IMMEDIATE")
    try:
        with pytest.raises(ServiceBusy), runtime.context.writing():
            pass
    finally:
        holder.exec_driver_sql("ROLLBACK")
        holder.close()
    made = _id()
    with runtime.context.writing() as uow:
        uow.tx.command(_insert(made))
        uow.commit()
    assert _stored(runtime, made) == {made}


@needs_sqlite
def test_a_connection_closed_under_a_unit_fails_it_and_is_not_kept(runtime: Runtime) -> None:
    made = _id()
    with pytest.raises(DBAPIError), runtime.context.writing() as uow:
        uow.tx.connection.connection.dbapi_connection.close()  # type: ignore[union-attr]
        uow.tx.command(_insert(made))
    with runtime.context.writing() as uow:  # a new connection, not the broken one
        uow.tx.command(_insert(made))
        uow.commit()
    assert _stored(runtime, made) == {made}


@needs_postgres
def test_a_backend_terminated_under_a_unit_is_a_busy_service(runtime: Runtime) -> None:
    """The unit's server process ends (a restart, an administrator): the request gets a
    retryable 503, nothing is written, the connection never goes back to the pool, and the
    next unit gets a working one."""
    assert POSTGRES_URL is not None
    made = _id()
    dropped: list[object] = []
    event.listen(runtime.engine, "invalidate", lambda *args: dropped.append(args))
    with pytest.raises(ServiceBusy), runtime.context.writing() as uow:
        uow.tx.command(_insert(made))
        pid = uow.tx.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        uow.tx.command(_insert(_id()))
    assert dropped  # invalidated: never back to the pool
    assert not _stored(runtime, made)
    with runtime.context.writing() as uow:
        uow.tx.command(_insert(made))
        uow.commit()
    assert _stored(runtime, made) == {made}


@needs_postgres
def test_a_commit_on_a_terminated_backend_acknowledges_nothing(runtime: Runtime) -> None:
    assert POSTGRES_URL is not None
    made = _id()
    with pytest.raises(ServiceBusy), runtime.context.writing() as uow:
        uow.tx.command(_insert(made))
        pid = uow.tx.connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
        uow.commit()
    assert not _stored(runtime, made)


def test_sqlite_binds_none_and_booleans_through_registered_adapters(tmp_path: Path) -> None:
    """An SQLite engine registers sqlite3's adapters for None and bool, so binding them skips
    the driver's search for ``__adapt__`` and ``__conform__``; what is stored is as before:
    NULL, and the integers 1 and 0."""
    engine = create_database_engine(f"sqlite:///{tmp_path / 'bind.db'}")
    try:
        for kind in (type(None), bool):
            assert (kind, sqlite3.PrepareProtocol) in sqlite3.adapters
        with engine.connect() as connection:
            driver = connection.connection.dbapi_connection
            assert driver is not None
            row = driver.execute(
                "SELECT ?, typeof(?), ?, typeof(?), ?", (None, None, True, True, False)
            ).fetchone()
        assert row == (None, "null", 1, "integer", 0)
    finally:
        engine.dispose()
