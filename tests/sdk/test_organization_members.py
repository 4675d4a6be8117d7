"""The whole organization story through official clients alone: the management account builds
its organization with the Organizations SDK (invitations accepted and declined, an account
created, accounts moved), trusts RAM, shares with an OU through the RAM SDK, and a member in a
nested OU uses the share at once; removing it or deleting its OU ends that; distrusting RAM
stops organization sharing. Races on one invitation have one winner."""

from __future__ import annotations

import datetime
import threading
from typing import Any

from huaweicloudsdkorganizations.v1 import (
    AcceptHandshakeRequest,
    CancelHandshakeRequest,
    CloseAccountRequest,
    CreateAccountReqBody,
    CreateAccountRequest,
    CreateOrganizationRequest,
    DeclineHandshakeRequest,
    DeleteOrganizationalUnitRequest,
    InviteAccountReqBody,
    InviteAccountRequest,
    LeaveOrganizationRequest,
    ListAccountsRequest,
    ListCreateAccountStatusesRequest,
    ListHandshakesRequest,
    ListReceivedHandshakesRequest,
    ListRootsRequest,
    MoveAccountReqBody,
    MoveAccountRequest,
    RemoveAccountRequest,
    ShowAccountRequest,
    ShowCreateAccountStatusRequest,
    ShowHandshakeRequest,
    TargetDto,
)
from huaweicloudsdkram.v1 import ShowOrganizationShareRequest

from sharekeeper.services import identity
from tests import figures
from tests.sdk.helpers import create_share, invitations, share_ids, shares, status_of
from tests.sdk.test_organizations_api import complete, create_ou, entities, fails, race, trust
from tests.support import Account, LiveServer


def invite(manager: Account, account: Account, notes: str = "join us") -> Any:
    body = InviteAccountReqBody(
        target=TargetDto(type="account", entity=account.account_id), notes=notes
    )
    reply = manager.organizations.invite_account(InviteAccountRequest(body=body))
    return complete_handshake(reply.handshake)


def complete_handshake(handshake: Any) -> Any:
    complete(handshake.target)
    for name in type(handshake).openapi_types:
        assert getattr(handshake, name) is not None, name
    return handshake


def received(account: Account) -> list[Any]:
    reply = account.organizations.list_received_handshakes(ListReceivedHandshakesRequest())
    return [complete_handshake(h) for h in reply.handshakes or []]


def accept(account: Account, handshake_id: str) -> Any:
    request = AcceptHandshakeRequest(handshake_id=handshake_id)
    return account.organizations.accept_handshake(request).handshake


def cancel(manager: Account, handshake_id: str) -> Any:
    request = CancelHandshakeRequest(handshake_id=handshake_id)
    return manager.organizations.cancel_handshake(request).handshake


def move(manager: Account, account: Account, source: str, destination: str) -> None:
    body = MoveAccountReqBody(source_parent_id=source, destination_parent_id=destination)
    manager.organizations.move_account(MoveAccountRequest(account_id=account.account_id, body=body))


def accounts(manager: Account, parent_id: str | None = None) -> dict[str, Any]:
    reply = manager.organizations.list_accounts(ListAccountsRequest(parent_id=parent_id))
    return {a.id: complete(a) for a in reply.accounts or []}


def test_an_organization_built_and_shared_through_official_clients(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    manager = owner.organizations
    organization = manager.create_organization(CreateOrganizationRequest()).organization
    (root,) = manager.list_roots(ListRootsRequest()).roots
    engineering = create_ou(owner, root.id, "engineering")
    networks = create_ou(owner, engineering.id, "networks")

    # Two invitations: the receiver accepts, the outsider declines.
    to_receiver = invite(owner, receiver)
    to_outsider = invite(owner, outsider, notes="")
    assert (to_receiver.status, to_receiver.organization_id) == ("pending", organization.id)
    assert to_receiver.management_account_id == owner.account_id
    fails(lambda: invite(owner, receiver), 400, "Organizations.9106")
    fails(lambda: invite(owner, owner), 400, "Organizations.9101")
    assert [h.id for h in received(receiver)] == [to_receiver.id]
    assert received(owner) == []
    sent = manager.list_handshakes(ListHandshakesRequest()).handshakes
    assert {h.id for h in sent} == {to_receiver.id, to_outsider.id}
    fails(lambda: accept(outsider, to_receiver.id), 404, "Organizations.9403")
    assert receiver.account_id not in accounts(owner)  # joins only on accepting

    accepted = complete_handshake(accept(receiver, to_receiver.id))
    assert accepted.status == "accepted"
    fails(lambda: accept(receiver, to_receiver.id), 400, "Organizations.9107")
    declined = outsider.organizations.decline_handshake(
        DeclineHandshakeRequest(handshake_id=to_outsider.id)
    ).handshake
    assert declined.status == "declined"
    shown = manager.show_handshake(ShowHandshakeRequest(handshake_id=to_outsider.id))
    assert shown.handshake.status == "declined"
    assert outsider.account_id not in accounts(owner)

    # A third account, created in the organization.
    created = manager.create_account(
        CreateAccountRequest(body=CreateAccountReqBody(name="build-farm"))
    ).create_account_status
    assert (complete(created).state, created.account_name) == ("succeeded", "build-farm")
    status = manager.show_create_account_status(
        ShowCreateAccountStatusRequest(create_account_status_id=created.id)
    ).create_account_status
    assert status.account_id == created.account_id
    listed = manager.list_create_account_statuses(ListCreateAccountStatusesRequest())
    assert [s.id for s in listed.create_account_statuses] == [created.id]
    states = ListCreateAccountStatusesRequest(states=["failed", "succeeded"])
    assert len(manager.list_create_account_statuses(states).create_account_statuses) == 1
    states = ListCreateAccountStatusesRequest(states=["in_progress"])
    assert not manager.list_create_account_statuses(states).create_account_statuses

    members = accounts(owner)
    assert {m: members[m].join_method for m in members} == {
        owner.account_id: "created",
        receiver.account_id: "invited",
        created.account_id: "created",
    }
    assert members[receiver.account_id].urn == (
        f"organizations::{owner.account_id}:account:{organization.id}/{receiver.account_id}"
    )
    shown_account = manager.show_account(ShowAccountRequest(account_id=created.account_id))
    assert complete(shown_account.account).name == "build-farm"

    # Moves between OUs: the receiver ends in the nested OU.
    move(owner, receiver, root.id, engineering.id)
    fails(lambda: move(owner, receiver, root.id, networks.id), 404, "Organizations.9401")
    move(owner, receiver, engineering.id, networks.id)
    assert set(accounts(owner, networks.id)) == {receiver.account_id}
    assert entities(owner, child_id=receiver.account_id) == [("organizational_unit", networks.id)]

    # RAM trusted: a share with the parent OU reaches the nested member at once.
    trust(owner, "service.RAM")
    assert receiver.ram.show_organization_share(ShowOrganizationShareRequest()).enabled
    share = create_share(
        owner, principals=[engineering.urn], resource_urns=[owner.urn("subnet-ou")]
    )
    assert invitations(receiver) == []
    assert share.id in share_ids(receiver, "other-accounts")
    assert share.id not in share_ids(outsider, "other-accounts")

    # Distrusting RAM stops organization sharing; trusting it again restores it.
    trust(owner, "service.RAM", False)
    assert not owner.ram.show_organization_share(ShowOrganizationShareRequest()).enabled
    assert share.id not in share_ids(receiver, "other-accounts")
    trust(owner, "service.RAM")
    assert share.id in share_ids(receiver, "other-accounts")

    # Removing the account ends its access; so does deleting the OU it was reached through.
    manager.remove_account(RemoveAccountRequest(account_id=receiver.account_id))
    assert share.id not in share_ids(receiver, "other-accounts")
    fails(
        lambda: manager.remove_account(RemoveAccountRequest(account_id=owner.account_id)),
        400,
        "Organizations.9108",
    )
    to_receiver_again = invite(owner, receiver)
    accept(receiver, to_receiver_again.id)
    move(owner, receiver, root.id, engineering.id)
    assert share.id in share_ids(receiver, "other-accounts")
    move(owner, receiver, engineering.id, root.id)
    manager.delete_organizational_unit(
        DeleteOrganizationalUnitRequest(organizational_unit_id=networks.id)
    )
    manager.delete_organizational_unit(
        DeleteOrganizationalUnitRequest(organizational_unit_id=engineering.id)
    )
    assert share.id not in share_ids(receiver, "other-accounts")

    # A member leaves by itself; the management account cannot.
    receiver.organizations.leave_organization(LeaveOrganizationRequest())
    assert receiver.account_id not in accounts(owner)
    fails(lambda: manager.leave_organization(LeaveOrganizationRequest()), 400, "Organizations.9108")


def test_a_cancelled_invitation_cannot_be_accepted(owner: Account, receiver: Account) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    handshake = invite(owner, receiver)
    cancelled = owner.organizations.cancel_handshake(
        CancelHandshakeRequest(handshake_id=handshake.id)
    ).handshake
    assert cancelled.status == "cancelled"
    fails(lambda: accept(receiver, handshake.id), 400, "Organizations.1401")
    fails(
        lambda: owner.organizations.cancel_handshake(
            CancelHandshakeRequest(handshake_id=handshake.id)
        ),
        400,
        "Organizations.1401",
    )
    assert received(receiver)[0].status == "cancelled"


def test_an_invitation_expires_after_fifteen_days(sharekeeper: Any) -> None:
    # A server of its own (the plugin's): its clock moves, the session's must not.
    server = sharekeeper
    owner, receiver = server.account("owner"), server.account("receiver")
    owner.organizations.create_organization(CreateOrganizationRequest())
    handshake = invite(owner, receiver)
    assert handshake.expired_at - handshake.created_at == datetime.timedelta(days=15)
    server.clock.advance(15 * 24 * 3600 * 1000)
    assert received(receiver)[0].status == "expired"
    fails(lambda: accept(receiver, handshake.id), 400, "Organizations.9107")
    invite(owner, receiver)  # a new one may be sent once the old one expired


def test_racing_accepts_and_cancel_of_one_invitation_have_one_winner(
    owner: Account, receiver: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    for _ in range(4):  # bounded: 12 racing calls
        handshake_id = invite(owner, receiver).id
        outcomes = race(
            [
                lambda h=handshake_id: accept(receiver, h).status,
                lambda h=handshake_id: accept(receiver, h).status,
                lambda h=handshake_id: cancel(owner, h).status,
            ]
        )
        winners = [o for o in outcomes if o in ("accepted", "cancelled")]
        assert len(outcomes) == 3 and len(winners) == 1, outcomes
        if winners == ["accepted"]:
            remove = RemoveAccountRequest(account_id=receiver.account_id)
            owner.organizations.remove_account(remove)


def test_a_member_removed_while_a_share_names_it_is_never_left_bound(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    """A share created for a member races with the member's removal: either the share binds it
    as a member and the removal ends that, or the share sees it gone and invites it; never a
    non-member bound as a member."""
    owner.organizations.create_organization(CreateOrganizationRequest())
    trust(owner, "service.RAM")
    for round_ in range(6):  # bounded: 12 racing calls
        handshake_id = invite(owner, receiver).id
        accept(receiver, handshake_id)
        threads = [
            threading.Thread(
                target=create_share,
                args=(owner, f"race-{round_}"),
                kwargs={"principals": [receiver.account_id]},
            ),
            threading.Thread(
                target=owner.organizations.remove_account,
                args=(RemoveAccountRequest(account_id=receiver.account_id),),
            ),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        (share,) = [s for s in shares(owner) if s.name == f"race-{round_}"]
        status = status_of(owner, share.id, "principal", receiver.account_id)
        assert status in ("disassociated", "associating"), (round_, status)
        assert share.id not in share_ids(receiver, "other-accounts")
    figures.add("membership races run", 6)


def test_only_a_created_account_is_closed_and_its_keys_stop_at_once(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    trust(owner, "service.RAM")
    (root,) = owner.organizations.list_roots(ListRootsRequest()).roots
    share = create_share(owner, principals=[root.urn])
    # An invited account is a tenant of its own: the organization removes it, never closes it.
    accept(receiver, invite(owner, receiver).id)
    close = owner.organizations.close_account
    fails(
        lambda: close(CloseAccountRequest(account_id=receiver.account_id)),
        400,
        "Organizations.9110",
    )
    assert share.id in share_ids(receiver, "other-accounts")
    # A created account, given a key by the operator, is closed: out, and its key refused.
    created = owner.organizations.create_account(
        CreateAccountRequest(body=CreateAccountReqBody(name="to-close"))
    ).create_account_status
    key = identity.create_access_key(server.runtime.context, created.account_id)
    member = Account(created.account_id, key.access_key, key.secret_key, owner.endpoint)
    assert share.id in share_ids(member, "other-accounts")
    close(CloseAccountRequest(account_id=member.account_id))
    assert member.account_id not in accounts(owner)
    fails(lambda: share_ids(member, "other-accounts"), 401, "APIGW.0301")
    fails(
        lambda: owner.organizations.close_account(CloseAccountRequest(account_id=owner.account_id)),
        400,
        "Organizations.9108",
    )


def test_an_account_invited_by_two_organizations_joins_one(
    server: LiveServer, owner: Account, outsider: Account, receiver: Account
) -> None:
    owner.organizations.create_organization(CreateOrganizationRequest())
    outsider.organizations.create_organization(CreateOrganizationRequest())
    for _ in range(3):  # bounded: 6 racing accepts
        first, second = invite(owner, receiver).id, invite(outsider, receiver).id
        outcomes = race(
            [
                lambda h=first: accept(receiver, h).status,
                lambda h=second: accept(receiver, h).status,
            ]
        )
        assert sorted(outcomes)[1] == "accepted" and sorted(outcomes)[0] != "accepted", outcomes
        joined = [a for a in (owner, outsider) if receiver.account_id in accounts(a)]
        assert len(joined) == 1, outcomes
        receiver.organizations.leave_organization(LeaveOrganizationRequest())
        for manager, handshake in ((owner, first), (outsider, second)):
            if (
                manager.organizations.show_handshake(
                    ShowHandshakeRequest(handshake_id=handshake)
                ).handshake.status
                == "pending"
            ):
                cancel(manager, handshake)
