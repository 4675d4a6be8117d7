"""Sharing inside an organization: organization and OU principals, no invitations for members,
membership changes taking effect, organization sharing switched by the management account."""

from __future__ import annotations

from typing import Any

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import (
    DisableOrganizationShareRequest,
    EnableOrganizationShareRequest,
    ShowOrganizationShareRequest,
)

from tests.sdk.helpers import (
    accept,
    associate,
    associations,
    create_share,
    invitation_for,
    invitations,
    share_ids,
    status_of,
)
from tests.support import Account, LiveServer, Org


def fails(call: Any, status: int, code: str) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()
    assert (caught.value.status_code, caught.value.error_code) == (status, code), caught.value
    return caught.value


def enable(account: Account) -> None:
    account.ram.enable_organization_share(EnableOrganizationShareRequest())


def enabled(account: Account) -> bool:
    return bool(account.ram.show_organization_share(ShowOrganizationShareRequest()).enabled)


@pytest.fixture
def org(server: LiveServer, owner: Account) -> Org:
    """An organization whose management account is ``owner``."""
    return server.organization(owner)


def test_only_the_management_account_switches_sharing(
    server: LiveServer, org: Org, owner: Account, receiver: Account, outsider: Account
) -> None:
    org.add(receiver)
    assert (enabled(owner), enabled(receiver), enabled(outsider)) == (False, False, False)
    error = fails(lambda: enable(receiver), 400, "RAM.1801")
    assert receiver.account_id in error.error_msg
    fails(lambda: enable(outsider), 400, "RAM.1802")
    enable(owner)
    assert (enabled(owner), enabled(receiver), enabled(outsider)) == (True, True, False)
    fails(
        lambda: receiver.ram.disable_organization_share(DisableOrganizationShareRequest()),
        400,
        "RAM.1801",
    )
    owner.ram.disable_organization_share(DisableOrganizationShareRequest())
    assert not enabled(owner)


def test_organization_principals_need_sharing_enabled(
    server: LiveServer, org: Org, owner: Account
) -> None:
    error = fails(lambda: create_share(owner, principals=[org.root_urn]), 400, "RAM.1013")
    assert owner.account_id in error.error_msg
    enable(owner)
    share = create_share(owner, principals=[org.root_urn, org.id])
    assert {a.status for a in associations(owner, "principal", resource_share_ids=[share.id])} == {
        "associated"
    }


def test_a_share_to_an_ou_reaches_a_nested_account_without_invitation(
    server: LiveServer, org: Org, owner: Account, receiver: Account, outsider: Account
) -> None:
    enable(owner)
    parent_id, parent_urn = org.ou("engineering")
    child_id, _ = org.ou("networks", parent=parent_id)
    org.add(receiver, child_id)
    share = create_share(owner, principals=[parent_urn], resource_urns=[owner.urn("subnet-ou")])
    assert invitations(receiver) == []
    assert share.id in share_ids(receiver, "other-accounts")
    assert share.id not in share_ids(outsider, "other-accounts")

    # Switching organization sharing off stops access through the OU; on again restores it.
    owner.ram.disable_organization_share(DisableOrganizationShareRequest())
    assert share.id not in share_ids(receiver, "other-accounts")
    enable(owner)
    assert share.id in share_ids(receiver, "other-accounts")

    # The account leaves the organization and loses the access it had through it.
    org.remove(receiver)
    assert share.id not in share_ids(receiver, "other-accounts")


def test_members_are_associated_at_once_and_lose_it_when_leaving(
    server: LiveServer, org: Org, owner: Account, receiver: Account
) -> None:
    enable(owner)
    org.add(receiver)
    share = create_share(owner, principals=[receiver.account_id])
    (principal,) = associations(owner, "principal", resource_share_ids=[share.id])
    assert (principal.status, principal.external) == ("associated", False)
    assert invitations(receiver, resource_share_ids=[share.id]) == []
    assert share.id in share_ids(receiver, "other-accounts")

    # The member's own share to the organization ends too when it leaves.
    own = create_share(receiver, "members-own", principals=[org.root_urn])
    org.remove(receiver)
    assert status_of(owner, share.id, "principal", receiver.account_id) == "disassociated"
    assert share.id not in share_ids(receiver, "other-accounts")
    assert status_of(receiver, own.id, "principal", org.root_urn) == "disassociated"


def test_members_are_invited_while_sharing_is_off(
    server: LiveServer, org: Org, owner: Account, receiver: Account
) -> None:
    org.add(receiver)
    share = create_share(owner, principals=[receiver.account_id], allow_external_principals=False)
    (principal,) = associations(owner, "principal", resource_share_ids=[share.id])
    assert (principal.status, principal.external) == ("associating", False)
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    assert share.id in share_ids(receiver, "other-accounts")


def test_allow_external_principals_false_admits_insiders_only(
    server: LiveServer, org: Org, owner: Account, receiver: Account, outsider: Account
) -> None:
    enable(owner)
    org.add(receiver)
    share = create_share(owner, allow_external_principals=False)
    fails(lambda: associate(owner, share.id, principals=[outsider.account_id]), 400, "RAM.1015")
    fails(
        lambda: create_share(
            owner, principals=[outsider.account_id], allow_external_principals=False
        ),
        400,
        "RAM.1015",
    )
    (added,) = associate(owner, share.id, principals=[receiver.account_id])
    assert (added.status, added.external) == ("associated", False)


def test_a_deleted_ou_is_disassociated_from_every_share(
    server: LiveServer, org: Org, owner: Account, receiver: Account
) -> None:
    enable(owner)
    ou_id, ou_urn = org.ou("temporary")
    org.add(receiver, ou_id)
    first = create_share(owner, "first", principals=[ou_urn])
    second = create_share(owner, "second", principals=[ou_id])  # a bare OU id works too
    assert {first.id, second.id} <= share_ids(receiver, "other-accounts")
    org.add(receiver)  # move the account to the root, so the OU is empty
    org.delete_ou(ou_id)
    assert status_of(owner, first.id, "principal", ou_urn) == "disassociated"
    assert status_of(owner, second.id, "principal", ou_id) == "disassociated"
    assert {first.id, second.id}.isdisjoint(share_ids(receiver, "other-accounts"))


def test_principals_of_another_organization_or_unknown_units(
    server: LiveServer, org: Org, owner: Account, outsider: Account
) -> None:
    enable(owner)
    other = server.organization(outsider)
    enable(outsider)
    fails(lambda: create_share(owner, principals=[other.root_urn]), 400, "RAM.1014")
    fails(lambda: create_share(owner, principals=[other.id]), 400, "RAM.1014")
    fails(lambda: create_share(owner, principals=[other.root_id]), 400, "RAM.9107")
    fails(lambda: create_share(outsider, principals=[org.urn]), 400, "RAM.1014")


def test_organization_shares_cannot_be_left(
    server: LiveServer, org: Org, owner: Account, receiver: Account
) -> None:
    from tests.sdk.helpers import disassociate

    enable(owner)
    org.add(receiver)
    share = create_share(owner, principals=[org.root_urn], resource_urns=[owner.urn("subnet-org")])
    fails(
        lambda: disassociate(receiver, share.id, principals=[receiver.account_id]), 400, "RAM.9202"
    )
