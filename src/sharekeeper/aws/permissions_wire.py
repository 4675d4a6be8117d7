"""The wire Structs of customer-managed permissions' operations, member for member as
botocore's ram/2018-01-04 model (kept apart from wire.py so its other users merge freely)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from msgspec import Meta, field

from sharekeeper.aws.wire import (
    Arn,
    AssociationStatus,
    ClientToken,
    MaxResults,
    Owner,
    PermissionDetail,
    PermissionSummary,
    Reply,
    Request,
    Tag,
    Token,
)

# Bounds on what is read before the domain's own checks, which say what is wrong.
_Name = Annotated[str, Meta(max_length=256)]
_Template = Annotated[str, Meta(max_length=65536)]
Version = Annotated[int, Meta(ge=1)]


class CreatePermission(Request):
    name: _Name
    resource_type: Annotated[str, Meta(max_length=128)]
    policy_template: _Template
    permission_template_parameters: list[Any] = field(default_factory=list)
    client_token: ClientToken | None = None
    tags: list[Tag] = field(default_factory=list)


class CreatePermissionVersion(Request):
    permission_arn: Arn
    policy_template: _Template
    permission_template_parameters: list[Any] = field(default_factory=list)
    client_token: ClientToken | None = None


class DeletePermission(Request):
    permission_arn: Arn
    client_token: ClientToken | None = None


class UpdatePermission(Request):
    permission_arn: Arn
    # Checked by the domain, which names the statuses it takes.
    status: Annotated[str, Meta(max_length=32)]
    client_token: ClientToken | None = None


class UpdatePermissionReply(Reply):
    client_token: str | None = None
    permission_status: str | None = None


class PermissionVersionOf(Request):
    """DeletePermissionVersion's and SetDefaultPermissionVersion's members."""

    permission_arn: Arn
    permission_version: Version
    client_token: ClientToken | None = None


class CreatePermissionReply(Reply):
    permission: PermissionSummary
    client_token: str | None = None


class CreatePermissionVersionReply(Reply):
    permission: PermissionDetail
    client_token: str | None = None


class DeletePermissionReply(Reply):
    return_value: bool
    client_token: str | None = None
    permission_status: str | None = None


class PromotePermissionCreatedFromPolicy(Request):
    """No clientToken member: the operation never changes anything here (docs/aws.md), so
    there is no first answer for a token to stand for."""

    permission_arn: Arn
    name: _Name


class PromoteResourceShareCreatedFromPolicy(Request):
    resource_share_arn: Arn


class ListPermissionAssociations(Request):
    permission_arn: Arn | None = None
    permission_version: Version | None = None
    association_status: AssociationStatus | None = None
    resource_type: Annotated[str, Meta(max_length=128)] | None = None
    feature_set: Literal["CREATED_FROM_POLICY", "PROMOTING_TO_STANDARD", "STANDARD"] | None = None
    default_version: bool | None = None
    resource_owner: Owner | None = None
    resource_share_arn: Arn | None = None
    next_token: Token | None = None
    max_results: MaxResults | None = None


class PermissionAssociation(Reply):
    """AWS's AssociatedPermission: one permission bound to one share."""

    arn: str
    permission_version: str
    default_version: bool
    resource_type: str
    status: str
    feature_set: str
    last_updated_time: float
    resource_share_arn: str


class PermissionAssociationsReply(Reply):
    permissions: list[PermissionAssociation]
    next_token: str | None = None


class ReplacePermissionAssociations(Request):
    from_permission_arn: Arn
    to_permission_arn: Arn
    from_permission_version: Version | None = None
    permission_template_parameters: list[Any] = field(default_factory=list)
    client_token: ClientToken | None = None


class ListReplacePermissionAssociationsWork(Request):
    work_ids: Annotated[list[Annotated[str, Meta(max_length=64)]], Meta(max_length=100)] = field(
        default_factory=list
    )
    status: Literal["IN_PROGRESS", "COMPLETED", "FAILED"] | None = None
    next_token: Token | None = None
    max_results: MaxResults | None = None


class ReplacementWork(Reply):
    id: str
    from_permission_arn: str
    to_permission_arn: str
    to_permission_version: str
    status: str
    creation_time: float
    last_updated_time: float
    from_permission_version: str | None = None
    status_message: str | None = None


class ReplacePermissionAssociationsReply(Reply):
    replace_permission_associations_work: ReplacementWork
    client_token: str | None = None


class ReplacementWorksReply(Reply):
    replace_permission_associations_works: list[ReplacementWork]
    next_token: str | None = None
