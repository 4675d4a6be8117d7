"""IAM through boto3: RAM's service-linked role, which exists in the management account
exactly while its organization shares (docs/aws.md, "IAM"), and nothing else of IAM."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from botocore.exceptions import ClientError

from tests.aws.botocore_shapes import valid
from tests.clients.aws_go import AwsError, GoV2Client
from tests.support import Account, LiveServer

ROLE = "AWSServiceRoleForResourceAccessManager"
PATH = "/aws-service-role/ram.amazonaws.com/"


def refusal(call: Any, **members: Any) -> tuple[int, str, str]:
    with pytest.raises(ClientError) as caught:
        call(**members)
    response: Any = caught.value.response
    return (
        response["ResponseMetadata"]["HTTPStatusCode"],
        response["Error"]["Code"],
        response["Error"]["Message"],
    )


def test_rams_role_exists_while_the_organization_shares(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    iam = owner.aws("iam")
    # No organization, then one that does not share: no role yet.
    assert refusal(iam.get_role, RoleName=ROLE)[:2] == (404, "NoSuchEntity")
    organization = server.organization(owner)
    organization.add(receiver)
    status, code, message = refusal(iam.get_role, RoleName=ROLE)
    assert (status, code) == (404, "NoSuchEntity")
    assert message == f"The role with name {ROLE} cannot be found."

    owner.aws("ram").enable_sharing_with_aws_organization()
    answer = valid("iam", "GetRole", iam.get_role(RoleName=ROLE))
    role = answer["Role"]
    assert role["Arn"] == f"arn:aws:iam::{owner.aws_account_id}:role{PATH}{ROLE}"
    assert (role["Path"], role["RoleName"]) == (PATH, ROLE)
    assert role["RoleId"].startswith("AROA") and len(role["RoleId"]) == 21
    assert isinstance(role["CreateDate"], datetime)
    assert role["AssumeRolePolicyDocument"] == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ram.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    }
    bodies: list[bytes] = []
    iam.meta.events.register(
        "before-parse.iam.GetRole", lambda **kwargs: bodies.append(kwargs["response_dict"]["body"])
    )
    assert iam.get_role(RoleName=ROLE)["Role"]["RoleId"] == role["RoleId"]  # stable
    assert bodies[0].startswith(
        b'<GetRoleResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    )
    # It is the management account's: a member has none; another name is no role.
    assert refusal(receiver.aws("iam").get_role, RoleName=ROLE)[:2] == (404, "NoSuchEntity")
    assert refusal(iam.get_role, RoleName="AWSServiceRoleForOrganizations")[1] == "NoSuchEntity"

    # In use while sharing is on: not deleted, and sharing stays on.
    status, code, message = refusal(iam.delete_service_linked_role, RoleName=ROLE)
    assert (status, code) == (409, "DeleteConflict")
    assert "DisableAWSServiceAccess" in message
    valid("iam", "GetRole", iam.get_role(RoleName=ROLE))

    owner.aws("organizations").disable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
    assert refusal(iam.get_role, RoleName=ROLE)[:2] == (404, "NoSuchEntity")
    assert refusal(iam.delete_service_linked_role, RoleName=ROLE)[:2] == (404, "NoSuchEntity")


def test_other_iam_actions_and_bad_input_in_iams_shape(owner: Account) -> None:
    iam = owner.aws("iam")
    bodies: list[bytes] = []
    iam.meta.events.register(
        "before-parse.iam.ListRoles",
        lambda **kwargs: bodies.append(kwargs["response_dict"]["body"]),
    )
    status, code, message = refusal(iam.list_roles)
    assert (status, code) == (400, "UnsupportedOperation")
    assert "IAM's ListRoles" in message
    assert bodies[0].startswith(
        b'<ErrorResponse xmlns="https://iam.amazonaws.com/doc/2010-05-08/">'
    )
    status, code, _ = refusal(iam.get_role, RoleName="no spaces allowed")
    assert (status, code) == (400, "ValidationError")
    # Signed HTTP with STS's Version: IAM serves 2010-05-08 alone.
    signed = GoV2Client(owner.endpoint, owner.access_key, owner.secret_key, service="iam")
    with pytest.raises(AwsError) as caught:
        signed.query("GetRole", "2011-06-15", RoleName=ROLE)
    assert (caught.value.status, caught.value.code) == (404, "InvalidAction")
    assert 'xmlns="https://iam.amazonaws.com/doc/2010-05-08/"' in caught.value.message
    signed.close()
