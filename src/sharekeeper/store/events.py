"""The change feed's outbox: events appended in their change's transaction, read by cursor.

Commit order. A reader takes the rows after its cursor; a row must never appear below a cursor
already handed out. On SQLite every writer holds the database's write lock from BEGIN to
COMMIT, so ``seq`` values are taken in commit order. On PostgreSQL a sequence value taken by a
transaction that commits after another's larger one would let a reader skip it. So numbers are
fenced by one advisory lock (``_NUMBERING``): each writer holds it *shared* from just before its
insert takes numbers until its transaction ends, so writers never wait for one another; a
reader takes it *exclusively* while it reads the newest number (``settled``), which waits for
the writers that hold numbers and are still in flight, and lets none take a number until the
read is done. Every number up to the newest a reader sees then belongs to a transaction that
has ended, committed (visible to the read, whose snapshot is taken after the lock was granted)
or not (never to appear); later numbers are larger (the sequence hands numbers out one at a
time: its CACHE is 1, PostgreSQL's default for the column). The unit of work inserts its
events last, right before COMMIT, in the same pipeline (store/transaction.py); on PostgreSQL
the audit record's insert, the lock and the insert are one statement, in that order
(``_numbered_with``). So a writer holds the lock for its insert and its commit, and waits for
no other lock while holding it; a reader holds it for one read. (Transaction ids would not do
instead: they are taken at a transaction's first write, not when it holds the locks of what it
changes, so ordering by them can put a share's later change first; docs/enforcement.md.)

The bell: a unit of work that committed events rings it, waking this process's long-polling
readers at once; other processes' commits are seen by polling (api/events.py)."""

from __future__ import annotations

import asyncio
import contextlib
import threading
from collections.abc import Sequence
from typing import Any

from sqlalchemy import and_, bindparam, delete, exists, func, insert, or_, select, text

from sharekeeper.domain.audit import AuditRecord
from sharekeeper.domain.clock import Millis
from sharekeeper.domain.events import FeedEvent
from sharekeeper.store.audit import STORED, AuditRepository, stored
from sharekeeper.store.prepared import Prepared
from sharekeeper.store.tables import associations, events
from sharekeeper.store.transaction import Transaction

E = events.c
A = associations.c
# Two int4 keys: a space apart from store/migrate.py's one-bigint lock. Any fixed pair.
_NUMBERING = "1397442117, 1"
_LOCK = f"SELECT pg_advisory_xact_lock_shared({_NUMBERING})"
_FENCE = f"SELECT pg_advisory_xact_lock({_NUMBERING})"
_BOUNDS = Prepared(select(func.min(E.seq), func.max(E.seq)))
_COLUMNS = (E.seq, E.id, E.kind, E.subject, E.at, E.data)
_FIELDS = ("id", "kind", "subject", "share_id", "at", "data", "resource_type")
# A change writes a few events: one INSERT of that many rows, compiled once per count (built
# and compiled by SQLAlchemy per unit of work, it cost more than the rest of the outbox).
_PREPARED_MOST = 16
_INSERTS: dict[int, Prepared] = {}
_NUMBERED: dict[tuple[int, bool], Prepared] = {}


def _insert_of(count: int) -> Prepared:
    found = _INSERTS.get(count)
    if found is None:
        rows: list[dict[str, Any]] = [
            {f: bindparam(f"{f}{i}") for f in _FIELDS} for i in range(count)
        ]
        found = _INSERTS[count] = Prepared(insert(events).values(rows))
    return found


def _numbered_with(count: int, audit: bool) -> Prepared:
    """PostgreSQL: the unit's audit record if ``audit``, then the outbox's shared lock, then
    ``count`` events numbered under it, as one statement. The parts of a WITH run in no
    defined order, so the order that matters is forced by the data:
    - the lock is taken for the one row the audit record's insert returns, so the record is
      written first: a wait it meets (another request's uncommitted record claiming the same
      client token) is waited before the lock is held, as when it was a statement of its own,
      and a writer holding the lock waits for no other lock (a reader's fence queued behind it
      would hold up every writer);
    - the events' rows are the lock's one row joined to their values: none exists, to be
      numbered by the insert (``seq``'s default, taken per inserted row), before the lock's
      call has returned, granted."""
    found = _NUMBERED.get((count, audit))
    if found is None:
        rows = ", ".join("(" + ", ".join(f":{f}{i}" for f in _FIELDS) + ")" for i in range(count))
        columns = ", ".join(_FIELDS)
        recorded, lock = "", _LOCK
        if audit:
            recorded = (
                f"recorded AS (INSERT INTO audit_records ({', '.join(STORED)}) "
                f"VALUES ({', '.join(f':audit_{n}' for n in STORED)}) RETURNING 1), "
            )
            lock = f"{_LOCK} FROM recorded"
        found = _NUMBERED[(count, audit)] = Prepared(
            text(
                f"WITH {recorded}fence AS MATERIALIZED ({lock}) "
                f"INSERT INTO events ({columns}) SELECT event.* "
                f"FROM fence, (VALUES {rows}) AS event ({columns})"
            )
        )
    return found


class EventRepository:
    def __init__(self, tx: Transaction) -> None:
        self._tx = tx

    def append(
        self,
        rows: Sequence[tuple[FeedEvent, str | None, str | None]],
        audit: AuditRecord | None = None,
    ) -> None:
        """Each event with the share it is about and the resource type of the share's item it
        is about, in one statement, with the unit's ``audit`` record if given (on PostgreSQL
        in that statement too); call last in the unit, right before COMMIT."""
        values = [
            {
                "id": event.id,
                "kind": event.kind,
                "subject": event.subject,
                "share_id": share_id,
                "at": event.at,
                "data": event.data,
                "resource_type": resource_type,
            }
            for event, share_id, resource_type in rows
        ]
        if len(values) > _PREPARED_MOST:
            # A bulk change's many events: their insert compiled for this call alone, the
            # audit record and (PostgreSQL) the lock statements of their own before it.
            self._add_audit(audit)
            if self._tx.backend.pipelines:
                self._tx.send_command(_LOCK)
            self._tx.execute(insert(events), values)
            return
        numbered = {f"{f}{i}": row[f] for i, row in enumerate(values) for f in _FIELDS}
        if self._tx.backend.pipelines:
            # Each statement in a pipeline costs psycopg's Python about as much again as the
            # lock, the insert and the audit record's insert cost the server: one statement.
            if audit is not None:
                numbered.update({f"audit_{k}": v for k, v in stored(audit).items()})
            self._tx.send(_numbered_with(len(values), audit is not None), numbered)
            return
        self._add_audit(audit)
        self._tx.send(_insert_of(len(values)), numbered)

    def _add_audit(self, audit: AuditRecord | None) -> None:
        if audit is not None:
            AuditRepository(self._tx).add(audit)

    def after(
        self, cursor: int, through: int, limit: int, namespaces: Sequence[str] | None = None
    ) -> list[FeedEvent]:
        """The events after ``cursor`` and up to ``through``, in commit order. With
        ``namespaces``, only directory events and those of shares that hold (or held) a
        resource of one of them, and of those only the share's own, its principals' and the
        items of those namespaces' types (not another namespace's resource or binding)."""
        statement = (
            select(*_COLUMNS).where(E.seq > cursor, E.seq <= through).order_by(E.seq).limit(limit)
        )
        if namespaces is not None:
            # Per event read, through the associations' (share, type, entity) key: the cost
            # follows the events since the cursor, not how many shares exist.
            holds = exists().where(
                A.resource_share_id == E.share_id,
                A.association_type == "resource",
                or_(*(A.resource_type.like(f"{n}:%") for n in namespaces)),
            )
            # The item's type is the event's own column: no further read per event.
            ours = or_(
                E.resource_type.is_(None),
                *(E.resource_type.like(f"{n}:%") for n in namespaces),
            )
            statement = statement.where(or_(E.share_id.is_(None), and_(ours, holds)))
        return [FeedEvent(*row) for row in self._tx.execute(statement)]

    def bounds(self) -> tuple[int | None, int | None]:
        """The oldest and newest cursor kept as committed now (None, None when the outbox is
        empty). Not a bound to read up to: a writer in flight may hold a smaller number
        (``settled``)."""
        (row,) = self._tx.rows(_BOUNDS, {})
        return row[0], row[1]

    def settled(self) -> int:
        """The newest cursor up to which every event has committed or never will (0 for an
        empty outbox): a read up to it skips none that commits later. On PostgreSQL it waits
        for the writers holding numbers, and holds new ones back while it reads."""
        (row,) = self._tx.fenced(_FENCE, _BOUNDS, {})
        return int(row[1] or 0)

    def purge(self, before: Millis) -> int:
        """Deletes the events older than ``before`` and every event before them, so what is
        kept is always the feed's end, without holes (an event's time is its change's clock,
        not its commit's); returns how many. The newest is kept whatever its age, so the next
        event's cursor stays above every one handed out."""
        last_old = select(func.max(E.seq)).where(E.at < before).scalar_subquery()
        newest = select(func.max(E.seq)).scalar_subquery()
        result = self._tx.execute(delete(events).where(E.seq <= last_old, E.seq < newest))
        return int(result.rowcount)


class Bell:
    """Wakes this process's waiting readers when a unit of work commits events. Rung from any
    thread; waited on from an event loop."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._waiting: set[tuple[asyncio.AbstractEventLoop, asyncio.Event]] = set()
        # How many times it was rung: a reader notes it before reading, so that a ring between
        # its read and its wait is not lost (``wait``'s ``after``).
        self.rung = 0

    def ring(self) -> None:
        with self._lock:
            self.rung += 1
            waiting = list(self._waiting)
        for loop, event in waiting:
            # A loop that closed has nobody waiting on it any more.
            with contextlib.suppress(RuntimeError):
                loop.call_soon_threadsafe(event.set)

    async def wait(self, seconds: float, after: int | None = None) -> None:
        """Returns when rung or after ``seconds``, whichever comes first; at once when rung
        since ``rung`` was ``after``."""
        entry = (asyncio.get_running_loop(), asyncio.Event())
        with self._lock:
            if after is not None and after != self.rung:
                return
            self._waiting.add(entry)
        try:
            await asyncio.wait_for(entry[1].wait(), seconds)
        except TimeoutError:
            pass
        finally:
            with self._lock:
                self._waiting.discard(entry)
