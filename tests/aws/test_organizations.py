"""AWS Organizations through boto3, as a RAM user scripts it: an organization made, an
account invited and accepting, an OU and a move, sharing through AWS RAM with the
organization's and the OU's ARNs as Organizations answers them, the member leaving and losing
them; created accounts, declined and cancelled invitations, and AWS's error names. Every
answer is checked against botocore's ``organizations`` model."""

from __future__ import annotations

import re
import threading
from collections import Counter
from typing import Any

import httpx
from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services.audit import list_audit_records
from tests.aws.botocore_shapes import valid
from tests.aws.test_ram_flow import code_of, subnet_arn
from tests.support import Account, LiveServer

_OU_ID = re.compile(r"ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}")  # botocore's pattern


def orgs(account: Account) -> Any:
    return account.aws("organizations")


def theirs(account: Account) -> list[str]:
    answer = account.aws("ram").get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
    return sorted(s["name"] for s in valid("ram", "GetResourceShares", answer)["resourceShares"])


def join(management: Account, member: Account) -> dict[str, Any]:
    """``member`` invited and accepting: the accepted handshake."""
    target = {"Id": member.aws_account_id, "Type": "ACCOUNT"}
    invited = orgs(management).invite_account_to_organization(Target=target, Notes="join us")
    handshake = valid("organizations", "InviteAccountToOrganization", invited)["Handshake"]
    assert handshake["State"] == "OPEN"
    accepted = orgs(member).accept_handshake(HandshakeId=handshake["Id"])
    return dict(valid("organizations", "AcceptHandshake", accepted)["Handshake"])


def test_the_organization_flow_shares_with_members_until_they_leave(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    o = orgs(owner)
    assert code_of(o.describe_organization) == "AWSOrganizationsNotInUseException"
    made = valid("organizations", "CreateOrganization", o.create_organization(FeatureSet="ALL"))
    organization = made["Organization"]
    assert organization["MasterAccountId"] == owner.aws_account_id
    assert code_of(o.create_organization) == "AlreadyInOrganizationException"
    (root,) = valid("organizations", "ListRoots", o.list_roots())["Roots"]

    accepted = join(owner, receiver)
    assert accepted["State"] == "ACCEPTED"
    assert code_of(orgs(receiver).accept_handshake, HandshakeId=accepted["Id"]) == (
        "InvalidHandshakeTransitionException"
    )
    described = orgs(receiver).describe_organization()
    assert valid("organizations", "DescribeOrganization", described)["Organization"] == organization

    unit = valid(
        "organizations",
        "CreateOrganizationalUnit",
        o.create_organizational_unit(ParentId=root["Id"], Name="team"),
    )["OrganizationalUnit"]
    assert _OU_ID.fullmatch(unit["Id"]) and unit["Arn"].endswith(f"/{unit['Id']}")
    assert code_of(o.create_organizational_unit, ParentId=root["Id"], Name="team") == (
        "DuplicateOrganizationalUnitException"
    )
    o.move_account(
        AccountId=receiver.aws_account_id, SourceParentId=root["Id"], DestinationParentId=unit["Id"]
    )
    under = valid(
        "organizations", "ListAccountsForParent", o.list_accounts_for_parent(ParentId=unit["Id"])
    )
    assert [a["Id"] for a in under["Accounts"]] == [receiver.aws_account_id]
    assert under["Accounts"][0]["JoinedMethod"] == "INVITED"
    assert code_of(orgs(receiver).list_accounts) == "AccessDeniedException"
    children = o.list_organizational_units_for_parent(ParentId=root["Id"])
    assert valid("organizations", "ListOrganizationalUnitsForParent", children)[
        "OrganizationalUnits"
    ] == [unit]

    o.enable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
    access = o.list_aws_service_access_for_organization()
    enabled = valid("organizations", "ListAWSServiceAccessForOrganization", access)
    assert [s["ServicePrincipal"] for s in enabled["EnabledServicePrincipals"]] == [
        "ram.amazonaws.com"
    ]
    ram = owner.aws("ram")
    ram.create_resource_share(
        name="org-share", principals=[organization["Arn"]], resourceArns=[subnet_arn(owner)]
    )
    ram.create_resource_share(name="ou-share", principals=[unit["Arn"]])
    answer = ram.list_principals(resourceOwner="SELF")
    listed = valid("ram", "ListPrincipals", answer)["principals"]
    assert sorted(p["id"] for p in listed) == sorted([organization["Arn"], unit["Arn"]])
    assert theirs(receiver) == ["org-share", "ou-share"]
    assert receiver.aws("ram").get_resource_share_invitations()["resourceShareInvitations"] == []
    assert theirs(outsider) == []

    o.disable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
    access = o.list_aws_service_access_for_organization()
    assert access["EnabledServicePrincipals"] == []
    # Sharing with the organization is suspended while RAM is not trusted (the core's rule,
    # whichever API turns it off), and back once trusted again.
    assert theirs(receiver) == []
    o.enable_aws_service_access(ServicePrincipal="ram.amazonaws.com")
    assert theirs(receiver) == ["org-share", "ou-share"]
    orgs(receiver).leave_organization()
    assert theirs(receiver) == []
    assert code_of(orgs(receiver).describe_organization) == "AWSOrganizationsNotInUseException"
    o.delete_organizational_unit(OrganizationalUnitId=unit["Id"])
    assert code_of(o.describe_organizational_unit, OrganizationalUnitId=unit["Id"]) == (
        "OrganizationalUnitNotFoundException"
    )
    o.delete_organization()
    assert code_of(o.describe_organization) == "AWSOrganizationsNotInUseException"


def test_invitations_declined_cancelled_and_listed(owner: Account, receiver: Account) -> None:
    o = orgs(owner)
    o.create_organization()
    target = {"Id": receiver.aws_account_id, "Type": "ACCOUNT"}
    first = o.invite_account_to_organization(Target=target)["Handshake"]
    assert code_of(o.invite_account_to_organization, Target=target) == (
        "DuplicateHandshakeException"
    )
    mine = orgs(receiver).list_handshakes_for_account()
    assert [
        h["Id"] for h in valid("organizations", "ListHandshakesForAccount", mine)["Handshakes"]
    ] == [first["Id"]]
    declined = orgs(receiver).decline_handshake(HandshakeId=first["Id"])
    assert valid("organizations", "DeclineHandshake", declined)["Handshake"]["State"] == "DECLINED"
    second = o.invite_account_to_organization(Target=target)["Handshake"]
    cancelled = o.cancel_handshake(HandshakeId=second["Id"])
    assert valid("organizations", "CancelHandshake", cancelled)["Handshake"]["State"] == "CANCELED"
    assert code_of(orgs(receiver).accept_handshake, HandshakeId=second["Id"]) == (
        "InvalidHandshakeTransitionException"
    )
    sent = valid(
        "organizations", "ListHandshakesForOrganization", o.list_handshakes_for_organization()
    )
    assert {h["Id"]: h["State"] for h in sent["Handshakes"]} == {second["Id"]: "CANCELED"}
    # Another organization's invitation is as absent to the receiver's neighbour.
    assert code_of(o.cancel_handshake, HandshakeId="h-" + "0" * 32) == "HandshakeNotFoundException"
    assert code_of(
        o.invite_account_to_organization, Target={"Id": "receiver@example.com", "Type": "EMAIL"}
    ) == ("InvalidInputException")
    assert code_of(
        o.invite_account_to_organization, Target={"Id": "0" * 12, "Type": "ACCOUNT"}
    ) == ("AccountNotFoundException")


def test_created_accounts_are_listed_paged_and_removed(owner: Account) -> None:
    o = orgs(owner)
    o.create_organization()
    made = o.create_account(Email="new@example.com", AccountName="new")
    status = valid("organizations", "CreateAccount", made)["CreateAccountStatus"]
    assert status["State"] == "SUCCEEDED" and status["Id"].startswith("car-")
    again = o.describe_create_account_status(CreateAccountRequestId=status["Id"])
    assert valid("organizations", "DescribeCreateAccountStatus", again)["CreateAccountStatus"] == (
        status
    )
    account = o.describe_account(AccountId=status["AccountId"])["Account"]
    assert (account["Name"], account["Email"], account["JoinedMethod"]) == (
        "new",
        "new@example.com",
        "CREATED",
    )
    seen: list[str] = []
    token: dict[str, str] = {}
    while True:
        page = valid("organizations", "ListAccounts", o.list_accounts(MaxResults=1, **token))
        seen += [a["Id"] for a in page["Accounts"]]
        if "NextToken" not in page:
            break
        token = {"NextToken": page["NextToken"]}
    assert sorted(seen) == sorted([owner.aws_account_id, status["AccountId"]])
    assert code_of(o.remove_account_from_organization, AccountId=owner.aws_account_id) == (
        "MasterCannotLeaveOrganizationException"
    )
    o.remove_account_from_organization(AccountId=status["AccountId"])
    assert code_of(o.describe_account, AccountId=status["AccountId"]) == (
        "AccountNotFoundException"
    )
    assert code_of(o.describe_account, AccountId="12345") == "InvalidInputException"
    assert code_of(o.enable_aws_service_access, ServicePrincipal="s3.amazonaws.com") == (
        "InvalidInputException"
    )
    assert code_of(o.delete_organizational_unit, OrganizationalUnitId="ou-abcd-12345678") == (
        "OrganizationalUnitNotFoundException"
    )


def test_one_directory_for_both_apis_and_writes_audited(server: LiveServer, owner: Account) -> None:
    from huaweicloudsdkorganizations.v1 import (
        ListOrganizationalUnitsRequest,
        ShowOrganizationRequest,
    )

    o = orgs(owner)
    made = o.create_organization()["Organization"]
    root = o.list_roots()["Roots"][0]
    unit = o.create_organizational_unit(ParentId=root["Id"], Name="both")["OrganizationalUnit"]
    huawei = owner.organizations
    shown = huawei.show_organization(ShowOrganizationRequest()).organization
    assert (shown.id, shown.management_account_id) == (made["Id"], owner.account_id)
    units = huawei.list_organizational_units(ListOrganizationalUnitsRequest()).organizational_units
    # The same OU: AWS's id is the directory's with a hyphen after its first 4 characters.
    assert [(u.id, u.name) for u in units] == [("ou-" + unit["Id"][3:].replace("-", ""), "both")]
    page = list_audit_records(
        server.runtime.context, AuditFilter(account_id=owner.account_id), PageRequest(100)
    )
    seen = {(r.operation, r.outcome.split(" ")[0]) for r in page.items}
    assert {("aws:CreateOrganization", "200"), ("aws:CreateOrganizationalUnit", "200")} <= seen


def test_an_invitation_has_one_answer_when_accept_and_cancel_race(
    owner: Account, receiver: Account
) -> None:
    orgs(owner).create_organization()
    target = {"Id": receiver.aws_account_id, "Type": "ACCOUNT"}
    handshake = orgs(owner).invite_account_to_organization(Target=target)["Handshake"]
    contenders = [(orgs(receiver), "accept_handshake") for _ in range(4)]
    contenders += [(orgs(owner), "cancel_handshake") for _ in range(4)]
    barrier = threading.Barrier(len(contenders))
    outcomes = [""] * len(contenders)

    def contend(index: int) -> None:
        client, operation = contenders[index]
        barrier.wait()
        try:
            answer = getattr(client, operation)(HandshakeId=handshake["Id"])
            outcomes[index] = "won:" + answer["Handshake"]["State"]
        except ClientError as error:
            outcomes[index] = str(error.response["Error"]["Code"])
        except Exception as error:  # recorded, so the assertion shows it
            outcomes[index] = repr(error)

    threads = [threading.Thread(target=contend, args=(i,)) for i in range(len(contenders))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    counted = Counter(outcomes)
    winners = [o for o in counted if o.startswith("won:")]
    assert len(winners) == 1 and counted[winners[0]] == 1, counted
    losers = set(counted) - {winners[0]}
    assert losers <= {"InvalidHandshakeTransitionException", "ConcurrentModificationException"}
    sent = orgs(owner).list_handshakes_for_organization()["Handshakes"]
    assert [h["State"] for h in sent] == [winners[0].removeprefix("won:")]


def test_bad_bodies_are_invalid_input_in_awsjson_shape(owner: Account) -> None:
    def post(target: str, body: bytes) -> httpx.Response:
        request = AWSRequest(
            "POST",
            owner.endpoint + "/",
            data=body,
            headers={
                "Content-Type": "application/x-amz-json-1.1",
                "X-Amz-Target": f"AWSOrganizationsV20161128.{target}",
            },
        )
        credentials = Credentials(owner.access_key, owner.secret_key)
        SigV4Auth(credentials, "organizations", "us-east-1").add_auth(request)
        return httpx.post(request.url, content=body, headers=dict(request.headers.items()))

    orgs(owner).create_organization()
    for target, body in [
        ("DescribeAccount", b"{not json"),
        ("DescribeAccount", b'{"AccountId": 12}'),
        ("ListAccounts", b'{"MaxResults": 21}'),
        ("CreateOrganizationalUnit", b'{"Name": "no parent"}'),
    ]:
        answer = post(target, body)
        assert answer.status_code == 400, (target, body, answer.text)
        assert answer.headers["content-type"] == "application/x-amz-json-1.1"
        assert answer.json()["__type"] == "InvalidInputException", (target, body, answer.text)
    nothing = post("ListPolicies", b"{}")
    assert (nothing.status_code, nothing.json()["__type"]) == (400, "UnsupportedOperation")


def test_a_created_account_closed_reads_suspended_and_closed(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    """CloseAccount: the account leaves at once and DescribeAccount shows it as AWS shows a
    closed account (Status SUSPENDED, State CLOSED); an invited account, the management
    account, an unknown one and a non-manager are refused in AWS's names."""
    o = orgs(owner)
    o.create_organization()
    made = o.create_account(Email="gone@example.com", AccountName="gone")["CreateAccountStatus"]
    closing = made["AccountId"]
    closed = valid("organizations", "CloseAccount", o.close_account(AccountId=closing))
    assert set(closed) == {"ResponseMetadata"}
    account = valid("organizations", "DescribeAccount", o.describe_account(AccountId=closing))
    assert account["Account"] | {"Arn": None} == {
        "Id": closing,
        "Arn": None,
        "Name": "gone",
        "Status": "SUSPENDED",
        "State": "CLOSED",
        "JoinedMethod": "CREATED",
    }
    organization = o.describe_organization()["Organization"]
    assert account["Account"]["Arn"] == (
        f"arn:aws:organizations::{owner.aws_account_id}:account/{organization['Id']}/{closing}"
    )
    listed = valid("organizations", "ListAccounts", o.list_accounts())["Accounts"]
    assert [a["Id"] for a in listed] == [owner.aws_account_id]  # it left at once
    # Closed already: it is in the organization no more.
    assert code_of(o.close_account, AccountId=closing) == "AccountNotFoundException"

    join(owner, receiver)
    assert code_of(o.close_account, AccountId=receiver.aws_account_id) == (
        "ConstraintViolationException"  # invited, not created: remove it instead
    )
    assert code_of(o.close_account, AccountId=owner.aws_account_id) == (
        "MasterCannotLeaveOrganizationException"
    )
    assert code_of(o.close_account, AccountId=outsider.aws_account_id) == (
        "AccountNotFoundException"
    )
    assert code_of(o.describe_account, AccountId=outsider.aws_account_id) == (
        "AccountNotFoundException"
    )
    assert code_of(o.close_account, AccountId="12345") == "InvalidInputException"
    assert code_of(orgs(receiver).close_account, AccountId=closing) == "AccessDeniedException"
    assert code_of(orgs(receiver).describe_account, AccountId=closing) == "AccessDeniedException"
    status = valid(
        "organizations", "DescribeAccount", o.describe_account(AccountId=receiver.aws_account_id)
    )["Account"]
    assert (status["Status"], status["State"]) == ("ACTIVE", "ACTIVE")
