"""A PostgreSQL runtime whose pool holds one connection, and use cases run on it as the app
runs them, for the tests of what happens to that connection from one unit to the next."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

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


def served(runtime: Runtime, *steps: Callable[[Context], Any]) -> list[Any]:
    """Runs each step, in turn, as the app runs a use case: in a greenlet on the event loop,
    on its pool of asyncio connections."""

    async def turn() -> list[Any]:
        serving = runtime.serving()
        try:
            return [await serving.run(step, serving.context) for step in steps]
        finally:
            await serving.close()

    return asyncio.run(turn())
