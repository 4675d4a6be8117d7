"""Wire types of the Organizations policy operations, field for field as the SDK's models
(CreatePolicyReqBody, PolicyDto, PolicySummaryDto, PolicyTachReqBody, PolicyTypeReqBody,
UpdateDryRunConfigReqBody, DryRunConfigDto, ShowEffectivePoliciesResponse)."""

from __future__ import annotations

from typing import Annotated, Literal

from msgspec import Meta, Struct

from sharekeeper.api.organization_schemas import EntityWire, OrgPageQuery, RootWire
from sharekeeper.api.schemas import PageInfo, Reply, TagBody
from sharekeeper.domain.org_tags import MAX_TAGS_PER_RESOURCE
from sharekeeper.domain.policies import DESCRIPTION_MOST, NAME_MOST

PolicyTypeName = Literal["service_control_policy", "tag_policy"]
# Huawei's API takes up to 20,000 characters; the per-type limits (5,120 and 10,000) are the
# domain's, so that the error names the type's own.
Content = Annotated[str, Meta(max_length=20_000)]
PolicyName = Annotated[str, Meta(min_length=1, max_length=NAME_MOST)]
PolicyDescription = Annotated[str, Meta(max_length=DESCRIPTION_MOST)]
EntityId = Annotated[str, Meta(min_length=1, max_length=100, pattern=r"^[0-9a-zA-Z_-]+$")]
RootId = Annotated[str, Meta(min_length=1, max_length=34, pattern=r"^[0-9a-zA-Z_-]+$")]
Field64 = Annotated[str, Meta(max_length=64)]


class CreatePolicyBody(Struct):
    content: Content
    name: PolicyName
    type: PolicyTypeName
    # Required by the SDK's model; Terraform leaves it out when empty.
    description: PolicyDescription = ""
    tags: Annotated[list[TagBody], Meta(max_length=MAX_TAGS_PER_RESOURCE)] | None = None


class UpdatePolicyBody(Struct):
    content: Content | None = None
    name: PolicyName | None = None
    description: PolicyDescription | None = None


class PolicyTachBody(Struct):
    entity_id: EntityId


class PolicyTypeBody(Struct):
    policy_type: PolicyTypeName
    root_id: RootId


class ListPoliciesQuery(OrgPageQuery):
    attached_entity_id: EntityId | None = None
    # Not in the SDK; Terraform's dry-run policies data source sends it.
    policy_type: PolicyTypeName | None = None


class EffectivePoliciesQuery(Struct):
    entity_id: EntityId
    policy_type: PolicyTypeName


class DryRunConfigQuery(Struct):
    root_id: RootId
    policy_type: PolicyTypeName


class UpdateDryRunConfigBody(Struct):
    policy_type: PolicyTypeName
    root_id: RootId
    status: Literal["enabled", "disabled"] | None = None
    bucket_name: Field64 | None = None
    region_id: Field64 | None = None
    bucket_prefix: Annotated[str, Meta(max_length=256)] | None = None
    agency_name: Field64 | None = None


class PolicySummaryWire(Reply):
    is_builtin: bool
    description: str
    id: str
    urn: str
    name: str
    type: str


class PolicyWire(Reply):
    content: str
    policy_summary: PolicySummaryWire


class PolicyReply(Reply):
    policy: PolicyWire


class PoliciesReply(Reply):
    policies: list[PolicySummaryWire]
    page_info: PageInfo


class AttachedEntitiesReply(Reply):
    attached_entities: list[EntityWire]
    page_info: PageInfo


class RootReply(Reply):
    root: RootWire


class EffectivePoliciesReply(Reply):
    last_updated_at: str
    policy_content: str
    policy_type: str
    entity_id: str


class DryRunConfigWire(Reply):
    root_id: str
    status: str
    bucket_name: str
    region_id: str
    bucket_prefix: str
    agency_name: str
    policy_type: str
    created_at: str
    updated_at: str


class DryRunConfigReply(Reply):
    root: DryRunConfigWire
