"""The console and AWS's API in a real Chromium: a share made and accepted through boto3 shows
its AWS ARN beside its id to its owner and its receiver, each account its 12-digit AWS id, and
the operator's audit trail shows the ``aws:*`` operations and filters by API. Every page
passes axe-core and none scrolls sideways on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from tests.aws.test_customer_permissions import _create as created
from tests.aws.test_ram_flow import pending_invitation, share_to
from tests.browser.conftest import ADMIN_TOKEN
from tests.browser.console import Person
from tests.browser.test_console import _accessible
from tests.browser.test_console_views import PHONE, _checked
from tests.sdk.helpers import create_share
from tests.support import Account, LiveServer

pytestmark = pytest.mark.slow


def share_page(person: Person, account: Account, share_id: str) -> str:
    """Signed in as ``account``, whose AWS id every page's header shows: the share's page."""
    person.sign_in(account)
    assert f"AWS {account.aws_account_id}" in person.page.locator("header").inner_text()
    person.open(f"/console/shares/{share_id}")
    _checked(person)
    return person.text()


def test_a_share_made_through_aws_shows_its_arn_and_each_account_its_aws_id(
    console_server: LiveServer, people: Any
) -> None:
    owner, receiver = console_server.account("owner"), console_server.account("receiver")
    share = share_to(owner, receiver, "aws-made-subnet")
    arn = share["resourceShareArn"]  # signed for us-east-1, the region the console shows
    share_id = arn.rsplit("/", 1)[1]
    invitation = pending_invitation(receiver)
    receiver.aws("ram").accept_resource_share_invitation(
        resourceShareInvitationArn=invitation["resourceShareInvitationArn"]
    )

    alice = people(**PHONE)
    facts = share_page(alice, owner, share_id)
    assert share_id in facts and arn in facts
    assert "associated" in alice.row(receiver.account_id).inner_text()
    seen = share_page(people(**PHONE), receiver, share_id)
    assert "read-only" in seen and arn in seen and owner.aws_account_id in seen


def test_an_owner_sees_its_customer_managed_permissions(
    console_server: LiveServer, people: Any
) -> None:
    owner, other = console_server.account("owner"), console_server.account("other")
    made = created(owner, "subnet-readers")
    created(other, "not-yours")
    alice = people(**PHONE)
    alice.sign_in(owner)
    alice.open("/console/permissions")
    _checked(alice)
    row = alice.row("subnet-readers")
    assert made["arn"] in row.inner_text() and "ec2:Subnet" in row.inner_text()
    assert "not-yours" not in alice.text()


def test_the_operator_sees_aws_ids_and_filters_the_audit_trail_by_api(
    console_server: LiveServer, people: Any
) -> None:
    owner, receiver = console_server.account("owner"), console_server.account("receiver")
    share_to(owner, receiver, "through-aws")
    create_share(owner, "through-huawei", principals=[receiver.account_id])

    operator = people()
    operator.sign_in_as_operator(ADMIN_TOKEN)
    page = operator.page
    row = operator.paged_to(operator.row(owner.account_id))
    assert owner.aws_account_id in row.inner_text()

    page.get_by_role("link", name="Audit trail").click()
    page.get_by_label("Account ID").fill(owner.account_id)
    page.get_by_role("button", name="Filter").click()
    both = operator.text()
    assert "aws:CreateResourceShare" in both and "\tCreateResourceShare" in both

    page.get_by_label("API").select_option("aws")
    page.get_by_role("button", name="Filter").click()
    _accessible(operator)
    aws_only = operator.text()
    assert "aws:CreateResourceShare" in aws_only
    assert "\tCreateResourceShare" not in aws_only and "ConsoleSignIn" not in aws_only
    assert page.get_by_label("API").input_value() == "aws"

    page.get_by_label("API").select_option("huawei")
    page.get_by_role("button", name="Filter").click()
    huawei_only = operator.text()
    assert "\tCreateResourceShare" in huawei_only and "aws:" not in huawei_only

    refused = operator.open("/console/operator/audit?api=gcp")
    assert refused.status == 400 and "api must be one of" in operator.text()
