"""Invitation expiry through AWS's API: past ``SHAREKEEPER_INVITATION_TTL`` (the server's clock
moved on, as the Huawei tests move it) an invitation reads EXPIRED, its accept is
``ResourceShareInvitationExpiredException``, the receiver sees nothing of the share and the
owner's principal has ended; a fresh invitation works. An accept just in time holds."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, pending_invitation, share_to, subnet_arn
from tests.support import Account, LiveServer


def received(receiver: Account, share_arn: str) -> list[dict[str, Any]]:
    answer = receiver.aws("ram").get_resource_share_invitations(resourceShareArns=[share_arn])
    return list(valid("ram", "GetResourceShareInvitations", answer)["resourceShareInvitations"])


def resources_seen(receiver: Account) -> list[str]:
    answer = receiver.aws("ram").list_resources(resourceOwner="OTHER-ACCOUNTS")
    return [r["arn"] for r in valid("ram", "ListResources", answer)["resources"]]


def principal_status(owner: Account, share_arn: str, receiver: Account) -> str:
    answer = owner.aws("ram").get_resource_share_associations(
        associationType="PRINCIPAL",
        resourceShareArns=[share_arn],
        principal=receiver.aws_account_id,
    )
    (association,) = valid("ram", "GetResourceShareAssociations", answer)[
        "resourceShareAssociations"
    ]
    return str(association["status"])


@pytest.mark.usefixtures("clock_put_back")
def test_an_invitation_past_its_ttl_reads_expired_and_cannot_be_accepted(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    share = share_to(owner, receiver, "expiring-subnet")
    share_arn = share["resourceShareArn"]
    arn = pending_invitation(receiver)["resourceShareInvitationArn"]
    assert principal_status(owner, share_arn, receiver) == "ASSOCIATING"
    server.clock.advance(server.runtime.context.invitation_ttl + 1000)

    (invitation,) = received(receiver, share_arn)
    assert (invitation["resourceShareInvitationArn"], invitation["status"]) == (arn, "EXPIRED")
    ram = receiver.aws("ram")
    assert code_of(ram.accept_resource_share_invitation, resourceShareInvitationArn=arn) == (
        "ResourceShareInvitationExpiredException"
    )
    assert code_of(ram.reject_resource_share_invitation, resourceShareInvitationArn=arn) == (
        "ResourceShareInvitationExpiredException"
    )
    pending = ram.get_resource_share_invitations(resourceShareArns=[share_arn])
    assert [i["status"] for i in pending["resourceShareInvitations"]] == ["EXPIRED"]
    assert resources_seen(receiver) == []
    assert principal_status(owner, share_arn, receiver) == "DISASSOCIATED"

    # The owner invites again: a fresh invitation, which the receiver accepts.
    owner.aws("ram").associate_resource_share(
        resourceShareArn=share_arn, principals=[receiver.aws_account_id]
    )
    fresh = [i for i in received(receiver, share_arn) if i["status"] == "PENDING"]
    assert len(fresh) == 1 and fresh[0]["resourceShareInvitationArn"] != arn
    ram.accept_resource_share_invitation(
        resourceShareInvitationArn=fresh[0]["resourceShareInvitationArn"]
    )
    assert resources_seen(receiver) == [subnet_arn(owner, "expiring-subnet")]
    assert principal_status(owner, share_arn, receiver) == "ASSOCIATED"


@pytest.mark.usefixtures("clock_put_back")
def test_an_invitation_accepted_just_before_its_ttl_holds(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    share = share_to(owner, receiver, "just-in-time")
    arn = pending_invitation(receiver)["resourceShareInvitationArn"]
    server.clock.advance(server.runtime.context.invitation_ttl - 60_000)
    receiver.aws("ram").accept_resource_share_invitation(resourceShareInvitationArn=arn)
    server.clock.advance(120_000)
    (invitation,) = received(receiver, share["resourceShareArn"])
    assert invitation["status"] == "ACCEPTED"
    assert resources_seen(receiver) == [subnet_arn(owner, "just-in-time")]
