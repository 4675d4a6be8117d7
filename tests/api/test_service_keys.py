"""Service principals' keys through signed HTTP: every signing algorithm and Go-style unsigned
Host, namespaces, account keys refused on the decision operations and service keys on the RAM
and Organizations APIs, revocation, and the admin API's service routes."""

from __future__ import annotations

import json
from types import SimpleNamespace
from typing import Any

import httpx

from sharekeeper.auth import signing
from sharekeeper.services import service_principals
from sharekeeper.testing import Account
from tests import figures
from tests.api.decision_support import (
    ACCESSIBLE,
    AUTHORIZE,
    TOKEN,
    call,
    decision,
    make_service,
    share_accepted,
)
from tests.clients.golang import GoClient
from tests.support import LiveServer, SignedHttp


def test_a_service_asks_only_within_its_namespaces(decider: LiveServer, wire: SignedHttp) -> None:
    dns = make_service(decider, "dns")
    both = make_service(decider, "dns", "vpc")
    owner, receiver = decider.account("owner"), decider.account("receiver")
    urn = owner.urn("subnet-ns")
    share_accepted(owner, receiver, urn)
    body = {"principal": receiver.account_id, "action": "vpc:subnets:get", "resource": urn}
    refused = call(wire, dns, AUTHORIZE, body)
    assert refused.status_code == 403
    assert refused.json()["error_code"] == "RAM.9503"
    action_outside = call(wire, dns, AUTHORIZE, {**body, "resource": owner.urn("z", "dns:zone")})
    assert action_outside.status_code == 403
    assert decision(wire, both, receiver, "vpc:subnets:get", urn) == "allow"
    listing = call(
        wire, dns, ACCESSIBLE, {"principal": receiver.account_id, "resource_type": "vpc:subnet"}
    )
    assert listing.status_code == 403


def test_account_keys_are_refused_and_service_keys_cannot_call_ram(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    account = decider.account("caller")
    body = {
        "principal": account.account_id,
        "action": "vpc:subnets:get",
        "resource": account.urn("x"),
    }
    for path in (AUTHORIZE, ACCESSIBLE):
        refused = wire.request(account, "POST", path, body)
        assert refused.status_code == 403, refused.text
        assert refused.json()["error_code"] == "RAM.9501"
    ram = call(wire, vpc, "/v1/resource-shares/search", {"resource_owner": "self"})
    assert ram.status_code == 403
    assert ram.json()["error_code"] == "RAM.9502"
    organizations = wire.request(vpc, "GET", "/v1/organizations", omit=("X-Domain-Id",))
    assert organizations.status_code == 403
    # A wrong secret is a 401 whichever key it names: nothing is told before the signature.
    forged = Account(vpc.account_id, vpc.access_key, "x" * 40, vpc.endpoint)
    assert call(wire, forged, "/v1/resource-shares/search", {}).status_code == 401
    assert call(wire, forged, AUTHORIZE, body).status_code == 401


def test_every_signing_algorithm_and_go_style_unsigned_host(
    decider: LiveServer, wire: SignedHttp, vpc: Account
) -> None:
    from huaweicloudsdkcore.signer.signer import P256SHA256Signer, SM2SM3Signer

    owner, receiver = decider.account("owner"), decider.account("receiver")
    urn = owner.urn("subnet-signers")
    share_accepted(owner, receiver, urn)
    body = json.dumps(
        {"principal": receiver.account_id, "action": "vpc:subnets:get", "resource": urn}
    ).encode()
    headers = {"Content-Type": "application/json", "Host": wire.host}
    for algorithm, signer in (
        (signing.HMAC_SHA256, None),
        (signing.HMAC_SM3, None),
        (signing.ECDSA_P256_SHA256, P256SHA256Signer),
        (signing.SM2_SM3, SM2SM3Signer),
    ):
        sent = {**headers, "X-Sdk-Date": signing.format_sdk_date(signing_now())}
        values = {k.lower(): v for k, v in sent.items()}
        names = tuple(sorted(values))
        canonical = signing.canonical_request(
            "POST", AUTHORIZE, "", names, values, algorithm.payload_hash(body)
        )
        to_sign = signing.string_to_sign(values["x-sdk-date"], canonical, algorithm)
        if signer is None:
            signature = signing.signature(vpc.secret_key, to_sign, algorithm)
        else:
            keys = SimpleNamespace(ak=vpc.access_key, sk=vpc.secret_key)
            signature = signer(keys)._sign_string_to_sign(to_sign)
        auth = signing.Authorization(vpc.access_key, names, signature, algorithm).header()
        response = wire.client.post(
            AUTHORIZE, content=body, headers={**sent, "Authorization": auth}
        )
        assert response.status_code == 200, (algorithm.name, response.text)
        assert response.json()["decision"] == "allow"
    go = GoClient(decider.endpoint, vpc.access_key, vpc.secret_key)
    try:
        answer = go.call("POST", AUTHORIZE, json.loads(body))
    finally:
        go.close()
    assert answer["decision"] == "allow"
    assert (
        "host" not in go.sent[0].headers["Authorization"].split("SignedHeaders=")[1].split(",")[0]
    )


def signing_now() -> Any:
    from datetime import UTC, datetime

    return datetime.now(UTC)


def test_a_revoked_service_key_is_refused_at_once(decider: LiveServer, wire: SignedHttp) -> None:
    service = make_service(decider, "vpc")
    someone = decider.account("someone")
    body = {
        "principal": someone.account_id,
        "action": "vpc:subnets:get",
        "resource": someone.urn("a"),
    }
    assert call(wire, service, AUTHORIZE, body).status_code == 200
    service_principals.revoke_service(decider.runtime.context, service.account_id)
    refused = call(wire, service, AUTHORIZE, body)
    assert refused.status_code == 401
    assert "revoked" in refused.json()["error_msg"]


def test_the_admin_api_creates_lists_and_revokes_services(
    decider: LiveServer, wire: SignedHttp
) -> None:
    admin = httpx.Client(base_url=decider.endpoint, headers={"Authorization": f"Bearer {TOKEN}"})
    try:
        made = admin.post("/admin/v1/services", json={"name": "kms-svc", "namespaces": ["kms"]})
        assert made.status_code == 201, made.text
        created = made.json()
        figures.issued(created["secret_key"])
        assert set(created) == {"service_id", "access_key", "secret_key"}
        service = Account(
            created["service_id"], created["access_key"], created["secret_key"], decider.endpoint
        )
        someone = decider.account("someone")
        body = {
            "principal": someone.account_id,
            "action": "kms:cmk:get",
            "resource": someone.urn("k", "kms:KeyId"),
        }
        assert call(wire, service, AUTHORIZE, body).json()["decision"] == "deny"
        listed = admin.get("/admin/v1/services", params={"limit": 2000}).json()
        (mine,) = [s for s in listed["services"] if s["service_id"] == service.account_id]
        assert mine["namespaces"] == ["kms"] and mine["revoked_at"] is None
        assert "secret_key" not in mine
        bad = admin.post("/admin/v1/services", json={"name": "x", "namespaces": ["KMS!"]})
        assert bad.status_code == 400
        assert admin.delete(f"/admin/v1/services/{service.account_id}").status_code == 204
        assert admin.delete("/admin/v1/services/svc-nothing").status_code == 404
        assert call(wire, service, AUTHORIZE, body).status_code == 401
    finally:
        admin.close()
