"""AWS Organizations' wire types (awsJson1_1), member for member as botocore's service model
``organizations/2016-11-28`` names them (PascalCase); times are epoch seconds. Requests ignore
members not served (``RoleName``, ``IamUserAccessToBilling``), which change nothing here."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

Id = Annotated[str, Meta(min_length=1, max_length=100)]
Token = Annotated[str, Meta(min_length=1, max_length=100_000)]
MaxResults = Annotated[int, Meta(ge=1, le=20)]


class Request(Struct, rename="pascal", forbid_unknown_fields=False):
    pass


class Reply(Struct, rename="pascal", omit_defaults=True):
    """An answer: absent optional members (None, empty lists) are left out, as AWS does."""


class Tag(Struct, rename="pascal"):
    key: Annotated[str, Meta(min_length=1, max_length=128)]
    value: Annotated[str, Meta(max_length=256)] = ""


class Empty(Request):
    pass


class Paged(Request):
    next_token: Token | None = None
    max_results: MaxResults | None = None


class ForParent(Paged, kw_only=True):
    parent_id: Id


class CreateOrganization(Request):
    feature_set: Literal["ALL", "CONSOLIDATED_BILLING"] = "ALL"


class CreateOrganizationalUnit(Request):
    parent_id: Id
    name: Annotated[str, Meta(min_length=1, max_length=128)]
    tags: list[Tag] = []


class OrganizationalUnitRef(Request):
    organizational_unit_id: Id


class AccountRef(Request):
    account_id: Id


class MoveAccount(Request):
    account_id: Id
    source_parent_id: Id
    destination_parent_id: Id


class HandshakeParty(Struct, rename="pascal"):
    id: Annotated[str, Meta(min_length=1, max_length=64)]
    type: Literal["ACCOUNT", "ORGANIZATION", "EMAIL"]


class InviteAccountToOrganization(Request):
    target: HandshakeParty
    notes: Annotated[str, Meta(max_length=1024)] = ""
    tags: list[Tag] = []


class HandshakeFilter(Request):
    action_type: str | None = None
    parent_handshake_id: str | None = None


class ListHandshakes(Paged):
    filter: HandshakeFilter | None = None


class HandshakeRef(Request):
    handshake_id: Id


class CreateAccount(Request):
    email: Annotated[str, Meta(min_length=6, max_length=64)]
    account_name: Annotated[str, Meta(min_length=1, max_length=50)]
    tags: list[Tag] = []


class CreateAccountStatusRef(Request):
    create_account_request_id: Id


class ListParents(Paged, kw_only=True):
    child_id: Id


class UpdateOrganizationalUnit(Request):
    organizational_unit_id: Id
    name: Annotated[str, Meta(min_length=1, max_length=128)] | None = None


class ResourceRef(Request):
    resource_id: Id
    next_token: Token | None = None


class TagResource(Request):
    resource_id: Id
    tags: list[Tag]


class UntagResource(Request):
    resource_id: Id
    tag_keys: list[Annotated[str, Meta(min_length=1, max_length=128)]]


class ServicePrincipalRef(Request):
    service_principal: Annotated[str, Meta(min_length=1, max_length=128)]


class PolicyTypeSummary(Reply):
    type: str
    status: str


class Organization(Reply):
    id: str
    arn: str
    feature_set: str
    master_account_arn: str
    master_account_id: str
    available_policy_types: list[PolicyTypeSummary] = []


class OrganizationReply(Reply):
    organization: Organization


class Root(Reply):
    id: str
    arn: str
    name: str
    policy_types: list[PolicyTypeSummary] = []


class RootsReply(Reply):
    roots: list[Root]
    next_token: str | None = None


class OrganizationalUnit(Reply):
    id: str
    arn: str
    name: str


class OrganizationalUnitReply(Reply):
    organizational_unit: OrganizationalUnit


class OrganizationalUnitsReply(Reply):
    organizational_units: list[OrganizationalUnit]
    next_token: str | None = None


class Account(Reply):
    id: str
    arn: str
    name: str
    status: str
    state: str
    joined_method: str
    # None for a closed account: its membership, and when it began, ended with the closing.
    joined_timestamp: float | None = None
    email: str | None = None


class AccountReply(Reply):
    account: Account


class AccountsReply(Reply):
    accounts: list[Account]
    next_token: str | None = None


class HandshakeResource(Reply):
    value: str
    type: str
    resources: list[HandshakeResource] = []


class Handshake(Reply):
    id: str
    arn: str
    parties: list[HandshakeParty]
    state: str
    requested_timestamp: float
    expiration_timestamp: float
    action: str
    resources: list[HandshakeResource]


class HandshakeReply(Reply):
    handshake: Handshake


class HandshakesReply(Reply):
    handshakes: list[Handshake]
    next_token: str | None = None


class CreateAccountStatus(Reply):
    id: str
    account_name: str
    state: str
    requested_timestamp: float
    completed_timestamp: float
    account_id: str


class CreateAccountStatusReply(Reply):
    create_account_status: CreateAccountStatus


class EnabledServicePrincipal(Reply):
    service_principal: str
    date_enabled: float


class ServiceAccessReply(Reply):
    enabled_service_principals: list[EnabledServicePrincipal]
    next_token: str | None = None


class Parent(Reply):
    id: str
    type: str


class ParentsReply(Reply):
    parents: list[Parent]
    next_token: str | None = None


class TagsReply(Reply):
    tags: list[Tag]
    next_token: str | None = None


class Nothing(Reply):
    pass
