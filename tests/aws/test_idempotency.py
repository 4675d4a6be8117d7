"""clientToken idempotency through boto3: a replay answers as the first request did and
changes nothing; the token with other members is IdempotentParameterMismatchException; racing
first requests commit once; a refused request claims no token."""

from __future__ import annotations

import threading
from typing import Any

import msgspec

from sharekeeper.aws.idempotency import REPLAYS
from sharekeeper.aws.routes import RAM_BY_PATH
from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services.audit import list_audit_records
from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, pending_invitation, share_to, subnet_arn
from tests.sdk.helpers import shares
from tests.support import Account, LiveServer

CONTENDERS = 8


def _create(owner: Account, receiver: Account, name: str, token: str) -> dict[str, Any]:
    answer = owner.aws("ram").create_resource_share(
        name=name,
        resourceArns=[subnet_arn(owner, "subnet-1")],
        principals=[receiver.aws_account_id],
        clientToken=token,
    )
    return dict(valid("ram", "CreateResourceShare", answer))


def test_every_served_write_taking_a_client_token_is_idempotent() -> None:
    """The replay table covers each served operation whose request has a clientToken."""
    with_token = {
        op.name
        for op in RAM_BY_PATH.values()
        if "client_token" in {f.name for f in msgspec.structs.fields(op.body)}
    }
    assert with_token == set(REPLAYS)
    assert all(RAM_BY_PATH["/" + name.lower()].writes for name in REPLAYS)


def test_a_replay_answers_the_first_answer_and_creates_nothing(
    owner: Account, receiver: Account
) -> None:
    first = _create(owner, receiver, "once", "create-1")
    again = _create(owner, receiver, "once", "create-1")
    assert again["resourceShare"] == first["resourceShare"]
    assert again["clientToken"] == "create-1"
    assert [s.name for s in shares(owner)] == ["once"]
    # The receiver got one invitation, not two.
    assert (
        pending_invitation(receiver)["resourceShareArn"]
        == first["resourceShare"]["resourceShareArn"]
    )


def test_the_token_with_other_members_is_a_mismatch(owner: Account, receiver: Account) -> None:
    _create(owner, receiver, "once", "create-1")
    code = code_of(
        owner.aws("ram").create_resource_share,
        name="another",
        principals=[receiver.aws_account_id],
        clientToken="create-1",
    )
    assert code == "IdempotentParameterMismatchException"
    assert [s.name for s in shares(owner)] == ["once"]


def test_a_changed_body_is_a_mismatch_even_when_it_would_be_refused(
    owner: Account, receiver: Account
) -> None:
    """The token is looked for before the use case runs (docs/aws.md, "Idempotency"): a changed
    body that decodes is a mismatch, whatever the use case would say of it; one that does not
    decode is refused as bad input before any token is looked at."""
    _create(owner, receiver, "once", "create-2")
    ram = owner.aws("ram")
    # Sharing with itself: InvalidParameterException without the token (as in the test above).
    itself = code_of(
        ram.create_resource_share,
        name="once",
        principals=[owner.aws_account_id],
        clientToken="create-2",
    )
    assert itself == "IdempotentParameterMismatchException"
    # 21 principals: past the model's 20, refused as it is decoded.
    many = code_of(
        ram.create_resource_share,
        name="once",
        principals=[receiver.aws_account_id] * 21,
        clientToken="create-2",
    )
    assert many == "InvalidParameterException"
    assert [s.name for s in shares(owner)] == ["once"]


def test_a_token_is_the_accounts_own_and_the_operations_own(
    owner: Account, receiver: Account
) -> None:
    """Another account, or another operation, may use the same token for its own request."""
    mine = _create(owner, receiver, "mine", "shared-token")
    theirs = _create(receiver, owner, "theirs", "shared-token")
    assert mine["resourceShare"]["resourceShareArn"] != theirs["resourceShare"]["resourceShareArn"]
    updated = owner.aws("ram").update_resource_share(
        resourceShareArn=mine["resourceShare"]["resourceShareArn"],
        name="renamed",
        clientToken="shared-token",
    )
    assert valid("ram", "UpdateResourceShare", updated)["resourceShare"]["name"] == "renamed"


def test_a_refused_request_claims_no_token(owner: Account, receiver: Account) -> None:
    ram = owner.aws("ram")
    refused = code_of(
        ram.create_resource_share, name="x", principals=[owner.aws_account_id], clientToken="t-1"
    )
    assert refused == "InvalidParameterException"
    created = _create(owner, receiver, "second-try", "t-1")
    assert created["resourceShare"]["name"] == "second-try"


def test_answering_an_invitation_twice_with_its_token_is_a_replay(
    owner: Account, receiver: Account
) -> None:
    share_to(owner, receiver)
    arn = pending_invitation(receiver)["resourceShareInvitationArn"]
    ram = receiver.aws("ram")
    first = ram.accept_resource_share_invitation(resourceShareInvitationArn=arn, clientToken="a")
    again = ram.accept_resource_share_invitation(resourceShareInvitationArn=arn, clientToken="a")
    assert (
        valid("ram", "AcceptResourceShareInvitation", again)["resourceShareInvitation"]
        == (valid("ram", "AcceptResourceShareInvitation", first)["resourceShareInvitation"])
    )
    # Without the token (or with a new one) the second answer is the state's refusal, as before.
    assert code_of(ram.accept_resource_share_invitation, resourceShareInvitationArn=arn) == (
        "ResourceShareInvitationAlreadyAcceptedException"
    )
    rejecting = code_of(
        ram.reject_resource_share_invitation, resourceShareInvitationArn=arn, clientToken="a"
    )
    assert rejecting == "ResourceShareInvitationAlreadyAcceptedException"


def test_associate_and_delete_replayed(owner: Account, receiver: Account) -> None:
    arn = share_to(owner, receiver)["resourceShareArn"]
    ram = owner.aws("ram")
    second = subnet_arn(owner, "second")
    first = ram.associate_resource_share(
        resourceShareArn=arn, resourceArns=[second], clientToken="assoc"
    )
    again = ram.associate_resource_share(
        resourceShareArn=arn, resourceArns=[second], clientToken="assoc"
    )
    (added,) = valid("ram", "AssociateResourceShare", first)["resourceShareAssociations"]
    (replayed,) = valid("ram", "AssociateResourceShare", again)["resourceShareAssociations"]
    assert replayed == added
    assert code_of(
        ram.associate_resource_share,
        resourceShareArn=arn,
        resourceArns=[subnet_arn(owner, "third")],
        clientToken="assoc",
    ) == ("IdempotentParameterMismatchException")
    for _ in range(2):
        deleted = ram.delete_resource_share(resourceShareArn=arn, clientToken="gone")
        assert valid("ram", "DeleteResourceShare", deleted)["returnValue"] is True
    # Without a token, deleting it again is refused as before.
    assert code_of(ram.delete_resource_share, resourceShareArn=arn) != ""


def test_racing_first_requests_commit_once(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    clients = [owner.aws("ram") for _ in range(CONTENDERS)]
    barrier = threading.Barrier(CONTENDERS)
    answers: list[Any] = [None] * CONTENDERS

    def contend(index: int) -> None:
        barrier.wait()
        try:
            answers[index] = clients[index].create_resource_share(
                name="raced",
                resourceArns=[subnet_arn(owner, "subnet-1")],
                principals=[receiver.aws_account_id],
                clientToken="race",
            )
        except Exception as error:  # reported by the assertion below
            answers[index] = error

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(CONTENDERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    arns = {
        valid("ram", "CreateResourceShare", a)["resourceShare"]["resourceShareArn"] for a in answers
    }
    assert len(arns) == 1
    assert [s.name for s in shares(owner)] == ["raced"]
    page = list_audit_records(
        server.runtime.context,
        AuditFilter(account_id=owner.account_id, operation="aws:CreateResourceShare"),
        PageRequest(100),
    )
    assert len(page.items) == CONTENDERS  # every request recorded, replays too
    # One made the share; a loser whose change the unique index refused is recorded with that
    # refusal (ConcurrentChange) before it is answered as the winner's replay.
    made = [r for r in page.items if r.outcome == "200" and r.targets]
    assert len(made) == 1
    assert all(r.outcome in ("200", "409 RAM.9203") for r in page.items)
