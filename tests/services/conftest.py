"""The service tier: each test gets its own SQLite database (a copy of a migrated template)
and the real unit of work, and calls the services as the API does, without HTTP."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sharekeeper.bootstrap import build_runtime
from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.clock import AdjustableClock
from sharekeeper.services import identity
from sharekeeper.services.context import Context
from sharekeeper.testing import fresh_settings


@pytest.fixture
def clock() -> AdjustableClock:
    return AdjustableClock()


@pytest.fixture
def ctx(tmp_path: Path, clock: AdjustableClock) -> Iterator[Context]:
    runtime = build_runtime(fresh_settings(tmp_path), clock, upgrade=False)
    yield runtime.context
    runtime.close()


def caller(ctx: Context, name: str) -> Caller:
    account, key = identity.create_account(ctx, name)
    return Caller(account.id, key.access_key)


@pytest.fixture
def owner(ctx: Context) -> Caller:
    return caller(ctx, "owner")


@pytest.fixture
def receiver(ctx: Context) -> Caller:
    return caller(ctx, "receiver")
