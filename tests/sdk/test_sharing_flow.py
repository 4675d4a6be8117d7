"""Account A shares with account B through the official SDK: invitation, accept, reject,
expiry, withdrawal, delete, and who sees what at each step."""

from __future__ import annotations

import pytest
from huaweicloudsdkcore.exceptions.exceptions import ClientRequestException
from huaweicloudsdkram.v1 import (
    DeleteResourceShareRequest,
    Tag,
    TagFilter,
    UpdateResourceShareReqBody,
    UpdateResourceShareRequest,
)

from tests.sdk.helpers import (
    accept,
    associate,
    associations,
    create_share,
    disassociate,
    invitation_for,
    invitations,
    reject,
    share_ids,
    shares,
    status_of,
)
from tests.support import Account, LiveServer

WEEK_MS = 7 * 24 * 3600 * 1000


def error_of(call: object) -> ClientRequestException:
    with pytest.raises(ClientRequestException) as caught:
        call()  # type: ignore[operator]
    return caught.value


def test_owner_shares_a_subnet_and_the_receiver_accepts(owner: Account, receiver: Account) -> None:
    subnet = owner.urn("subnet-1")
    share = create_share(
        owner,
        "net-share",
        description="shared subnet",
        principals=[receiver.account_id],
        resource_urns=[subnet],
        tags=[Tag(key="env", value="dev")],
    )
    assert share.owning_account_id == owner.account_id
    assert share.status == "active"
    assert share.description == "shared subnet"
    assert [(t.key, t.value) for t in share.tags] == [("env", "dev")]

    invitation = invitation_for(receiver, share.id)
    assert invitation.status == "pending"
    assert invitation.sender_account_id == owner.account_id
    assert invitation.receiver_account_id == receiver.account_id
    assert invitation.resource_share_name == "net-share"
    # The owner sees the invitation it sent; the share is not yet the receiver's.
    assert [
        i.resource_share_invitation_id for i in invitations(owner, resource_share_ids=[share.id])
    ] == [invitation.resource_share_invitation_id]
    assert share.id not in share_ids(receiver, "other-accounts")
    assert status_of(owner, share.id, "principal", receiver.account_id) == "associating"
    assert status_of(owner, share.id, "resource", subnet) == "associated"

    accepted = accept(receiver, invitation.resource_share_invitation_id)
    assert accepted.status == "accepted"
    assert accepted.resource_share_id == share.id
    assert share.id in share_ids(receiver, "other-accounts")
    assert share.id not in share_ids(receiver, "self")
    assert status_of(owner, share.id, "principal", receiver.account_id) == "associated"
    assert invitation_for(receiver, share.id).status == "accepted"


def test_reject_ends_the_association_and_gives_no_access(owner: Account, receiver: Account) -> None:
    share = create_share(owner, principals=[receiver.account_id])
    invitation = invitation_for(receiver, share.id)
    rejected = reject(receiver, invitation.resource_share_invitation_id)
    assert rejected.status == "rejected"
    assert share.id not in share_ids(receiver, "other-accounts")
    assert status_of(owner, share.id, "principal", receiver.account_id) == "disassociated"


def test_answering_twice_gives_a_distinct_error_each_way(owner: Account, receiver: Account) -> None:
    first = create_share(owner, principals=[receiver.account_id])
    accepted_id = invitation_for(receiver, first.id).resource_share_invitation_id
    accept(receiver, accepted_id)
    again = error_of(lambda: accept(receiver, accepted_id))
    assert (again.status_code, again.error_code) == (400, "RAM.9301")
    late_reject = error_of(lambda: reject(receiver, accepted_id))
    assert (late_reject.status_code, late_reject.error_code) == (400, "RAM.9301")

    second = create_share(owner, principals=[receiver.account_id])
    rejected_id = invitation_for(receiver, second.id).resource_share_invitation_id
    reject(receiver, rejected_id)
    after_reject = error_of(lambda: accept(receiver, rejected_id))
    assert (after_reject.status_code, after_reject.error_code) == (400, "RAM.9302")
    assert after_reject.request_id


def test_only_the_receiver_can_answer(owner: Account, receiver: Account, outsider: Account) -> None:
    share = create_share(owner, principals=[receiver.account_id])
    invitation_id = invitation_for(receiver, share.id).resource_share_invitation_id
    for stranger in (outsider, owner):
        for answer in (accept, reject):
            error = error_of(lambda: answer(stranger, invitation_id))  # noqa: B023
            assert (error.status_code, error.error_code) == (404, "RAM.9402")
    assert invitations(outsider, resource_share_ids=[share.id]) == []
    assert invitation_for(receiver, share.id).status == "pending"


def test_unknown_invitation_is_404(receiver: Account) -> None:
    error = error_of(lambda: accept(receiver, "00000000-0000-0000-0000-000000000000"))
    assert (error.status_code, error.error_code) == (404, "RAM.9402")


def test_invitations_expire_after_seven_days(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    share = create_share(owner, principals=[receiver.account_id])
    invitation_id = invitation_for(receiver, share.id).resource_share_invitation_id
    server.clock.advance(WEEK_MS + 1000)
    assert invitation_for(receiver, share.id).status == "expired"
    assert invitations(receiver, resource_share_ids=[share.id], status="pending") == []
    assert len(invitations(receiver, resource_share_ids=[share.id], status="expired")) == 1
    error = error_of(lambda: accept(receiver, invitation_id))
    assert (error.status_code, error.error_code) == (400, "RAM.9303")
    assert status_of(owner, share.id, "principal", receiver.account_id) == "disassociated"
    assert share.id not in share_ids(receiver, "other-accounts")

    # The owner may invite again: a fresh invitation, which works.
    associate(owner, share.id, principals=[receiver.account_id])
    fresh = invitations(receiver, resource_share_ids=[share.id], status="pending")
    assert len(fresh) == 1
    accept(receiver, fresh[0].resource_share_invitation_id)
    assert share.id in share_ids(receiver, "other-accounts")


def test_an_invitation_accepted_just_before_expiry_holds(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    share = create_share(owner, principals=[receiver.account_id])
    invitation_id = invitation_for(receiver, share.id).resource_share_invitation_id
    server.clock.advance(WEEK_MS - 60_000)
    accept(receiver, invitation_id)
    server.clock.advance(120_000)
    assert invitation_for(receiver, share.id).status == "accepted"
    assert share.id in share_ids(receiver, "other-accounts")


def test_disassociating_a_pending_principal_withdraws_the_invitation(
    owner: Account, receiver: Account
) -> None:
    share = create_share(owner, principals=[receiver.account_id])
    invitation_id = invitation_for(receiver, share.id).resource_share_invitation_id
    ended = disassociate(owner, share.id, principals=[receiver.account_id])
    assert [(a.associated_entity, a.status) for a in ended] == [
        (receiver.account_id, "disassociated")
    ]
    assert invitation_for(receiver, share.id).status == "withdrawn"
    error = error_of(lambda: accept(receiver, invitation_id))
    assert (error.status_code, error.error_code) == (400, "RAM.9304")


def test_disassociating_an_accepted_principal_removes_access(
    owner: Account, receiver: Account
) -> None:
    share = create_share(owner, principals=[receiver.account_id])
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    disassociate(owner, share.id, principals=[receiver.account_id])
    assert share.id not in share_ids(receiver, "other-accounts")
    assert invitation_for(receiver, share.id).status == "accepted"


def test_delete_marks_deleted_ends_associations_and_withdraws(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    subnet = owner.urn("subnet-del")
    share = create_share(
        owner, principals=[receiver.account_id, outsider.account_id], resource_urns=[subnet]
    )
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    pending_id = invitation_for(outsider, share.id).resource_share_invitation_id

    reply = owner.ram.delete_resource_share(DeleteResourceShareRequest(resource_share_id=share.id))
    assert reply.status_code == 204

    (deleted,) = shares(owner, resource_share_ids=[share.id])
    assert deleted.status == "deleted"
    assert share.id not in share_ids(receiver, "other-accounts")
    assert {a.status for a in associations(owner, "principal", resource_share_ids=[share.id])} == {
        "disassociated"
    }
    assert status_of(owner, share.id, "resource", subnet) == "disassociated"
    assert invitation_for(outsider, share.id).status == "withdrawn"
    assert error_of(lambda: accept(outsider, pending_id)).error_code == "RAM.9304"

    # Every write to a deleted share fails clearly.
    for write in (
        lambda: associate(owner, share.id, principals=[outsider.account_id]),
        lambda: disassociate(owner, share.id, resource_urns=[subnet]),
        lambda: owner.ram.update_resource_share(
            UpdateResourceShareRequest(
                resource_share_id=share.id, body=UpdateResourceShareReqBody(name="x")
            )
        ),
        lambda: owner.ram.delete_resource_share(
            DeleteResourceShareRequest(resource_share_id=share.id)
        ),
    ):
        error = error_of(write)
        assert (error.status_code, error.error_code) == (400, "RAM.1101")

    # Kept visible for 48 hours, then gone.
    server.clock.advance(47 * 3600 * 1000)
    assert share.id in share_ids(owner, "self")
    server.clock.advance(2 * 3600 * 1000)
    assert share.id not in share_ids(owner, "self")
    assert associations(owner, "principal", resource_share_ids=[share.id]) == []


def test_a_renamed_shares_invitations_carry_its_new_name(owner: Account, receiver: Account) -> None:
    """Each invitation keeps a copy of its share's name (migration 0025): a rename changes
    it for both sides' searches and for the answer."""
    share = create_share(owner, "before", principals=[receiver.account_id])
    assert invitation_for(receiver, share.id).resource_share_name == "before"
    for body in (
        UpdateResourceShareReqBody(name="after"),
        UpdateResourceShareReqBody(name="after", description="the name unchanged"),
    ):
        request = UpdateResourceShareRequest(resource_share_id=share.id, body=body)
        assert owner.ram.update_resource_share(request).status_code == 200
    invitation = invitation_for(receiver, share.id)
    (sent,) = invitations(owner, resource_share_ids=[share.id])
    assert (invitation.resource_share_name, sent.resource_share_name) == ("after", "after")
    answered = accept(receiver, invitation.resource_share_invitation_id)
    assert answered.resource_share_name == "after"
    assert invitation_for(receiver, share.id).resource_share_name == "after"


def test_update_changes_only_what_is_given(owner: Account) -> None:
    share = create_share(owner, "before", description="keep me")
    reply = owner.ram.update_resource_share(
        UpdateResourceShareRequest(
            resource_share_id=share.id, body=UpdateResourceShareReqBody(name="after")
        )
    )
    assert reply.status_code == 200
    updated = reply.resource_share
    assert (updated.name, updated.description, updated.allow_external_principals) == (
        "after",
        "keep me",
        True,
    )
    (found,) = shares(owner, resource_share_ids=[share.id])
    assert found.name == "after"


def test_new_resources_reach_principals_and_leaving(owner: Account, receiver: Account) -> None:
    share = create_share(owner, principals=[receiver.account_id])
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    added = associate(owner, share.id, resource_urns=[owner.urn("subnet-late")])
    assert [(a.association_type, a.status) for a in added] == [("resource", "associated")]
    # Associating what is already there returns it as it is, with no second invitation.
    again = associate(owner, share.id, principals=[receiver.account_id])
    assert [a.status for a in again] == ["associated"]
    assert len(invitations(receiver, resource_share_ids=[share.id])) == 1
    # A principal may leave a share of subnets by naming itself.
    left = disassociate(receiver, share.id, principals=[receiver.account_id])
    assert [(a.associated_entity, a.status) for a in left] == [
        (receiver.account_id, "disassociated")
    ]
    assert share.id not in share_ids(receiver, "other-accounts")


def test_principals_cannot_leave_dns_zones_nor_remove_others(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    share = create_share(
        owner,
        principals=[receiver.account_id],
        resource_urns=[owner.urn("zone-1", "dns:zone")],
    )
    accept(receiver, invitation_for(receiver, share.id).resource_share_invitation_id)
    error = error_of(lambda: disassociate(receiver, share.id, principals=[receiver.account_id]))
    assert (error.status_code, error.error_code) == (400, "RAM.9202")
    error = error_of(
        lambda: disassociate(receiver, share.id, resource_urns=[owner.urn("zone-1", "dns:zone")])
    )
    assert error.error_code == "RAM.9202"
    # To an account with no part in the share, it does not exist.
    error = error_of(lambda: disassociate(outsider, share.id, principals=[outsider.account_id]))
    assert (error.status_code, error.error_code) == (404, "RAM.9401")


def test_search_filters_by_name_status_ids_permission_and_tags(owner: Account) -> None:
    readonly = "6b640602-9e2c-5ef5-86d3-68febb8f125d"
    a = create_share(
        owner, "alpha", tags=[Tag(key="team", value="net"), Tag(key="env", value="prod")]
    )
    b = create_share(owner, "beta", tags=[Tag(key="team", value="dns")], permission_ids=[readonly])
    c = create_share(owner, "gamma")
    mine = {a.id, b.id, c.id}
    assert share_ids(owner, name="alpha") & mine == {a.id}
    assert share_ids(owner, resource_share_ids=[b.id, c.id]) == {b.id, c.id}
    assert share_ids(owner, permission_id=readonly) & mine == {b.id}
    assert share_ids(owner, tag_filters=[TagFilter(key="team")]) & mine == {a.id, b.id}
    assert share_ids(owner, tag_filters=[TagFilter(key="team", values=["dns", "x"])]) & mine == {
        b.id
    }
    assert share_ids(
        owner,
        tag_filters=[TagFilter(key="team", values=["net"]), TagFilter(key="env", values=["prod"])],
    ) & mine == {a.id}
    assert (
        share_ids(owner, tag_filters=[TagFilter(key="team", values=["dns"]), TagFilter(key="env")])
        & mine
        == set()
    )
    owner.ram.delete_resource_share(DeleteResourceShareRequest(resource_share_id=c.id))
    assert share_ids(owner, resource_share_status="deleted") & mine == {c.id}
    assert share_ids(owner, resource_share_status="active") & mine == {a.id, b.id}


def test_associations_search_filters(owner: Account, receiver: Account, outsider: Account) -> None:
    s1 = create_share(owner, principals=[receiver.account_id], resource_urns=[owner.urn("sub/a")])
    s2 = create_share(owner, principals=[outsider.account_id], resource_urns=[owner.urn("sub/b")])
    accept(receiver, invitation_for(receiver, s1.id).resource_share_invitation_id)
    ids = [s1.id, s2.id]
    found = associations(
        owner, "principal", resource_share_ids=ids, association_status="associated"
    )
    assert [(a.associated_entity, a.external) for a in found] == [(receiver.account_id, True)]
    found = associations(owner, "principal", resource_share_ids=ids, principal=outsider.account_id)
    assert [a.status for a in found] == ["associating"]
    found = associations(owner, "resource", resource_share_ids=ids, resource_ids=["b"])
    assert [a.associated_entity for a in found] == [owner.urn("sub/b")]
    found = associations(owner, "resource", resource_urn=owner.urn("sub/a"))
    assert [(a.resource_share_id, a.resource_share_name) for a in found] == [(s1.id, "share")]
    # The receiver owns none of these shares: the owner's view shows it nothing.
    assert associations(receiver, "principal", resource_share_ids=ids) == []
