"""What the NATS relay tests share: the real NATS server (127.0.0.1:4222 with JetStream,
started by .ci/run), a unique stream and subject prefix per test, reading a stream whole, and
a TCP forwarder that opens a closed port onto NATS."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import nats
import nats.js.errors
import pytest

NATS_HOST, NATS_PORT = "127.0.0.1", 4222
NATS_URL = f"nats://{NATS_HOST}:{NATS_PORT}"
# The longest a test waits for the relay to publish what it expects (a bound, not a figure:
# the relay's backoff after an outage reaches 10 s).
WAIT_SECONDS = 60


def nats_reachable() -> bool:
    try:
        with socket.create_connection((NATS_HOST, NATS_PORT), timeout=1):
            return True
    except OSError:
        return False


def require_nats() -> None:
    """Skips without a NATS server, unless SHAREKEEPER_REQUIRE_NATS=1 (CI, once it is up)."""
    if nats_reachable():
        return
    if os.environ.get("SHAREKEEPER_REQUIRE_NATS") == "1":
        pytest.fail(f"no NATS server at {NATS_URL}, and SHAREKEEPER_REQUIRE_NATS=1")
    pytest.skip(f"no NATS server at {NATS_URL} (set SHAREKEEPER_REQUIRE_NATS=1 to fail)")


@dataclass(frozen=True, slots=True)
class Message:
    subject: str
    msg_id: str
    body: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Stream:
    """A test's own stream and subject prefix, deleted afterwards."""

    name: str
    prefix: str

    def messages(self, url: str = NATS_URL) -> list[Message]:
        """Every message of the stream, in its order (empty before the relay creates it)."""
        return asyncio.run(_read(url, self.name))

    def until(self, done: Callable[[list[Message]], bool]) -> list[Message]:
        """The stream's messages once ``done`` holds of them, within WAIT_SECONDS."""
        deadline = time.monotonic() + WAIT_SECONDS
        while True:
            found = self.messages()
            if done(found):
                return found
            if time.monotonic() > deadline:
                raise AssertionError(f"the stream {self.name} still lacks what was expected")
            time.sleep(0.1)


async def _read(url: str, stream: str) -> list[Message]:
    client = await nats.connect(url, allow_reconnect=False)
    try:
        js = client.jetstream()
        try:
            info = await js.stream_info(stream)
        except nats.js.errors.NotFoundError:
            return []
        if not info.state.messages:
            # Just made by the relay, before its first publish: a stream without messages
            # says its first and last sequence are 0, and asking for message 0 is refused.
            return []
        found = []
        for seq in range(info.state.first_seq, info.state.last_seq + 1):
            raw = await js.get_msg(stream, seq)
            headers = raw.headers or {}
            assert raw.subject is not None and raw.data is not None
            found.append(Message(raw.subject, headers["Nats-Msg-Id"], json.loads(raw.data)))
        return found
    finally:
        await client.close()


async def _delete(stream: str) -> None:
    client = await nats.connect(NATS_URL, allow_reconnect=False)
    try:
        with contextlib.suppress(nats.js.errors.NotFoundError):
            await client.jetstream().delete_stream(stream)
    finally:
        await client.close()


@contextlib.contextmanager
def own_stream() -> Iterator[Stream]:
    token = uuid.uuid4().hex[:12]
    stream = Stream(f"SK_TEST_{token}", f"sktest{token}")
    try:
        yield stream
    finally:
        asyncio.run(_delete(stream.name))


def free_port() -> int:
    """A port nothing listens on (yet)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


class Forwarder:
    """Listens on ``port`` and pipes each connection to NATS: the closed port opened."""

    def __init__(self, port: int) -> None:
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", port))
        self._listener.listen()
        self._open: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        with contextlib.suppress(OSError):
            while True:
                near, _ = self._listener.accept()
                far = socket.create_connection((NATS_HOST, NATS_PORT))
                self._open += [near, far]
                threading.Thread(target=_pipe, args=(near, far), daemon=True).start()
                threading.Thread(target=_pipe, args=(far, near), daemon=True).start()

    def close(self) -> None:
        self._listener.close()
        for connection in self._open:
            with contextlib.suppress(OSError):
                connection.close()


def _pipe(source: socket.socket, sink: socket.socket) -> None:
    with contextlib.suppress(OSError):
        while chunk := source.recv(65536):
            sink.sendall(chunk)
    with contextlib.suppress(OSError):
        sink.shutdown(socket.SHUT_WR)
