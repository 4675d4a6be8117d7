"""The one owner of a connection's transaction, and the one way statements run on it.

Every connection a unit of work uses is in the driver's autocommit mode, so neither the driver
nor SQLAlchemy opens or ends a transaction by itself: ``Transaction`` sends BEGIN, COMMIT,
ROLLBACK and the group's savepoints, and knows at every moment which of its states it is in.
Statements run through it: hot ones (``Prepared``) on the driver's cursor, the rest through
SQLAlchemy on the same connection, so all of a unit's statements share its transaction. Each
statement's SQL passes the one hook (``watching``) that tests and tracing use.

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
    # A read unit: SQLite opens a deferred transaction, one snapshot for all its statements
    # and no lock taken. PostgreSQL opens none: at READ COMMITTED each statement has its own
    # snapshot anyway, and BEGIN and ROLLBACK would cost a round trip each.
    begin_read: str | None
    # A write unit: SQLite takes the write lock up front (a deferred transaction that reads and
    # then writes can fail with SQLITE_BUSY instead of waiting its turn). PostgreSQL says READ
    # WRITE: the app's sessions are read-only by default (``create_database_engine``).
    begin_write: str
    # SQLite: a thread keeps its connection from one unit to the next (a pool checkout cost
    # more than a query); the API's writes commit in groups; use cases run on the event loop.
    # PostgreSQL: pooled connections, shared; asyncio psycopg under the API.
    embedded: bool
    # PostgreSQL: a change to an access key notifies every listening process, whose key
    # caches forget it (store/key_cache.py); SQLite has no one to tell, and no cache.
    key_notices: bool

    @classmethod
    def of(cls, engine: Engine) -> Backend:
        if engine.dialect.name == "sqlite":
            return cls("sqlite", "BEGIN", "BEGIN IMMEDIATE", embedded=True, key_notices=False)
        return cls(engine.dialect.name, None, "BEGIN READ WRITE", embedded=False, key_notices=True)


def autocommit(connection: Connection) -> Connection:
    """A connection whose transactions are ``Transaction``'s alone: the driver in autocommit
    mode, so that it opens none by itself, and SQLAlchemy told so (it then ends none either:
    its own commit or rollback reaches the driver only when the connection goes back)."""
    return connection.execution_options(isolation_level="AUTOCOMMIT")


class State(Enum):
    IDLE = "idle"  # no transaction of ours is open
    READING = "reading"  # a read unit's (SQLite), or none at all (PostgreSQL's autocommit reads)
    WRITING = "writing"  # a write unit's transaction, or a group's
    UNIT_IN_GROUP = "unit in group"  # one unit's savepoint inside the group's transaction


class WriteRefused(RuntimeError):
    """A write in a read unit, or a writing unit opened by an operation declared read-only: a
    defect in the code (answered RAM.9000 and logged), never the caller's fault."""


StatementHook = Callable[[str], None]
_hooks: list[StatementHook] = []


@contextmanager
def watching(hook: StatementHook) -> Iterator[None]:
    """Calls ``hook(sql)`` before every statement any unit of work runs, while the block runs
    (tests count a use case's statements with it; tracing could time them)."""
    _hooks.append(hook)
    try:
        yield
    finally:
        _hooks.remove(hook)


_READ_UNIT = {READ_UNIT: True}


class Transaction:
    __slots__ = ("_cursor_kept", "backend", "connection", "state")

    def __init__(self, connection: Connection, backend: Backend) -> None:
        self.connection = connection
        self.backend = backend
        self.state = State.IDLE
        # One driver cursor for every statement of ours: making one cost more than many a
        # statement (psycopg builds its adapters for each).
        self._cursor_kept: Any = None

    # -- states -------------------------------------------------------------------------

    def begin(self, write: bool) -> None:
        self._expect(State.IDLE)
        if self.backend.embedded:
            self._refuse_writes(not write)
        statement = self.backend.begin_write if write else self.backend.begin_read
        if statement is not None:
            self.command(statement)
        self.state = State.WRITING if write else State.READING

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
        if not opened:
            return
        try:
            self.command(statement)
        except DBAPIError:
            if statement == "COMMIT":
                self._end_failed_commit()
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
        self._expect(State.WRITING)
        self.command("SAVEPOINT unit")
        self.state = State.UNIT_IN_GROUP

    def close_unit(self, keep: bool) -> None:
        """Releases the unit's savepoint, first rolling back to it unless ``keep``."""
        self._expect(State.UNIT_IN_GROUP)
        self.state = State.WRITING
        if not keep:
            self.command("ROLLBACK TO unit")
        self.command("RELEASE unit")

    def _expect(self, state: State) -> None:
        if self.state is not state:
            raise RuntimeError(f"transaction is {self.state.value}, not {state.value}")

    # -- statements ---------------------------------------------------------------------

    def command(self, sql: str) -> None:
        """A statement without parameters or rows (transaction control, a pragma)."""
        self._cursor(sql, ())

    def rows(self, statement: Prepared, values: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        return list(self._run(statement, values).fetchall())

    def first(self, statement: Prepared, values: Mapping[str, Any]) -> tuple[Any, ...] | None:
        row = self._run(statement, values).fetchone()
        return None if row is None else tuple(row)

    def rowcount(self, statement: Prepared, values: Mapping[str, Any]) -> int:
        return int(self._run(statement, values).rowcount)

    def close(self) -> None:
        """Closes the kept cursor (the connection goes back, or away)."""
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
        for hook in _hooks:
            hook(str(statement))
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
        # outlived its transaction (its group committed meanwhile) must fail, not write alone.
        if self.state is State.IDLE:
            raise RuntimeError("a statement outside a unit of work's transaction")

    def _cursor(self, sql: str, parameters: Sequence[Any] | Mapping[str, Any]) -> Any:
        for hook in _hooks:
            hook(sql)
        dialect = self.connection.dialect
        error_type = dialect.loaded_dbapi.Error
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
            self.close()
            if self.state is State.READING and refused_write(error, dialect):
                raise WriteRefused(f"a write in a read unit: {sql[:60]}") from error
            lost = connection_lost(error, dialect) or (
                sql == self.backend.begin_write and standby_refused_begin(error)
            )
            if lost:
                # Never back to the pool: it broke, or its server is no primary (any more).
                self.connection.invalidate(error)
            # The exception SQLAlchemy would raise, for the unit of work to translate.
            raise DBAPIError.instance(
                sql, parameters, error, error_type, connection_invalidated=lost
            ) from error
        return cursor
