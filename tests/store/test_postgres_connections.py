"""PostgreSQL connections: read units hold no transaction, and a connection the server closed
costs at most the request that was using it (a retryable 503), never the ones after it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.domain.errors import ServiceBusy
from sharekeeper.services import identity
from sharekeeper.services.context import Context
from sharekeeper.store import engine as engine_module
from sharekeeper.store.transaction import DRIVER_CURSORS
from tests.conftest import POSTGRES_URL
from tests.store.pool_of_one import backend_pid, pool_of_one, served, terminate
from tests.support import settings_for

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL")


@pytest.fixture
def runtime(data_dir: Path) -> Iterator[Runtime]:
    yield from pool_of_one(data_dir)


def _backend(runtime: Runtime) -> int:
    """The server process behind the pool's connection (its only one: a pool of one)."""
    return backend_pid(runtime.context)


def test_a_read_unit_holds_no_transaction(runtime: Runtime) -> None:
    with runtime.context.reading() as uow:
        uow.tx.execute(text("SELECT 1")).all()
        driver = uow.tx.connection.connection.driver_connection
        assert driver is not None
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.IDLE
    with runtime.context.writing() as uow:
        uow.tx.execute(text("SELECT 1")).all()
        driver = uow.tx.connection.connection.driver_connection
        assert driver is not None
        assert driver.info.transaction_status == psycopg.pq.TransactionStatus.INTRANS


def test_a_connection_closed_in_use_fails_one_request_with_a_retryable_error(
    runtime: Runtime,
) -> None:
    first = _backend(runtime)
    terminate(first)  # checked in a moment ago: not pinged at the next checkout
    with pytest.raises(ServiceBusy), runtime.context.reading() as uow:
        uow.tx.execute(text("SELECT 1")).all()
    assert _backend(runtime) != first  # the next request has a new connection


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(runtime)
    terminate(first)
    monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING_SECONDS", 0.0)
    assert _backend(runtime) != first  # pinged, found closed, replaced: no error


def test_a_connection_lost_in_use_drops_every_connection_opened_before_it(
    data_dir: Path,
) -> None:
    """A lost connection means its server went away (a failover): the pool's other
    connections to it are not handed out again, each is replaced at its next checkout."""
    assert POSTGRES_URL is not None
    runtime = build_runtime(settings_for(POSTGRES_URL, data_dir, db_pool_size=3))
    try:
        with contextlib.ExitStack() as held:  # three connections open at once, then pooled
            units = [held.enter_context(runtime.context.reading()) for _ in range(3)]
            before = [
                int(u.tx.execute(text("SELECT pg_backend_pid()")).scalar_one()) for u in units
            ]
        # The last unit ended first, so its connection is handed out first (first in, first out).
        terminate(before[-1])
        with pytest.raises(ServiceBusy), runtime.context.reading() as uow:
            uow.tx.command("SELECT 1")  # on the driver's cursor, as the hot statements run
        with contextlib.ExitStack() as held:
            units = [held.enter_context(runtime.context.reading()) for _ in range(3)]
            after = [int(u.tx.execute(text("SELECT pg_backend_pid()")).scalar_one()) for u in units]
        assert not set(before) & set(after)
    finally:
        runtime.close()


def test_a_connection_makes_its_driver_cursors_once_not_once_a_unit(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The synchronous driver's (the CLI's, the runtime's own use cases): making a psycopg
    cursor builds its adapters, and an accept made four. They hold no server state, so a
    connection's are made once and serve each unit that has it after. (The asyncio driver's
    statements go through the libpq pipeline, with no cursor: test_libpq_pipeline.py.)"""
    made: list[object] = []
    cursor = psycopg.Connection.cursor

    def counted(self: psycopg.Connection[Any], *args: Any, **kwargs: Any) -> Any:
        made.append(self)
        return cursor(self, *args, **kwargs)

    account, _ = identity.create_account(runtime.context, "cursors")
    monkeypatch.setattr(psycopg.Connection, "cursor", counted)

    def units(ctx: Context) -> int:
        with ctx.writing() as uow:  # BEGIN, lock and read in a pipeline, then its COMMIT
            uow.accounts.lock(account.id)
            assert uow.accounts.active_shares(account.id) == 0
            uow.commit()
        with ctx.reading() as uow:  # a statement alone
            assert uow.accounts.active_shares(account.id) == 0
        return len(made)

    first, second, third = (units(runtime.context) for _ in range(3))
    assert first > 0
    assert second == third == first


def test_a_failed_statement_leaves_no_driver_cursor_for_the_next_unit(runtime: Runtime) -> None:
    """The synchronous driver's: a cursor is not reused in whatever state a failure left it;
    its connection's next statement has cursors of its own, and runs."""
    ctx = runtime.context
    with ctx.reading() as uow:
        uow.tx.command("SELECT 1")
        before = list(uow.tx.connection.info[DRIVER_CURSORS][1])
        with pytest.raises(DBAPIError, match="division by zero"):
            uow.tx.command("SELECT 1 / 0")
    with ctx.reading() as uow:
        uow.tx.command("SELECT 1")
        after = list(uow.tx.connection.info[DRIVER_CURSORS][1])
    assert before and after
    assert not {id(c) for c in before} & {id(c) for c in after}


def test_a_write_unit_left_mid_transaction_gives_its_connection_back_ended(
    runtime: Runtime,
) -> None:
    """A unit that fails with its transaction open on the server (its BEGIN and a lock sent)
    gives its connection back with that transaction ended: the next unit on it (a pool of
    one) finds no transaction and no lock of the last one's."""

    def interrupted(ctx: Context) -> None:
        with pytest.raises(RuntimeError), ctx.writing() as uow:
            uow.tx.command("SELECT pg_advisory_xact_lock(4242)")
            raise RuntimeError("the use case failed midway")

    def next_unit(ctx: Context) -> tuple[object, int]:
        with ctx.reading() as uow:
            driver = uow.tx.connection.connection.driver_connection
            assert driver is not None
            status = driver.info.transaction_status
            locks = uow.tx.execute(
                text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND objid = 4242")
            ).scalar_one()
        return status, int(locks)

    _, (status, locks) = served(runtime, interrupted, next_unit)
    assert status == psycopg.pq.TransactionStatus.IDLE
    assert locks == 0
