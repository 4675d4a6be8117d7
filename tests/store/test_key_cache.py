"""PostgreSQL: each serving process keeps the signing keys it read, and forgets one as soon as
PostgreSQL delivers the notice of its change, however many processes serve."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from sharekeeper.services import identity
from sharekeeper.store.key_cache import CHANNEL, EVERY_KEY, KeyCache
from sharekeeper.store.transaction import watching
from tests import figures
from tests.conftest import POSTGRES_URL
from tests.support import LiveServer, ServerProcess, SignedHttp, settings_for

needs_postgres = pytest.mark.skipif(POSTGRES_URL is None, reason="needs PostgreSQL")
SEARCH = "/v1/resource-shares/search"
BODY = json.dumps({"resource_owner": "self", "limit": 5}).encode()


@pytest.fixture
def other_process(database_url: str, data_dir: Path) -> Iterator[ServerProcess]:
    process = ServerProcess(database_url, data_dir)
    yield process
    process.stop()


@needs_postgres
def test_a_revoked_key_stops_at_once_in_another_process(
    server: LiveServer, other_process: ServerProcess
) -> None:
    """The key is cached in the other process (it signed there before), then revoked from
    this one: the other process's very next request with it is refused."""
    rounds = 20  # bounded: 60 requests
    other = SignedHttp(server)
    other.client.close()
    other.client = httpx.Client(base_url=other_process.endpoint, timeout=30)
    other.host = other_process.endpoint.removeprefix("http://")
    refused = 0
    for round_ in range(rounds):
        account = server.account(f"cached-{round_}")
        for _ in range(2):  # the first request reads the key, the second finds it cached
            assert other.request(account, "POST", SEARCH, BODY).status_code == 200
        identity.revoke_access_key(server.runtime.context, account.access_key)
        response = other.request(account, "POST", SEARCH, BODY)
        assert response.status_code == 401, (round_, response.text)
        assert "revoked" in response.json()["error_msg"]
        refused += 1
    other.close()
    figures.FIGURES["revocations refused at once by another process"] = refused


@needs_postgres
def test_a_cached_key_saves_the_lookup(server: LiveServer, http: SignedHttp) -> None:
    account = server.account("cached-here")
    assert http.request(account, "POST", SEARCH, BODY).status_code == 200
    seen: list[str] = []
    with watching(seen.append):
        assert http.request(account, "POST", SEARCH, BODY).status_code == 200
    assert seen, "the search ran no statement"
    assert not [sql for sql in seen if "access_keys" in sql], seen


@needs_postgres
def test_with_the_cache_off_every_request_reads_its_key(database_url: str, data_dir: Path) -> None:
    """SHAREKEEPER_KEY_CACHE=off, for a database reached through a transaction-mode pooler,
    where LISTEN cannot be trusted (docs/security.md): no key is kept, a revocation holds."""
    live = LiveServer(settings_for(database_url, data_dir, key_cache=False))
    live.start()
    http = SignedHttp(live)
    try:
        assert live.app.state.edge.ctx.key_cache is None
        account = live.account("uncached")
        assert http.request(account, "POST", SEARCH, BODY).status_code == 200
        seen: list[str] = []
        with watching(seen.append):
            assert http.request(account, "POST", SEARCH, BODY).status_code == 200
        assert [sql for sql in seen if "access_keys" in sql], seen
        identity.revoke_access_key(live.runtime.context, account.access_key)
        assert http.request(account, "POST", SEARCH, BODY).status_code == 401
    finally:
        http.close()
        live.stop()


def _notify(key: str) -> None:
    assert POSTGRES_URL is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as connection:
        connection.execute("SELECT pg_notify(%s, %s)", (CHANNEL, key))


async def _listening(cache: KeyCache[str]) -> None:
    await cache.start()
    deadline = time.monotonic() + 10
    while not cache.listening:
        assert time.monotonic() < deadline, "the cache never listened"
        await asyncio.sleep(0.01)


async def _arrived(cache: KeyCache[str], generation: int) -> None:
    deadline = time.monotonic() + 10
    while cache.generation == generation:
        assert time.monotonic() < deadline, "the notice never arrived"
        await asyncio.sleep(0.01)
        await cache.caught_up()


@needs_postgres
def test_a_key_read_before_a_notice_is_not_kept() -> None:
    assert POSTGRES_URL is not None

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(POSTGRES_URL)
        await _listening(cache)
        cache.put("AK1", "kept", cache.generation)
        assert cache.get("AK1") == "kept"
        before = cache.generation  # a lookup starts reading AK2 ...
        _notify("AK2")  # ... the key changes meanwhile ...
        await _arrived(cache, before)
        cache.put("AK2", "stale", before)  # ... and what it read is not kept
        assert cache.get("AK2") is None
        _notify("AK1")
        await _arrived(cache, cache.generation)
        assert cache.get("AK1") is None
        await cache.close()

    asyncio.run(scenario())


@needs_postgres
def test_every_notice_committed_before_caught_up_is_read_by_it() -> None:
    """No waiting, no polling: the round trip that ``caught_up`` makes delivers every notice
    committed before it."""
    assert POSTGRES_URL is not None
    rounds = 50

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(POSTGRES_URL)
        await _listening(cache)
        for round_ in range(rounds):
            await cache.caught_up()
            cache.put("AK1", "kept", cache.generation)
            assert cache.get("AK1") == "kept", round_
            _notify("AK1")
            await cache.caught_up()
            assert cache.get("AK1") is None, round_
        await cache.close()

    asyncio.run(scenario())


@needs_postgres
def test_catching_up_makes_no_psycopg_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    """The round trip each batch of requests waits for goes through libpq's pipeline mode
    (store/pipeline.py), as the requests' own statements do, not psycopg's ``execute``,
    which makes a cursor each time; it still delivers the notices committed before it."""
    assert POSTGRES_URL is not None
    made: list[object] = []
    cursor = psycopg.AsyncConnection.cursor

    def counted(self: psycopg.AsyncConnection[object], *args: object, **kwargs: object) -> object:
        made.append(self)
        return cursor(self, *args, **kwargs)  # type: ignore[call-overload]

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(POSTGRES_URL)
        await _listening(cache)
        monkeypatch.setattr(psycopg.AsyncConnection, "cursor", counted)
        for _ in range(3):
            cache.put("AK1", "kept", cache.generation)
            _notify("AK1")
            await cache.caught_up()
            assert cache.get("AK1") is None
        await cache.close()

    asyncio.run(scenario())
    assert made == []


@needs_postgres
def test_catching_up_begins_at_the_call_and_makes_no_task_for_its_waiters() -> None:
    """A read asks to catch up before its own statements and awaits it after them: the round
    trip begins at the call, and each waiter gets a shield of the shared round trip, no task
    of its own (a task a request cost 5-10 µs: docs/performance.md); a waiter cancelled (its
    request gone) leaves the others theirs."""
    assert POSTGRES_URL is not None

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(POSTGRES_URL)
        await _listening(cache)
        cache.put("AK1", "kept", cache.generation)
        _notify("AK1")
        before = asyncio.all_tasks()
        first, second = cache.caught_up(), cache.caught_up()
        made = [
            getattr(task.get_coro(), "__qualname__", None) for task in asyncio.all_tasks() - before
        ]
        assert isinstance(first, asyncio.Future) and isinstance(second, asyncio.Future)
        # The only task is the round trip (none when the idle tick's is under way).
        assert set(made) <= {"KeyCache._round_trips"}, made
        first.cancel()
        await second
        assert cache.get("AK1") is None
        await cache.close()

    asyncio.run(scenario())


@needs_postgres
def test_a_lost_listener_forgets_every_key_and_listens_again() -> None:
    assert POSTGRES_URL is not None

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(POSTGRES_URL)
        await _listening(cache)
        cache.put("AK1", "kept", cache.generation)
        listener = cache._listener
        assert listener is not None
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (listener.info.backend_pid,))
        deadline = time.monotonic() + 10
        while cache.listening:  # its next round trip finds the connection gone
            await cache.caught_up()
            assert time.monotonic() < deadline, "the lost connection went unnoticed"
            await asyncio.sleep(0.01)
        assert not cache.listening
        cache.put("AK1", "kept", cache.generation)  # not kept while deaf
        assert cache.get("AK1") is None
        await _listening(cache)  # reconnects by itself
        cache.put("AK1", "kept", cache.generation)
        assert cache.get("AK1") == "kept"
        await cache.close()

    asyncio.run(scenario())


@needs_postgres
def test_a_revocation_during_the_outage_is_not_missed() -> None:
    """The listener's connection dies and a key is revoked before the cache has noticed: the
    notice went to no one, yet the next ``caught_up`` finds the connection gone and forgets
    every key, and a key read while deaf is not kept once it listens again."""
    assert POSTGRES_URL is not None

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(POSTGRES_URL)
        await _listening(cache)
        cache.put("AK1", "valid", cache.generation)
        listener = cache._listener
        assert listener is not None
        with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s)", (listener.info.backend_pid,))
        _notify("AK1")  # the revocation, heard by no one
        await cache.caught_up()  # a request arrives: its round trip finds the listener lost
        assert cache.get("AK1") is None
        deaf = cache.generation  # a lookup reads the key while the cache is deaf ...
        await _listening(cache)
        cache.put("AK1", "read while deaf", deaf)  # ... and what it read is not kept
        assert cache.get("AK1") is None
        await cache.close()

    asyncio.run(scenario())


@needs_postgres
def test_a_server_whose_listener_is_lost_refuses_a_key_revoked_meanwhile(
    server: LiveServer, http: SignedHttp
) -> None:
    """Through the API: the server's listener is terminated, the key revoked meanwhile (its
    notice lost with the connection), and the very next request with the key is refused;
    the cache then listens again and serves from memory."""
    assert POSTGRES_URL is not None
    cache = server.app.state.edge.ctx.key_cache
    assert cache is not None
    account = server.account("revoked-in-the-outage")
    for _ in range(2):  # read, then cached
        assert http.request(account, "POST", SEARCH, BODY).status_code == 200
    listener = cache._listener
    assert listener is not None
    with psycopg.connect(POSTGRES_URL, autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (listener.info.backend_pid,))
    identity.revoke_access_key(server.runtime.context, account.access_key)
    response = http.request(account, "POST", SEARCH, BODY)
    assert response.status_code == 401, response.text
    other = server.account("after-the-outage")
    deadline = time.monotonic() + 10
    while not cache.listening:  # it reconnects by itself within RECONNECT_SECONDS
        assert time.monotonic() < deadline, "the cache never listened again"
        time.sleep(0.05)
    assert http.request(other, "POST", SEARCH, BODY).status_code == 200
    seen: list[str] = []
    with watching(seen.append):
        assert http.request(other, "POST", SEARCH, BODY).status_code == 200
    assert not [sql for sql in seen if "access_keys" in sql], seen


@needs_postgres
def test_the_cache_keeps_the_most_recent_keys_and_forgets_all_on_a_reset() -> None:
    assert POSTGRES_URL is not None

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(POSTGRES_URL, max_keys=2)
        await _listening(cache)
        generation = cache.generation
        cache.put("AK1", "one", generation)
        cache.put("AK2", "two", generation)
        assert cache.get("AK1") == "one"  # used: AK2 is now the oldest
        cache.put("AK3", "three", generation)
        assert (cache.get("AK1"), cache.get("AK2"), cache.get("AK3")) == ("one", None, "three")
        _notify(EVERY_KEY)  # a reset: every key may have changed
        await cache.caught_up()
        assert cache.get("AK1") is None and cache.get("AK3") is None
        await cache.close()

    asyncio.run(scenario())


def test_a_cache_that_cannot_listen_keeps_nothing_and_delays_no_one(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """No PostgreSQL to listen to (down, or the address wrong): every request reads its key,
    none waits for a round trip, the failure is logged, and closing stops the retries. Runs
    without PostgreSQL: the address is a port nothing listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # closed again: connections to it are refused

    async def scenario() -> None:
        cache: KeyCache[str] = KeyCache(f"postgresql://nobody@127.0.0.1:{port}/nothing")
        await cache.start()
        deadline = time.monotonic() + 10
        while "cannot listen" not in caplog.text:
            assert time.monotonic() < deadline, "the failure was not logged"
            await asyncio.sleep(0.01)
        assert not cache.listening
        await asyncio.wait_for(cache.caught_up(), 1)  # no round trip to wait for
        cache.put("AK1", "unheard", cache.generation)
        assert cache.get("AK1") is None
        await cache.close()
        await cache.close()  # twice: nothing left to stop

    with caplog.at_level(logging.WARNING, logger="sharekeeper.store"):
        asyncio.run(scenario())
