"""Fixtures of the decision tests: a server with an admin token (one per test module that uses
it) and a vpc service principal on it."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from sharekeeper.testing import Account
from tests.api.decision_support import TOKEN, make_service
from tests.support import LiveServer, SignedHttp, settings_for


@pytest.fixture(scope="module")
def decider(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(settings_for(database_url, data_dir, admin_token=TOKEN))
    live.start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def wire(decider: LiveServer) -> Iterator[SignedHttp]:
    client = SignedHttp(decider)
    yield client
    client.close()


@pytest.fixture(scope="module")
def vpc(decider: LiveServer) -> Account:
    return make_service(decider, "vpc")
