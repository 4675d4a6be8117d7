"""Permissions bound to shares, and tags: writes, limits, key listing, tag queries."""

from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import (
    AssociatePermissionReqBody,
    AssociateResourceSharePermissionRequest,
    BatchCreateResourceShareTagsRequest,
    BatchDeleteResourceShareTagsRequest,
    DisassociatePermissionReqBody,
    DisassociateResourceSharePermissionRequest,
    ListResourceSharePermissionsRequest,
    ListResourceSharesByTagsRequest,
    ListResourceShareTagsRequest,
    Match,
    ResourceSharesByTagsReqBody,
    SearchResourceShareCountByTagsRequest,
    Tag,
    TagFilter,
    TagResourceReqBody,
    Untag,
    UntagResourceReqBody,
)

from tests.sdk.helpers import accept, create_share, disassociate, invitation_for, shares
from tests.support import Account

SUBNET_DEFAULT = "0bab42d4-5008-52be-83fa-7b947b8a5c95"
SUBNET_READONLY = "6b640602-9e2c-5ef5-86d3-68febb8f125d"
ZONE_DEFAULT = "1c5f8e10-27d3-50ca-8df0-f334b7dc3974"


def fails(call: Any, code: str, status: int = 400) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    assert (caught.value.status_code, caught.value.error_code) == (status, code), caught.value
    return caught.value


def bound(account: Account, share_id: str, **query: Any) -> list[tuple[str, str, str]]:
    reply = account.ram.list_resource_share_permissions(
        ListResourceSharePermissionsRequest(resource_share_id=share_id, **query)
    )
    return [
        (p.resource_type, p.permission_id, p.permission_name) for p in reply.associated_permissions
    ]


def bind(account: Account, share_id: str, permission_id: str, replace: bool | None = None) -> None:
    account.ram.associate_resource_share_permission(
        AssociateResourceSharePermissionRequest(
            resource_share_id=share_id,
            body=AssociatePermissionReqBody(permission_id=permission_id, replace=replace),
        )
    )


def unbind(account: Account, share_id: str, permission_id: str) -> None:
    account.ram.disassociate_resource_share_permission(
        DisassociateResourceSharePermissionRequest(
            resource_share_id=share_id,
            body=DisassociatePermissionReqBody(permission_id=permission_id),
        )
    )


def test_permission_rules(owner: Account, receiver: Account, outsider: Account) -> None:
    share = create_share(owner, principals=[receiver.account_id], resource_urns=[owner.urn("s-1")])
    assert bound(owner, share.id) == [("vpc:subnet", SUBNET_DEFAULT, "default-vpc-subnet")]
    # One permission per resource type: another one only with replace.
    fails(lambda: bind(owner, share.id, SUBNET_READONLY), "RAM.9105")
    bind(owner, share.id, SUBNET_READONLY, replace=True)
    assert bound(owner, share.id) == [("vpc:subnet", SUBNET_READONLY, "readonly-vpc-subnet")]
    bind(owner, share.id, SUBNET_READONLY)  # binding what is bound changes nothing
    # The type's resources are in the share: removing its permission falls back to the default;
    # removing the default leaves the type with none, and one can be bound again.
    unbind(owner, share.id, SUBNET_READONLY)
    assert bound(owner, share.id) == [("vpc:subnet", SUBNET_DEFAULT, "default-vpc-subnet")]
    unbind(owner, share.id, SUBNET_DEFAULT)
    assert bound(owner, share.id) == []
    bind(owner, share.id, SUBNET_READONLY)
    fails(lambda: unbind(owner, share.id, ZONE_DEFAULT), "RAM.9201")
    bind(owner, share.id, ZONE_DEFAULT)
    assert {p[0] for p in bound(owner, share.id)} == {"vpc:subnet", "dns:zone"}
    assert bound(owner, share.id, permission_name="default-dns-zone") == [
        ("dns:zone", ZONE_DEFAULT, "default-dns-zone")
    ]
    unbind(owner, share.id, ZONE_DEFAULT)
    disassociate(owner, share.id, resource_urns=[owner.urn("s-1")])
    unbind(owner, share.id, SUBNET_READONLY)
    assert bound(owner, share.id) == []
    fails(lambda: bind(owner, share.id, "no-such-permission"), "RAM.9103")

    # The receiver reads the permissions of a share it accepted; an outsider finds no share.
    bind(owner, share.id, SUBNET_DEFAULT)
    fails(lambda: bound(receiver, share.id), "RAM.9401", 404)
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    assert bound(receiver, share.id) == [("vpc:subnet", SUBNET_DEFAULT, "default-vpc-subnet")]
    fails(lambda: bound(outsider, share.id), "RAM.9401", 404)
    fails(lambda: bind(receiver, share.id, ZONE_DEFAULT), "RAM.9401", 404)


def tag(account: Account, share_id: str, **tags: str) -> None:
    account.ram.batch_create_resource_share_tags(
        BatchCreateResourceShareTagsRequest(
            resource_share_id=share_id,
            body=TagResourceReqBody(tags=[Tag(key=k, value=v) for k, v in tags.items()]),
        )
    )


def untag(account: Account, share_id: str, *items: tuple[str, str | None]) -> None:
    account.ram.batch_delete_resource_share_tags(
        BatchDeleteResourceShareTagsRequest(
            resource_share_id=share_id,
            body=UntagResourceReqBody(tags=[Untag(key=k, value=v) for k, v in items]),
        )
    )


def tags_of(account: Account, share_id: str) -> dict[str, str]:
    (found,) = shares(account, resource_share_ids=[share_id])
    return {t.key: t.value for t in found.tags}


def test_tag_writes_overwrite_remove_and_keep_the_limit(owner: Account) -> None:
    share = create_share(owner, tags=[Tag(key="env", value="dev")])
    tag(owner, share.id, env="prod", team="net")
    assert tags_of(owner, share.id) == {"env": "prod", "team": "net"}
    untag(owner, share.id, ("env", "dev"))  # value does not match: kept
    assert tags_of(owner, share.id) == {"env": "prod", "team": "net"}
    untag(owner, share.id, ("env", "prod"), ("team", None), ("absent", None))
    assert tags_of(owner, share.id) == {}

    tag(owner, share.id, **{f"k{i}": "" for i in range(20)})
    error = fails(lambda: tag(owner, share.id, one_more="x"), "RAM.1011")
    assert "tag_association" in error.error_msg and "20" in error.error_msg
    tag(owner, share.id, k0="overwriting is fine at the limit")
    fails(lambda: tag(owner, share.id, **{"_sys_x": "v"}), "RAM.9100")


def by_tags(
    account: Account, limit: int | None = None, offset: str | None = None, **body: Any
) -> Any:
    return account.ram.list_resource_shares_by_tags(
        ListResourceSharesByTagsRequest(
            limit=limit, offset=offset, body=ResourceSharesByTagsReqBody(**body)
        )
    )


def count_by_tags(account: Account, **body: Any) -> int:
    reply = account.ram.search_resource_share_count_by_tags(
        SearchResourceShareCountByTagsRequest(body=ResourceSharesByTagsReqBody(**body))
    )
    return int(reply.total_count)


def test_tag_queries_over_ones_own_shares(owner: Account, receiver: Account) -> None:
    a = create_share(
        owner, "web-a", tags=[Tag(key="env", value="prod"), Tag(key="tier", value="web")]
    )
    b = create_share(owner, "web-b", tags=[Tag(key="env", value="dev")])
    c = create_share(owner, "db-c")
    create_share(receiver, "web-other", tags=[Tag(key="env", value="prod")])

    everything = by_tags(owner)
    assert everything.total_count == 3
    assert [r.resource_id for r in everything.resources] == [a.id, b.id, c.id]
    first = everything.resources[0]
    assert (first.resource_name, first.resource_detail["owning_account_id"]) == (
        "web-a",
        owner.account_id,
    )
    assert {(t.key, t.value) for t in first.tags} == {("env", "prod"), ("tier", "web")}

    def ids(**body: Any) -> list[str]:
        return [r.resource_id for r in by_tags(owner, **body).resources]

    assert ids(tags=[TagFilter(key="env", values=["prod", "dev"])]) == [a.id, b.id]
    assert ids(tags=[TagFilter(key="env", values=["prod"]), TagFilter(key="tier", values=[])]) == [
        a.id
    ]
    assert ids(without_any_tag=True) == [c.id]
    assert ids(without_any_tag=True, tags=[TagFilter(key="env")]) == [c.id]  # tags ignored
    assert ids(matches=[Match(key="resource_name", value="web-")]) == [a.id, b.id]
    assert ids(matches=[Match(key="resource_name", value="")]) == []
    assert count_by_tags(owner, tags=[TagFilter(key="env")]) == 2
    assert count_by_tags(owner) == 3

    paged = by_tags(owner, limit=2, offset="2")
    assert (paged.total_count, [r.resource_id for r in paged.resources]) == (3, [c.id])
    assert by_tags(owner, offset="10").resources == []

    # A match on a field shares do not have matches nothing, and is no error (Terraform).
    assert ids(matches=[Match(key="test_key", value="test_value")]) == []
    assert by_tags(owner, matches=[Match(key="test", value="value")]).total_count == 0
    assert count_by_tags(owner, matches=[Match(key="owner", value="x")]) == 0
    fails(
        lambda: by_tags(
            owner,
            matches=[Match(key="resource_name", value="a"), Match(key="resource_name", value="b")],
        ),
        "RAM.9100",
    )
    fails(lambda: by_tags(owner, tags=[TagFilter(key="env"), TagFilter(key="env")]), "RAM.9100")
    fails(lambda: by_tags(owner, limit=1001), "RAM.9100")


def test_tag_keys_are_listed_with_values_and_paged_by_key(owner: Account) -> None:
    create_share(owner, tags=[Tag(key="b", value="2"), Tag(key="a", value="1")])
    create_share(owner, tags=[Tag(key="b", value="3"), Tag(key="c", value="")])
    seen: list[tuple[str, list[str]]] = []
    marker = None
    while True:
        page = owner.ram.list_resource_share_tags(
            ListResourceShareTagsRequest(limit=2, marker=marker)
        )
        seen += [(t.key, list(t.values)) for t in page.tags]
        marker = page.page_info.next_marker
        if marker is None:
            break
        assert marker == seen[-1][0]
    assert seen == [("a", ["1"]), ("b", ["2", "3"]), ("c", [""])]


def test_associated_permissions_page_by_marker(owner: Account) -> None:
    share = create_share(owner, resource_urns=[owner.urn("s"), owner.urn("z", "dns:zone")])
    seen = []
    marker = None
    while True:
        reply = owner.ram.list_resource_share_permissions(
            ListResourceSharePermissionsRequest(resource_share_id=share.id, limit=1, marker=marker)
        )
        seen += [p.resource_type for p in reply.associated_permissions]
        marker = reply.page_info.next_marker
        if marker is None:
            break
    assert seen == ["vpc:subnet", "dns:zone"]
