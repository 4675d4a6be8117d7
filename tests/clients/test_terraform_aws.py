"""terraform-provider-aws's ``aws_ram_*`` resources, the ``aws_ram_resource_share`` data source
and the ``aws_organizations_*`` resources RAM users script, against ShareKeeper as the provider
sends them (the Go SDK v2's signing and headers, its call order, its waiters, its read-backs and
the errors it takes for "gone"), scenario by scenario of its acceptance tests (docs/aws.md,
"terraform-provider-aws")."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from botocore import parsers

from tests.aws.botocore_shapes import operation, valid
from tests.aws.test_ram_flow import subnet_arn
from tests.clients.aws_go import AwsError, GoV2Client
from tests.clients.terraform_aws import (
    RAM_PRINCIPAL,
    SERVICE_LINKED_ROLE,
    Accepter,
    AccountResource,
    Association,
    AssociationsExclusive,
    OrganizationalUnitResource,
    OrganizationResource,
    PermissionAssociation,
    Provider,
    ProviderError,
    ResourceShare,
    ShareConfig,
    SharingWithOrganization,
    enabled_service_principals,
    organization_pages,
    share_data_source,
)
from tests.support import Account

DEFAULT_SUBNET = "arn:aws:ram::aws:permission/AWSRAMDefaultPermissionSubnet"
READONLY_SUBNET = "arn:aws:ram::aws:permission/AWSRAMPermissionSubnetReadonly"


def as_boto(service: str, name: str, answer: dict[str, Any]) -> dict[str, Any]:
    """A JSON answer as botocore parses it (timestamps become datetimes), for valid()."""
    model = operation(service, name)
    protocol = model.service_model.metadata["protocol"]
    raw = {"status_code": 200, "headers": {}, "body": json.dumps(answer).encode()}
    parsed: dict[str, Any] = parsers.create_parser(protocol).parse(raw, model.output_shape)
    parsed.pop("ResponseMetadata", None)
    return parsed


def conforming(go: GoV2Client) -> None:
    """Every answer the provider was given, valid against botocore's model."""
    for name, answer in go.answers:
        valid(go.service, name, as_boto(go.service, name, answer))


def provider(account: Account) -> Provider:
    return Provider(account.endpoint, account.access_key, account.secret_key)


def checked(account: Account) -> Iterator[Provider]:
    """A provider whose every answer is checked against botocore's model once the test ran."""
    made = provider(account)
    yield made
    conforming(made.ram)
    conforming(made.organizations)
    made.close()


@pytest.fixture
def alice(owner: Account) -> Iterator[Provider]:
    yield from checked(owner)


@pytest.fixture
def bob(receiver: Account) -> Iterator[Provider]:
    yield from checked(receiver)


def test_the_provider_starts_and_its_go_sdk_requests_are_accepted(
    alice: Provider, owner: Account
) -> None:
    """GetCallerIdentity gives the account id; a RAM call signed as the Go SDK v2 signs it
    (its own headers signed, User-Agent not, no x-amz-content-sha256) is served."""
    assert alice.account_id == owner.aws_account_id
    answer = alice.ram.ram("GetResourceShares", {"resourceOwner": "SELF"})
    assert valid("ram", "GetResourceShares", answer) == {"resourceShares": []}
    (sent,) = alice.ram.sent
    signed = sent.headers["Authorization"].split("SignedHeaders=")[1].split(",")[0].split(";")
    assert signed == [
        "amz-sdk-invocation-id",
        "amz-sdk-request",
        "content-length",
        "content-type",
        "host",
        "x-amz-date",
        "x-amz-user-agent",
    ]
    assert "x-amz-content-sha256" not in sent.headers


def test_share_create_refresh_update_import_destroy(alice: Provider, owner: Account) -> None:
    """TestAccRAMResourceShare_basic, _tags, _name, _allowExternalPrincipals."""
    shares = ResourceShare(alice)
    config = ShareConfig("tf-share", tags={"Name": "tf-share", "env": "test"})
    arn, state = shares.create(config)
    assert arn.startswith(f"arn:aws:ram:us-east-1:{owner.aws_account_id}:resource-share/")
    assert state == {
        "arn": arn,
        "name": "tf-share",
        "allow_external_principals": False,
        "tags": config.tags,
        "permission_arns": [],  # no resource yet: no permission bound
    }
    assert shares.read(arn) == state  # plan: no diff
    renamed = ShareConfig("tf-share-2", allow_external_principals=True, tags={"env": "prod"})
    assert shares.update(arn, config, renamed) == {
        **state,
        "name": "tf-share-2",
        "allow_external_principals": True,
        "tags": {"env": "prod"},
    }
    imported = provider(owner)  # terraform import aws_ram_resource_share.x ARN
    assert ResourceShare(imported).read(arn) == shares.read(arn)
    imported.close()
    shares.delete(arn)
    assert shares.read(arn) is None  # CheckDestroy; a later plan drops it from the state
    # Only `destroy -refresh=false` would delete it again: the share is DELETED, not unknown.
    with pytest.raises(AwsError) as caught:
        shares.delete(arn)
    assert caught.value.code == "InvalidStateTransitionException"


def test_a_share_deleted_out_of_band_leaves_the_state(alice: Provider, owner: Account) -> None:
    shares = ResourceShare(alice)
    arn, _ = shares.create(ShareConfig("gone-share"))
    owner.aws("ram").delete_resource_share(resourceShareArn=arn)
    assert shares.read(arn) is None  # refresh: "not found, removing from state"


def test_a_share_with_a_permission_and_a_resource(alice: Provider, owner: Account) -> None:
    """permission_arns (ForceNew, Computed) read back from ListResourceSharePermissions."""
    shares = ResourceShare(alice)
    arn, state = shares.create(ShareConfig("perm-share", permission_arns=[READONLY_SUBNET]))
    assert state["permission_arns"] == [READONLY_SUBNET]
    resources = Association(alice, "RESOURCE")
    resources.create(arn, subnet_arn(owner, "subnet-p"))
    assert shares.read(arn) == state


def test_principal_association_create_import_destroy_and_again(
    alice: Provider, owner: Account, receiver: Account
) -> None:
    """An account principal: no waiter (its invitation waits for the receiver); the state
    reads the ASSOCIATING association; destroy waits until it is gone; a second apply of the
    same association (taint, or a config re-added) finds nothing and creates it again."""
    arn, _ = ResourceShare(alice).create(ShareConfig("principal-share", True))
    principals = Association(alice, "PRINCIPAL")
    resource_id, state = principals.create(arn, receiver.aws_account_id)
    assert resource_id == f"{arn},{receiver.aws_account_id}"
    assert state == {"principal": receiver.aws_account_id, "resource_share_arn": arn}
    imported = provider(owner)
    assert Association(imported, "PRINCIPAL").read(resource_id) == state
    imported.close()
    with pytest.raises(ProviderError, match="already exists"):
        principals.create(arn, receiver.aws_account_id)
    principals.delete(resource_id)
    assert principals.read(resource_id) is None
    again_id, again = principals.create(arn, receiver.aws_account_id)
    assert (again_id, again) == (resource_id, state)
    assert principals.read(resource_id) == state


def test_resource_association_create_import_destroy_and_again(
    alice: Provider, owner: Account, receiver: Account
) -> None:
    """The resource waits for ASSOCIATED (5 minutes on AWS), with a principal still invited
    and with none."""
    arn, _ = ResourceShare(alice).create(ShareConfig("resource-share", True))
    Association(alice, "PRINCIPAL").create(arn, receiver.aws_account_id)
    resources = Association(alice, "RESOURCE")
    subnet = subnet_arn(owner, "subnet-tf")
    resource_id, state = resources.create(arn, subnet)
    assert state == {"resource_arn": subnet, "resource_share_arn": arn}
    imported = provider(owner)
    assert Association(imported, "RESOURCE").read(resource_id) == state
    imported.close()
    resources.delete(resource_id)
    assert resources.read(resource_id) is None
    assert resources.create(arn, subnet) == (resource_id, state)
    lonely, _ = ResourceShare(alice).create(ShareConfig("no-principal"))
    assert resources.create(lonely, subnet)[1]["resource_arn"] == subnet


def test_associations_deleted_out_of_band_or_with_their_share(
    alice: Provider, owner: Account, receiver: Account
) -> None:
    arn, _ = ResourceShare(alice).create(ShareConfig("oob", True))
    principals, resources = Association(alice, "PRINCIPAL"), Association(alice, "RESOURCE")
    principal_id, _ = principals.create(arn, receiver.aws_account_id)
    resource_id, _ = resources.create(arn, subnet_arn(owner, "subnet-oob"))
    owner.aws("ram").disassociate_resource_share(
        resourceShareArn=arn, principals=[receiver.aws_account_id]
    )
    assert principals.read(principal_id) is None
    ResourceShare(alice).delete(arn)
    assert resources.read(resource_id) is None  # refresh drops it: destroy sends nothing
    with pytest.raises(AwsError) as caught:  # only `destroy -refresh=false` would send it
        resources.delete(resource_id)
    assert caught.value.code == "InvalidStateTransitionException"


def test_accepter_two_accounts_import_and_leave(
    alice: Provider, bob: Provider, owner: Account, receiver: Account
) -> None:
    """TestAccRAMResourceShareAccepter_basic: the owner shares a subnet with the receiver's
    account; the receiver's accepter accepts, reads the share and its resources; import by the
    share's ARN; destroy leaves the share."""
    arn, _ = ResourceShare(alice).create(ShareConfig("accepted", allow_external_principals=True))
    Association(alice, "PRINCIPAL").create(arn, receiver.aws_account_id)
    subnet = subnet_arn(owner, "subnet-acc")
    Association(alice, "RESOURCE").create(arn, subnet)
    accepter = Accepter(bob)
    state = accepter.create(arn)
    assert state["receiver_account_id"] == receiver.aws_account_id
    assert state["invitation_arn"].startswith(
        f"arn:aws:ram:us-east-1:{owner.aws_account_id}:resource-share-invitation/"
    )
    assert state | {"invitation_arn": None, "receiver_account_id": None} == {
        "invitation_arn": None,
        "receiver_account_id": None,
        "sender_account_id": owner.aws_account_id,
        "share_arn": arn,
        "share_id": "rs-" + arn.rsplit("/", 1)[1],
        "share_name": "accepted",
        "status": "ACTIVE",
        "resources": [subnet],
    }
    assert accepter.retries == 0  # found at once: no 2-minute propagation retries
    assert accepter.read(arn) == state  # plan: no diff
    imported = provider(receiver)
    assert Accepter(imported).read(arn) == state
    imported.close()
    owner_view = Association(alice, "PRINCIPAL").read(f"{arn},{receiver.aws_account_id}")
    assert owner_view == {"principal": receiver.aws_account_id, "resource_share_arn": arn}
    accepter.delete(arn, state["receiver_account_id"])
    assert accepter.read(arn) is None
    assert Association(alice, "PRINCIPAL").read(f"{arn},{receiver.aws_account_id}") is None


def test_accepter_with_no_pending_invitation_is_the_providers_error(
    alice: Provider, bob: Provider
) -> None:
    arn, _ = ResourceShare(alice).create(ShareConfig("nobody-invited"))
    accepter = Accepter(bob)
    with pytest.raises(ProviderError, match="No pending RAM Resource Share"):
        accepter.create(arn)


def test_accepter_after_the_owner_deleted_the_share(
    alice: Provider, bob: Provider, receiver: Account
) -> None:
    arn, _ = ResourceShare(alice).create(ShareConfig("to-delete", True))
    Association(alice, "PRINCIPAL").create(arn, receiver.aws_account_id)
    accepter = Accepter(bob)
    state = accepter.create(arn)
    ResourceShare(alice).delete(arn)
    after = accepter.read(arn)
    # AWS keeps showing a deleted share to its receivers for a while (the provider keeps
    # "Deleted resource share OK"); ShareKeeper shows it no longer: the state is removed.
    assert after is None
    accepter.delete(arn, state["receiver_account_id"])  # destroy after: not an error


def test_share_data_source_by_name_tags_and_owner(
    alice: Provider, bob: Provider, owner: Account, receiver: Account
) -> None:
    shares = ResourceShare(alice)
    arn, _ = shares.create(ShareConfig("data-share", True, tags={"team": "net"}))
    Association(alice, "PRINCIPAL").create(arn, receiver.aws_account_id)
    subnet = subnet_arn(owner, "subnet-data")
    Association(alice, "RESOURCE").create(arn, subnet)
    expected = {
        "id": arn,
        "name": "data-share",
        "owning_account_id": owner.aws_account_id,
        "status": "ACTIVE",
        "tags": {"team": "net"},
        "resource_arns": [subnet],
    }
    assert share_data_source(alice, "SELF", name="data-share") == expected
    assert share_data_source(alice, "SELF", filters={"team": ["net"]}) == expected
    Accepter(bob).create(arn)
    assert share_data_source(bob, "OTHER-ACCOUNTS", name="data-share") == expected
    # A share deleted and made again under the same name: as on AWS, the deleted one is
    # listed (48 hours here) and the name alone finds two; resource_share_status picks one.
    shares.delete(arn)
    again, _ = shares.create(ShareConfig("data-share"))
    with pytest.raises(ProviderError, match="too many results"):
        share_data_source(alice, "SELF", name="data-share")
    assert share_data_source(alice, "SELF", name="data-share", status="ACTIVE")["id"] == again


def test_share_permission_association_create_read_delete(alice: Provider, owner: Account) -> None:
    """aws_ram_resource_share_permission_association: Associate with replace, read from
    ListResourceSharePermissions, Disassociate."""
    arn, _ = ResourceShare(alice).create(ShareConfig("perm-assoc"))
    Association(alice, "RESOURCE").create(arn, subnet_arn(owner, "subnet-pa"))
    associations = PermissionAssociation(alice)
    resource_id, state = associations.create(arn, READONLY_SUBNET)
    assert resource_id == f"{arn},{READONLY_SUBNET}"
    assert state == {
        "permission_arn": READONLY_SUBNET,
        "permission_version": 1,
        "resource_share_arn": arn,
    }
    assert associations.read(resource_id) == state
    associations.delete(resource_id)
    assert associations.read(resource_id) is None
    # The type falls back to its default permission, as the share's own read shows.
    assert ResourceShare(alice).read(arn)["permission_arns"] == [DEFAULT_SUBNET]  # type: ignore[index]
    # destroy -refresh=false: InvalidParameterException "already been disassociated" is gone.
    associations.delete(resource_id)


def test_retries_of_a_write_reuse_its_client_token(alice: Provider, receiver: Account) -> None:
    """The Go SDK's retryer sends the same body (its clientToken) on each attempt: a second
    attempt of an Associate whose first committed is answered as its replay."""
    arn, _ = ResourceShare(alice).create(ShareConfig("retried", True))
    members = {
        "clientToken": "terraform-20260101000000000000000001",
        "principals": [receiver.aws_account_id],
        "resourceShareArn": arn,
    }
    first = alice.ram.ram("AssociateResourceShare", members)
    second = alice.ram.ram("AssociateResourceShare", members)
    assert second == first


def test_an_error_carries_the_code_the_provider_matches(alice: Provider) -> None:
    go: GoV2Client = alice.ram
    with pytest.raises(AwsError) as caught:
        go.ram_delete(
            "DeleteResourceShare",
            {
                "resourceShareArn": "arn:aws:ram:us-east-1:123456789012:resource-share/"
                "8c7e2f3a-0000-4000-8000-000000000000"
            },
        )
    assert caught.value.code == "UnknownResourceException"


def test_organization_sharing_and_an_organization_principal(
    alice: Provider, bob: Provider, owner: Account, receiver: Account
) -> None:
    """aws_organizations_organization with aws_service_access_principals = [ram.amazonaws.com]
    (RAM's trust is organization sharing here), a member joining, a share with the
    organization's ARN through aws_ram_principal_association (its waiter: ASSOCIATED at once,
    no invitation), the member reading it through the data source; then destroy."""
    organizations = OrganizationResource(alice)
    organization_id = organizations.create([RAM_PRINCIPAL])
    state = organizations.read()
    assert state is not None and state["id"] == organization_id
    assert state["feature_set"] == "ALL" and state["master_account_id"] == owner.aws_account_id
    assert state["accounts"] == [owner.aws_account_id] and state["non_master_accounts"] == []
    assert state["aws_service_access_principals"] == [RAM_PRINCIPAL]
    imported = provider(owner)
    assert OrganizationResource(imported).read() == state
    imported.close()
    invited = alice.organizations.organizations(
        "InviteAccountToOrganization",
        {"Target": {"Id": receiver.aws_account_id, "Type": "ACCOUNT"}},
    )
    handshake = invited["Handshake"]["Id"]
    bob.organizations.organizations("AcceptHandshake", {"HandshakeId": handshake})
    assert organizations.read()["non_master_accounts"] == [receiver.aws_account_id]  # type: ignore[index]

    arn, _ = ResourceShare(alice).create(ShareConfig("org-share"))
    Association(alice, "RESOURCE").create(arn, subnet_arn(owner, "subnet-org"))
    principal_id, principal = Association(alice, "PRINCIPAL").create(arn, state["arn"])
    assert principal == {"principal": state["arn"], "resource_share_arn": arn}
    seen = share_data_source(bob, "OTHER-ACCOUNTS", name="org-share")
    assert seen["id"] == arn and seen["resource_arns"] == [subnet_arn(owner, "subnet-org")]
    # A member needs no accepter: the provider finds no pending invitation (and says why).
    with pytest.raises(ProviderError, match="No pending RAM Resource Share"):
        Accepter(bob).create(arn)

    # Trust for RAM off: the organization no longer reaches the member; on again, it does.
    organizations.update_service_principals([RAM_PRINCIPAL], [])
    assert organizations.read()["aws_service_access_principals"] == []  # type: ignore[index]
    with pytest.raises(ProviderError, match="no matching RAM Resource Share"):
        share_data_source(bob, "OTHER-ACCOUNTS", name="org-share")
    organizations.update_service_principals([], [RAM_PRINCIPAL])
    assert share_data_source(bob, "OTHER-ACCOUNTS", name="org-share")["id"] == arn

    Association(alice, "PRINCIPAL").delete(principal_id)
    ResourceShare(alice).delete(arn)
    bob.organizations.organizations("LeaveOrganization", {})
    organizations.delete()
    assert organizations.read() is None  # refresh: removed from state


def test_sharing_with_organization_create_refresh_import_destroy(
    alice: Provider, bob: Provider, owner: Account, receiver: Account
) -> None:
    """TestAccRAMSharingWithOrganization_basic: apply enables sharing and reads RAM's
    service-linked role through IAM (awsQuery) and the trusted services; refresh and import
    find it; disabled out of band, refresh removes it; destroy disables trusted access and
    deletes the role, which is gone by then (NoSuchEntity: done)."""
    iam = GoV2Client(owner.endpoint, owner.access_key, owner.secret_key, service="iam")
    sharing = SharingWithOrganization(alice, iam)
    with pytest.raises(ProviderError, match=r"enabling.*OperationNotPermittedException"):
        sharing.create()  # in no organization yet
    OrganizationResource(alice).create([])
    assert sharing.read() is False
    assert sharing.create() == owner.aws_account_id
    assert sharing.read() is True  # refresh
    imported = provider(owner)
    assert SharingWithOrganization(imported, iam).read() is True  # import (pass-through ID)
    imported.close()
    role = parsers.create_parser("query").parse(
        {
            "status_code": 200,
            "headers": {},
            "body": iam.query("GetRole", "2010-05-08", RoleName=SERVICE_LINKED_ROLE).encode(),
        },
        operation("iam", "GetRole").output_shape,
    )
    role.pop("ResponseMetadata", None)
    assert valid("iam", "GetRole", role)["Role"]["RoleName"] == SERVICE_LINKED_ROLE

    # Disabled out of band: refresh removes it from the state; apply enables it again.
    alice.organizations.organizations(
        "DisableAWSServiceAccess", {"ServicePrincipal": RAM_PRINCIPAL}
    )
    assert sharing.read() is False
    assert sharing.create() == owner.aws_account_id

    # A member's provider: RAM's role is the management account's.
    member_iam = GoV2Client(
        receiver.endpoint, receiver.access_key, receiver.secret_key, service="iam"
    )
    assert SharingWithOrganization(bob, member_iam).read() is False
    member_iam.close()

    sharing.delete()
    assert sharing.read() is False
    assert enabled_service_principals(alice.organizations) == []
    iam.close()


def test_organizational_unit_create_refresh_update_import_destroy(
    alice: Provider, bob: Provider, owner: Account, receiver: Account
) -> None:
    """TestAccOrganizationsOrganizationalUnit_basic, _name, _tags: an OU under the root, an
    account moved in (its ListParents names the OU), renamed, retagged, imported, then gone
    out of band and destroyed."""
    organization_id = OrganizationResource(alice).create([])
    go = alice.organizations
    (root,) = go.organizations("ListRoots", {})["Roots"]
    units = OrganizationalUnitResource(alice)
    unit_id = units.create("team", root["Id"], {"env": "test", "owner": "net"})
    state = units.read(unit_id)
    assert state is not None
    management = owner.aws_account_id
    assert state["arn"] == f"arn:aws:organizations::{management}:ou/{organization_id}/{unit_id}"
    assert state | {"arn": None} == {
        "arn": None,
        "name": "team",
        "parent_id": root["Id"],
        "accounts": [],
        "tags": {"env": "test", "owner": "net"},
    }
    invited = go.organizations(
        "InviteAccountToOrganization",
        {"Target": {"Id": receiver.aws_account_id, "Type": "ACCOUNT"}},
    )
    bob.organizations.organizations("AcceptHandshake", {"HandshakeId": invited["Handshake"]["Id"]})
    go.organizations(
        "MoveAccount",
        {
            "AccountId": receiver.aws_account_id,
            "DestinationParentId": unit_id,
            "SourceParentId": root["Id"],
        },
    )
    parents = go.organizations("ListParents", {"ChildId": receiver.aws_account_id})["Parents"]
    assert parents == [{"Id": unit_id, "Type": "ORGANIZATIONAL_UNIT"}]
    assert units.read(unit_id)["accounts"] == [receiver.aws_account_id]  # type: ignore[index]
    wanted = {**state, "name": "team-2", "tags": {"env": "prod"}}
    units.update(unit_id, state, wanted)
    assert units.read(unit_id) == {**wanted, "accounts": [receiver.aws_account_id]}
    imported = provider(owner)
    assert OrganizationalUnitResource(imported).read(unit_id) == units.read(unit_id)
    imported.close()
    go.organizations(
        "MoveAccount",
        {
            "AccountId": receiver.aws_account_id,
            "DestinationParentId": root["Id"],
            "SourceParentId": unit_id,
        },
    )
    go.organizations("DeleteOrganizationalUnit", {"OrganizationalUnitId": unit_id})
    assert units.read(unit_id) is None  # deleted out of band: removed from state
    units.delete(unit_id)  # and a destroy of it is not an error
    assert go.organizations("ListTagsForResource", {"ResourceId": root["Id"]})["Tags"] == []


def test_organization_tags_and_parents_refuse_what_is_not_the_callers(
    alice: Provider, bob: Provider, receiver: Account
) -> None:
    """A non-member, an unknown OU, a resource id of no kind: each in AWS's error shape."""
    OrganizationResource(alice).create([])
    go = alice.organizations
    (root,) = go.organizations("ListRoots", {})["Roots"]
    unit_id = OrganizationalUnitResource(alice).create("mine", root["Id"], {})
    for name, members, code in (
        ("ListParents", {"ChildId": unit_id}, "AWSOrganizationsNotInUseException"),
        ("ListTagsForResource", {"ResourceId": unit_id}, "AWSOrganizationsNotInUseException"),
    ):
        with pytest.raises(AwsError) as caught:
            bob.organizations.organizations(name, members)
        assert caught.value.code == code
    with pytest.raises(AwsError) as caught:
        go.organizations("ListParents", {"ChildId": "ou-abcd-0123456789abcdef0123456789ab"})
    assert caught.value.code == "OrganizationalUnitNotFoundException"
    with pytest.raises(AwsError) as caught:
        go.organizations("ListParents", {"ChildId": receiver.aws_account_id})
    assert caught.value.code == "AccountNotFoundException"
    with pytest.raises(AwsError) as caught:
        go.organizations(
            "TagResource", {"ResourceId": "h-123", "Tags": [{"Key": "a", "Value": "b"}]}
        )
    assert (caught.value.status, caught.value.code) == (400, "InvalidInputException")
    with pytest.raises(AwsError) as caught:
        go.organizations(
            "UpdateOrganizationalUnit",
            {"OrganizationalUnitId": "ou-abcd-0123456789abcdef0123456789ab", "Name": "x"},
        )
    assert caught.value.code == "OrganizationalUnitNotFoundException"


def test_organization_account_create_move_retag_import_destroy(
    alice: Provider, owner: Account
) -> None:
    """TestAccOrganizationsAccount_basic, _ParentID, _Tags (close_on_deletion false): the
    account made, waited for, moved into an OU, moved back, retagged, imported, removed."""
    OrganizationResource(alice).create([])
    go = alice.organizations
    (root,) = go.organizations("ListRoots", {})["Roots"]
    unit_id = OrganizationalUnitResource(alice).create("apps", root["Id"], {})
    accounts = AccountResource(alice)
    account_id = accounts.create("app-1", "app-1@example.com", {"team": "apps"}, unit_id)
    state = accounts.read(account_id)
    assert state is not None
    assert state | {"arn": None} == {
        "arn": None,
        "email": "app-1@example.com",
        "joined_method": "CREATED",
        "name": "app-1",
        "parent_id": unit_id,
        "status": "ACTIVE",
        "tags": {"team": "apps"},
    }
    assert state["arn"].endswith(f"/{account_id}")
    wanted = {**state, "parent_id": root["Id"], "tags": {"team": "apps", "tier": "1"}}
    accounts.update(account_id, state, wanted)
    assert accounts.read(account_id) == wanted
    imported = provider(owner)
    assert AccountResource(imported).read(account_id) == wanted
    imported.close()
    accounts.delete(account_id)
    assert accounts.read(account_id) is None
    accounts.delete(account_id)  # gone already: AccountNotFoundException is success


def test_organization_account_closed_on_deletion(alice: Provider, owner: Account) -> None:
    """TestAccOrganizationsAccount_CloseOnDeletion: destroy with close_on_deletion = true
    closes the account (CloseAccount) and waits until DescribeAccount no longer finds it
    active: SUSPENDED, which the provider counts as gone; a refresh removes it from the state,
    and a destroy again is not an error."""
    OrganizationResource(alice).create([])
    accounts = AccountResource(alice)
    account_id = accounts.create("closing", "closing@example.com", {"team": "apps"})
    assert accounts.read(account_id)["status"] == "ACTIVE"  # type: ignore[index]
    accounts.delete(account_id, close_on_deletion=True)
    assert [n for n, _ in alice.organizations.answers[-2:]] == ["CloseAccount", "DescribeAccount"]
    assert alice.organizations.answers[-1][1]["Account"]["Status"] == "SUSPENDED"
    assert accounts.read(account_id) is None  # refresh: removed from state
    accounts.delete(account_id, close_on_deletion=True)  # AccountNotFoundException: success
    members = organization_pages(alice.organizations, "ListAccounts", "Accounts")
    assert [m["Id"] for m in members] == [owner.aws_account_id]


def test_associations_exclusive_apply_twice_accept_then_shrink_and_destroy(
    alice: Provider, bob: Provider, owner: Account, receiver: Account
) -> None:
    """aws_ram_resource_share_associations_exclusive: it counts only ASSOCIATED entities, so
    while the receiver's invitation is pending a second apply associates the principal again;
    that must change nothing (no second invitation). Once accepted, the plan is empty; a
    smaller configuration removes the rest; destroy removes everything."""
    arn, _ = ResourceShare(alice).create(ShareConfig("exclusive", True))
    exclusive = AssociationsExclusive(alice)
    first, second = subnet_arn(owner, "subnet-x1"), subnet_arn(owner, "subnet-x2")
    exclusive.apply(arn, [receiver.aws_account_id], [first, second])
    assert exclusive.read(arn) == {"principals": [], "resource_arns": sorted([first, second])}
    exclusive.apply(arn, [receiver.aws_account_id], [first, second])  # the invitation pends
    invitations = bob.ram.ram("GetResourceShareInvitations", {"resourceShareArns": [arn]})
    assert [i["status"] for i in invitations["resourceShareInvitations"]] == ["PENDING"]
    Accepter(bob).create(arn)
    state = {"principals": [receiver.aws_account_id], "resource_arns": sorted([first, second])}
    assert exclusive.read(arn) == state
    exclusive.apply(arn, [], [first])
    assert exclusive.read(arn) == {"principals": [], "resource_arns": [first]}
    assert share_data_source(alice, "SELF", name="exclusive")["resource_arns"] == [first]
    exclusive.delete(arn)
    assert exclusive.read(arn) == {"principals": [], "resource_arns": []}
    ResourceShare(alice).delete(arn)
    assert exclusive.read(arn) is None  # the share gone: removed from state


def test_accepter_after_the_owner_removed_the_receiver(
    alice: Provider, bob: Provider, receiver: Account
) -> None:
    """hashicorp/terraform-provider-aws#18289: the owner drops the principal after the
    receiver accepted; the receiver's refresh removes the accepter, and a destroy that still
    sends the leave gets UnknownResourceException, which the provider takes for success."""
    arn, _ = ResourceShare(alice).create(ShareConfig("dropped", True))
    principal_id, _ = Association(alice, "PRINCIPAL").create(arn, receiver.aws_account_id)
    accepter = Accepter(bob)
    state = accepter.create(arn)
    Association(alice, "PRINCIPAL").delete(principal_id)
    assert accepter.read(arn) is None
    with pytest.raises(AwsError) as caught:
        bob.ram.ram(
            "DisassociateResourceShare",
            {"principals": [state["receiver_account_id"]], "resourceShareArn": arn},
        )
    assert caught.value.code == "UnknownResourceException"
    accepter.delete(arn, state["receiver_account_id"])
