"""A PostgreSQL primary lost and its synchronous standby promoted, under a server given both
hosts in one URL (``target_session_attrs=read-write``): requests during the switch are answered
503 with Retry-After, never 500; /readyz fails until a writable primary answers; writes then
succeed on the new primary without a restart, every acknowledged write is there, and a key
revoked there is refused at once. Made on two PostgreSQL servers of the test's own."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest
from sqlalchemy import text

from sharekeeper.bootstrap import Runtime, build_runtime
from sharekeeper.domain.errors import ServiceBusy
from sharekeeper.services import identity, operations
from sharekeeper.store.key_cache import KeyCache
from sharekeeper.store.transaction import watching
from sharekeeper.testing import Account
from tests import figures
from tests.conftest import POSTGRES_URL
from tests.store.replicas import Replicas, missing_tools
from tests.support import LiveServer, SignedHttp, settings_for

pytestmark = [
    pytest.mark.skipif(missing_tools() is not None, reason=str(missing_tools())),
    # Run once, with the PostgreSQL tests, though the servers are the test's own.
    pytest.mark.skipif(POSTGRES_URL is None, reason="runs with the PostgreSQL tests"),
]
CREATE = "/v1/resource-shares"
SEARCH = "/v1/resource-shares/search"
SEARCH_BODY = json.dumps({"resource_owner": "self", "limit": 5}).encode()
# Bounds: writes before the loss, requests while no primary answers, seconds to recover.
WRITES = 20
DURING = 5
RECOVERY_SECONDS = 60


def _url(*nodes: str, read_write: bool = True) -> str:
    query = "?target_session_attrs=read-write" if read_write else ""
    return f"postgresql://postgres@{','.join(nodes)}/postgres{query}"


@pytest.fixture
def replicas() -> Iterator[Replicas]:
    made = Replicas()
    try:
        yield made.make()
    finally:
        made.close()


@pytest.fixture
def failing_over(replicas: Replicas, tmp_path: Path) -> Iterator[LiveServer]:
    """A server given both hosts, the primary first."""
    url = _url(replicas.primary.address, replicas.standby.address)
    live = LiveServer(settings_for(url, tmp_path, statement_timeout_seconds=5.0))
    live.start()
    yield live
    live.stop()
    live.runtime.close()


def _create(http: SignedHttp, account: Account, name: str) -> httpx.Response:
    return http.request(account, "POST", CREATE, {"name": name})


def _unavailable(response: httpx.Response) -> None:
    """The one answer while no primary is reachable: retry later, never a 500."""
    assert response.status_code == 503, response.text
    assert response.headers["Retry-After"] == "1"
    assert response.json()["error_code"] == "RAM.9006", response.text


def _stored_shares(replicas: Replicas) -> set[str]:
    with psycopg.connect(replicas.standby.url()) as connection:
        return {row[0] for row in connection.execute("SELECT id FROM resource_shares")}


def test_a_failover_answers_503_then_serves_the_new_primary_with_every_acknowledged_write(
    replicas: Replicas, failing_over: LiveServer
) -> None:
    http = SignedHttp(failing_over)
    try:
        _fail_over(replicas, failing_over, http)
    finally:
        http.close()


def _revoke(server: LiveServer, access_key: str) -> None:
    """Revoked through the test's own runtime, whose engine is not the serving one: its first
    statement after the switch finds its pooled connection lost, answered busy (and the pool
    emptied) as a request would be; a caller tries again."""
    for _ in range(10):  # bounded
        try:
            identity.revoke_access_key(server.runtime.context, access_key)
            return
        except ServiceBusy:
            time.sleep(0.1)
    raise AssertionError("the revocation stayed busy after the switch")


def _fail_over(replicas: Replicas, server: LiveServer, http: SignedHttp) -> None:
    owner = server.account("owner")
    acknowledged = set()
    for number in range(WRITES):
        created = _create(http, owner, f"before-{number}")
        assert created.status_code == 201, created.text
        acknowledged.add(created.json()["resource_share"]["id"])
    for _ in range(2):  # the owner's key is now cached
        assert http.request(owner, "POST", SEARCH, SEARCH_BODY).status_code == 200
    assert httpx.get(server.endpoint + "/readyz").status_code == 200

    replicas.stop_immediately(replicas.primary)
    lost = time.monotonic()
    for number in range(DURING):
        _unavailable(_create(http, owner, f"during-{number}"))
        _unavailable(http.request(owner, "POST", SEARCH, SEARCH_BODY))
        not_ready = httpx.get(server.endpoint + "/readyz")
        assert not_ready.status_code == 503, not_ready.text

    replicas.promote(replicas.standby)
    deadline = time.monotonic() + RECOVERY_SECONDS
    while True:  # the first write the new primary acknowledges, with 503s only before it
        created = _create(http, owner, "after")
        if created.status_code == 201:
            break
        _unavailable(created)
        assert time.monotonic() < deadline, "no write succeeded after the promotion"
        time.sleep(0.1)
    figures.FIGURES["failover: ms from the primary's loss to a write on the new one"] = int(
        (time.monotonic() - lost) * 1000
    )
    acknowledged.add(created.json()["resource_share"]["id"])
    ready = httpx.get(server.endpoint + "/readyz")
    assert ready.status_code == 200, ready.text
    assert acknowledged <= _stored_shares(replicas)

    # The key cache listens again, on the new primary: a key revoked there, cached since, is
    # refused at once.
    cache = server.app.state.edge.ctx.key_cache
    while not cache.listening:
        assert time.monotonic() < deadline, "the key cache never listened again"
        time.sleep(0.05)
    assert http.request(owner, "POST", SEARCH, SEARCH_BODY).status_code == 200  # read, kept
    seen: list[str] = []
    with watching(seen.append):
        assert http.request(owner, "POST", SEARCH, SEARCH_BODY).status_code == 200
    assert not [sql for sql in seen if "access_keys" in sql], "the key was not cached"
    _revoke(server, owner.access_key)
    refused = http.request(owner, "POST", SEARCH, SEARCH_BODY)
    assert refused.status_code == 401, refused.text
    assert "revoked" in refused.json()["error_msg"]


@pytest.fixture
def standby_first(replicas: Replicas, tmp_path: Path) -> Iterator[tuple[Replicas, Path]]:
    """The schema and master key made on the primary, for runtimes that list the standby
    first."""
    build_runtime(settings_for(replicas.primary.url(), tmp_path)).close()
    replicas.wait_for_replay()
    yield replicas, tmp_path


def _runtime(url: str, data_dir: Path) -> Runtime:
    return build_runtime(settings_for(url, data_dir), upgrade=False)


def test_a_standby_listed_first_is_skipped_for_a_writable_primary(
    standby_first: tuple[Replicas, Path],
) -> None:
    replicas, data_dir = standby_first
    runtime = _runtime(_url(replicas.standby.address, replicas.primary.address), data_dir)
    try:
        identity.create_account(runtime.context, "written")
        with runtime.context.reading() as uow:
            port = uow.tx.execute(text("SELECT inet_server_port()")).scalar_one()
        assert port == replicas.primary.port
        assert operations.readiness(runtime.context)[0]
    finally:
        runtime.close()


def test_a_connection_that_reaches_a_standby_is_dropped_and_its_write_answered_busy(
    standby_first: tuple[Replicas, Path],
) -> None:
    """Without target_session_attrs the standby listed first takes the connection: its writes
    fail with a retryable error (25006, a read-only transaction), the connection is not given
    back to the pool, and the server does not call itself ready."""
    replicas, data_dir = standby_first
    url = _url(replicas.standby.address, replicas.primary.address, read_write=False)
    runtime = _runtime(url, data_dir)
    try:
        ready, reason = operations.readiness(runtime.context)
        assert not ready
        assert "standby" in reason
        with runtime.context.reading() as uow:
            first = uow.tx.execute(text("SELECT pg_backend_pid()")).scalar_one()
        with pytest.raises(ServiceBusy):
            identity.create_account(runtime.context, "refused")
        with runtime.context.reading() as uow:
            assert uow.tx.execute(text("SELECT pg_backend_pid()")).scalar_one() != first
    finally:
        runtime.close()


def test_a_key_cache_whose_server_stops_answering_stops_trusting_its_keys(
    replicas: Replicas,
) -> None:
    """A listener whose server takes its packets but never answers (a hung host): the round
    trip every request waits for ends at the statement timeout, and the cache then forgets
    its keys and reads them each time. The test's own bound fails it rather than hang."""
    url = _url(replicas.primary.address)

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(url, statement_timeout_seconds=1.0)
        await cache.start()
        while not cache.listening:  # bounded by the wait_for below
            await asyncio.sleep(0.01)
        cache.put("AK1", "kept", cache.generation)
        listener = cache._listener
        assert listener is not None
        backend = listener.info.backend_pid  # a process of the test's own server
        os.kill(backend, signal.SIGSTOP)
        try:
            await cache.caught_up()
            assert not cache.listening
            assert cache.get("AK1") is None
        finally:
            os.kill(backend, signal.SIGCONT)
            await cache.close()

    asyncio.run(asyncio.wait_for(scenario(), RECOVERY_SECONDS))
