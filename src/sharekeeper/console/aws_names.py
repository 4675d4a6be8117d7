"""What the console shows of AWS's names, built at its edge (the domain never learns them): a
share's ARN, through aws/arns.py; an account's 12-digit id is ``Console.aws_id``'s.

A share is global and its ARN may name any region (docs/aws.md, "Regions"); the console
shows it in ``REGION``, the region boto3 and the AWS CLI are most often set to. The same ARN
in any other region names the same share on the AWS API."""

from __future__ import annotations

from sharekeeper.aws.arns import SHARE, ram_arn

REGION = "us-east-1"
# The audit trail's filter by API: the AWS edge names its operations "aws:Name"; Huawei's
# API, the console's and the operator's own operations have no such prefix.
AUDIT_NAMESPACES = {"aws": "aws", "huawei": ""}


def share_arn(share_id: str, owner_aws_id: str) -> str:
    return ram_arn(SHARE, REGION, owner_aws_id, share_id)
