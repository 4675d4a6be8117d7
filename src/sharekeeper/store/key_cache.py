"""Access keys as last read, kept only while PostgreSQL tells this process of every change to
them: the round trip that looked up the signing key on every request, saved.

Whatever changes a key (a revocation; a reset that deletes them all) sends a notification on
``CHANNEL`` in its own transaction (``Backend.key_notices``), so PostgreSQL delivers it when that
transaction commits, to every process of every host that listens. Each process listens on a
connection of its own and reads what has arrived, without waiting, before every lookup and
every store, and once a second besides: a key is forgotten as soon as its notice is read.

The cache holds only what it may trust: nothing while it is not listening (before it has
connected, or after its connection is lost, when it forgets everything until it listens again),
no key that was not found (a new key works at once), and no key read before a notice that came
during its reading (``generation``)."""

from __future__ import annotations

import asyncio
import logging
from collections import OrderedDict
from typing import TYPE_CHECKING, Generic, TypeVar

from sharekeeper.store.engine import driver_url

if TYPE_CHECKING:
    import psycopg

log = logging.getLogger("sharekeeper.store")
V = TypeVar("V")
CHANNEL = "sharekeeper_keys"
# A notice that names no key: every key may have changed.
EVERY_KEY = "*"
DRAIN_SECONDS = 1.0
RECONNECT_SECONDS = 1.0


class KeyCache(Generic[V]):
    def __init__(self, database_url: str, max_keys: int = 10_000) -> None:
        self._url = driver_url(database_url).replace("postgresql+psycopg", "postgresql", 1)
        self._max_keys = max_keys
        self._keys: OrderedDict[str, V] = OrderedDict()
        self._listener: psycopg.AsyncConnection[object] | None = None
        # psycopg is imported when the cache starts: SQLite's processes never load it.
        self._errors: type[Exception] = Exception
        self._task: asyncio.Task[None] | None = None
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
        if self._task is not None:
            self._task.cancel()
            self._task = None
        await self._forget_listener()

    def get(self, access_key: str) -> V | None:
        self.drain()
        value = self._keys.get(access_key)
        if value is not None:
            self._keys.move_to_end(access_key)
        return value

    def put(self, access_key: str, value: V, generation: int) -> None:
        """Keeps ``value``, read from the database when ``generation`` was current, unless a
        notice has been read since (it may have been about this key)."""
        self.drain()
        if self._listener is None or generation != self.generation:
            return
        self._keys[access_key] = value
        if len(self._keys) > self._max_keys:
            self._keys.popitem(last=False)

    def drain(self) -> None:
        """Reads the notices that have arrived, without waiting for any."""
        listener = self._listener
        if listener is None:
            return
        pgconn = listener.pgconn
        try:
            pgconn.consume_input()
            while (notice := pgconn.notifies()) is not None:
                self.generation += 1
                key = notice.extra.decode("utf-8", "replace")
                if key == EVERY_KEY:
                    self._keys.clear()
                else:
                    self._keys.pop(key, None)
        except self._errors:
            log.warning("the key cache lost its PostgreSQL connection; keys are read each time")
            self._lost()

    def _lost(self) -> None:
        self._keys.clear()
        self.generation += 1
        listener, self._listener = self._listener, None
        if listener is not None and not listener.closed:
            listener.pgconn.finish()

    async def _forget_listener(self) -> None:
        listener, self._listener = self._listener, None
        self._keys.clear()
        if listener is not None and not listener.closed:
            await listener.close()

    async def _keep_listening(self) -> None:
        import psycopg

        while True:
            if self._listener is None:
                try:
                    listener = await psycopg.AsyncConnection.connect(self._url, autocommit=True)
                    await listener.execute(f"LISTEN {CHANNEL}")
                except psycopg.Error as error:
                    log.warning("the key cache cannot listen (%s); keys are read each time", error)
                    await asyncio.sleep(RECONNECT_SECONDS)
                    continue
                self._keys.clear()
                self.generation += 1
                self._listener = listener
            await asyncio.sleep(DRAIN_SECONDS)
            self.drain()
