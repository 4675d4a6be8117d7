"""STS (awsQuery): the caller's identity, which clients ask before anything else, and
AssumeRole onto ShareKeeper's temporary credentials (docs/aws.md, "AssumeRole")."""

from __future__ import annotations

import hashlib
import re
from base64 import b32encode
from typing import Annotated

from msgspec import Meta, Struct

from sharekeeper.aws.call import AwsCall, iso_time
from sharekeeper.domain.errors import InvalidParameter
from sharekeeper.services import identity
from sharekeeper.services.context import Context


class Empty(Struct):
    pass


class CallerIdentity(Struct, rename="pascal"):
    user_id: str
    account: str
    arn: str


def get_caller_identity(ctx: Context, call: AwsCall[Empty]) -> CallerIdentity:
    """The account's root, as AWS answers for an account's own keys (UserId is the account)."""
    account = identity.describe_caller(ctx, call.caller)
    aws_id = account.aws_account_id
    return CallerIdentity(aws_id, aws_id, f"arn:aws:iam::{aws_id}:root")


class AssumeRoleParams(Struct, rename="pascal", forbid_unknown_fields=True):
    """AssumeRole's members served. Any other (a session Policy or PolicyArns, Tags, MFA's
    SerialNumber and TokenCode, ExternalId, SourceIdentity) is refused by name rather than
    ignored: each would narrow or condition the credentials, which ShareKeeper cannot do."""

    role_arn: Annotated[str, Meta(min_length=20, max_length=2048)]
    role_session_name: Annotated[str, Meta(pattern=r"^[\w+=,.@-]{2,64}$")]
    duration_seconds: Annotated[int, Meta(ge=900, le=43200)] = 3600
    action: str = ""
    version: str = ""


class Credentials(Struct, rename="pascal"):
    access_key_id: str
    secret_access_key: str
    session_token: str
    expiration: str  # ISO 8601, as awsQuery writes a timestamp


class AssumedRoleUser(Struct, rename="pascal"):
    assumed_role_id: str
    arn: str


class AssumeRoleReply(Struct, rename="pascal"):
    credentials: Credentials
    assumed_role_user: AssumedRoleUser


def role_id(role_arn: str) -> str:
    """A role has no stored id: one derived from its ARN stays the same across sessions and
    reads, as AWS's role id does (``AROA`` and 17 characters)."""
    digest = b32encode(hashlib.sha256(role_arn.encode()).digest()).decode()
    return f"AROA{digest[:17]}"


_ROLE_ARN = re.compile(r"arn:aws:iam::(\d{12}):role/(?:[\x21-\x7e]{0,510}/)?([\w+=,.@-]{1,64})")


def assume_role(ctx: Context, call: AwsCall[AssumeRoleParams]) -> AssumeRoleReply:
    """Temporary credentials of the caller's own account. ShareKeeper has no IAM roles: an
    account is one principal, so the only role it may assume is one named in its own
    account (any role name); another account's role is AccessDenied
    (``identity.issue_session_credentials``)."""
    body = call.body
    found = _ROLE_ARN.fullmatch(body.role_arn)
    if found is None:
        raise InvalidParameter(
            f"RoleArn {body.role_arn[:256]!r} is not a role ARN: arn:aws:iam::ACCOUNT:role/NAME."
        )
    own = found[1]
    issued = identity.issue_session_credentials(ctx, call.caller, body.duration_seconds, own)
    assert issued.security_token is not None and issued.expires_at is not None
    role = found[2]
    return AssumeRoleReply(
        Credentials(
            issued.access_key,
            issued.secret_key,
            issued.security_token,
            iso_time(issued.expires_at),
        ),
        AssumedRoleUser(
            f"{role_id(body.role_arn)}:{body.role_session_name}",
            f"arn:aws:sts::{own}:assumed-role/{role}/{body.role_session_name}",
        ),
    )
