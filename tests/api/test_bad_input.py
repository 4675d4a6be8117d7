"""Malformed input of every kind gets a 4xx in Huawei's error shape, never a 500, and a refused
request changes nothing."""

from __future__ import annotations

import json
from typing import Any

import httpx

from tests.sdk.helpers import create_share, invitations, share_ids
from tests.support import Account, SignedHttp

CREATE = "/v1/resource-shares"
SEARCH = "/v1/resource-shares/search"


def huawei_error(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body: dict[str, Any] = response.json()
    assert set(body) == {"error_code", "error_msg", "request_id"}
    assert body["error_code"] == code, body
    assert body["error_msg"]
    assert body["request_id"] == response.headers["X-Request-Id"]
    return body


def test_bodies_that_are_not_json_objects(http: SignedHttp, owner: Account) -> None:
    for raw in (b"{", b"not json", b'{"name": "a",}', b"\xff\xfe", b'{"name": "\xff"}'):
        huawei_error(http.request(owner, "POST", CREATE, raw), 400, "RAM.9001")
    for raw in (b"[]", b'"text"', b"null", b"42"):
        huawei_error(http.request(owner, "POST", CREATE, raw), 400, "RAM.9100")


def test_wrong_types_and_sizes(http: SignedHttp, owner: Account) -> None:
    cases: list[tuple[str, dict[str, Any]]] = [
        (CREATE, {}),
        (CREATE, {"name": None}),
        (CREATE, {"name": 5}),
        (CREATE, {"name": "ok", "principals": "one"}),
        (CREATE, {"name": "ok", "principals": [1]}),
        (CREATE, {"name": "ok", "allow_external_principals": "yes"}),
        (CREATE, {"name": "x" * 65}),
        (CREATE, {"name": "ok", "description": "d" * 257}),
        (CREATE, {"name": "ok", "principals": [f"{i:032x}" for i in range(21)]}),
        (CREATE, {"name": "ok", "resource_urns": ["vpc:r:a:t:" + "p" * 1500]}),
        (CREATE, {"name": "ok", "tags": [{"key": f"k{i}", "value": ""} for i in range(21)]}),
        (CREATE, {"name": "ok", "tags": [{"key": "k"}]}),
        (CREATE, {"name": "ok", "tags": [{"key": "k" * 129, "value": ""}]}),
        (CREATE, {"name": "ok", "tags": [{"key": "emoji😀", "value": ""}]}),
        (CREATE, {"name": "a\u0000b"}),
        (SEARCH, {}),
        (SEARCH, {"resource_owner": "everyone"}),
        (SEARCH, {"resource_owner": "self", "limit": 0}),
        (SEARCH, {"resource_owner": "self", "limit": 2001}),
        (SEARCH, {"resource_owner": "self", "limit": 10**30}),
        (SEARCH, {"resource_owner": "self", "limit": "10"}),
        (SEARCH, {"resource_owner": "self", "marker": "abc"}),
        (SEARCH, {"resource_owner": "self", "marker": "-1"}),
        (SEARCH, {"resource_owner": "self", "marker": ""}),
        (SEARCH, {"resource_owner": "self", "marker": "9" * 40}),
        (SEARCH, {"resource_owner": "self", "resource_share_ids": []}),
        (SEARCH, {"resource_owner": "self", "resource_share_ids": ["bad id!"]}),
        (SEARCH, {"resource_owner": "self", "name": "n\u0000"}),
        (SEARCH, {"resource_owner": "self", "tag_filters": [{"key": ""}]}),
        (SEARCH, {"resource_owner": "self", "tag_filters": [{"key": "k", "values": [1]}]}),
    ]
    for path, body in cases:
        response = http.request(owner, "POST", path, body)
        huawei_error(response, 400, "RAM.9100")


def test_bad_query_parameters_and_path_ids(http: SignedHttp, owner: Account) -> None:
    for query in (
        "limit=0",
        "limit=2001",
        "limit=abc",
        "limit=1&limit=2",
        "marker=abc",
        "marker=99999999999999999999",
        "permission_type=SOME",
        "resource_type=" + "x" * 65,
        "resource_type=%00",
    ):
        huawei_error(http.request(owner, "GET", "/v1/permissions", query=query), 400, "RAM.9100")
    huawei_error(
        http.request(owner, "GET", "/v1/permissions/abc", query="permission_version=-1"),
        400,
        "RAM.9100",
    )
    for bad in ("x" * 37, "a%20b", "%C3%A9t%C3%A9"):
        response = http.request(owner, "DELETE", f"/v1/resource-shares/{bad}")
        huawei_error(response, 400, "RAM.9100")


def test_unknown_routes_and_methods(http: SignedHttp, owner: Account) -> None:
    huawei_error(http.request(owner, "GET", "/v1/nothing-here"), 404, "APIGW.0101")
    huawei_error(http.client.get("/"), 404, "APIGW.0101")
    response = http.request(owner, "GET", "/v1/resource-shares/search")
    body = huawei_error(response, 405, "APIGW.0101")
    assert "POST" in response.headers["Allow"]
    assert "does not support GET" in body["error_msg"] and "POST" in body["error_msg"]


def test_unknown_fields_are_ignored_as_huawei_does(http: SignedHttp, owner: Account) -> None:
    response = http.request(owner, "POST", CREATE, {"name": "extra-fields", "colour": "blue"})
    assert response.status_code == 201
    assert "colour" not in response.json()["resource_share"]


def test_body_less_posts_accept_an_empty_body(http: SignedHttp, owner: Account) -> None:
    # The SDK sends searches with no body model as an empty body: treated as {}.
    response = http.request(owner, "POST", "/v1/resource-share-invitations/search", b"")
    assert response.status_code == 200
    assert "resource_share_invitations" in response.json()


def test_a_refused_request_writes_nothing(
    http: SignedHttp, owner: Account, receiver: Account
) -> None:
    before = share_ids(owner)
    body = {
        "name": "half",
        "principals": [receiver.account_id],
        "resource_urns": [owner.urn("subnet-ok"), receiver.urn("subnet-not-mine")],
    }
    huawei_error(http.request(owner, "POST", CREATE, body), 400, "RAM.1010")
    assert share_ids(owner) == before
    assert invitations(receiver) == []

    share = create_share(owner, "whole")
    associate = f"/v1/resource-shares/{share.id}/associate"
    body = {"principals": [receiver.account_id], "resource_urns": ["vpc:r:" + owner.account_id]}
    huawei_error(http.request(owner, "POST", associate, body), 400, "RAM.9101")
    assert invitations(receiver) == []
    response = http.request(
        owner,
        "POST",
        "/v1/resource-share-associations/search",
        json.dumps({"association_type": "principal", "resource_share_ids": [share.id]}),
    )
    assert response.json()["resource_share_associations"] == []
