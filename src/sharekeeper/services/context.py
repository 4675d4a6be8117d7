"""What every service needs, composed once by the entry point (API app, CLI)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field, fields
from operator import attrgetter

from sharekeeper.auth.secrets import SecretBox
from sharekeeper.auth.verify import KeyMaterial
from sharekeeper.domain.audit import PendingAudit
from sharekeeper.domain.clock import Clock, Millis
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.domain.quotas import Quotas
from sharekeeper.store.events import Bell
from sharekeeper.store.group_commit import GroupCommit, Seat
from sharekeeper.store.key_cache import KeyCache
from sharekeeper.store.transaction import WriteRefused
from sharekeeper.store.unit_of_work import SharedReads, UnitOfWork


@dataclass(frozen=True, slots=True)
class Context:
    """Composed once; an API request serves with its own copy (``scoped``), which adds the
    request's audit record and group seat for its units of work to use."""

    unit_of_work: Callable[[bool, PendingAudit | None, Seat | None], UnitOfWork]
    clock: Clock
    catalogue: Catalogue
    secret_box: SecretBox
    invitation_ttl: Millis
    max_clock_skew_seconds: int = 900
    quotas: Quotas = field(default_factory=Quotas)
    # How long the change feed keeps its events (SHAREKEEPER_EVENT_RETENTION).
    event_retention: Millis = 7 * 24 * 3600 * 1000
    # Rung when a unit of work of this process commits events (long-polling readers wait).
    bell: Bell = field(default_factory=Bell)
    # SQLite: the API's write use cases on the event loop commit in groups (store/group_commit).
    group_commit: GroupCommit | None = None
    # PostgreSQL, the API: signing keys as last read, forgotten when they change.
    key_cache: KeyCache[KeyMaterial] | None = None
    # The request's own: the record its committing unit of work writes with the change, and
    # its part in a group commit (SQLite, on the event loop).
    audit: PendingAudit | None = None
    seat: Seat | None = None
    # An operation declared read-only runs in a context that opens no writing unit: group
    # commit and the PostgreSQL path rely on its declaration, so it is enforced, not trusted.
    read_only: bool = False
    # A read-only request's one read unit, which all its reads share.
    reads: SharedReads | None = None

    def scoped(self, audit: PendingAudit | None, seat: Seat | None) -> Context:
        return self._with({"audit": audit, "seat": seat})

    def reader(self) -> Context:
        """The context of an operation declared read-only (``writing`` refuses)."""
        return self._with({"audit": None, "seat": None, "read_only": True})

    def sharing(self, reads: SharedReads) -> Context:
        """This context, its reads all in ``reads``' one unit (the caller closes it)."""
        return self._with({"reads": reads})

    def _with(self, changes: dict[str, object]) -> Context:
        """A copy with ``changes``. Not dataclasses.replace, which goes through __init__ and
        each field's default: it cost as much as the read unit it saves, and a write's
        scoping paid it on every request (docs/performance.md)."""
        copy = _new_context(Context)
        for name, value in zip(_FIELDS, _values(self), strict=True):
            _set(copy, name, value)
        for name, value in changes.items():
            _set(copy, name, value)
        return copy

    def reading(self) -> AbstractContextManager[UnitOfWork]:
        if self.reads is not None:
            return self.reads
        return self.unit_of_work(False, None, None)

    def writing(self) -> UnitOfWork:
        if self.read_only:
            # Before any BEGIN: on SQLite the write lock would be waited for on the event loop.
            raise WriteRefused("an operation declared read-only opened a writing unit of work")
        return self.unit_of_work(True, self.audit, self.seat)


_FIELDS = tuple(f.name for f in fields(Context))
_values = attrgetter(*_FIELDS)
_new_context = object.__new__
_set = object.__setattr__
