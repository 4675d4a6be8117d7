"""Marker paging: every list walks to its end with no duplicates and no gaps, even while rows
are being added, and markers are digit strings."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from huaweicloudsdkram.v1 import (
    SearchResourceShareAssociationsReqBody,
    SearchResourceShareAssociationsRequest,
    SearchResourceShareInvitationReqBody,
    SearchResourceShareInvitationRequest,
    SearchResourceSharesReqBody,
    SearchResourceSharesRequest,
)

from tests.sdk.helpers import create_share
from tests.support import Account, LiveServer


def walk(
    fetch: Callable[[str | None], Any], items: str, key: str, during: Callable[[], None]
) -> list[str]:
    seen: list[str] = []
    marker = None
    while True:
        page = fetch(marker)
        rows = getattr(page, items) or []
        seen += [getattr(row, key) for row in rows]
        during()
        marker = page.page_info.next_marker
        if marker is None:
            return seen
        assert marker.isdigit() and page.page_info.current_count == len(rows)


def test_walks_see_every_row_once_while_rows_are_added(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    before = [
        create_share(
            owner,
            f"page-{i}",
            principals=[receiver.account_id],
            resource_urns=[owner.urn(f"subnet-{i}")],
        ).id
        for i in range(23)
    ]
    added: list[str] = []

    def add_one() -> None:
        added.append(create_share(owner, "late", principals=[receiver.account_id]).id)

    shares = walk(
        lambda m: owner.ram.search_resource_shares(
            SearchResourceSharesRequest(
                body=SearchResourceSharesReqBody(resource_owner="self", limit=5, marker=m)
            )
        ),
        "resource_shares",
        "id",
        add_one,
    )
    assert len(shares) == len(set(shares))
    assert shares[:23] == before
    assert set(shares) <= set(before) | set(added)

    invitations = walk(
        lambda m: receiver.ram.search_resource_share_invitation(
            SearchResourceShareInvitationRequest(
                body=SearchResourceShareInvitationReqBody(limit=4, marker=m)
            )
        ),
        "resource_share_invitations",
        "resource_share_id",
        add_one,
    )
    assert len(invitations) == len(set(invitations))
    assert set(before) <= set(invitations)

    resources = walk(
        lambda m: owner.ram.search_resource_share_associations(
            SearchResourceShareAssociationsRequest(
                body=SearchResourceShareAssociationsReqBody(
                    association_type="resource", limit=6, marker=m
                )
            )
        ),
        "resource_share_associations",
        "associated_entity",
        lambda: None,
    )
    assert resources == [owner.urn(f"subnet-{i}") for i in range(23)]


def test_a_page_exactly_full_has_no_next_marker(owner: Account) -> None:
    ids = [create_share(owner, f"exact-{i}").id for i in range(4)]
    body = SearchResourceSharesReqBody(resource_owner="self", limit=4)
    page = owner.ram.search_resource_shares(SearchResourceSharesRequest(body=body))
    assert [s.id for s in page.resource_shares] == ids
    assert page.page_info.next_marker is None
    assert page.page_info.current_count == 4


def test_view_lists_walk_to_the_end_while_rows_are_added(owner: Account, receiver: Account) -> None:
    from huaweicloudsdkram import v1 as sdk

    from tests.sdk.helpers import accept, associate, invitation_for

    urns = [owner.urn(f"subnet-v{i}") for i in range(7)]
    shares = []
    for i in range(3):
        share = create_share(
            owner, f"view-{i}", principals=[receiver.account_id], resource_urns=urns[: 3 + 2 * i]
        )
        accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
        shares.append(share.id)
    extra = iter(owner.urn(f"subnet-late{i}") for i in range(100))

    def add_one() -> None:
        associate(owner, shares[0], resource_urns=[next(extra)])

    def walk_body(
        method: Any, request: Any, body: Any, items: str, key: str, during: Any
    ) -> list[Any]:
        return walk(lambda m: method(request(body=body(marker=m))), items, key, during)

    rows = walk_body(
        owner.ram.search_shared_resources,
        sdk.SearchSharedResourcesRequest,
        lambda marker: sdk.SearchSharedResourcesReqBody(
            resource_owner="self", limit=4, marker=marker
        ),
        "shared_resources",
        "resource_urn",
        add_one,
    )
    assert len(rows) >= 3 + 5 + 7
    distinct = walk_body(
        receiver.ram.search_distinct_shared_resources,
        sdk.SearchDistinctSharedResourcesRequest,
        lambda marker: sdk.SearchDistinctSharedResourcesReqBody(
            resource_owner="other-accounts", limit=2, marker=marker
        ),
        "distinct_shared_resources",
        "resource_urn",
        add_one,
    )
    assert len(distinct) == len(set(distinct))
    assert distinct[:7] == urns
    principals = walk_body(
        receiver.ram.search_shared_principals,
        sdk.SearchSharedPrincipalsRequest,
        lambda marker: sdk.SearchSharedPrincipalsReqBody(
            resource_owner="other-accounts", limit=2, marker=marker
        ),
        "shared_principals",
        "resource_share_id",
        lambda: None,
    )
    assert principals == shares
    distinct_owners = walk_body(
        receiver.ram.search_distinct_principals,
        sdk.SearchDistinctPrincipalsRequest,
        lambda marker: sdk.SearchDistinctSharedPrincipalsReqBody(
            resource_owner="other-accounts", limit=1, marker=marker
        ),
        "distinct_shared_principals",
        "id",
        lambda: None,
    )
    assert distinct_owners == [owner.account_id]
