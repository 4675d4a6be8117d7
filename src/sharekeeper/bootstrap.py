"""Composition: settings in, a ready service context out. Used by the API app and the CLI."""

from __future__ import annotations

from dataclasses import dataclass

from sharekeeper.auth.secrets import SecretBox, decode_master_key, load_or_create_master_key
from sharekeeper.config import Settings
from sharekeeper.domain.clock import SECOND, Clock, system_clock
from sharekeeper.domain.permissions import Catalogue
from sharekeeper.services.context import Context
from sharekeeper.store import migrate
from sharekeeper.store.engine import Engine, create_database_engine
from sharekeeper.store.group_commit import GroupCommit
from sharekeeper.store.unit_of_work import Connections, UnitOfWork


@dataclass(frozen=True, slots=True)
class Runtime:
    context: Context
    engine: Engine
    connections: Connections

    def close(self) -> None:
        if self.context.group_commit is not None:
            self.context.group_commit.close()
        self.connections.close()
        self.engine.dispose()


def master_key(settings: Settings) -> bytes:
    if settings.master_key is not None:
        return decode_master_key(settings.master_key)
    return load_or_create_master_key(settings.master_key_path)


def build_runtime(settings: Settings, clock: Clock | None = None, upgrade: bool = True) -> Runtime:
    """Opens the database (migrating it to the newest schema unless told not to)."""
    engine = create_database_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        synchronous=settings.sqlite_synchronous,
        statement_timeout_seconds=settings.statement_timeout_seconds,
    )
    if upgrade:
        migrate.upgrade(engine)
    connections = Connections(engine)
    context = Context(
        unit_of_work=lambda write, audit, membership: UnitOfWork(
            connections, write, audit, membership
        ),
        clock=clock or system_clock,
        catalogue=Catalogue.packaged(),
        secret_box=SecretBox(master_key(settings)),
        invitation_ttl=settings.invitation_ttl_seconds * SECOND,
        max_clock_skew_seconds=settings.max_clock_skew_seconds,
        quotas=settings.quotas,
        group_commit=(
            GroupCommit(engine, settings.statement_timeout_seconds)
            if engine.dialect.name == "sqlite"
            else None
        ),
    )
    return Runtime(context, engine, connections)
