"""Every error leaves through one renderer (api/errors.py: ``render_error``), whoever meets it:
the HTTP protocol (bytes that are not a request), Starlette (an unknown path, a wrong method),
the admin API, an operator route's defect, a RAM refusal, the console. Each answer has its status
from the one table, the API's JSON shape (the console: a page), and the request id in the
``X-Request-Id`` header and in the body alike; a defect is logged once, with its traceback and
request id, and a refusal is not logged as one."""

from __future__ import annotations

import json
import logging
import re
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from sharekeeper.api.errors import STATUS, status_of
from sharekeeper.domain import errors
from tests.support import Account, LiveServer, SignedHttp, settings_for

TOKEN = "admin-" + uuid.uuid4().hex
REQUEST_ID = re.compile(r"[0-9a-f]{32}")
ERROR_FIELDS = {"error_code", "error_msg", "request_id"}


@pytest.fixture(scope="module")
def live(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    server = LiveServer(settings_for(database_url, data_dir, admin_token=TOKEN)).start()
    yield server
    server.stop()


@pytest.fixture
def http(live: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=live.endpoint, timeout=30) as client:
        yield client


def defects(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    """Records logged as defects: errors with a traceback, ShareKeeper's, Starlette's or
    uvicorn's ("Exception in ASGI application")."""
    return [r for r in caplog.records if r.levelno >= logging.ERROR]


def api_error(status: int, headers: Any, body: bytes, code: str) -> dict[str, str]:
    """The checks every JSON error shares: its status, content type, exactly Huawei's fields,
    and one request id in the header and the body."""
    assert headers["content-type"] == "application/json", body
    data: dict[str, str] = json.loads(body)
    assert set(data) == ERROR_FIELDS, data
    assert data["error_code"] == code, data
    assert data["request_id"] == headers["x-request-id"]
    assert REQUEST_ID.fullmatch(data["request_id"])
    return data


def checked(response: httpx.Response, status: int, code: str) -> dict[str, str]:
    assert response.status_code == status, response.text
    return api_error(status, response.headers, response.content, code)


def raw_exchange(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Sends bytes as they are (no client would send these) and reads the answer to the end:
    the server closes the connection after a request it cannot read."""
    with socket.create_connection(("127.0.0.1", port), timeout=10) as conn:
        conn.sendall(request)
        received = b""
        while chunk := conn.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    assert int(headers["content-length"]) == len(body)
    return int(status_line.split()[1]), headers, body


@pytest.mark.parametrize(
    "request_bytes",
    [
        b"G@T /healthz HTTP/1.1\r\nHost: x\r\n\r\n",  # not a method
        b"GET /heal\x01thz HTTP/1.1\r\nHost: x\r\n\r\n",  # a control character in the path
        b"GET /x HTTP/1.1\r\nHost: x\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab",
        b"GET /x HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n",
    ],
    ids=["method", "path", "two-lengths", "upgrade"],
)
def test_bytes_that_are_not_a_request_are_answered_in_the_apis_shape(
    live: LiveServer, caplog: pytest.LogCaptureFixture, request_bytes: bytes
) -> None:
    """uvicorn would answer these with its own plain-text 400; the connection answers them as
    every other error, then closes."""
    status, headers, body = raw_exchange(live.port, request_bytes)
    assert status == 400
    assert headers["connection"] == "close"
    data = api_error(status, headers, body, "RAM.9011")
    assert data["error_msg"].startswith("The request is not valid HTTP/1.1: ")
    assert "\x01" not in data["error_msg"]
    assert defects(caplog) == []


def test_starlettes_unknown_path_and_wrong_method_are_the_apis_errors(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    checked(http.get("/no/such/path"), 404, "APIGW.0101")
    wrong = http.delete("/healthz")
    checked(wrong, 405, "APIGW.0101")
    assert set(wrong.headers["allow"].split(", ")) == {"GET", "HEAD"}
    checked(http.post("/metrics"), 405, "APIGW.0101")
    assert defects(caplog) == []


def test_an_unknown_admin_path_is_a_json_404_and_a_wrong_token_a_json_401(
    http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    bearer = {"Authorization": f"Bearer {TOKEN}"}
    checked(http.get("/admin/v1/no-such-thing", headers=bearer), 404, "APIGW.0101")
    checked(http.put("/admin/v1/accounts", headers=bearer), 405, "APIGW.0101")
    refused = http.get("/admin/v1/audit-records", headers={"Authorization": "Bearer wrong"})
    checked(refused, 401, "APIGW.0301")
    assert defects(caplog) == []


@pytest.mark.parametrize("path", ["/readyz", "/metrics"])
def test_a_defect_in_an_operator_route_is_a_json_500_logged_once(
    http: httpx.Client,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
    path: str,
) -> None:
    """Starlette would answer it in plain text and uvicorn log it a second time."""

    def broken(*_: Any) -> Any:
        raise RuntimeError("an operator route's defect")

    monkeypatch.setattr("sharekeeper.services.operations.readiness", broken)
    monkeypatch.setattr("sharekeeper.services.operations.invitation_counts", broken)
    data = checked(http.get(path), 500, "RAM.9000")
    logged = defects(caplog)
    assert len(logged) == 1, [r.getMessage() for r in logged]
    assert getattr(logged[0], "request_id", None) == data["request_id"]
    assert logged[0].exc_info is not None
    assert "an operator route's defect" in str(logged[0].exc_info[1])


def test_a_ram_refusal_is_answered_and_not_logged_as_a_defect(
    live: LiveServer, http: httpx.Client, caplog: pytest.LogCaptureFixture
) -> None:
    unsigned = http.post("/v1/resource-shares/search", content=b"{}")
    checked(unsigned, 401, "APIGW.0301")
    owner: Account = live.account("render")
    signed = SignedHttp(live)
    try:
        missing = signed.request(owner, "GET", "/v1/permissions/nothing-here")
        checked(missing, 404, "RAM.9403")
        malformed = signed.request(owner, "POST", "/v1/resource-shares", b"{not json")
        checked(malformed, 400, "RAM.9001")
    finally:
        signed.close()
    assert defects(caplog) == []


def test_the_console_answers_its_errors_as_pages_with_the_same_rules(
    http: httpx.Client, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    missing = http.get("/console/no-such-page")
    assert missing.status_code == 404
    assert missing.headers["content-type"].startswith("text/html")
    assert REQUEST_ID.fullmatch(missing.headers["x-request-id"])
    assert "APIGW.0101" in missing.text
    forged = http.post("/console/sign-in", headers={"Origin": "https://elsewhere.example"})
    assert forged.status_code == 403
    assert "RAM.9504" in forged.text
    assert defects(caplog) == []

    def broken(*_: Any) -> Any:
        raise RuntimeError("a console defect")

    monkeypatch.setattr("sharekeeper.services.sessions.resume", broken)
    http.cookies.set("sharekeeper_session", "x")
    failed = http.get("/console/invitations")
    assert failed.status_code == 500
    assert failed.headers["content-type"].startswith("text/html")
    assert "RAM.9000" in failed.text and "a console defect" not in failed.text
    logged = defects(caplog)
    assert len(logged) == 1
    assert getattr(logged[0], "request_id", None) == failed.headers["x-request-id"]


def test_a_status_is_found_along_the_class_hierarchy() -> None:
    """A class not in the table takes its nearest listed base's status, whatever the order
    of the table's entries."""
    assert errors.InvitationNotFound not in STATUS
    assert status_of(errors.InvitationNotFound) == STATUS[errors.NotFound] == 404
    assert status_of(errors.TooManyFailures) == STATUS[errors.TooManyRequests] == 429
    assert status_of(errors.ServiceBusy) == 503  # its own entry, not LimitExceeded's 400
    assert status_of(errors.MethodNotAllowed) == 405  # not ApiNotFound's 404

    class Unlisted(errors.ShareKeeperError):
        pass

    assert status_of(Unlisted) == 500
