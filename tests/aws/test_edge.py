"""The AWS edge itself: what it audits, the operations it does not serve yet in their own
protocol's shape, and Huawei's API untouched beside it."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from sharekeeper.domain.accounts import Caller
from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services.audit import list_audit_records
from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, share_to
from tests.sdk.helpers import shares
from tests.support import Account, LiveServer


def test_writes_are_audited_as_aws_operations_refusals_too(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    share_to(owner, receiver)
    ram = owner.aws("ram")
    assert code_of(ram.create_resource_share, name="x", principals=[owner.aws_account_id]) == (
        "InvalidParameterException"
    )
    page = list_audit_records(
        server.runtime.context, AuditFilter(account_id=owner.account_id), PageRequest(100)
    )
    seen = [(r.operation, r.outcome.split(" ")[0]) for r in page.items]
    assert ("aws:CreateResourceShare", "200") in seen
    assert ("aws:CreateResourceShare", "400") in seen


def test_organizations_operations_not_served_say_so_in_its_shape(owner: Account) -> None:
    organizations = owner.aws("organizations")
    with pytest.raises(ClientError) as caught:
        organizations.list_policies(Filter="SERVICE_CONTROL_POLICY")
    error: Any = caught.value.response["Error"]
    assert error["Code"] == "UnsupportedOperation"
    assert "AWS Organizations's ListPolicies" in error["Message"]


def test_sts_actions_not_served_say_so(owner: Account) -> None:
    with pytest.raises(ClientError) as caught:
        owner.aws("sts").get_session_token()
    assert caught.value.response["Error"]["Code"] == "UnsupportedOperation"


def test_a_service_never_served_is_an_unknown_operation(owner: Account) -> None:
    with pytest.raises(ClientError) as caught:
        owner.aws("sqs").list_queues()
    assert caught.value.response["Error"]["Code"] in ("UnknownOperationException", "InvalidAction")


def test_huawei_requests_still_reach_huawei_api(owner: Account, receiver: Account) -> None:
    share_to(owner, receiver)
    assert [s.name for s in shares(owner)] == ["shared-subnet"]


def test_the_management_account_enables_sharing_with_its_organization(
    server: LiveServer, owner: Account, receiver: Account
) -> None:
    from sharekeeper.services import organizations

    assert code_of(owner.aws("ram").enable_sharing_with_aws_organization) == (
        "OperationNotPermittedException"  # in no organization
    )
    organization = server.organization(owner)
    organization.add(receiver)
    assert code_of(receiver.aws("ram").enable_sharing_with_aws_organization) == (
        "OperationNotPermittedException"  # a member, not its manager
    )
    answer = owner.aws("ram").enable_sharing_with_aws_organization()
    assert valid("ram", "EnableSharingWithAwsOrganization", answer)["returnValue"] is True
    ctx = server.runtime.context
    assert organizations.show_organization_sharing(ctx, Caller(owner.account_id, owner.access_key))
