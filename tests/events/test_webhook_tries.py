"""One delivery try is bounded as a whole, whatever the receiver does (review finding: httpx's
timeout bounds each read, so a receiver dripping its answer held a try for hours, past the
lease, and a second server then delivered the same events at once)."""

from __future__ import annotations

import asyncio
import ipaddress
import socket
import threading
import time
from typing import cast

import httpx

from sharekeeper.bootstrap import Serving
from sharekeeper.config import WebhookSettings
from sharekeeper.domain.webhooks import Destinations, Webhook
from sharekeeper.events.webhooks import Delivery

# A byte of a valid 200 answer every DRIP seconds: each read well inside the timeout, the whole
# answer (~40 bytes) far past it.
DRIP = 0.3
TIMEOUT = 1.0


def _dripping_receiver(listener: socket.socket, done: threading.Event) -> None:
    connection, _ = listener.accept()
    with connection:
        connection.recv(65536)
        answer = b"HTTP/1.1 200 OK\r\nX-Slow: " + b"a" * 16 + b"\r\ncontent-length: 0\r\n\r\n"
        for byte in answer:  # bounded: ~40 bytes
            if done.is_set():
                return
            try:
                connection.sendall(bytes([byte]))
            except OSError:
                return  # the try gave up and closed: what is wanted
            time.sleep(DRIP)


def test_a_receiver_dripping_its_answer_fails_the_try_at_the_timeout() -> None:
    listener = socket.create_server(("127.0.0.1", 0))
    port = listener.getsockname()[1]
    done = threading.Event()
    receiver = threading.Thread(target=_dripping_receiver, args=(listener, done), daemon=True)
    receiver.start()
    settings = WebhookSettings(timeout=TIMEOUT)
    allowed = Destinations(networks=(ipaddress.ip_network("127.0.0.0/8"),))
    webhook = Webhook("wh-drip", f"http://127.0.0.1:{port}/in", (), "", 0)
    delivery = Delivery(cast(Serving, None), webhook, settings, allowed)

    async def one_try() -> str | None:
        async with httpx.AsyncClient(trust_env=False, timeout=httpx.Timeout(TIMEOUT)) as client:
            delivery._client = client
            return await delivery._post(b"{}", "ev-1", 1)

    try:
        failure = asyncio.run(one_try())
    finally:
        done.set()
        receiver.join(30)
        listener.close()
    assert failure is not None and failure.startswith("no answer within 1 s"), failure
