"""The admin API over HTTP: off without a token, refused with a wrong one, and every route doing
what the command line does."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import psycopg
import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import EnableOrganizationShareRequest

from tests import figures
from tests.sdk.helpers import create_share, shares
from tests.support import Account, LiveServer, SignedHttp, settings_for

TOKEN = "admin-" + uuid.uuid4().hex


class Admin:
    def __init__(self, server: LiveServer) -> None:
        self.server = server
        self.http = httpx.Client(
            base_url=server.endpoint, headers={"Authorization": f"Bearer {TOKEN}"}
        )

    def __call__(
        self, method: str, path: str, body: Any = None, status: int = 200, **params: Any
    ) -> Any:
        response = self.http.request(method, "/admin/v1" + path, json=body, params=params)
        assert response.status_code == status, response.text
        assert response.headers["X-Request-Id"]
        data = response.json() if response.content else None
        if isinstance(data, dict):
            figures.issued(data.get("secret_key"), data.get("security_token"))
        return data

    def close(self) -> None:
        self.http.close()

    def account(self, name: str) -> Account:
        made = self("POST", "/accounts", {"name": name}, 201)
        return Account(
            made["account_id"], made["access_key"], made["secret_key"], self.server.endpoint
        )


@pytest.fixture(scope="module")
def admin_server(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    live = LiveServer(settings_for(database_url, data_dir, admin_token=TOKEN)).start()
    yield live
    live.stop()


def test_the_admin_api_is_off_without_a_token_and_refuses_a_wrong_one(
    server: LiveServer, admin_server: LiveServer
) -> None:
    off = httpx.post(
        server.endpoint + "/admin/v1/accounts",
        json={"name": "x"},
        headers={"Authorization": f"Bearer {TOKEN}"},
    )
    assert (off.status_code, off.json()["error_code"]) == (404, "APIGW.0101")
    for header in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
        refused = httpx.post(
            admin_server.endpoint + "/admin/v1/accounts", json={"name": "x"}, headers=header
        )
        assert (refused.status_code, refused.json()["error_code"]) == (401, "APIGW.0301")


@pytest.fixture
def admin(admin_server: LiveServer) -> Iterator[Admin]:
    client = Admin(admin_server)
    yield client
    client.close()


def test_accounts_keys_and_organizations_through_the_admin_api(admin: Admin) -> None:
    alice, bob = admin.account("alice"), admin.account("bob")
    assert shares(alice) == []  # the SDK works with what the admin API handed out

    key = admin("POST", f"/accounts/{alice.account_id}/access-keys", None, 201)
    second = Account(alice.account_id, key["access_key"], key["secret_key"], alice.endpoint)
    sts = admin(
        "POST", f"/accounts/{alice.account_id}/temporary-credentials", {"ttl_seconds": 60}, 201
    )
    assert set(sts) == {"access_key", "secret_key", "security_token", "expires_at"}
    temporary = Account(
        alice.account_id,
        sts["access_key"],
        sts["secret_key"],
        alice.endpoint,
        sts["security_token"],
    )
    assert shares(second) == [] and shares(temporary) == []
    admin("DELETE", f"/access-keys/{key['access_key']}", None, 204)
    with pytest.raises(ClientRequestException) as revoked:
        shares(second)
    assert revoked.value.status_code == 401
    admin("POST", f"/accounts/{'0' * 32}/access-keys", None, 404)
    admin("POST", "/accounts", {"name": ""}, 400)

    org = admin("POST", "/organizations", {"management_account_id": alice.account_id}, 201)
    ou = admin("POST", "/organizations/units", {"parent_id": org["root_id"], "name": "eng"}, 201)
    admin("PUT", f"/organizations/members/{bob.account_id}", {"parent_id": ou["ou_id"]}, 204)
    alice.ram.enable_organization_share(EnableOrganizationShareRequest())
    share = create_share(alice, "to-eng", principals=[ou["ou_urn"]])
    assert [s.id for s in shares(bob, "other-accounts")] == [share.id]
    admin("DELETE", f"/organizations/members/{bob.account_id}", None, 204)
    assert shares(bob, "other-accounts") == []
    admin("DELETE", f"/organizations/units/{ou['ou_id']}", None, 204)
    admin("DELETE", f"/organizations/units/{ou['ou_id']}", None, 404)

    records = admin("GET", "/audit-records", account_id=alice.account_id)["audit_records"]
    assert [r["operation"] for r in records] == ["EnableOrganizationShare", "CreateResourceShare"]
    assert (
        admin("GET", "/audit-records", account_id=alice.account_id, since=2**45)["audit_records"]
        == []
    )
    admin("GET", "/audit-records", None, 400, limit="many")


def test_a_since_past_any_time_is_a_400_not_a_database_error(admin: Admin) -> None:
    # 99999999999999999999 overflowed SQLite's integer and PostgreSQL's bigint (a 500).
    assert admin("GET", "/audit-records", since=2**53)["audit_records"] == []
    for since in (2**53 + 1, 2**63, 99999999999999999999):
        error = admin("GET", "/audit-records", None, 400, since=since)
        assert "since" in str(error), error
    # The other integer the query reaches SQL with, the marker's position: at most 18 digits.
    admin("GET", "/audit-records", None, 400, marker="9" * 20)


@pytest.fixture
def own_database(database_url: str, tmp_path: Path) -> Iterator[str]:
    """A database of this test's own: reset deletes everything in it."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'reset.db'}"
        return
    name = "sharekeeper_reset_" + uuid.uuid4().hex[:12]
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    yield database_url.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(database_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def test_reset_deletes_all_data(own_database: str, tmp_path: Path) -> None:
    live = LiveServer(settings_for(own_database, tmp_path, admin_token=TOKEN)).start()
    admin = Admin(live)
    try:
        alice, bob = admin.account("alice"), admin.account("bob")
        admin("POST", "/organizations", {"management_account_id": alice.account_id}, 201)
        create_share(alice, principals=[bob.account_id], resource_urns=[alice.urn("s")])
        admin("POST", "/reset", None, 204)
        with pytest.raises(ClientRequestException) as gone:
            shares(alice)
        assert "does not exist" in gone.value.error_msg
        assert admin("GET", "/audit-records")["audit_records"] == []
        fresh = admin.account("after")
        assert shares(fresh) == []
    finally:
        admin.close()
        live.stop()


def test_admin_bodies_are_checked_like_every_other(admin: Admin) -> None:
    # The admin API decodes through the same function as the RAM API: a NUL (which
    # PostgreSQL cannot store), bad JSON and wrong types are 400s, not server errors.
    for raw, code in (
        (b'{"name": "a\\u0000b"}', "RAM.9100"),
        (b"{", "RAM.9001"),
        (b'{"name": 5}', "RAM.9100"),
    ):
        response = admin.http.post("/admin/v1/accounts", content=raw)
        assert (response.status_code, response.json()["error_code"]) == (400, code)


def test_a_defect_is_answered_as_an_internal_error_and_logged_on_every_route(
    admin: Admin,
    admin_server: LiveServer,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The RAM routes and the admin routes render a failure through one function: a clean
    Huawei-shaped 500 for the caller, the traceback with the request's id in the log."""

    def broken(*_: Any, **__: Any) -> Any:
        raise RuntimeError("a defect")

    monkeypatch.setattr("sharekeeper.services.identity.revoke_access_key", broken)
    monkeypatch.setattr("sharekeeper.services.shares.search_resource_shares", broken)
    account = admin.account("defect")
    http = SignedHttp(admin_server)
    answers = [
        admin.http.delete(f"/admin/v1/access-keys/{account.access_key}"),
        http.request(account, "POST", "/v1/resource-shares/search", b'{"resource_owner":"self"}'),
    ]
    http.close()
    for response in answers:
        assert response.status_code == 500, response.text
        request_id = response.headers["X-Request-Id"]
        assert response.json() == {
            "error_code": "RAM.9000",
            "error_msg": "The service failed to handle the request; it has been logged.",
            "request_id": request_id,
        }
        logged = [r for r in caplog.records if getattr(r, "request_id", None) == request_id]
        assert logged and logged[0].exc_info is not None, request_id
        assert "a defect" in str(logged[0].exc_info[1])
