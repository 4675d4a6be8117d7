"""What the webhook tests share (its fixtures registered by tests/conftest.py): a receiver on
127.0.0.1 that records each POST and answers as told, a server of its own delivering to it
(fresh SQLite, small tries and backoff, loopback allowed), and waiting for a condition within
a bound."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import httpx
import pytest

from sharekeeper.config import WebhookSettings
from sharekeeper.testing import fresh_settings
from tests import figures
from tests.api.decision_support import TOKEN
from tests.cli.test_failures import own_database
from tests.sdk.helpers import create_share
from tests.support import LiveServer

__all__ = ["own_database"]  # the fixture, for webhook_server and the tests
T = TypeVar("T")
# The longest a test waits for deliveries it expects (a bound, not a figure).
WAIT_SECONDS = 60
# Small tries and backoff, so a dead letter comes within a second or so.
QUICK = WebhookSettings(
    attempts=3, backoff=0.05, backoff_max=0.2, timeout=5.0, allow=("127.0.0.1/32",)
)


@dataclass(frozen=True, slots=True)
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> dict[str, Any]:
        found: dict[str, Any] = json.loads(self.body)
        return found


class Receiver:
    """Records every POST; answers each with the next of ``answers`` (then 200). Deliveries
    answered 2xx are in ``taken``, every try in ``tries``."""

    def __init__(self) -> None:
        self.tries: list[Delivery] = []
        self.taken: list[Delivery] = []
        self.answers: list[int] = []
        self.failing = False
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                delivery = Delivery(
                    {k.lower(): v for k, v in self.headers.items()}, self.rfile.read(length)
                )
                status = receiver._answer(delivery)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: Any) -> None:
                pass

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}/hook"
        threading.Thread(target=self._server.serve_forever, daemon=True).start()

    def _answer(self, delivery: Delivery) -> int:
        with self._lock:
            self.tries.append(delivery)
            status = self.answers.pop(0) if self.answers else (500 if self.failing else 200)
            if 200 <= status < 300:
                self.taken.append(delivery)
            return status

    def events(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.event for d in self.taken]

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def until(what: str, probe: Callable[[], T | None]) -> T:
    """``probe()``'s first truthy answer, polled within WAIT_SECONDS."""
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        found = probe()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting for {what} after {WAIT_SECONDS} s")
        time.sleep(0.05)


def delivering_server(
    data_dir: Path, database: str | None = None, webhooks: WebhookSettings = QUICK
) -> LiveServer:
    """A server with the admin token delivering webhooks, on ``database`` (a database of the
    test's own: own_database) or a fresh SQLite one."""
    settings = fresh_settings(data_dir, admin_token=TOKEN, webhooks=webhooks)
    if database is not None:
        settings = settings.with_overrides(database_url=database)
    return LiveServer(settings).start()


def admin(
    server: LiveServer, method: str, path: str, body: Any = None, token: str = TOKEN
) -> httpx.Response:
    return httpx.request(
        method,
        server.endpoint + path,
        json=body,
        headers={"Authorization": f"Bearer {token}"},
        timeout=30,
    )


def add_webhook(server: LiveServer, url: str, *types: str) -> tuple[str, str]:
    """A webhook through the admin API: its id and secret (noted for the log scan)."""
    response = admin(server, "POST", "/admin/v1/webhooks", {"url": url, "types": list(types)})
    assert response.status_code == 201, response.text
    body = response.json()
    figures.issued(body["secret"])
    return body["webhook_id"], body["secret"]


def dead_letters(server: LiveServer, webhook_id: str | None = None) -> list[dict[str, Any]]:
    query = "" if webhook_id is None else f"?webhook_id={webhook_id}"
    response = admin(server, "GET", "/admin/v1/webhook-dead-letters" + query)
    assert response.status_code == 200, response.text
    found: list[dict[str, Any]] = response.json()["dead_letters"]
    return found


@dataclass(frozen=True, slots=True)
class DeadLettered:
    webhook_id: str
    secret: str
    share_id: str
    letter: dict[str, Any]


def dead_lettered(server: LiveServer, receiver: Receiver, name: str) -> DeadLettered:
    """A webhook for share creations whose receiver fails every try, a share created, and the
    dead letter of its event, once written."""
    receiver.failing = True
    webhook_id, secret = add_webhook(server, receiver.url, "sharekeeper.ram.resource_share.created")
    share_id = str(create_share(server.account("owner"), name).id)
    [letter] = until("the dead letter", lambda: dead_letters(server))
    return DeadLettered(webhook_id, secret, share_id, letter)


@pytest.fixture
def hook_receiver() -> Iterator[Receiver]:
    """A receiver of its own, closed after the test."""
    receiver = Receiver()
    yield receiver
    receiver.close()


@pytest.fixture
def webhook_server(tmp_path: Path, own_database: str) -> Iterator[LiveServer]:
    """A server delivering webhooks with QUICK settings on a database of its own (SQLite, or
    PostgreSQL when the run has one), stopped after the test."""
    live = delivering_server(tmp_path / "data", own_database)
    yield live
    live.stop()
