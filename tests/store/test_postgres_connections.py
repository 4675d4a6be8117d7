"""PostgreSQL connections: read units hold no transaction, and a connection the server closed
costs at most the request that was using it (a retryable 503), never the ones after it."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from sqlalchemy import text

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.domain.errors import ServiceBusy
from sharekeeper.store import engine as engine_module
from tests.conftest import POSTGRES_URL
from tests.support import settings_for

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL")


@pytest.fixture
def runtime(data_dir: Path) -> Iterator[Runtime]:
    assert POSTGRES_URL is not None
    # The session's data directory: its master key is the one the database records.
    runtime = build_runtime(settings_for(POSTGRES_URL, data_dir, db_pool_size=1))
    yield runtime
    runtime.close()


def _backend(runtime: Runtime) -> int:
    """The server process behind the pool's connection (its only one: a pool of one)."""
    with runtime.context.reading() as uow:
        return int(uow.tx.execute(text("SELECT pg_backend_pid()")).scalar_one())


def _terminate(pid: int) -> None:
    assert POSTGRES_URL is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


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
    _terminate(first)  # checked in a moment ago: not pinged at the next checkout
    with pytest.raises(ServiceBusy), runtime.context.reading() as uow:
        uow.tx.execute(text("SELECT 1")).all()
    assert _backend(runtime) != first  # the next request has a new connection


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    first = _backend(runtime)
    _terminate(first)
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
        _terminate(before[-1])
        with pytest.raises(ServiceBusy), runtime.context.reading() as uow:
            uow.tx.command("SELECT 1")  # on the driver's cursor, as the hot statements run
        with contextlib.ExitStack() as held:
            units = [held.enter_context(runtime.context.reading()) for _ in range(3)]
            after = [int(u.tx.execute(text("SELECT pg_backend_pid()")).scalar_one()) for u in units]
        assert not set(before) & set(after)
    finally:
        runtime.close()
