"""IAM (awsQuery), only as far as RAM needs it: RAM's service-linked role, which
terraform-provider-aws's ``aws_ram_sharing_with_organization`` reads after enabling sharing and
deletes on destroy (docs/aws.md, "IAM"). ShareKeeper has no IAM: the role is not stored, it is
read from the organization's sharing switch, so it exists exactly while that switch is on."""

from __future__ import annotations

import json
from typing import Annotated
from urllib.parse import quote

from msgspec import Meta, Struct

from sharekeeper.aws.call import AwsCall, iso_time
from sharekeeper.aws.sts import role_id
from sharekeeper.domain.errors import ServiceRoleInUse, ServiceRoleNotFound
from sharekeeper.services import organizations
from sharekeeper.services.context import Context

RAM_ROLE = "AWSServiceRoleForResourceAccessManager"
RAM_ROLE_PATH = "/aws-service-role/ram.amazonaws.com/"
# AWS's trust policy of every service-linked role: only its service may assume it.
_TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "ram.amazonaws.com"},
                "Action": "sts:AssumeRole",
            }
        ],
    },
    separators=(",", ":"),
)
_DESCRIPTION = "Service-linked role used by AWS RAM to share resources with an organization."


class RoleName(Struct, rename="pascal"):
    role_name: Annotated[str, Meta(pattern=r"^[\w+=,.@-]{1,64}$")]


class Role(Struct, rename="pascal"):
    path: str
    role_name: str
    role_id: str
    arn: str
    create_date: str
    # IAM answers a policy document URL-encoded (clients decode it: boto3 into a dict).
    assume_role_policy_document: str
    description: str
    max_session_duration: int


class GetRoleReply(Struct, rename="pascal"):
    role: Role


class DeletionTask(Struct, rename="pascal"):
    deletion_task_id: str


def _existing_since(ctx: Context, call: AwsCall[RoleName]) -> int:
    """When RAM's role came to be in the caller's account: it exists in the management account
    while its organization shares (AWS creates it there on EnableSharingWithAwsOrganization)."""
    name = call.body.role_name
    since = organizations.managed_sharing_since(ctx, call.caller) if name == RAM_ROLE else None
    if since is None:
        raise ServiceRoleNotFound(name)
    return since


def get_role(ctx: Context, call: AwsCall[RoleName]) -> GetRoleReply:
    since = _existing_since(ctx, call)
    account = call.ids.aws_id(ctx, call.caller.account_id)
    arn = f"arn:aws:iam::{account}:role{RAM_ROLE_PATH}{RAM_ROLE}"
    return GetRoleReply(
        Role(
            path=RAM_ROLE_PATH,
            role_name=RAM_ROLE,
            role_id=role_id(arn),
            arn=arn,
            create_date=iso_time(since),
            assume_role_policy_document=quote(_TRUST, safe=""),
            description=_DESCRIPTION,
            max_session_duration=3600,
        )
    )


def delete_service_linked_role(ctx: Context, call: AwsCall[RoleName]) -> DeletionTask:
    """Never deletes: a role that does not exist is NoSuchEntity (the provider's destroy takes
    that for done, after its DisableAWSServiceAccess made it so); RAM's role while sharing is
    on is refused, DeleteConflict, rather than turning sharing off behind the caller's back."""
    _existing_since(ctx, call)
    raise ServiceRoleInUse(call.body.role_name)
