"""STS (awsQuery): the caller's identity, which clients ask before anything else."""

from __future__ import annotations

from msgspec import Struct

from sharekeeper.aws.call import AwsCall
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
