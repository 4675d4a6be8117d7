"""Engines from plain URLs: ``sqlite:///PATH`` or ``postgresql://USER@HOST:PORT/DB``."""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar
from weakref import WeakKeyDictionary

from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import Dialect, make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, DisconnectionError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.util import greenlet_spawn

from sharekeeper.domain.errors import ConcurrentChange, ServiceBusy

__all__ = [
    "Engine",
    "create_database_engine",
    "display_url",
    "driver_reason",
    "driver_url",
    "run_in_greenlet",
]
T = TypeVar("T")


class UnsupportedDatabase(ValueError):
    pass


def driver_url(url: str) -> str:
    """ShareKeeper picks its own drivers: sqlite3 and psycopg 3."""
    try:
        parsed = make_url(_hosts_in_query(url))
    except UnsupportedDatabase:
        raise
    except (ArgumentError, ValueError):  # ValueError: a port that is not a number
        raise UnsupportedDatabase("a database URL that cannot be parsed") from None
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+pysqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise UnsupportedDatabase(f"unsupported database URL scheme {parsed.drivername!r}")


def _hosts_in_query(url: str) -> str:
    """libpq's multi-host URL (``postgresql://u@h1:p1,h2:p2/db``), which SQLAlchemy cannot
    parse, in the spelling it can (``postgresql://u@/db?host=h1,h2&port=p1,p2``): the same
    connection parameters to libpq, which tries the hosts in turn (docs/configuration.md)."""
    scheme, separator, rest = url.partition("://")
    if not separator or not scheme.startswith("postgres"):
        return url
    end = min((i for i in (rest.find("/"), rest.find("?")) if i >= 0), default=len(rest))
    authority, tail = rest[:end], rest[end:]
    user, at, hosts = authority.rpartition("@")
    if "," not in hosts:
        return url
    path, _, query = tail.partition("?")
    if re.search(r"(^|&)(host|hostaddr|port)=", query):
        raise UnsupportedDatabase("a database URL that names its hosts twice")
    names, ports = [], []
    for entry in hosts.split(","):
        # An IPv6 address stands in brackets, before its port: [::1]:5432.
        found = re.fullmatch(r"\[([^\]]*)\](?::(\d*))?|([^:\[\]]*)(?::(\d*))?", entry)
        if found is None or not (found.group(1) or found.group(3)):
            raise UnsupportedDatabase("a database URL with a host list that cannot be parsed")
        names.append(found.group(1) or found.group(3))
        ports.append(found.group(2) or found.group(4) or "")
    hosts_query = f"host={','.join(names)}"
    if any(ports):
        hosts_query += f"&port={','.join(ports)}"
    query = f"{hosts_query}&{query}" if query else hosts_query
    return f"{scheme}://{user}{at}{path or '/'}?{query}"


def driver_reason(error: BaseException) -> str | None:
    """The driver's own words for a failure SQLAlchemy wrapped, without the statement and its
    parameters (SQLAlchemy's message shows both, secrets included); None for other errors."""
    if not isinstance(error, DBAPIError):
        return None
    return first_line(error.orig) if error.orig else type(error).__name__


def first_line(error: BaseException) -> str:
    """An error's message in one line: psycopg adds lines of hints, and one for each host a
    multi-host URL lists."""
    lines = str(error).strip().splitlines()
    return lines[0] if lines else type(error).__name__


def display_url(url: str) -> str:
    """The URL with any password masked, for logs (a host list as libpq's ``host=h1,h2``)."""
    shown = make_url(_hosts_in_query(url)).render_as_string(hide_password=True)
    return shown.replace("%2C", ",")


def create_database_engine(
    url: str,
    *,
    pool_size: int = 8,
    synchronous: str = "full",
    statement_timeout_seconds: float = 15.0,
    asynchronous: bool = False,
) -> Engine:
    """``asynchronous``: on PostgreSQL, connections through psycopg's asyncio driver. The engine
    is still SQLAlchemy's synchronous facade, so the same units of work run on it, but only
    inside ``run_in_greenlet``: each statement then waits on the event loop, not in a thread."""
    full_url = driver_url(url)
    parsed = make_url(full_url)
    if parsed.get_backend_name() == "sqlite":
        return _sqlite_engine(
            full_url, parsed.database, pool_size, synchronous, statement_timeout_seconds
        )
    # A statement that runs longer is cancelled: one slow request cannot hold locks forever.
    timeout_ms = int(statement_timeout_seconds * 1000)
    # psycopg prepares a statement run often on a connection; PostgreSQL may then plan it once
    # for any parameters, and that generic plan cannot tell a busy account from an idle one: it
    # walked every invitation by seq to find an account's 50 (4.8 ms against 0.75 ms). Plans
    # made for the actual parameters cost a little planning each time and stay on the indexes.
    # A write unit lets its own statements, which find rows by their keys, be planned once
    # (``Backend.plan_writes``, store/transaction.py).
    options = "-c plan_cache_mode=force_custom_plan"
    if timeout_ms:
        options += f" -c statement_timeout={timeout_ms}"
    engine_options: dict[str, Any] = {
        "pool_size": pool_size,
        # Threads are capped at the pool size, so a synchronous pool rarely overflows. On the
        # event loop every waiting request would take a connection: requests past the pool
        # wait in its queue instead, since overflow connections are opened and closed again
        # for each request (a new PostgreSQL backend each time: 373 accepts/s against ~2,000).
        "max_overflow": 0 if asynchronous else pool_size * 4,
        "connect_args": {"options": options, **connect_limits(statement_timeout_seconds)},
    }
    if asynchronous:
        # Imported here: it brings in the ORM, a tenth of a second of every start-up.
        from sqlalchemy.ext.asyncio import create_async_engine

        # Only units of work use this pool, each ending its own transaction: its connections
        # stay in autocommit, with nothing to reset when they go back (store/transaction.py).
        engine = create_async_engine(
            full_url, isolation_level="AUTOCOMMIT", pool_reset_on_return=None, **engine_options
        ).sync_engine
        event.listen(engine, "connect", _read_only_session)
    else:
        engine = create_engine(full_url, **engine_options)
    _watch_pooled_connections(engine)
    return engine


def _read_only_session(dbapi_connection: Any, _record: Any) -> None:
    """The app's pool serves units of work alone: its sessions refuse writes unless a write
    unit's BEGIN READ WRITE allows them (store/transaction.py), so an operation declared
    read-only that writes fails at once. One round trip per connection opened, none per unit.
    Set after connecting, not as a startup option: libpq's target_session_attrs=read-write
    would take a session read-only by default for a standby's and refuse it. (The synchronous
    pool also serves migrations and tools, whose transactions SQLAlchemy begins.)"""
    cursor = dbapi_connection.cursor()
    try:
        cursor.execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
    finally:
        cursor.close()


# A host that does not answer (its machine down, a network cut) costs a connection attempt this
# long, for each host the URL lists, instead of psycopg's 130 s: a request then fails with a
# 503 well before a client gives up on it.
CONNECT_TIMEOUT_SECONDS = 5


def connect_limits(statement_timeout_seconds: float) -> dict[str, int]:
    """libpq's bounds on a connection that stops answering: how long its opening may take,
    and how long data sent on it may wait unacknowledged (a primary cut off the network
    mid-statement) before the connection is closed; that is the statement timeout, which the
    server cannot enforce when it is the one that is unreachable."""
    limits = {"connect_timeout": CONNECT_TIMEOUT_SECONDS}
    timeout_ms = int(statement_timeout_seconds * 1000)
    if timeout_ms:
        limits["tcp_user_timeout"] = timeout_ms
    return limits


async def run_in_greenlet(function: Callable[..., T], *args: Any) -> T:
    """Runs ``function`` on the event loop, in a greenlet of its own: each statement it runs on
    an ``asynchronous`` engine then waits for its answer on the event loop."""
    result: T = await greenlet_spawn(function, *args)
    return result


# SQLSTATEs after which a PostgreSQL connection is no use: the server is shutting down or not
# yet accepting (57P01-57P03: a failover under way), or it is a standby that refuses writes
# (25006: a demoted primary, or a standby the URL names without target_session_attrs).
_LOST_STATES = frozenset({"25006", "57P01", "57P02", "57P03"})


# SQLSTATE 0A000 answers a write unit's BEGIN READ WRITE on a standby ("cannot set transaction
# read-write mode during recovery"): there, and only there, it means a standby.
_STANDBY_BEGIN_STATE = "0A000"


def standby_refused_begin(error: BaseException) -> bool:
    """Whether ``error``, raised by a write unit's BEGIN READ WRITE, says the server is a
    standby (a demoted primary, or one the URL names without target_session_attrs)."""
    return getattr(error, "sqlstate", None) == _STANDBY_BEGIN_STATE


def connection_lost(error: BaseException, dialect: Dialect) -> bool:
    """Whether ``error``, raised by the driver, leaves its PostgreSQL connection useless: it
    broke, or it reached a server that is not (or no longer) a writable primary."""
    if dialect.name != "postgresql":
        return False
    code = getattr(error, "sqlstate", None)
    if code is None:
        # psycopg's own errors carry no SQLSTATE: the connection failed or was closed.
        return isinstance(error, dialect.loaded_dbapi.OperationalError)
    return code in _LOST_STATES or code.startswith("08")  # 08: connection exception


# SQLSTATE 25006 on PostgreSQL: a write in a read-only transaction.
_READ_ONLY_STATE = "25006"


def refused_write(error: BaseException, dialect: Dialect) -> bool:
    """Whether the driver's ``error`` is a write refused because the unit is read-only (SQLite's
    query_only, PostgreSQL's read-only session), which in a read unit is the code's defect. On
    PostgreSQL a standby answers a write the same way: a unit of work tells the two apart by
    whether it is a read unit (``READ_UNIT``)."""
    if dialect.name == "sqlite":
        return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_READONLY
    return getattr(error, "sqlstate", None) == _READ_ONLY_STATE


# Execution option on a read unit's statements run by SQLAlchemy: a write they attempt is
# refused as read-only, and that says nothing about the server (it is no standby's refusal).
READ_UNIT = "sharekeeper_read_unit"
# In a SQLite connection's pool record: whether it refuses writes now (PRAGMA query_only).
QUERY_ONLY = "sharekeeper.query_only"


def accepts_writes(connection: Connection) -> bool:
    """False on a PostgreSQL standby (in recovery, as a primary is until it is promoted): every
    write there fails. One round trip; SQLite is always writable."""
    if connection.dialect.name != "postgresql":
        return True
    return not connection.exec_driver_sql("SELECT pg_is_in_recovery()").scalar_one()


# A pooled connection idle this long is pinged before use (a server restart or an idle timeout
# may have closed it); one in steady use is not.
IDLE_BEFORE_PING_SECONDS = 1.0
_CHECKED_IN = "sharekeeper.checked_in"
_OPENED = "sharekeeper.opened"
# Set when a unit gives its connection back to a ``Connections``' own idle stack instead of the
# pool (store/unit_of_work.py): the time it became idle, which its check-in keeps.
_IDLE_SINCE = "sharekeeper.idle_since"
# Each watched engine's last loss of its database (a monotonic time; 0.0 before any).
_LOST_AT: WeakKeyDictionary[Engine, list[float]] = WeakKeyDictionary()


def set_aside(connection: Connection) -> None:
    """Notes that a unit's connection goes idle without going back to the pool."""
    connection.connection.info[_IDLE_SINCE] = time.monotonic()


def take_aside(connection: Connection) -> bool:
    """Whether a connection set aside may serve the next unit as it is, with no check by the
    pool: the checks its checkout would make find nothing (it was opened after the database
    was last lost, and has been idle for less than the time after which it is pinged). If
    not, it must go back to the pool, whose checkout pings it or drops it (``_on_checkout``),
    knowing how long it has been idle."""
    info = connection.connection.info
    lost_at = _LOST_AT.get(connection.engine, [0.0])[0]
    if (
        info.get(_OPENED, 0.0) > lost_at
        and time.monotonic() - info.get(_IDLE_SINCE, 0.0) < IDLE_BEFORE_PING_SECONDS
    ):
        del info[_IDLE_SINCE]
        return True
    return False


def _watch_pooled_connections(engine: Engine) -> None:
    """SQLAlchemy's pre-ping costs a round trip to the server on every checkout, as much as a
    query; under load a connection is checked out again within milliseconds of its last use.
    So only a connection that sat idle is pinged; one that broke in use fails its request
    with ServiceBusy (``translate``).

    A connection found lost (``connection_lost``) means the server it was opened to died or
    stopped being the primary, and so did every connection opened to it: each pooled
    connection opened before the loss is dropped at its next checkout, never reused, and its
    replacement connects to whichever host is the primary now (the URL's hosts in turn)."""
    lost_at = _LOST_AT[engine] = [0.0]

    def lost() -> None:
        lost_at[0] = time.monotonic()

    @event.listens_for(engine, "handle_error")
    def _on_error(context: Any) -> None:
        # A statement run by SQLAlchemy, or a connection that could not be opened: told a
        # disconnection, SQLAlchemy invalidates the connection and the request gets a 503.
        # A read unit's refused write is the code's defect, no standby's refusal.
        error = context.original_exception
        run = context.execution_context
        in_read_unit = run is not None and run.execution_options.get(READ_UNIT, False)
        if in_read_unit and refused_write(error, engine.dialect):
            return
        if connection_lost(error, engine.dialect):
            context.is_disconnect = True

    @event.listens_for(engine, "invalidate")
    def _on_invalidate(dbapi_connection: Any, record: Any, error: BaseException | None) -> None:
        # A standby's refused BEGIN READ WRITE is invalidated with its code by the unit's
        # transaction alone (store/transaction.py), which knew the statement.
        if error is not None and (
            connection_lost(error, engine.dialect) or standby_refused_begin(error)
        ):
            lost()

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        record.info[_OPENED] = time.monotonic()

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        # One set aside came back after its idle time: idle since it was set aside.
        idle_since = record.info.pop(_IDLE_SINCE, None)
        record.info[_CHECKED_IN] = time.monotonic() if idle_since is None else idle_since

    @event.listens_for(engine, "checkout")
    def _on_checkout(dbapi_connection: Any, record: Any, proxy: Any) -> None:
        opened = record.info.get(_OPENED)
        if opened is not None and opened <= lost_at[0]:
            # The pool connects this record anew (or fails the request with a 503).
            raise DisconnectionError("a connection opened before the database was lost")
        checked_in = record.info.get(_CHECKED_IN)
        if checked_in is None or time.monotonic() - checked_in < IDLE_BEFORE_PING_SECONDS:
            return
        dialect = engine.dialect
        try:
            dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not (
                connection_lost(error, dialect)
                or dialect.is_disconnect(error, dbapi_connection, None)
            ):
                raise
            lost()
            # The pool discards this connection and checks out another (or connects anew).
            raise DisconnectionError("an idle pooled connection was closed") from error


# SQLite's heap in this process, page caches included, is held near this: past it, a connection
# reuses pages of its own cache instead of growing it (the limit is the library's, for every
# connection of the process). Without it, each connection's cache grows to SQLite's default of
# 2 MB as the database grows, and the connections are the live threads' plus the pool's, so
# the server's memory followed the database for minutes (docs/performance.md, "Memory").
SQLITE_HEAP_LIMIT_BYTES = 8 * 2**20

# anyio's default limit on worker threads (the console's pages and the admin API run there).
_WORKER_THREADS = 40

# sqlite3 binds str, int, float and bytearray straight away and looks every other parameter up
# in its adapters first: for None and bool, none found, it asks ``PrepareProtocol`` for an
# ``__adapt__`` and the value for a ``__conform__``, and each miss formats an AttributeError
# (3.4 k instructions a parameter; a create binds 15 of them). Registered, each is one dict hit
# and a call to a builtin, binding what sqlite3 bound before: NULL (an empty dict's ``get``
# answers None) and the integer 1 or 0.
_NOTHING: dict[object, None] = {}
_NULL = _NOTHING.get


def _bind_plainly() -> None:
    # sqlite3's registry is the process's: an adapter the embedding program (a test suite
    # using the plugin, say) registered for these types stays.
    if (type(None), sqlite3.PrepareProtocol) not in sqlite3.adapters:
        sqlite3.register_adapter(type(None), _NULL)
    if (bool, sqlite3.PrepareProtocol) not in sqlite3.adapters:
        sqlite3.register_adapter(bool, int)


def _sqlite_engine(
    url: str, database: str | None, pool_size: int, synchronous: str, busy_seconds: float
) -> Engine:
    _bind_plainly()
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(
        url,
        pool_size=pool_size,
        # Each thread that runs a unit keeps its connection (store/unit_of_work.py): anyio's
        # worker threads, the event loop's and group commit's must all fit, or the last page
        # of a burst waits for a connection no one gives back.
        max_overflow=max(pool_size * 4, _WORKER_THREADS + 2 - pool_size),
        # How long a writer waits for the write lock before the request is answered "busy".
        connect_args={
            "timeout": busy_seconds,
            "check_same_thread": False,
        },
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, record: Any) -> None:
        # Transactions are in our own hands (store/transaction.py).
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA synchronous={synchronous.upper()}")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA soft_heap_limit={SQLITE_HEAP_LIMIT_BYTES}")
        cursor.close()
        record.info[QUERY_ONLY] = False

    @event.listens_for(engine, "checkin")
    def _on_checkin(dbapi_connection: Any, record: Any) -> None:
        # A read unit's connection refuses writes (store/transaction.py): writable again before
        # anyone else (a migration, a tool, another thread's unit) takes it from the pool.
        if dbapi_connection is not None and record.info.get(QUERY_ONLY):
            dbapi_connection.execute("PRAGMA query_only = OFF")
            record.info[QUERY_ONLY] = False

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # SQLAlchemy's own transactions (migrations, tools), as SQLAlchemy's recipe for
        # pysqlite does: the driver, in autocommit, opens none itself. A unit of work's
        # connection is in autocommit for SQLAlchemy too: its transaction is Transaction's.
        if connection.get_execution_options().get("isolation_level") != "AUTOCOMMIT":
            immediate = connection.info.get(WRITE, False)
            connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


# Set on a connection whose SQLAlchemy transactions write (a migration): SQLite's write lock is
# taken at BEGIN, since a deferred transaction that reads and then writes can fail with
# SQLITE_BUSY instead of waiting its turn.
WRITE = "sharekeeper.write"


def translate(error: Exception) -> Exception:
    """A lost race surfaces as a constraint or serialization failure: tell the caller to retry.
    A statement cancelled by the timeout, or a lock not had in time, is a busy database."""
    if isinstance(error, IntegrityError):
        return ConcurrentChange()
    if isinstance(error, DBAPIError) and error.connection_invalidated:
        # The connection broke or could not be opened, or reached a standby (connection_lost):
        # a database restart or a failover, worth a retry.
        return ServiceBusy()
    if isinstance(error, PoolTimeout):
        return ServiceBusy()  # every pooled connection stayed in use (or kept failing to open)
    code = getattr(getattr(error, "orig", None), "sqlstate", None)
    if code in ("40001", "40P01"):  # serialization failure, deadlock detected
        return ConcurrentChange()
    if code in ("57014", "55P03") or "database is locked" in str(error):
        return ServiceBusy()
    return error
