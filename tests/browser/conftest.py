"""The console's browser tests: a real Chromium (the system's) against a live server with an
admin token, on SQLite or PostgreSQL like every other test."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.browser.chromium import MISSING, chromium, find_chromium
from tests.browser.console import Person
from tests.support import LiveServer, settings_for

ADMIN_TOKEN = "browser-tests-admin-token-of-32-characters"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    """Module-scoped: while Playwright runs, its event loop counts as running in this thread,
    and the later tests that call asyncio.run() would fail."""
    if find_chromium() is None:
        if os.environ.get("SHAREKEEPER_REQUIRE_BROWSER"):
            pytest.fail(MISSING)  # CI installed one: not finding it is a failure
        pytest.skip(MISSING)
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def console_server(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    # The session's data directory: its master key opens the secrets of the shared database.
    live = LiveServer(settings_for(database_url, data_dir, admin_token=ADMIN_TOKEN)).start()
    yield live
    live.stop()


@pytest.fixture
def people(browser: Any, console_server: LiveServer) -> Iterator[Any]:
    """Makes a Person per call, each in a browser context of its own; closes them after."""
    made: list[Person] = []

    def person(**context: Any) -> Person:
        made.append(Person(browser, console_server.endpoint, **context))
        return made[-1]

    yield person
    for p in made:
        p.close()
