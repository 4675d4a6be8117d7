"""STS AssumeRole through boto3: a role in the caller's own account gives temporary
credentials that boto3 uses with ``aws_session_token`` for RAM and STS alike; another
account's role, a chained call from temporary credentials, members ShareKeeper cannot honour,
tampered, missing and expired tokens are refused."""

from __future__ import annotations

from typing import Any

import boto3
from botocore.config import Config

from tests import figures
from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, share_to
from tests.support import Account, LiveServer


def role_of(account: Account, name: str = "admin") -> str:
    return f"arn:aws:iam::{account.aws_account_id}:role/{name}"


def assumed(owner: Account, **extra: Any) -> dict[str, Any]:
    answer = owner.aws("sts").assume_role(RoleArn=role_of(owner), RoleSessionName="s-1", **extra)
    valid("sts", "AssumeRole", answer)
    credentials = answer["Credentials"]
    figures.issued(credentials["SecretAccessKey"], credentials["SessionToken"])
    return dict(answer)


def session_client(owner: Account, service: str, credentials: dict[str, Any]) -> Any:
    session = boto3.Session(
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
        aws_session_token=credentials["SessionToken"],
        region_name="us-east-1",
    )
    config = Config(retries={"max_attempts": 1})
    return session.client(service, endpoint_url=owner.endpoint, config=config)


def test_an_assumed_role_signs_for_its_account(owner: Account, receiver: Account) -> None:
    answer = assumed(owner, DurationSeconds=900)
    user = answer["AssumedRoleUser"]
    assert user["Arn"] == f"arn:aws:sts::{owner.aws_account_id}:assumed-role/admin/s-1"
    assert user["AssumedRoleId"].startswith("AROA") and user["AssumedRoleId"].endswith(":s-1")
    credentials = answer["Credentials"]
    sts = session_client(owner, "sts", credentials)
    assert sts.get_caller_identity()["Account"] == owner.aws_account_id
    ram = session_client(owner, "ram", credentials)
    made = ram.create_resource_share(name="by-role", principals=[receiver.aws_account_id])
    assert valid("ram", "CreateResourceShare", made)["resourceShare"]["owningAccountId"] == (
        owner.aws_account_id
    )
    # Temporary credentials cannot renew themselves.
    assert code_of(sts.assume_role, RoleArn=role_of(owner), RoleSessionName="again") == (
        "AccessDenied"
    )


def test_refused_roles_and_members(owner: Account, receiver: Account) -> None:
    sts = owner.aws("sts")
    assert code_of(sts.assume_role, RoleArn=role_of(receiver), RoleSessionName="s-1") == (
        "AccessDenied"
    )
    assert code_of(sts.assume_role, RoleArn="arn:aws:iam::1:user/x", RoleSessionName="s-1") == (
        "ValidationError"
    )
    policy = '{"Version": "2012-10-17", "Statement": []}'
    assert code_of(
        sts.assume_role, RoleArn=role_of(owner), RoleSessionName="s-1", Policy=policy
    ) == ("ValidationError")
    unchecked = boto3.client(  # boto3 would refuse it before sending
        "sts",
        endpoint_url=owner.endpoint,
        region_name="us-east-1",
        aws_access_key_id=owner.access_key,
        aws_secret_access_key=owner.secret_key,
        config=Config(parameter_validation=False, retries={"max_attempts": 1}),
    )
    short = {"RoleArn": role_of(owner), "RoleSessionName": "s-1", "DurationSeconds": 60}
    assert code_of(unchecked.assume_role, **short) == "ValidationError"


def test_tampered_missing_and_expired_tokens_are_refused(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    credentials = assumed(owner, DurationSeconds=900)["Credentials"]
    token = credentials["SessionToken"]
    tampered = {**credentials, "SessionToken": token[:-1] + ("A" if token[-1] != "A" else "B")}
    ram = session_client(owner, "ram", tampered)
    assert code_of(ram.get_resource_shares, resourceOwner="SELF") == "UnrecognizedClientException"
    without = boto3.client(
        "ram",
        endpoint_url=owner.endpoint,
        region_name="us-east-1",
        aws_access_key_id=credentials["AccessKeyId"],
        aws_secret_access_key=credentials["SecretAccessKey"],
    )
    assert code_of(without.get_resource_shares, resourceOwner="SELF") == (
        "UnrecognizedClientException"
    )
    share_to(owner, receiver)
    working = session_client(owner, "ram", credentials)
    assert len(working.get_resource_shares(resourceOwner="SELF")["resourceShares"]) == 1
    server.clock.advance(901_000)
    assert code_of(working.get_resource_shares, resourceOwner="SELF") == (
        "UnrecognizedClientException"
    )
