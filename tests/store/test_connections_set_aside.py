"""PostgreSQL, the app's pool: a unit's connection is set aside when the unit ends and taken by
the next unit without a pool checkout, unless the pool's checkout would have checked it (idle
long enough to be pinged, or opened before the database was lost); those go back to the pool
and are checked there, as before (store/unit_of_work.py, ``Connections``)."""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, event, text

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.domain.errors import ServiceBusy
from sharekeeper.services.context import Context
from sharekeeper.store import engine as engine_module
from tests.conftest import POSTGRES_URL
from tests.store.pool_of_one import backend_pid, served, terminate
from tests.support import settings_for

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL")


@pytest.fixture
def runtime(data_dir: Path) -> Iterator[Runtime]:
    assert POSTGRES_URL is not None
    runtime = build_runtime(settings_for(POSTGRES_URL, data_dir, db_pool_size=3))
    yield runtime
    runtime.close()


def _three_at_once(ctx: Context) -> list[int]:
    """Three units open together, so three connections; the first ends last."""
    with contextlib.ExitStack() as held:
        units = [held.enter_context(ctx.reading()) for _ in range(3)]
        return [int(u.tx.execute(text("SELECT pg_backend_pid()")).scalar_one()) for u in units]


def _caught(step: Callable[[Context], Any]) -> Callable[[Context], Any]:
    """``step``, whose exception is its result."""

    def caught(ctx: Context) -> Any:
        try:
            return step(ctx)
        except Exception as error:
            return error

    return caught


def test_the_next_unit_takes_the_connection_set_aside_without_a_checkout(
    runtime: Runtime,
) -> None:
    checkouts: list[object] = []

    def watch(engine: Engine) -> None:
        event.listen(engine, "checkout", lambda *_: checkouts.append(None))

    pids = served(runtime, *[backend_pid] * 5, watch=watch)
    assert len(set(pids)) == 1
    assert len(checkouts) == 1


def test_one_set_aside_longer_than_the_ping_time_is_pinged_by_the_pool(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Its server closed it while it was set aside: back in the pool it counts as idle since
    it was set aside, so the checkout pings it and replaces it; no request fails."""
    monkeypatch.setattr(engine_module, "IDLE_BEFORE_PING_SECONDS", 0.2)
    pinged: list[object] = []

    def watch(engine: Engine) -> None:
        ping = engine.dialect.do_ping

        def counted(dbapi_connection: Any) -> bool:
            pinged.append(None)
            return ping(dbapi_connection)

        monkeypatch.setattr(engine.dialect, "do_ping", counted)

    def closed_by_its_server(ctx: Context) -> None:
        terminate(backend_pid(ctx))
        time.sleep(0.3)

    _, after = served(runtime, closed_by_its_server, _caught(backend_pid), watch=watch)
    assert isinstance(after, int), after
    assert pinged


def _command(ctx: Context) -> None:
    with ctx.reading() as uow:
        uow.tx.command("SELECT 1")  # through the libpq pipeline, as the hot statements run


def test_none_set_aside_before_the_database_was_lost_is_taken_again(runtime: Runtime) -> None:
    """The server went away (a failover): the first request on one of its connections fails,
    retryable, and marks the loss, whether its statement ran through SQLAlchemy or through
    the libpq pipeline; the others set aside, opened before it, are not used again, so no
    request after it fails (tests/store/test_postgres_connections.py has the pool's side)."""
    outcomes: list[Any] = []

    def lose_all(ctx: Context) -> None:
        before = _three_at_once(ctx)  # all three set aside
        outcomes.append(before)
        terminate(*before)

    _, failed, after = served(runtime, lose_all, _caught(_command), _caught(_three_at_once))
    assert isinstance(failed, ServiceBusy), failed
    assert isinstance(after, list), after
    assert not set(outcomes[0]) & set(after)


def test_closing_the_app_closes_the_connections_set_aside(runtime: Runtime) -> None:
    """They are checked out as far as the pool knows, which disposing would leave open."""
    used: list[Any] = []

    def connection(ctx: Context) -> None:
        with ctx.reading() as uow:
            used.append(uow.tx.connection)

    served(runtime, connection)
    assert used[0].closed


def test_a_unit_waiting_for_the_pool_gets_the_next_connection_given_back(data_dir: Path) -> None:
    """Every connection in use, the next unit waits in the pool's queue: the next connection
    given back goes to it, not aside, where nothing would wake it (it would wait out the
    pool's timeout, 30 s, and answer 503)."""
    assert POSTGRES_URL is not None
    runtime = build_runtime(settings_for(POSTGRES_URL, data_dir, db_pool_size=1))

    def slow(ctx: Context) -> int:
        with ctx.reading() as uow:
            uow.tx.execute(text("SELECT pg_sleep(0.3)")).all()
            return int(uow.tx.execute(text("SELECT pg_backend_pid()")).scalar_one())

    async def turn() -> list[Any]:
        serving = runtime.serving()
        try:
            first = serving.run(slow, serving.context)
            then = serving.run(backend_pid, serving.context)  # while the first one holds the pool's
            return list(await asyncio.gather(first, then, return_exceptions=True))
        finally:
            await serving.close()

    try:
        first, then = asyncio.run(turn())
    finally:
        runtime.close()
    assert first == then  # the pool's one connection, handed from the first to the second
