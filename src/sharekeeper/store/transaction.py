"""The one owner of a connection's transaction, and the one way statements run on it.

Every connection a unit of work uses is in the driver's autocommit mode, so neither the driver
nor SQLAlchemy opens or ends a transaction by itself: ``Transaction`` sends BEGIN, COMMIT,
ROLLBACK and the group's savepoints, and knows at every moment which of its states it is in.
Statements run through it: hot ones (``Prepared``) on the driver (on PostgreSQL's asyncio
driver, every one through the libpq pipeline below, alone or with others; else the driver's
cursor), the rest through SQLAlchemy on the same connection, so all of a unit's statements
share its transaction. Each
statement's SQL passes the one hook (``watching``) that tests and tracing use.

On PostgreSQL a write unit's statements whose answer nobody reads (its BEGIN, inserts, the
outbox's LOCK: ``send``) wait in a queue and travel in one pipeline with the next
statement that answers, or with COMMIT (libpq's, driven by ``store/pipeline.py`` on the asyncio
driver; psycopg's on the synchronous one): a write costs a round trip per statement it reads the
answer of, plus one (``watching_round_trips`` counts them). A queued statement that fails is
reported by the call that sent the queue, whose unit then rolls back as it would have.

What differs between SQLite and PostgreSQL is said once, in ``Backend``.

A read unit cannot write, by construction rather than by trusting a route's ``writes`` flag:
its connection refuses every write (SQLite: ``PRAGMA query_only``, set only when a connection
passes from writes to reads or back; PostgreSQL: the app's pool opens its sessions read-only,
``SET SESSION CHARACTERISTICS``, and a write unit begins ``READ WRITE``, so neither costs a
statement or a round trip per unit). A write there fails at once with ``WriteRefused``, a
defect, instead of waiting for SQLite's write lock on the event loop."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, CursorResult, Engine, Executable
from sqlalchemy.exc import DBAPIError
from sqlalchemy.util import await_only

from sharekeeper.store.engine import (
    QUERY_ONLY,
    READ_UNIT,
    connection_lost,
    refused_write,
    standby_refused_begin,
)

if TYPE_CHECKING:
    from sharekeeper.store.prepared import Prepared


@dataclass(frozen=True, slots=True)
class Backend:
    """What differs between the two databases, in one place."""

    name: str
    # A read unit opens no transaction on either database: each statement is its own
    # snapshot (PostgreSQL at READ COMMITTED, SQLite in autocommit), as every read unit
    # already had on PostgreSQL. BEGIN and its end cost two executes of a search's three on
    # SQLite, and a round trip each on PostgreSQL. A read that needs its statements to agree
    # says so (docs/architecture.md, "Read units").
    begin_read: str | None
    # A write unit: SQLite takes the write lock up front (a deferred transaction that reads and
    # then writes can fail with SQLITE_BUSY instead of waiting its turn). PostgreSQL says READ
    # WRITE: the app's sessions are read-only by default (``create_database_engine``).
    begin_write: str
    # PostgreSQL: sent after a write unit's BEGIN, in the same pipeline. The app's sessions
    # plan every statement for its parameters (``plan_cache_mode = force_custom_plan``,
    # store/engine.py) because a generic plan of a search can walk a whole table; a write
    # unit's statements find rows by their keys, where the generic plan of a prepared
    # statement is the same plan, made once: planning them at each run was 0.3 ms of
    # PostgreSQL's CPU an accept, which bounded the accept (docs/performance.md, "Write units
    # planned once").
    plan_writes: str | None
    # SQLite: a thread keeps its connection from one unit to the next (a pool checkout cost
    # more than a query); the API's writes commit in groups; use cases run on the event loop.
    # PostgreSQL: pooled connections, shared; asyncio psycopg under the API.
    embedded: bool
    # PostgreSQL: a change to an access key notifies every listening process, whose key
    # caches forget it (store/key_cache.py); SQLite has no one to tell, and no cache.
    key_notices: bool
    # PostgreSQL: statements sent in pipelines (above), and data-modifying WITH, which SQLite
    # lacks. On SQLite a statement is a function call, not a round trip: nothing to save.
    pipelines: bool

    @classmethod
    def of(cls, engine: Engine) -> Backend:
        if engine.dialect.name == "sqlite":
            return cls(
                "sqlite",
                None,
                "BEGIN IMMEDIATE",
                None,
                embedded=True,
                key_notices=False,
                pipelines=False,
            )
        return cls(
            engine.dialect.name,
            None,
            "BEGIN READ WRITE",
            "SET LOCAL plan_cache_mode = auto",
            embedded=False,
            key_notices=True,
            pipelines=True,
        )


def autocommit(connection: Connection) -> Connection:
    """A connection whose transactions are ``Transaction``'s alone: the driver in autocommit
    mode, so that it opens none by itself, and SQLAlchemy told so (it then ends none either:
    its own commit or rollback reaches the driver only when the connection goes back)."""
    return connection.execution_options(isolation_level="AUTOCOMMIT")


class State(Enum):
    IDLE = "idle"  # no transaction of ours is open
    READING = "reading"  # a read unit's (SQLite), or none at all (PostgreSQL's autocommit reads)
    WRITING = "writing"  # a write unit's transaction
    GROUP = "group"  # a group's transaction (SQLite's group commit), between its units
    UNIT_IN_GROUP = "unit in group"  # one unit's savepoint inside the group's transaction


class WriteRefused(RuntimeError):
    """A write in a read unit, or a writing unit opened by an operation declared read-only: a
    defect in the code (answered RAM.9000 and logged), never the caller's fault."""


StatementHook = Callable[[str], None]
_hooks: list[StatementHook] = []
RoundTripHook = Callable[[int], None]
_round_trip_hooks: list[RoundTripHook] = []


@contextmanager
def watching(hook: StatementHook) -> Iterator[None]:
    """Calls ``hook(sql)`` before every statement any unit of work runs, while the block runs
    (tests count a use case's statements with it; tracing could time them)."""
    _hooks.append(hook)
    try:
        yield
    finally:
        _hooks.remove(hook)


@contextmanager
def watching_round_trips(hook: RoundTripHook) -> Iterator[None]:
    """Calls ``hook(statements)`` each time a unit of work waits for the database's answer,
    with how many statements travelled together (one, or a pipeline's)."""
    _round_trip_hooks.append(hook)
    try:
        yield
    finally:
        _round_trip_hooks.remove(hook)


class Answer:
    """A statement's rows (tuples) and row count, read off a pipeline."""

    __slots__ = ("rowcount", "rows")

    def __init__(self, rows: list[tuple[Any, ...]], rowcount: int) -> None:
        self.rows = rows
        self.rowcount = rowcount

    def fetchall(self) -> list[tuple[Any, ...]]:
        return self.rows

    def fetchone(self) -> tuple[Any, ...] | None:
        return self.rows[0] if self.rows else None


Parameters = Sequence[Any] | Mapping[str, Any] | None
Queued = tuple[str, Parameters]
# A pipelined statement without parameters (BEGIN, COMMIT, the outbox's lock) goes to psycopg
# with None, not an empty list: it then neither parses the SQL for placeholders nor dumps the
# list, about 7 µs a statement of the client's CPU.
BARE = None
_READ_UNIT = {READ_UNIT: True}


class Transaction:
    __slots__ = ("_begun", "_cursor_kept", "_queue", "backend", "connection", "state")

    def __init__(self, connection: Connection, backend: Backend) -> None:
        self.connection = connection
        self.backend = backend
        self.state = State.IDLE
        # SQLite: one driver cursor for every statement of the unit, closed at its end (an
        # unfinished statement would hold the reader's snapshot open). PostgreSQL's are the
        # connection's (``_driver_cursors``).
        self._cursor_kept: Any = None
        # PostgreSQL: statements sent but not yet on the wire, and whether the database has
        # seen this transaction's BEGIN (a unit that fails before has nothing to roll back).
        self._queue: list[Queued] = []
        self._begun = False

    # -- states -------------------------------------------------------------------------

    def begin(self, write: bool) -> None:
        self._expect(State.IDLE)
        if self.backend.embedded:
            self._refuse_writes(not write)
        statement = self.backend.begin_write if write else self.backend.begin_read
        if write and self.backend.pipelines:
            self._queue_statement(self.backend.begin_write, BARE)
            if self.backend.plan_writes is not None:
                self._queue_statement(self.backend.plan_writes, BARE)
        elif statement is not None:
            self.command(statement)
        self.state = State.WRITING if write else State.READING

    def begin_group(self) -> None:
        """A group's write transaction: its units' statements run only inside their own
        savepoints (``open_unit``). Between them the group refuses a unit's statement, such as
        one a unit sent after its commit released it: it would belong to no unit, and be
        committed with the group even if its unit failed."""
        self.begin(write=True)
        self.state = State.GROUP

    def _refuse_writes(self, refuse: bool) -> None:
        """SQLite: the connection refuses writes for a read unit (a write then fails at once,
        where it would otherwise wait for the write lock), and takes them again for a write
        unit. Set only on a change: a thread's kept connection mostly serves one kind. Sent to
        the driver directly, past the statement hook: a setting of the connection, not a
        statement of the unit (statement counts stay the same whichever unit came before)."""
        info = self.connection.info
        if info.get(QUERY_ONLY, False) is not refuse:
            dbapi = self.connection.connection.dbapi_connection
            dbapi.execute(f"PRAGMA query_only = {'ON' if refuse else 'OFF'}")  # type: ignore[union-attr]
            info[QUERY_ONLY] = refuse

    def commit(self) -> None:
        if self.state is State.UNIT_IN_GROUP:
            raise RuntimeError("a unit in a group is released, not committed")
        if self.state is not State.IDLE:
            self._end("COMMIT")

    def rollback(self) -> None:
        """Ends whatever is open, savepoint and all; nothing to do when idle."""
        if self.state is not State.IDLE:
            self._end("ROLLBACK")

    def _end(self, statement: str) -> None:
        opened = self.state is not State.READING or self.backend.begin_read is not None
        self.state = State.IDLE  # whatever the outcome: a failed COMMIT ends it too
        queued, self._queue = self._queue, []
        begun, self._begun = self._begun, False
        if not queued:
            if opened:
                try:
                    self._control(statement)
                except DBAPIError:
                    if statement == "COMMIT":
                        self._end_failed_commit()
                    raise
        elif statement != "COMMIT":
            # What is still queued is dropped: the database never saw it (nor, before the
            # unit's first round trip, its BEGIN).
            if begun:
                self._control(statement)
        else:
            for hook in _hooks:
                hook(statement)
            try:
                self._pipeline([*queued, (statement, BARE)], answers=0)
            except DBAPIError:
                # A failure makes the database skip the rest of the pipeline, COMMIT too: the
                # transaction is still open (aborted), and must not go back to the pool so.
                if not self.connection.invalidated:
                    self._control("ROLLBACK")
                raise
            except BaseException:
                self._interrupted()
                raise

    def _end_failed_commit(self) -> None:
        """PostgreSQL ends a transaction whose COMMIT failed; SQLite may keep it open (a
        deferred foreign key still broken), and the connection's next BEGIN would fail. It is
        rolled back here, or the connection dropped if even that fails."""
        if not self.backend.embedded or self.connection.invalidated:
            return
        dbapi = self.connection.connection.dbapi_connection
        if dbapi is None or not dbapi.in_transaction:
            return
        try:
            self.command("ROLLBACK")
        except DBAPIError:
            self.connection.invalidate()

    def lost(self) -> None:
        """The database ended the transaction by itself (SQLite does, after a full disk or an
        I/O error): nothing is open any more."""
        self.state = State.IDLE

    def open_unit(self) -> None:
        """A savepoint for one unit of work inside the (group's) write transaction."""
        self._expect(State.GROUP)
        self.command("SAVEPOINT unit")
        self.state = State.UNIT_IN_GROUP

    def close_unit(self, keep: bool) -> None:
        """Releases the unit's savepoint, first rolling back to it unless ``keep``."""
        self._expect(State.UNIT_IN_GROUP)
        self.state = State.GROUP
        if not keep:
            self.command("ROLLBACK TO unit")
        self.command("RELEASE unit")

    def _expect(self, state: State) -> None:
        if self.state is not state:
            raise RuntimeError(f"transaction is {self.state.value}, not {state.value}")

    # -- statements ---------------------------------------------------------------------

    def command(self, sql: str) -> None:
        """A statement without parameters or rows (transaction control, a pragma). On
        PostgreSQL sent as it is: neither parsed for placeholders nor prepared (``BARE``)."""
        self._cursor(sql, BARE if self.backend.pipelines else ())

    def _control(self, statement: str) -> None:
        """COMMIT or ROLLBACK, alone. On the asyncio driver through the libpq pipeline, not
        psycopg's cursor: psycopg answers a ROLLBACK it runs (or a COMMIT that rolled back)
        with DEALLOCATE ALL once it has prepared statements of its own, which would drop the
        ones the pipeline prepared too (``store/pipeline.py``)."""
        if self.backend.pipelines and isinstance(
            self.connection.connection.driver_connection, _async_connection()
        ):
            for hook in _hooks:
                hook(statement)
            self._pipeline([(statement, BARE)], answers=0)
        else:
            self.command(statement)

    def send(self, statement: Prepared, values: Mapping[str, Any]) -> None:
        """A write whose answer nobody reads: on PostgreSQL it travels with the unit's next
        statement that answers, or with its COMMIT; at once elsewhere."""
        if self.backend.pipelines and self.state is State.WRITING:
            self._queue_statement(*statement.compiled_for(self.connection.dialect, values))
        else:
            self._run(statement, values)

    def send_command(self, sql: str) -> None:
        """``command``, sent as ``send`` sends (the outbox's LOCK)."""
        if self.backend.pipelines and self.state is State.WRITING:
            self._queue_statement(sql, BARE)
        else:
            self.command(sql)

    def batch(
        self, statements: Sequence[tuple[Prepared, Mapping[str, Any]]]
    ) -> list[list[tuple[Any, ...]]]:
        """Runs the statements in order and returns each one's rows: on PostgreSQL in one
        round trip (the queue and these, pipelined), one after the other elsewhere. Each
        statement still sees what the ones before it did and waited for."""
        if not self.backend.pipelines:
            return [self.rows(statement, values) for statement, values in statements]
        self._in_unit()
        dialect = self.connection.dialect
        compiled = [statement.compiled_for(dialect, values) for statement, values in statements]
        for sql, _ in compiled:
            for hook in _hooks:
                hook(sql)
        queued, self._queue = self._queue, []
        answers = self._pipeline([*queued, *compiled], answers=len(compiled))
        return [[tuple(row) for row in answer.fetchall()] for answer in answers]

    def fenced(
        self, fence: str, statement: Prepared, values: Mapping[str, Any]
    ) -> list[tuple[Any, ...]]:
        """``statement``'s rows, read right after ``fence`` (a statement that takes a
        transaction-level lock) and while the fence is held, in one round trip on PostgreSQL:
        in the unit's transaction when it writes (held to its end), else in a transaction of
        its own around the two. Its snapshot is taken after the fence was granted, so what
        the fence waited for is visible. On SQLite (a database-wide write lock already) the
        statement alone."""
        if not self.backend.pipelines:
            return self.rows(statement, values)
        if self.state is State.WRITING:
            self.send_command(fence)
            return self.rows(statement, values)
        self._in_unit()
        sql, parameters = statement.compiled_for(self.connection.dialect, values)
        for each in ("BEGIN", fence, sql, "COMMIT"):
            for hook in _hooks:
                hook(each)
        queued, self._queue = self._queue, []
        begun = [*queued, ("BEGIN", BARE), (fence, BARE), (sql, parameters)]
        try:
            (answer,) = self._pipeline(begun, answers=1, then=[("COMMIT", BARE)])
        except DBAPIError:
            # The failure skipped the COMMIT: end the transaction it left open.
            if not self.connection.invalidated:
                self._control("ROLLBACK")
            raise
        except BaseException:
            self._interrupted()
            raise
        return [tuple(row) for row in answer.fetchall()]

    def rows(self, statement: Prepared, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return list(self._run(statement, values).fetchall())

    def first(self, statement: Prepared, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        row = self._run(statement, values).fetchone()
        return None if row is None else tuple(row)

    def rowcount(self, statement: Prepared, values: Mapping[str, Any]) -> int:
        return int(self._run(statement, values).rowcount)

    def close(self) -> None:
        """Closes the kept cursor (the connection goes back, or away). PostgreSQL's stay with
        their connection: psycopg's cursors hold no server state, only the rows of their last
        statement, which the connection's next unit replaces."""
        cursor, self._cursor_kept = self._cursor_kept, None
        if cursor is not None:
            # Its connection may have closed under it (broken): nothing is left to close then.
            with suppress(self.connection.dialect.loaded_dbapi.Error):
                cursor.close()

    def execute(
        self, statement: Executable, parameters: Any = None
    ) -> CursorResult[*tuple[Any, ...]]:
        """A statement built per call, run by SQLAlchemy (which converts the types it knows)
        in this transaction."""
        self._in_unit()
        if self._queue:
            queued, self._queue = self._queue, []
            self._pipeline(queued, answers=0)
        for hook in _hooks:
            hook(str(statement))
        for round_trip in _round_trip_hooks:
            round_trip(1)
        if self.state is not State.READING:
            return self.connection.execute(statement, parameters)
        try:
            # Marked, so that a refused write is not taken for a standby's (engine.py).
            return self.connection.execute(statement, parameters, execution_options=_READ_UNIT)
        except DBAPIError as error:
            if error.orig is not None and refused_write(error.orig, self.connection.dialect):
                raise WriteRefused(f"a write in a read unit: {str(statement)[:60]}") from error
            raise

    def _run(self, statement: Prepared, values: Mapping[str, Any]) -> Any:
        self._in_unit()
        sql, parameters = statement.compiled_for(self.connection.dialect, values)
        return self._cursor(sql, parameters)

    def _in_unit(self) -> None:
        # A statement outside any unit would commit on its own, in autocommit: a unit that
        # outlived its transaction (its group committed meanwhile) must fail, not write alone;
        # and one between a group's units would be committed with the group, in no unit.
        if self.state is State.IDLE or self.state is State.GROUP:
            raise RuntimeError("a statement outside a unit of work's transaction")

    def _queue_statement(self, sql: str, parameters: Parameters) -> None:
        for hook in _hooks:
            hook(sql)
        self._queue.append((sql, parameters))

    def _cursor(self, sql: str, parameters: Parameters) -> Any:
        for hook in _hooks:
            hook(sql)
        if self._queue:
            queued, self._queue = self._queue, []
            return self._pipeline([*queued, (sql, parameters)], answers=1)[0]
        if self.backend.pipelines and isinstance(
            self.connection.connection.driver_connection, _async_connection()
        ):
            # A statement alone (a read unit's, or a write unit's with nothing queued) goes
            # through the libpq pipeline too: one wait, and prepared at its first use, where
            # psycopg's cursor polls, flushes and fetches in steps of its own (about 60 µs of
            # the client's CPU a statement more; docs/performance.md, "Reads through libpq").
            return self._pipeline([(sql, parameters)], answers=1)[0]
        for round_trip in _round_trip_hooks:
            round_trip(1)
        dialect = self.connection.dialect
        error_type = dialect.loaded_dbapi.Error
        if self.backend.pipelines:
            try:
                # psycopg's own cursor, not SQLAlchemy's adapter over it: the adapter makes a
                # driver cursor per unit (entering it costs a greenlet switch) and copies its
                # rows into a deque; the statement's answer is the same.
                cursor = self._driver_cursors(1)[0]
                cursor.execute(sql, parameters)
            except error_type as error:
                raise self._failed(error, sql, parameters) from error
            return cursor
        try:
            cursor = self._cursor_kept
            if cursor is None:
                # The DB-API connection: the driver's own, or SQLAlchemy's adapter over an
                # asyncio driver, which waits for each call in the request's greenlet (no
                # thread hop). Inside the ``try``: a connection closed under us fails here.
                dbapi = self.connection.connection.dbapi_connection
                cursor = self._cursor_kept = dbapi.cursor()  # type: ignore[union-attr]
            cursor.execute(sql, parameters)
        except error_type as error:
            raise self._failed(error, sql, parameters) from error
        return cursor

    def _interrupted(self, error: BaseException | None = None) -> None:
        """A pipeline that ends the transaction was interrupted midway (a cancelled request):
        the transaction may still be open, holding its locks (the outbox's fence among them),
        in a state no later statement can be sure of. Only closing the connection ends it
        (once the pipeline has had the server cancel what it still ran: store/pipeline.py).
        ``error``, when the driver's: the pool learns from it whether the database was lost
        (store/engine.py, ``_on_invalidate``), as from a statement run by SQLAlchemy."""
        self.close()
        self.connection.invalidate(error if isinstance(error, Exception) else None)

    def _failed(self, error: Exception, sql: str, parameters: Parameters) -> Exception:
        """The exception SQLAlchemy would raise, for the unit of work to translate."""
        self.close()
        if self.backend.pipelines and not self.connection.invalidated:
            # Made anew for the connection's next statement: none is reused in whatever state
            # a failure (a broken pipeline, say) left it.
            self.connection.info.pop(DRIVER_CURSORS, None)
        dialect = self.connection.dialect
        if self.state is State.READING and refused_write(error, dialect):
            return WriteRefused(f"a write in a read unit: {sql[:60]}")
        # A standby refuses BEGIN READ WRITE (sent alone, or first in a pipeline).
        lost = connection_lost(error, dialect) or (
            sql.startswith(self.backend.begin_write) and standby_refused_begin(error)
        )
        if lost:
            # Never back to the pool: it broke, or its server is no primary (any more).
            self.connection.invalidate(error)
        return DBAPIError.instance(
            sql, parameters, error, dialect.loaded_dbapi.Error, connection_invalidated=lost
        )

    def _pipeline(
        self, statements: list[Queued], answers: int, then: Sequence[Queued] = ()
    ) -> list[Answer]:
        """Sends ``statements`` and then ``then`` in one pipeline (one round trip) and
        returns the answers of the last ``answers`` of ``statements``. The first failure is
        raised; the database skips the statements after it, and the unit's transaction is then
        aborted."""
        if statements and statements[0][0] == self.backend.begin_write:
            self._begun = True
        every = [*statements, *then]
        answered = range(len(statements) - answers, len(statements))
        for round_trip in _round_trip_hooks:
            round_trip(len(every))
        try:
            driver = self.connection.connection.driver_connection
            if isinstance(driver, _async_connection()):
                # The asyncio driver under SQLAlchemy's adapter: libpq's pipeline driven with
                # one wait a round trip (``store/pipeline.py``), in the request's greenlet.
                pipeline = self._libpq_pipeline()
                try:
                    return await_only(pipeline.run(every, answered))
                except BaseException as error:
                    if not pipeline.clean():
                        # Interrupted, or broken before every answer was read: answers are
                        # left unread, and no later statement could read its own. Dropped,
                        # whichever path this pipeline was on (``_interrupted``); a broken
                        # connection marks the database lost, so that every connection opened
                        # before it is dropped too, not each one found broken by a request.
                        self._interrupted(error)
                    raise
            cursors = self._driver_cursors(answers + 1)
            return _sync_pipeline(cursors[0].connection, cursors, every, answered)
        except self.connection.dialect.loaded_dbapi.Error as error:
            sql = "; ".join(s for s, _ in every)
            raise self._failed(error, sql, ()) from error

    def _libpq_pipeline(self) -> Any:
        """The connection's ``Pipeline`` (it keeps the names of the statements the connection
        prepared), kept after a failed statement too: a pipeline reads every answer before it
        raises."""
        return self._kept(PIPELINE, _new_pipeline)

    def _driver_cursors(self, count: int) -> list[Any]:
        """At least ``count`` of psycopg's own cursors of this PostgreSQL connection: making
        one builds its adapters, and an accept took four. A unit has its connection alone, and
        so its cursors."""
        cursors: list[Any] = self._kept(DRIVER_CURSORS, _no_cursors)
        driver = self.connection.connection.driver_connection
        while len(cursors) < count:
            cursors.append(driver.cursor())  # type: ignore[union-attr]
        return cursors

    def _kept(self, key: str, make: Callable[[Any], Any]) -> Any:
        """What ``make`` made for this connection's driver connection, made once for as long as
        it stays open rather than once a unit: kept in its pool record (which SQLAlchemy
        empties when it drops or reconnects the connection) beside the driver connection it
        was made for."""
        info = self.connection.info
        driver = self.connection.connection.driver_connection
        kept = info.get(key)
        if kept is None or kept[0] is not driver:
            kept = info[key] = (driver, make(driver))
        return kept[1]


def _no_cursors(driver: Any) -> list[Any]:
    return []


def _new_pipeline(driver: Any) -> Any:
    from sharekeeper.store.pipeline import Pipeline  # imported here: it imports this module

    return Pipeline(driver)


# In a PostgreSQL connection's pool record: its driver connection and the cursors made on it,
# and its libpq pipeline (asyncio).
DRIVER_CURSORS = "sharekeeper.cursors"
PIPELINE = "sharekeeper.pipeline"


_async_driver: type | None = None


def _async_connection() -> type:
    """psycopg's asyncio connection class, imported on first use: SQLite's processes need not
    load psycopg."""
    global _async_driver
    if _async_driver is None:
        import psycopg

        _async_driver = psycopg.AsyncConnection
    return _async_driver


def _sync_pipeline(
    driver: Any, cursors: list[Any], statements: list[Queued], answered: range
) -> list[Answer]:
    """``cursors[0]`` takes the answers nobody reads, each replacing the last; the others one
    answered statement each."""
    with driver.pipeline():
        for index, (sql, parameters) in enumerate(statements):
            cursor = cursors[1 + index - answered.start] if index in answered else cursors[0]
            cursor.execute(sql, parameters)
    return [
        Answer(c.fetchall() if _has_rows(c) else [], c.rowcount)
        for c in cursors[1 : 1 + len(answered)]
    ]


def _has_rows(cursor: Any) -> bool:
    """Whether the statement returned rows (its description would be built to say so, column
    objects and all)."""
    result = cursor.pgresult
    return result is not None and bool(result.nfields)
