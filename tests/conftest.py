"""Fixtures. Tests run on SQLite; on PostgreSQL too when SHAREKEEPER_TEST_POSTGRES_URL is set
(the URL of a fresh database, which the run may fill: tests isolate by fresh accounts)."""

from __future__ import annotations

import io
import json
import logging
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests import figures
from tests.support import Account, LiveServer, SignedHttp, settings_for

# The SDK writes $HOME/.huaweicloud on import and honours proxy variables even for loopback.
os.environ["HOME"] = tempfile.mkdtemp(prefix="sharekeeper-home-")
os.environ["NO_PROXY"] = "127.0.0.1,localhost"
os.environ.pop("HTTP_PROXY", None)
os.environ.pop("http_proxy", None)

# The webhook tests' receiver and server, for tests/events, tests/console and tests/browser.
pytest_plugins = ["pytester", "tests.events.webhook_support"]

POSTGRES_URL = os.environ.get("SHAREKEEPER_TEST_POSTGRES_URL")
BUILD = Path(__file__).resolve().parents[1] / "build"
_log = io.StringIO()


def pytest_configure(config: pytest.Config) -> None:
    """Everything ShareKeeper logs during the run is kept, to be scanned for secrets."""
    handler = logging.StreamHandler(_log)
    handler.setFormatter(logging.Formatter("%(name)s %(levelname)s %(message)s"))
    logging.getLogger().addHandler(handler)
    logging.getLogger("sharekeeper").setLevel(logging.DEBUG)


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    logs = _log.getvalue() + "".join(figures.PROCESS_OUTPUT)
    leaked = sorted(s for s in figures.ISSUED_SECRETS if s in logs)
    figures.FIGURES["secrets issued and checked against the logs"] = len(figures.ISSUED_SECRETS)
    figures.FIGURES["log characters scanned"] = len(logs)
    BUILD.mkdir(exist_ok=True)
    (BUILD / "test-figures.json").write_text(json.dumps(figures.FIGURES, indent=2, sort_keys=True))
    if leaked:
        print(f"\nSECRETS IN THE LOGS: {len(leaked)} issued secrets appear in the logs")
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter: Any) -> None:
    if figures.FIGURES:
        terminalreporter.write_line(
            "figures: " + ", ".join(f"{k}: {v}" for k, v in sorted(figures.FIGURES.items()))
        )


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
