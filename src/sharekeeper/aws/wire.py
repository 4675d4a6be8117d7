"""AWS RAM's wire types (restJson1), member for member as botocore's service model
``ram/2018-01-04`` names them; times are epoch seconds, as restJson1 sends a timestamp in a
body. Requests ignore unknown members (AWS's later ones, until served)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

Arn = Annotated[str, Meta(min_length=1, max_length=2048)]
Principal = Annotated[str, Meta(min_length=1, max_length=2048)]
# A share's sources (domain/share_sources.py: SOURCES_MOST): refused whole beyond that.
Sources = Annotated[list[Principal], Meta(max_length=100)]
# The share's name, as the core keeps it (64 characters, no control character).
Name = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[^\x00-\x1f\x7f]+$")]
Token = Annotated[str, Meta(min_length=1, max_length=64)]
MaxResults = Annotated[int, Meta(ge=1, le=500)]
Owner = Literal["SELF", "OTHER-ACCOUNTS"]
AssociationStatus = Literal[
    "ASSOCIATING",
    "ASSOCIATED",
    "FAILED",
    "DISASSOCIATING",
    "DISASSOCIATED",
    "SUSPENDED",
    "SUSPENDING",
    "RESTORING",
]
ClientToken = Annotated[str, Meta(max_length=64)]


class Request(Struct, rename="camel", forbid_unknown_fields=False):
    pass


class Reply(Struct, rename="camel", omit_defaults=True):
    """An answer: absent optional members (None, empty lists) are left out, as AWS does."""


class Tag(Struct):
    key: Annotated[str, Meta(min_length=1, max_length=128)]
    value: Annotated[str, Meta(max_length=256)] = ""


class TagFilter(Request):
    tag_key: Annotated[str, Meta(max_length=128)] | None = None
    tag_values: Annotated[list[Annotated[str, Meta(max_length=256)]], Meta(max_length=20)] = []


class CreateResourceShare(Request):
    name: Name
    resource_arns: Annotated[list[Arn], Meta(max_length=20)] = []
    principals: Annotated[list[Principal], Meta(max_length=20)] = []
    tags: Annotated[list[Tag], Meta(max_length=20)] = []
    allow_external_principals: bool = True
    permission_arns: Annotated[list[Arn], Meta(max_length=20)] = []
    client_token: ClientToken | None = None
    sources: Sources = []


class GetResourceShares(Request):
    resource_owner: Owner
    resource_share_arns: Annotated[list[Arn], Meta(max_length=100)] = []
    resource_share_status: Literal["PENDING", "ACTIVE", "FAILED", "DELETING", "DELETED"] | None = (
        None
    )
    name: Annotated[str, Meta(max_length=64)] | None = None
    tag_filters: Annotated[list[TagFilter], Meta(max_length=20)] = []
    next_token: Token | None = None
    max_results: MaxResults | None = None
    permission_arn: Arn | None = None
    permission_version: Annotated[int, Meta(ge=1)] | None = None


class GetResourceShareInvitations(Request):
    resource_share_invitation_arns: Annotated[list[Arn], Meta(max_length=100)] = []
    resource_share_arns: Annotated[list[Arn], Meta(max_length=100)] = []
    next_token: Token | None = None
    max_results: MaxResults | None = None


class AnswerInvitation(Request):
    resource_share_invitation_arn: Arn
    client_token: ClientToken | None = None


class ResourceShare(Reply):
    resource_share_arn: str
    name: str
    owning_account_id: str
    allow_external_principals: bool
    status: str
    creation_time: float
    last_updated_time: float
    feature_set: str
    tags: list[Tag] = []
    status_message: str | None = None


class ResourceShareInvitation(Reply):
    resource_share_invitation_arn: str
    resource_share_name: str
    resource_share_arn: str
    sender_account_id: str
    receiver_account_id: str
    invitation_timestamp: float
    status: str


class CreateResourceShareReply(Reply):
    resource_share: ResourceShare
    client_token: str | None = None


class ResourceSharesReply(Reply):
    resource_shares: list[ResourceShare]
    next_token: str | None = None


class InvitationsReply(Reply):
    resource_share_invitations: list[ResourceShareInvitation]
    next_token: str | None = None


class InvitationReply(Reply):
    resource_share_invitation: ResourceShareInvitation
    client_token: str | None = None


class ChangeAssociations(Request):
    resource_share_arn: Arn
    resource_arns: Annotated[list[Arn], Meta(max_length=20)] = []
    principals: Annotated[list[Principal], Meta(max_length=20)] = []
    client_token: ClientToken | None = None
    sources: Sources = []


class GetResourceShareAssociations(Request):
    association_type: Literal["PRINCIPAL", "RESOURCE", "SOURCE"]
    resource_share_arns: Annotated[list[Arn], Meta(max_length=100)] = []
    resource_arn: Arn | None = None
    principal: Principal | None = None
    association_status: AssociationStatus | None = None
    next_token: Token | None = None
    max_results: MaxResults | None = None


class ListResources(Request):
    resource_owner: Owner
    principal: Principal | None = None
    resource_type: Annotated[str, Meta(max_length=128)] | None = None
    resource_arns: Annotated[list[Arn], Meta(max_length=100)] = []
    resource_share_arns: Annotated[list[Arn], Meta(max_length=100)] = []
    next_token: Token | None = None
    max_results: MaxResults | None = None
    resource_region_scope: Literal["ALL", "REGIONAL", "GLOBAL"] = "ALL"


class ListPrincipals(Request):
    resource_owner: Owner
    resource_arn: Arn | None = None
    principals: Annotated[list[Principal], Meta(max_length=100)] = []
    resource_type: Annotated[str, Meta(max_length=128)] | None = None
    resource_share_arns: Annotated[list[Arn], Meta(max_length=100)] = []
    next_token: Token | None = None
    max_results: MaxResults | None = None


class UpdateResourceShare(Request):
    resource_share_arn: Arn
    name: Name | None = None
    allow_external_principals: bool | None = None
    client_token: ClientToken | None = None


class DeleteResourceShare(Request):
    """In the query string (DELETE /deleteresourceshare?resourceShareArn=...)."""

    resource_share_arn: Arn
    client_token: ClientToken | None = None


class ResourceShareAssociation(Reply):
    resource_share_arn: str
    resource_share_name: str
    associated_entity: str
    association_type: str
    status: str
    creation_time: float
    last_updated_time: float
    external: bool | None = None
    status_message: str | None = None


class AssociationsReply(Reply):
    resource_share_associations: list[ResourceShareAssociation]
    client_token: str | None = None
    next_token: str | None = None


class Resource(Reply):
    arn: str
    type: str
    resource_share_arn: str
    status: str
    creation_time: float
    last_updated_time: float
    resource_region_scope: str


class ResourcesReply(Reply):
    resources: list[Resource]
    next_token: str | None = None


class SharedPrincipal(Reply):
    id: str
    resource_share_arn: str
    creation_time: float
    last_updated_time: float


class PrincipalsReply(Reply):
    principals: list[SharedPrincipal]
    next_token: str | None = None


class ResourceShareReply(Reply):
    resource_share: ResourceShare
    client_token: str | None = None


class DeleteReply(Reply):
    return_value: bool
    client_token: str | None = None


class ListResourceTypes(Request):
    next_token: Token | None = None
    max_results: MaxResults | None = None
    resource_region_scope: Literal["ALL", "REGIONAL", "GLOBAL"] = "ALL"


class ServiceNameAndResourceType(Reply):
    resource_type: str
    service_name: str
    resource_region_scope: str


class ResourceTypesReply(Reply):
    resource_types: list[ServiceNameAndResourceType]
    next_token: str | None = None


class ListPermissions(Request):
    resource_type: Annotated[str, Meta(max_length=128)] | None = None
    next_token: Token | None = None
    max_results: MaxResults | None = None
    permission_type: Literal["ALL", "AWS_MANAGED", "CUSTOMER_MANAGED"] = "ALL"


class GetPermission(Request):
    permission_arn: Arn
    permission_version: Annotated[int, Meta(ge=1)] | None = None


class PermissionSummary(Reply):
    arn: str
    version: str
    default_version: bool
    name: str
    resource_type: str
    status: str
    creation_time: float
    last_updated_time: float
    is_resource_type_default: bool
    permission_type: str
    feature_set: str


class PermissionDetail(Reply):
    arn: str
    version: str
    default_version: bool
    name: str
    resource_type: str
    permission: str
    creation_time: float
    last_updated_time: float
    is_resource_type_default: bool
    status: str
    permission_type: str
    feature_set: str


class PermissionsReply(Reply):
    permissions: list[PermissionSummary]
    next_token: str | None = None


class PermissionReply(Reply):
    permission: PermissionDetail


class TagResource(Request):
    tags: Annotated[list[Tag], Meta(max_length=50)]
    resource_share_arn: Arn | None = None
    resource_arn: Arn | None = None


class UntagResource(Request):
    tag_keys: Annotated[
        list[Annotated[str, Meta(min_length=1, max_length=128)]], Meta(max_length=50)
    ]
    resource_share_arn: Arn | None = None
    resource_arn: Arn | None = None


class Empty(Reply):
    pass


class NoMembers(Request):
    """An operation whose request has no members."""


class ReturnValue(Reply):
    return_value: bool


class AssociateResourceSharePermission(Request):
    resource_share_arn: Arn
    permission_arn: Arn
    replace: bool = False
    client_token: ClientToken | None = None
    permission_version: Annotated[int, Meta(ge=1)] | None = None


class DisassociateResourceSharePermission(Request):
    resource_share_arn: Arn
    permission_arn: Arn
    client_token: ClientToken | None = None


class ListResourceSharePermissions(Request):
    resource_share_arn: Arn
    next_token: Token | None = None
    max_results: MaxResults | None = None


class ReturnValueToken(Reply):
    return_value: bool
    client_token: str | None = None


class ListPendingInvitationResources(Request):
    resource_share_invitation_arn: Arn
    next_token: Token | None = None
    max_results: MaxResults | None = None
    resource_region_scope: Literal["ALL", "REGIONAL", "GLOBAL"] = "ALL"


class ListPermissionVersions(Request):
    permission_arn: Arn
    next_token: Token | None = None
    max_results: MaxResults | None = None


class ListSourceAssociations(Request):
    resource_share_arns: Annotated[list[Arn], Meta(max_length=100)] = []
    source_id: Principal | None = None
    source_type: Annotated[str, Meta(max_length=64)] | None = None
    association_status: AssociationStatus | None = None
    next_token: Token | None = None
    max_results: MaxResults | None = None


class AssociatedSource(Reply):
    resource_share_arn: str
    source_id: str
    source_type: str
    status: str
    creation_time: float
    last_updated_time: float
    status_message: str | None = None


class SourceAssociationsReply(Reply):
    source_associations: list[AssociatedSource]
    next_token: str | None = None


class GetResourcePolicies(Request):
    resource_arns: Annotated[list[Arn], Meta(max_length=100)]
    principal: Principal | None = None
    next_token: Token | None = None
    max_results: MaxResults | None = None


class PoliciesReply(Reply):
    policies: list[str]
    next_token: str | None = None
