"""Wire types of the Organizations API, field for field as Huawei's (the SDK's models in
``huaweicloudsdkorganizations.v1.model`` are the schema: OrganizationDto, RootDto, ...)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from sharekeeper.api.schemas import Id, Limit, PageInfo, Reply, TagBody, TagKeyWire, TagWire
from sharekeeper.domain.accounts import ACCOUNT_NAME_MAX
from sharekeeper.domain.handshakes import NOTES_MAX
from sharekeeper.domain.organizations import DESCRIPTION_MAX, OU_NAME_MAX

# Huawei's newest Organizations pages: a list without a limit gives 1,000 items.
ORG_DEFAULT_LIMIT = 1000

# The directory's markers name the last row of a page ("<time>-<id>", store/paging.py): Huawei's
# Organizations API documents its marker as a plain string, unlike RAM's digits.
OrgMarker = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[0-9a-z-]+$")]
OuName = Annotated[str, Meta(min_length=1, max_length=OU_NAME_MAX)]
ServicePrincipal = Annotated[str, Meta(min_length=1, max_length=64)]


class OrganizationWire(Reply):
    id: str
    urn: str
    management_account_id: str
    management_account_name: str
    created_at: str


class OrganizationReply(Reply):
    organization: OrganizationWire


class PolicyTypeWire(Reply):
    status: str
    type: str


class RootWire(Reply):
    id: str
    urn: str
    name: str
    policy_types: list[PolicyTypeWire]
    created_at: str


class RootsReply(Reply):
    roots: list[RootWire]
    page_info: PageInfo


class OrganizationalUnitWire(Reply):
    id: str
    urn: str
    name: str
    created_at: str


class OrganizationalUnitReply(Reply):
    organizational_unit: OrganizationalUnitWire


class OrganizationalUnitsReply(Reply):
    organizational_units: list[OrganizationalUnitWire]
    page_info: PageInfo


class CreateOrganizationalUnitBody(Struct):
    name: OuName
    parent_id: Id
    tags: Annotated[list[TagBody], Meta(max_length=20)] | None = None


class UpdateOrganizationalUnitBody(Struct):
    name: OuName


class OrgPageQuery(Struct):
    limit: Limit = ORG_DEFAULT_LIMIT
    marker: OrgMarker | None = None


class ListOrganizationalUnitsQuery(OrgPageQuery):
    parent_id: Id | None = None


class EntityWire(Reply):
    name: str
    id: str
    type: str


class EntitiesReply(Reply):
    entities: list[EntityWire]
    page_info: PageInfo


class ListEntitiesQuery(OrgPageQuery):
    parent_id: Id | None = None
    child_id: Id | None = None


class TrustedServiceBody(Struct):
    service_principal: ServicePrincipal


class TrustedServiceWire(Reply):
    service_principal: str
    enabled_at: str


class TrustedServicesReply(Reply):
    trusted_services: list[TrustedServiceWire]
    page_info: PageInfo


class AccountWire(Reply):
    id: str
    urn: str
    join_method: str
    status: str
    joined_at: str
    name: str
    description: str = ""
    # Only with with_register_contact_info=true, and only where the account has them.
    mobile_phone: str | None = None
    email: str | None = None


class UpdateAccountBody(Struct):
    description: Annotated[str, Meta(max_length=DESCRIPTION_MAX)]


class AccountReply(Reply):
    account: AccountWire


class AccountsReply(Reply):
    accounts: list[AccountWire]
    page_info: PageInfo


class ListAccountsQuery(OrgPageQuery):
    parent_id: Id | None = None
    with_register_contact_info: bool | None = None


class MoveAccountBody(Struct):
    source_parent_id: Id
    destination_parent_id: Id


class TargetBody(Struct):
    type: Literal["account"]
    entity: Annotated[str, Meta(min_length=1, max_length=64)]


class InviteAccountBody(Struct):
    target: TargetBody
    notes: Annotated[str, Meta(max_length=NOTES_MAX)] = ""
    tags: Annotated[list[TagBody], Meta(max_length=20)] | None = None


class TargetWire(Reply):
    type: str
    entity: str


class HandshakeWire(Reply):
    id: str
    urn: str
    updated_at: str
    created_at: str
    expired_at: str
    management_account_id: str
    management_account_name: str
    organization_id: str
    notes: str
    target: TargetWire
    status: str


class HandshakeReply(Reply):
    handshake: HandshakeWire


class HandshakesReply(Reply):
    handshakes: list[HandshakeWire]
    page_info: PageInfo


class CreateAccountBody(Struct):
    name: Annotated[str, Meta(min_length=1, max_length=ACCOUNT_NAME_MAX)]
    email: Annotated[str, Meta(max_length=64)] | None = None
    phone: Annotated[str, Meta(max_length=32)] | None = None
    agency_name: Annotated[str, Meta(max_length=64)] | None = None
    description: Annotated[str, Meta(max_length=DESCRIPTION_MAX)] | None = None
    tags: Annotated[list[TagBody], Meta(max_length=20)] | None = None


class CreateAccountStatusWire(Reply):
    id: str
    state: str
    account_id: str
    account_name: str
    created_at: str
    completed_at: str


class CreateAccountStatusReply(Reply):
    create_account_status: CreateAccountStatusWire


class CreateAccountStatusesReply(Reply):
    create_account_statuses: list[CreateAccountStatusWire]
    page_info: PageInfo


class ListCreateAccountStatusesQuery(OrgPageQuery):
    states: Annotated[list[Literal["in_progress", "succeeded", "failed"]], Meta(max_length=3)] = []


# --- Organizations tags, services, closed accounts and contact details (branch tags) ---

# A tag key as a marker: the page's last key (any character a key may hold).
TagMarker = Annotated[str, Meta(min_length=1, max_length=128)]


class ShowAccountQuery(Struct):
    with_register_contact_info: bool | None = None


class ListTagResourcesQuery(Struct):
    limit: Limit = 200
    marker: TagMarker | None = None


class TagResourceBody(Struct):
    tags: Annotated[list[TagBody], Meta(min_length=1, max_length=20)]


class ResourceTagsPageReply(Reply):
    tags: list[TagWire]
    page_info: PageInfo


class ResourceTagKeysReply(Reply):
    tags: list[TagKeyWire]


class TaggedResourceWire(Reply):
    resource_id: str
    resource_name: str
    tags: list[TagWire]


class TaggedResourcesReply(Reply):
    resources: list[TaggedResourceWire]
    total_count: int


class ServicesReply(Reply):
    services: list[str]


class TagPolicyServiceWire(Reply):
    service_name: str
    resource_types: list[str]
    support_all: bool


class TagPolicyServicesReply(Reply):
    services: list[TagPolicyServiceWire]


class ListCloseAccountStatusesQuery(Struct):
    states: Annotated[list[Literal["pending_closure", "suspended"]], Meta(max_length=2)] = []


class CloseAccountStatusWire(Reply):
    account_id: str
    created_at: str
    updated_at: str
    organization_id: str
    state: str


class CloseAccountStatusesReply(Reply):
    close_account_statuses: list[CloseAccountStatusWire]
