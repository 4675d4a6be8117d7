"""Every error a core operation can give, through the SDK: code, status, message, request id."""

from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import (
    DeleteResourceShareRequest,
    ListPermissionVersionsRequest,
    ShowPermissionRequest,
    Tag,
    UpdateResourceShareReqBody,
    UpdateResourceShareRequest,
)

from tests.sdk import helpers
from tests.sdk.helpers import accept, associate, create_share, disassociate, invitation_for
from tests.support import Account

ORG_URN = (
    "organizations::0a6d25d23900d45c0faac010e0fb4de0:ou:"
    "o-0123456789abcdefghijklmnopqrstuv/ou-0123456789abcdefghijklmnopqrstuv"
)


def fails(call: Any, status: int, code: str, *fragments: str) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    error = caught.value
    assert (error.status_code, error.error_code) == (status, code), error.error_msg
    for fragment in fragments:
        assert fragment in error.error_msg
    assert error.request_id and len(error.request_id) == 32
    return error


def test_create_refuses_what_huawei_refuses(owner: Account, receiver: Account) -> None:
    other = receiver.urn("subnet-x")
    mine = owner.urn("subnet-1")
    cases: list[tuple[dict[str, Any], str, str]] = [
        ({"principals": ["not-an-account"]}, "RAM.1004", "not-an-account"),
        ({"principals": [owner.account_id]}, "RAM.1005", owner.account_id),
        (
            {"principals": [receiver.account_id, receiver.account_id]},
            "RAM.1006",
            receiver.account_id,
        ),
        ({"resource_urns": [mine, mine]}, "RAM.1007", mine),
        ({"resource_urns": [other]}, "RAM.1010", other),
        # The owner belongs to no organization: any organization principal is another's.
        ({"principals": [ORG_URN]}, "RAM.1014", ORG_URN),
        (
            {"principals": [receiver.account_id], "allow_external_principals": False},
            "RAM.1015",
            receiver.account_id,
        ),
        ({"resource_urns": ["not-a-urn"]}, "RAM.9101", "not-a-urn"),
        ({"resource_urns": [owner.urn("vm-1", "ecs:instance")]}, "RAM.9102", "ecs:instance"),
        ({"permission_ids": ["no-such-permission"]}, "RAM.9103", "no-such-permission"),
        (
            {
                "permission_ids": [
                    "0bab42d4-5008-52be-83fa-7b947b8a5c95",
                    "6b640602-9e2c-5ef5-86d3-68febb8f125d",
                ]
            },
            "RAM.9104",
            "vpc:subnet",
        ),
        ({"tags": [Tag(key="_sys_x", value="v")]}, "RAM.9100", "_sys_"),
        ({"tags": [Tag(key="k", value="a"), Tag(key="k", value="b")]}, "RAM.9100", "unique"),
        ({"tags": [Tag(key="k", value="<script>")]}, "RAM.9100", "Tag value"),
    ]
    for fields, code, fragment in cases:
        fails(lambda: create_share(owner, **fields), 400, code, fragment)  # noqa: B023


def test_urns_are_checked_as_huawei_checks_them(owner: Account, receiver: Account) -> None:
    """A typo a test suite should catch: an unknown region, a space, a tab, a trailing CR
    (a line read from a file written on Windows). Refused whole: no share is made, and a
    share that gets one in an association is left as it was."""
    cases = [
        (owner.urn("sn-1", region="cn-nort-4"), "cn-nort-4 is not a region where vpc:subnet"),
        (owner.urn("sn-1", region=""), "vpc:subnet resources are regional"),
        (owner.urn("sn-1", region="*"), "vpc:subnet resources are regional"),
        (owner.urn("sn 1"), "U+0020"),
        (owner.urn("sn-1\t"), "U+0009"),
        (owner.urn("sn-1\r"), "U+000D"),
        (owner.urn("sn-1") + "\r\n", "U+000D"),
    ]
    before = helpers.share_ids(owner)
    share = create_share(owner, resource_urns=[owner.urn("sn-ok", region="eu-west-0")])
    for urn, says in cases:
        fails(lambda: create_share(owner, resource_urns=[urn]), 400, "RAM.9101", says)  # noqa: B023
        good = owner.urn("sn-2", region="cn-east-2")
        call = lambda: associate(owner, share.id, resource_urns=[good, urn])  # noqa: B023, E731
        fails(call, 400, "RAM.9101", says)
    assert helpers.share_ids(owner) == before | {share.id}
    resources = helpers.associations(owner, "resource", resource_share_ids=[share.id])
    assert [r.associated_entity for r in resources] == [owner.urn("sn-ok", region="eu-west-0")]


def test_bad_names_and_descriptions(owner: Account) -> None:
    fails(lambda: create_share(owner, "has space"), 400, "RAM.9100", "name")
    fails(lambda: create_share(owner, "x" * 65), 400, "RAM.9100", "name")
    fails(lambda: create_share(owner, description="<b>"), 400, "RAM.9100", "description")


def test_shares_of_others_do_not_exist(owner: Account, outsider: Account) -> None:
    share = create_share(owner)
    for call in (
        lambda: outsider.ram.delete_resource_share(
            DeleteResourceShareRequest(resource_share_id=share.id)
        ),
        lambda: outsider.ram.update_resource_share(
            UpdateResourceShareRequest(
                resource_share_id=share.id, body=UpdateResourceShareReqBody(name="mine")
            )
        ),
        lambda: associate(outsider, share.id, resource_urns=[outsider.urn("s")]),
    ):
        fails(call, 404, "RAM.9401", share.id)
    fails(
        lambda: owner.ram.delete_resource_share(
            DeleteResourceShareRequest(resource_share_id="no-such-share")
        ),
        404,
        "RAM.9401",
    )


def test_disassociating_what_is_not_associated(owner: Account, receiver: Account) -> None:
    share = create_share(owner)
    fails(lambda: disassociate(owner, share.id, principals=[receiver.account_id]), 400, "RAM.9201")
    fails(lambda: disassociate(owner, share.id), 400, "RAM.9100", "principals")


def test_turning_off_external_principals_while_one_is_associated(
    owner: Account, receiver: Account
) -> None:
    share = create_share(owner, principals=[receiver.account_id])
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    request = UpdateResourceShareRequest(
        resource_share_id=share.id,
        body=UpdateResourceShareReqBody(name="share", allow_external_principals=False),
    )
    fails(lambda: owner.ram.update_resource_share(request), 400, "RAM.1015", receiver.account_id)
    disassociate(owner, share.id, principals=[receiver.account_id])
    updated = owner.ram.update_resource_share(request).resource_share
    assert updated.allow_external_principals is False
    fails(lambda: associate(owner, share.id, principals=[receiver.account_id]), 400, "RAM.1015")


def test_permission_lookups(owner: Account) -> None:
    fails(
        lambda: owner.ram.show_permission(ShowPermissionRequest(permission_id="nope")),
        404,
        "RAM.9403",
    )
    fails(
        lambda: owner.ram.show_permission(
            ShowPermissionRequest(
                permission_id="0bab42d4-5008-52be-83fa-7b947b8a5c95", permission_version=9
            )
        ),
        404,
        "RAM.9403",
        "version 9",
    )
    fails(
        lambda: owner.ram.list_permission_versions(
            ListPermissionVersionsRequest(permission_id="nope")
        ),
        404,
        "RAM.9403",
    )
