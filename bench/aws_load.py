"""AWS RAM's requests for bench/run.py and bench/inprocess.py, built and SigV4-signed before a
run as boto3 sends them (the same members, the same signed headers), so that wrk replays them
and signing is never part of what is measured: a signature holds for 15 minutes, and each
run's requests are signed when its input is handed out. No sibling imports: the tests import
it as ``bench.aws_load`` and send its requests to a live server."""

from __future__ import annotations

import json
import uuid
from datetime import UTC, datetime
from typing import Any, NamedTuple

from sharekeeper.auth import sigv4
from sharekeeper.auth.verify import IncomingRequest

REGION = "us-east-1"
# botocore signs every header it sends but User-Agent (and Expect, X-Amzn-Trace-Id); the
# amz-sdk-* headers are added after signing.
_SIGNED = ("content-type", "host", "x-amz-date")
_CONTENT_TYPE = "application/json"


class AwsRequest(NamedTuple):
    """A signed POST: wrk.raw_request("POST", *request) is its raw HTTP/1.1 text."""

    path: str
    headers: dict[str, str]
    body: bytes


class AwsCaller:
    """One account signing AWS RAM's requests with its access key, as boto3 does."""

    def __init__(self, aws_account_id: str, access_key: str, secret_key: str, port: int) -> None:
        self.aws_account_id = aws_account_id
        self.access_key, self.secret_key = access_key, secret_key
        self.host = f"127.0.0.1:{port}"

    def signed(self, path: str, members: dict[str, Any]) -> AwsRequest:
        """A restJson1 request to ``path`` with ``members`` as its body, signed now."""
        body = json.dumps(members).encode()
        now = datetime.now(UTC)
        amz_date = now.strftime("%Y%m%dT%H%M%SZ")
        values = {"content-type": _CONTENT_TYPE, "host": self.host, "x-amz-date": amz_date}
        scope = sigv4.Scope(now.strftime("%Y%m%d"), REGION, "ram")
        claims = sigv4.Signed(self.access_key, scope, _SIGNED, "", amz_date, None, None)
        incoming = IncomingRequest("POST", path, "", {k: [v] for k, v in values.items()}, body)
        to_sign = sigv4.string_to_sign(amz_date, scope, sigv4.canonical_request(incoming, claims))
        authorization = (
            f"{sigv4.ALGORITHM} Credential={self.access_key}/{scope.text}, "
            f"SignedHeaders={';'.join(_SIGNED)}, "
            f"Signature={sigv4.signature(self.secret_key, scope, to_sign)}"
        )
        headers = {
            "Host": self.host,
            "Content-Type": _CONTENT_TYPE,
            "X-Amz-Date": amz_date,
            "Authorization": authorization,
        }
        return AwsRequest(path, headers, body)


def invitation_arn(sender_aws_id: str, invitation_id: str) -> str:
    return f"arn:aws:ram:{REGION}:{sender_aws_id}:resource-share-invitation/{invitation_id}"


def subnet_arn(owner_aws_id: str, name: str) -> str:
    return f"arn:aws:ec2:{REGION}:{owner_aws_id}:subnet/{name}"


def _with_token(members: dict[str, Any], token: bool) -> dict[str, Any]:
    # botocore's RAM model does not mark clientToken an idempotencyToken, so boto3 sends one
    # only when its caller gives it; a caller that does gives a new one per call.
    return {**members, "clientToken": str(uuid.uuid4())} if token else members


def create(creator: AwsCaller, principal_aws_id: str, token: bool = False) -> AwsRequest:
    """CreateResourceShare as boto3 sends ``create_resource_share(name=..., principals=[...],
    resourceArns=[...])``: the Huawei create's one principal and one subnet."""
    members = {
        "name": "bench",
        "principals": [principal_aws_id],
        "resourceArns": [subnet_arn(creator.aws_account_id, "subnet-bench-1")],
    }
    return creator.signed("/createresourceshare", _with_token(members, token))


def accept(
    receiver: AwsCaller, sender_aws_id: str, invitation_id: str, token: bool = False
) -> AwsRequest:
    members = {"resourceShareInvitationArn": invitation_arn(sender_aws_id, invitation_id)}
    return receiver.signed("/acceptresourceshareinvitation", _with_token(members, token))


def search(owner: AwsCaller) -> AwsRequest:
    """GetResourceShares SELF tagged env=prod, a page of 50: Huawei's tag search."""
    members = {
        "resourceOwner": "SELF",
        "tagFilters": [{"tagKey": "env", "tagValues": ["prod"]}],
        "maxResults": 50,
    }
    return owner.signed("/getresourceshares", members)


def listing(receiver: AwsCaller) -> AwsRequest:
    """GetResourceShareInvitations, a page of 50: Huawei's invitation search."""
    return receiver.signed("/getresourceshareinvitations", {"maxResults": 50})
