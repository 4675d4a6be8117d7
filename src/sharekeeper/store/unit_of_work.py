"""One transaction per use case, rolled back unless committed."""

from __future__ import annotations

import threading
from collections.abc import Callable
from types import TracebackType
from typing import Generic, TypeVar

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlalchemy.exc import TimeoutError as PoolTimeout

from sharekeeper.domain.audit import AuditRecord, PendingAudit
from sharekeeper.domain.events import Change, FeedEvent
from sharekeeper.store.accounts import AccountRepository
from sharekeeper.store.admin import delete_everything
from sharekeeper.store.audit import AuditRepository
from sharekeeper.store.customer_permissions import CustomerPermissionRepository
from sharekeeper.store.decisions import DecisionRepository
from sharekeeper.store.delegation import DelegationRepository
from sharekeeper.store.engine import set_aside, take_aside, translate
from sharekeeper.store.events import Bell, EventRepository
from sharekeeper.store.group_commit import GroupCommit, Seat
from sharekeeper.store.handshakes import HandshakeRepository
from sharekeeper.store.invitations import InvitationRepository
from sharekeeper.store.master_key import MasterKeyRepository
from sharekeeper.store.org_tags import OrgTagRepository
from sharekeeper.store.organizations import OrganizationRepository
from sharekeeper.store.permission_work import PermissionWorkRepository
from sharekeeper.store.permissions import PermissionBindingRepository
from sharekeeper.store.policies import PolicyRepository
from sharekeeper.store.relays import RelayRepository
from sharekeeper.store.service_principals import ServicePrincipalRepository
from sharekeeper.store.sessions import SessionRepository
from sharekeeper.store.share_sources import ShareSourceRepository
from sharekeeper.store.shares import AssociationRepository, ShareRepository
from sharekeeper.store.snapshot import SnapshotRepository
from sharekeeper.store.tags import TagRepository
from sharekeeper.store.transaction import Backend, Transaction, autocommit
from sharekeeper.store.views import ViewRepository
from sharekeeper.store.webhooks import WebhookRepository


class Connections:
    """Where units of work get a connection with their transaction begun, and where they give
    it back with that transaction ended.

    On SQLite each thread keeps the connection of its last unit of work and reuses it for the
    next: checking a SQLAlchemy connection out of the pool and back in cost more than a SQLite
    query (docs/performance.md); its use cases run one at a time on the event loop's thread.
    A thread that ends (the server's worker threads stop after idling) cannot give its
    connection back: the next thread to need one returns it to the pool first, where it is
    reused, so open connections stay bounded by the live threads and the pool, each with its
    page cache (docs/performance.md, "Memory").

    PostgreSQL connections are shared. The app's pool (``in_autocommit``, whose units all run
    on the event loop) sets each connection aside when its unit ends, and the next unit takes
    the one set aside last: SQLAlchemy's checkout and check-in were 4 % of a search's
    instructions and 11 % of an accept's (docs/performance.md). One set aside that the pool's
    checkout would have checked (idle long enough to be pinged, or opened before the database
    was lost: store/engine.py) goes back to the pool instead, to be checked there; so does
    every connection given back while units wait in the pool's queue. Other pools'
    connections go back at once."""

    def __init__(
        self,
        engine: Engine,
        in_autocommit: bool = False,
        render: Callable[[Change], FeedEvent] | None = None,
        bell: Bell | None = None,
    ) -> None:
        """``in_autocommit``: the engine opens its connections in autocommit (the app's pool
        on PostgreSQL), so they need no switching at each checkout and back. ``render``
        turns a recorded change into its event (the edge's renderer, composed by bootstrap);
        ``bell`` is rung after a commit that wrote events."""
        self.engine = engine
        self.render = render
        self.bell = bell or Bell()
        self.backend = Backend.of(engine)
        self._in_autocommit = in_autocommit
        # The app's pool's connections between units, the last set aside at the end; and how
        # many units wait for the pool meanwhile (all of its connections in use), to whom a
        # connection goes back instead: one set aside would not wake them.
        self._aside: list[Connection] | None = (
            [] if in_autocommit and not self.backend.embedded else None
        )
        self._waiting = 0
        self._local = threading.local()
        # Each kept connection, with the thread that keeps it.
        self._kept: dict[Connection, threading.Thread] = {}
        self._lock = threading.Lock()

    def take(self, write: bool) -> Transaction:
        connection: Connection | None = getattr(self._local, "idle", None)
        if connection is not None:
            self._local.idle = None
        elif self._aside:
            connection = self._taken_aside()
        if connection is None:
            if self.backend.embedded:
                self._return_orphans()
            connection = self._connected()
            if not self._in_autocommit:
                connection = autocommit(connection)
        transaction = Transaction(connection, self.backend)
        try:
            transaction.begin(write)
        except BaseException:
            self.give_back(transaction)
            raise
        return transaction

    def give_back(self, transaction: Transaction) -> None:
        """Rolls back what the unit left open, then keeps or closes the connection."""
        connection = transaction.connection
        if connection.invalidated:
            # The connection broke (the database restarted): there is nothing to end on it;
            # SQLAlchemy's view of the transaction is ended and the connection dropped.
            connection.rollback()
            connection.close()
            return
        try:
            transaction.rollback()
            transaction.close()
        except BaseException as error:
            # Its state is unknown: the pool gets no connection back that may hold a
            # transaction (the app's pool does not reset what comes back); closing it ends
            # that transaction on the server. The unit's outcome stands (committed already,
            # failing with its own error, or having changed nothing): this failure does not
            # replace it, unless it is no error but an interruption.
            connection.invalidate()
            connection.close()
            if not isinstance(error, Exception):
                raise
            return
        if (
            self.backend.embedded
            and getattr(self._local, "idle", None) is None
            and not connection.closed
        ):
            self._local.idle = connection
            with self._lock:
                self._kept[connection] = threading.current_thread()
            return
        if self._aside is not None and not self._waiting and not connection.closed:
            set_aside(connection)
            self._aside.append(connection)
            return
        with self._lock:
            self._kept.pop(connection, None)
        connection.close()

    def _connected(self) -> Connection:
        """A connection from the pool, which may have to wait for one."""
        if self._aside is None:
            return self.engine.connect()
        self._waiting += 1
        try:
            return self.engine.connect()
        finally:
            self._waiting -= 1

    def _taken_aside(self) -> Connection | None:
        """The connection set aside last that may serve as it is; those that may not go back
        to the pool on the way."""
        aside = self._aside
        while aside:
            connection = aside.pop()
            if take_aside(connection):
                return connection
            connection.close()
        return None

    def _return_orphans(self) -> None:
        """Returns to the pool the connections kept by threads that have ended (each would
        otherwise stay open, with its page cache, for the life of the process)."""
        with self._lock:
            orphans = [c for c, thread in self._kept.items() if not thread.is_alive()]
            for connection in orphans:
                del self._kept[connection]
        for connection in orphans:
            # Idle between units: its transaction was ended when it was kept.
            connection.close()

    def close(self) -> None:
        """Closes the kept connections of every thread, and those set aside (at shutdown,
        before disposing; on the app's pool, in a greenlet on the event loop)."""
        with self._lock:
            kept, self._kept = self._kept, {}
        for connection in kept:
            connection.close()
        # A unit ending after this (a request still in flight) gives its connection back to
        # the pool, as before there was a stack: none is set aside again.
        aside, self._aside = self._aside or [], None
        while aside:
            aside.pop().close()


R = TypeVar("R")


class _Repository(Generic[R]):
    """A unit of work's repository, built over its transaction when first used and then kept
    in the unit (an attribute of the instance, found before this descriptor)."""

    def __init__(self, kind: Callable[[Transaction], R]) -> None:
        self._kind = kind
        self._name = ""

    def __set_name__(self, owner: type[UnitOfWork], name: str) -> None:
        self._name = name

    def __get__(self, unit: UnitOfWork, owner: type[UnitOfWork] | None = None) -> R:
        repository = unit.__dict__[self._name] = self._kind(unit.tx)
        return repository


class UnitOfWork:
    """``with uow: ...; uow.commit()``. ``write`` takes SQLite's write lock at BEGIN."""

    tx: Transaction
    # Each built on first use: a use case needs two or three of them, and building all
    # twenty cost more than a search's own statement on SQLite (docs/performance.md).
    accounts = _Repository(AccountRepository)
    shares = _Repository(ShareRepository)
    associations = _Repository(AssociationRepository)
    share_sources = _Repository(ShareSourceRepository)
    invitations = _Repository(InvitationRepository)
    organizations = _Repository(OrganizationRepository)
    handshakes = _Repository(HandshakeRepository)
    permissions = _Repository(PermissionBindingRepository)
    customer_permissions = _Repository(CustomerPermissionRepository)
    permission_work = _Repository(PermissionWorkRepository)
    tags = _Repository(TagRepository)
    views = _Repository(ViewRepository)
    audit = _Repository(AuditRepository)
    sessions = _Repository(SessionRepository)
    master_key = _Repository(MasterKeyRepository)
    delegation = _Repository(DelegationRepository)
    policies = _Repository(PolicyRepository)
    org_tags = _Repository(OrgTagRepository)
    services = _Repository(ServicePrincipalRepository)
    decisions = _Repository(DecisionRepository)
    snapshot = _Repository(SnapshotRepository)
    events = _Repository(EventRepository)
    relays = _Repository(RelayRepository)
    webhooks = _Repository(WebhookRepository)

    def __init__(
        self,
        connections: Connections,
        write: bool = False,
        audit: PendingAudit | None = None,
        seat: Seat | None = None,
    ) -> None:
        """``audit``: the request's record, committed with the change; ``seat``: the
        request's part in a group commit, which a writing unit then joins."""
        self._connections = connections
        self._write = write
        self._audit = audit if write else None
        self._seat = seat if write else None
        self._group: GroupCommit | None = None
        self._open = False
        self._changes: list[Change] = []

    def __enter__(self) -> UnitOfWork:
        if "tx" in self.__dict__:
            # Its repositories were built over the transaction it had: never a second one.
            raise RuntimeError("a unit of work is entered once")
        seat = self._seat
        try:
            if seat is not None:
                self._group = seat.group
                self.tx = self._group.open_unit(seat)
            else:
                self.tx = self._connections.take(self._write)
        except (DBAPIError, PoolTimeout) as error:
            raise translate(error) from error
        self._open = True
        self._changes = []
        return self

    def record(self, change: Change) -> None:
        """Adds ``change`` to the feed: its event is written when this unit commits, in the
        same transaction, and never if it does not."""
        self._changes.append(change)

    def delete_everything(self) -> None:
        delete_everything(self.tx)

    def note_target(self, target_id: str) -> None:
        """Names what this change created, for its audit record."""
        if self._audit is not None:
            self._audit.record.targets.append(target_id)

    def note_caller(self, account_id: str, access_key: str) -> None:
        """Names who acted, for its audit record, where only the change knows it (a console
        sign-in learns the account from the key)."""
        if self._audit is not None:
            self._audit.record.account_id = account_id
            self._audit.record.access_key = access_key

    def commit(self) -> None:
        pending = self._audit
        record = None
        if pending is not None and not pending.written:
            record = pending.record
            pending.written = True
        changes, self._changes = self._changes, []
        if changes:
            self._write_events(changes, record)
        elif record is not None:
            self.audit.add(record)
        try:
            if self._group is not None:
                self._open = False
                self._group.close_unit(keep=True)
            else:
                self.tx.commit()
        except (IntegrityError, DBAPIError) as error:
            raise translate(error) from error
        if changes:
            self._ring_when_committed()

    def _ring_when_committed(self) -> None:
        """Wakes the feed's waiting readers once the events are committed: now, or when the
        group this unit wrote in commits (a reader woken earlier would find nothing yet)."""
        bell = self._connections.bell
        batch = self._seat.batch if self._seat is not None else None
        if self._group is not None and batch is not None:
            batch.add_done_callback(lambda _: bell.ring())
        else:
            bell.ring()

    def _write_events(self, changes: list[Change], record: AuditRecord | None) -> None:
        """The events, and the audit record with them (one statement on PostgreSQL)."""
        render = self._connections.render
        if render is None:
            raise RuntimeError("changes recorded by a unit of work composed without a renderer")
        try:
            self.events.append([(render(c), c.share_id, c.item_type) for c in changes], record)
        except (IntegrityError, DBAPIError) as error:
            raise translate(error) from error

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if self._group is None:
            self._connections.give_back(self.tx)
        elif self._open:
            self._open = False
            self._group.close_unit(keep=False)
        if isinstance(exc, IntegrityError | DBAPIError):
            raise translate(exc) from exc


class SharedReads:
    """One read unit for all the reads of one request (its authentication's key and its use
    case's page): opened by the first ``with``, given back by ``close`` when the request ends.
    A read unit sends no BEGIN or COMMIT, so what two units cost more than one is the
    connection taken and given back, and the unit built, twice."""

    __slots__ = ("_open", "_unit")

    def __init__(
        self, units: Callable[[bool, PendingAudit | None, Seat | None], UnitOfWork]
    ) -> None:
        self._open = units
        self._unit: UnitOfWork | None = None

    def __enter__(self) -> UnitOfWork:
        unit = self._unit
        if unit is None:
            unit = self._unit = self._open(False, None, None).__enter__()
        return unit

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        # Kept open for the request's next read; a failed statement is told as a unit's is.
        if isinstance(exc, IntegrityError | DBAPIError):
            raise translate(exc) from exc

    def close(self) -> None:
        unit, self._unit = self._unit, None
        if unit is not None:
            unit.__exit__(None, None, None)
