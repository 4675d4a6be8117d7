"""bench/aws_load.py: the AWS requests bench/run.py hands to wrk are the ones boto3 sends (the
same members, the same signed headers), and a live server serves them as signed, their answers
valid against botocore's model, so that a benchmark figure is one of real AWS calls."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
from bench import aws_load
from botocore import parsers

from tests.aws.botocore_shapes import operation, valid
from tests.support import Account


class _Sent(Exception):
    """Raised with the body boto3 was about to send, so that nothing is sent."""


def boto3_members(account: Account, method: str, **kwargs: Any) -> Any:
    """The JSON members boto3 sends for ``method(**kwargs)``, caught before sending."""
    client = account.aws("ram")

    def catch(request: Any, **_: Any) -> None:
        raise _Sent(request.body)

    client.meta.events.register("before-send", catch)
    with pytest.raises(_Sent) as sent:
        getattr(client, method)(**kwargs)
    return json.loads(sent.value.args[0])


def caller(account: Account) -> aws_load.AwsCaller:
    port = int(account.endpoint.rsplit(":", 1)[1])
    return aws_load.AwsCaller(account.aws_account_id, account.access_key, account.secret_key, port)


def served(account: Account, name: str, request: aws_load.AwsRequest) -> dict[str, Any]:
    """The request sent as wrk sends it (its own headers, its own body), its answer parsed by
    botocore's restJson1 parser and checked against the model."""
    answer = httpx.post(
        account.endpoint + request.path, headers=request.headers, content=request.body
    )
    assert answer.status_code == 200, answer.text
    parsed = parsers.create_parser("rest-json").parse(
        {"body": answer.content, "headers": answer.headers, "status_code": 200},
        operation("ram", name).output_shape,
    )
    return valid("ram", name, parsed)


def test_the_requests_are_what_boto3_sends(owner: Account, receiver: Account) -> None:
    signer, invitation = caller(owner), "0f0f0f0f-0000-4000-8000-000000000000"
    sent = {
        "create": aws_load.create(signer, receiver.aws_account_id),
        "accept": aws_load.accept(signer, receiver.aws_account_id, invitation),
        "search": aws_load.search(signer),
        "list": aws_load.listing(signer),
    }
    assert json.loads(sent["create"].body) == boto3_members(
        owner,
        "create_resource_share",
        name="bench",
        principals=[receiver.aws_account_id],
        resourceArns=[aws_load.subnet_arn(owner.aws_account_id, "subnet-bench-1")],
    )
    assert json.loads(sent["accept"].body) == boto3_members(
        owner,
        "accept_resource_share_invitation",
        resourceShareInvitationArn=aws_load.invitation_arn(receiver.aws_account_id, invitation),
    )
    assert json.loads(sent["search"].body) == boto3_members(
        owner,
        "get_resource_shares",
        resourceOwner="SELF",
        tagFilters=[{"tagKey": "env", "tagValues": ["prod"]}],
        maxResults=50,
    )
    assert json.loads(sent["list"].body) == boto3_members(
        owner, "get_resource_share_invitations", maxResults=50
    )
    # botocore's model does not make clientToken an idempotencyToken: boto3 sends none unless
    # asked, and a request with one asks for it.
    with_token = json.loads(aws_load.create(signer, receiver.aws_account_id, token=True).body)
    assert len(with_token.pop("clientToken")) == 36
    assert with_token == json.loads(sent["create"].body)


def test_a_live_server_serves_them_as_signed(owner: Account, receiver: Account) -> None:
    creator, invitee = caller(owner), caller(receiver)
    create = aws_load.create(creator, receiver.aws_account_id)
    first = served(owner, "CreateResourceShare", create)["resourceShare"]
    # wrk replays a creator's one request: with no clientToken, each is a share of its own.
    second = served(owner, "CreateResourceShare", create)["resourceShare"]
    assert first["resourceShareArn"] != second["resourceShareArn"]
    owner.aws("ram").tag_resource(
        resourceShareArn=first["resourceShareArn"], tags=[{"key": "env", "value": "prod"}]
    )

    found = served(owner, "GetResourceShares", aws_load.search(creator))["resourceShares"]
    assert [s["resourceShareArn"] for s in found] == [first["resourceShareArn"]]

    listed = served(receiver, "GetResourceShareInvitations", aws_load.listing(invitee))
    by_share = {i["resourceShareArn"]: i for i in listed["resourceShareInvitations"]}
    assert set(by_share) == {first["resourceShareArn"], second["resourceShareArn"]}
    invitation_id = by_share[first["resourceShareArn"]]["resourceShareInvitationArn"].rsplit(
        "/", 1
    )[1]
    accept = aws_load.accept(invitee, owner.aws_account_id, invitation_id)
    accepted = served(receiver, "AcceptResourceShareInvitation", accept)
    assert accepted["resourceShareInvitation"]["status"] == "ACCEPTED"

    # Sent again, as a run that used its input up would: refused, which the bench counts as
    # an answer not 2xx and refuses the run for.
    again = httpx.post(receiver.endpoint + accept.path, headers=accept.headers, content=accept.body)
    assert again.status_code == 400
    assert again.headers["x-amzn-ErrorType"] == "ResourceShareInvitationAlreadyAcceptedException"
