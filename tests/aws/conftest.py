"""Fixtures of the AWS edge's tests."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support import LiveServer


@pytest.fixture
def clock_put_back(server: LiveServer) -> Iterator[None]:
    """For a test that moves the session server's clock on (past an invitation's TTL): the
    clock back where it was after it, since later tests of the run (the CLI's, on the real
    clock) expect it within days of the system's, and a week moved on per test adds up."""
    offset = server.clock.offset
    yield
    server.clock.offset = offset
