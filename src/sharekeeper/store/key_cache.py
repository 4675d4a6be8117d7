"""Access keys as last read, kept only while PostgreSQL tells this process of every change to
them: the key lookup on the request's pooled connection, saved.

Whatever changes a key (a revocation; a reset that deletes them all) sends a notification on
``CHANNEL`` in its own transaction (``Backend.key_notices``), so PostgreSQL delivers it when that
transaction commits, to every process of every host that listens. Each process listens on a
connection of its own. Before a request uses the cache it waits for ``caught_up``: a round trip
on that connection begun after the request arrived. PostgreSQL hands a listening session the
notices committed before a query, before that query's answer, so every change committed before
the request is known to it: a revocation takes effect on the next request, whichever process
serves it. Requests arriving together share one such round trip (``SELECT 1``, no pooled
connection, no transaction).

The cache holds only what it may trust: nothing while it is not listening (before it has
connected, or after its connection is lost, when it forgets everything until it listens again),
no key that was not found (a new key works at once), and no key read before a notice that came
during its reading (``generation``)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Generic, TypeVar

from sharekeeper.store.engine import connect_limits, driver_url, first_line

if TYPE_CHECKING:
    import psycopg

    from sharekeeper.store.pipeline import Pipeline

log = logging.getLogger("sharekeeper.store")
V = TypeVar("V")
CHANNEL = "sharekeeper_keys"
# A notice that names no key: every key may have changed.
EVERY_KEY = "*"
# An idle process still reads its notices this often (they would pile up on the server).
IDLE_SECONDS = 1.0
RECONNECT_SECONDS = 1.0
# The catching up's round trip: its answer is not read, only that it came.
_CATCH_UP: list[tuple[str, None]] = [("SELECT 1", None)]
_NO_ANSWER = range(0)


class KeyCache(Generic[V]):
    def __init__(
        self, database_url: str, max_keys: int = 10_000, statement_timeout_seconds: float = 15.0
    ) -> None:
        # A multi-host URL (driver_url spells its hosts as libpq's host=h1,h2&port=p1,p2)
        # with target_session_attrs=read-write: after a failover the listener connects to
        # the new primary, where the revocations are now committed.
        self._url = driver_url(database_url).replace("postgresql+psycopg", "postgresql", 1)
        self._limits = connect_limits(statement_timeout_seconds)
        # A round trip that takes longer ends the listening (the server stopped answering):
        # every request waits for one, and none may wait longer than its statements could.
        self._round_trip_seconds = statement_timeout_seconds or None
        self._max_keys = max_keys
        self._keys: OrderedDict[str, V] = OrderedDict()
        self._listener: psycopg.AsyncConnection[object] | None = None
        # The listener's round trips go through libpq's pipeline mode (store/pipeline.py), as
        # the requests' statements do: psycopg's ``execute`` made a cursor and waited in
        # steps, about 90 µs more of the process's CPU a round trip, and under load a round
        # trip serves only a few requests (docs/performance.md, "Reads through libpq").
        self._pipeline: Pipeline | None = None
        # psycopg is imported when the cache starts: SQLite's processes never load it.
        self._errors: type[Exception] = Exception
        self._task: asyncio.Task[None] | None = None
        self._trips: asyncio.Task[None] | None = None
        # The round trip under way, and the one the requests that came after it wait for.
        self._current: asyncio.Future[None] | None = None
        self._next: asyncio.Future[None] | None = None
        # Counts the notices read: a key read from the database before a notice is not kept.
        self.generation = 0

    @property
    def listening(self) -> bool:
        return self._listener is not None

    async def start(self) -> None:
        import psycopg

        self._errors = psycopg.Error
        self._task = asyncio.get_running_loop().create_task(self._keep_listening())

    async def close(self) -> None:
        for task in (self._task, self._trips):
            if task is not None:
                task.cancel()
        self._task = self._trips = None
        await self._forget_listener()
        # Whoever still waits goes on with nothing cached.
        for waiting in (self._current, self._next):
            if waiting is not None and not waiting.done():
                waiting.set_result(None)
        self._current = self._next = None

    def caught_up(self) -> asyncio.Future[None]:
        """Done once every notice committed before the call has been read (done at once while
        not listening: the cache then holds nothing). The round trip is begun by the call, not
        when the result is awaited: a read awaits it after its own statements."""
        loop = asyncio.get_running_loop()
        if self._listener is None:
            done = loop.create_future()
            done.set_result(None)
            return done
        if self._next is None:
            self._next = loop.create_future()
            if self._current is None:
                self._trips = loop.create_task(self._round_trips())
        # A future, not a coroutine: a read that awaits it later needs no task of its own
        # (5-10 µs a request, docs/performance.md). Shielded, so that a request cancelled
        # while it waits does not cancel the round trip the others share.
        return asyncio.shield(self._next)

    def get(self, access_key: str) -> V | None:
        """The key as kept; call it only after ``caught_up``."""
        value = self._keys.get(access_key)
        if value is not None:
            self._keys.move_to_end(access_key)
        return value

    def put(self, access_key: str, value: V, generation: int) -> None:
        """Keeps ``value``, read from the database when ``generation`` was current, unless a
        notice has been read since (it may have been about this key)."""
        if self._listener is None or generation != self.generation:
            return
        self._keys[access_key] = value
        if len(self._keys) > self._max_keys:
            self._keys.popitem(last=False)

    async def _round_trips(self) -> None:
        """One round trip on the listening connection for each batch of waiting requests,
        until none waits; psycopg hands each notice it reads to ``_heard``."""
        while self._next is not None:
            self._current, self._next = self._next, None
            listener, pipeline = self._listener, self._pipeline
            if listener is not None and pipeline is not None:
                try:
                    # Not ``wait_for``: on Python 3.11 it runs the wait in a task of its own.
                    async with asyncio.timeout(self._round_trip_seconds):
                        await pipeline.run(_CATCH_UP, _NO_ANSWER)
                except (self._errors, TimeoutError) as error:
                    log.warning(
                        "the key cache lost its PostgreSQL connection (%s); keys are read "
                        "each time until it listens again",
                        first_line(error),
                    )
                    self._lost(listener)
            self._current.set_result(None)
            self._current = None

    def _heard(self, notice: psycopg.Notify) -> None:
        self.generation += 1
        if notice.payload == EVERY_KEY:
            self._keys.clear()
        else:
            self._keys.pop(notice.payload, None)

    def _lost(self, listener: psycopg.AsyncConnection[object]) -> None:
        """Keys are read each time until ``_keep_listening`` listens again."""
        if self._listener is listener:
            self._listener = self._pipeline = None
            self._keys.clear()
            self.generation += 1
        if not listener.closed:
            listener.pgconn.finish()

    async def _forget_listener(self) -> None:
        listener, self._listener, self._pipeline = self._listener, None, None
        self._keys.clear()
        if listener is not None and not listener.closed:
            await listener.close()

    async def _keep_listening(self) -> None:
        import psycopg
        from psycopg.conninfo import make_conninfo

        from sharekeeper.store.pipeline import Pipeline

        while True:
            if self._listener is None:
                try:
                    listener = await psycopg.AsyncConnection.connect(
                        make_conninfo(self._url, **self._limits), autocommit=True
                    )
                except psycopg.Error as error:
                    log.warning(
                        "the key cache cannot listen (%s); keys are read each time",
                        first_line(error),
                    )
                    await asyncio.sleep(RECONNECT_SECONDS)
                    continue
                listener.add_notify_handler(self._heard)
                try:
                    await listener.execute(f"LISTEN {CHANNEL}")
                except psycopg.Error as error:
                    await listener.close()
                    log.warning(
                        "the key cache cannot listen (%s); keys are read each time",
                        first_line(error),
                    )
                    await asyncio.sleep(RECONNECT_SECONDS)
                    continue
                self._keys.clear()
                self.generation += 1
                self._listener, self._pipeline = listener, Pipeline(listener)
            await asyncio.sleep(IDLE_SECONDS)
            await self.caught_up()
