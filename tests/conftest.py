"""Fixtures. Tests run on SQLite; on PostgreSQL too when SHAREKEEPER_TEST_POSTGRES_URL is set
(the URL of a fresh database, which the run may fill: tests isolate by fresh accounts)."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support import Account, LiveServer, SignedHttp, settings_for

# The SDK writes $HOME/.huaweicloud on import and honours proxy variables even for loopback.
os.environ["HOME"] = tempfile.mkdtemp(prefix="sharekeeper-home-")
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ.pop("HTTP_PROXY", None)
os.environ.pop("http_proxy", None)

POSTGRES_URL = os.environ.get("SHAREKEEPER_TEST_POSTGRES_URL")


@pytest.fixture(scope="session")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("data")


@pytest.fixture(scope="session")
def database_url(data_dir: Path) -> str:
    return POSTGRES_URL or f"sqlite:///{data_dir / 'sharekeeper.db'}"


@pytest.fixture(scope="session")
def server(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(settings_for(database_url, data_dir)).start()
    yield live
    live.stop()


@pytest.fixture
def owner(server: LiveServer) -> Account:
    return server.account("owner")


@pytest.fixture
def receiver(server: LiveServer) -> Account:
    return server.account("receiver")


@pytest.fixture
def outsider(server: LiveServer) -> Account:
    return server.account("outsider")


@pytest.fixture(scope="session")
def http(server: LiveServer) -> Iterator[SignedHttp]:
    client = SignedHttp(server)
    yield client
    client.close()
