"""Shared resources and principals from both sides, and quotas: reported and enforced."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import (
    AssociatePermissionReqBody,
    AssociateResourceSharePermissionRequest,
    ListQuotaRequest,
    SearchDistinctPrincipalsRequest,
    SearchDistinctSharedPrincipalsReqBody,
    SearchDistinctSharedResourcesReqBody,
    SearchDistinctSharedResourcesRequest,
    SearchSharedPrincipalsReqBody,
    SearchSharedPrincipalsRequest,
    SearchSharedResourcesReqBody,
    SearchSharedResourcesRequest,
    Tag,
)

from sharekeeper.domain.quotas import Quotas
from tests.sdk.helpers import accept, associate, create_share, invitation_for
from tests.support import Account, LiveServer, settings_for


def resources(account: Account, owner: str, **query: Any) -> list[tuple[str, str]]:
    reply = account.ram.search_shared_resources(
        SearchSharedResourcesRequest(
            body=SearchSharedResourcesReqBody(resource_owner=owner, **query)
        )
    )
    return [(r.resource_share_id, r.resource_urn) for r in reply.shared_resources]


def distinct_resources(account: Account, owner: str, **query: Any) -> list[str]:
    reply = account.ram.search_distinct_shared_resources(
        SearchDistinctSharedResourcesRequest(
            body=SearchDistinctSharedResourcesReqBody(resource_owner=owner, **query)
        )
    )
    return [r.resource_urn for r in reply.distinct_shared_resources]


def principals(account: Account, owner: str, **query: Any) -> list[tuple[str, str]]:
    reply = account.ram.search_shared_principals(
        SearchSharedPrincipalsRequest(
            body=SearchSharedPrincipalsReqBody(resource_owner=owner, **query)
        )
    )
    return [(p.resource_share_id, p.id) for p in reply.shared_principals]


def distinct_principals(account: Account, owner: str, **query: Any) -> list[str]:
    reply = account.ram.search_distinct_principals(
        SearchDistinctPrincipalsRequest(
            body=SearchDistinctSharedPrincipalsReqBody(resource_owner=owner, **query)
        )
    )
    return [p.id for p in reply.distinct_shared_principals]


def test_views_from_the_owner_and_the_receiver(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    subnet, zone = owner.urn("net/sn-1"), owner.urn("zone-1", "dns:zone", region="cn-east-3")
    one = create_share(
        owner,
        "one",
        principals=[receiver.account_id, outsider.account_id],
        resource_urns=[subnet, zone],
    )
    two = create_share(owner, "two", principals=[receiver.account_id], resource_urns=[subnet])
    # Nothing is in effect for the receiver until it accepts.
    assert resources(receiver, "other-accounts") == []
    assert principals(owner, "self") == []
    accept(receiver, invitation_for(receiver, one.id).resource_share_invitation_id)
    accept(receiver, invitation_for(receiver, two.id).resource_share_invitation_id)

    assert resources(owner, "self") == [(one.id, subnet), (one.id, zone), (two.id, subnet)]
    assert resources(owner, "self", resource_type="dns:zone") == [(one.id, zone)]
    assert resources(owner, "self", resource_region="cn-east-3") == [(one.id, zone)]
    assert resources(owner, "self", resource_ids=["sn-1"]) == [(one.id, subnet), (two.id, subnet)]
    assert resources(owner, "self", resource_share_ids=[two.id]) == [(two.id, subnet)]
    assert resources(owner, "self", resource_urns=[zone]) == [(one.id, zone)]
    assert resources(owner, "self", principal=outsider.account_id) == []  # still invited
    assert resources(owner, "self", principal=receiver.account_id) == [
        (one.id, subnet),
        (one.id, zone),
        (two.id, subnet),
    ]
    assert resources(receiver, "other-accounts") == resources(owner, "self")
    assert resources(receiver, "other-accounts", principal=owner.account_id) == resources(
        owner, "self"
    )
    assert resources(receiver, "other-accounts", principal=outsider.account_id) == []
    assert resources(outsider, "other-accounts") == []
    assert resources(receiver, "self") == []
    assert distinct_resources(owner, "self") == [subnet, zone]
    assert distinct_resources(receiver, "other-accounts", resource_ids=["zone-1"]) == [zone]

    assert principals(owner, "self") == [
        (one.id, receiver.account_id),
        (two.id, receiver.account_id),
    ]
    assert principals(owner, "self", resource_urn=zone) == [(one.id, receiver.account_id)]
    assert principals(owner, "self", resource_share_ids=[two.id]) == [(two.id, receiver.account_id)]
    assert principals(receiver, "other-accounts") == [
        (one.id, owner.account_id),
        (two.id, owner.account_id),
    ]
    assert principals(receiver, "other-accounts", principals=[outsider.account_id]) == []
    assert distinct_principals(owner, "self") == [receiver.account_id]
    assert distinct_principals(receiver, "other-accounts") == [owner.account_id]
    assert distinct_principals(outsider, "other-accounts") == []


def quotas(account: Account) -> dict[str, tuple[int, int]]:
    reply = account.ram.list_quota(ListQuotaRequest())
    return {q.type: (q.quota, q.used) for q in reply.quotas.resources}


def test_quotas_report_what_is_used(owner: Account, receiver: Account) -> None:
    assert quotas(owner) == {
        "resource_share": (50, 0),
        "resource_association": (100, 0),
        "principal_association": (100, 0),
        "permission_association": (20, 0),
        "tag_association": (20, 0),
    }
    create_share(
        owner,
        principals=[receiver.account_id],
        resource_urns=[owner.urn("a"), owner.urn("b")],
        tags=[Tag(key="k", value="v")],
    )
    create_share(owner, resource_urns=[owner.urn("z", "dns:zone")])
    assert quotas(owner) == {
        "resource_share": (50, 2),
        "resource_association": (100, 2),
        "principal_association": (100, 1),
        "permission_association": (20, 1),
        "tag_association": (20, 1),
    }


@pytest.fixture(scope="module")
def tight(database_url: str, data_dir: Path) -> Iterator[LiveServer]:
    """A second server on the same database with small quotas."""
    quota = Quotas(
        resource_share=2,
        resource_association=2,
        principal_association=2,
        permission_association=1,
        tag_association=2,
    )
    live = LiveServer(settings_for(database_url, data_dir, quotas=quota)).start()
    yield live
    live.stop()


def code_of(call: Any) -> tuple[str, str]:
    with pytest.raises(ClientRequestException) as caught:
        call()
    return caught.value.error_code, caught.value.error_msg


def test_quotas_are_enforced(tight: LiveServer) -> None:
    owner, a, b, c = (tight.account(n) for n in ("owner", "a", "b", "c"))
    share = create_share(owner, principals=[a.account_id], resource_urns=[owner.urn("r1")])
    code, message = code_of(
        lambda: associate(owner, share.id, principals=[b.account_id, c.account_id])
    )
    assert code == "RAM.1011"
    assert message == (
        f"The principal_association num exceeds resource share {share.id} quota 2 if add count 2."
    )
    associate(owner, share.id, principals=[b.account_id])
    associate(owner, share.id, principals=[a.account_id, b.account_id])  # nothing new: fine
    assert (
        code_of(
            lambda: associate(owner, share.id, resource_urns=[owner.urn("r2"), owner.urn("r3")])
        )[0]
        == "RAM.1011"
    )
    # A second resource type needs a second permission: over the permission quota of 1.
    code, message = code_of(
        lambda: associate(owner, share.id, resource_urns=[owner.urn("z", "dns:zone")])
    )
    assert code == "RAM.1011" and "permission_association" in message
    code, _ = code_of(
        lambda: owner.ram.associate_resource_share_permission(
            AssociateResourceSharePermissionRequest(
                resource_share_id=share.id,
                body=AssociatePermissionReqBody(
                    permission_id="1c5f8e10-27d3-50ca-8df0-f334b7dc3974"
                ),
            )
        )
    )
    assert code == "RAM.1011"
    assert (
        code_of(lambda: create_share(owner, tags=[Tag(key=f"k{i}", value="") for i in range(3)]))[0]
        == "RAM.1011"
    )

    create_share(owner, "second")
    code, message = code_of(lambda: create_share(owner, "third"))
    assert (code, message) == (
        "RAM.1012",
        "The resource_share num exceeds the total quota 2 if add count 1.",
    )
    assert quotas(owner)["resource_share"] == (2, 2)


def test_racing_creations_stay_within_the_share_quota(tight: LiveServer) -> None:
    """Twelve creations of one owner at once, against a quota of two shares: two succeed and
    every other is refused with RAM.1012, however they interleave."""
    from concurrent.futures import ThreadPoolExecutor

    owner = tight.account("racer")

    def create(index: int) -> str:
        try:
            create_share(owner, name=f"race-{index}")
        except ClientRequestException as error:
            return str(error.error_code)
        return "created"

    with ThreadPoolExecutor(max_workers=12) as pool:  # bounded: 12 requests
        outcomes = sorted(pool.map(create, range(12)))
    assert outcomes == ["RAM.1012"] * 10 + ["created"] * 2, outcomes
