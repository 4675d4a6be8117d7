"""Wire types of the Organizations API's delegated administrators, field for field as the
SDK's models (DelegatedAdministratorReqBody, DelegatedAdministratorDto, DelegatedServiceDto)."""

from __future__ import annotations

from typing import Annotated

from msgspec import Meta, Struct

from sharekeeper.api.organization_schemas import OrgPageQuery
from sharekeeper.api.schemas import PageInfo, Reply
from sharekeeper.domain.delegation import SERVICE_PRINCIPAL_MAX

# Huawei: service_principal 1-100 characters; account_id at most 36 to register, 64 to
# deregister (an id no account has is then "not found", 1500, as Huawei answers).
DelegatedServicePrincipal = Annotated[
    str, Meta(min_length=1, max_length=SERVICE_PRINCIPAL_MAX, pattern=r"^[A-Za-z0-9._-]+$")
]
AccountId = Annotated[str, Meta(min_length=1, max_length=36, pattern=r"^[A-Za-z0-9_-]+$")]
AnyAccountId = Annotated[str, Meta(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


class RegisterBody(Struct):
    service_principal: DelegatedServicePrincipal
    account_id: AccountId


class DeregisterBody(Struct):
    service_principal: DelegatedServicePrincipal
    account_id: AnyAccountId


class ListDelegatedAdministratorsQuery(OrgPageQuery):
    service_principal: DelegatedServicePrincipal | None = None


class DelegatedAdministratorWire(Reply):
    delegation_enabled_at: str
    account_id: str
    account_urn: str
    join_method: str
    joined_at: str
    account_name: str


class DelegatedAdministratorsReply(Reply):
    delegated_administrators: list[DelegatedAdministratorWire]
    page_info: PageInfo


class DelegatedServiceWire(Reply):
    service_principal: str
    delegation_enabled_at: str


class DelegatedServicesReply(Reply):
    delegated_services: list[DelegatedServiceWire]
    page_info: PageInfo
