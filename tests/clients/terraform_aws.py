"""The call sequences of terraform-provider-aws's ``aws_ram_*`` resources and data source
(``internal/service/ram/*.go``, read from the provider's source; docs/aws.md,
"terraform-provider-aws"), through the Go SDK v2-style client: what ``apply``, ``plan``
(refresh), ``import`` and ``destroy`` send, the waiters' polls, and which errors each read
takes for "gone"."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from tests.clients.aws_go import AwsError, GoV2Client

# StateChangeConf polls for minutes; ShareKeeper changes state within the request, so a
# bounded number of polls stands for the timeout (a test never waits on a clock).
POLLS = 20
_unique = itertools.count(1)


def unique_id() -> str:
    """helper/id.UniqueId: ``terraform-`` and a timestamp and a counter (36 characters)."""
    stamp = time.strftime("%Y%m%d%H%M%S", time.gmtime())
    return f"terraform-{stamp}0000{next(_unique):08x}"


class NotFound(Exception):
    """retry.NotFoundError: what tfresource.NotFound recognizes."""


class UnexpectedState(Exception):
    """StateChangeConf: a state neither pending nor target."""


class TimedOut(Exception):
    """StateChangeConf (or tfresource.Retry) past its timeout."""


class ProviderError(Exception):
    """A diagnostic the provider returns: terraform apply fails with it."""


Refresh = Callable[[], tuple[Any, str]]


def wait_for_state(
    refresh: Refresh, pending: tuple[str, ...], target: tuple[str, ...], not_found_checks: int = 20
) -> Any:
    """retry.StateChangeConf.WaitForStateContext, its polls bounded."""
    not_found = 0
    for _ in range(POLLS):
        found, state = refresh()
        if found is None:
            if not target:
                return None
            not_found += 1
            if not_found > not_found_checks:
                raise NotFound(f"couldn't find resource ({not_found} retries)")
            continue
        if state in target:
            return found
        if state not in pending:
            raise UnexpectedState(f"unexpected state {state!r}, wanted target {target!r}")
    raise TimedOut(f"timeout while waiting for state to become {target!r}")


def retry_when_not_found(find: Callable[[], Any]) -> tuple[Any, int]:
    """tfresource.RetryWhenNotFound: the value and how many polls found nothing."""
    for misses in range(POLLS):
        try:
            return find(), misses
        except NotFound:
            continue
    raise TimedOut("still not found")


def single(items: list[Any]) -> Any:
    """tfresource.AssertSingleValueResult: none is NotFound, more than one an error."""
    if not items:
        raise NotFound("empty result")
    if len(items) > 1:
        raise ProviderError(f"too many results: wanted 1, got {len(items)}")
    return items[0]


def pages(go: GoV2Client, operation: str, members: dict[str, Any], key: str) -> Iterator[Any]:
    """A Go SDK v2 paginator: nextToken until it is absent or empty (or repeats)."""
    token: str | None = None
    seen: set[str] = set()
    while True:
        answer = go.ram(operation, {**members, **({"nextToken": token} if token else {})})
        yield from answer.get(key) or []
        token = answer.get("nextToken")
        if not token or token in seen:
            return
        seen.add(token)


def gone(error: AwsError, *codes: str) -> bool:
    return error.code in codes


# -- finders (resource_share.go, resource_association.go, resource_share_accepter.go) ---------


def find_shares(go: GoV2Client, members: dict[str, Any]) -> list[dict[str, Any]]:
    """findResourceShares: ResourceArnNotFound and UnknownResource are NotFound."""
    try:
        return list(pages(go, "GetResourceShares", members, "resourceShares"))
    except AwsError as error:
        if gone(error, "ResourceArnNotFoundException", "UnknownResourceException"):
            raise NotFound(error.message) from error
        raise


def find_share_owner_self(go: GoV2Client, arn: str) -> dict[str, Any]:
    """findResourceShareOwnerSelfByARN: a DELETED share is NotFound."""
    share = single(find_shares(go, {"resourceOwner": "SELF", "resourceShareArns": [arn]}))
    if share["status"] == "DELETED":
        raise NotFound("DELETED")
    return dict(share)


def find_share_other_accounts(go: GoV2Client, arn: str) -> dict[str, Any]:
    """findResourceShareOwnerOtherAccountsByARN: a DELETED share is found ("Deleted resource
    share OK")."""
    members = {"resourceOwner": "OTHER-ACCOUNTS", "resourceShareArns": [arn]}
    return dict(single(find_shares(go, members)))


def share_status(go: GoV2Client, arn: str) -> Refresh:
    def refresh() -> tuple[Any, str]:
        try:
            share = find_share_owner_self(go, arn)
        except NotFound:
            return None, ""
        return share, share["status"]

    return refresh


def find_association(go: GoV2Client, kind: str, share_arn: str, entity: str) -> dict[str, Any]:
    """find{Principal,Resource}AssociationByTwoPartKey: GetResourceShareAssociations by type,
    the entity and the share; one result; DISASSOCIATED is NotFound."""
    member = "principal" if kind == "PRINCIPAL" else "resourceArn"
    members = {"associationType": kind, member: entity, "resourceShareArns": [share_arn]}
    try:
        found = list(
            pages(go, "GetResourceShareAssociations", members, "resourceShareAssociations")
        )
    except AwsError as error:
        if gone(error, "ResourceArnNotFoundException", "UnknownResourceException"):
            raise NotFound(error.message) from error
        raise
    association = dict(single(found))
    if association["status"] == "DISASSOCIATED":
        raise NotFound("DISASSOCIATED")
    return association


def association_status(go: GoV2Client, kind: str, share_arn: str, entity: str) -> Refresh:
    def refresh() -> tuple[Any, str]:
        try:
            found = find_association(go, kind, share_arn, entity)
        except NotFound:
            return None, ""
        return found, found["status"]

    return refresh


def find_resources(go: GoV2Client, members: dict[str, Any]) -> list[str]:
    return [r["arn"] for r in pages(go, "ListResources", members, "resources")]


def find_invitation(
    go: GoV2Client, members: dict[str, Any], status: str | None = None
) -> tuple[dict[str, Any] | None, int]:
    """findMaybeResourceShareInvitationRetry: GetResourceShareInvitations filtered by status,
    retried while none is found (2 minutes on AWS; the second value counts the retries);
    at most one (AssertMaybeSingleValueResult)."""
    for retries in range(POLLS):
        try:
            found = [
                i
                for i in pages(
                    go, "GetResourceShareInvitations", members, "resourceShareInvitations"
                )
                if status is None or i["status"] == status
            ]
        except AwsError as error:
            if gone(
                error, "ResourceShareInvitationArnNotFoundException", "UnknownResourceException"
            ):
                raise NotFound(error.message) from error
            raise
        if len(found) > 1:
            raise ProviderError(f"too many results: wanted 1, got {len(found)}")
        if found:
            return dict(found[0]), retries
    return None, POLLS


class Provider:
    """One ``provider "aws"`` block with ``endpoints { ram, sts, organizations }`` pointing at
    ShareKeeper: at start-up, STS GetCallerIdentity gives the account id."""

    def __init__(self, endpoint: str, access_key: str, secret_key: str) -> None:
        sts = GoV2Client(endpoint, access_key, secret_key, service="sts")
        try:
            identity = sts.query("GetCallerIdentity")
        finally:
            sts.close()
        start = identity.index("<Account>") + len("<Account>")
        self.account_id = identity[start : identity.index("</Account>")]
        self.ram = GoV2Client(endpoint, access_key, secret_key)
        self.organizations = GoV2Client(endpoint, access_key, secret_key, service="organizations")

    def close(self) -> None:
        self.ram.close()
        self.organizations.close()


# -- aws_ram_resource_share -----------------------------------------------------------------


@dataclass
class ShareConfig:
    name: str
    allow_external_principals: bool = False
    permission_arns: list[str] = field(default_factory=list)
    tags: dict[str, str] = field(default_factory=dict)


def _tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"key": k, "value": v} for k, v in tags.items()]


class ResourceShare:
    def __init__(self, provider: Provider) -> None:
        self.go = provider.ram

    def create(self, config: ShareConfig) -> tuple[str, dict[str, Any]]:
        members: dict[str, Any] = {
            "allowExternalPrincipals": config.allow_external_principals,
            "name": config.name,
        }
        if config.permission_arns:
            members["permissionArns"] = config.permission_arns
        if config.tags:
            members["tags"] = _tags(config.tags)
        arn: str = self.go.ram("CreateResourceShare", members)["resourceShare"]["resourceShareArn"]
        retry_when_not_found(lambda: find_share_owner_self(self.go, arn))
        wait_for_state(share_status(self.go, arn), ("PENDING",), ("ACTIVE",))
        state = self.read(arn, new=True)
        assert state is not None
        return arn, state

    def read(self, arn: str, new: bool = False) -> dict[str, Any] | None:
        try:
            share = find_share_owner_self(self.go, arn)
        except NotFound:
            if new:
                raise
            return None
        permissions = pages(
            self.go, "ListResourceSharePermissions", {"resourceShareArn": arn}, "permissions"
        )
        return {
            "arn": share["resourceShareArn"],
            "name": share["name"],
            "allow_external_principals": share["allowExternalPrincipals"],
            "tags": {t["key"]: t["value"] for t in share.get("tags") or []},
            "permission_arns": sorted(p["arn"] for p in permissions),
        }

    def update(self, arn: str, old: ShareConfig, new: ShareConfig) -> dict[str, Any] | None:
        if (old.name, old.allow_external_principals) != (new.name, new.allow_external_principals):
            self.go.ram(
                "UpdateResourceShare",
                {
                    "allowExternalPrincipals": new.allow_external_principals,
                    "name": new.name,
                    "resourceShareArn": arn,
                },
            )
        # The transparent tagging (tags_gen.go: updateTags): untag the removed keys, then tag
        # the changed ones.
        removed = [k for k in old.tags if k not in new.tags]
        if removed:
            self.go.ram("UntagResource", {"resourceShareArn": arn, "tagKeys": removed})
        changed = {k: v for k, v in new.tags.items() if old.tags.get(k) != v}
        if changed:
            self.go.ram("TagResource", {"resourceShareArn": arn, "tags": _tags(changed)})
        return self.read(arn)

    def delete(self, arn: str) -> None:
        try:
            self.go.ram_delete("DeleteResourceShare", {"resourceShareArn": arn})
        except AwsError as error:
            if gone(error, "UnknownResourceException"):
                return
            raise
        wait_for_state(share_status(self.go, arn), ("DELETING",), ())


# -- aws_ram_principal_association and aws_ram_resource_association --------------------------


def is_account_id(value: str) -> bool:
    return len(value) == 12 and value.isdigit()


class Association:
    """Both resources: ID ``share_arn,entity`` (flex.FlattenResourceId, ``,``), a lookup
    before Associate (one found is "already exists"), Associate with a clientToken, a waiter
    (none for an account principal, which waits for its invitation), Disassociate without one
    and a waiter for it to be gone."""

    def __init__(self, provider: Provider, kind: str) -> None:
        self.go = provider.ram
        self.kind = kind
        self.attribute = "principal" if kind == "PRINCIPAL" else "resource_arn"

    def create(self, share_arn: str, entity: str) -> tuple[str, dict[str, str]]:
        resource_id = f"{share_arn},{entity}"
        try:
            find_association(self.go, self.kind, share_arn, entity)
        except NotFound:
            pass
        else:
            raise ProviderError(f"RAM association ({resource_id}) already exists")
        create_association(self.go, self.kind, share_arn, entity)
        state = self.read(resource_id, new=True)
        assert state is not None
        return resource_id, state

    def read(self, resource_id: str, new: bool = False) -> dict[str, str] | None:
        share_arn, entity = parse_id(resource_id)
        try:
            found = find_association(self.go, self.kind, share_arn, entity)
        except NotFound:
            if new:
                raise
            return None
        return {
            self.attribute: found["associatedEntity"],
            "resource_share_arn": found["resourceShareArn"],
        }

    def delete(self, resource_id: str) -> None:
        share_arn, entity = parse_id(resource_id)
        delete_association(self.go, self.kind, share_arn, entity)


def create_association(go: GoV2Client, kind: str, share_arn: str, entity: str) -> None:
    """createResourceShare{Principal,Resource}Association: Associate with a clientToken, then
    the waiter (none for an account principal, whose invitation waits for its receiver)."""
    member = "principals" if kind == "PRINCIPAL" else "resourceArns"
    go.ram(
        "AssociateResourceShare",
        {"clientToken": unique_id(), member: [entity], "resourceShareArn": share_arn},
    )
    if not (kind == "PRINCIPAL" and is_account_id(entity)):
        # Principal: 3 minutes, NotFoundChecks 20; resource: 5 minutes.
        refresh = association_status(go, kind, share_arn, entity)
        wait_for_state(refresh, ("ASSOCIATING",), ("ASSOCIATED",))


def delete_association(go: GoV2Client, kind: str, share_arn: str, entity: str) -> None:
    """deleteResourceShare{Principal,Resource}Association: Disassociate with a clientToken
    (the newest versions; older ones sent none); UnknownResourceException is success; then
    until gone (pending ASSOCIATED, DISASSOCIATING)."""
    member = "principals" if kind == "PRINCIPAL" else "resourceArns"
    try:
        go.ram(
            "DisassociateResourceShare",
            {"clientToken": unique_id(), member: [entity], "resourceShareArn": share_arn},
        )
    except AwsError as error:
        if gone(error, "UnknownResourceException"):
            return
        raise
    refresh = association_status(go, kind, share_arn, entity)
    wait_for_state(refresh, ("ASSOCIATED", "DISASSOCIATING"), ())


def parse_id(resource_id: str) -> tuple[str, str]:
    """flex.ExpandResourceId(id, 2, false): exactly two non-empty parts split on ``,``."""
    parts = resource_id.split(",")
    if len(parts) != 2 or not all(parts):
        raise ProviderError(f"unexpected format for ID ({resource_id}), expected two parts")
    return parts[0], parts[1]


# -- aws_ram_resource_share_accepter ---------------------------------------------------------


class Accepter:
    """ID: the share's ARN. Create: the pending invitation for the share, accept it (with a
    clientToken), wait for ACCEPTED, then for the share among OTHER-ACCOUNTS."""

    def __init__(self, provider: Provider) -> None:
        self.go = provider.ram
        self.account_id = provider.account_id
        self.retries = 0  # findMaybeResourceShareInvitationRetry's polls that found nothing

    def create(self, share_arn: str) -> dict[str, Any]:
        invitation, retries = find_invitation(
            self.go, {"resourceShareArns": [share_arn]}, "PENDING"
        )
        self.retries += retries
        if invitation is None:
            raise ProviderError(f"No pending RAM Resource Share ({share_arn}) invitation found")
        answer = self.go.ram(
            "AcceptResourceShareInvitation",
            {
                "clientToken": unique_id(),
                "resourceShareInvitationArn": invitation["resourceShareInvitationArn"],
            },
        )
        invitation_arn = answer["resourceShareInvitation"]["resourceShareInvitationArn"]

        def refresh() -> tuple[Any, str]:
            try:
                found, misses = find_invitation(
                    self.go, {"resourceShareInvitationArns": [invitation_arn]}
                )
            except NotFound:
                return None, ""
            self.retries += misses
            return found, "" if found is None else found["status"]

        wait_for_state(refresh, ("PENDING",), ("ACCEPTED",))
        retry_when_not_found(lambda: find_share_other_accounts(self.go, share_arn))
        state = self.read(share_arn, new=True)
        assert state is not None
        return state

    def read(self, share_arn: str, new: bool = False) -> dict[str, Any] | None:
        state: dict[str, Any] = {}
        try:
            invitation, retries = find_invitation(
                self.go, {"resourceShareArns": [share_arn]}, "ACCEPTED"
            )
            self.retries += retries
        except NotFound:
            invitation = None
        if invitation is not None:
            state["invitation_arn"] = invitation["resourceShareInvitationArn"]
            state["receiver_account_id"] = invitation["receiverAccountId"]
        else:
            state["receiver_account_id"] = self.account_id
        try:
            share = find_share_other_accounts(self.go, share_arn)
        except NotFound:
            if new:
                raise
            return None
        state |= {
            "sender_account_id": share["owningAccountId"],
            "share_arn": share["resourceShareArn"],
            "share_id": "rs-" + share_arn.rsplit("/", 1)[-1],
            "share_name": share["name"],
            "status": share["status"],
        }
        members = {
            "maxResults": 500,
            "resourceOwner": "OTHER-ACCOUNTS",
            "resourceShareArns": [share_arn],
        }
        state["resources"] = find_resources(self.go, members)
        return state

    def delete(self, share_arn: str, receiver_account_id: str) -> None:
        try:
            self.go.ram(
                "DisassociateResourceShare",
                {
                    "clientToken": unique_id(),
                    "principals": [receiver_account_id],
                    "resourceShareArn": share_arn,
                },
            )
        except AwsError as error:
            if gone(error, "UnknownResourceException"):
                return
            if not gone(error, "OperationNotPermittedException"):  # a [WARN], then the wait
                raise
        wait_for_state(share_status(self.go, share_arn), ("ASSOCIATED",), ())


# -- data "aws_ram_resource_share" -----------------------------------------------------------


def share_data_source(
    provider: Provider,
    resource_owner: str,
    name: str | None = None,
    filters: dict[str, list[str]] | None = None,
    status: str | None = None,
) -> dict[str, Any]:
    """GetResourceShares (name, tag filters, status), exactly one, then ListResources."""
    go = provider.ram
    members: dict[str, Any] = {"resourceOwner": resource_owner}
    if name:
        members["name"] = name
    if filters:
        members["tagFilters"] = [{"tagKey": k, "tagValues": v} for k, v in filters.items()]
    if status:
        members["resourceShareStatus"] = status
    try:
        share = single(find_shares(go, members))
    except NotFound as error:  # tfresource.SingularDataSourceFindError
        raise ProviderError("no matching RAM Resource Share found") from error
    arn = share["resourceShareArn"]
    resources = find_resources(go, {"resourceOwner": resource_owner, "resourceShareArns": [arn]})
    return {
        "id": arn,
        "name": share["name"],
        "owning_account_id": share["owningAccountId"],
        "status": share["status"],
        "tags": {t["key"]: t["value"] for t in share.get("tags") or []},
        "resource_arns": resources,
    }


# -- aws_ram_resource_share_permission_association -------------------------------------------


class PermissionAssociation:
    """ID ``share_arn,permission_arn``; Associate with ``replace: true`` and a clientToken;
    read from ListResourceSharePermissions (one page; an empty list or the ARN missing is
    gone); Disassociate with a clientToken, UnknownResource or "already been disassociated"
    taken for gone, no waiter."""

    def __init__(self, provider: Provider) -> None:
        self.go = provider.ram

    def create(self, share_arn: str, permission_arn: str) -> tuple[str, dict[str, Any]]:
        self.go.ram(
            "AssociateResourceSharePermission",
            {
                "clientToken": unique_id(),
                "permissionArn": permission_arn,
                "replace": True,
                "resourceShareArn": share_arn,
            },
        )
        resource_id = f"{share_arn},{permission_arn}"
        state = self.read(resource_id)
        if state is None:
            raise ProviderError(f"RAM permission association ({resource_id}) not found")
        return resource_id, state

    def read(self, resource_id: str) -> dict[str, Any] | None:
        share_arn, permission_arn = resource_id.split(",", 1)
        listed = self.go.ram("ListResourceSharePermissions", {"resourceShareArn": share_arn})
        for permission in listed.get("permissions") or []:
            if permission["arn"] == permission_arn:
                return {
                    "permission_arn": permission["arn"],
                    "permission_version": int(permission["version"]),
                    "resource_share_arn": share_arn,
                }
        return None

    def delete(self, resource_id: str) -> None:
        share_arn, permission_arn = resource_id.split(",", 1)
        try:
            self.go.ram(
                "DisassociateResourceSharePermission",
                {
                    "clientToken": unique_id(),
                    "permissionArn": permission_arn,
                    "resourceShareArn": share_arn,
                },
            )
        except AwsError as error:
            if gone(error, "UnknownResourceException"):
                return
            if error.code == "InvalidParameterException" and "already been disassociated" in (
                error.message
            ):
                return
            raise


# -- aws_ram_sharing_with_organization and aws_organizations_organization -------------------

RAM_PRINCIPAL = "ram.amazonaws.com"
SERVICE_LINKED_ROLE = "AWSServiceRoleForResourceAccessManager"


class SharingWithOrganization:
    """ID: the account id. Create: EnableSharingWithAwsOrganization (no input members; its
    returnValue must be true), then the read, where not found is an error (a new resource).
    Read: IAM GetRole of RAM's service-linked role (NoSuchEntity is gone), then
    Organizations' ListAWSServiceAccessForOrganization must list ram.amazonaws.com (else
    gone). Delete: DisableAWSServiceAccess, then IAM DeleteServiceLinkedRole, NoSuchEntity
    being done. (Given a DeletionTaskId the provider polls GetServiceLinkedRoleDeletionStatus
    until SUCCEEDED; ShareKeeper starts no deletion task, docs/aws.md "IAM", so that wait is
    not reproduced.)"""

    def __init__(self, provider: Provider, iam: GoV2Client) -> None:
        self.provider = provider
        self.iam = iam

    def create(self) -> str:
        try:
            enabled = self.provider.ram.ram("EnableSharingWithAwsOrganization")
        except AwsError as error:
            raise ProviderError(f"enabling RAM Sharing With Organization: {error}") from error
        if not enabled["returnValue"]:
            raise ProviderError("RAM Sharing With Organization failed")
        if not self.read():
            raise ProviderError("reading RAM Sharing With Organization: not found")
        return self.provider.account_id

    def read(self) -> bool:
        try:
            self.iam.query("GetRole", "2010-05-08", RoleName=SERVICE_LINKED_ROLE)
        except AwsError as error:
            if error.code == "NoSuchEntity":
                return False
            raise ProviderError(f"reading IAM Role ({SERVICE_LINKED_ROLE}): {error}") from error
        return RAM_PRINCIPAL in enabled_service_principals(self.provider.organizations)

    def delete(self) -> None:
        self.provider.organizations.organizations(
            "DisableAWSServiceAccess", {"ServicePrincipal": RAM_PRINCIPAL}
        )
        try:
            self.iam.query("DeleteServiceLinkedRole", "2010-05-08", RoleName=SERVICE_LINKED_ROLE)
        except AwsError as error:
            if error.code == "NoSuchEntity":
                return
            raise ProviderError(
                f"deleting IAM Service Linked Role ({SERVICE_LINKED_ROLE}): {error}"
            ) from error
        raise ProviderError("a deletion task was started: its wait is not reproduced")


def enabled_service_principals(go: GoV2Client) -> list[str]:
    """FindEnabledServicePrincipalNames: ListAWSServiceAccessForOrganization's pages."""
    found: list[str] = []
    token: str | None = None
    while True:
        page = go.organizations(
            "ListAWSServiceAccessForOrganization", {"NextToken": token} if token else {}
        )
        found += [p["ServicePrincipal"] for p in page.get("EnabledServicePrincipals") or []]
        token = page.get("NextToken")
        if not token:
            return found


def organization_pages(go: GoV2Client, operation: str, key: str, **members: Any) -> list[Any]:
    items: list[Any] = []
    token: str | None = None
    while True:
        page = go.organizations(operation, {**members, **({"NextToken": token} if token else {})})
        items += page.get(key) or []
        token = page.get("NextToken")
        if not token:
            return items


class OrganizationResource:
    """``aws_organizations_organization``: CreateOrganization (FeatureSet ALL), then
    EnableAWSServiceAccess for each aws_service_access_principals; Read: DescribeOrganization
    (AWSOrganizationsNotInUseException is gone), ListAccounts, ListRoots and, the feature set
    being ALL, ListAWSServiceAccessForOrganization; Delete: DeleteOrganization."""

    def __init__(self, provider: Provider) -> None:
        self.go = provider.organizations

    def create(self, service_principals: list[str]) -> str:
        created = self.go.organizations("CreateOrganization", {"FeatureSet": "ALL"})
        for principal in service_principals:
            self.go.organizations("EnableAWSServiceAccess", {"ServicePrincipal": principal})
        organization_id: str = created["Organization"]["Id"]
        return organization_id

    def read(self) -> dict[str, Any] | None:
        try:
            organization = self.go.organizations("DescribeOrganization", {})["Organization"]
        except AwsError as error:
            if error.code == "AWSOrganizationsNotInUseException":
                return None
            raise
        accounts = organization_pages(self.go, "ListAccounts", "Accounts")
        roots = organization_pages(self.go, "ListRoots", "Roots")
        master = organization["MasterAccountId"]
        return {
            "id": organization["Id"],
            "arn": organization["Arn"],
            "feature_set": organization["FeatureSet"],
            "master_account_id": master,
            "accounts": sorted(a["Id"] for a in accounts),
            "non_master_accounts": sorted(a["Id"] for a in accounts if a["Id"] != master),
            "roots": [r["Id"] for r in roots],
            "aws_service_access_principals": sorted(enabled_service_principals(self.go)),
            "enabled_policy_types": [
                p["Type"] for p in roots[0].get("PolicyTypes") or [] if p["Status"] == "ENABLED"
            ],
        }

    def update_service_principals(self, old: list[str], new: list[str]) -> None:
        for principal in sorted(set(old) - set(new)):
            self.go.organizations("DisableAWSServiceAccess", {"ServicePrincipal": principal})
        for principal in sorted(set(new) - set(old)):
            self.go.organizations("EnableAWSServiceAccess", {"ServicePrincipal": principal})

    def delete(self) -> None:
        self.go.organizations("DeleteOrganization", {})


def _org_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": k, "Value": v} for k, v in tags.items()]


def organization_tags(go: GoV2Client, resource_id: str) -> dict[str, str]:
    """The transparent tagging's listTags: ListTagsForResource's pages."""
    return {
        t["Key"]: t["Value"]
        for t in organization_pages(go, "ListTagsForResource", "Tags", ResourceId=resource_id)
    }


def update_organization_tags(
    go: GoV2Client, resource_id: str, old: dict[str, str], new: dict[str, str]
) -> None:
    """updateTags: UntagResource of the removed keys, then TagResource of the changed ones."""
    removed = [k for k in old if k not in new]
    if removed:
        go.organizations("UntagResource", {"ResourceId": resource_id, "TagKeys": removed})
    changed = {k: v for k, v in new.items() if old.get(k) != v}
    if changed:
        go.organizations("TagResource", {"ResourceId": resource_id, "Tags": _org_tags(changed)})


class OrganizationalUnitResource:
    """``aws_organizations_organizational_unit`` (ID: the OU's): CreateOrganizationalUnit
    (``Name``, ``ParentId``, ``Tags``; retried on FinalizingOrganizationException); Read:
    DescribeOrganizationalUnit (OrganizationalUnitNotFoundException is gone), ListParents for
    ``parent_id``, ListAccountsForParent for ``accounts``, ListTagsForResource; Update:
    UpdateOrganizationalUnit (``Name``) and the tags; Delete: DeleteOrganizationalUnit
    (OrganizationalUnitNotFoundException is success)."""

    def __init__(self, provider: Provider) -> None:
        self.go = provider.organizations

    def create(self, name: str, parent_id: str, tags: dict[str, str]) -> str:
        members: dict[str, Any] = {"Name": name, "ParentId": parent_id}
        if tags:
            members["Tags"] = _org_tags(tags)
        for _ in range(POLLS):
            try:
                created = self.go.organizations("CreateOrganizationalUnit", members)
            except AwsError as error:
                if error.code == "FinalizingOrganizationException":
                    continue
                raise
            unit_id: str = created["OrganizationalUnit"]["Id"]
            return unit_id
        raise TimedOut("the organization never finished finalizing")

    def read(self, unit_id: str) -> dict[str, Any] | None:
        try:
            unit = self.go.organizations(
                "DescribeOrganizationalUnit", {"OrganizationalUnitId": unit_id}
            )["OrganizationalUnit"]
        except AwsError as error:
            if error.code == "OrganizationalUnitNotFoundException":
                return None
            raise
        parents = organization_pages(self.go, "ListParents", "Parents", ChildId=unit_id)
        accounts = organization_pages(
            self.go, "ListAccountsForParent", "Accounts", ParentId=unit_id
        )
        return {
            "arn": unit["Arn"],
            "name": unit["Name"],
            "parent_id": parents[0]["Id"] if parents else "",
            "accounts": sorted(a["Id"] for a in accounts),
            "tags": organization_tags(self.go, unit_id),
        }

    def update(self, unit_id: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old["name"] != new["name"]:
            self.go.organizations(
                "UpdateOrganizationalUnit", {"Name": new["name"], "OrganizationalUnitId": unit_id}
            )
        if old["tags"] != new["tags"]:
            update_organization_tags(self.go, unit_id, old["tags"], new["tags"])

    def delete(self, unit_id: str) -> None:
        try:
            self.go.organizations("DeleteOrganizationalUnit", {"OrganizationalUnitId": unit_id})
        except AwsError as error:
            if error.code != "OrganizationalUnitNotFoundException":
                raise


class AccountResource:
    """``aws_organizations_account`` (ID: the 12-digit account id): CreateAccount (``AccountName``,
    ``Email``, ``Tags``; retried on FinalizingOrganizationException), DescribeCreateAccountStatus
    until SUCCEEDED (pending IN_PROGRESS), then, given ``parent_id``, ListParents and MoveAccount
    from it; Read: DescribeAccount (AccountNotFoundException is gone), ListParents (exactly
    one), ListTagsForResource; Update: MoveAccount and the tags; Delete: see ``delete``."""

    def __init__(self, provider: Provider) -> None:
        self.go = provider.organizations

    def create(self, name: str, email: str, tags: dict[str, str], parent_id: str = "") -> str:
        members: dict[str, Any] = {"AccountName": name, "Email": email}
        if tags:
            members["Tags"] = _org_tags(tags)
        status = self.go.organizations("CreateAccount", members)["CreateAccountStatus"]

        def refresh() -> tuple[Any, str]:
            try:
                found = self.go.organizations(
                    "DescribeCreateAccountStatus", {"CreateAccountRequestId": status["Id"]}
                )["CreateAccountStatus"]
            except AwsError as error:
                if error.code == "CreateAccountStatusNotFoundException":
                    return None, ""
                raise
            return found, found["State"]

        done = wait_for_state(refresh, ("IN_PROGRESS",), ("SUCCEEDED",))
        account_id: str = done["AccountId"]
        if parent_id:
            current = self.parent(account_id)
            if parent_id != current:
                self.move(account_id, current, parent_id)
        return account_id

    def parent(self, account_id: str) -> str:
        parents = organization_pages(self.go, "ListParents", "Parents", ChildId=account_id)
        found: str = single(parents)["Id"]
        return found

    def move(self, account_id: str, source: str, destination: str) -> None:
        self.go.organizations(
            "MoveAccount",
            {
                "AccountId": account_id,
                "DestinationParentId": destination,
                "SourceParentId": source,
            },
        )

    def read(self, account_id: str) -> dict[str, Any] | None:
        account = self.find(account_id)
        if account is None:
            return None
        return {
            "arn": account["Arn"],
            "email": account.get("Email", ""),
            "joined_method": account["JoinedMethod"],
            "name": account["Name"],
            "parent_id": self.parent(account_id),
            "status": account["Status"],
            "tags": organization_tags(self.go, account_id),
        }

    def update(self, account_id: str, old: dict[str, Any], new: dict[str, Any]) -> None:
        if old["parent_id"] != new["parent_id"]:
            self.move(account_id, old["parent_id"], new["parent_id"])
        if old["tags"] != new["tags"]:
            update_organization_tags(self.go, account_id, old["tags"], new["tags"])

    def find(self, account_id: str) -> dict[str, Any] | None:
        """findAccountByID: DescribeAccount; AccountNotFoundException, and an account whose
        Status is SUSPENDED (closed), are not found."""
        try:
            account = self.go.organizations("DescribeAccount", {"AccountId": account_id})["Account"]
        except AwsError as error:
            if error.code == "AccountNotFoundException":
                return None
            raise
        found: dict[str, Any] | None = None if account["Status"] == "SUSPENDED" else account
        return found

    def delete(self, account_id: str, close_on_deletion: bool = False) -> None:
        """RemoveAccountFromOrganization, or CloseAccount with close_on_deletion and then
        waitAccountDeleted (until not found; pending PENDING_CLOSURE, ACTIVE);
        AccountNotFoundException is success either way."""
        operation = "CloseAccount" if close_on_deletion else "RemoveAccountFromOrganization"
        try:
            self.go.organizations(operation, {"AccountId": account_id})
        except AwsError as error:
            if error.code != "AccountNotFoundException":
                raise
            return
        if close_on_deletion:

            def refresh() -> tuple[Any, str]:
                found = self.find(account_id)
                return found, "" if found is None else found["Status"]

            wait_for_state(refresh, ("PENDING_CLOSURE", "ACTIVE"), ())


class AssociationsExclusive:
    """``aws_ram_resource_share_associations_exclusive`` (ID: the share's ARN): the share must be
    the caller's (GetResourceShares SELF); the ASSOCIATED principals and resources read from
    GetResourceShareAssociations; apply removes what is not configured, then adds what is
    missing, one entity a call; destroy removes every one."""

    def __init__(self, provider: Provider) -> None:
        self.go = provider.ram

    def current(self, share_arn: str) -> tuple[list[str], list[str]]:
        found: dict[str, list[str]] = {}
        for kind in ("PRINCIPAL", "RESOURCE"):
            members = {"associationType": kind, "resourceShareArns": [share_arn]}
            try:
                rows = list(
                    pages(
                        self.go,
                        "GetResourceShareAssociations",
                        members,
                        "resourceShareAssociations",
                    )
                )
            except AwsError as error:
                if not gone(error, "ResourceArnNotFoundException", "UnknownResourceException"):
                    raise
                rows = []
            found[kind] = [r["associatedEntity"] for r in rows if r["status"] == "ASSOCIATED"]
        return found["PRINCIPAL"], found["RESOURCE"]

    def apply(self, share_arn: str, principals: list[str], resources: list[str]) -> None:
        try:
            find_share_owner_self(self.go, share_arn)
        except NotFound as error:
            raise ProviderError(f"reading RAM Resource Share ({share_arn})") from error
        have_principals, have_resources = self.current(share_arn)
        for principal in [p for p in have_principals if p not in principals]:
            delete_association(self.go, "PRINCIPAL", share_arn, principal)
        for resource in [r for r in have_resources if r not in resources]:
            delete_association(self.go, "RESOURCE", share_arn, resource)
        for principal in [p for p in principals if p not in have_principals]:
            create_association(self.go, "PRINCIPAL", share_arn, principal)
        for resource in [r for r in resources if r not in have_resources]:
            create_association(self.go, "RESOURCE", share_arn, resource)

    def read(self, share_arn: str) -> dict[str, list[str]] | None:
        try:
            find_share_owner_self(self.go, share_arn)
        except NotFound:
            return None
        principals, resources = self.current(share_arn)
        return {"principals": sorted(principals), "resource_arns": sorted(resources)}

    def delete(self, share_arn: str) -> None:
        principals, resources = self.current(share_arn)
        for principal in principals:
            delete_association(self.go, "PRINCIPAL", share_arn, principal)
        for resource in resources:
            delete_association(self.go, "RESOURCE", share_arn, resource)
