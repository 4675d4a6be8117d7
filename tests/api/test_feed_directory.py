"""The change feed's directory events as Huawei's Organizations API makes them, through the
official SDK: an organization founded, an OU made and deleted, an account invited (it joins
on accepting), created, moved, leaving, closed, organization sharing switched as a trusted
service, and the organization deleted. Tags on a share update it."""

from __future__ import annotations

from huaweicloudsdkorganizations.v1 import (
    CloseAccountRequest,
    CreateAccountReqBody,
    CreateAccountRequest,
    CreateOrganizationRequest,
    DeleteOrganizationalUnitRequest,
    DeleteOrganizationRequest,
    LeaveOrganizationRequest,
    ListRootsRequest,
)

from tests.api.feed_support import kinds, read_all, tail
from tests.sdk.helpers import create_share
from tests.sdk.test_organization_members import accept, invite, move
from tests.sdk.test_organizations_api import create_ou, trust
from tests.sdk.test_permissions_and_tags import tag, untag
from tests.support import LiveServer

RAM = "service.RAM"


def test_the_organizations_api_writes_the_directory_events(decider: LiveServer) -> None:
    manager, joiner = decider.account("manager"), decider.account("joiner")
    before = tail(decider)
    api = manager.organizations
    organization = api.create_organization(CreateOrganizationRequest()).organization
    (root,) = api.list_roots(ListRootsRequest()).roots
    unit = create_ou(manager, root.id, "apps")
    accept(joiner, invite(manager, joiner).id)
    made = api.create_account(CreateAccountRequest(body=CreateAccountReqBody(name="farm")))
    created_id = made.create_account_status.account_id
    move(manager, joiner, root.id, unit.id)
    trust(manager, RAM)
    trust(manager, RAM, enabled=False)
    joiner.organizations.leave_organization(LeaveOrganizationRequest())
    api.close_account(CloseAccountRequest(account_id=created_id))
    api.delete_organizational_unit(DeleteOrganizationalUnitRequest(organizational_unit_id=unit.id))
    api.delete_organization(DeleteOrganizationRequest())
    events, _ = read_all(decider, before)
    o = organization.id
    assert kinds(events) == [
        ("organizations.unit.created", o),
        ("organizations.account.joined", o),
        ("organizations.unit.created", o),
        ("organizations.account.joined", o),
        ("organizations.account.joined", o),
        ("organizations.account.moved", o),
        ("ram.organization_sharing.enabled", o),
        ("ram.organization_sharing.disabled", o),
        ("organizations.account.left", o),
        ("organizations.account.left", o),
        ("organizations.unit.deleted", o),
        ("organizations.account.left", o),
        ("organizations.unit.deleted", o),
    ]
    assert [e["data"].get("id") for e in events] == [
        root.id,
        manager.account_id,
        unit.id,
        joiner.account_id,
        created_id,
        joiner.account_id,
        None,  # organization sharing: {"organization_id", "enabled"}
        None,
        joiner.account_id,
        created_id,
        unit.id,
        manager.account_id,
        root.id,
    ]
    assert events[2]["data"]["urn"] == unit.urn
    assert events[3]["data"]["join_method"] == "invited"
    assert events[4]["data"]["join_method"] == "created"
    assert events[5]["data"]["parent_id"] == unit.id
    assert events[6]["data"] == {"organization_id": o, "enabled": True}


def test_tagging_a_share_updates_it(decider: LiveServer) -> None:
    owner = decider.account("owner")
    share = create_share(owner, "tagged")
    before = tail(decider)
    tag(owner, share.id, team="blue")
    untag(owner, share.id, ("team", None))
    events, _ = read_all(decider, before)
    assert kinds(events) == [("ram.resource_share.updated", share.id)] * 2
    assert events[0]["data"]["tags"] == [{"key": "team", "value": "blue"}]
    assert events[1]["data"]["tags"] == []
