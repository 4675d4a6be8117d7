"""The AWS wire API's route table, in one place: AWS RAM's 36 operations by path (those not
served yet answer UnsupportedOperation, never a fake), STS's by Action, AWS Organizations'
by ``X-Amz-Target``."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, get_args, get_type_hints

import msgspec

from sharekeeper.aws import (
    iam,
    permissions,
    ram,
    ram_associations,
    ram_catalogue,
    ram_policies,
    ram_sources,
    sts,
)
from sharekeeper.aws import organizations as org
from sharekeeper.aws.call import AwsCall
from sharekeeper.aws.errors import IAM_NAMESPACE, STS_NAMESPACE, Protocol
from sharekeeper.services.context import Context

AwsHandler = Callable[[Context, AwsCall[Any]], msgspec.Struct]


@dataclass(frozen=True, slots=True)
class AwsOperation:
    """One operation: AWS's name, its protocol, whether it writes (then it is audited, as
    ``aws:Name``) and its handler, whose signature declares the body and reply types."""

    name: str
    protocol: Protocol
    handler: AwsHandler
    writes: bool = False
    # Its members come in the query string (RAM's DELETEs), not in a JSON body.
    in_query: bool = False
    body: type[msgspec.Struct] = field(init=False)

    def __post_init__(self) -> None:
        hints = get_type_hints(self.handler)
        (body,) = get_args(hints["call"])
        object.__setattr__(self, "body", body)


# Every AWS RAM operation (botocore's ram/2018-01-04), in the model's order.
RAM_OPERATION_NAMES = (
    "AcceptResourceShareInvitation",
    "AssociateResourceShare",
    "AssociateResourceSharePermission",
    "CreatePermission",
    "CreatePermissionVersion",
    "CreateResourceShare",
    "DeletePermission",
    "DeletePermissionVersion",
    "DeleteResourceShare",
    "DisassociateResourceShare",
    "DisassociateResourceSharePermission",
    "EnableSharingWithAwsOrganization",
    "GetPermission",
    "GetResourcePolicies",
    "GetResourceShareAssociations",
    "GetResourceShareInvitations",
    "GetResourceShares",
    "ListPendingInvitationResources",
    "ListPermissionAssociations",
    "ListPermissionVersions",
    "ListPermissions",
    "ListPrincipals",
    "ListReplacePermissionAssociationsWork",
    "ListResourceSharePermissions",
    "ListResourceTypes",
    "ListResources",
    "ListSourceAssociations",
    "PromotePermissionCreatedFromPolicy",
    "PromoteResourceShareCreatedFromPolicy",
    "RejectResourceShareInvitation",
    "ReplacePermissionAssociations",
    "SetDefaultPermissionVersion",
    "TagResource",
    "UntagResource",
    "UpdatePermission",
    "UpdateResourceShare",
)
# Three of them are DELETEs with their members in the query; the rest are POSTs with a body.
RAM_METHODS = {
    "DeletePermission": "DELETE",
    "DeletePermissionVersion": "DELETE",
    "DeleteResourceShare": "DELETE",
}

_RAM = Protocol.REST_JSON
RAM_SERVED = (
    AwsOperation("CreateResourceShare", _RAM, ram.create_resource_share, writes=True),
    AwsOperation("GetResourceShares", _RAM, ram.get_resource_shares),
    AwsOperation("GetResourceShareInvitations", _RAM, ram.get_resource_share_invitations),
    AwsOperation(
        "AcceptResourceShareInvitation", _RAM, ram.accept_resource_share_invitation, writes=True
    ),
    AwsOperation(
        "RejectResourceShareInvitation", _RAM, ram.reject_resource_share_invitation, writes=True
    ),
    AwsOperation(
        "AssociateResourceShare", _RAM, ram_associations.associate_resource_share, writes=True
    ),
    AwsOperation(
        "DisassociateResourceShare",
        _RAM,
        ram_associations.disassociate_resource_share,
        writes=True,
    ),
    AwsOperation(
        "GetResourceShareAssociations", _RAM, ram_associations.get_resource_share_associations
    ),
    AwsOperation("ListResources", _RAM, ram_associations.list_resources),
    AwsOperation("ListSourceAssociations", _RAM, ram_sources.list_source_associations),
    AwsOperation("GetResourcePolicies", _RAM, ram_policies.get_resource_policies),
    AwsOperation("ListPrincipals", _RAM, ram_associations.list_principals),
    AwsOperation(
        "ListPendingInvitationResources",
        _RAM,
        ram_associations.list_pending_invitation_resources,
    ),
    AwsOperation("UpdateResourceShare", _RAM, ram.update_resource_share, writes=True),
    AwsOperation(
        "DeleteResourceShare", _RAM, ram.delete_resource_share, writes=True, in_query=True
    ),
    AwsOperation("ListResourceTypes", _RAM, ram_catalogue.list_resource_types),
    AwsOperation("ListPermissions", _RAM, ram_catalogue.list_permissions),
    AwsOperation("GetPermission", _RAM, ram_catalogue.get_permission),
    AwsOperation("ListPermissionVersions", _RAM, ram_catalogue.list_permission_versions),
    AwsOperation("TagResource", _RAM, ram.tag_resource, writes=True),
    AwsOperation("UntagResource", _RAM, ram.untag_resource, writes=True),
    AwsOperation(
        "AssociateResourceSharePermission",
        _RAM,
        ram_catalogue.associate_resource_share_permission,
        writes=True,
    ),
    AwsOperation(
        "DisassociateResourceSharePermission",
        _RAM,
        ram_catalogue.disassociate_resource_share_permission,
        writes=True,
    ),
    AwsOperation(
        "ListResourceSharePermissions", _RAM, ram_catalogue.list_resource_share_permissions
    ),
    AwsOperation("CreatePermission", _RAM, permissions.create_permission, writes=True),
    AwsOperation(
        "CreatePermissionVersion", _RAM, permissions.create_permission_version, writes=True
    ),
    AwsOperation(
        "SetDefaultPermissionVersion",
        _RAM,
        permissions.set_default_permission_version,
        writes=True,
    ),
    AwsOperation(
        "DeletePermissionVersion",
        _RAM,
        permissions.delete_permission_version,
        writes=True,
        in_query=True,
    ),
    AwsOperation(
        "DeletePermission", _RAM, permissions.delete_permission, writes=True, in_query=True
    ),
    AwsOperation("UpdatePermission", _RAM, permissions.update_permission, writes=True),
    AwsOperation("ListPermissionAssociations", _RAM, ram_catalogue.list_permission_associations),
    AwsOperation(
        "ReplacePermissionAssociations",
        _RAM,
        ram_catalogue.replace_permission_associations,
        writes=True,
    ),
    AwsOperation(
        "ListReplacePermissionAssociationsWork",
        _RAM,
        ram_catalogue.list_replace_permission_associations_work,
    ),
    AwsOperation(
        "PromotePermissionCreatedFromPolicy",
        _RAM,
        ram_catalogue.promote_permission_created_from_policy,
        writes=True,
    ),
    AwsOperation(
        "PromoteResourceShareCreatedFromPolicy",
        _RAM,
        permissions.promote_resource_share_created_from_policy,
        writes=True,
        in_query=True,  # a POST, but its one member is in the query (botocore's model)
    ),
    AwsOperation(
        "EnableSharingWithAwsOrganization",
        _RAM,
        ram.enable_sharing_with_aws_organization,
        writes=True,
    ),
)
RAM_BY_PATH = {"/" + op.name.lower(): op for op in RAM_SERVED}
# Path -> (method, name) of every RAM operation, served or not.
RAM_PATHS = {"/" + n.lower(): (RAM_METHODS.get(n, "POST"), n) for n in RAM_OPERATION_NAMES}
STS_BY_ACTION = {
    "GetCallerIdentity": AwsOperation("GetCallerIdentity", Protocol.QUERY, sts.get_caller_identity),
    "AssumeRole": AwsOperation("AssumeRole", Protocol.QUERY, sts.assume_role, writes=True),
}
IAM_BY_ACTION = {
    "GetRole": AwsOperation("GetRole", Protocol.QUERY, iam.get_role),
    "DeleteServiceLinkedRole": AwsOperation(
        "DeleteServiceLinkedRole", Protocol.QUERY, iam.delete_service_linked_role, writes=True
    ),
}


@dataclass(frozen=True, slots=True)
class QueryApi:
    """An awsQuery service: its name in errors, the one Version served, the XML namespace of
    its answers, its Actions."""

    name: str
    version: str
    namespace: str
    operations: dict[str, AwsOperation]


# By the credential scope's service.
QUERY_APIS = {
    "sts": QueryApi("STS", "2011-06-15", STS_NAMESPACE, STS_BY_ACTION),
    "iam": QueryApi("IAM", "2010-05-08", IAM_NAMESPACE, IAM_BY_ACTION),
}

ORGANIZATIONS_TARGET = "AWSOrganizationsV20161128."
_ORG = Protocol.JSON
_ORG_READS = (
    org.describe_organization,
    org.list_roots,
    org.list_organizational_units_for_parent,
    org.describe_organizational_unit,
    org.list_accounts,
    org.list_accounts_for_parent,
    org.describe_account,
    org.list_handshakes_for_account,
    org.list_handshakes_for_organization,
    org.describe_create_account_status,
    org.list_aws_service_access_for_organization,
    org.list_parents,
    org.list_tags_for_resource,
)
_ORG_WRITES = (
    org.create_organization,
    org.delete_organization,
    org.create_organizational_unit,
    org.delete_organizational_unit,
    org.move_account,
    org.remove_account_from_organization,
    org.close_account,
    org.leave_organization,
    org.create_account,
    org.invite_account_to_organization,
    org.accept_handshake,
    org.decline_handshake,
    org.cancel_handshake,
    org.enable_aws_service_access,
    org.disable_aws_service_access,
    org.update_organizational_unit,
    org.tag_resource,
    org.untag_resource,
)


def _org_name(handler: AwsHandler) -> str:
    """AWS's name of a handler: ``list_aws_service_access_for_organization`` is
    ListAWSServiceAccessForOrganization (AWS capitalizes its own name)."""
    return "".join(p.upper() if p == "aws" else p.capitalize() for p in handler.__name__.split("_"))


ORGANIZATIONS_BY_TARGET = {
    ORGANIZATIONS_TARGET + op.name: op
    for op in [AwsOperation(_org_name(h), _ORG, h) for h in _ORG_READS]
    + [AwsOperation(_org_name(h), _ORG, h, writes=True) for h in _ORG_WRITES]
}
