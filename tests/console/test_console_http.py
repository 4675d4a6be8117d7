"""The console's security as plain HTTP sees it: cookies, headers, session expiry, sign-out,
failed sign-ins per source, temporary credentials, and what the audit trail and the database
keep. The browser tests (tests/browser) drive the same pages as people do."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.clock import SECOND
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from sharekeeper.services import audit, identity
from tests.support import Account, LiveServer, settings_for

TOKEN = "console-http-admin-token"
_CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


@pytest.fixture(scope="module")
def console_server(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(settings_for(database_url, data_dir, admin_token=TOKEN)).start()
    yield live
    live.stop()


class Browserless:
    """A cookie jar and the console's forms, over plain HTTP."""

    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(base_url=server.endpoint, follow_redirects=False, timeout=10)

    def close(self) -> None:
        self.http.close()

    def form_token(self, path: str) -> str:
        page = self.http.get(path)
        assert page.status_code == 200, page.text
        found = _CSRF.search(page.text)
        assert found is not None
        return found.group(1)

    def sign_in(self, account: Account, secret: str | None = None, **extra: str) -> httpx.Response:
        token = self.form_token("/console/sign-in")
        fields = {
            "csrf_token": token,
            "access_key": account.access_key,
            "secret_key": secret or account.secret_key,
            **extra,
        }
        return self.http.post("/console/sign-in", data=fields)

    def signed_in(self) -> bool:
        """Whether the invitations page opens (a session) or sends to sign-in (none)."""
        answer = self.http.get("/console/invitations")
        if answer.status_code == 303:
            assert answer.headers["location"] == "/console/sign-in"
            return False
        assert answer.status_code == 200
        return True


@pytest.fixture
def visitor(console_server: LiveServer) -> Iterator[Browserless]:
    client = Browserless(console_server)
    yield client
    client.close()


def test_session_cookie_and_security_headers(
    console_server: LiveServer, visitor: Browserless
) -> None:
    account = console_server.account("cookies")
    answer = visitor.sign_in(account)
    assert answer.status_code == 303 and answer.headers["location"] == "/console/invitations"
    cookie = next(c for c in answer.headers.get_list("set-cookie") if "sharekeeper_session" in c)
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/console" in cookie
    assert "Secure" not in cookie  # plain HTTP: a Secure cookie would never come back
    page = visitor.http.get("/console/invitations")
    csp = page.headers["content-security-policy"]
    assert "default-src 'none'" in csp and "script-src" not in csp
    assert "frame-ancestors 'none'" in csp and "form-action 'self'" in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    assert page.headers["cache-control"] == "no-store"
    assert page.headers["x-frame-options"] == "DENY"
    assert "<script" not in page.text


def test_cookies_are_secure_behind_tls(console_server: LiveServer, visitor: Browserless) -> None:
    """Behind a TLS proxy (uvicorn trusts X-Forwarded-Proto from 127.0.0.1 by default, and
    from the addresses of --forwarded-allow-ips), both cookies are Secure."""
    account = console_server.account("tls")
    tls = {"X-Forwarded-Proto": "https"}
    page = visitor.http.get("/console/sign-in", headers=tls)
    token = _CSRF.search(page.text)
    assert token is not None
    assert "Secure" in page.headers["set-cookie"]
    # A Secure cookie does not travel over this plain connection by itself: sent by hand.
    sign_in_cookie = page.headers["set-cookie"].split(";")[0]
    origin = console_server.endpoint.replace("http://", "https://")
    answer = visitor.http.post(
        "/console/sign-in",
        data={
            "csrf_token": token.group(1),
            "access_key": account.access_key,
            "secret_key": account.secret_key,
        },
        headers={**tls, "Origin": origin, "Cookie": sign_in_cookie},
    )
    assert answer.status_code == 303
    assert "Secure" in answer.headers["set-cookie"]


def test_sessions_end_when_idle_after_their_deadline_and_at_sign_out(
    console_server: LiveServer, visitor: Browserless
) -> None:
    clock = console_server.clock
    account = console_server.account("expiry")
    visitor.sign_in(account)
    assert visitor.signed_in()
    clock.offset += IDLE_TIMEOUT - 60 * SECOND  # still within the idle time: seen again
    assert visitor.signed_in()
    clock.offset += IDLE_TIMEOUT + SECOND
    assert not visitor.signed_in()

    # Seen every 20 minutes, a session still ends 12 hours after sign-in.
    visitor.sign_in(account)
    begun = clock.offset
    while clock.offset + 20 * 60 * SECOND < begun + ABSOLUTE_TIMEOUT:
        clock.offset += 20 * 60 * SECOND
        assert visitor.signed_in()
    clock.offset = begun + ABSOLUTE_TIMEOUT
    assert not visitor.signed_in()

    # Signing out ends the session on the server: the old cookie is worth nothing.
    visitor.sign_in(account)
    cookie = visitor.http.cookies["sharekeeper_session"]
    token = visitor.form_token("/console/invitations")
    assert visitor.http.post("/console/sign-out", data={"csrf_token": token}).status_code == 303
    replay = httpx.get(
        console_server.endpoint + "/console/invitations",
        cookies={"sharekeeper_session": cookie},
    )
    assert replay.status_code == 303


def test_temporary_credentials_need_their_token_and_end_the_session(
    console_server: LiveServer, visitor: Browserless
) -> None:
    account = console_server.account("temporary")
    temporary = console_server.temporary(account, ttl_seconds=600)
    refused = visitor.sign_in(temporary)  # without its security token
    assert refused.status_code == 401 and "X-Security-Token" in refused.text
    assert visitor.sign_in(temporary, security_token="wrong").status_code == 401
    assert temporary.security_token is not None
    visitor.sign_in(temporary, security_token=temporary.security_token)
    assert visitor.signed_in()
    console_server.clock.offset += 601 * SECOND
    assert not visitor.signed_in()


def test_failed_sign_ins_are_limited_per_source_and_audited_without_secrets(
    database_url: str, data_dir: Path
) -> None:
    # A server of its own: the limit is per source, and every test here comes from 127.0.0.1.
    server = LiveServer(settings_for(database_url, data_dir)).start()
    client = Browserless(server)
    try:
        account = server.account("target")
        wrong = "wrong-secret-that-must-not-be-kept"
        for _ in range(5):
            assert client.sign_in(account, secret=wrong).status_code == 401
        limited = client.sign_in(account)  # even the right secret waits now
        assert limited.status_code == 429 and "Too many failed sign-ins" in limited.text
        assert not client.signed_in()
        records = audit.list_audit_records(
            server.runtime.context, AuditFilter(operation="ConsoleSignIn"), PageRequest(1000)
        ).items
        mine = [r for r in records if r.access_key == account.access_key]
        assert [r.outcome for r in mine] == ["401 APIGW.0301"] * 5
        assert all(r.channel == "console" for r in mine)
        assert not any(wrong in repr(r) or account.secret_key in repr(r) for r in records)
    finally:
        client.close()
        server.stop()


def test_the_database_keeps_no_usable_session(
    console_server: LiveServer, visitor: Browserless
) -> None:
    visitor.sign_in(console_server.account("hashed"))
    cookie = visitor.http.cookies["sharekeeper_session"]
    with console_server.runtime.context.reading() as uow:
        found = uow.sessions.get(hashlib.sha256(cookie.encode()).hexdigest())
        assert found is not None
        assert found[0].token_hash != cookie


def test_operator_console_needs_the_admin_token(
    server: LiveServer, console_server: LiveServer, visitor: Browserless
) -> None:
    # Without an admin token there is no operator console at all.
    assert httpx.get(server.endpoint + "/console/operator/sign-in").status_code == 404
    token = visitor.form_token("/console/operator/sign-in")
    refused = visitor.http.post(
        "/console/operator/sign-in", data={"csrf_token": token, "admin_token": "guess"}
    )
    assert refused.status_code == 401
    assert visitor.http.get("/console/operator/accounts").status_code == 303
    token = visitor.form_token("/console/operator/sign-in")
    visitor.http.post("/console/operator/sign-in", data={"csrf_token": token, "admin_token": TOKEN})
    assert visitor.http.get("/console/operator/accounts").status_code == 200
    # The operator is no account: the account pages send it to its own.
    assert visitor.http.get("/console/invitations").headers["location"] == (
        "/console/operator/accounts"
    )


def test_operator_creates_an_account_and_a_key_shown_once(
    console_server: LiveServer, visitor: Browserless
) -> None:
    token = visitor.form_token("/console/operator/sign-in")
    visitor.http.post("/console/operator/sign-in", data={"csrf_token": token, "admin_token": TOKEN})
    token = visitor.form_token("/console/operator/accounts")
    made = visitor.http.post(
        "/console/operator/accounts", data={"csrf_token": token, "name": "made-in-console"}
    )
    assert made.status_code == 201
    key_id = re.search(r"<dt>Access key ID</dt><dd><code>(\w+)</code>", made.text)
    secret = re.search(r"<dt>Secret access key</dt><dd><code>(\w+)</code>", made.text)
    assert key_id is not None and secret is not None
    from tests import figures

    figures.issued(secret.group(1))  # the run-wide scan checks no log line holds it
    again = visitor.http.get("/console/operator/accounts")
    assert key_id.group(1) in again.text and secret.group(1) not in again.text
    records = audit.list_audit_records(
        console_server.runtime.context, AuditFilter(operation="CreateAccount"), PageRequest(1000)
    ).items
    assert records and records[-1].account_id == "operator" and records[-1].channel == "console"
    identity.revoke_access_key(console_server.runtime.context, key_id.group(1))
