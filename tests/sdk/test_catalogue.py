"""The permission catalogue and resource types through the SDK."""

from __future__ import annotations

from huaweicloudsdkram.v1 import (
    ListPermissionsRequest,
    ListPermissionVersionsRequest,
    ListResourceTypesRequest,
    ShowPermissionRequest,
)

from tests.support import Account

SUBNET_DEFAULT = "0bab42d4-5008-52be-83fa-7b947b8a5c95"


def test_every_shareable_type_has_a_default_permission(owner: Account) -> None:
    permissions = owner.ram.list_permissions(ListPermissionsRequest()).permissions
    defaults = {p.resource_type for p in permissions if p.is_resource_type_default}
    assert {"vpc:subnet", "dns:zone", "dns:resolverRule", "scm:cert"} <= defaults
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
