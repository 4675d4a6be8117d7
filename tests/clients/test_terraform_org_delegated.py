"""terraform-provider-huaweicloud's delegated administrator resource (R9), its delegated
services data source (D17), and the organization data source (D1) read with a delegated
administrator's key, replayed through the Go-style client (tests/clients/terraform.py). Each
apply ends in the read a later plan makes, which must find what the configuration says."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.clients.golang import GoError
from tests.clients.terraform import (
    DelegatedAdministrator,
    delegated_services,
    organization_data_source,
)
from tests.clients.test_terraform_organizations import Organizations
from tests.support import Account

SERVICE = "service.CTS"


@pytest.fixture
def manager(owner: Account) -> Iterator[Organizations]:
    made = Organizations(owner)
    yield made
    made.go.close()


def member_by_name(manager: Organizations, receiver: Account) -> str:
    """The acceptance test's member: invited and accepted (R5, R6), then found by name in
    ``data "huaweicloud_organizations_accounts"``."""
    body = {"target": {"type": "account", "entity": receiver.account_id}, "notes": ""}
    handshake = manager.go.call("POST", "/v1/organizations/accounts/invite", body)["handshake"]
    invitee = Organizations(receiver)
    invitee.go.call("POST", f"/v1/received-handshakes/{handshake['id']}/accept")
    invitee.go.close()
    accounts = manager.paged("/v1/organizations/accounts", "accounts", "", 200)
    (found,) = [a["id"] for a in accounts if a["name"] == "receiver"]
    return str(found)


def test_delegated_administrator_and_delegated_services_plan_clean(
    manager: Organizations, receiver: Account
) -> None:
    manager.go.call("POST", "/v1/organizations", json_type=True)
    account_id = member_by_name(manager, receiver)
    # resource "huaweicloud_organizations_trusted_service" first: the service must be trusted.
    trusted = {"service_principal": SERVICE}
    manager.go.call("POST", "/v1/organizations/trusted-services/enable", trusted)
    resource = DelegatedAdministrator(manager.go)
    config = {"account_id": account_id, "service_principal": SERVICE}

    # apply: register (201, no body), then Read; the ID is account/service.
    sent = manager.go.send("POST", "/v1/organizations/delegated-administrators/register", config)
    assert (sent.status_code, sent.content) == (201, b"")
    resource_id = f"{account_id}/{SERVICE}"
    assert resource.read(resource_id) == config
    # plan: the refresh reads the same, so no change.
    assert resource.read(resource_id) == config

    # data "huaweicloud_organizations_delegated_services", by the manager and by the member.
    (service,) = delegated_services(manager.go, account_id)
    assert service["service_principal"] == SERVICE
    assert service["delegation_enabled_at"].endswith("Z")
    delegate = Organizations(receiver)
    assert delegated_services(delegate.go, account_id) == [service]

    # destroy: deregister (200, no body); the resource is gone; a second destroy is "gone"
    # (400 Organizations.1500), and so is an import of an id that never was.
    resource.delete(resource_id)
    assert resource.read(resource_id) is None
    with pytest.raises(GoError) as twice:
        manager.go.call("POST", "/v1/organizations/delegated-administrators/deregister", config)
    assert (twice.value.status, twice.value.code) == (400, "Organizations.1500")
    resource.delete(resource_id)
    assert resource.read(f"{account_id}/service.RAM") is None
    assert delegated_services(manager.go, account_id) == []

    # Re-created by a later apply, then the trusted service destroyed out of band: the next
    # refresh finds the delegated administrator gone (a plan proposes to create it again).
    assert resource.create(account_id, SERVICE) == resource_id
    manager.go.call("POST", "/v1/organizations/trusted-services/disable", trusted)
    assert resource.read(resource_id) is None
    delegate.go.close()


def test_the_organization_data_source_with_a_delegated_administrators_key(
    manager: Organizations, receiver: Account
) -> None:
    manager.go.call("POST", "/v1/organizations", json_type=True)
    account_id = member_by_name(manager, receiver)
    delegate = Organizations(receiver)
    # A plain member cannot read the roots, on Huawei as here (its 1002): the data source fails.
    with pytest.raises(GoError) as refused:
        organization_data_source(delegate.go)
    assert (refused.value.status, refused.value.code) == (401, "Organizations.1002")

    manager.go.call(
        "POST", "/v1/organizations/trusted-services/enable", {"service_principal": SERVICE}
    )
    DelegatedAdministrator(manager.go).create(account_id, SERVICE)
    seen = organization_data_source(delegate.go)
    expected = organization_data_source(manager.go)
    assert seen == expected, (seen, expected)
    assert seen["master_account_name"] == "owner" and seen["root_id"].startswith("r-")
    # Read again: the same, so a plan of a configuration using it shows no change.
    assert organization_data_source(delegate.go) == seen
    delegate.go.close()
