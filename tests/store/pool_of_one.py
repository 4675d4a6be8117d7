"""A PostgreSQL runtime whose pool holds one connection, and use cases run on it as the app
runs them, for the tests of what happens to that connection from one unit to the next."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Engine, text

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.services.context import Context
from tests.conftest import POSTGRES_URL
from tests.support import settings_for


def pool_of_one(data_dir: Path) -> Iterator[Runtime]:
    """The body of a fixture: the runtime, closed after the test. The session's data directory:
    its master key is the one the database records."""
    assert POSTGRES_URL is not None
    runtime = build_runtime(settings_for(POSTGRES_URL, data_dir, db_pool_size=1))
    yield runtime
    runtime.close()


def served(
    runtime: Runtime,
    *steps: Callable[[Context], Any],
    watch: Callable[[Engine], None] = lambda _: None,
) -> list[Any]:
    """Runs each step, in turn, as the app runs a use case: in a greenlet on the event loop,
    on its pool of asyncio connections (whose engine ``watch`` is given first)."""

    async def turn() -> list[Any]:
        serving = runtime.serving()
        watch(serving.engine)
        try:
            return [await serving.run(step, serving.context) for step in steps]
        finally:
            await serving.close()

    return asyncio.run(turn())


def backend_pid(ctx: Context) -> int:
    """The server process behind the connection a read unit gets."""
    with ctx.reading() as uow:
        return int(uow.tx.execute(text("SELECT pg_backend_pid()")).scalar_one())


def terminate(*pids: int) -> None:
    """Ends those server processes, closing their connections under their clients."""
    assert POSTGRES_URL is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        for pid in pids:
            admin.execute("SELECT pg_terminate_backend(%s)", (pid,))
