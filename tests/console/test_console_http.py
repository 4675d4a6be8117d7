"""The console's security as plain HTTP sees it: cookies, headers, session expiry, sign-out,
failed sign-ins per source, temporary credentials, and what the audit trail and the database
keep. The browser tests (tests/browser) drive the same pages as people do."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest

from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.clock import SECOND
from sharekeeper.domain.paging import PageRequest
from sharekeeper.domain.sessions import ABSOLUTE_TIMEOUT, IDLE_TIMEOUT
from sharekeeper.services import audit, identity
from tests.support import Account, LiveServer, settings_for

TOKEN = "console-http-admin-token-of-32-characters"
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

    def sign_in_as_operator(self, token: str = TOKEN, **extra: str) -> httpx.Response:
        form = self.form_token("/console/operator/sign-in")
        fields = {"csrf_token": form, "admin_token": token, **extra}
        return self.http.post("/console/operator/sign-in", data=fields)

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


def test_cookies_are_secure_behind_tls(database_url: str, data_dir: Path) -> None:
    """Behind a TLS proxy (its X-Forwarded-Proto believed from the addresses of
    SHAREKEEPER_TRUSTED_PROXIES, here 127.0.0.1), both cookies are Secure."""
    console_server = LiveServer(
        settings_for(database_url, data_dir, trusted_proxies=("127.0.0.1",))
    )
    console_server.start()
    visitor = Browserless(console_server)
    try:
        _secure_behind_tls(console_server, visitor)
    finally:
        visitor.close()
        console_server.stop()


def _secure_behind_tls(console_server: LiveServer, visitor: Browserless) -> None:
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
        account, other = server.account("target"), server.account("other")
        wrong = "wrong-secret-that-must-not-be-kept"
        for _ in range(5):
            assert client.sign_in(account, secret=wrong).status_code == 401
        # Even the right secret waits now, in a browser that never signed in with the key.
        limited = client.sign_in(account)
        assert limited.status_code == 429 and "Too many failed sign-ins" in limited.text
        assert int(limited.headers["retry-after"]) >= 1
        assert not client.signed_in()

        def mine() -> list[tuple[str, int]]:
            records = audit.list_audit_records(
                server.runtime.context, AuditFilter(operation="ConsoleSignIn"), PageRequest(1000)
            ).items
            assert not any(wrong in repr(r) or account.secret_key in repr(r) for r in records)
            assert all(r.channel == "console" for r in records)
            return [(r.outcome, r.count) for r in records if r.access_key == account.access_key]

        # The first refusal of each kind is recorded at once, the rest counted ...
        assert mine() == [("401 APIGW.0301", 1), ("429 RAM.9004", 1)]
        # ... and written as one record when the minute closes: here by the next refusal.
        server.clock.offset += 61 * SECOND
        assert client.sign_in(other, secret=wrong).status_code == 401
        assert mine() == [("401 APIGW.0301", 1), ("429 RAM.9004", 1), ("401 APIGW.0301", 4)]
    finally:
        client.close()
        server.stop()


def test_a_known_browser_cookie_is_bound_to_its_key_and_cannot_be_forged(
    database_url: str, data_dir: Path
) -> None:
    server = LiveServer(settings_for(database_url, data_dir))
    server.start()
    user, guesser = Browserless(server), Browserless(server)
    try:
        mine, theirs = server.account("cookie-owner"), server.account("cookie-target")
        signed = user.sign_in(mine)
        assert signed.status_code == 303
        name = f"sharekeeper_known_{mine.access_key}"
        flags = [h for h in signed.headers.get_list("set-cookie") if h.startswith(name)]
        assert len(flags) == 1 and "HttpOnly" in flags[0] and "Path=/console" in flags[0]
        assert "SameSite=strict" in flags[0] and "Max-Age=7776000" in flags[0]
        cookie = user.http.cookies[name]
        for account in (mine, theirs):  # both pairs at this address used up by a guesser
            for _ in range(5):
                assert guesser.sign_in(account, secret="wrong").status_code == 401
        # The cookie names its key: moved to another key's name it lets nothing through.
        user.http.cookies.set(f"sharekeeper_known_{theirs.access_key}", cookie, path="/console")
        assert user.sign_in(theirs).status_code == 429
        nonce, issued, mac = cookie.split(".")
        for forged in (f"{nonce}.{issued}.{'0' * len(mac)}", f"x{nonce}.{issued}.{mac}", "junk"):
            user.http.cookies.set(name, forged, path="/console")
            assert user.sign_in(mine).status_code == 429
        user.http.cookies.set(name, cookie, path="/console")
        server.clock.offset += 91 * 24 * 3600 * SECOND  # and it lasts 90 days
        assert user.sign_in(mine).status_code == 429
        server.clock.offset -= 91 * 24 * 3600 * SECOND
        assert user.sign_in(mine).status_code == 303
    finally:
        user.close()
        guesser.close()
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
    visitor.sign_in_as_operator()
    assert visitor.http.get("/console/operator/accounts").status_code == 200
    # The operator is no account: the account pages send it to its own.
    assert visitor.http.get("/console/invitations").headers["location"] == (
        "/console/operator/accounts"
    )


def _every_operator_page(visitor: Browserless) -> str:
    """The operator's account list, every page of it: the session's database holds every
    test's accounts, more than a page (500, in id order) once the whole suite has run, and a
    new account's random id may fall on any page."""
    pages, path = [], "/console/operator/accounts"
    while True:
        text = visitor.http.get(path).text
        pages.append(text)
        more = re.search(r'<a href="(/console/operator/accounts\?after=\w+)">Next page</a>', text)
        if more is None:
            return "".join(pages)
        path = more.group(1)


def test_operator_creates_an_account_and_a_key_shown_once(
    console_server: LiveServer, visitor: Browserless
) -> None:
    visitor.sign_in_as_operator()
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
    again = _every_operator_page(visitor)
    assert key_id.group(1) in again and secret.group(1) not in again
    records = audit.list_audit_records(
        console_server.runtime.context, AuditFilter(operation="CreateAccount"), PageRequest(1000)
    ).items
    assert records and records[-1].account_id == "operator" and records[-1].channel == "console"
    identity.revoke_access_key(console_server.runtime.context, key_id.group(1))


def test_unknown_console_paths_and_methods_get_a_page(
    console_server: LiveServer, visitor: Browserless
) -> None:
    for method, path in (("GET", "/console/nothing-here"), ("GET", "/console/sign-out")):
        answer = visitor.http.request(method, path)
        assert answer.status_code == 404
        assert "APIGW.0101" in answer.text and "text/html" in answer.headers["content-type"]
        assert "default-src 'none'" in answer.headers["content-security-policy"]
        assert "Sign out" not in answer.text
    visitor.sign_in(console_server.account("lost"))
    answer = visitor.http.get("/console/nothing-here")
    assert answer.status_code == 404 and "Sign out" in answer.text


def test_a_secret_pasted_as_the_key_id_is_neither_kept_nor_shown(
    console_server: LiveServer, visitor: Browserless
) -> None:
    account = console_server.account("pasted")
    token = visitor.form_token("/console/sign-in")
    answer = visitor.http.post(
        "/console/sign-in",
        data={"csrf_token": token, "access_key": account.secret_key, "secret_key": "x"},
    )
    assert answer.status_code == 401
    assert account.secret_key not in answer.text
    records = audit.list_audit_records(
        console_server.runtime.context, AuditFilter(operation="ConsoleSignIn"), PageRequest(2000)
    ).items
    assert not any(account.secret_key in repr(r) for r in records)


def test_guesses_sent_at_once_do_not_outrun_the_limit(database_url: str, data_dir: Path) -> None:
    server = LiveServer(settings_for(database_url, data_dir)).start()
    try:
        account = server.account("raced")
        clients = [Browserless(server) for _ in range(16)]
        tokens = [c.form_token("/console/sign-in") for c in clients]

        def guess(n: int) -> int:
            fields = {
                "csrf_token": tokens[n],
                "access_key": account.access_key,
                "secret_key": f"guess-{n}",
            }
            return clients[n].http.post("/console/sign-in", data=fields).status_code

        with ThreadPoolExecutor(16) as pool:
            statuses = list(pool.map(guess, range(16)))
        assert statuses.count(401) <= 5 and statuses.count(429) >= 11, statuses
    finally:
        for c in clients:
            c.close()
        server.stop()


def test_hostile_forms_and_ids_get_a_page_not_a_500(
    console_server: LiveServer, visitor: Browserless
) -> None:
    owner = console_server.account("hostile")
    visitor.sign_in(owner)
    token = visitor.form_token("/console/shares/new")
    too_many = [("csrf_token", token)] + [(f"f{n}", "x") for n in range(300)]
    answer = visitor.http.post(
        "/console/shares/new",
        content=urlencode(too_many),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert answer.status_code == 400 and "text/html" in answer.headers["content-type"]
    for path in (
        "/console/shares/a%00b",
        "/console/shares?name=a%00b",
        "/console/shares?marker=abc",
        "/console/invitations?marker=99999999999999999999",
    ):
        answer = visitor.http.get(path)
        assert answer.status_code == 400, (path, answer.status_code)
        assert "RAM.9100" in answer.text
    nul = visitor.http.post("/console/shares/new", data={"csrf_token": token, "name": "a\x00b"})
    assert nul.status_code == 400 and "RAM.9100" in nul.text
    huge = visitor.http.post(
        "/console/sign-in",
        content=b"a=" + b"x" * (console_server.settings.max_body_bytes + 10),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert huge.status_code == 413 and "RAM.9002" in huge.text


def test_console_requests_count_against_the_accounts_rate_limit(
    database_url: str, data_dir: Path
) -> None:
    server = LiveServer(settings_for(database_url, data_dir, rate_limit=1, rate_burst=3)).start()
    client = Browserless(server)
    try:
        client.sign_in(server.account("limited"))
        statuses = [client.http.get("/console/shares").status_code for _ in range(6)]
        assert statuses[:3] == [200, 200, 200] and 429 in statuses
        assert "RAM.9004" in client.http.get("/console/shares").text
    finally:
        client.close()
        server.stop()


def test_a_new_admin_token_ends_the_old_tokens_sessions(database_url: str, data_dir: Path) -> None:
    first = LiveServer(
        settings_for(
            database_url, data_dir, admin_token="old-admin-token-of-at-least-32-characters"
        )
    ).start()
    client = Browserless(first)
    try:
        token = client.form_token("/console/operator/sign-in")
        client.http.post(
            "/console/operator/sign-in",
            data={"csrf_token": token, "admin_token": "old-admin-token-of-at-least-32-characters"},
        )
        cookie = client.http.cookies["sharekeeper_session"]
        assert client.http.get("/console/operator/accounts").status_code == 200
    finally:
        client.close()
        first.stop()
    second = LiveServer(
        settings_for(
            database_url, data_dir, admin_token="new-admin-token-of-at-least-32-characters"
        )
    ).start()
    try:
        replay = httpx.get(
            second.endpoint + "/console/operator/accounts",
            cookies={"sharekeeper_session": cookie},
        )
        assert replay.status_code == 303
        assert replay.headers["location"] == "/console/operator/sign-in"
    finally:
        second.stop()


def test_signing_out_is_audited_and_signing_in_again_ends_the_earlier_session(
    console_server: LiveServer, visitor: Browserless
) -> None:
    account = console_server.account("again")
    visitor.sign_in(account)
    first = visitor.http.cookies["sharekeeper_session"]
    visitor.sign_in(account)
    stale = httpx.get(
        console_server.endpoint + "/console/invitations", cookies={"sharekeeper_session": first}
    )
    assert stale.status_code == 303
    token = visitor.form_token("/console/invitations")
    visitor.http.post("/console/sign-out", data={"csrf_token": token})
    records = audit.list_audit_records(
        console_server.runtime.context,
        AuditFilter(account_id=account.account_id, channel="console"),
        PageRequest(100),
    ).items
    assert [r.operation for r in records] == ["ConsoleSignIn", "ConsoleSignIn", "ConsoleSignOut"]


def test_a_refused_change_keeps_what_was_typed_beside_its_field(
    console_server: LiveServer, visitor: Browserless
) -> None:
    owner = console_server.account("typed")
    visitor.sign_in(owner)
    token = visitor.form_token("/console/shares/new")
    created = visitor.http.post(
        "/console/shares/new", data={"csrf_token": token, "name": "typed-share"}
    )
    share_path = created.headers["location"]
    wrong = "vpc:cn-north-4:someone-else:subnet:x"
    answer = visitor.http.post(
        share_path + "/associate", data={"csrf_token": token, "resource_urns": wrong}
    )
    assert answer.status_code == 400
    assert f">{wrong}</textarea>" in answer.text
    assert 'id="add-resource_urns-error"' in answer.text
    tags = visitor.http.post(
        "/console/shares/new", data={"csrf_token": token, "name": "t", "tags": "_sys_x=1"}
    )
    assert tags.status_code == 400 and 'id="tags-error"' in tags.text
    # A deleted share has no edit form: its page is shown instead.
    visitor.http.post(share_path + "/delete", data={"csrf_token": token})
    assert visitor.http.get(share_path + "/edit").headers["location"] == share_path


def test_the_sharing_graph_reaches_members_only_while_the_organization_shares(
    console_server: LiveServer,
) -> None:
    from huaweicloudsdkram.v1 import (
        DisableOrganizationShareRequest,
        EnableOrganizationShareRequest,
    )

    from sharekeeper.services import console as reads
    from tests.sdk.helpers import create_share

    console_server.organization(console_server.account("quiet-manager"))  # never shares
    console_server.clock.offset += 10  # made after it, whatever the clock's resolution
    manager, member = console_server.account("graph-manager"), console_server.account("member")
    org = console_server.organization(manager)
    ou, ou_urn = org.ou("graph-ou")
    org.add(member, ou)
    manager.ram.enable_organization_share(EnableOrganizationShareRequest())
    create_share(
        manager, "graph-share", principals=[ou_urn], resource_urns=[manager.urn("subnet-graph")]
    )
    picture = reads.sharing_picture(console_server.runtime.context)
    assert picture.reached[ou_urn] == [member.account_id]
    # Named by its bare id: the organization made first, which does not share, is not it.
    create_share(manager, "graph-bare", principals=[ou], resource_urns=[manager.urn("subnet-bare")])
    assert reads.sharing_picture(console_server.runtime.context).reached[ou] == [member.account_id]
    manager.ram.disable_organization_share(DisableOrganizationShareRequest())
    picture = reads.sharing_picture(console_server.runtime.context)
    assert picture.reached.get(ou_urn, []) == []


def test_a_refused_edit_says_why_and_a_redirect_names_its_audit_record(
    console_server: LiveServer, visitor: Browserless
) -> None:
    owner, outsider = console_server.account("edited"), console_server.account("outside")
    visitor.sign_in(owner)
    token = visitor.form_token("/console/shares/new")
    created = visitor.http.post(
        "/console/shares/new",
        data={
            "csrf_token": token,
            "name": "edited",
            "principals": outsider.account_id,
            "allow_external_principals": "on",
        },
    )
    share_path = created.headers["location"]
    records = audit.list_audit_records(
        console_server.runtime.context,
        AuditFilter(account_id=owner.account_id, operation="CreateResourceShare"),
        PageRequest(10),
    ).items
    assert created.headers["x-request-id"] == records[-1].request_id
    refused = visitor.http.post(share_path + "/edit", data={"csrf_token": token, "name": "edited"})
    assert refused.status_code == 400
    assert "RAM.1015" in refused.text and 'role="alert"' in refused.text


def test_the_operator_session_keeps_no_plain_hash_of_the_admin_token(
    console_server: LiveServer, visitor: Browserless
) -> None:
    visitor.sign_in_as_operator()
    cookie = visitor.http.cookies["sharekeeper_session"]
    with console_server.runtime.context.reading() as uow:
        found = uow.sessions.get(hashlib.sha256(cookie.encode()).hexdigest())
    assert found is not None
    kept = found[0].admin_token_hash
    assert kept is not None and kept != hashlib.sha256(TOKEN.encode()).hexdigest()
    assert TOKEN not in kept


# Issue 22, second round: what the console shows of others stays the owner's to see.


def test_an_owner_sees_a_principals_name_only_once_it_answered_or_joined_its_organization(
    console_server: LiveServer, visitor: Browserless
) -> None:
    """N17: an owner may name any account id; the Invitations page shows that account's name
    only once it answered one of the owner's invitations, or is in the owner's organization."""
    from tests.sdk.helpers import accept, create_share, invitation_for, reject

    owner = console_server.account("n17-owner")
    carol, dave, erin, frank = (
        console_server.account(f"n17-{name}-secret") for name in ("carol", "dave", "erin", "frank")
    )
    principals = [a.account_id for a in (carol, dave, erin, frank)]
    share = create_share(
        owner, "n17-names", principals=principals, resource_urns=[owner.urn("subnet-n17")]
    )
    visitor.sign_in(owner)

    def shown() -> set[str]:
        page = visitor.http.get("/console/invitations")
        assert page.status_code == 200
        for account in (carol, dave, erin, frank):
            assert account.account_id in page.text  # the id is always there
        return {n for n in ("carol", "dave", "erin", "frank") if f"n17-{n}-secret" in page.text}

    assert shown() == set()  # before any answer: ids alone
    accept(carol, invitation_for(carol, share.id).resource_share_invitation_id)
    reject(dave, invitation_for(dave, share.id).resource_share_invitation_id)
    console_server.organization(owner).add(erin)
    assert shown() == {"carol", "dave", "erin"}  # frank has not answered
    # A receiver sees the name of the owner that wrote to it.
    other = Browserless(console_server)
    try:
        other.sign_in(frank)
        assert "n17-owner" in other.http.get("/console/invitations").text
    finally:
        other.close()


def test_the_operators_audit_page_shows_control_characters_as_text(
    console_server: LiveServer, visitor: Browserless
) -> None:
    """N9: a caller's text kept in the audit trail (by an earlier version, or a source a proxy
    passed on) is written out on the operator's page, escaped for HTML as before."""
    from sharekeeper.domain.audit import AuditRecord

    account_id = console_server.account("n9-audited").account_id
    hostile = "\x1b]0;title\x07<b>x</b>\x9b2J"
    audit.record_calls(
        console_server.runtime.context,
        [
            AuditRecord(
                at=console_server.clock(),
                account_id=account_id,
                access_key="AK",
                operation="DeleteResourceShare",
                request_id="n9",
                source_address=hostile,
                targets=[hostile],
                outcome="400 RAM.9100",
            )
        ],
    )
    visitor.sign_in_as_operator()
    page = visitor.http.get("/console/operator/audit", params={"account_id": account_id})
    assert page.status_code == 200
    assert "\x1b" not in page.text and "\x07" not in page.text and "\x9b" not in page.text
    written = "\\x1b]0;title\\x07&lt;b&gt;x&lt;/b&gt;\\x9b2J"
    assert page.text.count(written) == 2  # the target and the source


def test_hostile_known_browser_cookies_are_ignored_not_a_500(
    database_url: str, data_dir: Path
) -> None:
    """Issue 22 review S3: a known-browser cookie whose parts are anything but what the console
    set (a superscript digit, which str.isdigit() takes and int() refuses, among them) is no
    known browser: the sign-in is judged like any other, never an anonymous 500."""
    server = LiveServer(settings_for(database_url, data_dir))
    server.start()
    client = Browserless(server)
    hostile = [
        "n.\xb2.x",
        "n.\xb9\xb2\xb3.x",
        "n.-1.x",
        "n.+1.x",
        "n. 1.x",
        "n.1_0.x",
        "n.9999999999999.x",
        "n..x",
        ".1.x",
        "n.1.",
        "\xff\xfe.\xb2\xb2.\xff",
        "n.1.x.y.z",
    ]
    try:
        statuses = []
        for n, value in enumerate(hostile):
            key_id = f"COOKIE{n:014d}"
            token = client.form_token("/console/sign-in")
            jar = "; ".join(f"{name}={v}" for name, v in client.http.cookies.items())
            raw = f"{jar}; sharekeeper_known_{key_id}={value}"
            answer = client.http.post(
                "/console/sign-in",
                data={"csrf_token": token, "access_key": key_id, "secret_key": "wrong"},
                headers={b"cookie": raw.encode("latin-1", "replace")},
            )
            statuses.append(answer.status_code)
    finally:
        client.close()
        server.stop()
    assert statuses == [401] * len(hostile), statuses
