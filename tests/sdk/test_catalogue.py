"""The permission catalogue and resource types through the SDK."""

from __future__ import annotations

from huaweicloudsdkram.v1 import (
    ListPermissionsRequest,
    ListPermissionVersionsRequest,
    ListResourceSharePermissionsRequest,
    ListResourceTypesRequest,
    ShowPermissionRequest,
)

from tests.support import Account

SUBNET_DEFAULT = "0bab42d4-5008-52be-83fa-7b947b8a5c95"


def test_every_shareable_type_has_a_default_permission(owner: Account) -> None:
    permissions = owner.ram.list_permissions(ListPermissionsRequest()).permissions
    defaults = {p.resource_type for p in permissions if p.is_resource_type_default}
    documented = {"vpc:subnet", "dns:zone", "dns:resolverRule", "scm:cert", "kms:KeyId", "pca:ca"}
    assert documented <= defaults
    types = owner.ram.list_resource_types(ListResourceTypesRequest()).resource_types
    assert {t.resource_type for t in types} == defaults
    assert all(t.region_id for t in types)


def test_filters_and_versions(owner: Account) -> None:
    subnet = owner.ram.list_permissions(ListPermissionsRequest(resource_type="vpc:subnet"))
    assert {p.resource_type for p in subnet.permissions} == {"vpc:subnet"}
    assert len(subnet.permissions) == 2
    customer = owner.ram.list_permissions(
        ListPermissionsRequest(permission_type="CUSTOMER_MANAGED")
    )
    assert customer.permissions == []

    current = owner.ram.show_permission(
        ShowPermissionRequest(permission_id=SUBNET_DEFAULT)
    ).permission
    assert (current.version, current.default_version) == (2, True)
    assert '"Statement"' in current.content
    first = owner.ram.show_permission(
        ShowPermissionRequest(permission_id=SUBNET_DEFAULT, permission_version=1)
    ).permission
    assert (first.version, first.default_version) == (1, False)
    versions = owner.ram.list_permission_versions(
        ListPermissionVersionsRequest(permission_id=SUBNET_DEFAULT)
    ).permissions
    assert [(v.version, v.default_version) for v in versions] == [(1, False), (2, True)]


def test_catalogue_lists_page_with_markers(owner: Account) -> None:
    seen = []
    marker = None
    while True:
        page = owner.ram.list_resource_types(ListResourceTypesRequest(limit=7, marker=marker))
        seen += [(t.region_id, t.resource_type) for t in page.resource_types]
        marker = page.page_info.next_marker
        if marker is None:
            break
        assert marker.isdigit()
    everything = owner.ram.list_resource_types(ListResourceTypesRequest()).resource_types
    assert seen == [(t.region_id, t.resource_type) for t in everything]
    assert len(seen) > 7


def test_the_types_huawei_documents_are_shareable_with_their_defaults(
    owner: Account, receiver: Account
) -> None:
    from tests.sdk.helpers import create_share

    kms, ca = owner.urn("key-1", "kms:KeyId"), owner.urn("ca-1", "pca:ca")
    share = create_share(owner, "keys", principals=[receiver.account_id], resource_urns=[kms, ca])
    bound = owner.ram.list_resource_share_permissions(
        ListResourceSharePermissionsRequest(resource_share_id=share.id)
    ).associated_permissions
    assert {(p.resource_type, p.permission_name) for p in bound} == {
        ("kms:KeyId", "default-kms-KeyId"),
        ("pca:ca", "default-pca-ca"),
    }
    (key_default,) = owner.ram.list_permissions(
        ListPermissionsRequest(resource_type="kms:KeyId")
    ).permissions
    content = owner.ram.show_permission(
        ShowPermissionRequest(permission_id=key_default.id)
    ).permission.content
    # DEW's documented operations for a key shared with you, and nothing that manages it.
    assert '"kms:cmk:decryptDataKey"' in content and '"kms:cmk:getRotation"' in content
    assert "kms:cmk:delete" not in content and "kms:cmk:update" not in content


def test_vpc_subnets_is_the_subnet_type_in_filters_and_urns(owner: Account) -> None:
    from huaweicloudsdkram.v1 import SearchSharedResourcesReqBody, SearchSharedResourcesRequest

    from tests.sdk.helpers import create_share

    alias = owner.ram.list_permissions(ListPermissionsRequest(resource_type="vpc:subnets"))
    assert {p.id for p in alias.permissions} >= {SUBNET_DEFAULT}
    urn = f"vpc:cn-north-4:{owner.account_id}:subnets:plural-1"
    share = create_share(owner, "plural", resource_urns=[urn])
    (found,) = owner.ram.search_shared_resources(
        SearchSharedResourcesRequest(
            body=SearchSharedResourcesReqBody(
                resource_owner="self", resource_type="vpc:subnets", resource_share_ids=[share.id]
            )
        )
    ).shared_resources
    assert (found.resource_urn, found.resource_type) == (urn, "vpc:subnet")
