"""The call sequences of terraform-provider-huaweicloud's Organizations resources
(huaweicloud/services/organizations/*.go), through the Go-style client, with the provider's own
rules for what counts as "gone". This file replays R1 and R2 without tags, D2, R5 and R6
(invite, accept, leave, cancel), R8, R3 without tags or contact details, D3, and R4's destroy.
The rest, each ending in the read that would plan no change (docs/api.md, "Terraform's
Organizations resources", has the table of R1-R14 and D1-D19):
- test_terraform_org_tags.py: R1 with root_tags, R2 and R3 with tags, D1, D8-D12, D16;
- test_terraform_org_invitations.py: R4, R5's destroy paths, R7, D7, D12 as the provider's
  acceptance test filters, D13, D14, D15;
- test_terraform_org_delegated.py: R9, D17, D1 with a delegated administrator's key;
- test_terraform_org_policies.py: R1's enabled_policy_types, R10-R14, D4-D6, D18, D19."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.golang import GoError
from tests.clients.terraform import ORGANIZATION_GONE, OrgProvider, org_gone
from tests.support import Account, LiveServer

REGION = "cn-north-4"


class Organizations(OrgProvider):
    """The provider's organizations client for one test account."""

    def __init__(self, account: Account) -> None:
        super().__init__(account.endpoint, account.access_key, account.secret_key, REGION)


@pytest.fixture
def manager(owner: Account) -> Iterator[Organizations]:
    made = Organizations(owner)
    yield made
    made.go.close()


def test_organization_and_ou_resources(manager: Organizations, owner: Account) -> None:
    # huaweicloud_organizations_organization: create (no body, JSON content type), read.
    sent = manager.go.send("POST", "/v1/organizations", json_type=True)
    assert sent.status_code == 201, sent.text
    organization_id = sent.json()["organization"]["id"]
    organization = manager.go.call("GET", "/v1/organizations", json_type=True)["organization"]
    root = manager.root()
    assert (organization["id"], organization["management_account_id"]) == (
        organization_id,
        owner.account_id,
    )
    assert organization["urn"] and organization["created_at"].endswith("Z")
    assert root["urn"].endswith(f"{organization_id}/{root['id']}") and root["name"] == "Root"
    assert [p["type"] for p in root["policy_types"] if p["status"] == "enabled"] == []

    # huaweicloud_organizations_organizational_unit: tags go in the create body, null if none.
    ou = manager.go.call(
        "POST",
        "/v1/organizations/organizational-units",
        {"name": "engineering", "parent_id": root["id"], "tags": None},
    )["organizational_unit"]
    path = f"/v1/organizations/organizational-units/{ou['id']}"
    read = manager.go.call("GET", path)["organizational_unit"]
    assert (read["name"], read["urn"], read["created_at"]) == (
        "engineering",
        ou["urn"],
        ou["created_at"],
    )
    # Tags are read after every OU read: an untagged OU has none, so `tags` reads back empty
    # and a configuration without tags plans no change.
    tags = manager.go.call(
        "GET", f"/v1/organizations/organizations:ous/{ou['id']}/tags", query="limit=200"
    )
    assert tags["tags"] == []
    manager.go.call("PATCH", path, {"name": "platform"})
    assert manager.go.call("GET", path)["organizational_unit"]["name"] == "platform"

    # data source huaweicloud_organizations_organizational_units
    listed = manager.paged(
        "/v1/organizations/organizational-units",
        "organizational_units",
        f"&parent_id={root['id']}",
        200,
    )
    assert [u["id"] for u in listed] == [ou["id"]]

    # destroy: the OU, then the organization; a second destroy finds both gone.
    manager.go.call("DELETE", path)
    with pytest.raises(GoError) as missing:
        manager.go.call("GET", path)
    assert org_gone(missing.value)
    assert manager.go.send("DELETE", "/v1/organizations", json_type=True).status_code == 204
    with pytest.raises(GoError) as again:
        manager.go.call("DELETE", "/v1/organizations", json_type=True)
    assert (again.value.status, again.value.code) == (401, ORGANIZATION_GONE)
    assert org_gone(again.value)


def test_invite_accepter_and_trusted_service_resources(
    server: LiveServer, manager: Organizations, owner: Account, receiver: Account
) -> None:
    manager.go.call("POST", "/v1/organizations", json_type=True)
    # huaweicloud_organizations_account_invite: notes "" always sent.
    body = {"target": {"type": "account", "entity": receiver.account_id}, "notes": ""}
    handshake_id = manager.go.call("POST", "/v1/organizations/accounts/invite", body)["handshake"][
        "id"
    ]
    read = manager.go.call("GET", f"/v1/organizations/handshakes/{handshake_id}", json_type=True)[
        "handshake"
    ]
    assert (read["status"], read["target"]["entity"]) == ("pending", receiver.account_id)

    # huaweicloud_organizations_account_invite_accepter, with the invitee's key.
    invitee = Organizations(receiver)
    accepted = invitee.go.call("POST", f"/v1/received-handshakes/{handshake_id}/accept")
    assert accepted["handshake"]["id"] == handshake_id
    seen = invitee.go.call("GET", f"/v1/organizations/handshakes/{handshake_id}")["handshake"]
    assert (seen["status"], seen["organization_id"]) == ("accepted", read["organization_id"])
    # The invite's read of an accepted invitation also reads the account.
    account = manager.go.call(
        "GET", f"/v1/organizations/accounts/{receiver.account_id}", json_type=True
    )["account"]
    assert (account["join_method"], account["status"]) == ("invited", "active")

    # huaweicloud_organizations_trusted_service: enable, read through the paged list, disable.
    manager.go.call(
        "POST", "/v1/organizations/trusted-services/enable", {"service_principal": "service.RAM"}
    )
    services = manager.paged("/v1/organizations/trusted-services", "trusted_services", "", 100)
    (ram,) = [s for s in services if s["service_principal"] == "service.RAM"]
    assert ram["enabled_at"].endswith("Z")
    disable = {"service_principal": "service.RAM"}
    manager.go.call("POST", "/v1/organizations/trusted-services/disable", disable)
    with pytest.raises(GoError) as twice:
        manager.go.call("POST", "/v1/organizations/trusted-services/disable", disable)
    assert org_gone(twice.value, "Organizations.1900")

    # destroy the accepter with leave_organization_on_destroy: read, then leave.
    invitee.go.call("GET", f"/v1/organizations/handshakes/{handshake_id}")
    invitee.go.call("POST", "/v1/organizations/leave")
    with pytest.raises(GoError) as left:
        invitee.go.call("GET", "/v1/organizations", json_type=True)
    assert org_gone(left.value)

    # A pending invite destroyed is cancelled; cancelling it again is gone (1401).
    second = manager.go.call("POST", "/v1/organizations/accounts/invite", body)["handshake"]["id"]
    manager.go.call("POST", f"/v1/organizations/handshakes/{second}/cancel")
    with pytest.raises(GoError) as cancelled:
        manager.go.call("POST", f"/v1/organizations/handshakes/{second}/cancel")
    assert org_gone(cancelled.value, "Organizations.1401")
    invitee.go.close()


def test_account_and_account_associate_resources(manager: Organizations) -> None:
    manager.go.call("POST", "/v1/organizations", json_type=True)
    root_id = manager.root()["id"]
    ou_id = manager.go.call(
        "POST",
        "/v1/organizations/organizational-units",
        {"name": "accounts", "parent_id": root_id, "tags": None},
    )["organizational_unit"]["id"]

    # huaweicloud_organizations_account without email or phone: v2, then poll the status.
    created = manager.go.call(
        "POST", "/v2/organizations/accounts", {"name": "tf-member", "description": "made by tf"}
    )["create_account_status"]
    status = manager.go.call(
        "GET", f"/v1/organizations/create-account-status/{created['id']}", json_type=True
    )["create_account_status"]
    assert status["state"] == "succeeded"
    account_id = status["account_id"]
    if manager.parent_of(account_id) != ou_id:  # parent_id set in the configuration
        manager.move(account_id, manager.parent_of(account_id), ou_id)
    account = manager.go.call(
        "GET",
        f"/v1/organizations/accounts/{account_id}",
        query="with_register_contact_info=true",
        json_type=True,
    )["account"]
    assert (account["name"], account["status"], account["join_method"]) == (
        "tf-member",
        "active",
        "created",
    )
    assert account["description"] == "made by tf"
    assert manager.parent_of(account_id) == ou_id
    manager.go.call("PATCH", f"/v1/organizations/accounts/{account_id}", {"description": ""})
    read = manager.go.call("GET", f"/v1/organizations/accounts/{account_id}")["account"]
    assert read.get("description", "") == ""

    # data source huaweicloud_organizations_accounts
    listed = manager.paged(
        "/v1/organizations/accounts", "accounts", "&with_register_contact_info=false", 200
    )
    assert account_id in {a["id"] for a in listed}

    # huaweicloud_organizations_account_associate destroyed: back to the root.
    manager.move(account_id, ou_id, manager.root()["id"])
    assert manager.parent_of(account_id) == root_id

    # destroy the account: close it; it is gone for every later read.
    manager.go.call("POST", f"/v1/organizations/accounts/{account_id}/close")
    with pytest.raises(GoError) as closed:
        manager.go.call("GET", f"/v1/organizations/accounts/{account_id}", json_type=True)
    assert org_gone(closed.value)
    with pytest.raises(GoError) as twice:
        manager.go.call("POST", f"/v1/organizations/accounts/{account_id}/close")
    assert org_gone(twice.value, "Organizations.1325")
