"""SQLite group commit: the writes of one turn of the event loop share a commit, yet each
request's unit stands or falls alone, and nothing is acknowledged before it is durable."""

from __future__ import annotations

import asyncio
import sqlite3
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import insert, select, text
from sqlalchemy.exc import DBAPIError

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.domain.errors import ConcurrentChange, ServiceBusy
from sharekeeper.domain.ids import new_aws_account_id
from sharekeeper.services.context import Context
from sharekeeper.store.group_commit import GroupCommit, Seat
from sharekeeper.store.tables import accounts
from sharekeeper.store.transaction import Transaction, autocommit, watching
from sharekeeper.store.unit_of_work import UnitOfWork
from tests.support import settings_for


@pytest.fixture
def runtime(tmp_path: Path) -> Iterator[Runtime]:
    runtime = build_runtime(settings_for(f"sqlite:///{tmp_path / 'group.db'}", tmp_path))
    yield runtime
    runtime.close()


def _group(runtime: Runtime) -> GroupCommit:
    group = runtime.context.group_commit
    assert group is not None
    return group


def _stored(runtime: Runtime) -> set[str]:
    """Account ids as a separate connection sees them: only what is committed."""
    with runtime.engine.connect() as connection:
        return set(connection.execute(select(accounts.c.id)).scalars())


def _insert_account(uow: UnitOfWork, account_id: str) -> None:
    uow.tx.execute(
        insert(accounts).values(
            id=account_id, name=account_id, created_at=0, aws_account_id=new_aws_account_id()
        )
    )


async def _request(runtime: Runtime, account_id: str, fail: bool = False) -> Seat:
    """One request on the event loop: a unit of work writing one account, then the wait for
    its group's commit (the endpoint's order)."""
    group = _group(runtime)
    seat = Seat(group)  # the request's scope: its units of work join the group
    try:
        with runtime.context.scoped(None, seat).writing() as uow:
            _insert_account(uow, account_id)
            assert account_id not in _stored(runtime)  # not committed before the turn ends
            if fail:
                raise LookupError("refused")
            uow.commit()
    except LookupError:
        pass
    await group.settle(seat)
    assert fail or account_id in _stored(runtime)  # durable when the request answers
    return seat


async def _seated(runtime: Runtime, account_id: str) -> None:
    """One request as the endpoint runs it: the group opened first (``seated``), then its unit
    of work writing one account, answered once its group committed."""

    def work(seat: Seat) -> None:
        with runtime.context.scoped(None, seat).writing() as uow:
            _insert_account(uow, account_id)
            uow.commit()

    await _group(runtime).seated(work)


def test_units_of_one_turn_share_a_commit_and_fail_alone(runtime: Runtime) -> None:
    async def turn() -> tuple[Seat, Seat, Seat]:
        return await asyncio.gather(
            _request(runtime, "a" * 32),
            _request(runtime, "b" * 32, fail=True),
            _request(runtime, "c" * 32),
        )

    first, second, third = asyncio.run(turn())
    assert first.batch is not None and first.batch is second.batch is third.batch
    assert {"a" * 32, "c" * 32} <= _stored(runtime)
    assert "b" * 32 not in _stored(runtime)


def test_a_unit_whose_statement_fails_rolls_back_alone(runtime: Runtime) -> None:
    """A statement refused by the database (a duplicate key) fails its unit, whose savepoint
    is rolled back; the other units of the turn commit."""
    asyncio.run(_request(runtime, "k" * 32))

    async def duplicate() -> None:
        seat = Seat(_group(runtime))
        with runtime.context.scoped(None, seat).writing() as uow:
            uow.tx.execute(
                insert(accounts).values(
                    id="l" * 32, name="l", created_at=0, aws_account_id=new_aws_account_id()
                )
            )
            uow.tx.execute(
                insert(accounts).values(
                    id="k" * 32, name="again", created_at=0, aws_account_id=new_aws_account_id()
                )
            )
            uow.commit()

    async def turn() -> tuple[Seat | BaseException, BaseException | None, Seat | BaseException]:
        return await asyncio.gather(
            _request(runtime, "m" * 32),
            duplicate(),
            _request(runtime, "n" * 32),
            return_exceptions=True,
        )

    first, refused, third = asyncio.run(turn())
    assert isinstance(refused, ConcurrentChange), refused
    assert isinstance(first, Seat) and isinstance(third, Seat)
    assert {"m" * 32, "n" * 32} <= _stored(runtime)
    assert "l" * 32 not in _stored(runtime)


def test_later_turns_commit_in_their_own_group(runtime: Runtime) -> None:
    async def one_after_another() -> list[Seat]:
        return [await _request(runtime, name * 32) for name in "de"]

    first, second = asyncio.run(one_after_another())
    assert first.batch is not second.batch
    assert {"d" * 32, "e" * 32} <= _stored(runtime)


def test_a_request_that_wrote_nothing_does_not_wait(runtime: Runtime) -> None:
    async def reader() -> Seat:
        group = _group(runtime)
        seat = Seat(group)
        with runtime.context.scoped(None, seat).reading() as uow:
            uow.tx.execute(select(accounts.c.id)).all()
        await group.settle(seat)
        return seat

    assert asyncio.run(reader()).batch is None


def test_a_lost_group_transaction_fails_every_member(runtime: Runtime) -> None:
    """SQLite may end a transaction by itself (a full disk, an I/O error): every request of the
    group then answers with an error, and none was acknowledged."""

    async def losing() -> Seat:
        group = _group(runtime)
        seat = Seat(group)
        with runtime.context.scoped(None, seat).writing() as uow:
            uow.tx.command("SELECT 1")
            uow.tx.connection.connection.driver_connection.execute("ROLLBACK")  # type: ignore[union-attr]
            uow.commit()
        await group.settle(seat)
        return seat

    async def turn() -> tuple[Seat | BaseException, Seat | BaseException]:
        return await asyncio.gather(_request(runtime, "f" * 32), losing(), return_exceptions=True)

    outcomes = asyncio.run(turn())
    assert all(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert "f" * 32 not in _stored(runtime)

    async def after() -> Seat:
        return await _request(runtime, "g" * 32)

    asyncio.run(after())  # the next group starts afresh
    assert "g" * 32 in _stored(runtime)


def test_a_failing_commit_fails_every_member_and_acknowledges_none(runtime: Runtime) -> None:
    """The group's COMMIT itself fails (here a deferred foreign key one unit left broken, which
    SQLite checks only then): every request of the group answers with an error, none of their
    writes is durable (``_request`` checks none is seen before the turn ends), and the next
    turn's group commits as usual."""
    orphan = "AK" + "0" * 30

    async def breaking() -> Seat:
        group = _group(runtime)
        seat = Seat(group)
        with runtime.context.scoped(None, seat).writing() as uow:
            uow.tx.command("PRAGMA defer_foreign_keys = ON")
            uow.tx.command(
                "INSERT INTO access_keys (access_key, account_id, sealed_secret, created_at) "
                f"VALUES ('{orphan}', '{'9' * 32}', 'sealed', 0)"
            )
            uow.commit()  # its savepoint is released: the check waits for the group's COMMIT
        await group.settle(seat)
        return seat

    async def turn() -> tuple[Seat | BaseException, ...]:
        return await asyncio.gather(
            _request(runtime, "w" * 32),
            breaking(),
            _request(runtime, "x" * 32),
            return_exceptions=True,
        )

    outcomes = asyncio.run(turn())
    # A constraint failing at COMMIT reads as a lost race: each request may retry, alone.
    assert all(isinstance(outcome, ConcurrentChange) for outcome in outcomes), outcomes
    assert not {"w" * 32, "x" * 32} & _stored(runtime)
    with runtime.engine.connect() as connection:
        assert connection.execute(text("SELECT count(*) FROM access_keys")).scalar_one() == 0
    asyncio.run(_request(runtime, "y" * 32))  # the next group starts afresh
    assert "y" * 32 in _stored(runtime)


def test_a_commit_and_its_rollback_both_failing_leave_the_next_groups_a_new_connection(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The group's COMMIT fails leaving its transaction open (an I/O error), and so does the
    ROLLBACK after it, which drops the connection: every member answers an error and nothing
    is stored, and the next groups open a new connection and commit, where each failed on
    the dropped one for as long as the process lived."""
    group = _group(runtime)
    writer = group._writer_transaction()
    control, command = Transaction._control, Transaction.command
    failing = {"COMMIT": 1, "ROLLBACK": 1}

    def fail_once(self: Transaction, statement: str) -> bool:
        if self is writer and failing.get(statement):
            failing[statement] -= 1
            return True
        return False

    def io_error(statement: str) -> Exception:
        return DBAPIError.instance(
            statement, (), sqlite3.OperationalError("disk I/O error"), sqlite3.Error
        )

    def control_failing(self: Transaction, statement: str) -> None:
        if statement == "COMMIT" and fail_once(self, statement):
            raise io_error(statement)
        control(self, statement)

    def command_failing(self: Transaction, sql: str) -> None:
        if sql == "ROLLBACK" and fail_once(self, sql):
            raise io_error(sql)
        command(self, sql)

    connect = GroupCommit.connect
    connects: list[GroupCommit] = []

    def connect_failing_once(self: GroupCommit) -> None:
        """The first new connection cannot be opened either: that request fails, and the
        next one tries again rather than meet the same failure."""
        connects.append(self)
        if len(connects) == 1:
            raise io_error("connect")
        connect(self)

    monkeypatch.setattr(Transaction, "_control", control_failing)
    monkeypatch.setattr(Transaction, "command", command_failing)
    monkeypatch.setattr(GroupCommit, "connect", connect_failing_once)

    async def turns() -> tuple[Seat | BaseException, ...]:
        failed = await asyncio.gather(
            _request(runtime, "f" * 32), _request(runtime, "g" * 32), return_exceptions=True
        )
        with pytest.raises(DBAPIError):
            await _seated(runtime, "j" * 32)
        for name in "klm":
            await _seated(runtime, name * 32)
        return tuple(failed)

    failed = asyncio.run(turns())
    assert all(isinstance(outcome, Exception) for outcome in failed), failed
    assert failing == {"COMMIT": 0, "ROLLBACK": 0}
    assert not {"f" * 32, "g" * 32, "j" * 32} & _stored(runtime)
    assert {"k" * 32, "l" * 32, "m" * 32} <= _stored(runtime)
    assert group._writer is not writer and len(connects) == 2


def test_a_units_statement_after_its_commit_is_refused_in_a_group_as_alone(
    runtime: Runtime,
) -> None:
    """A unit whose commit released its savepoint belongs to no transaction any more: its next
    statement is refused in a group as it is alone, instead of joining the group's
    transaction between units, where the group would commit it even though its request
    failed."""

    def after_commit(ctx: Context, first: str, second: str) -> list[str]:
        refused = []
        with ctx.writing() as uow:
            _insert_account(uow, first)
            uow.commit()
            try:
                _insert_account(uow, second)
            except RuntimeError as error:
                refused.append(str(error))
        return refused

    assert after_commit(runtime.context, "n" * 32, "o" * 32)  # alone

    async def turn() -> list[str]:
        group = _group(runtime)
        seat = Seat(group)
        refused = after_commit(runtime.context.scoped(None, seat), "p" * 32, "q" * 32)
        await group.settle(seat)
        return refused

    assert asyncio.run(turn()) == ["a statement outside a unit of work's transaction"]
    assert {"n" * 32, "p" * 32} <= _stored(runtime)
    assert not {"o" * 32, "q" * 32} & _stored(runtime)


def test_the_group_connection_holds_no_transaction_between_turns(runtime: Runtime) -> None:
    asyncio.run(_request(runtime, "h" * 32))
    with runtime.engine.connect() as connection:
        # A write from outside the group (the CLI, housekeeping) is not locked out.
        connection.execute(
            text("UPDATE accounts SET name = 'renamed' WHERE id = :id"), {"id": "h" * 32}
        )
        connection.commit()


def test_a_unit_that_spans_an_await_fails_its_group_and_writes_nothing(
    runtime: Runtime,
) -> None:
    """No use case awaits inside a unit of work (they are plain functions); should one ever,
    the group's commit finds the unit still open and fails the group whole, and the unit's
    next statement, with no transaction left, fails instead of committing on its own."""

    async def spanning() -> None:
        group = _group(runtime)
        seat = Seat(group)
        with runtime.context.scoped(None, seat).writing() as uow:
            uow.tx.execute(
                insert(accounts).values(
                    id="s" * 32, name="before", created_at=0, aws_account_id="000000000001"
                )
            )
            await asyncio.sleep(0)  # the group commits meanwhile
            uow.tx.execute(
                insert(accounts).values(
                    id="t" * 32, name="after", created_at=0, aws_account_id="000000000002"
                )
            )
            uow.commit()

    async def turn() -> tuple[Seat | BaseException, BaseException | None]:
        return await asyncio.gather(_request(runtime, "u" * 32), spanning(), return_exceptions=True)

    outcomes = asyncio.run(turn())
    assert all(isinstance(outcome, Exception) for outcome in outcomes), outcomes
    assert not {"s" * 32, "t" * 32, "u" * 32} & _stored(runtime)
    asyncio.run(_request(runtime, "v" * 32))  # the next group starts afresh
    assert "v" * 32 in _stored(runtime)


def test_a_group_waits_for_a_write_lock_held_elsewhere_without_holding_the_loop(
    tmp_path: Path,
) -> None:
    """Another connection (the CLI, another process) holds SQLite's write lock: the group
    waits for it between tries, the event loop serving meanwhile, and answers ServiceBusy when
    the lock is not had within the statement timeout."""
    settings = settings_for(
        f"sqlite:///{tmp_path / 'locked.db'}", tmp_path, statement_timeout_seconds=0.5
    )
    runtime = build_runtime(settings)
    holder = autocommit(runtime.engine.connect())
    try:
        group = _group(runtime)

        async def scenario() -> int:
            holder.exec_driver_sql("BEGIN IMMEDIATE")
            with pytest.raises(ServiceBusy):
                await group.open()  # held past the timeout
            ticks = 0

            async def ticking() -> None:
                nonlocal ticks
                while True:
                    await asyncio.sleep(0.005)
                    ticks += 1

            ticker = asyncio.create_task(ticking())
            asyncio.get_running_loop().call_later(0.1, holder.exec_driver_sql, "ROLLBACK")
            await group.open()  # had once the holder lets go
            ticker.cancel()
            await _request(runtime, "z" * 32)
            return ticks

        assert asyncio.run(scenario()) > 0  # the loop ran other tasks while the group waited
        assert "z" * 32 in _stored(runtime)
    finally:
        holder.close()
        runtime.close()


def test_the_event_loop_runs_while_a_group_commits_and_the_next_group_waits_for_it(
    runtime: Runtime, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The COMMIT (SQLite's writes and fsync) runs in the commit thread: the event loop goes
    on meanwhile, the group's request is answered only once it is done, and a request that
    arrives in the meantime begins its group only after it."""
    group = _group(runtime)
    writer = group._writer_transaction()
    release = threading.Event()
    committing = threading.Event()
    commit = Transaction.commit

    def slow_commit(self: Transaction) -> None:
        if self is writer and not committing.is_set():
            committing.set()
            assert release.wait(10)
        commit(self)

    monkeypatch.setattr(Transaction, "commit", slow_commit)

    async def scenario() -> None:
        first = asyncio.create_task(_seated(runtime, "p" * 32))
        while not committing.is_set():
            await asyncio.sleep(0.001)  # the loop turns while the commit thread holds on
        second = asyncio.create_task(_seated(runtime, "q" * 32))
        for _ in range(20):
            await asyncio.sleep(0.001)
        assert not first.done() and not second.done()
        assert not {"p" * 32, "q" * 32} & _stored(runtime)
        release.set()
        await asyncio.wait_for(asyncio.gather(first, second), 10)

    asyncio.run(scenario())
    assert {"p" * 32, "q" * 32} <= _stored(runtime)


def test_the_group_connection_is_set_once_and_keeps_savepoint_journals_in_memory(
    runtime: Runtime,
) -> None:
    """Its pragmas go once per driver connection, not once per group; a unit's savepoint
    journal stays in memory (a create's 40-odd pages used to spill to a temporary file)."""
    pragmas: list[str] = []

    def seen(sql: str) -> None:
        if sql.startswith("PRAGMA"):
            pragmas.append(sql)

    async def one_after_another() -> list[Seat]:
        return [await _request(runtime, name * 32) for name in "jk"]

    with watching(seen):
        first, second = asyncio.run(one_after_another())
    assert first.batch is not second.batch
    assert pragmas == ["PRAGMA busy_timeout = 0", "PRAGMA temp_store = MEMORY"]
    writer = _group(runtime)._writer_transaction()
    driver = writer.connection.connection.dbapi_connection
    assert driver is not None
    assert driver.execute("PRAGMA temp_store").fetchone() == (2,)  # MEMORY
    assert driver.execute("PRAGMA busy_timeout").fetchone() == (0,)
    # Another driver connection (as after the old one broke) starts with SQLite's defaults:
    # they are set on it again.
    _group(runtime)._writer = None
    pragmas.clear()
    try:
        with watching(seen):
            asyncio.run(_request(runtime, "l" * 32))
    finally:
        writer.connection.close()
    assert pragmas == ["PRAGMA busy_timeout = 0", "PRAGMA temp_store = MEMORY"]
    assert "l" * 32 in _stored(runtime)
