"""Group commit for SQLite: the writes of the requests served in one turn of the event loop
share one transaction, and so one commit (and one fsync), instead of one each.

Each request's unit of work is a savepoint inside the group's transaction: it is released when
the unit commits and rolled back alone when it fails, so requests stay independent. The group
commits as soon as the event loop has run every request that was ready, and each request
answers only after that commit: nothing is acknowledged before it is durable. Should the commit
fail, every request of the group answers with the error, none having been acknowledged.

Reads use their own connections (``Connections``) and see only what is committed. Only the API's
write use cases on the event loop join a group (their request's ``Seat``, carried by
the request's scoped Context); the CLI, the admin API and the
housekeeping threads commit as before.

The group's transaction takes SQLite's write lock before any unit runs (``open``), without
holding the event loop while another process has it: the lock is tried at once and again after
short sleeps, up to the statement timeout. Once it is held, no statement of the group's units
waits for a lock, so the event loop never blocks on one."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from contextlib import suppress
from typing import TypeVar

from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError

from sharekeeper.domain.errors import ServiceBusy
from sharekeeper.store.engine import translate
from sharekeeper.store.transaction import Backend, State, Transaction, autocommit

T = TypeVar("T")


class Seat:
    """One request's seat in group commits: the batch its last unit of work was written in.
    (Not ``Membership``: that is an account's place in an organization, domain/organizations.)"""

    __slots__ = ("batch", "group")

    def __init__(self, group: GroupCommit) -> None:
        self.group = group
        self.batch: asyncio.Future[None] | None = None


class GroupCommit:
    def __init__(self, engine: Engine, lock_timeout_seconds: float) -> None:
        self._engine = engine
        self._lock_timeout = lock_timeout_seconds
        self._writer: Transaction | None = None
        self._lock_free: asyncio.Task[None] | None = None
        self._batch: asyncio.Future[None] | None = None
        # Set when SQLite ended the group's transaction by itself: its units are lost.
        self._lost = False
        # The group's COMMIT under way in the commit thread: the connection is the commit's
        # until it ends, and the next group begins only then.
        self._committing: asyncio.Future[None] | None = None
        self._thread: ThreadPoolExecutor | None = None
        # The driver connection the group's settings were last set on (``_settle``).
        self._settled: object = None
        # The group's connection being opened again (``_reconnected``).
        self._connecting: asyncio.Future[None] | None = None

    async def open(self) -> None:
        """Makes sure the group's transaction is open, so that the units that run next (on the
        event loop, with no await in between) join it; raises ServiceBusy when the write lock
        is not had within the statement timeout. While another process holds the lock, one
        task watches for it to come free and the waiting requests try again then, however
        many they are."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self._lock_timeout
        while self._batch is None:
            committing = self._committing
            if committing is not None:
                await asyncio.shield(committing)
                continue
            if self._writer is None:
                await self._reconnected()
                continue
            try:
                self._begin()
                return
            except DBAPIError as error:
                if not isinstance(translate(error), ServiceBusy):
                    raise translate(error) from error
            if self._lock_free is None:
                self._lock_free = loop.create_task(self._watch_lock())
            left = deadline - loop.time()
            if left <= 0:
                raise ServiceBusy()
            try:
                await asyncio.wait_for(asyncio.shield(self._lock_free), left)
            except TimeoutError:
                raise ServiceBusy() from None

    async def _watch_lock(self) -> None:
        """Returns once the write lock could be had (or a group opened meanwhile): probed with
        BEGIN IMMEDIATE and let go at once, after sleeps that grow to 50 ms."""
        pause = 0.001
        try:
            while self._batch is None:
                await asyncio.sleep(pause)
                pause = min(pause * 2, 0.05)
                if self._batch is not None:
                    return
                if self._committing is not None:
                    continue
                writer = self._writer_transaction()
                try:
                    self._settle(writer)
                    writer.begin(write=True)
                except DBAPIError:
                    continue
                writer.rollback()
                return
        finally:
            self._lock_free = None

    async def _reconnected(self) -> None:
        """Opens the group's connection again after the last one was dropped (``_failed``),
        off the event loop as ``connect`` is at start-up, once for every request waiting."""
        connecting = self._connecting
        if connecting is None or connecting.done():
            # A new try each time the last one ended: one that failed is not replayed.
            connecting = self._connecting = asyncio.ensure_future(asyncio.to_thread(self.connect))
        try:
            await asyncio.shield(connecting)
        except DBAPIError as error:
            raise translate(error) from error

    def connect(self) -> None:
        """Opens the group's connection ahead of the first write (``serve`` does, off the event
        loop: a new SQLite connection sets its pragmas, which may wait for a lock)."""
        self._writer_transaction()

    def _writer_transaction(self) -> Transaction:
        if self._writer is None:
            connection = autocommit(self._engine.connect())
            self._writer = Transaction(connection, Backend.of(self._engine))
        return self._writer

    def _settle(self, writer: Transaction) -> None:
        """The group's connection's settings, sent once per driver connection (a reconnected
        driver starts with the defaults again), not once per group: a pragma costs a statement
        (8 µs, as much as an INSERT of a share).

        - ``busy_timeout = 0``: never wait for the lock inside SQLite, which would hold the
          event loop; ``open`` waits between tries.
        - ``temp_store = MEMORY``: each unit's savepoint keeps the pages it changes in a
          sub-journal, which SQLite moves to a temporary file past 64 KiB. A create changes
          about 50 pages, so each one created a file in the temporary directory, wrote to it
          and deleted it (openat, unlink and some 60 pwrite calls a create: a third of its
          CPU was the kernel's, docs/performance.md). In memory, a unit's journal is freed
          when its savepoint is released; a unit that changes many pages (a share deleted with
          thousands of associations) holds them in memory until then, within the process's
          SQLite heap limit (``SQLITE_HEAP_LIMIT_BYTES``), past which the connections' page
          caches give way meanwhile. No other connection is changed (their sorts and temporary
          tables still spill to disk)."""
        dbapi = writer.connection.connection.dbapi_connection
        if dbapi is self._settled:
            return
        writer.command("PRAGMA busy_timeout = 0")
        writer.command("PRAGMA temp_store = MEMORY")
        self._settled = dbapi

    def _in_transaction(self, writer: Transaction) -> bool:
        """Whether SQLite still has the group's transaction open (it may end it by itself)."""
        return bool(writer.connection.connection.dbapi_connection.in_transaction)  # type: ignore[union-attr]

    def _begin(self) -> None:
        """Opens the group's transaction and schedules its commit; raises DBAPIError at once
        when another connection holds the write lock."""
        writer = self._writer_transaction()
        self._settle(writer)
        writer.begin_group()
        loop = asyncio.get_running_loop()
        self._batch = loop.create_future()
        # Read, so that a failed group no waiter saw (all went away) is not reported.
        self._batch.add_done_callback(lambda batch: batch.exception())
        self._lost = False
        loop.call_soon(self._commit)

    def open_unit(self, seat: Seat) -> Transaction:
        """The group's transaction, with a savepoint open for one unit of work; opens the
        group's transaction if ``open`` did not (failing at once if the lock is taken)."""
        if self._batch is None:
            if self._committing is not None:
                # The connection is the commit thread's: ``open`` waits for it, so a unit
                # that comes here first is a request that skipped ``open``.
                raise RuntimeError("a unit of work opened while its group's commit runs")
            self._begin()
        writer = self._writer_transaction()
        if self._lost or not self._in_transaction(writer):
            self._lost = True
            raise DBAPIError.instance(
                "SAVEPOINT",
                (),
                sqlite3.OperationalError("the group's transaction was lost"),
                sqlite3.Error,
            )
        writer.open_unit()
        seat.batch = self._batch
        return writer

    def close_unit(self, keep: bool) -> None:
        """Releases the unit's savepoint, or rolls back to it."""
        writer = self._writer_transaction()
        if not self._in_transaction(writer):
            # SQLite ended the whole transaction itself (a full disk, an I/O error): the
            # group's earlier units are lost, and the commit will say so to each.
            self._lost = True
            writer.lost()
            return
        writer.close_unit(keep)

    def _commit(self) -> None:
        """Commits the group, once the units of the event loop's turn have run. A unit still
        open here spanned an await, which no use case may: the group fails whole (its unit's
        next statement finds no transaction and fails too), rather than commit half a unit.

        The COMMIT itself (SQLite's writes and fsync, the GIL let go) runs in the commit
        thread, so that the event loop goes on reading, signing and answering meanwhile; the
        next group waits for it (``open``), and the group's requests are answered once it is
        done, never before."""
        batch, self._batch = self._batch, None
        writer = self._writer
        assert batch is not None and writer is not None
        try:
            if writer.state is State.UNIT_IN_GROUP:
                raise sqlite3.OperationalError("a unit of work spanned an await")
            if self._lost or not self._in_transaction(writer):
                raise sqlite3.OperationalError("the group's transaction was lost")
        except sqlite3.Error as error:
            self._failed(writer, batch, error)
            return
        if self._thread is None:
            self._thread = ThreadPoolExecutor(1, thread_name_prefix="sharekeeper-commit")
        loop = asyncio.get_running_loop()
        # Done once the outcome is handled (a failed commit rolled back), not when the thread
        # returns: only then may the next group use the connection.
        self._committing = ended = loop.create_future()

        def committed(done: asyncio.Future[None]) -> None:
            try:
                error = done.exception()
                if error is None:
                    batch.set_result(None)
                elif isinstance(error, (sqlite3.Error, DBAPIError)):
                    self._failed(writer, batch, error)
                else:
                    batch.set_exception(error)
            finally:
                self._committing = None
                ended.set_result(None)

        loop.run_in_executor(self._thread, writer.commit).add_done_callback(committed)

    def _failed(
        self, writer: Transaction, batch: asyncio.Future[None], error: BaseException
    ) -> None:
        """The group is not committed: rolled back if still open, and every member told."""
        cause = error.orig if isinstance(error, DBAPIError) and error.orig else error
        try:
            if writer.connection.invalidated or not self._rolled_back(writer):
                self._drop(writer)
        finally:
            writer.lost()
            batch.set_exception(DBAPIError.instance("COMMIT", (), cause, sqlite3.Error))

    def _rolled_back(self, writer: Transaction) -> bool:
        """Whether the group's transaction is no longer open: SQLite ended it, or it was
        rolled back here."""
        try:
            if self._in_transaction(writer):
                writer.rollback()
        except (sqlite3.Error, DBAPIError):
            return False
        return True

    def _drop(self, writer: Transaction) -> None:
        """The group's connection broke (its COMMIT and then its ROLLBACK failed): closed,
        which ends whatever SQLite kept open, and the next group opens another (``open``)
        instead of failing on this one for as long as the process lives."""
        self._writer = None
        self._settled = None
        connection = writer.connection
        with suppress(Exception):
            if not connection.invalidated:
                connection.invalidate()  # its driver connection closed: SQLite ends the rest
            connection.rollback()  # and SQLAlchemy's view of a transaction on it
            connection.close()

    @staticmethod
    async def settle(seat: Seat) -> None:
        """Waits until the group the request wrote in, if any, is committed; raises (a domain
        error, such as ServiceBusy) if its commit failed."""
        batch = seat.batch
        if batch is None:
            return
        try:
            # Shielded: a request whose client went away must not cancel the others' commit.
            await asyncio.shield(batch)
        except DBAPIError as error:
            raise translate(error) from error

    async def seated(self, work: Callable[[Seat], T]) -> T:
        """Runs ``work`` (a request's units of work, on the event loop) with a seat in the
        group and answers once its group is committed: the work's own failure, else the
        commit's, is raised only after that, so nothing is acknowledged before it is durable."""
        await self.open()
        seat = Seat(self)
        failure: Exception | None = None
        try:
            done = work(seat)
        except Exception as error:
            failure = error
        await self.settle(seat)
        if failure is not None:
            raise failure
        return done

    def close(self) -> None:
        if self._thread is not None:
            self._thread.shutdown(wait=True)
            self._thread = None
        if self._writer is not None:
            self._writer.close()
            self._writer.connection.close()
            self._writer = None
