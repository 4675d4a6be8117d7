"""A hostile caller's review of the AWS edge (docs/aws.md, "Hostile callers"): each finding
reproduced through signed HTTP (botocore's own signer, then the request altered as an attacker
would), answered in AWS's error shape with a 4xx, nothing changed."""

from __future__ import annotations

import hashlib
import json
import re
from typing import Any
from xml.etree import ElementTree

import httpx
import pytest
from botocore.auth import SigV4Auth, SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from botocore.exceptions import ClientError

from sharekeeper.domain.audit import AuditFilter
from sharekeeper.domain.paging import PageRequest
from sharekeeper.services.audit import list_audit_records
from tests.sdk.helpers import create_share
from tests.support import Account, LiveServer

BODY = json.dumps({"resourceOwner": "SELF"}).encode()


def _signed(
    account: Account,
    path: str,
    body: bytes,
    *,
    service: str = "ram",
    region: str = "us-east-1",
    headers: dict[str, str] | None = None,
) -> tuple[str, dict[str, str], bytes]:
    request = AWSRequest(
        "POST",
        f"{account.endpoint}{path}",
        data=body,
        headers={"Content-Type": "application/json", **(headers or {})},
    )
    SigV4Auth(Credentials(account.access_key, account.secret_key), service, region).add_auth(
        request
    )
    return request.url, dict(request.headers.items()), body


def _post(url: str, headers: dict[str, str], body: bytes) -> httpx.Response:
    return httpx.post(url, content=body, headers=headers)


def _refusal(response: httpx.Response) -> tuple[int, str]:
    assert json.loads(response.content).get("message"), response.text
    return response.status_code, response.headers["x-amzn-ErrorType"]


def _presigned(account: Account, expires: int = 60) -> str:
    request = AWSRequest(
        "GET",
        f"{account.endpoint}/",
        params=[("Action", "GetCallerIdentity"), ("Version", "2011-06-15")],
    )
    credentials = Credentials(account.access_key, account.secret_key)
    SigV4QueryAuth(credentials, "sts", "us-east-1", expires=expires).add_auth(request)
    return str(request.prepare().url)


def _sts_code(response: httpx.Response) -> str:
    found = re.search(r"<Code>([^<]*)</Code>", response.text)
    assert found is not None, response.text
    return found[1]


@pytest.mark.parametrize("signature", ["\u00e9" * 64, "zz", "A" * 64])
def test_a_signature_that_is_not_hex_is_refused_not_a_500(owner: Account, signature: str) -> None:
    url, headers, body = _signed(owner, "/getresourceshares", BODY)
    headers["Authorization"] = re.sub(
        r"Signature=[0-9a-f]+", "Signature=" + signature, headers["Authorization"]
    )
    raw = [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
    response = httpx.post(url, content=body, headers=raw)
    assert _refusal(response) == (403, "InvalidSignatureException")


@pytest.mark.parametrize(
    "expires", ["%C2%B2", "%D9%A3", "9" * 5000, "-5", "0", "604801", "1e3", "abc", ""]
)
def test_a_presigned_expiry_out_of_range_or_not_ascii_digits_is_refused(
    owner: Account, expires: str
) -> None:
    url = re.sub(r"X-Amz-Expires=\d+", "X-Amz-Expires=" + expires, _presigned(owner))
    response = httpx.get(url)
    assert response.status_code == 403, response.text
    assert _sts_code(response) == "SignatureDoesNotMatch"


def test_a_presigned_signature_not_hex_is_refused(owner: Account) -> None:
    url = re.sub(r"X-Amz-Signature=[0-9a-f]+", "X-Amz-Signature=%C3%A9", _presigned(owner))
    response = httpx.get(url)
    assert response.status_code == 403, response.text
    assert _sts_code(response) == "SignatureDoesNotMatch"


def test_unsigned_payload_is_refused_as_ram_and_sts_refuse_it(owner: Account) -> None:
    """AWS computes the payload hash itself for every service but S3 (and the few whose
    model carries the unsignedPayload trait, none of RAM, STS, Organizations): a request
    signed over UNSIGNED-PAYLOAD could have its body replaced by anyone who saw it."""
    unsigned = {"X-Amz-Content-SHA256": "UNSIGNED-PAYLOAD"}
    url, headers, _ = _signed(owner, "/getresourceshares", BODY, headers=unsigned)
    other = json.dumps({"resourceOwner": "OTHER-ACCOUNTS"}).encode()
    assert _refusal(_post(url, headers, other)) == (403, "InvalidSignatureException")
    assert _refusal(_post(url, headers, BODY)) == (403, "InvalidSignatureException")
    # The body's own hash, declared, is what botocore sends to S3 and is accepted.
    declared = {"X-Amz-Content-SHA256": hashlib.sha256(BODY).hexdigest()}
    assert _post(*_signed(owner, "/getresourceshares", BODY, headers=declared)).status_code == 200


@pytest.mark.parametrize("region", ["us-east-1:x", "US-EAST-1", "<b>", "", "a" * 70])
def test_a_scope_region_that_no_arn_can_carry_is_refused(owner: Account, region: str) -> None:
    response = _post(*_signed(owner, "/getresourceshares", BODY, region=region))
    assert _refusal(response) == (403, "InvalidSignatureException")


def test_a_principal_of_digits_that_are_not_ascii_is_malformed(owner: Account) -> None:
    arabic = "\u0661\u0662\u0663\u0664\u0665\u0666\u0667\u0668\u0669\u0660\u0661\u0662"
    body = json.dumps(
        {"name": "x", "principals": [arabic], "resourceArns": []}, ensure_ascii=True
    ).encode()
    response = _post(*_signed(owner, "/createresourceshare", body))
    assert _refusal(response) == (400, "InvalidParameterException")
    listed = _post(*_signed(owner, "/getresourceshares", BODY))
    assert listed.json() == {"resourceShares": []}


def _owner_view(owner: Account, share_arn: str) -> list[Any]:
    ram = owner.aws("ram")
    shares = ram.get_resource_shares(resourceOwner="SELF")["resourceShares"]
    view: list[Any] = [(s["name"], s["status"], s.get("tags")) for s in shares]
    for kind in ("PRINCIPAL", "RESOURCE"):
        found = ram.get_resource_share_associations(
            associationType=kind, resourceShareArns=[share_arn]
        )["resourceShareAssociations"]
        view.append(sorted((a["associatedEntity"], a["status"]) for a in found))
    permissions = ram.list_resource_share_permissions(resourceShareArn=share_arn)["permissions"]
    view.append(sorted(p["arn"] for p in permissions))
    return view


def _calls(share_arn: str, invitation_arn: str, victim: Account, me: Account) -> list[Any]:
    """Every served RAM operation that names a share or an invitation, aimed at the victim's;
    each ARN also with the caller's own account id in it (the account part is decoration)."""
    mine = re.sub(r":\d{12}:", f":{me.aws_account_id}:", share_arn)
    subnet = f"arn:aws:ec2:us-east-1:{me.aws_account_id}:subnet/mine"
    permission = "arn:aws:ram::aws:permission/AWSRAMPermissionSubnetReadonly"
    calls: list[Any] = []
    for arn in (share_arn, mine):
        calls += [
            ("update_resource_share", {"resourceShareArn": arn, "name": "taken"}),
            ("delete_resource_share", {"resourceShareArn": arn}),
            ("associate_resource_share", {"resourceShareArn": arn, "resourceArns": [subnet]}),
            (
                "associate_resource_share",
                {"resourceShareArn": arn, "principals": [me.aws_account_id]},
            ),
            (
                "disassociate_resource_share",
                {"resourceShareArn": arn, "principals": [victim.aws_account_id]},
            ),
            ("tag_resource", {"resourceShareArn": arn, "tags": [{"key": "k", "value": "v"}]}),
            ("untag_resource", {"resourceShareArn": arn, "tagKeys": ["team"]}),
            (
                "associate_resource_share_permission",
                {"resourceShareArn": arn, "permissionArn": permission, "replace": True},
            ),
            (
                "disassociate_resource_share_permission",
                {"resourceShareArn": arn, "permissionArn": permission},
            ),
            ("list_resource_share_permissions", {"resourceShareArn": arn}),
        ]
    calls += [
        ("accept_resource_share_invitation", {"resourceShareInvitationArn": invitation_arn}),
        ("reject_resource_share_invitation", {"resourceShareInvitationArn": invitation_arn}),
        ("list_pending_invitation_resources", {"resourceShareInvitationArn": invitation_arn}),
    ]
    return calls


def test_no_operation_reaches_another_accounts_share_or_invitation(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    share = owner.aws("ram").create_resource_share(
        name="victim",
        resourceArns=[f"arn:aws:ec2:us-east-1:{owner.aws_account_id}:subnet/s-1"],
        principals=[receiver.aws_account_id],
        tags=[{"key": "team", "value": "net"}],
    )["resourceShare"]
    arn = share["resourceShareArn"]
    receiver_ram = receiver.aws("ram")
    (invitation,) = receiver_ram.get_resource_share_invitations()["resourceShareInvitations"]
    before = _owner_view(owner, arn)
    refused: dict[str, set[str]] = {}
    # The outsider at everything; the invited receiver at what only the owner may do.
    for caller in (outsider, receiver):
        ram = caller.aws("ram")
        for name, members in _calls(arn, invitation["resourceShareInvitationArn"], owner, caller):
            if caller is receiver and "invitation" in name:
                continue
            try:
                answer = getattr(ram, name)(**members)
            except ClientError as error:
                status = error.response["ResponseMetadata"]["HTTPStatusCode"]
                assert 400 <= status < 500, (name, error.response)
                refused.setdefault(name, set()).add(error.response["Error"]["Code"])
                continue
            # Only a read may answer, and with nothing of the victim's in it.
            assert name.startswith("list_"), (caller.account_id, name, answer)
            assert owner.aws_account_id not in json.dumps(answer, default=str), answer
    assert _owner_view(owner, arn) == before
    assert receiver_ram.get_resource_share_invitations()["resourceShareInvitations"] == [invitation]
    # A share not the caller's reads as absent (an associate naming the caller itself is a
    # bad parameter whatever the share); an invitation not the caller's, likewise.
    for name, codes in refused.items():
        if "invitation" in name:
            assert codes == {"ResourceShareInvitationArnNotFoundException"}, name
        else:
            assert "UnknownResourceException" in codes, name
            assert codes <= {"UnknownResourceException", "InvalidParameterException"}, name
    assert len(refused) == 12


def test_a_next_token_replayed_by_another_caller_or_filter_shows_nothing_of_its_maker(
    owner: Account, receiver: Account, outsider: Account
) -> None:
    ram = owner.aws("ram")
    for n in range(3):
        ram.create_resource_share(
            name=f"s{n}",
            resourceArns=[f"arn:aws:ec2:us-east-1:{owner.aws_account_id}:subnet/s-{n}"],
            principals=[receiver.aws_account_id],
        )
    tokens = {
        "GetResourceShares": ram.get_resource_shares(resourceOwner="SELF", maxResults=1),
        "ListResources": ram.list_resources(resourceOwner="SELF", maxResults=1),
        "GetResourceShareInvitations": receiver.aws("ram").get_resource_share_invitations(
            maxResults=1
        ),
    }
    them = outsider.aws("ram")
    assert [n for n, page in tokens.items() if "nextToken" not in page] == []
    for made_by, page in tokens.items():
        token = page["nextToken"]
        replays: list[tuple[str, dict[str, str]]] = [
            ("get_resource_shares", {"resourceOwner": "SELF"}),
            ("get_resource_shares", {"resourceOwner": "OTHER-ACCOUNTS"}),
            ("list_resources", {"resourceOwner": "OTHER-ACCOUNTS"}),
            ("list_principals", {"resourceOwner": "SELF"}),
            ("get_resource_share_invitations", {}),
        ]
        for name, members in replays:
            try:
                answer = getattr(them, name)(nextToken=token, **members)
            except ClientError as error:
                assert error.response["Error"]["Code"] == "InvalidParameterException", made_by
                continue
            answer.pop("ResponseMetadata")
            assert owner.aws_account_id not in json.dumps(answer), (made_by, answer)
            assert receiver.aws_account_id not in json.dumps(answer), (made_by, answer)


@pytest.mark.parametrize(
    "body",
    [
        b"Action=GetCallerIdentity",
        b"Action=AssumeRole&Version=2011-06-15&Action=GetCallerIdentity",
        b"Action=" + b"A" * 5000 + b"&Version=2011-06-15",
        b"\xff\xfe\x00Action=GetCallerIdentity&Version=2011-06-15",
        b"Action=AssumeRole&Version=2011-06-15&RoleArn=%00",
        b"%%%%",
        b"{}",
    ],
)
def test_sts_bad_forms_are_awsquery_4xx(owner: Account, body: bytes) -> None:
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    url, headers, _ = _signed(owner, "/", body, service="sts", headers=form)
    response = _post(url, headers, body)
    assert 400 <= response.status_code < 500, response.text
    assert response.headers["content-type"] == "text/xml"
    assert _sts_code(response)


@pytest.mark.parametrize(
    "target",
    [
        "",
        "AWSOrganizationsV20161128.",
        "AWSOrganizationsV20161128." + "X" * 5000,
        "Other.DescribeOrganization",
        "\u00e9",
    ],
)
def test_organizations_bad_targets_are_awsjson_4xx(owner: Account, target: str) -> None:
    url, headers, body = _signed(
        owner,
        "/",
        b"{",
        service="organizations",
        headers={"X-Amz-Target": target, "Content-Type": "application/x-amz-json-1.1"},
    )
    raw = [(k.encode(), v.encode("latin-1")) for k, v in headers.items()]
    response = httpx.post(url, content=body, headers=raw)
    assert 400 <= response.status_code < 500, response.text
    assert response.json()["__type"]


@pytest.mark.parametrize("count", [5000])
def test_huge_lists_are_refused_whole(owner: Account, count: int) -> None:
    ram = owner.aws("ram")
    many_principals = [f"{n:012d}" for n in range(1, count + 1)]
    many_resources = [
        f"arn:aws:ec2:us-east-1:{owner.aws_account_id}:subnet/s-{n}" for n in range(count)
    ]
    for members in (
        {"principals": many_principals},
        {"resourceArns": many_resources},
        {"tags": [{"key": f"k{n}", "value": "v"} for n in range(count)]},
    ):
        with pytest.raises(ClientError) as caught:
            ram.create_resource_share(name="huge", **members)
        status = caught.value.response["ResponseMetadata"]["HTTPStatusCode"]
        assert 400 <= status < 500, caught.value.response
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []


def test_a_huawei_principal_of_zeros_and_hex_reads_as_no_aws_account(owner: Account) -> None:
    """Twenty zeros then 12 characters is how an AWS id no account has is kept; one whose
    last 12 are not digits came from Huawei's API and is no AWS account id at all."""
    share = create_share(owner, "zeros", principals=["00000000000000000000abcdef012345"])
    answer = owner.aws("ram").get_resource_share_associations(
        associationType="PRINCIPAL",
        resourceShareArns=[
            f"arn:aws:ram:us-east-1:{owner.aws_account_id}:resource-share/{share.id}"
        ],
    )
    (principal,) = answer["resourceShareAssociations"]
    assert principal["associatedEntity"] == "000000000000"


def test_a_scope_for_another_service_does_not_run_a_ram_operation(owner: Account) -> None:
    for service, shape in (("sts", "text/xml"), ("organizations", "application/x-amz-json-1.1")):
        url, headers, body = _signed(owner, "/getresourceshares", BODY, service=service)
        response = _post(url, headers, body)
        assert 400 <= response.status_code < 500, (service, response.text)
        assert response.headers["content-type"] == shape
        assert "resourceShares" not in response.text


def test_refused_signatures_are_not_audited_nor_counted_as_on_huaweis_hmac(
    server: LiveServer, owner: Account
) -> None:
    """SigV4 is an HMAC like Huawei's SDK-HMAC-SHA256: a refusal proves no account, so it is
    not an audit record (docs/security.md), and a wrong secret spends no allowance the
    owner's own requests need: the owner is served in between and after."""
    for _ in range(30):
        url, headers, body = _signed(owner, "/getresourceshares", BODY)
        headers["Authorization"] = headers["Authorization"][:-4] + "0000"
        assert _refusal(_post(url, headers, body)) == (403, "InvalidSignatureException")
    assert _post(*_signed(owner, "/getresourceshares", BODY)).status_code == 200
    page = list_audit_records(
        server.runtime.context, AuditFilter(account_id=owner.account_id), PageRequest(100)
    )
    assert page.items == []  # GetResourceShares is a read: only writes are audited


LISTS = [
    ("/getresourceshares", {"resourceOwner": "SELF"}),
    ("/getresourceshareinvitations", {}),
    ("/getresourceshareassociations", {"associationType": "PRINCIPAL"}),
    ("/listresources", {"resourceOwner": "SELF"}),
    ("/listprincipals", {"resourceOwner": "SELF"}),
    ("/listresourcetypes", {}),
    ("/listpermissions", {}),
]


@pytest.mark.parametrize("path, members", LISTS)
def test_max_results_out_of_range_or_of_another_type_is_a_400(
    owner: Account, path: str, members: dict[str, str]
) -> None:
    for value in (0, -1, 501, 2**63, "5", 1.5, None, [1]):
        body = json.dumps({**members, "maxResults": value}).encode()
        response = _post(*_signed(owner, path, body))
        if value is None:  # JSON null: the member left out, as AWS reads it
            assert response.status_code == 200, response.text
            continue
        assert _refusal(response) == (400, "InvalidParameterException"), (path, value)


def test_an_outsider_cannot_share_into_another_accounts_organization(
    server: LiveServer, owner: Account, receiver: Account, outsider: Account
) -> None:
    """An organization's ARN names its management account; an outsider naming it (or the same
    organization under its own account id) reaches no member, and sees nothing of it."""
    organization = server.organization(owner)
    organization.add(receiver)
    owner.aws("ram").enable_sharing_with_aws_organization()
    ram = outsider.aws("ram")
    for account in (owner, outsider):
        org_arn = f"arn:aws:organizations::{account.aws_account_id}:organization/{organization.id}"
        with pytest.raises(ClientError) as caught:
            ram.create_resource_share(name="intrude", principals=[org_arn])
        assert caught.value.response["Error"]["Code"] == "InvalidParameterException"
    theirs = receiver.aws("ram").get_resource_shares(resourceOwner="OTHER-ACCOUNTS")
    assert theirs["resourceShares"] == []
    invitations = receiver.aws("ram").get_resource_share_invitations()
    assert invitations["resourceShareInvitations"] == []
    assert ram.get_resource_shares(resourceOwner="SELF")["resourceShares"] == []


def test_an_sts_error_quoting_control_characters_is_still_xml(owner: Account) -> None:
    body = b"Action=Get%01Caller%1b%5B2J%00&Version=2011-06-15"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    response = _post(*_signed(owner, "/", body, service="sts", headers=form))
    assert response.status_code == 400
    document = ElementTree.fromstring(response.content)  # raises on a control character
    assert "\\x01" in "".join(document.itertext())
