"""What the decision tests share: service principals made in process, and signed calls as a
service (the fixtures are in tests/api/conftest.py)."""

from __future__ import annotations

import uuid
from typing import Any

import httpx
from huaweicloudsdkram.v1 import EnableOrganizationShareRequest

from sharekeeper.services import service_principals
from sharekeeper.testing import Account
from tests import figures
from tests.sdk.helpers import accept, create_share, invitation_for
from tests.support import LiveServer, SignedHttp

AUTHORIZE = "/sharekeeper/v1/authorize"
ACCESSIBLE = "/sharekeeper/v1/accessible-resources"
TOKEN = "admin-" + uuid.uuid4().hex
# The catalogue's permissions for vpc:subnet (domain/catalogue.json).
DEFAULT_SUBNET = "0bab42d4-5008-52be-83fa-7b947b8a5c95"  # v2 allows vpc:ports:create too
READONLY_SUBNET = "6b640602-9e2c-5ef5-86d3-68febb8f125d"


def make_service(server: LiveServer, *namespaces: str) -> Account:
    made, secret = service_principals.create_service(
        server.runtime.context, "svc-" + namespaces[0], namespaces
    )
    figures.issued(secret)
    return Account(made.id, made.access_key, secret, server.endpoint)


def call(wire: SignedHttp, service: Account, path: str, body: Any) -> httpx.Response:
    return wire.request(service, "POST", path, body, omit=("X-Domain-Id",))


def ask(wire: SignedHttp, service: Account, principal: Account, action: str, urn: str) -> Any:
    body = {"principal": principal.account_id, "action": action, "resource": urn}
    response = call(wire, service, AUTHORIZE, body)
    assert response.status_code == 200, response.text
    return response.json()


def decision(wire: SignedHttp, service: Account, principal: Account, action: str, urn: str) -> str:
    found: str = ask(wire, service, principal, action, urn)["decision"]
    return found


def share_accepted(owner: Account, receiver: Account, *urns: str) -> Any:
    """A share of ``urns`` with ``receiver``, its invitation accepted."""
    share = create_share(
        owner,
        "s-" + uuid.uuid4().hex[:8],
        principals=[receiver.account_id],
        resource_urns=list(urns),
    )
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    return share


def sharing_organization(decider: LiveServer) -> tuple[Account, Any]:
    """A management account and its organization, sharing with it turned on."""
    management = decider.account("management")
    org = decider.organization(management)
    management.ram.enable_organization_share(EnableOrganizationShareRequest())
    return management, org
