"""Signature checks over raw HTTP: each way a request can be forged or go stale is refused with
401 APIGW.0301 and a reason; the SDK's own traffic is accepted."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import httpx
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException

from tests.sdk.helpers import create_share, shares
from tests.support import Account, LiveServer, SignedHttp, signed_headers

SEARCH = "/v1/resource-shares/search"
BODY = json.dumps({"resource_owner": "self", "limit": 5}).encode()


def refused(response: httpx.Response, reason: str) -> None:
    assert response.status_code == 401, response.text
    body = response.json()
    assert body["error_code"] == "APIGW.0301"
    assert reason in body["error_msg"], body["error_msg"]
    assert body["request_id"] == response.headers["X-Request-Id"]


def send(
    http: SignedHttp, method: str, path: str, headers: dict[str, str], body: bytes = b""
) -> httpx.Response:
    return http.client.request(method, path, content=body, headers=headers)


def test_a_correctly_signed_request_passes(http: SignedHttp, owner: Account) -> None:
    response = http.request(owner, "POST", SEARCH, BODY)
    assert response.status_code == 200
    assert len(response.headers["X-Request-Id"]) == 32


def test_wrong_secret_and_unknown_key(http: SignedHttp, owner: Account) -> None:
    wrong = Account(owner.account_id, owner.access_key, "x" * 40, owner.endpoint)
    refused(http.request(wrong, "POST", SEARCH, BODY), "signature")
    unknown = Account(owner.account_id, "NOSUCHKEY00000000000", owner.secret_key, owner.endpoint)
    refused(http.request(unknown, "POST", SEARCH, BODY), "access key does not exist")


def test_tampering_with_body_path_query_or_date(http: SignedHttp, owner: Account) -> None:
    headers = signed_headers(owner, "POST", SEARCH, "", BODY, host=http.host)
    refused(send(http, "POST", SEARCH, headers, BODY.replace(b"5", b"6")), "signature")
    refused(send(http, "POST", "/v1/resource-share-invitations/search", headers, BODY), "signature")
    refused(send(http, "POST", SEARCH + "?limit=1", headers, BODY), "signature")
    later = dict(headers)
    later["X-Sdk-Date"] = (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ")
    refused(send(http, "POST", SEARCH, later, BODY), "signature")
    # The same JSON, re-serialized, is a different body.
    reformatted = json.dumps(json.loads(BODY), separators=(",", ":")).encode()
    refused(send(http, "POST", SEARCH, headers, reformatted), "signature")


def test_clock_skew_beyond_fifteen_minutes(http: SignedHttp, owner: Account) -> None:
    for minutes in (-16, 16):
        when = datetime.now(UTC) + timedelta(minutes=minutes)
        refused(http.request(owner, "POST", SEARCH, BODY, when=when), "15 minutes")
    within = datetime.now(UTC) - timedelta(minutes=14)
    assert http.request(owner, "POST", SEARCH, BODY, when=within).status_code == 200


def test_missing_and_malformed_headers(http: SignedHttp, owner: Account) -> None:
    headers = signed_headers(owner, "POST", SEARCH, "", BODY, host=http.host)
    refused(
        send(
            http, "POST", SEARCH, {k: v for k, v in headers.items() if k != "Authorization"}, BODY
        ),
        "not signed",
    )
    refused(
        send(http, "POST", SEARCH, {**headers, "Authorization": "Basic abc"}, BODY), "unsupported"
    )
    refused(
        send(http, "POST", SEARCH, {**headers, "Authorization": "SDK-HMAC-SHA256 junk"}, BODY),
        "malformed",
    )
    refused(send(http, "POST", SEARCH, {**headers, "X-Sdk-Date": "yesterday"}, BODY), "X-Sdk-Date")
    no_date = {k: v for k, v in headers.items() if k != "X-Sdk-Date"}
    refused(send(http, "POST", SEARCH, no_date, BODY), "X-Sdk-Date header missing")


def test_host_may_be_left_unsigned_and_tampering_is_still_refused(
    http: SignedHttp, owner: Account
) -> None:
    """As Huawei's Go clients sign: no Host in SignedHeaders. Everything else still binds."""
    headers = signed_headers(owner, "POST", SEARCH, "", BODY, host=http.host, omit=("Host",))
    assert "host" not in headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    assert send(http, "POST", SEARCH, headers, BODY).status_code == 200
    refused(send(http, "POST", SEARCH, headers, BODY.replace(b"5", b"6")), "signature")
    refused(send(http, "POST", "/v1/resource-share-invitations/search", headers, BODY), "signature")
    refused(send(http, "POST", SEARCH + "?limit=1", headers, BODY), "signature")
    later = {
        **headers,
        "X-Sdk-Date": (datetime.now(UTC) + timedelta(seconds=1)).strftime("%Y%m%dT%H%M%SZ"),
    }
    refused(send(http, "POST", SEARCH, later, BODY), "signature")
    # Signed, Host must match like any signed header (sent here with the real Host).
    signed = signed_headers(owner, "POST", SEARCH, "", BODY, host="localhost:1")
    signed.pop("Host")
    refused(send(http, "POST", SEARCH, signed, BODY), "signature")


def test_unsigned_identity_headers_are_checked_against_the_key(
    server: LiveServer, http: SignedHttp, owner: Account, receiver: Account
) -> None:
    """Added after signing, as Terraform adds them: each is taken only when it agrees with the
    key, so altering or injecting one gains nothing (docs/security.md)."""
    bare = signed_headers(owner, "POST", SEARCH, "", BODY, host=http.host, omit=("X-Domain-Id",))
    project = {**bare, "X-Project-Id": "0123456789abcdef0123456789abcdef"}
    assert send(http, "POST", SEARCH, project, BODY).status_code == 200
    refused(send(http, "POST", SEARCH, {**bare, "X-Project-Id": "../x y"}, BODY), "X-Project-Id")
    own = {**bare, "X-Domain-Id": owner.account_id}
    assert send(http, "POST", SEARCH, own, BODY).status_code == 200
    other = send(http, "POST", SEARCH, {**bare, "X-Domain-Id": receiver.account_id}, BODY)
    assert (other.status_code, other.json()["error_code"]) == (400, "RAM.1002")
    doubled = [*bare.items(), ("X-Domain-Id", owner.account_id), ("X-Domain-Id", owner.account_id)]
    refused(http.client.request("POST", SEARCH, content=BODY, headers=doubled), "more than once")
    # A permanent key takes no token, signed or not.
    refused(send(http, "POST", SEARCH, {**bare, "X-Security-Token": "x"}, BODY), "permanent")

    temporary = server.temporary(owner, ttl_seconds=600)
    assert temporary.security_token
    plain = Account(owner.account_id, temporary.access_key, temporary.secret_key, owner.endpoint)
    unsigned = signed_headers(plain, "POST", SEARCH, "", BODY, host=http.host, omit=("Host",))
    token = {**unsigned, "X-Security-Token": temporary.security_token}
    assert send(http, "POST", SEARCH, token, BODY).status_code == 200
    refused(send(http, "POST", SEARCH, {**unsigned, "X-Security-Token": "wrong"}, BODY), "belong")
    refused(send(http, "POST", SEARCH, unsigned, BODY), "X-Security-Token")


def test_a_domain_id_of_another_account_is_refused(
    http: SignedHttp, owner: Account, receiver: Account
) -> None:
    response = http.request(owner, "POST", SEARCH, BODY, extra={"X-Domain-Id": receiver.account_id})
    assert response.status_code == 400
    assert response.json()["error_code"] == "RAM.1002"
    assert receiver.account_id in response.json()["error_msg"]


def test_temporary_credentials_need_their_token_and_expire(
    server: LiveServer, http: SignedHttp, owner: Account
) -> None:
    temporary = server.temporary(owner, ttl_seconds=600)
    assert temporary.security_token
    created = create_share(temporary, "via-sts")
    assert created.owning_account_id == owner.account_id

    without = Account(owner.account_id, temporary.access_key, temporary.secret_key, owner.endpoint)
    refused(http.request(without, "POST", SEARCH, BODY), "X-Security-Token")
    refused(
        http.request(without, "POST", SEARCH, BODY, extra={"X-Security-Token": "wrong"}),
        "does not belong",
    )
    refused(
        http.request(
            owner, "POST", SEARCH, BODY, extra={"X-Security-Token": temporary.security_token}
        ),
        "permanent",
    )
    server.clock.advance(601_000)
    try:
        shares(temporary)
    except ClientRequestException as error:
        assert (error.status_code, error.error_code) == (401, "APIGW.0301")
        assert "expired" in error.error_msg
    else:
        raise AssertionError("expired temporary credentials were accepted")


def test_revoked_keys_stop_at_once(server: LiveServer, http: SignedHttp, owner: Account) -> None:
    from sharekeeper.services import identity

    assert http.request(owner, "POST", SEARCH, BODY).status_code == 200
    identity.revoke_access_key(server.runtime.context, owner.access_key)
    refused(http.request(owner, "POST", SEARCH, BODY), "revoked")


def test_trailing_slash_and_encoded_segments_sign_as_the_sdk_does(
    http: SignedHttp, owner: Account
) -> None:
    assert http.request(owner, "POST", SEARCH + "/", BODY).status_code == 200
    response = http.request(owner, "GET", "/v1/permissions", query="limit=1&permission_type=ALL")
    assert response.status_code == 200
    assert response.json()["page_info"]["next_marker"] == "1"
