"""Limits: oversized bodies and headers, slow bodies, request rates, busy databases; each
answered in Huawei's error shape, and one caller's excess does not touch another."""

from __future__ import annotations

import socket
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import psycopg
import pytest

from tests.support import Account, LiveServer, SignedHttp, settings_for, signed_headers

SEARCH = "/v1/resource-shares/search"
BODY = b'{"resource_owner": "self", "limit": 1}'


@pytest.fixture(scope="module")
def limited(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    settings = settings_for(
        database_url,
        data_dir,
        rate_limit=2.0,
        rate_burst=3,
        max_body_bytes=4096,
        body_timeout_seconds=0.5,
        statement_timeout_seconds=0.5,
    )
    live = LiveServer(settings).start()
    yield live
    live.stop()


@pytest.fixture(scope="module")
def limited_http(limited: LiveServer) -> Iterator[SignedHttp]:
    client = SignedHttp(limited)
    yield client
    client.close()


def huawei(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    body = response.json()
    assert body["error_code"] == code
    assert body["request_id"] == response.headers["X-Request-Id"]


def test_oversized_bodies_are_refused_before_they_are_read(
    limited: LiveServer, limited_http: SignedHttp
) -> None:
    account = limited.account("big")
    huge = b'{"name": "x", "description": "' + b"a" * 5000 + b'"}'
    huawei(limited_http.request(account, "POST", "/v1/resource-shares", huge), 413, "RAM.9002")

    # No Content-Length (chunked): counted as it arrives.
    headers = signed_headers(
        account, "POST", "/v1/resource-shares", "", huge, host=limited_http.host
    )
    chunks = (huge[i : i + 1000] for i in range(0, len(huge), 1000))
    response = limited_http.client.post("/v1/resource-shares", content=chunks, headers=headers)
    huawei(response, 413, "RAM.9002")


def test_oversized_headers(http: SignedHttp, owner: Account) -> None:
    many = {f"X-Extra-{i}": "v" for i in range(120)}
    huawei(http.client.post(SEARCH, content=BODY, headers=many), 431, "RAM.9003")
    wide = {"X-Wide": "v" * 40_000}
    huawei(http.client.post(SEARCH, content=BODY, headers=wide), 431, "RAM.9003")


def test_a_body_that_never_arrives_times_out(limited: LiveServer) -> None:
    with socket.create_connection(("127.0.0.1", limited.port), timeout=10) as conn:
        conn.sendall(
            b"POST /v1/resource-shares/search HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        started = time.monotonic()
        answer = conn.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 408"), answer
    assert '"error_code":"RAM.9005"' in answer
    assert time.monotonic() - started < 5


def test_rate_limits_are_per_account(limited: LiveServer, limited_http: SignedHttp) -> None:
    busy, quiet = limited.account("busy"), limited.account("quiet")
    statuses = [limited_http.request(busy, "POST", SEARCH, BODY).status_code for _ in range(6)]
    assert statuses[:3] == [200, 200, 200]
    assert 429 in statuses[3:]
    limited_response = limited_http.request(busy, "POST", SEARCH, BODY)
    huawei(limited_response, 429, "RAM.9004")
    retry_after = int(limited_response.headers["Retry-After"])
    assert 1 <= retry_after <= 2
    assert limited_http.request(quiet, "POST", SEARCH, BODY).status_code == 200
    time.sleep(retry_after)
    assert limited_http.request(busy, "POST", SEARCH, BODY).status_code == 200


def test_a_lock_not_had_in_time_is_a_retryable_busy(
    limited: LiveServer, limited_http: SignedHttp, database_url: str
) -> None:
    account = limited.account("waiter")
    time.sleep(1.5)  # let the rate limiter's bucket refill for this account's first calls
    if database_url.startswith("sqlite"):
        holder = sqlite3.connect(database_url.removeprefix("sqlite:///"), isolation_level=None)
        holder.execute("BEGIN IMMEDIATE")  # the database's single write lock
    else:
        holder = psycopg.connect(database_url)  # type: ignore[assignment]
        holder.execute("SELECT id FROM accounts WHERE id = %s FOR UPDATE", (account.account_id,))
    try:
        started = time.monotonic()
        response = limited_http.request(account, "POST", "/v1/resource-shares", b'{"name": "w"}')
        huawei(response, 503, "RAM.9006")
        assert response.headers["Retry-After"] == "1"
        assert time.monotonic() - started < 5
    finally:
        holder.rollback() if not isinstance(holder, sqlite3.Connection) else holder.execute(
            "ROLLBACK"
        )
        holder.close()
    assert (
        limited_http.request(account, "POST", "/v1/resource-shares", b'{"name": "w"}').status_code
        == 201
    )


def test_an_aws_body_past_the_limits_is_refused_in_aws_shape(limited: LiveServer) -> None:
    """A body counted too large as it arrives (chunked), or too slow, on AWS's wire: a 413 or
    408 in AWS's JSON error shape, never the server's bare 500."""
    huge = b'{"name": "' + b"a" * 5000 + b'"}'
    chunks = (huge[i : i + 1000] for i in range(0, len(huge), 1000))
    scope = "Credential=AKIDEXAMPLE/20261206/us-east-1/ram/aws4_request"
    headers = {
        "Content-Type": "application/json",
        "Authorization": f"AWS4-HMAC-SHA256 {scope}, SignedHeaders=host, Signature=00",
    }
    with httpx.Client(base_url=f"http://127.0.0.1:{limited.port}", timeout=10) as client:
        response = client.post("/createresourceshare", content=chunks, headers=headers)
    assert response.status_code == 413, response.text
    assert response.headers["x-amzn-RequestId"]
    assert "message" in response.json()

    with socket.create_connection(("127.0.0.1", limited.port), timeout=10) as conn:
        conn.sendall(
            b"POST /getresourceshares HTTP/1.1\r\nHost: x\r\n"
            b"Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{"
        )
        answer = conn.recv(4096).decode()
    assert answer.startswith("HTTP/1.1 408"), answer
    assert "x-amzn-requestid" in answer.lower()
