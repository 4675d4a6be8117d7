"""What bounds a SQLite server's memory (docs/performance.md, "Memory"): each thread keeps its
connection between units of work, but a thread that ends must not leave its connection open for
the life of the process (the server's worker threads stop after idling, and each connection
holds a page cache of its own); and SQLite's heap, page caches included, is held near a limit
whatever the number of connections."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import event

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.store.engine import SQLITE_HEAP_LIMIT_BYTES, create_database_engine
from tests.support import settings_for

THREADS = 6


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = build_runtime(settings_for(f"sqlite:///{tmp_path / 'kept.db'}", tmp_path))
    yield runtime
    runtime.close()


def _read_in_threads(runtime: Runtime, count: int) -> None:
    """``count`` threads at once, each reading through a unit of work, then ending."""
    start, end = threading.Barrier(count), threading.Barrier(count)

    def read() -> None:
        start.wait(10)  # all alive while each takes a connection of its own
        with runtime.context.reading() as uow:
            assert uow.accounts.get("0" * 32) is None
        end.wait(10)

    threads = [threading.Thread(target=read) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
        assert not thread.is_alive()


def test_connections_of_ended_threads_go_back_to_the_pool(runtime: Runtime) -> None:
    pool = runtime.engine.pool
    _read_in_threads(runtime, THREADS)
    # Every ended thread's connection is still out of the pool until a thread needs one.
    assert pool.checkedout() >= THREADS  # type: ignore[attr-defined]
    _read_in_threads(runtime, 1)
    # The newcomer returned them all and took one back: only its own is out now.
    assert pool.checkedout() == 1  # type: ignore[attr-defined]


def test_rounds_of_threads_reuse_the_pooled_connections(runtime: Runtime) -> None:
    opened: list[object] = []
    event.listen(runtime.engine, "connect", lambda *_: opened.append(1))
    for _ in range(5):
        _read_in_threads(runtime, THREADS)
    # The first round opens one connection a thread; later rounds reuse the pooled ones (the
    # pool keeps 8; a round's connections are returned by its successors). Threads of a round
    # that take theirs before one of them returned the last round's may open a few more (CI
    # saw 13); kept connections open one for every thread of every round: 5 * THREADS.
    assert len(opened) < 5 * THREADS


def test_a_new_connection_sets_the_heap_limit(tmp_path: Path) -> None:
    # The limit is the SQLite library's, for the whole process: cleared first, so that only
    # the engine's own connection can have set it again.
    with sqlite3.connect(tmp_path / "other.db") as other:
        other.execute("PRAGMA soft_heap_limit=0")
        assert other.execute("PRAGMA soft_heap_limit").fetchone() == (0,)
    engine = create_database_engine(f"sqlite:///{tmp_path / 'limited.db'}")
    try:
        with engine.connect() as connection:
            limit = connection.exec_driver_sql("PRAGMA soft_heap_limit").scalar()
        assert limit == SQLITE_HEAP_LIMIT_BYTES
    finally:
        engine.dispose()
