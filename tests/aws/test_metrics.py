"""/metrics after AWS calls: each operation counted as ``aws:Name`` with its status, and a
request refused before its operation is known (a bad signature, an unknown path, Action or
target) counted under a bounded name, never what the caller sent."""

from __future__ import annotations

import re
import uuid

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of
from tests.support import Account, LiveServer


def counts(server: LiveServer) -> dict[tuple[str, str], int]:
    text = httpx.get(server.endpoint + "/metrics").text
    found = re.findall(
        r'sharekeeper_requests_total\{operation="([^"]*)",status="(\d+)"\} (\d+)', text
    )
    return {(name, status): int(count) for name, status, count in found}


def grown(before: dict[tuple[str, str], int], after: dict[tuple[str, str], int]) -> set[str]:
    """The (operation, status) pairs counted since ``before``, as ``name status``."""
    return {f"{k[0]} {k[1]}" for k, n in after.items() if n > before.get(k, 0)}


def signed_post(
    account: Account,
    path: str,
    service: str,
    body: bytes,
    headers: dict[str, str],
    secret: str | None = None,
) -> httpx.Response:
    request = AWSRequest("POST", f"{account.endpoint}{path}", data=body, headers=headers)
    credentials = Credentials(account.access_key, secret or account.secret_key)
    SigV4Auth(credentials, service, "us-east-1").add_auth(request)
    return httpx.post(request.url, content=body, headers=dict(request.headers.items()))


def test_boto3_calls_are_counted_as_aws_operations(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    before = counts(server)
    ram = owner.aws("ram")
    valid("ram", "CreateResourceShare", ram.create_resource_share(name="metered-aws"))
    valid("ram", "GetResourceShares", ram.get_resource_shares(resourceOwner="SELF"))
    assert code_of(ram.get_resource_shares, resourceOwner="NOBODY") == "InvalidParameterException"
    valid("sts", "GetCallerIdentity", owner.aws("sts").get_caller_identity())
    assert code_of(receiver.aws("organizations").describe_organization) == (
        "AWSOrganizationsNotInUseException"
    )
    assert {
        "aws:CreateResourceShare 200",
        "aws:GetResourceShares 200",
        "aws:GetResourceShares 400",
        "aws:GetCallerIdentity 200",
        "aws:DescribeOrganization 400",
    } <= grown(before, counts(server))


def test_refusals_before_dispatch_count_under_bounded_names(
    server: LiveServer, owner: Account
) -> None:
    before = counts(server)
    unique = uuid.uuid4().hex
    json_type = {"Content-Type": "application/json"}
    wrong = signed_post(owner, "/getresourceshares", "ram", b"{}", json_type, secret="x" * 40)
    assert wrong.status_code == 403
    unsigned = httpx.post(f"{owner.endpoint}/listresources", content=b"{}")
    assert unsigned.status_code == 403
    unknown_path = signed_post(owner, f"/nosuch{unique}", "ram", b"{}", json_type)
    assert unknown_path.status_code == 404
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    action = f"Action=Nosuch{unique}&Version=2011-06-15".encode()
    assert signed_post(owner, "/", "sts", action, form).status_code == 400
    target = {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": f"AWSOrganizationsV20161128.Nosuch{unique}",
    }
    assert signed_post(owner, "/", "organizations", b"{}", target).status_code == 400
    badly_signed = signed_post(owner, "/", "organizations", b"{}", target, secret="x" * 40)
    assert badly_signed.status_code == 403
    new = grown(before, counts(server))
    text = httpx.get(server.endpoint + "/metrics").text
    assert unique not in text and "nosuch" not in text.lower()
    # A RAM path names its operation whatever the signature, as Huawei's routes do.
    assert {"aws:GetResourceShares 403", "aws:ListResources 403"} <= new
    assert {"aws:Unknown 404", "aws:Unknown 400", "aws:Unknown 403"} <= new
