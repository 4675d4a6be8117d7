"""terraform-provider-huaweicloud's RAM resources and data sources against ShareKeeper, as the
provider sends them (Go-style signing, its call order, its read-backs), scenario by scenario
of its acceptance tests (real-clients.md section 1.6)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from tests.clients.golang import GoClient, GoError
from tests.clients.terraform import Provider, ShareConfig
from tests.support import Account, LiveServer

REGION = "cn-north-4"
SUBNET_DEFAULT = "0bab42d4-5008-52be-83fa-7b947b8a5c95"
SUBNET_READONLY = "6b640602-9e2c-5ef5-86d3-68febb8f125d"


def provider(account: Account) -> Provider:
    return Provider(account.endpoint, account.access_key, account.secret_key, REGION)


@pytest.fixture
def alice(owner: Account) -> Iterator[Provider]:
    made = provider(owner)
    yield made
    made.close()


@pytest.fixture
def bob(receiver: Account) -> Iterator[Provider]:
    made = provider(receiver)
    yield made
    made.close()


def expected_state(config: ShareConfig) -> dict[str, Any]:
    """The part of the state a plan compares with the configuration."""
    return {
        "name": config.name,
        "description": config.description,
        "principals": sorted(config.principals),
        "resource_urns": sorted(config.resource_urns),
        "tags": config.tags,
        "allow_external_principals": config.allow_external_principals,
    }


def planned(state: dict[str, Any] | None) -> dict[str, Any]:
    assert state is not None
    return {k: state[k] for k in expected_state(ShareConfig("x", [], []))}


def pending_invitation(bob: Provider, share_id: str) -> str:
    # data "huaweicloud_ram_resource_share_invitations" { resource_share_ids, status = "pending" }
    reply = bob.ram.call(
        "POST",
        "/v1/resource-share-invitations/search",
        {"resource_share_ids": [share_id], "status": "pending", "limit": 200},
    )
    (invitation,) = reply["resource_share_invitations"]
    found: str = invitation["resource_share_invitation_id"]
    return found


def test_the_provider_starts_without_project_or_domain_id(alice: Provider, owner: Account) -> None:
    assert alice.domain_id == owner.account_id
    assert len(alice.project_id) == 32
    # The same project every time: plans do not drift across runs or hosts.
    again = provider(owner)
    assert again.project_id == alice.project_id
    again.close()
    assert all("X-Project-Id" not in r.headers for r in alice.ram.sent)
    alice.ram.call("GET", "/v1/resource-shares/quotas")
    (sent,) = alice.ram.sent
    assert sent.headers["X-Project-Id"] == alice.project_id
    assert "x-project-id" not in sent.headers["Authorization"]
    assert "host" not in sent.headers["Authorization"]


def test_share_create_read_update_import_destroy(
    alice: Provider, bob: Provider, owner: Account, receiver: Account, outsider: Account
) -> None:
    """TestAccRAMShare_basic: create, plan empty, update (PUT, tags, principals), update the
    resource, import, destroy."""
    config = ShareConfig(
        name="tf_share",
        description="test description information",
        principals=[receiver.account_id],
        resource_urns=[owner.urn("tf-subnet-1")],
        tags={"foo": "bar"},
    )
    share_id = alice.create_share(config)
    state = alice.read_share(share_id)
    assert planned(state) == expected_state(config)  # the invited principal reads as live
    assert state is not None
    assert [p["permission_id"] for p in state["associated_permissions"]] == [SUBNET_DEFAULT]
    assert state["owning_account_id"] == owner.account_id
    assert state["status"] and state["created_at"] and state["updated_at"]

    renamed = ShareConfig(
        name="tf_share_update",
        description="test description information update",
        principals=[outsider.account_id],
        resource_urns=config.resource_urns,
        tags={"foo_update": "bar_update"},
    )
    alice.update_share(share_id, config, renamed)
    assert planned(alice.read_share(share_id)) == expected_state(renamed)
    moved = ShareConfig(**{**renamed.__dict__, "resource_urns": [owner.urn("tf-subnet-2")]})
    alice.update_share(share_id, renamed, moved)
    assert planned(alice.read_share(share_id)) == expected_state(moved)
    # terraform import: a Read by id alone gives the same state.
    importer = provider(owner)
    assert planned(importer.read_share(share_id)) == expected_state(moved)
    importer.close()
    # The receiver that was dropped has no pending invitation left.
    reply = bob.ram.call("POST", "/v1/resource-share-invitations/search", {"status": "pending"})
    assert share_id not in {i["resource_share_id"] for i in reply["resource_share_invitations"]}

    alice.delete_share(share_id, moved)
    assert alice.read_share(share_id) is None  # CheckDestroy
    with pytest.raises(GoError) as caught:  # a second delete is an error to the provider
        alice.delete_share(share_id, moved)
    assert caught.value.status in (400, 404)


def test_a_cleared_description_and_the_go_sdks_body(alice: Provider, owner: Account) -> None:
    share_id = alice.create_share(
        ShareConfig("described", [], [owner.urn("d-1")], description="to be cleared")
    )
    alice.ram.call(
        "PUT", f"/v1/resource-shares/{share_id}", {"name": "described", "description": ""}
    )
    state = alice.read_share(share_id)
    assert state is not None and state["description"] == ""
    # The Go SDK v3: identity headers signed, Content-Type not, JSON ending in a newline.
    v3 = GoClient(
        owner.endpoint,
        owner.access_key,
        owner.secret_key,
        domain_id=owner.account_id,
        go_sdk_v3=True,
    )
    v3.call("PUT", f"/v1/resource-shares/{share_id}", {"name": "v3", "description": "from the Go"})
    assert v3.sent[0].content.endswith(b"}\n")
    assert "content-type" not in v3.sent[0].headers["Authorization"]
    state = alice.read_share(share_id)
    assert state is not None and state["description"] == "from the Go"
    # Its query: an empty value goes out as a bare key (refused as an empty marker, naming it),
    # a space as %20.
    with pytest.raises(GoError) as caught:
        v3.call(
            "GET", f"/v1/resource-shares/{share_id}/associated-permissions", query="marker=&limit=5"
        )
    assert v3.sent[-1].url.query == b"limit=5&marker"
    assert caught.value.code == "RAM.9100" and "marker" in caught.value.body
    named = v3.call(
        "GET",
        f"/v1/resource-shares/{share_id}/associated-permissions",
        query="permission_name=no such",
    )
    assert b"permission_name=no%20such" in v3.sent[-1].url.query
    assert named["associated_permissions"] == []
    v3.close()


def test_the_accepter_accepts_and_rejects(
    alice: Provider, bob: Provider, owner: Account, receiver: Account
) -> None:
    accepted = alice.create_share(
        ShareConfig("to-accept", [receiver.account_id], [owner.urn("acc-1")])
    )
    rejected = alice.create_share(
        ShareConfig("to-reject", [receiver.account_id], [owner.urn("rej-1")])
    )
    for share_id, action in ((accepted, "accept"), (rejected, "reject")):
        invitation = pending_invitation(bob, share_id)
        assert bob.answer_invitation(invitation, action) == invitation
    assert alice.read_share(accepted) is not None
    associations = alice.ram.call(
        "POST",
        "/v1/resource-share-associations/search",
        {"association_type": "principal", "resource_share_ids": [accepted, rejected]},
    )["resource_share_associations"]
    statuses = {a["resource_share_id"]: a["status"] for a in associations}
    assert statuses[accepted] == "associated"
    assert statuses.get(rejected) not in ("associating", "associated")
    # The accepted share is Bob's to use.
    shared = bob.ram.call(
        "POST", "/v1/resource-shares/search", {"resource_owner": "other-accounts"}
    )["resource_shares"]
    assert accepted in {s["id"] for s in shared}


def test_the_organization_switch(server: LiveServer, owner: Account) -> None:
    """TestAccRAMOrganization_basic, as the organization's management account."""
    server.organization(owner)
    management = provider(owner)
    management.set_organization_sharing(True)
    assert management.read_organization_sharing() is True
    management.set_organization_sharing(False)
    assert management.read_organization_sharing() is False
    management.close()


def test_a_share_permission_is_created_and_destroyed_on_a_share_with_resources(
    alice: Provider, owner: Account, receiver: Account
) -> None:
    """TestAccResourceSharePermission_basic, then terraform destroy (which must succeed)."""
    share_id = alice.create_share(
        ShareConfig("with-permission", [receiver.account_id], [owner.urn("perm-1")])
    )
    resource_id = alice.create_share_permission(share_id, SUBNET_READONLY, replace=True)
    state = alice.read_share_permission(resource_id)
    assert state is not None
    assert state["resource_type"] == "vpc:subnet" and state["status"] == "associated"
    assert state["created_at"] and state["updated_at"] and state["permission_name"]
    assert alice.read_share_permission(f"{share_id}/{SUBNET_READONLY}") == state  # import
    alice.delete_share_permission(resource_id)
    assert alice.read_share_permission(resource_id) is None  # CheckDestroy
    # The subnet type falls back to its default permission: the share still works.
    assert alice.read_share_permission(f"{share_id}/{SUBNET_DEFAULT}") is not None


def test_every_data_source_reads(
    alice: Provider, bob: Provider, owner: Account, receiver: Account
) -> None:
    urn = owner.urn("ds-subnet")
    share_id = alice.create_share(
        ShareConfig("ds_share", [receiver.account_id], [urn], tags={"foo": "ds-value"})
    )
    bob.answer_invitation(pending_invitation(bob, share_id), "accept")

    def rows(path: str, key: str, body: dict[str, Any] | None = None, query: str = "") -> list[Any]:
        method = "GET" if body is None else "POST"
        return list(alice.pages(method, path, key, body, query))

    # ram_resource_permissions: none, resource_type (both spellings), permission_type, name.
    everything = rows("/v1/permissions", "permissions", query="limit=2000")
    assert everything
    for spelling in ("vpc:subnet", "vpc:subnets"):
        typed = rows("/v1/permissions", "permissions", query=f"limit=2000&resource_type={spelling}")
        assert typed and {p["resource_type"] for p in typed} == {"vpc:subnet"}
    managed = rows("/v1/permissions", "permissions", query="limit=2000&permission_type=RAM_MANAGED")
    assert [p for p in managed if p["name"] == everything[0]["name"]]
    # ram_resource_permission and ram_permission_versions.
    first = alice.ram.call("GET", f"/v1/permissions/{SUBNET_DEFAULT}")["permission"]
    assert first["content"]
    version = alice.ram.call(
        "GET", f"/v1/permissions/{SUBNET_DEFAULT}", query=f"permission_version={first['version']}"
    )["permission"]
    assert version["version"] == first["version"]
    assert rows(f"/v1/permissions/{SUBNET_DEFAULT}/versions", "permissions", query="limit=2000")
    # ram_resource_share_invitations: no filter, then each filter.
    invitations = "/v1/resource-share-invitations/search"
    assert rows(invitations, "resource_share_invitations", {"limit": 200})
    by_share = rows(invitations, "resource_share_invitations", {"resource_share_ids": [share_id]})
    (invitation,) = by_share
    assert rows(
        invitations,
        "resource_share_invitations",
        {"resource_share_invitation_ids": [invitation["resource_share_invitation_id"]]},
    )
    assert rows(invitations, "resource_share_invitations", {"status": "accepted", "limit": 200})
    # ram_shared_resources (resource_owner=self) with each filter.
    shared = "/v1/shared-resources/search"
    extra: dict[str, Any]
    for extra in (
        {"principal": receiver.account_id},
        {"resource_urns": [urn]},
        {"resource_share_ids": [share_id]},
        {"resource_region": REGION},
        {"resource_type": "vpc:subnet"},
        {"resource_type": "vpc:subnets"},
    ):
        found = rows(shared, "shared_resources", {"resource_owner": "self", "limit": 20, **extra})
        assert urn in {r["resource_urn"] for r in found}, extra
    # ram_shared_principals.
    principals = "/v1/shared-principals/search"
    for extra in (
        {"principals": [receiver.account_id]},
        {"resource_urn": urn},
        {"resource_share_ids": [share_id]},
    ):
        found = rows(
            principals, "shared_principals", {"resource_owner": "self", "limit": 20, **extra}
        )
        assert receiver.account_id in {p["id"] for p in found}, extra
    # ram_distinct_shared_resources and _principals.
    distinct = rows(
        "/v1/shared-resources/search-distinct-resource",
        "distinct_shared_resources",
        {"resource_owner": "self", "limit": 2000, "resource_urns": [urn]},
    )
    assert [d["resource_urn"] for d in distinct] == [urn]
    received = list(
        bob.pages(
            "POST",
            "/v1/shared-principals/search-distinct-principal",
            "distinct_shared_principals",
            {"resource_owner": "other-accounts", "limit": 2000},
        )
    )
    assert received
    # ram_resource_share_associations: no limit, each filter.
    associations = "/v1/resource-share-associations/search"
    for extra in (
        {"association_type": "principal"},
        {"association_type": "resource"},
        {"association_type": "principal", "principal": receiver.account_id},
        {"association_type": "resource", "resource_share_ids": [share_id]},
        {"association_type": "resource", "resource_urn": urn},
        {"association_type": "principal", "association_status": "associated"},
    ):
        found = rows(associations, "resource_share_associations", extra)
        assert share_id in {a["resource_share_id"] for a in found}, extra
    # ram_resource_share_associated_permissions, by name.
    bound = rows(f"/v1/resource-shares/{share_id}/associated-permissions", "associated_permissions")
    named = rows(
        f"/v1/resource-shares/{share_id}/associated-permissions",
        "associated_permissions",
        query=f"permission_name={bound[0]['permission_name']}",
    )
    assert named == bound
    # ram_resource_shares with each filter.
    for extra in (
        {"name": "ds_share"},
        {"permission_id": bound[0]["permission_id"]},
        {"resource_share_ids": [share_id]},
        {"resource_share_status": "active"},
        {"tag_filters": [{"key": "foo", "values": ["ds-value"]}]},
    ):
        found = rows(
            "/v1/resource-shares/search", "resource_shares", {"resource_owner": "self", **extra}
        )
        assert share_id in {s["id"] for s in found}, extra
    # ram_resource_types, ram_tags, ram_quotas: existence.
    types = rows("/v1/resource-types", "resource_types", query="limit=2000")
    assert {"region_id", "resource_type"} <= set(types[0])
    assert "foo" in {t["key"] for t in rows("/v1/resource-shares/tags", "tags", query="limit=2000")}
    quotas = alice.ram.call("GET", "/v1/resource-shares/quotas")["quotas"]["resources"]
    assert {"type", "quota", "min", "max", "used"} <= set(quotas[0])
    # ram_resource_instances_filter (offset paging until empty) and _count: three steps each.
    for step in (
        {"without_any_tag": True},
        {"without_any_tag": False, "tags": [{"key": "test", "values": ["value"]}]},
        {"without_any_tag": False, "matches": [{"key": "test", "value": "value"}]},
        {"without_any_tag": False, "tags": [{"key": "foo", "values": ["ds-value"]}]},
    ):
        offset, found = 0, []
        while True:
            reply = alice.ram.call(
                "POST",
                "/v1/resource-shares/resource-instances/filter",
                step,
                query=f"limit=1000&offset={offset}",
            )
            assert isinstance(reply["total_count"], int)
            if not reply["resources"]:
                break
            found += reply["resources"]
            offset += len(reply["resources"])
        count = alice.ram.call("POST", "/v1/resource-shares/resource-instances/count", step)
        assert count["total_count"] == reply["total_count"] == len(found), step
        if "foo" in str(step):
            assert [r["resource_id"] for r in found] == [share_id]
            assert found[0]["resource_name"] == "ds_share"
            assert {"key": "foo", "value": "ds-value"} in found[0]["tags"]


def test_iam_paths_it_does_not_serve_are_huawei_shaped_404s(alice: Provider) -> None:
    for path in ("/v3/users", "/v3.0/OS-CREDENTIAL/securitytokens", "/v5/agencies/assume"):
        response = alice.ram.send("GET", path)
        assert response.status_code == 404, path
        body = response.json()
        assert body["error_code"] == "APIGW.0101" and body["error_msg"]
        assert body["request_id"] == response.headers["X-Request-Id"]
