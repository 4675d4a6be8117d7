"""The AWS CLI as users drive it (``aws --endpoint-url ... ram ...``), with its own config
and credentials files in a temporary directory: the two-account flow, a rejection and an
expiry, sharing with an organization, a customer-managed permission's versions,
organizations, a role's session credentials, and a refused signature. PyPI's AWS CLI is v1
(docs/aws.md says why)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import figures
from tests.aws.test_ram_flow import subnet_arn
from tests.support import Account, LiveServer


class Cli:
    """``aws`` with one profile per account, and nothing from the environment's AWS_*."""

    def __init__(self, home: Path, endpoint: str, profiles: dict[str, dict[str, str]]) -> None:
        self.endpoint = endpoint
        config = home / "config"
        credentials = home / "credentials"
        config.write_text(
            "".join(f"[profile {n}]\nregion = us-east-1\noutput = json\n" for n in profiles)
        )
        credentials.write_text(
            "".join(
                f"[{name}]\n" + "".join(f"{k} = {v}\n" for k, v in values.items())
                for name, values in profiles.items()
            )
        )
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
        self.env |= {
            "AWS_CONFIG_FILE": str(config),
            "AWS_SHARED_CREDENTIALS_FILE": str(credentials),
            "AWS_MAX_ATTEMPTS": "1",
            "HOME": str(home),
        }

    def run(self, profile: str, *args: str) -> subprocess.CompletedProcess[str]:
        command = [sys.executable, "-m", "awscli", "--endpoint-url", self.endpoint]
        return subprocess.run(
            [*command, "--profile", profile, *args],
            env=self.env,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )

    def json(self, profile: str, *args: str) -> Any:
        done = self.run(profile, *args)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout) if done.stdout.strip() else {}


def keys(account: Account) -> dict[str, str]:
    return {"aws_access_key_id": account.access_key, "aws_secret_access_key": account.secret_key}


@pytest.fixture
def cli(tmp_path: Path, owner: Account, receiver: Account) -> Cli:
    wrong = {**keys(owner), "aws_secret_access_key": "x" * 40}
    profiles = {"owner": keys(owner), "receiver": keys(receiver), "wrong": wrong}
    return Cli(tmp_path, owner.endpoint, profiles)


def test_the_two_account_flow_through_the_cli(cli: Cli, owner: Account, receiver: Account) -> None:
    made = cli.json(
        "owner",
        "ram",
        "create-resource-share",
        "--name",
        "cli-share",
        "--principals",
        receiver.aws_account_id,
        "--resource-arns",
        subnet_arn(owner),
    )
    share_arn = made["resourceShare"]["resourceShareArn"]
    invitations = cli.json("receiver", "ram", "get-resource-share-invitations")
    (invitation,) = invitations["resourceShareInvitations"]
    assert (invitation["resourceShareArn"], invitation["status"]) == (share_arn, "PENDING")
    arn = invitation["resourceShareInvitationArn"]
    accepted = cli.json(
        "receiver",
        "ram",
        "accept-resource-share-invitation",
        "--resource-share-invitation-arn",
        arn,
    )
    assert accepted["resourceShareInvitation"]["status"] == "ACCEPTED"
    again = cli.run(
        "receiver",
        "ram",
        "accept-resource-share-invitation",
        "--resource-share-invitation-arn",
        arn,
    )
    assert again.returncode != 0
    assert "ResourceShareInvitationAlreadyAcceptedException" in again.stderr
    resources = cli.json("receiver", "ram", "list-resources", "--resource-owner", "OTHER-ACCOUNTS")
    assert [r["arn"] for r in resources["resources"]] == [subnet_arn(owner)]
    mine = cli.json("owner", "ram", "get-resource-shares", "--resource-owner", "SELF")
    assert [s["name"] for s in mine["resourceShares"]] == ["cli-share"]
    caller = cli.json("receiver", "sts", "get-caller-identity")
    assert caller["Account"] == receiver.aws_account_id
    refused = cli.run("wrong", "ram", "get-resource-shares", "--resource-owner", "SELF")
    assert refused.returncode != 0 and "InvalidSignatureException" in refused.stderr


def test_organizations_and_a_role_session_through_the_cli(
    cli: Cli, tmp_path: Path, owner: Account
) -> None:
    made = cli.json("owner", "organizations", "create-organization", "--feature-set", "ALL")
    assert made["Organization"]["MasterAccountId"] == owner.aws_account_id
    roots = cli.json("owner", "organizations", "list-roots")["Roots"]
    unit = cli.json(
        "owner",
        "organizations",
        "create-organizational-unit",
        "--parent-id",
        roots[0]["Id"],
        "--name",
        "team",
    )["OrganizationalUnit"]
    listed = cli.json(
        "owner",
        "organizations",
        "list-organizational-units-for-parent",
        "--parent-id",
        roots[0]["Id"],
    )
    assert listed["OrganizationalUnits"] == [unit]
    role = f"arn:aws:iam::{owner.aws_account_id}:role/ops"
    session = cli.json(
        "owner", "sts", "assume-role", "--role-arn", role, "--role-session-name", "cli"
    )["Credentials"]
    figures.issued(session["SecretAccessKey"], session["SessionToken"])
    (tmp_path / "role").mkdir()
    with_role = Cli(
        tmp_path / "role",
        cli.endpoint,
        {
            "role": {
                "aws_access_key_id": session["AccessKeyId"],
                "aws_secret_access_key": session["SecretAccessKey"],
                "aws_session_token": session["SessionToken"],
            }
        },
    )
    described = with_role.json("role", "organizations", "describe-organization")
    assert described["Organization"]["Id"] == made["Organization"]["Id"]


@pytest.mark.usefixtures("clock_put_back")
def test_a_rejected_and_an_expired_invitation_through_the_cli(
    cli: Cli, server: LiveServer, owner: Account, receiver: Account
) -> None:
    def share(name: str) -> str:
        made = cli.json(
            "owner",
            "ram",
            "create-resource-share",
            "--name",
            name,
            "--principals",
            receiver.aws_account_id,
            "--resource-arns",
            subnet_arn(owner, name),
        )
        return str(made["resourceShare"]["resourceShareArn"])

    def invitation(share_arn: str) -> dict[str, str]:
        found = cli.json(
            "receiver",
            "ram",
            "get-resource-share-invitations",
            "--resource-share-arns",
            share_arn,
        )
        (one,) = found["resourceShareInvitations"]
        return dict(one)

    def answer(verb: str, arn: str) -> subprocess.CompletedProcess[str]:
        flag = "--resource-share-invitation-arn"
        return cli.run("receiver", "ram", f"{verb}-resource-share-invitation", flag, arn)

    rejected_arn = invitation(share("cli-rejected"))["resourceShareInvitationArn"]
    done = answer("reject", rejected_arn)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["resourceShareInvitation"]["status"] == "REJECTED"

    expiring = share("cli-expiring")
    server.clock.advance(server.runtime.context.invitation_ttl + 1000)
    expired = invitation(expiring)
    assert expired["status"] == "EXPIRED"
    late = answer("accept", expired["resourceShareInvitationArn"])
    assert late.returncode != 0
    assert "ResourceShareInvitationExpiredException" in late.stderr
    seen = cli.json("receiver", "ram", "list-resources", "--resource-owner", "OTHER-ACCOUNTS")
    assert seen["resources"] == []


def test_sharing_with_an_organization_through_the_cli(
    cli: Cli, owner: Account, receiver: Account
) -> None:
    """The organization flow as a user scripts it: found one, invite, the member accepts, RAM
    shares with the organization's ARN (replayed by its client token), the member sees the
    share with no invitation, leaves, and sees it no more."""
    organization = cli.json("owner", "organizations", "create-organization")["Organization"]
    target = f"Id={receiver.aws_account_id},Type=ACCOUNT"
    invite = ("organizations", "invite-account-to-organization", "--target", target)
    handshake = cli.json("owner", *invite)["Handshake"]
    cli.json("receiver", "organizations", "accept-handshake", "--handshake-id", handshake["Id"])
    cli.json("owner", "ram", "enable-sharing-with-aws-organization")
    create = (
        "ram",
        "create-resource-share",
        "--name",
        "cli-org-share",
        "--principals",
        organization["Arn"],
        "--client-token",
        "cli-org-token",
    )
    made = cli.json("owner", *create)["resourceShare"]
    assert cli.json("owner", *create)["resourceShare"] == made  # a replay changes nothing
    mine = cli.json("owner", "ram", "get-resource-shares", "--resource-owner", "SELF")
    assert [s["name"] for s in mine["resourceShares"]] == ["cli-org-share"]

    def seen() -> list[str]:
        found = cli.json(
            "receiver", "ram", "get-resource-shares", "--resource-owner", "OTHER-ACCOUNTS"
        )
        return [s["resourceShareArn"] for s in found["resourceShares"]]

    assert seen() == [made["resourceShareArn"]]
    invitations = cli.json("receiver", "ram", "get-resource-share-invitations")
    assert invitations["resourceShareInvitations"] == []  # a member needs none
    cli.json("receiver", "organizations", "leave-organization")
    assert seen() == []


def test_a_customer_managed_permission_and_its_versions_through_the_cli(
    cli: Cli, owner: Account
) -> None:
    read = json.dumps({"Effect": "Allow", "Action": ["ec2:DescribeSubnets"]})
    write = json.dumps({"Effect": "Allow", "Action": ["ec2:DescribeSubnets", "ec2:CreateTags"]})
    made = cli.json(
        "owner",
        "ram",
        "create-permission",
        "--name",
        "cli-readers",
        "--resource-type",
        "ec2:Subnet",
        "--policy-template",
        read,
    )["permission"]
    arn = made["arn"]
    assert arn == f"arn:aws:ram:us-east-1:{owner.aws_account_id}:permission/cli-readers"
    cli.json(
        "owner",
        "ram",
        "create-permission-version",
        "--permission-arn",
        arn,
        "--policy-template",
        write,
    )
    versions = cli.json("owner", "ram", "list-permission-versions", "--permission-arn", arn)
    assert [(v["version"], v["defaultVersion"]) for v in versions["permissions"]] == [
        ("1", False),
        ("2", True),
    ]
    shown = cli.json("owner", "ram", "get-permission", "--permission-arn", arn)["permission"]
    assert json.loads(shown["permission"]) == json.loads(write)
    refused = cli.run(
        "owner",
        "ram",
        "delete-permission-version",
        "--permission-arn",
        arn,
        "--permission-version",
        "2",
    )
    assert refused.returncode != 0 and "OperationNotPermittedException" in refused.stderr
    mine = cli.json("owner", "ram", "list-permissions", "--permission-type", "CUSTOMER_MANAGED")
    assert [p["arn"] for p in mine["permissions"]] == [arn]
