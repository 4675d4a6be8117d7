"""Wire types, field for field as Huawei's (snake_case, the OAS limits). Requests ignore unknown
fields, as Huawei's gateway does; what a field means is checked by the domain, which answers
with Huawei's codes (a principal that is no account id is RAM.1004, not a pattern error)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from sharekeeper.domain.paging import DEFAULT_LIMIT

Id = Annotated[str, Meta(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9_-]+$")]
Name = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[\u4e00-\u9fa5a-zA-Z0-9\-_.]+$")]
Description = Annotated[str, Meta(max_length=256, pattern=r"^[^<>]*$")]
Entity = Annotated[str, Meta(min_length=1, max_length=1500)]
Limit = Annotated[int, Meta(ge=1, le=2000)]
Marker = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^\d+$")]
Status = Annotated[str, Meta(max_length=64)]


class TagBody(Struct):
    key: Annotated[str, Meta(max_length=128)]
    value: Annotated[str, Meta(max_length=255)]


class TagFilterBody(Struct):
    key: Annotated[str, Meta(max_length=128)]
    values: Annotated[list[Annotated[str, Meta(max_length=255)]], Meta(max_length=20)] | None = None


class CreateResourceShareBody(Struct):
    name: Name
    description: Description | None = None
    allow_external_principals: bool | None = None
    permission_ids: Annotated[list[Id], Meta(max_length=20)] | None = None
    principals: Annotated[list[Entity], Meta(max_length=20)] | None = None
    resource_urns: Annotated[list[Entity], Meta(max_length=20)] | None = None
    tags: Annotated[list[TagBody], Meta(max_length=20)] | None = None


class UpdateResourceShareBody(Struct):
    name: Name
    description: Description | None = None
    allow_external_principals: bool | None = None


class SearchResourceSharesBody(Struct):
    resource_owner: Literal["self", "other-accounts"]
    limit: Limit = DEFAULT_LIMIT
    marker: Marker | None = None
    name: Annotated[str, Meta(max_length=64)] | None = None
    permission_id: Id | None = None
    resource_share_ids: Annotated[list[Id], Meta(min_length=1, max_length=100)] | None = None
    resource_share_status: Annotated[str, Meta(max_length=36)] | None = None
    tag_filters: Annotated[list[TagFilterBody], Meta(max_length=20)] | None = None


class AssociationBody(Struct):
    principals: Annotated[list[Entity], Meta(max_length=20)] | None = None
    resource_urns: Annotated[list[Entity], Meta(max_length=20)] | None = None


class SearchAssociationsBody(Struct):
    association_type: Literal["principal", "resource"]
    association_status: Status | None = None
    limit: Limit = DEFAULT_LIMIT
    marker: Marker | None = None
    principal: Entity | None = None
    resource_urn: Entity | None = None
    resource_share_ids: Annotated[list[Id], Meta(min_length=1, max_length=100)] | None = None
    resource_ids: Annotated[list[Entity], Meta(min_length=1, max_length=100)] | None = None


class SearchInvitationsBody(Struct):
    limit: Limit = DEFAULT_LIMIT
    marker: Marker | None = None
    resource_share_ids: Annotated[list[Id], Meta(max_length=100)] | None = None
    resource_share_invitation_ids: Annotated[list[Id], Meta(max_length=100)] | None = None
    status: Status | None = None


class AssociatePermissionBody(Struct):
    permission_id: Id
    replace: bool | None = None


class DisassociatePermissionBody(Struct):
    permission_id: Id


class ListSharePermissionsQuery(Struct):
    permission_name: Annotated[str, Meta(min_length=1, max_length=64)] | None = None
    limit: Limit = DEFAULT_LIMIT
    marker: Marker | None = None


class TagsBody(Struct):
    tags: Annotated[list[TagBody], Meta(min_length=1, max_length=20)]


class UntagItem(Struct):
    key: Annotated[str, Meta(max_length=128)]
    value: Annotated[str, Meta(max_length=255)] | None = None


class UntagBody(Struct):
    tags: Annotated[list[UntagItem], Meta(min_length=1, max_length=20)]


class ListTagsQuery(Struct):
    limit: Limit = DEFAULT_LIMIT
    marker: Annotated[str, Meta(min_length=1, max_length=64)] | None = None


class FilterPageQuery(Struct):
    limit: Annotated[int, Meta(ge=1, le=1000)] = 1000
    offset: Annotated[str, Meta(max_length=18, pattern=r"^[0-9]+$")] = "0"


class MatchBody(Struct):
    key: Annotated[str, Meta(max_length=128)]
    value: Annotated[str, Meta(max_length=255)]


class TagQueryBody(Struct):
    without_any_tag: bool | None = None
    tags: Annotated[list[TagFilterBody], Meta(max_length=20)] | None = None
    matches: Annotated[list[MatchBody], Meta(max_length=20)] | None = None


IdFilter = Annotated[list[Id], Meta(min_length=1, max_length=100)]
EntityFilter = Annotated[list[Entity], Meta(min_length=1, max_length=100)]
ResourceOwner = Literal["self", "other-accounts"]


class DistinctResourcesBody(Struct):
    resource_owner: ResourceOwner
    limit: Limit = DEFAULT_LIMIT
    marker: Marker | None = None
    principal: Entity | None = None
    resource_ids: EntityFilter | None = None
    resource_urns: EntityFilter | None = None
    resource_region: Annotated[str, Meta(max_length=255)] | None = None


class SharedResourcesBody(DistinctResourcesBody):
    resource_share_ids: IdFilter | None = None
    resource_type: Annotated[str, Meta(max_length=64)] | None = None


class DistinctPrincipalsBody(Struct):
    resource_owner: ResourceOwner
    limit: Limit = DEFAULT_LIMIT
    marker: Marker | None = None
    principals: Annotated[list[Entity], Meta(max_length=100)] | None = None
    resource_urn: Entity | None = None


class SharedPrincipalsBody(DistinctPrincipalsBody):
    resource_share_ids: IdFilter | None = None


class PageQuery(Struct):
    limit: Limit = DEFAULT_LIMIT
    marker: Marker | None = None


class ListPermissionsQuery(Struct):
    limit: Limit = DEFAULT_LIMIT
    marker: Marker | None = None
    resource_type: Annotated[str, Meta(max_length=64)] | None = None
    permission_type: Literal["RAM_MANAGED", "CUSTOMER_MANAGED", "ALL"] = "ALL"


class ShowPermissionQuery(Struct):
    permission_version: Annotated[int, Meta(ge=0, le=1_000_000)] | None = None


# Responses. ``omit_defaults`` leaves out what is None, as Huawei does (next_marker on the
# last page); fields without a default are always sent.


class Reply(Struct, omit_defaults=True):
    pass


class TagWire(Reply):
    key: str
    value: str


class ResourceShareWire(Reply):
    id: str
    name: str
    description: str
    owning_account_id: str
    allow_external_principals: bool
    status: str
    tags: list[TagWire]
    created_at: str
    updated_at: str


class PageInfo(Reply):
    previous_marker: str | None = None
    next_marker: str | None = None
    current_count: int | None = None


class ResourceShareReply(Reply):
    resource_share: ResourceShareWire


class ResourceSharesReply(Reply):
    resource_shares: list[ResourceShareWire]
    page_info: PageInfo


class AssociationWire(Reply):
    resource_share_id: str
    resource_share_name: str
    associated_entity: str
    association_type: str
    status: str
    created_at: str
    updated_at: str
    external: bool | None = None
    status_message: str | None = None


class AssociationsReply(Reply):
    resource_share_associations: list[AssociationWire]


class AssociationsPageReply(Reply):
    resource_share_associations: list[AssociationWire]
    page_info: PageInfo


class InvitationWire(Reply):
    resource_share_invitation_id: str
    resource_share_id: str
    resource_share_name: str
    sender_account_id: str
    receiver_account_id: str
    status: str
    created_at: str
    updated_at: str


class InvitationReply(Reply):
    resource_share_invitation: InvitationWire


class InvitationsReply(Reply):
    resource_share_invitations: list[InvitationWire]
    page_info: PageInfo


class PermissionSummaryWire(Reply):
    id: str
    name: str
    resource_type: str
    is_resource_type_default: bool
    created_at: str
    updated_at: str
    permission_urn: str
    permission_type: str
    default_version: bool
    version: int
    status: str


class PermissionWire(PermissionSummaryWire):
    content: str = ""


class PermissionsReply(Reply):
    permissions: list[PermissionSummaryWire]
    page_info: PageInfo


class PermissionReply(Reply):
    permission: PermissionWire


class ResourceTypeWire(Reply):
    resource_type: str
    region_id: str


class ResourceTypesReply(Reply):
    resource_types: list[ResourceTypeWire]
    page_info: PageInfo


class AssociatedPermissionWire(Reply):
    permission_id: str
    permission_name: str
    resource_type: str
    status: str
    created_at: str
    updated_at: str


class AssociatedPermissionsReply(Reply):
    associated_permissions: list[AssociatedPermissionWire]
    page_info: PageInfo


class TagKeyWire(Reply):
    key: str
    values: list[str]


class TagsReply(Reply):
    tags: list[TagKeyWire]
    page_info: PageInfo  # next_marker is a tag key here (Huawei's PageInfoMarkerByKey)


class TaggedShareWire(Reply):
    resource_id: str
    resource_name: str
    resource_detail: ResourceShareWire
    tags: list[TagWire]


class TaggedSharesReply(Reply):
    resources: list[TaggedShareWire]
    total_count: int


class CountReply(Reply):
    total_count: int


class SharedResourceWire(Reply):
    resource_urn: str
    resource_type: str
    resource_share_id: str
    status: str
    created_at: str
    updated_at: str


class SharedResourcesReply(Reply):
    shared_resources: list[SharedResourceWire]
    page_info: PageInfo


class DistinctResourceWire(Reply):
    resource_urn: str
    resource_type: str
    updated_at: str


class DistinctResourcesReply(Reply):
    distinct_shared_resources: list[DistinctResourceWire]
    page_info: PageInfo


class SharedPrincipalWire(Reply):
    id: str
    resource_share_id: str
    created_at: str
    updated_at: str


class SharedPrincipalsReply(Reply):
    shared_principals: list[SharedPrincipalWire]
    page_info: PageInfo


class DistinctPrincipalWire(Reply):
    id: str
    updated_at: str


class DistinctPrincipalsReply(Reply):
    distinct_shared_principals: list[DistinctPrincipalWire]
    page_info: PageInfo


class OrganizationShareReply(Reply):
    enabled: bool


class QuotaWire(Reply):
    type: str
    quota: int
    min: int
    max: int
    used: int


class QuotaResources(Reply):
    resources: list[QuotaWire]


class QuotasReply(Reply):
    quotas: QuotaResources


class ErrorReply(Struct, omit_defaults=True):
    error_code: str
    error_msg: str
    request_id: str
    # Only on a 410 RAM.9601 (the change feed): the oldest cursor to read from.
    oldest_cursor: str | None = None
