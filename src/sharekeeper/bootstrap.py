"""Composition: settings in, a ready service context out. Used by the API app and the CLI."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, TypeVar

from starlette.concurrency import run_in_threadpool

from sharekeeper.auth.secrets import (
    InvalidMasterKey,
    SecretBox,
    decode_master_key,
    load_or_create_master_key,
    master_key_fingerprint,
    replace_master_key_file,
)
from sharekeeper.config import Settings
from sharekeeper.domain.audit import PendingAudit
from sharekeeper.domain.clock import SECOND, Clock, system_clock
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.events.render import render_change
from sharekeeper.services.context import Context
from sharekeeper.services.master_key import Rotation, rotate_master_key
from sharekeeper.store import master_key as stored_key
from sharekeeper.store import migrate
from sharekeeper.store.engine import Engine, create_database_engine, display_url, run_in_greenlet
from sharekeeper.store.group_commit import GroupCommit, Seat
from sharekeeper.store.key_cache import KeyCache
from sharekeeper.store.unit_of_work import Connections, UnitOfWork

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Serving:
    """What the API app serves with, on the event loop: its context, and how a use case that
    reaches the database runs from there (``run``).

    SQLite: the RAM use cases run inline on the event loop (microseconds each, and group
    commit needs them there); other work runs in a thread. PostgreSQL: the app's units of
    work use a pool of asyncio psycopg connections, and every use case runs in a greenlet on
    the event loop, waiting there for each round trip: no thread hop, no GIL handed around."""

    context: Context
    engine: Engine
    inline: bool
    asynchronous: bool
    # The app's own pool's, closed with it (PostgreSQL; SQLite's are the runtime's).
    connections: Connections | None = None
    # What the operations declared read-only run with: ``context`` refusing to write. Made
    # once, not per request.
    reader: Context = field(init=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "reader", self.context.reader())

    async def start(self) -> None:
        if self.context.key_cache is not None:
            await self.context.key_cache.start()

    async def run(self, function: Callable[..., T], *args: Any) -> T:
        if self.asynchronous:
            return await run_in_greenlet(function, *args)
        return await run_in_threadpool(function, *args)

    async def close(self) -> None:
        """Closes the app's own pool and key cache (on PostgreSQL), from the event loop."""
        if self.context.key_cache is not None:
            await self.context.key_cache.close()
        if self.asynchronous:
            await run_in_greenlet(self._dispose)

    def _dispose(self) -> None:
        # Connections set aside between units are checked out: dispose would leave them open.
        if self.connections is not None:
            self.connections.close()
        self.engine.dispose()


@dataclass(frozen=True, slots=True)
class Runtime:
    """The synchronous context (CLI, tests, any thread) and what it was built from."""

    context: Context
    engine: Engine
    connections: Connections
    settings: Settings

    def serving(self) -> Serving:
        """The app's way to the database: on PostgreSQL a pool of its own, asynchronous."""
        if self.connections.backend.embedded:
            return Serving(self.context, self.engine, inline=True, asynchronous=False)
        engine = _engine(self.settings, asynchronous=True)
        connections = Connections(
            engine, in_autocommit=True, render=render_change, bell=self.connections.bell
        )
        context = replace(
            self.context,
            unit_of_work=_units(connections),
            key_cache=KeyCache(
                self.settings.database_url,
                statement_timeout_seconds=self.settings.statement_timeout_seconds,
            )
            if self.settings.key_cache
            else None,
        )
        return Serving(context, engine, inline=False, asynchronous=True, connections=connections)

    def close(self) -> None:
        if self.context.group_commit is not None:
            self.context.group_commit.close()
        self.connections.close()
        self.engine.dispose()


def master_key(settings: Settings, engine: Engine, clock: Clock) -> bytes:
    """The master key, refused unless it is the one the database's secrets are sealed under
    (its fingerprint is recorded by the first process to open the database with a key). A key
    file is made only for a database that holds no secret yet: a command run with the wrong
    SHAREKEEPER_DATA_DIR must not quietly seal new secrets under a key of its own."""
    recorded = stored_key.recorded_fingerprint(engine)
    where = display_url(settings.database_url)
    if settings.master_key is not None:
        source = "SHAREKEEPER_MASTER_KEY"
        key = decode_master_key(settings.master_key)
    else:
        path = settings.master_key_path
        source = str(path)
        if not path.exists() and (
            recorded is not None or stored_key.a_sealed_secret(engine) is not None
        ):
            raise InvalidMasterKey(
                f"there is no master key at {path}, and the database at {where} holds secrets "
                f"sealed under one{_recorded(recorded)}: set SHAREKEEPER_MASTER_KEY or "
                "SHAREKEEPER_DATA_DIR to it (no key was made there)"
            )
        key = load_or_create_master_key(path)
    fingerprint = master_key_fingerprint(key)
    if recorded is None:
        sealed = stored_key.a_sealed_secret(engine)
        if sealed is not None and not SecretBox(key).opens(sealed):
            raise InvalidMasterKey(
                f"the master key in {source} does not open the secrets the database at "
                f"{where} holds: set SHAREKEEPER_MASTER_KEY or SHAREKEEPER_DATA_DIR to the key "
                "they were sealed with"
            )
        recorded = stored_key.record_fingerprint(engine, fingerprint, clock())
    if recorded != fingerprint:
        raise InvalidMasterKey(
            f"the master key in {source} is not the one the database at {where} was created "
            f"with (fingerprint {fingerprint[:12]}, expected {recorded[:12]}): set "
            "SHAREKEEPER_MASTER_KEY or SHAREKEEPER_DATA_DIR to the right one"
        )
    return key


def rotate_master(runtime: Runtime, new_key: bytes, source: str) -> tuple[Rotation, Path | None]:
    """Re-seals the database's secrets under ``new_key`` (read from ``source``). Where the
    current key came from the data directory's key file, that file then holds the new key (the
    path is returned): replaced after the commit, so that a failure before it leaves the old
    key valid in both."""
    rotation = rotate_master_key(runtime.context, new_key)
    settings = runtime.settings
    if settings.master_key is not None:
        return rotation, None
    path = settings.master_key_path
    try:
        replace_master_key_file(path, new_key)
    except OSError as error:
        raise InvalidMasterKey(
            f"the secrets are now sealed under the key in {source}, but {path} could not be "
            f"replaced ({error.strerror}): copy that key there before starting ShareKeeper"
        ) from None
    return rotation, path


def _recorded(recorded: str | None) -> str:
    return "" if recorded is None else f" (fingerprint {recorded[:12]})"


def build_runtime(settings: Settings, clock: Clock | None = None, upgrade: bool = True) -> Runtime:
    """Opens the database (migrating it to the newest schema unless told not to)."""
    engine = _engine(settings)
    if upgrade:
        migrate.upgrade(engine)
    clock = clock or system_clock
    try:
        key = master_key(settings, engine, clock)
    except Exception:
        engine.dispose()
        raise
    connections = Connections(engine, render=render_change)
    context = Context(
        unit_of_work=_units(connections),
        clock=clock,
        catalogue=Catalogue.packaged(),
        secret_box=SecretBox(key),
        invitation_ttl=settings.invitation_ttl_seconds * SECOND,
        max_clock_skew_seconds=settings.max_clock_skew_seconds,
        event_retention=settings.event_retention_seconds * SECOND,
        bell=connections.bell,
        quotas=settings.quotas,
        group_commit=(
            GroupCommit(engine, settings.statement_timeout_seconds)
            if connections.backend.embedded
            else None
        ),
    )
    return Runtime(context, engine, connections, settings)


def _engine(settings: Settings, asynchronous: bool = False) -> Engine:
    return create_database_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        synchronous=settings.sqlite_synchronous,
        statement_timeout_seconds=settings.statement_timeout_seconds,
        asynchronous=asynchronous,
    )


def _units(
    connections: Connections,
) -> Callable[[bool, PendingAudit | None, Seat | None], UnitOfWork]:
    def unit_of_work(write: bool, audit: PendingAudit | None, seat: Seat | None) -> UnitOfWork:
        return UnitOfWork(connections, write, audit, seat)

    return unit_of_work
