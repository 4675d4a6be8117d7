"""The asyncio driver's pipelines, driven through libpq's pipeline mode (store/pipeline.py): a
failure midway, an interrupted wait, server-side preparing, the values' types, and the
notices and notifications that arrive with the answers."""

from __future__ import annotations

import asyncio
import json
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from psycopg import errors
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from sharekeeper.bootstrap import Runtime, Serving
from sharekeeper.services import identity
from sharekeeper.services.context import Context
from sharekeeper.store.pipeline import Pipeline
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.transaction import PIPELINE, watching_round_trips
from tests.conftest import POSTGRES_URL
from tests.store.pool_of_one import backend_pid, pool_of_one, served

pytestmark = pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL")

TABLE = "pipeline_probe"
INSERT = f"INSERT INTO {TABLE} (id) VALUES (%(id)s)"
COUNT = f"SELECT count(*) FROM {TABLE}"
_BACKEND = Prepared(select(func.pg_backend_pid()))


async def _connection() -> psycopg.AsyncConnection[Any]:
    assert POSTGRES_URL is not None
    return await psycopg.AsyncConnection.connect(POSTGRES_URL, autocommit=True)


@pytest.fixture
def table() -> Iterator[None]:
    assert POSTGRES_URL is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute(f"DROP TABLE IF EXISTS {TABLE}")
        admin.execute(f"CREATE TABLE {TABLE} (id INTEGER PRIMARY KEY)")
        admin.execute(f"INSERT INTO {TABLE} VALUES (1)")
        yield
        admin.execute(f"DROP TABLE {TABLE}")


async def _run(body: Any) -> Any:
    connection = await _connection()
    try:
        return await body(connection, Pipeline(connection))
    finally:
        await connection.close()


def test_a_failure_midway_raises_psycopgs_error_and_the_rest_is_skipped(table: None) -> None:
    async def body(
        connection: psycopg.AsyncConnection[Any], pipeline: Pipeline
    ) -> tuple[pytest.ExceptionInfo[errors.UniqueViolation], Any, int]:
        statements = [("BEGIN", None), (INSERT, {"id": 1}), (INSERT, {"id": 2}), (COUNT, {})]
        with pytest.raises(errors.UniqueViolation) as failed:
            await pipeline.run(statements, answered=range(3, 4))
        # Left in its aborted transaction, as psycopg's pipeline leaves it, and clean.
        status = connection.info.transaction_status
        assert pipeline.clean()
        await connection.execute("ROLLBACK")
        # Reusable: the statements skipped after the failure run now (prepared anew).
        answers = await pipeline.run(
            [("BEGIN", None), (INSERT, {"id": 3}), (COUNT, {}), ("ROLLBACK", None)],
            answered=range(2, 3),
        )
        return failed, status, answers[0].rows[0][0]

    failed, status, count = asyncio.run(_run(body))
    assert failed.value.sqlstate == "23505"
    assert status == psycopg.pq.TransactionStatus.INERROR
    assert count == 2  # row 1, and row 3 of the second pipeline: row 2 was never inserted
    assert POSTGRES_URL is not None
    with psycopg.connect(POSTGRES_URL) as admin:
        assert admin.execute(COUNT).fetchone() == (1,)


def test_statements_are_prepared_at_their_first_use(table: None) -> None:
    async def body(connection: psycopg.AsyncConnection[Any], pipeline: Pipeline) -> Any:
        await pipeline.run([(INSERT, {"id": 5}), (COUNT, {})], answered=range(2))
        cursor = await connection.execute("SELECT statement FROM pg_prepared_statements")
        return {row[0] for row in await cursor.fetchall()}

    prepared = asyncio.run(_run(body))
    assert f"INSERT INTO {TABLE} (id) VALUES ($1)" in prepared
    assert COUNT in prepared


def test_values_reach_the_server_with_the_types_psycopgs_execute_gives_them() -> None:
    values: dict[str, Any] = {
        "uuid": uuid.uuid4(),
        "small": 7,
        "big": 2**40,
        "text": "a % sign",
        "none": None,
        "flag": True,
        "raw": b"\x00\xff",
        "json": json.dumps({"a": [1, "b"]}),
        "list": ["x", "y"],
    }
    # A str goes as psycopg sends it, of no type, for the server to infer: our statements
    # cast it where nothing else says (``%(x)s::VARCHAR``), as they cast a None.
    cast = {"text": "::VARCHAR", "none": "::VARCHAR", "json": "::JSONB", "list": "::TEXT[]"}
    sql = "SELECT " + ", ".join(
        f"pg_typeof(%({name})s{cast.get(name, '')})::text, %({name})s{cast.get(name, '')}::text"
        for name in values
    )
    sql += ", '100%%'"

    async def body(connection: psycopg.AsyncConnection[Any], pipeline: Pipeline) -> Any:
        cursor = await connection.execute(sql, values)
        theirs = await cursor.fetchone()
        (answer,) = await pipeline.run([(sql, values)], answered=range(1))
        return theirs, answer.rows[0]

    theirs, ours = asyncio.run(_run(body))
    assert ours == theirs
    assert ours[-1] == "100%"


def test_notices_and_notifications_with_the_answers_reach_psycopgs_handlers() -> None:
    async def body(connection: psycopg.AsyncConnection[Any], pipeline: Pipeline) -> Any:
        notices: list[str] = []
        notified: list[str] = []
        connection.add_notice_handler(lambda d: notices.append(d.message_primary or ""))
        connection.add_notify_handler(lambda n: notified.append(n.payload))
        await connection.execute("LISTEN pipeline_probe")
        other = await _connection()
        await other.execute("NOTIFY pipeline_probe, 'hello'")
        await other.close()
        answers = await pipeline.run(
            [("DO $$ BEGIN RAISE NOTICE 'noticed'; END $$", None), ("SELECT %s", [4])],
            answered=range(1, 2),
        )
        cursor = await connection.execute("SELECT 1")  # and psycopg's own path after it
        return notices, notified, answers[0].rows, await cursor.fetchone()

    notices, notified, rows, after = asyncio.run(_run(body))
    assert notices == ["noticed"]
    assert notified == ["hello"]
    assert rows == [(4,)]
    assert after == (1,)


@pytest.fixture
def runtime(data_dir: Path) -> Iterator[Runtime]:
    yield from pool_of_one(data_dir)


async def _waiting_for_a_lock(admin: psycopg.AsyncConnection[Any], pid: int) -> None:
    """Returns once the server process ``pid`` waits for an advisory lock (at most 10 s)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        cursor = await admin.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE pid = %s AND wait_event = 'advisory'",
            (pid,),
        )
        if (await cursor.fetchone()) == (1,):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the unit never waited for the lock")


async def _cancelled_while_waiting(
    serving: Serving,
    admin: psycopg.AsyncConnection[Any],
    pid: int,
    use_case: Callable[[Context], None],
    lock: int,
) -> None:
    """Runs ``use_case`` (on server process ``pid``) while ``admin`` holds the advisory lock
    ``lock`` it waits for, and cancels its request once it waits; the lock stays held."""
    await admin.execute("SELECT pg_advisory_lock(%s)", (lock,))
    request = asyncio.ensure_future(serving.run(use_case, serving.context))
    await _waiting_for_a_lock(admin, pid)
    request.cancel()
    with pytest.raises(asyncio.CancelledError):
        await request


def test_a_cancelled_wait_never_gives_its_connection_back_to_the_pool(runtime: Runtime) -> None:
    """A request cancelled while its pipeline waits (a statement queued behind the unit's
    BEGIN, not one that ends the transaction) leaves answers unread: its connection is
    dropped, and the next unit (a pool of one) has a new one, idle."""
    assert POSTGRES_URL is not None
    identity.create_account(runtime.context, "cancelled")

    def blocked(ctx: Context) -> None:
        with ctx.writing() as uow:
            uow.tx.command("SELECT pg_advisory_xact_lock(4243)")

    def backend(ctx: Context) -> tuple[int, object]:
        with ctx.reading() as uow:
            pid = uow.tx.execute(text("SELECT pg_backend_pid()")).scalar_one()
            driver = uow.tx.connection.connection.driver_connection
            return int(pid), driver.info.transaction_status  # type: ignore[union-attr]

    async def turn() -> tuple[int, int, object]:
        serving = runtime.serving()
        admin = await _connection()
        try:
            first, _ = await serving.run(backend, serving.context)
            await _cancelled_while_waiting(serving, admin, first, blocked, 4243)
            await admin.execute("SELECT pg_advisory_unlock(4243)")
            second, status = await serving.run(backend, serving.context)
            return first, second, status
        finally:
            await admin.close()
            await serving.close()

    first, second, status = asyncio.run(turn())
    assert second != first
    assert status == psycopg.pq.TransactionStatus.IDLE


def test_a_unit_cancelled_in_its_pipeline_is_stopped_on_the_server(
    runtime: Runtime, table: None
) -> None:
    """A request cancelled while its unit's one pipeline waits (BEGIN, a row locked, an
    insert, a wait for a lock, COMMIT) has the server cancel what it runs, as psycopg does for
    its own statements. Closing the connection alone does not stop its server process: that
    would run the rest once its wait ended, COMMIT included, holding the row meanwhile."""

    def write(ctx: Context) -> None:
        with ctx.writing() as uow:
            uow.tx.send_command(f"SELECT id FROM {TABLE} WHERE id = 1 FOR UPDATE")
            uow.tx.send_command(f"INSERT INTO {TABLE} VALUES (2)")
            uow.tx.send_command("SELECT pg_advisory_xact_lock(4244)")
            uow.commit()

    async def row_freed(admin: psycopg.AsyncConnection[Any]) -> bool:
        for _ in range(100):  # at most 5 s
            try:
                await admin.execute(f"SELECT id FROM {TABLE} WHERE id = 1 FOR UPDATE NOWAIT")
                return True
            except errors.LockNotAvailable:
                await asyncio.sleep(0.05)
        return False

    async def turn() -> tuple[bool, list[tuple[Any, ...]]]:
        serving = runtime.serving()
        admin = await _connection()
        try:
            pid = await serving.run(backend_pid, serving.context)  # the pool's one connection
            await _cancelled_while_waiting(serving, admin, pid, write, 4244)
            freed = await row_freed(admin)
            await admin.execute("SELECT pg_advisory_unlock(4244)")
            for _ in range(100):  # until its server process is gone (at most 10 s)
                cursor = await admin.execute(
                    "SELECT count(*) FROM pg_stat_activity WHERE pid = %s", (pid,)
                )
                if (await cursor.fetchone()) == (0,):
                    break
                await asyncio.sleep(0.1)
            cursor = await admin.execute(f"SELECT id FROM {TABLE} ORDER BY id")
            return freed, await cursor.fetchall()
        finally:
            await admin.close()
            await serving.close()

    freed, rows = asyncio.run(turn())
    assert freed, "the cancelled unit's server process still held the row"
    assert rows == [(1,)], "the cancelled unit's insert was committed"


def test_a_statement_alone_travels_through_the_pipeline_prepared_once(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read unit's statement (and a write unit's with nothing queued) goes through the
    connection's libpq pipeline as the writes do: no psycopg cursor, one round trip, prepared
    at its first use on the connection and run by name after it."""
    account, _ = identity.create_account(runtime.context, "alone")
    cursors: list[object] = []
    cursor = psycopg.AsyncConnection.cursor

    def counted(self: psycopg.AsyncConnection[Any], *args: Any, **kwargs: Any) -> Any:
        cursors.append(self)
        return cursor(self, *args, **kwargs)

    monkeypatch.setattr(psycopg.AsyncConnection, "cursor", counted)
    trips: list[int] = []

    def read(ctx: Context) -> tuple[set[str], int]:
        with watching_round_trips(trips.append), ctx.reading() as uow:
            made = len(cursors)  # the pool's connection was opened (with cursors) before
            assert uow.accounts.active_shares(account.id) == 0
            pipeline = uow.tx.connection.info[PIPELINE][1]
            return {sql.decode() for sql, _ in pipeline._prepared}, len(cursors) - made

    (first, made_first), (second, made_second) = served(runtime, read, read)
    assert any("active_shares" in sql for sql in first)
    assert second == first  # prepared once: the second unit ran it by its name
    assert trips == [1, 1]
    assert made_first == made_second == 0


def test_a_failed_statement_alone_leaves_its_connection_clean_for_the_next_unit(
    runtime: Runtime,
) -> None:
    """A statement alone that fails raises psycopg's error through SQLAlchemy's, as psycopg's
    cursor did; every answer was read, so the connection (a pool of one) stays, and its next
    unit runs."""

    def failing(ctx: Context) -> int:
        with ctx.reading() as uow:
            with pytest.raises(DBAPIError, match="division by zero"):
                uow.tx.command("SELECT 1 / 0")
            return int(uow.tx.execute(text("SELECT pg_backend_pid()")).scalar_one())

    def next_unit(ctx: Context) -> tuple[int, int]:
        with ctx.reading() as uow:
            pid = uow.tx.rows(_BACKEND, {})[0][0]
            return int(pid), len(uow.tx.connection.info[PIPELINE][1]._prepared)

    pid, (next_pid, prepared) = served(runtime, failing, next_unit)
    assert next_pid == pid
    assert prepared >= 1


def test_a_rolled_back_unit_keeps_the_statements_the_pipeline_prepared(runtime: Runtime) -> None:
    """psycopg answers a ROLLBACK it runs with DEALLOCATE ALL once it has prepared statements
    of its own (after five uses): a unit's ROLLBACK goes through the pipeline instead, and the
    connection's next write unit still finds its statements prepared."""
    account, _ = identity.create_account(runtime.context, "rolled back")

    def write(ctx: Context, commit: bool) -> None:
        with ctx.writing() as uow:  # BEGIN, lock and read in a pipeline
            uow.accounts.lock(account.id)
            assert uow.accounts.active_shares(account.id) == 0
            if commit:
                uow.commit()

    def read(ctx: Context) -> None:
        with ctx.reading() as uow:  # through SQLAlchemy: psycopg prepares it at its 5th use
            assert uow.tx.execute(text("SELECT 1 + 1")).scalar_one() == 2

    steps = [
        lambda ctx: write(ctx, True),
        *[read] * 6,
        lambda ctx: write(ctx, False),
        lambda ctx: write(ctx, True),
    ]
    served(runtime, *steps)


def test_a_connection_lost_while_its_pipeline_waits_raises_and_never_spins(table: None) -> None:
    """The server ends the session while the pipeline waits for a lock: the run fails with
    psycopg's error for a lost connection, within the wait's bound, and leaves the connection
    unclean (its caller drops it), where reading on would find nothing and spin."""
    assert POSTGRES_URL is not None

    async def body(
        connection: psycopg.AsyncConnection[Any], pipeline: Pipeline
    ) -> tuple[BaseException, bool]:
        holder = await _connection()
        try:
            await holder.execute(f"BEGIN; LOCK TABLE {TABLE}")
            waiting = asyncio.ensure_future(
                pipeline.run([("BEGIN", None), (COUNT, {}), ("COMMIT", None)], range(1, 2))
            )
            for _ in range(100):  # until the pipeline waits on the lock (at most 10 s)
                cursor = await holder.execute(
                    "SELECT count(*) FROM pg_locks WHERE pid = %s AND NOT granted",
                    (connection.info.backend_pid,),
                )
                if (await cursor.fetchone()) != (0,):
                    break
                await asyncio.sleep(0.1)
            await holder.execute("SELECT pg_terminate_backend(%s)", (connection.info.backend_pid,))
            with pytest.raises(psycopg.OperationalError) as lost:
                await asyncio.wait_for(waiting, timeout=10)
            return lost.value, pipeline.clean()
        finally:
            await holder.close()

    error, clean = asyncio.run(_run(body))
    assert isinstance(error, psycopg.OperationalError)
    assert not clean
